// SPDX-License-Identifier: MIT
/*
 * SMP bring-up and cross-CPU calls (see <kern/smp.h> for the rules).
 *
 * Cross-CPU calls without a lock. A sender S with targets T:
 *   1. waits until its previous request is finished everywhere (S.call.waiting
 *      empty), serving its own mailbox meanwhile;
 *   2. writes S.call.fn, .arg and .waiting = T;
 *   3. sets bit S in each target's call_from (a release read-modify-write: the
 *      target that sees the bit sees 2.), then raises the interrupt on T;
 *   4. runs fn itself if it is in the set, then (waiting) spins until
 *      S.call.waiting is empty, serving its own mailbox and checking the timeout.
 * A target, in smp_poll() with interrupts masked, takes its call_from words with an
 * acquire exchange, and for each sender bit runs that sender's fn(arg) and clears
 * its own bit in the sender's waiting set (release: what fn did is visible to the
 * sender once it sees the bit clear). An interrupt that finds the mailbox empty
 * (the request was already served from a wait loop) is harmless.
 *
 * Interrupts are masked from step 1 to the end of the call, so a CPU never nests
 * two of its own requests; smp_poll() masks them too, so it never nests either.
 */
#include <kern/arch.h>
#include <kern/boot.h>
#include <kern/cmdline.h>
#include <kern/cpu.h>
#include <kern/errno.h>
#include <kern/panic.h>
#include <kern/percpu.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include <kern/smp.h>
#include <kern/time.h>
#include <kern/timer.h>
#include <mm/kstack.h>
#include <mm/mmu.h>
#include <mm/tlb.h>

_Static_assert(__builtin_offsetof(struct percpu, index) == PERCPU_INDEX, "percpu layout");
_Static_assert(__builtin_offsetof(struct percpu, self) == PERCPU_SELF, "percpu layout");
_Static_assert(__builtin_offsetof(struct percpu, stack_guard) == PERCPU_STACK_GUARD, "percpu layout");
_Static_assert(__builtin_offsetof(struct percpu, stack_bottom) == PERCPU_STACK_BOTTOM, "percpu layout");
_Static_assert(__builtin_offsetof(struct percpu, stack_top) == PERCPU_STACK_TOP, "percpu layout");
_Static_assert(__builtin_offsetof(struct percpu, scratch) == PERCPU_SCRATCH, "percpu layout");

struct percpu percpu_areas[NCPUS];
struct cpuset cpu_online_set;
unsigned int smp_call_timeout_ms = 10000;
int smp_stopping;
static unsigned int smp_stopper = ~0u;   /* the CPU that panicked first (set once, CAS) */

static unsigned int nr_possible = 1;   /* CPUs found (within NCPUS); 0 is the boot CPU */
static unsigned int nr_left_out;       /* enabled CPUs beyond NCPUS */
static struct kstack stacks[NCPUS];

unsigned int smp_online_count(void)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < NCPUS; i++)
		n += cpuset_has(&cpu_online_set, i);
	return n;
}

unsigned int smp_possible_count(void)
{
	return nr_possible;
}

void smp_boot_cpu_early(unsigned long boot_hwid)
{
	struct percpu *pc = &percpu_areas[0];

	pc->index = 0;
	pc->self = pc;
	pc->hwid = boot_hwid;
	pc->stack_guard = (uintptr_t)boot_stack_guard;
	pc->stack_bottom = (uintptr_t)boot_stack_bottom;
	pc->stack_top = (uintptr_t)boot_stack_top;
	pc->state = CPU_ONLINE;
	cpuset_add(&cpu_online_set, 0);
}

int smp_cpu_found(unsigned long hwid)
{
	if (hwid == percpu_areas[0].hwid)
		return 0;
	for (unsigned int i = 1; i < nr_possible; i++)
		if (percpu_areas[i].hwid == hwid)
			return (int)i;   /* listed twice: the firmware's problem, not a new CPU */
	if (nr_possible == NCPUS) {
		nr_left_out++;
		return -1;
	}
	unsigned int i = nr_possible++;
	struct percpu *pc = &percpu_areas[i];
	pc->index = i;
	pc->self = pc;
	pc->hwid = hwid;
	return (int)i;
}

int smp_cpu_of_hwid(unsigned long hwid)
{
	for (unsigned int i = 0; i < nr_possible; i++)
		if (percpu_areas[i].hwid == hwid)
			return (int)i;
	return -1;
}

/* ---- cross-CPU calls ---- */

