// SPDX-License-Identifier: MIT
/*
 * aarch64 per-CPU tick (<kern/timer.h>): the generic timer's EL1 virtual timer
 * (Arm ARM D11.2.4, CNTV_TVAL_EL0 / CNTV_CTL_EL0), a down-counter re-armed by
 * every interrupt to TIMER_HZ ticks a second of the counter arch_counter_read()
 * reads. Its interrupt is a PPI, the third of the device tree's "arm,armv8-timer"
 * interrupts (binding timer/arm,arch_timer.yaml: secure physical, non-secure
 * physical, virtual, hypervisor); INTID 27 on QEMU virt. Writing TVAL clears the
 * condition, so the interrupt drops as the handler re-arms.
 */
#include <kern/boot.h>
#include <kern/cpu.h>
#include <kern/fdt.h>
#include <kern/time.h>
#include <kern/timer.h>
#include <arch/aarch64.h>
#include <arch/cpu.h>

#define CNTV_CTL_ENABLE 1
#define PPI_BASE        16

/* Decided on the boot CPU before the others start; read-only afterwards. */
static uint64_t period;
static unsigned int intid = PPI_BASE + 11;

static void find_intid(void)
{
	const struct fdt *fdt = aarch64_open_devicetree(boot_info->devicetree);
	int node = fdt_find_compatible(fdt, -1, "arm,armv8-timer");
	uint32_t len;
	const uint8_t *irqs = node >= 0 ? fdt_prop(fdt, node, "interrupts", &len) : NULL;

	/* Three cells per interrupt: type (1 = PPI), number, flags. */
	if (irqs && len >= 3 * 12 && fdt_read_u32(irqs + 24) == 1)
		intid = PPI_BASE + fdt_read_u32(irqs + 28);
}

unsigned int aarch64_timer_intid(void)
{
	return intid;
}

const char *arch_timer_init_cpu(void)
{
	if (cpu_current() == 0) {
		period = time_counter_hz() / TIMER_HZ;
		find_intid();
	}
	if (!period)
		return NULL;
	sysreg_write(cntv_tval_el0, period);
	sysreg_write(cntv_ctl_el0, CNTV_CTL_ENABLE);
	isb();
	gic_enable_ppi(intid);
	return "the generic timer (EL1 virtual)";
}

void aarch64_timer_interrupt(void)
{
	sysreg_write(cntv_tval_el0, period);
	isb();
	timer_tick();
}
