// SPDX-License-Identifier: MIT
/*
 * Kernel threads and the per-CPU scheduler (see <kern/sched.h> for the model and
 * the lock rules).
 *
 * Preemption: the tick (timer_tick() -> sched_tick()) marks the CPU when another
 * thread is runnable; the arch's timer handler then calls sched_preempt_irq()
 * after its end-of-interrupt, which switches from inside the handler: the
 * interrupted frame stays on the preempted thread's stack and the handler returns
 * through it when that thread is switched back to.
 *
 * A thread's state changes under its CPU's run-queue lock, except on its own CPU
 * while it runs (RUNNING -> SLEEPING/DEAD before it calls schedule()). A sleeper
 * may be woken, and so appended to its run queue, while it is still on its way
 * into schedule(): schedule() then finds it RUNNABLE (not RUNNING), does not queue
 * it a second time, and may pick it straight back.
 */
#include <kern/arch.h>
#include <kern/boot.h>
#include <kern/cpu.h>
#include <kern/errno.h>
#include <kern/panic.h>
#include <kern/percpu.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include <kern/smp.h>
#include <kern/string.h>
#include <kern/proc.h>
#include <kern/time.h>
#include <mm/as.h>
#include <mm/init.h>
#include <mm/mmu.h>
#include <mm/slab.h>

struct rq {
	spinlock_t lock;             /* the queue, nr, and its threads' states */
	struct thread *head, *tail;  /* runnable threads, FIFO (never the idle one) */
	unsigned int nr;
	struct thread *idle;
	struct thread *dead;         /* exited, its stack to be freed after the switch */
	struct thread *timed;        /* sleepers with a deadline (thread->timer_next) */
	bool need_resched;           /* the tick saw another runnable thread */
	unsigned int assigned;       /* threads placed here and not dead yet (atomic; idle not counted) */
	uint64_t switches;
	uint64_t preemptions;
} __aligned(64);

unsigned int preempt_counts[NCPUS];

static struct rq rqs[NCPUS];
static struct thread boot_thread;          /* kernel_main()'s context, on the boot stack */
static struct thread ap_idle[NCPUS];       /* each AP's start-up context */
static bool sched_up;
static unsigned int next_tid;

static void rq_push(struct rq *rq, struct thread *t)
{
	t->rq_next = NULL;
	if (rq->tail)
		rq->tail->rq_next = t;
	else
		rq->head = t;
	rq->tail = t;
	rq->nr++;
}

static struct thread *rq_pop(struct rq *rq)
{
	struct thread *t = rq->head;

	if (t) {
		rq->head = t->rq_next;
		if (!rq->head)
			rq->tail = NULL;
		rq->nr--;
	}
	return t;
}

/* The thread's stack is this CPU's stack now (overflow reports, the unwinder). */
static void set_cpu_stack(const struct thread *t)
{
	struct percpu *pc = this_cpu();

	pc->stack_guard = t->stack.guard;
	pc->stack_bottom = t->stack.bottom;
	pc->stack_top = t->stack.top;
	arch_set_kernel_stack(t->stack.top);
}

static void wake_up_all_locked(struct waitq *wq);

/* Right after a switch, in the new thread: free the stack of one that exited. */
static void sched_finish(void)
{
	struct rq *rq = &rqs[cpu_current()];
	struct thread *d = rq->dead;

	if (!d)
		return;
	rq->dead = NULL;
	/* kmap_unmap() shoots down; no lock is held here (the flush protocol allows it anyway). */
	kstack_free(&d->stack);
	if (d->detached) {
		/* Nobody joins it: this CPU is its last user. */
		if (d->proc)
			proc_thread_freed(d);
		kfree(d);
		return;
	}
	/*
	 * Under the queue's lock: a joiner sees freed only there, and frees the struct
	 * (the lock included) once it did, so this CPU must touch nothing of @d after
	 * the unlock.
	 */
	waitq_complete(&d->exit_wq, &d->freed);
}

/*
 * Change this CPU's root from @from's (NULL: the kernel table) to @to's. The new
 * space's set gains this CPU before its root is loaded; the old one's loses it only
 * after the load dropped its non-global entries (the protocol in <mm/tlb.h>).
 */
static void switch_as(struct as *from, struct as *to)
{
	if (to)
		as_activate(to);
	else
		arch_mmu_activate(mm_kernel_pt.root, mm_kernel_pt.levels);
	if (from)
		as_deactivate(from);
}

