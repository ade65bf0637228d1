// SPDX-License-Identifier: MIT
/*
 * The "selftest" suite: tests that fail on purpose, to prove that the harness
 * (ktest, the trap handlers, scripts/run and meson test) turns every way a kernel
 * can go wrong into a failed boot test. They run only when named on the command
 * line (ktest=selftest.fail and so on); tests/boot/meson.build expects each to fail.
 */
#include <kern/boot.h>
#include <kern/ktest.h>
#include <kern/panic.h>
#include <kern/arch.h>
#include <kern/cpu.h>
#include <kern/smp.h>
#include <mm/frame.h>
#include <mm/tlb.h>

/* A ktest assertion that does not hold. */
KTEST(selftest, fail)
{
	KT_EXPECT(t, 1 + 1 == 3, "deliberate failure");
}

/* An explicit panic() in the middle of a test. */
KTEST(selftest, panic)
{
	(void)t;
	panic("deliberate panic from ktest selftest.panic");
}

/* A CPU exception: an illegal instruction must reach the trap handler and panic. */
KTEST(selftest, trap)
{
	(void)t;
	__builtin_trap();
}

/*
 * A page fault on an unmapped kernel address: 1 GiB below the kernel image, where
 * no arch maps anything.
 */
KTEST(selftest, fault)
{
	volatile uint64_t *p = (volatile uint64_t *)((uintptr_t)__kernel_start - (1ul << 30));
	(void)t;
	(void)*p;
}

/* A hang: only the runner's timeout can end it. */
KTEST(selftest, hang)
{
	(void)t;
	for (;;)
		arch_cpu_relax();
}

/* A leak: one frame never given back. The runner's end-of-suite check must fail. */
KTEST(selftest, leak)
{
	paddr_t pa;

	KT_ASSERT(t, frame_alloc(0, 0, &pa) == 0, "no frame to leak");
}

/*
 * Unbounded recursion: the boot stack runs into its guard page. The report must
 * say so (and not fault again and again on the way).
 */
static __attribute__((noinline)) unsigned long recurse(unsigned long depth)
{
	volatile char frame[256];

	frame[0] = (char)depth;
	if (depth == ~0ul)
		return 0;
	return recurse(depth + 1) + frame[0];
}

KTEST(selftest, stack_overflow)
{
	KT_EXPECT(t, recurse(0) != 1, "returned from unbounded recursion");
}

/*
 * The same failures on another CPU (CPU 1, through smp_work_start()): each must be
 * reported like one on the boot CPU, the panicking CPU stopping the others. They
 * need two CPUs; with one they fail, which the harness would report as a missing
 * failure pattern.
 */
static void on_cpu1(struct ktest_ctx *t, void (*fn)(void *))
{
	KT_ASSERT(t, cpuset_has(&cpu_online_set, 1), "needs a second CPU (-smp 2)");
	KT_ASSERT(t, smp_work_start(1, fn, NULL) == 0, "cannot start work on CPU 1");
	smp_work_wait(1);
}

static void ap_panic(void *arg)
{
	(void)arg;
	panic("deliberate panic on CPU %u", cpu_current());
}

static void ap_fault(void *arg)
{
	volatile uint64_t *p = (volatile uint64_t *)((uintptr_t)__kernel_start - (1ul << 30));
	(void)arg;
	(void)*p;
}

static void ap_recurse(void *arg)
{
	(void)arg;
	recurse(0);
}

KTEST(selftest, ap_panic)
{
	on_cpu1(t, ap_panic);
}

KTEST(selftest, ap_fault)
{
	on_cpu1(t, ap_fault);
}

KTEST(selftest, ap_stack_overflow)
{
	on_cpu1(t, ap_recurse);
}

/*
 * A CPU that never acknowledges a shootdown: CPU 1 spins with interrupts masked
 * and without serving its mailbox (what a broken driver loop would do); a flush
 * that targets it must end the boot with a panic that names it, after
 * smp_call_timeout_ms (riscv64: with tlb_remote=ipi; SBI RFENCE would flush it in
 * M-mode regardless).
 */
static int deaf_now;

static void deaf(void *arg)
{
	(void)arg;
	cpu_irq_save();
	__atomic_store_n(&deaf_now, 1, __ATOMIC_RELEASE);
	for (;;)
		arch_cpu_relax();
}

KTEST(selftest, no_ack)
{
	struct tlb_batch b;
	struct cpuset set;

	KT_ASSERT(t, cpuset_has(&cpu_online_set, 1), "needs a second CPU (-smp 2)");
	KT_ASSERT(t, smp_work_start(1, deaf, NULL) == 0, "cannot start work on CPU 1");
	while (!__atomic_load_n(&deaf_now, __ATOMIC_ACQUIRE))
		cpu_relax();
	cpuset_clear(&set);
	cpuset_add(&set, cpu_current());
	cpuset_add(&set, 1);
	unsigned long flags = cpu_irq_save();
	tlb_batch_init(&b, &set);
	tlb_batch_add(&b, vaddr((uintptr_t)__kernel_start), PAGE_SIZE, PAGE_SIZE, true);
	tlb_batch_flush(&b);
	cpu_irq_restore(flags);
	KT_EXPECT(t, false, "a shootdown to a CPU that never answers returned");
}
