/* SPDX-License-Identifier: MIT */
/*
 * Host versions of the kernel hooks generic code calls (kern_host.c), linked into
 * every host unit test: printk() prints TAP diagnostics ("# ..."), panic() aborts,
 * and the current CPU is a per-thread id that a test thread sets for itself.
 */
#ifndef TESTS_KERN_HOST_H
#define TESTS_KERN_HOST_H

#include <stddef.h>

/*
 * Make the calling thread act as CPU @cpu (< NCPUS). Threads start as CPU 0. A thread
 * that only does this (without host_cpu_attach()) must be the only one acting as that
 * CPU while it runs allocator code, and nobody may make a cross-CPU call to that CPU
 * meanwhile: such a call runs in the caller's thread, as that CPU (see kern_host.c).
 * Single-threaded tests, and threads joined before anyone drains their CPU, are fine.
 */
void host_cpu_set(unsigned int cpu);

/*
 * Act as CPU @cpu (as host_cpu_set()) and serve its cross-CPU calls: from now on a
 * call to @cpu waits in its mailbox until this thread runs it, from host_cpu_poll(),
 * cpu_relax() or the wait of its own call. host_cpu_detach() serves what is left and
 * ends it (the thread must not touch the allocator as that CPU afterwards). One
 * thread per CPU; a thread attached to a CPU stays on it.
 */
void host_cpu_attach(unsigned int cpu);
void host_cpu_detach(void);

/*
 * Serve the calling thread's CPU's mailbox, if it is attached: a point where the
 * kernel would have interrupts enabled (between allocator calls, in an idle loop).
 */
void host_cpu_poll(void);

/* Requests CPU @cpu's attached thread has run from its mailbox so far. */
unsigned long host_cpu_calls_served(unsigned int cpu);

/* The wait hint the allocators' locks use: yields, serves nothing (mm_lock_wait()). */
void host_cpu_pause(void);

/* Messages printk() has printed so far (all threads), and whether to print them. */
unsigned long host_printk_count(void);
void host_printk_quiet(int quiet);

/* The last message printk() printed (this thread's), without its trailing newline. */
const char *host_printk_last(void);

#endif
