// SPDX-License-Identifier: MIT
/*
 * Host versions of the kernel hooks (see kern_host.h): printk, panic, the calling
 * thread's CPU id, cpu_relax() (the rest of <kern/cpu.h> is inline there) and the
 * cross-CPU calls of <kern/smp.h>, so generic mm/ and kernel/ files link into unit
 * tests.
 */
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kern/cpu.h>
#include <kern/panic.h>
#include <kern/printk.h>
#include <kern/smp.h>

#include "kern_host.h"

/* The calling thread's CPU, read inline by cpu_current() (<kern/cpu.h>). */
_Thread_local unsigned int host_cpu_index;
static _Thread_local char last[512];
static unsigned long printed;
static int quiet;

/* The CPU this thread is attached to (host_cpu_attach()), or -1. */
static _Thread_local int attached_cpu = -1;

void host_cpu_set(unsigned int cpu)
{
	if (cpu >= NCPUS) {
		fprintf(stderr, "host_cpu_set(%u): NCPUS is %u\n", cpu, (unsigned int)NCPUS);
		abort();
	}
	if (attached_cpu >= 0 && cpu != (unsigned int)attached_cpu) {
		fprintf(stderr, "host_cpu_set(%u): the thread is attached to CPU %d\n", cpu,
			attached_cpu);
		abort();
	}
	host_cpu_index = cpu;
}

/*
 * ---- Cross-CPU calls, emulated over threads ----
 *
 * A request for CPU i is run by whoever acts as CPU i:
 *  - a thread attached to CPU i (host_cpu_attach()): the request waits in CPU i's
 *    mailbox until that thread serves it, from host_cpu_poll() (its "interrupts
 *    enabled" points), cpu_relax() (every spin_lock() wait, as in the kernel) or the
 *    wait of its own call; the caller waits, serving its own mailbox meanwhile
 *    (<kern/smp.h> rule 2), so two threads calling each other both finish;
 *  - no thread: the caller runs the request itself with host_cpu_index switched to
 *    i, holding CPU i's mutex so that no other caller (nor an attach) acts as CPU i
 *    at the same time. This is only valid because no thread is running as CPU i
 *    meanwhile: a thread that acts as a CPU without attaching (host_cpu_set() alone)
 *    must be the only one touching that CPU while it runs, as in the single-threaded
 *    tests, or be stopped (joined) before anyone calls that CPU.
 * The request's function runs in a thread acting as its target, as in the kernel.
 * The host always waits for the call to finish, @wait or not (a stricter but valid
 * behaviour). Every CPU below NCPUS is online.
 */
struct host_call {
	smp_call_fn fn;
	void *arg;
	struct host_call *next;
	int done;                  /* atomic: set (release) once fn returned */
};

static struct host_cpu {
	pthread_mutex_t lock;      /* attached and queue; held by a caller running as it */
	int attached;              /* a thread acts as this CPU and serves its mailbox */
	struct host_call *queue;   /* requests for that thread */
	int pending;               /* atomic: queue is not empty (host_cpu_poll()'s test) */
} host_cpus[NCPUS] = { [0 ... NCPUS - 1] = { .lock = PTHREAD_MUTEX_INITIALIZER } };

struct cpuset cpu_online_set;

__attribute__((constructor)) static void host_smp_init(void)
{
	for (unsigned int i = 0; i < NCPUS; i++)
		cpuset_add(&cpu_online_set, i);
}

/* Requests each CPU's attached thread ran from its mailbox (atomic). */
static unsigned long served[NCPUS];

/* Run the requests @q (taken from a mailbox) as the calling thread's CPU. */
static void run_calls(struct host_call *q)
{
	while (q) {
		struct host_call *next = q->next;   /* the caller may return once done is set */
		q->fn(q->arg);
		__atomic_fetch_add(&served[host_cpu_index], 1, __ATOMIC_RELAXED);
		__atomic_store_n(&q->done, 1, __ATOMIC_RELEASE);
		q = next;
	}
}

unsigned long host_cpu_calls_served(unsigned int cpu)
{
	return __atomic_load_n(&served[cpu], __ATOMIC_RELAXED);
}

