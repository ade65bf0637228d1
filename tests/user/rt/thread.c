// SPDX-License-Identifier: MIT
/*
 * Threads for the user test programs, made the way glibc's pthread_create() makes
 * them: raw clone with RT_THREAD_FLAGS through the arch's arch_clone() (the child
 * starts on its own stack), a TLS block as the thread pointer, the tid word written
 * at clone and cleared at exit by the kernel, joined with futex waits as
 * pthread_join() does. Also a futex mutex and the CPU count. Any thread may call
 * these; a struct rt_thread belongs to the thread that started it.
 */
#include "rt.h"

#define RT_STACK_DEFAULT (64 * 1024)

long rt_thread_start(struct rt_thread *t, int (*fn)(void *), void *arg, size_t stack_size,
		     void *user)
{
	long r;

	if (!stack_size)
		stack_size = RT_STACK_DEFAULT;
	r = sys_mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sys_is_err(r))
		return r;
	t->stack = (void *)r;
	t->stack_size = stack_size;
	t->tls.self = &t->tls;
	t->tls.user = user;
	t->tid = 0;
	/* The same word for CLONE_PARENT_SETTID and CLONE_CHILD_CLEARTID, as glibc's
	 * &pd->tid: set before the child can run (kernel_clone() writes it before
	 * wake_up_new_task()), cleared when it is gone. */
	r = arch_clone(RT_THREAD_FLAGS, (char *)t->stack + stack_size, (int *)&t->tid,
		       (int *)&t->tid, &t->tls, fn, arg);
	if (r < 0) {
		sys_munmap(t->stack, stack_size);
		t->stack = NULL;
	}
	return r;
}

long rt_thread_join(struct rt_thread *t, int64_t timeout_ns)
{
	int64_t deadline = timeout_ns ? rt_clock_ns(CLOCK_MONOTONIC) + timeout_ns : 0;
	int v;

	while ((v = __atomic_load_n(&t->tid, __ATOMIC_ACQUIRE)) != 0) {
		struct linux_timespec ts, *tp = NULL;

		if (deadline) {
			int64_t left = deadline - rt_clock_ns(CLOCK_MONOTONIC);

			if (left <= 0)
				return -ETIMEDOUT;
			ts = rt_ns_ts(left);
			tp = &ts;
		}
		/*
		 * A shared wait, not FUTEX_PRIVATE_FLAG: the kernel's wake at thread exit
		 * (kernel/fork.c mm_release: FUTEX_WAKE on clear_child_tid) is a shared
		 * one, and a private futex key differs from a shared key of the same
		 * anonymous page (kernel/futex/core.c get_futex_key: FUT_OFF_MMSHARED), so
		 * a private waiter would never be woken. glibc waits on pd->tid this way.
		 */
		sys_futex(&t->tid, FUTEX_WAIT, v, tp, NULL, 0);
	}
	sys_munmap(t->stack, t->stack_size);
	t->stack = NULL;
	return 0;
}

void rt_mutex_lock(rt_mutex_t *m)
{
	int c = 0;

	if (__atomic_compare_exchange_n(&m->word, &c, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	if (c != 2)
		c = __atomic_exchange_n(&m->word, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		sys_futex(&m->word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 2, NULL, NULL, 0);
		c = __atomic_exchange_n(&m->word, 2, __ATOMIC_ACQUIRE);
	}
}

void rt_mutex_unlock(rt_mutex_t *m)
{
	if (__atomic_fetch_sub(&m->word, 1, __ATOMIC_RELEASE) != 1) {
		__atomic_store_n(&m->word, 0, __ATOMIC_RELEASE);
		sys_futex(&m->word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
	}
}

unsigned int rt_cpu_count(void)
{
	unsigned char mask[128];	/* 1024 CPUs */
	long r = sys_sched_getaffinity(0, sizeof(mask), mask);
	unsigned int n = 0;

	for (long i = 0; i < r; i++)
		for (unsigned int b = 0; b < 8; b++)
			n += (mask[i] >> b) & 1;
	return n ? n : 1;
}
