// SPDX-License-Identifier: MIT
/*
 * aarch64 implementations of the generic kernel's CPU hooks (<kern/arch.h>):
 * halting, powering off with a verdict, frame-pointer unwinding, the first frame
 * of a thread, and the per-CPU set-up of PAN and of EL0's counter access.
 */
#include <kern/arch.h>
#include <kern/boot.h>
#include <kern/cpu.h>
#include <kern/percpu.h>
#include <arch/aarch64.h>
#include <arch/cpu.h>

bool aarch64_has_pan;
bool aarch64_entered_at_el2;

/* CNTKCTL_EL1 (D19.12.9): EL0VCTEN, EL0 reads the virtual counter (Linux's default). */
#define CNTKCTL_EL0VCTEN (1u << 1)

void aarch64_cpu_init(void)
{
	/*
	 * EL0 may read CNTVCT_EL0 (what a vDSO's clock_gettime() and programs' cycle
	 * counts use) but not the physical counter or either timer, as on Linux.
	 */
	sysreg_write(cntkctl_el1, CNTKCTL_EL0VCTEN);

	/* ID_AA64MMFR1_EL1.PAN, bits 23..20 (D19.2.65): 1 or more has FEAT_PAN. */
	bool pan = (sysreg_read(id_aa64mmfr1_el1) >> 20 & 0xf) != 0;

	if (cpu_current() == 0)
		aarch64_has_pan = pan;
	if (!aarch64_has_pan)
		return;
	/*
	 * SPAN clear: every exception to EL1 sets PSTATE.PAN (D19.2.118), so the
	 * kernel enters with user pages closed whatever EL0 or the interrupted copy
	 * had; the SPSR gives the interrupted context its own PAN back.
	 */
	sysreg_write(sctlr_el1, sysreg_read(sctlr_el1) & ~(uint64_t)SCTLR_SPAN);
	isb();
	arch_user_access_end();
}

void arch_halt(void)
{
	local_irq_disable();
	/* WFI may return at any time (D1.6.2, spurious wake-ups): keep waiting. */
	for (;;)
		__asm__ __volatile__("wfi");
}

/*
 * Semihosting SYS_EXIT (Arm "Semihosting for AArch32 and AArch64" 2.0, 6.5.2):
 * x0 = 0x18, x1 = a block {ADP_Stopped_ApplicationExit, status}; QEMU ends with
 * @status (-semihosting-config enable=on, which scripts/run passes). Without
 * semihosting the HLT is an undefined instruction, which trap.c skips when it is
 * this one (aarch64_semihost_hlt).
 */
#define SEMIHOST_SYS_EXIT            0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

__attribute__((noinline)) void semihosting_exit(int status)
{
	static uint64_t block[2];

	block[0] = ADP_STOPPED_APPLICATION_EXIT;
	block[1] = (uint64_t)(unsigned int)status;
	register uint64_t x0 __asm__("x0") = SEMIHOST_SYS_EXIT;
	register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;
	__asm__ __volatile__(".globl aarch64_semihost_hlt\n"
			     "aarch64_semihost_hlt: hlt #0xf000"
			     : "+r"(x0) : "r"(x1) : "memory");
}

void arch_shutdown(bool success)
{
	semihosting_exit(success ? 0 : 1);
	/* PSCI 1.1 5.10: SYSTEM_OFF does not return; QEMU ends with status 0 either way. */
	if (psci_present())
		psci_system_off();
	arch_halt();
}

/* Does the 16-byte frame record at @f lie inside [lo, hi)? (no overflow) */
static bool frame_inside(uintptr_t f, uintptr_t lo, uintptr_t hi)
{
	return f >= lo && hi >= lo + 16 && f <= hi - 16;
}

/*
 * AAPCS64 frame records (6.2.3): x29 points at {the caller's x29, the return
 * address}. A record must lie in the kernel image (the boot stack) or in this
 * CPU's own kernel stack; anything else ends the walk.
 */
bool arch_unwind_frame(uintptr_t *fp, uintptr_t *pc)
{
	uintptr_t f = *fp;
	const struct percpu *me = this_cpu();

	if (!f || (f & 7))
		return false;
	if (!frame_inside(f, (uintptr_t)__kernel_start, (uintptr_t)__kernel_end) &&
	    !frame_inside(f, me->stack_bottom, me->stack_top))
		return false;
	*pc = ((const uintptr_t *)f)[1];
	*fp = ((const uintptr_t *)f)[0];
	return true;
}

/*
 * A new thread's stack for arch_switch() (lib.S): its 96-byte frame of x19-x30
 * with x30 = arch_thread_entry, x19 = @fn, x20 = @arg, the rest 0, 16-byte
 * aligned (AAPCS64).
 */
uintptr_t arch_thread_stack_init(uintptr_t top, void (*fn)(void *), void *arg)
{
	extern char arch_thread_entry[];
	uintptr_t a = top & ~(uintptr_t)15;
	uint64_t *f = (uint64_t *)(a - 96);

	for (int i = 0; i < 12; i++)
		f[i] = 0;
	f[0] = (uint64_t)(uintptr_t)fn;                  /* x19 */
	f[1] = (uint64_t)(uintptr_t)arg;                 /* x20 */
	f[11] = (uint64_t)(uintptr_t)arch_thread_entry;  /* x30 */
	return (uintptr_t)f;
}

/* Exceptions from EL0 land on SP_EL1, which the return to EL0 leaves at the stack top. */
void arch_set_kernel_stack(uintptr_t top)
{
	(void)top;
}

/*
 * Every device register from here on through ioremap(): the console first (the
 * boot direct map is gone), then the GIC, which the boot CPU's interface needs
 * before the timer and the first cross-CPU call.
 */
void arch_devices_init(void)
{
	aarch64_console_ioremap();
	gic_init(aarch64_open_devicetree(boot_info->devicetree));
	gic_init_cpu();
}