static void serve_one(unsigned int self, unsigned int sender)
{
	struct smp_call *c = &percpu_areas[sender].call;
	smp_call_fn fn = __atomic_load_n(&c->fn, __ATOMIC_RELAXED);
	void *arg = __atomic_load_n(&c->arg, __ATOMIC_RELAXED);

	fn(arg);
	percpu_areas[self].calls_served++;
	__atomic_fetch_and(&c->waiting.bits[self / 64], ~(1ull << (self % 64)), __ATOMIC_RELEASE);
}

void smp_poll(void)
{
	unsigned long flags = cpu_irq_save();
	unsigned int self = cpu_current();
	struct percpu *me = &percpu_areas[self];

	/* A panic elsewhere stops us here; the panicking CPU itself goes on. */
	if (__atomic_load_n(&smp_stopping, __ATOMIC_RELAXED) &&
	    __atomic_load_n(&smp_stopper, __ATOMIC_RELAXED) != self)
		smp_stopped_halt();
	for (unsigned int w = 0; w < CPUSET_WORDS; w++) {
		uint64_t bits = __atomic_exchange_n(&me->call_from.bits[w], 0, __ATOMIC_ACQUIRE);
		while (bits) {
			unsigned int b = (unsigned int)__builtin_ctzll(bits);
			bits &= bits - 1;
			serve_one(self, w * 64 + b);
		}
	}
	cpu_irq_restore(flags);
}

void smp_relax(void)
{
	arch_cpu_relax();
	if (smp_poll_pending() || __atomic_load_n(&smp_stopping, __ATOMIC_RELAXED))
		smp_poll();
}

void smp_ipi_interrupt(void)
{
	this_cpu()->ipis_received++;
	smp_poll();
}

static bool call_done(const struct smp_call *c)
{
	return cpuset_is_empty(&c->waiting);
}