void host_cpu_poll(void)
{
	if (attached_cpu < 0 || (unsigned int)attached_cpu != host_cpu_index)
		return;
	struct host_cpu *h = &host_cpus[attached_cpu];
	if (!__atomic_load_n(&h->pending, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&h->lock);
	struct host_call *q = h->queue;
	h->queue = NULL;
	__atomic_store_n(&h->pending, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&h->lock);
	run_calls(q);
}

void host_cpu_attach(unsigned int cpu)
{
	if (attached_cpu >= 0) {
		fprintf(stderr, "host_cpu_attach(%u): already attached to CPU %d\n", cpu, attached_cpu);
		abort();
	}
	host_cpu_set(cpu);
	struct host_cpu *h = &host_cpus[cpu];
	pthread_mutex_lock(&h->lock);
	if (h->attached) {
		fprintf(stderr, "host_cpu_attach(%u): another thread is attached to it\n", cpu);
		abort();
	}
	h->attached = 1;
	pthread_mutex_unlock(&h->lock);
	attached_cpu = (int)cpu;
}

void host_cpu_detach(void)
{
	if (attached_cpu < 0)
		return;
	struct host_cpu *h = &host_cpus[attached_cpu];
	/* The last requests are served under the mutex: nobody runs as this CPU meanwhile. */
	pthread_mutex_lock(&h->lock);
	h->attached = 0;
	struct host_call *q = h->queue;
	h->queue = NULL;
	__atomic_store_n(&h->pending, 0, __ATOMIC_RELAXED);
	run_calls(q);
	pthread_mutex_unlock(&h->lock);
	attached_cpu = -1;
}

void cpu_relax(void)
{
	/* More test threads than host cores: let the lock holder run. */
	sched_yield();
	/* As in the kernel, a spin serves this CPU's requests. */
	host_cpu_poll();
}

void host_cpu_pause(void)
{
	sched_yield();
}

void smp_poll(void)
{
	host_cpu_poll();
}

void smp_call_mask(const struct cpuset *cpus, smp_call_fn fn, void *arg, bool wait)
{
	unsigned int self = host_cpu_index;
	struct host_call calls[NCPUS];
	bool sent[NCPUS] = { false };

	(void)wait;
	for (unsigned int i = 0; i < NCPUS; i++) {
		if (!cpuset_has(cpus, i) || !cpuset_has(&cpu_online_set, i))
			continue;
		if (i == self && attached_cpu == (int)self)
			continue;   /* our own CPU: run below, directly */
		struct host_cpu *h = &host_cpus[i];
		pthread_mutex_lock(&h->lock);
		if (h->attached) {
			calls[i] = (struct host_call){ .fn = fn, .arg = arg, .next = h->queue };
			h->queue = &calls[i];
			__atomic_store_n(&h->pending, 1, __ATOMIC_RELEASE);
			sent[i] = true;
		} else {
			host_cpu_index = i;
			fn(arg);
			host_cpu_index = self;
		}
		pthread_mutex_unlock(&h->lock);
	}
	if (attached_cpu == (int)self && cpuset_has(cpus, self))
		fn(arg);
	for (unsigned int i = 0; i < NCPUS; i++)
		while (sent[i] && !__atomic_load_n(&calls[i].done, __ATOMIC_ACQUIRE)) {
			host_cpu_poll();
			sched_yield();
		}
}

void smp_call_cpu(unsigned int cpu, smp_call_fn fn, void *arg, bool wait)
{
	struct cpuset s;

	if (cpu >= NCPUS) {
		fprintf(stderr, "smp_call_cpu(%u): NCPUS is %u\n", cpu, (unsigned int)NCPUS);
		abort();
	}
	cpuset_clear(&s);
	cpuset_add(&s, cpu);
	smp_call_mask(&s, fn, arg, wait);
}

void smp_call_others(smp_call_fn fn, void *arg, bool wait)
{
	struct cpuset s = cpu_online_set;

	cpuset_del(&s, host_cpu_index);
	smp_call_mask(&s, fn, arg, wait);
}

void smp_call_sync(void)
{
	/* Every host call has finished when it returns. */
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

/*
 * <kern/string.h>'s strlcpy(), which glibc only has from 2.38 (Debian 12 ships
 * 2.36); where the libc has one, this definition takes its place in the test.
 */
size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}
