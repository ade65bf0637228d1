/* SPDX-License-Identifier: MIT */
/*
 * Kernel threads and the per-CPU scheduler (kernel/sched.c).
 *
 * Each thread has its own kernel stack with a guard page (<mm/kstack.h>) and runs
 * on one CPU: the one thread_create() placed it on (the online CPU with the fewest
 * runnable threads) or named. Every CPU has a run queue (FIFO) and an idle thread
 * (on an AP, the context that came up; on the boot CPU, one made by sched_init()),
 * which serves cross-CPU calls and waits for an interrupt when nothing is
 * runnable. A thread runs with interrupts on until it yields, sleeps or exits, or
 * until the tick preempts it when another thread of its CPU is runnable: never
 * while it holds a spinlock (spin_lock() disables preemption) or masks interrupts.
 * Threads never change CPU. A thread may run in a user address space (struct as):
 * the switch activates it, and switching away deactivates it. The boot thread (kernel_main(), the ktests) runs with
 * interrupts masked, so it only switches when it yields or sleeps.
 *
 * Sleeping: a wait queue holds sleeping threads; wait_event() checks its condition
 * under the queue's lock before it sleeps, and wake_up_all() makes them runnable
 * on their own CPUs (an IPI wakes an idle one), so no wake-up is lost.
 *
 * Locks (both spinlocks with interrupts masked; holders never wait for another
 * CPU): a wait queue's lock, then a run queue's lock (rq->lock, one at a time).
 * A run queue is dequeued only by its own CPU; other CPUs only append to it.
 *
 * An exited thread's stack is freed by the next thread its CPU switches to (not
 * on itself); thread_join() waits for that, so after it every frame the thread
 * held is back.
 */
#ifndef KERN_SCHED_H
#define KERN_SCHED_H

#include <kern/spinlock.h>
#include <kern/types.h>
#include <mm/kstack.h>

enum thread_state { THREAD_RUNNABLE, THREAD_RUNNING, THREAD_SLEEPING, THREAD_DEAD };

struct thread;
struct as;

/* Threads sleeping until something changes (see wait_event()). */
struct waitq {
	spinlock_t lock;             /* the list; taken before any run-queue lock */
	struct thread *head;
};

#define WAITQ_INIT { SPINLOCK_INIT, NULL }

struct thread {
	uintptr_t sp;                /* saved stack pointer while switched out */
	struct kstack stack;
	unsigned int state;          /* enum thread_state; under its CPU's rq->lock */
	unsigned int cpu;            /* the CPU it runs on */
	struct thread *rq_next;      /* run-queue link */
	struct thread *wq_next;      /* wait-queue link */
	void (*fn)(void *);
	void *arg;
	bool is_idle;
	unsigned int preempt_count;  /* the CPU's count, saved while switched out */
	bool freed;                  /* its stack is back (set by the next thread) */
	struct waitq exit_wq;        /* woken when freed (thread_join()) */
	struct as *as;               /* the address space it runs in, or NULL: the kernel's */
	unsigned int tid;            /* unique, from 1 (gettid(); getpid() for now) */
	int exit_status;             /* exit()'s status, 0..255 */
	int exit_signal;             /* the signal that ended it, or 0 */
	uint64_t syscalls;           /* system calls made */
	uint64_t user_bytes_written; /* by write() */
	char name[16];
};


/* Set up the scheduler on the boot CPU (after mm_init(), before smp_init()). */
void sched_init(void);

/* Make the calling AP's start-up context its idle thread (smp_ap_entry()). */
void sched_init_ap(void);

/*
 * Create a thread running @fn(@arg) on @cpu (or the least loaded online CPU if
 * @cpu is -1); it is runnable at once. Returns it, or NULL (-ENOMEM: no memory for
 * its stack or its struct; -EINVAL: @cpu offline). Freed by thread_join().
 */
struct thread *thread_create(void (*fn)(void *), void *arg, int cpu, const char *name, int *err);

/*
 * The same in address space @as: the CPU it runs on has @as active (in as->cpus,
 * so shootdowns of @as reach it) exactly while it runs, and leaves the set once it
 * switched to another root (<mm/tlb.h>). @as must outlive the thread.
 */
struct thread *thread_create_in(struct as *as, void (*fn)(void *), void *arg, int cpu,
				const char *name, int *err);

/* Wait until @t has exited and its stack is freed, then free @t. */
void thread_join(struct thread *t);

/* The same, giving its exit status and the signal that ended it (0: none). */
void thread_join_result(struct thread *t, int *status, int *sig);

/* The calling thread. */
struct thread *thread_current(void);

/* Let the other runnable threads of this CPU run first. */
void thread_yield(void);

/* End the calling thread (also what returning from its function does). */
__noreturn void thread_exit(void);

/* The idle loop's check: is a thread runnable on this CPU? Then run it. */
void sched_idle_poll(void);

/* Runnable threads queued on @cpu (placement, tests). */
unsigned int sched_nr_runnable(unsigned int cpu);

/* Context switches made by @cpu so far. */
uint64_t sched_switches(unsigned int cpu);

/* The tick, from timer_tick(): is a switch due on this CPU? */
void sched_tick(void);

/*
 * The arch's timer interrupt handler calls this last (after its EOI), with
 * whether the interrupted context had interrupts on: preempts the running thread
 * if a switch is due and allowed.
 */
void sched_preempt_irq(bool irqs_were_on);

/* Preemptions on @cpu so far. */
uint64_t sched_preemptions(unsigned int cpu);

/* Where a new thread starts (arch_thread_entry calls it). */
__noreturn void sched_thread_start(void (*fn)(void *), void *arg);

/* Wait queues. */
void waitq_init(struct waitq *wq);
/* Sleep until @cond(@arg) holds; @cond is checked under the queue's lock. */
void wait_event(struct waitq *wq, bool (*cond)(void *), void *arg);
/* Make every thread sleeping on @wq runnable. */
void wake_up_all(struct waitq *wq);

#endif
