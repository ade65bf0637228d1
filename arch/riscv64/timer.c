// SPDX-License-Identifier: MIT
/*
 * riscv64 per-hart tick (<kern/timer.h>): a one-shot supervisor timer re-armed
 * on every interrupt, TIMER_HZ times a second of the time CSR. Through Sstc's
 * stimecmp (CSR 0x14d) when every hart has Sstc (the device tree says so; OpenSBI
 * sets menvcfg.STCE for such harts), else through the SBI TIME extension's
 * set_timer (SBI spec 6.1), which M-mode forwards. Writing a later compare value
 * clears the pending STIP either way. timer=sbi on the command line forces SBI.
 */
#include <kern/boot.h>
#include <kern/cmdline.h>
#include <kern/cpu.h>
#include <kern/string.h>
#include <kern/time.h>
#include <kern/timer.h>
#include <arch/cpu.h>
#include <arch/riscv.h>
#include <arch/sbi.h>

#define SIE_STIE        0x20         /* sie bit 5: supervisor timer interrupts */
#define SBI_EXT_TIME    0x54494D45   /* "TIME" */
#define SBI_TIME_SET    0

/* Decided on the boot hart before the others start; read-only afterwards. */
static uint64_t period;              /* time-CSR ticks per tick */
static bool use_sstc;

static void arm(void)
{
	uint64_t next = csr_read(time) + period;

	if (use_sstc)
		__asm__ __volatile__("csrw 0x14d, %0" : : "r"(next) : "memory");   /* stimecmp */
	else
		sbi_call(SBI_EXT_TIME, SBI_TIME_SET, next, 0, 0);
}

const char *arch_timer_init_cpu(void)
{
	if (cpu_current() == 0) {
		period = time_counter_hz() / TIMER_HZ;
		char want[8];
		use_sstc = riscv_harts_have(riscv_open_devicetree(boot_info->devicetree), "sstc") &&
			   !(cmdline_get_value("timer", want, sizeof(want)) > 0 && !strcmp(want, "sbi"));
		if (!use_sstc && !sbi_has_extension(SBI_EXT_TIME))
			period = 0;
	}
	if (!period)
		return NULL;
	arm();
	csr_set(sie, SIE_STIE);
	return use_sstc ? "Sstc stimecmp" : "the SBI timer";
}

void riscv_timer_interrupt(void)
{
	arm();
	timer_tick();
}