/* Switch to the next runnable thread of this CPU, or its idle thread. Interrupts masked. */
static void schedule(void)
{
	unsigned int cpu = cpu_current();
	struct rq *rq = &rqs[cpu];
	struct thread *prev = this_cpu()->curr, *next;

	spin_lock(&rq->lock);
	if (prev->state == THREAD_RUNNING && !prev->is_idle) {
		prev->state = THREAD_RUNNABLE;
		rq_push(rq, prev);
	}
	next = rq_pop(rq);
	if (!next)
		next = rq->idle;
	rq->need_resched = false;
	if (next == prev) {
		prev->state = THREAD_RUNNING;
		spin_unlock(&rq->lock);
		return;
	}
	KASSERT(next->cpu == cpu, "thread %s of CPU %u queued on CPU %u", next->name, next->cpu, cpu);
	next->state = THREAD_RUNNING;
	this_cpu()->curr = next;
	rq->switches++;
	if (prev->state == THREAD_DEAD)
		rq->dead = prev;
	spin_unlock(&rq->lock);
	set_cpu_stack(next);
	/* The preemption count belongs to the thread: a yield with preemption off keeps it off. */
	prev->preempt_count = preempt_counts[cpu];
	preempt_counts[cpu] = next->preempt_count;
	if (prev->as != next->as)
		switch_as(prev->as, next->as);
	/* The user TLS base is per thread where it is not a register of the frame (x86_64 FS). */
	if (next->proc)
		arch_set_user_tls(next->user_tls);
	/* So are the user FP/vector registers, which the kernel never uses itself. */
	arch_fpu_switch(prev, next);
	arch_switch(&prev->sp, next->sp);
	sched_finish();
}

static void idle_loop(void *arg);
static int thread_alloc(void (*fn)(void *), void *arg, unsigned int cpu, const char *name,
			struct thread **out);

static void thread_init_static(struct thread *t, unsigned int cpu, const char *name, bool idle)
{
	memset(t, 0, sizeof(*t));
	t->cpu = cpu;
	t->is_idle = idle;
	t->state = THREAD_RUNNING;
	strlcpy(t->name, name, sizeof(t->name));
}

void sched_init(void)
{
	struct rq *rq = &rqs[0];

	for (unsigned int i = 0; i < NCPUS; i++)
		spin_init(&rqs[i].lock);
	thread_init_static(&boot_thread, 0, "boot", false);
	boot_thread.stack.guard = (uintptr_t)boot_stack_guard;
	boot_thread.stack.bottom = (uintptr_t)boot_stack_bottom;
	boot_thread.stack.top = (uintptr_t)boot_stack_top;
	cpu_area(0)->curr = &boot_thread;
	/* The boot CPU's idle thread: a thread of its own, run when nothing else is. */
	struct thread *idle;
	int err = thread_alloc(idle_loop, NULL, 0, "idle0", &idle);
	if (err)
		panic("sched: no memory for the boot CPU's idle thread (%d)", err);
	idle->is_idle = true;
	rq->idle = idle;
	rq->assigned = 1;            /* the boot thread; an idle thread does not count */
	sched_up = true;
}

void sched_init_ap(void)
{
	unsigned int cpu = cpu_current();
	struct thread *t = &ap_idle[cpu];
	struct percpu *pc = this_cpu();

	thread_init_static(t, cpu, "idle", true);
	t->stack.guard = pc->stack_guard;
	t->stack.bottom = pc->stack_bottom;
	t->stack.top = pc->stack_top;
	rqs[cpu].idle = t;
	cpu_area(cpu)->curr = t;
}

/*
 * The online CPU with the fewest threads placed on it and not dead (ties: the
 * lowest index). Threads never migrate, so that count is exactly what each CPU has
 * to run; it is one atomic per CPU, where reading a queue's length and its running
 * thread from another CPU could catch a thread between the two and miss it.
 */
static unsigned int least_loaded(void)
{
	unsigned int best = 0, best_nr = ~0u;

	for (unsigned int c = 0; c < NCPUS; c++) {
		if (!cpuset_has(&cpu_online_set, c) || !rqs[c].idle)
			continue;
		unsigned int nr = __atomic_load_n(&rqs[c].assigned, __ATOMIC_RELAXED);
		if (nr < best_nr) {
			best = c;
			best_nr = nr;
		}
	}
	return best;
}

/* Append @t (RUNNABLE) to its CPU's queue, and wake that CPU if it is another. */
static void enqueue(struct thread *t)
{
	struct rq *rq = &rqs[t->cpu];
	unsigned long flags = spin_lock_irqsave(&rq->lock);

	rq_push(rq, t);
	spin_unlock_irqrestore(&rq->lock, flags);
	if (t->cpu != cpu_current()) {
		struct cpuset s;
		cpuset_clear(&s);
		cpuset_add(&s, t->cpu);
		/* An empty mailbox: the interrupt only ends the idle wait. */
		arch_smp_send_ipi(&s);
	}
}

