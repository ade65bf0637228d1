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

#include <kern/percpu.h>
#include <kern/signal.h>
#include <kern/spinlock.h>
#include <kern/types.h>
#include <mm/kstack.h>

enum thread_state { THREAD_RUNNABLE, THREAD_RUNNING, THREAD_SLEEPING, THREAD_DEAD };

struct thread;
struct as;
struct proc;

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
	struct proc *proc;           /* the process it is a thread of, or NULL (<kern/proc.h>) */
	struct thread *proc_next;    /* the process's thread list (under proc->lock) */
	bool detached;               /* nobody joins it: its struct is freed with its stack */
	unsigned int work;           /* THREAD_WORK_*, atomic: to do before returning to user mode */
	bool sleep_intr;             /* sleeping interruptibly (under its rq->lock) */
	struct waitq *wq_on;         /* the wait queue it is linked on (under that queue's lock) */
	uint64_t deadline;           /* a timed sleep's end (time_ns()), 0: none */
	struct thread *timer_next;   /* its CPU's timed sleepers (under rq->lock) */
	bool on_timer;               /* linked there */
	uintptr_t clear_child_tid;   /* set_tid_address(): zeroed and woken at exit */
	unsigned int tid;            /* unique, from 1 (gettid(); a process's first is its pid) */
	int exit_status;             /* exit()'s status, 0..255 */
	int exit_signal;             /* the signal that ended it, or 0 */
	uint64_t syscalls;           /* system calls made */
	uint64_t user_bytes_written; /* by write() */
	char name[16];
	/* Signals (<kern/signal.h>; under the process's lock). */
	uint64_t sig_blocked;        /* the blocked mask */
	uint64_t sig_pending;        /* thread-directed, pending */
	struct ksiginfo sig_info[NSIG];   /* each pending one's information */
	struct sigaltstack_k altstack;
	/* kernel/sys_misc.c; written only by the thread itself */
	uintptr_t robust_list;       /* set_robust_list()'s head (the futex code walks it at exit) */
	uintptr_t rseq;              /* rseq()'s registered area, or 0 */
	uint32_t rseq_sig;           /* its abort signature */
	bool in_user_copy;           /* inside copy_from_user()/copy_to_user() (uaccess_fault()) */
	uintptr_t user_tls;          /* x86_64: the FS base (arch_prctl(ARCH_SET_FS), CLONE_SETTLS) */
	/* A thread of a process: its user FP/vector state while switched out (<kern/arch.h>). */
	uint8_t fpu_state[ARCH_FPU_STATE_SIZE] __aligned(ARCH_FPU_STATE_ALIGN);
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

/* The calling thread (inline: every system call asks, more than once). */
static inline struct thread *thread_current(void)
{
	return this_cpu()->curr;
}

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

/*
 * The same, ending also at @deadline (time_ns(); 0: never), checked at least every
 * tick, and with WAIT_INTERRUPTIBLE as soon as the thread has work before its
 * return to user mode (thread_kick(): a signal, or its process is exiting).
 * Returns 0 when @cond held, -ETIMEDOUT, or -EINTR.
 */
#define WAIT_INTERRUPTIBLE 1u
int wait_event_timeout(struct waitq *wq, bool (*cond)(void *), void *arg, uint64_t deadline,
		       unsigned int flags);

/* Make every thread sleeping on @wq runnable. */
void wake_up_all(struct waitq *wq);

/*
 * Set *@done (release) and wake @wq's sleepers, under @wq's lock: for a waiter that
 * frees the object holding @wq once it sees *@done (read with acquire), since it
 * can only see it after this call is done with @wq.
 */
void waitq_complete(struct waitq *wq, bool *done);

/*
 * Work a thread must do before it returns to user mode (thread->work), set by any
 * CPU with thread_kick(): the thread leaves an interruptible sleep, and if it is
 * running on another CPU that CPU takes an interrupt, so the work is seen at the
 * next return to user mode (user_return_work()).
 */
#define THREAD_WORK_KILL   1u    /* its process is exiting: end the thread */
#define THREAD_WORK_SIGNAL 2u    /* a signal may be deliverable */
void thread_kick(struct thread *t, unsigned int work);

/* Does the calling thread have work (it should leave an interruptible sleep)? */
bool thread_has_work(void);

/*
 * A thread of process @p (<kern/proc.h>) in @p's address space @as, with thread id
 * @tid: like thread_create_in(), but nobody joins it. After it exits, its CPU frees
 * its stack, calls proc_thread_freed() and frees its struct. The caller links it
 * into @p before it can run: it is queued only by thread_start(). @frame_size bytes
 * of @frame (0: none) go at the top of its kernel stack: the user frame a cloned
 * thread returns to user mode through (arch_user_resume()).
 */
struct thread *thread_create_proc(struct proc *p, struct as *as, void (*fn)(void *), void *arg,
				  int cpu, unsigned int tid, const char *name, const void *frame,
				  size_t frame_size, int *err);
/* Queue a thread made by thread_create_proc(). */
void thread_start(struct thread *t);
/* Or free it, never started (its tid stays the caller's to free). */
void thread_discard(struct thread *t);

#endif
