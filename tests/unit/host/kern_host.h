/* SPDX-License-Identifier: MIT */
/*
 * Host versions of the kernel hooks generic code calls (kern_host.c), linked into
 * every host unit test: printk() prints TAP diagnostics ("# ..."), panic() aborts,
 * and the current CPU is a per-thread id that a test thread sets for itself.
 */
#ifndef TESTS_KERN_HOST_H
#define TESTS_KERN_HOST_H

#include <stddef.h>

/* Make the calling thread act as CPU @cpu (< NCPUS). Threads start as CPU 0. */
void host_cpu_set(unsigned int cpu);

/* Messages printk() has printed so far (all threads), and whether to print them. */
unsigned long host_printk_count(void);
void host_printk_quiet(int quiet);

/* The last message printk() printed (this thread's), without its trailing newline. */
const char *host_printk_last(void);

#endif