/*
 * A new thread with its stack, not queued yet; @frame_size bytes of @frame (a
 * multiple of 16) go at the top of its stack, above its first switch frame (a
 * user frame for arch_user_resume()). Returns 0, -ENOMEM.
 */
static int thread_alloc_frame(void (*fn)(void *), void *arg, unsigned int cpu, const char *name,
			      const void *frame, size_t frame_size, struct thread **out)
{
	struct thread *t = kzalloc(sizeof(*t), 0);

	if (!t)
		return -ENOMEM;
	if (kstack_alloc(&t->stack)) {
		kfree(t);
		return -ENOMEM;
	}
	waitq_init(&t->exit_wq);
	t->fn = fn;
	t->arg = arg;
	t->cpu = cpu;
	t->state = THREAD_RUNNABLE;
	t->tid = __atomic_add_fetch(&next_tid, 1, __ATOMIC_RELAXED);
	strlcpy(t->name, name ? name : "thread", sizeof(t->name));
	KASSERT(frame_size % 16 == 0 && frame_size < KSTACK_SIZE / 4, "frame of %zu bytes", frame_size);
	if (frame_size)
		memcpy((void *)(t->stack.top - frame_size), frame, frame_size);
	__atomic_add_fetch(&rqs[cpu].assigned, 1, __ATOMIC_RELAXED);
	t->sp = arch_thread_stack_init(t->stack.top - frame_size, fn, arg);
	*out = t;
	return 0;
}

static int thread_alloc(void (*fn)(void *), void *arg, unsigned int cpu, const char *name,
			struct thread **out)
{
	return thread_alloc_frame(fn, arg, cpu, name, NULL, 0, out);
}

struct thread *thread_create(void (*fn)(void *), void *arg, int cpu, const char *name, int *err)
{
	return thread_create_in(NULL, fn, arg, cpu, name, err);
}

struct thread *thread_create_in(struct as *as, void (*fn)(void *), void *arg, int cpu,
				const char *name, int *err)
{
	struct thread *t = NULL;
	int e;

	KASSERT(sched_up, "thread_create() before sched_init()");
	if (cpu >= 0 && (cpu >= (int)NCPUS || !cpuset_has(&cpu_online_set, (unsigned int)cpu) ||
			 !rqs[cpu].idle))
		e = -EINVAL;
	else
		e = thread_alloc(fn, arg, cpu >= 0 ? (unsigned int)cpu : least_loaded(), name, &t);
	if (!e) {
		t->as = as;
		enqueue(t);
	}
	if (err)
		*err = e;
	return e ? NULL : t;
}

struct thread *thread_create_proc(struct proc *p, struct as *as, void (*fn)(void *), void *arg,
				  int cpu, unsigned int tid, const char *name, const void *frame,
				  size_t frame_size, int *err)
{
	struct thread *t = NULL;
	int e;

	KASSERT(sched_up, "thread_create_proc() before sched_init()");
	if (cpu >= 0 && (cpu >= (int)NCPUS || !cpuset_has(&cpu_online_set, (unsigned int)cpu) ||
			 !rqs[cpu].idle))
		e = -EINVAL;
	else
		e = thread_alloc_frame(fn, arg, cpu >= 0 ? (unsigned int)cpu : least_loaded(), name,
				       frame, frame_size, &t);
	if (!e) {
		t->as = as;
		t->proc = p;
		t->detached = true;
		t->tid = tid;
	}
	if (err)
		*err = e;
	return e ? NULL : t;
}

void thread_start(struct thread *t)
{
	enqueue(t);
}

void thread_discard(struct thread *t)
{
	KASSERT(t->state == THREAD_RUNNABLE && t->detached, "thread_discard() of a started thread");
	__atomic_sub_fetch(&rqs[t->cpu].assigned, 1, __ATOMIC_RELAXED);
	kstack_free(&t->stack);
	kfree(t);
}

__noreturn void sched_thread_start(void (*fn)(void *), void *arg)
{
	sched_finish();
	/* Threads run with interrupts on: IPIs are taken at once, the tick preempts. */
	arch_irq_enable();
	fn(arg);
	thread_exit();
}

