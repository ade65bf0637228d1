/* SPDX-License-Identifier: MIT */
/*
 * The kernel command line: space-separated words, each "name" or "name=value".
 * Set once at boot from what the boot loader passed (multiboot2 on x86_64,
 * /chosen/bootargs on riscv64); read-only afterwards.
 */
#ifndef KERN_CMDLINE_H
#define KERN_CMDLINE_H

#include <kern/types.h>

/* Copy @s (may be NULL) as the command line; longer lines are cut at CMDLINE_MAX-1. */
#define CMDLINE_MAX 1024
void cmdline_set(const char *s);
const char *cmdline_get(void);

/* True if the word @name or "name=..." is present. */
bool cmdline_has(const char *name);

/*
 * Copy the value of "name=value" into @buf (NUL-terminated, cut to @size-1).
 * Returns the value's full length, or -1 if @name has no value ("name" alone
 * or absent). The last occurrence wins.
 */
int cmdline_get_value(const char *name, char *buf, size_t size);

#endif
