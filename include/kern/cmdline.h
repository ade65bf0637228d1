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

/*
 * The kernel's parameters end at a word "--": cmdline_has() and
 * cmdline_get_value() never look past it.
 *
 * init's argv and envp from command line @line, as Linux 6.1 builds them
 * (init/main.c, unknown_bootoption() and set_init_arg()): argv[0] is @init_path;
 * envp starts as HOME=/ and TERM=linux. Before "--", the kernel's own parameters
 * and words whose name has a '.' are dropped, a word "name=value" goes to envp
 * (replacing one of the same name), any other word to argv; every word after "--"
 * goes to argv. The words are copied into @buf (@buf_size bytes); @argv and @envp
 * get at most @argv_max and @envp_max entries with their NULL. Returns 0, or
 * -E2BIG when something does not fit (Linux would panic: too many init arguments).
 */
int cmdline_init_args(const char *line, const char *init_path, char *buf, size_t buf_size,
		      const char **argv, size_t argv_max, const char **envp, size_t envp_max);

#endif
