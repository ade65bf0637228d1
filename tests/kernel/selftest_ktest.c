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
#include <mm/frame.h>

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
