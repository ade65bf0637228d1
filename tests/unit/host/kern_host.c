// SPDX-License-Identifier: MIT
/*
 * Host versions of the kernel hooks (see kern_host.h): printk, panic, the calling
 * thread's CPU id and cpu_relax() (the rest of <kern/cpu.h> is inline there), so
 * generic mm/ and kernel/ files link into unit tests.
 */
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kern/cpu.h>
#include <kern/panic.h>
#include <kern/printk.h>

#include "kern_host.h"

/* The calling thread's CPU, read inline by cpu_current() (<kern/cpu.h>). */
_Thread_local unsigned int host_cpu_index;
static _Thread_local char last[512];
static unsigned long printed;
static int quiet;

void host_cpu_set(unsigned int cpu)
{
	if (cpu >= NCPUS) {
		fprintf(stderr, "host_cpu_set(%u): NCPUS is %u\n", cpu, (unsigned int)NCPUS);
		abort();
	}
	host_cpu_index = cpu;
}

void cpu_relax(void)
{
	/* More test threads than host cores: let the lock holder run. */
	sched_yield();
}

unsigned long host_printk_count(void)
{
	return __atomic_load_n(&printed, __ATOMIC_RELAXED);
}

void host_printk_quiet(int q)
{
	__atomic_store_n(&quiet, q, __ATOMIC_RELAXED);
}

const char *host_printk_last(void)
{
	return last;
}

void vprintk(enum log_level level, const char *fmt, va_list ap)
{
	(void)level;
	vsnprintf(last, sizeof(last), fmt, ap);
	size_t n = strlen(last);
	if (n && last[n - 1] == '\n')
		last[n - 1] = '\0';
	__atomic_fetch_add(&printed, 1, __ATOMIC_RELAXED);
	if (!__atomic_load_n(&quiet, __ATOMIC_RELAXED))
		printf("# printk: %s\n", last);
}

void printk(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "panic: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	printf("Bail out! panic\n");
	fflush(stdout);
	abort();
}
