// SPDX-License-Identifier: MIT
/*
 * panic() and the frame-pointer backtrace.
 *
 * The kernel is built with frame pointers on every arch; arch_unwind_frame() knows
 * the frame layout. Addresses are printed raw as "[<...>]"; scripts/run turns them
 * into function names and source lines with llvm-addr2line when a panic is seen.
 */
#include <kern/arch.h>
#include <kern/panic.h>
#include <kern/printk.h>

#define BACKTRACE_MAX 32

static int panicking;

void backtrace_print(uintptr_t pc, uintptr_t fp)
{
	pr_emerg("backtrace:\n");
	if (pc)
		pr_emerg("  [<%p>]\n", (void *)pc);
	for (int depth = 0; depth < BACKTRACE_MAX; depth++) {
		uintptr_t ret;
		if (!arch_unwind_frame(&fp, &ret) || !ret)
			return;
		pr_emerg("  [<%p>]\n", (void *)ret);
	}
	pr_emerg("  ...\n");
}

static __noreturn void vpanic(uintptr_t pc, uintptr_t fp, const char *fmt, va_list ap)
{
	/* A panic while panicking (a fault in the backtrace, say): stop at once. */
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST)) {
		pr_emerg("\nKERNEL PANIC (nested)\n");
		arch_shutdown(false);
	}
	pr_emerg("\nKERNEL PANIC: ");
	vprintk(LOG_EMERG, fmt, ap);
	pr_emerg("\n");
	backtrace_print(pc, fp);
	pr_emerg("end of panic: powering off\n");
	arch_shutdown(false);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpanic(0, arch_frame_address(), fmt, ap);
}

void panic_with_frame(uintptr_t pc, uintptr_t fp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpanic(pc, fp, fmt, ap);
}