/* The tick (interrupts masked): wake this CPU's timed sleepers whose deadline passed. */
static void wake_timed(struct rq *rq)
{
	uint64_t now = time_ns();

	spin_lock(&rq->lock);
	for (struct thread **pp = &rq->timed; *pp;) {
		struct thread *t = *pp;
		if (t->deadline > now) {
			pp = &t->timer_next;
			continue;
		}
		*pp = t->timer_next;
		t->on_timer = false;
		if (t->state == THREAD_SLEEPING) {
			t->state = THREAD_RUNNABLE;
			rq_push(rq, t);
		}
	}
	spin_unlock(&rq->lock);
}

void sched_tick(void)
{
	struct rq *rq = &rqs[cpu_current()];

	if (!sched_up)
		return;
	if (__atomic_load_n(&rq->timed, __ATOMIC_RELAXED))
		wake_timed(rq);
	if (__atomic_load_n(&rq->nr, __ATOMIC_RELAXED))
		rq->need_resched = true;
}

void sched_preempt_irq(bool irqs_were_on)
{
	unsigned int cpu = cpu_current();
	struct rq *rq = &rqs[cpu];

	/*
	 * Only a thread that ran with interrupts on and held no spinlock; the idle
	 * loop runs what is queued by itself.
	 */
	if (!rq->need_resched || !irqs_were_on || preempt_counts[cpu] || !this_cpu()->curr ||
	    this_cpu()->curr->is_idle)
		return;
	rq->need_resched = false;
	rq->preemptions++;
	schedule();
}

uint64_t sched_preemptions(unsigned int cpu)
{
	return __atomic_load_n(&rqs[cpu].preemptions, __ATOMIC_RELAXED);
}

void thread_yield(void)
{
	unsigned long flags = cpu_irq_save();

	schedule();
	cpu_irq_restore(flags);
}

__noreturn void thread_exit(void)
{
	cpu_irq_save();
	struct rq *rq = &rqs[cpu_current()];
	struct thread *self = this_cpu()->curr;

	KASSERT(!self->is_idle && self != &boot_thread, "thread_exit() from %s", self->name);
	spin_lock(&rq->lock);
	self->state = THREAD_DEAD;
	spin_unlock(&rq->lock);
	__atomic_sub_fetch(&rq->assigned, 1, __ATOMIC_RELAXED);
	schedule();
	panic("sched: a dead thread (%s) was switched back to", self->name);
}

static bool thread_freed(void *arg)
{
	const struct thread *t = arg;

	return __atomic_load_n(&t->freed, __ATOMIC_ACQUIRE);
}

void thread_join_result(struct thread *t, int *status, int *sig)
{
	wait_event(&t->exit_wq, thread_freed, t);
	if (status)
		*status = t->exit_status;
	if (sig)
		*sig = t->exit_signal;
	kfree(t);
}

void thread_join(struct thread *t)
{
	thread_join_result(t, NULL, NULL);
}

void sched_idle_poll(void)
{
	struct rq *rq = &rqs[cpu_current()];

	if (__atomic_load_n(&rq->nr, __ATOMIC_RELAXED)) {
		unsigned long flags = cpu_irq_save();
		schedule();
		cpu_irq_restore(flags);
	}
}

/* The boot CPU's idle thread (an AP idles in smp_ap_entry()'s loop). */
static void idle_loop(void *arg)
{
	(void)arg;
	for (;;) {
		unsigned long flags = cpu_irq_save();
		if (smp_poll_pending())
			smp_poll();
		else if (__atomic_load_n(&rqs[0].nr, __ATOMIC_RELAXED))
			schedule();
		else
			arch_cpu_idle();
		cpu_irq_restore(flags);
	}
}

unsigned int sched_nr_runnable(unsigned int cpu)
{
	return __atomic_load_n(&rqs[cpu].nr, __ATOMIC_RELAXED);
}

uint64_t sched_switches(unsigned int cpu)
{
	return __atomic_load_n(&rqs[cpu].switches, __ATOMIC_RELAXED);
}

/* ---- wait queues ---- */

void waitq_init(struct waitq *wq)
{
	spin_init(&wq->lock);
	wq->head = NULL;
}

/* Unlink @t from @wq's list (under @wq's lock). */
static void wq_unlink(struct waitq *wq, struct thread *t)
{
	for (struct thread **pp = &wq->head; *pp; pp = &(*pp)->wq_next) {
		if (*pp == t) {
			*pp = t->wq_next;
			break;
		}
	}
	t->wq_on = NULL;
}