/* Wait (serving our own mailbox) until @c's targets are done; panics on timeout. */
static void call_wait(struct smp_call *c)
{
	uint64_t start = time_ns();
	unsigned long spins = 0;

	while (!call_done(c)) {
		smp_poll();
		arch_cpu_relax();
		/* Without a time source, count: ~10^9 spins is seconds under any QEMU. */
		if ((++spins & 1023) == 0 &&
		    (time_ns() ? time_ns() - start > (uint64_t)smp_call_timeout_ms * 1000000 :
				 spins > 1000000000ul)) {
			char who[128];
			int n = 0;
			for (unsigned int i = 0; i < NCPUS && n < (int)sizeof(who) - 8; i++)
				if (cpuset_has(&c->waiting, i))
					n += snprintf(who + n, sizeof(who) - (size_t)n, " %u", i);
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (!call_done(c))
				panic("smp: CPU%s did not answer a cross-CPU call from CPU %u "
				      "within %u ms", who, cpu_current(), smp_call_timeout_ms);
		}
	}
	/* Pairs with the targets' release: what fn did there is visible here. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

void smp_call_sync(void)
{
	unsigned long flags = cpu_irq_save();

	call_wait(&this_cpu()->call);
	cpu_irq_restore(flags);
}

void smp_call_mask(const struct cpuset *cpus, smp_call_fn fn, void *arg, bool wait)
{
	unsigned long flags = cpu_irq_save();
	unsigned int self = cpu_current();
	struct percpu *me = &percpu_areas[self];
	struct smp_call *c = &me->call;
	struct cpuset targets;
	bool any = false;

	call_wait(c);      /* the slot is free once the previous request is done */
	for (unsigned int w = 0; w < CPUSET_WORDS; w++) {
		uint64_t t = __atomic_load_n(&cpus->bits[w], __ATOMIC_RELAXED) &
			     __atomic_load_n(&cpu_online_set.bits[w], __ATOMIC_RELAXED);
		if (w == self / 64)
			t &= ~(1ull << (self % 64));
		targets.bits[w] = t;
		any |= t != 0;
	}
	if (any) {
		c->fn = fn;
		c->arg = arg;
		for (unsigned int w = 0; w < CPUSET_WORDS; w++)
			__atomic_store_n(&c->waiting.bits[w], targets.bits[w], __ATOMIC_RELAXED);
		for (unsigned int i = 0; i < NCPUS; i++)
			if (cpuset_has(&targets, i))
				__atomic_fetch_or(&percpu_areas[i].call_from.bits[self / 64],
						  1ull << (self % 64), __ATOMIC_RELEASE);
		/* The bits are set before the interrupt: a woken target finds them. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		arch_smp_send_ipi(&targets);
		me->call_rounds++;
		for (unsigned int w = 0; w < CPUSET_WORDS; w++)
			me->ipis_sent += (uint64_t)__builtin_popcountll(targets.bits[w]);
	}
	if (cpuset_has(cpus, self))
		fn(arg);
	if (any && wait)
		call_wait(c);
	cpu_irq_restore(flags);
}

void smp_call_cpu(unsigned int cpu, smp_call_fn fn, void *arg, bool wait)
{
	struct cpuset s;

	KASSERT(cpu < NCPUS, "smp_call_cpu: CPU %u", cpu);
	cpuset_clear(&s);
	cpuset_add(&s, cpu);
	smp_call_mask(&s, fn, arg, wait);
}

void smp_call_others(smp_call_fn fn, void *arg, bool wait)
{
	struct cpuset s;
	unsigned long flags = cpu_irq_save();   /* "others" is relative to this CPU */

	s = cpu_online_set;
	cpuset_del(&s, cpu_current());
	smp_call_mask(&s, fn, arg, wait);
	cpu_irq_restore(flags);
}

/* ---- panic ---- */

void smp_stopped_halt(void)
{
	__atomic_store_n(&this_cpu()->state, CPU_STOPPED, __ATOMIC_RELEASE);
	arch_halt();
}

bool smp_stop_others(void)
{
	unsigned int self = cpu_current();
	unsigned int expect = ~0u;

	if (!__atomic_compare_exchange_n(&smp_stopper, &expect, self, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST))
		return expect == self;   /* a nested panic on the stopping CPU goes on */
	__atomic_store_n(&smp_stopping, 1, __ATOMIC_SEQ_CST);
	struct cpuset others = cpu_online_set;
	cpuset_del(&others, self);
	if (cpuset_is_empty(&others))
		return true;
	arch_smp_send_stop(&others);
	/* Bounded: a CPU that does not stop must not keep the panic from printing. */
	uint64_t start = time_ns();
	for (unsigned long i = 0; i < 100000000ul; i++) {
		bool all = true;
		for (unsigned int c = 0; c < NCPUS; c++)
			if (c != self && cpuset_has(&others, c) &&
			    __atomic_load_n(&percpu_areas[c].state, __ATOMIC_ACQUIRE) == CPU_ONLINE)
				all = false;
		if (all || (time_ns() && time_ns() - start > 1000000000ull))
			break;
		arch_cpu_relax();
	}
	return true;
}

/* ---- bring-up ---- */

__noreturn void smp_ap_entry(void)
{
	struct percpu *me = this_cpu();

	/* This context is the CPU's idle thread from now on. */
	sched_init_ap();
	/*
	 * Join the kernel-half shootdown set, then drop everything the TLB took while
	 * we were not in it: an edit that read the set before our bit was there did
	 * not flush us, but its entries are in memory before our flush (the editor's
	 * fence before reading the set pairs with this one).
	 */
	cpuset_add(&tlb_kernel_cpus, me->index);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	arch_tlb_flush_all();

	/* The boot CPU may have given up on us (too slow): then stay out for good. */
	unsigned int expect = CPU_STARTING;
	if (!__atomic_compare_exchange_n(&me->state, &expect, CPU_ONLINE, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE)) {
		cpuset_del(&tlb_kernel_cpus, me->index);
		arch_halt();
	}
	cpuset_add(&cpu_online_set, me->index);
	timer_init_cpu();

	for (;;) {
		smp_call_fn fn;
		if (smp_poll_pending() || __atomic_load_n(&smp_stopping, __ATOMIC_RELAXED)) {
			smp_poll();
		} else if ((fn = __atomic_load_n(&me->work_fn, __ATOMIC_ACQUIRE))) {
			fn(me->work_arg);
			/* Release: what the work did is visible to whoever sees it done. */
			__atomic_store_n(&me->work_fn, NULL, __ATOMIC_RELEASE);
		} else if (sched_nr_runnable(me->index)) {
			sched_idle_poll();
		} else {
			arch_cpu_idle();
		}
	}
}

/* Where a start found the slot taken: cleared by the CPU that reserved it. */
static int work_reserved[NCPUS];

int smp_work_start(unsigned int cpu, smp_call_fn fn, void *arg)
{
	struct cpuset s;

	if (cpu >= NCPUS || !cpuset_has(&cpu_online_set, cpu) || cpu == cpu_current())
		return -EINVAL;
	struct percpu *pc = &percpu_areas[cpu];
	if (__atomic_exchange_n(&work_reserved[cpu], 1, __ATOMIC_ACQUIRE))
		return -EBUSY;
	if (__atomic_load_n(&pc->work_fn, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&work_reserved[cpu], 0, __ATOMIC_RELEASE);
		return -EBUSY;
	}
	pc->work_arg = arg;
	__atomic_store_n(&pc->work_fn, fn, __ATOMIC_RELEASE);
	__atomic_store_n(&work_reserved[cpu], 0, __ATOMIC_RELEASE);
	/* Wake it from its idle wait. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	cpuset_clear(&s);
	cpuset_add(&s, cpu);
	arch_smp_send_ipi(&s);
	return 0;
}

bool smp_work_done(unsigned int cpu)
{
	return !__atomic_load_n(&percpu_areas[cpu].work_fn, __ATOMIC_ACQUIRE);
}

void smp_work_wait(unsigned int cpu)
{
	while (!smp_work_done(cpu))
		cpu_relax();
}

/* A number of milliseconds from the command line (1 ms .. 1000 s), or @def. */
static unsigned int cmdline_ms(const char *name, unsigned int def)
{
	char buf[16];
	unsigned long v = 0;

	if (cmdline_get_value(name, buf, sizeof(buf)) <= 0)
		return def;
	for (const char *p = buf; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (v == 0 || v > 1000000) {
		pr_warn("smp: %s=%s out of range (1..1000000 ms); using %u\n", name, buf, def);
		return def;
	}
	return (unsigned int)v;
}

/*
 * How long a CPU may take to come up (smp_start_ms=), and the cross-CPU call
 * timeout (smp_timeout_ms=). Generous: QEMU runs several vCPUs per host core.
 */
static unsigned int start_timeout_ms(void)
{
	smp_call_timeout_ms = cmdline_ms("smp_timeout_ms", smp_call_timeout_ms);
	return cmdline_ms("smp_start_ms", 5000);
}

void smp_init(void)
{
	unsigned int ms = start_timeout_ms();
	char buf[8];
	unsigned int max = NCPUS;

	/* smp=N (or nosmp): use at most N CPUs, the boot CPU included. */
	if (cmdline_has("nosmp"))
		max = 1;
	else if (cmdline_get_value("smp", buf, sizeof(buf)) > 0 && buf[0] > '0' && buf[0] <= '9') {
		max = 0;
		for (const char *p = buf; *p >= '0' && *p <= '9'; p++)
			max = max * 10 + (unsigned int)(*p - '0');
	}

	timer_init_cpu();
	arch_smp_enumerate();
	if (nr_left_out)
		pr_warn("smp: %u more CPUs than max_cpus=%u; left out\n", nr_left_out, (unsigned int)NCPUS);

	for (unsigned int i = 1; i < nr_possible; i++) {
		struct percpu *pc = &percpu_areas[i];
		if (i >= max) {
			pr_info("smp: CPU %u (id %lu) not started (smp=%u)\n", i, pc->hwid, max);
			continue;
		}
		if (kstack_alloc(&stacks[i])) {
			pr_err("smp: no memory for CPU %u's stack; left out\n", i);
			continue;
		}
		pc->stack_guard = stacks[i].guard;
		pc->stack_bottom = stacks[i].bottom;
		pc->stack_top = stacks[i].top;
		__atomic_store_n(&pc->state, CPU_STARTING, __ATOMIC_RELEASE);
		int err = arch_cpu_start(i);
		if (err) {
			pr_err("smp: CPU %u (id %lu) cannot be started (error %d); left out\n",
			       i, pc->hwid, err);
			__atomic_store_n(&pc->state, CPU_OFFLINE, __ATOMIC_RELEASE);
			kstack_free(&stacks[i]);
			continue;
		}
		uint64_t start = time_ns();
		unsigned long spins = 0;
		unsigned int st;
		while ((st = __atomic_load_n(&pc->state, __ATOMIC_ACQUIRE)) == CPU_STARTING) {
			cpu_relax();
			if ((++spins & 1023) == 0 &&
			    (time_ns() ? time_ns() - start > (uint64_t)ms * 1000000 : spins > 1000000000ul)) {
				unsigned int expect = CPU_STARTING;
				if (__atomic_compare_exchange_n(&pc->state, &expect, CPU_ABANDONED, false,
								__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
					st = CPU_ABANDONED;
				else
					st = expect;
				break;
			}
		}
		if (st != CPU_ONLINE) {
			/* Its stack stays: the CPU may still be running on it. */
			pr_err("smp: CPU %u (id %lu) did not come up within %u ms; left out\n",
			       i, pc->hwid, ms);
			continue;
		}
		pr_debug("smp: CPU %u (id %lu) online\n", i, pc->hwid);
	}
	pr_info("smp: %u of %u CPUs online\n", smp_online_count(), nr_possible + nr_left_out);
}
