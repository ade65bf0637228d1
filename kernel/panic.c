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
#include <kern/smp.h>
#include <kern/cpu.h>

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

/*
 * On SMP the first CPU to panic stops the others (an NMI where the arch has one,
 * else the cross-CPU-call interrupt, which a CPU spinning with interrupts masked
 * also sees from its cpu_relax()) before it prints, so the report comes out once
 * and unmixed; a CPU that panics while another one already does halts quietly.
 */
static __noreturn void vpanic(uintptr_t pc, uintptr_t fp, const char *fmt, va_list ap)
{
	char msg[256];

	cpu_irq_save();
	if (!smp_stop_others())
		smp_stopped_halt();
	/* A panic while panicking (a fault in the backtrace, say): stop at once. */
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST)) {
		pr_emerg("\nKERNEL PANIC (nested)\n");
		arch_shutdown(false);
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	pr_emerg("\nKERNEL PANIC: %s\n", msg);
	if (smp_online_count() > 1)
		pr_emerg("on CPU %u of %u online\n", cpu_current(), smp_online_count());
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