int wait_event_timeout(struct waitq *wq, bool (*cond)(void *), void *arg, uint64_t deadline,
		       unsigned int flags)
{
	unsigned long irq = cpu_irq_save();
	struct rq *rq = &rqs[cpu_current()];
	struct thread *self = this_cpu()->curr;
	bool intr = flags & WAIT_INTERRUPTIBLE;
	int ret;

	KASSERT(!self->is_idle, "an idle thread may not sleep");
	for (;;) {
		spin_lock(&wq->lock);
		if (cond(arg)) {
			ret = 0;
			break;
		}
		if (intr && __atomic_load_n(&self->work, __ATOMIC_ACQUIRE)) {
			ret = -EINTR;
			break;
		}
		if (deadline && time_ns() >= deadline) {
			ret = -ETIMEDOUT;
			break;
		}
		spin_lock(&rq->lock);
		/*
		 * thread_kick() sets the work before it takes this lock and looks for a
		 * sleeper: seen here, or the kick sees SLEEPING and wakes us.
		 */
		if (intr && __atomic_load_n(&self->work, __ATOMIC_ACQUIRE)) {
			spin_unlock(&rq->lock);
			spin_unlock(&wq->lock);
			continue;
		}
		self->state = THREAD_SLEEPING;
		self->sleep_intr = intr;
		if (deadline && !self->on_timer) {
			self->deadline = deadline;
			self->timer_next = rq->timed;
			rq->timed = self;
			self->on_timer = true;
		}
		spin_unlock(&rq->lock);
		/* A kick or the tick may have woken us without taking us off the queue. */
		if (self->wq_on != wq) {
			self->wq_next = wq->head;
			wq->head = self;
			self->wq_on = wq;
		}
		spin_unlock(&wq->lock);
		schedule();
	}
	if (self->wq_on == wq)
		wq_unlink(wq, self);
	spin_unlock(&wq->lock);
	if (self->on_timer) {
		spin_lock(&rq->lock);
		for (struct thread **pp = &rq->timed; *pp; pp = &(*pp)->timer_next) {
			if (*pp == self) {
				*pp = self->timer_next;
				break;
			}
		}
		self->on_timer = false;
		spin_unlock(&rq->lock);
	}
	self->sleep_intr = false;
	cpu_irq_restore(irq);
	return ret;
}

void wait_event(struct waitq *wq, bool (*cond)(void *), void *arg)
{
	(void)wait_event_timeout(wq, cond, arg, 0, 0);
}

void thread_kick(struct thread *t, unsigned int work)
{
	struct rq *rq = &rqs[t->cpu];
	bool ipi = false;

	__atomic_fetch_or(&t->work, work, __ATOMIC_SEQ_CST);
	unsigned long flags = spin_lock_irqsave(&rq->lock);
	if (t->state == THREAD_SLEEPING && t->sleep_intr) {
		t->state = THREAD_RUNNABLE;
		rq_push(rq, t);
		ipi = true;
	} else if (t->state == THREAD_RUNNING) {
		ipi = true;     /* maybe in user mode: an interrupt makes it look */
	}
	spin_unlock_irqrestore(&rq->lock, flags);
	if (ipi && t->cpu != cpu_current()) {
		struct cpuset s;
		cpuset_clear(&s);
		cpuset_add(&s, t->cpu);
		arch_smp_send_ipi(&s);
	}
}

bool thread_has_work(void)
{
	return __atomic_load_n(&thread_current()->work, __ATOMIC_ACQUIRE) != 0;
}

void wake_up_all(struct waitq *wq)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);

	wake_up_all_locked(wq);
	spin_unlock_irqrestore(&wq->lock, flags);
}

void waitq_complete(struct waitq *wq, bool *done)
{
	unsigned long flags = spin_lock_irqsave(&wq->lock);

	__atomic_store_n(done, true, __ATOMIC_RELEASE);
	wake_up_all_locked(wq);
	spin_unlock_irqrestore(&wq->lock, flags);
}

/* wake_up_all() with @wq's lock held (and so interrupts masked). */
static void wake_up_all_locked(struct waitq *wq)
{
	struct thread *t = wq->head;

	wq->head = NULL;
	while (t) {
		struct thread *next = t->wq_next;
		struct rq *rq = &rqs[t->cpu];
		t->wq_on = NULL;
		bool woke = false;
		spin_lock(&rq->lock);
		if (t->state == THREAD_SLEEPING) {
			t->state = THREAD_RUNNABLE;
			rq_push(rq, t);
			woke = true;
		}
		spin_unlock(&rq->lock);
		if (woke && t->cpu != cpu_current()) {
			struct cpuset s;
			cpuset_clear(&s);
			cpuset_add(&s, t->cpu);
			arch_smp_send_ipi(&s);
		}
		t = next;
	}
}
