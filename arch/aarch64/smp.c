// SPDX-License-Identifier: MIT
/*
 * aarch64 SMP hooks (<kern/arch.h>): CPUs from the device tree (/cpus, each
 * "reg" its MPIDR affinity, enable-method "psci"), started through PSCI CPU_ON;
 * cross-CPU calls by SGI 0 through the GIC (gic.c).
 *
 * A CPU started by CPU_ON enters aarch64_secondary_entry (boot.S) with the MMU off
 * and x0 = the context id: its struct percpu. It loads the boot CPU's TCR and the
 * kernel's root (aarch64_smp_*), turns the MMU on and continues at its link
 * address.
 *
 * There is no NMI without FEAT_NMI or GICv3 pseudo-NMIs: a CPU that spins with
 * interrupts masked stops for a panic only when it next polls its mailbox (every
 * cpu_relax() does).
 */
#include <kern/arch.h>
#include <kern/boot.h>
#include <kern/cpuset.h>
#include <kern/errno.h>
#include <kern/fdt.h>
#include <kern/panic.h>
#include <kern/percpu.h>
#include <kern/printk.h>
#include <kern/smp.h>
#include <kern/string.h>
#include <mm/init.h>
#include <mm/mapper.h>
#include <mm/types.h>
#include <arch/aarch64.h>
#include <arch/cpu.h>
#include <arch/page.h>

/* Each CPU's stack for an exception that overflowed its kernel stack (traps.S). */
#define OVERFLOW_STACK_SIZE 8192
static uint8_t overflow_stacks[NCPUS][OVERFLOW_STACK_SIZE] __aligned(16);

extern char aarch64_secondary_entry[];

void aarch64_percpu_init(unsigned int cpu)
{
	percpu_areas[cpu].scratch[0] = (uintptr_t)(overflow_stacks[cpu] + OVERFLOW_STACK_SIZE);
}

void arch_smp_enumerate(void)
{
	const struct fdt *fdt = aarch64_open_devicetree(boot_info->devicetree);
	int cpus = fdt_path_offset(fdt, "/cpus");
	int node;

	if (cpus < 0) {
		pr_warn("smp: no /cpus in the device tree; boot CPU only\n");
		return;
	}
	fdt_for_each_child(fdt, cpus, node) {
		const char *type = fdt_prop_string(fdt, node, "device_type");
		uint64_t mpidr, unused;
		if (!type || strcmp(type, "cpu") || fdt_reg(fdt, node, 0, &mpidr, &unused))
			continue;
		/* status "okay" or absent (devicetree spec 2.3.4); "disabled" CPUs stay out. */
		if (!fdt_node_is_enabled(fdt, node))
			continue;
		smp_cpu_found((unsigned long)mpidr);
	}
	pr_info("smp: cross-CPU interrupts by SGI through the %s, CPUs started by %s\n",
		gic_name(), psci_present() ? "PSCI CPU_ON" : "nothing (no PSCI)");
}

/* Clean [p, p + n) to the point of coherency (DC CVAC): a CPU with its cache off reads it. */
static void clean_to_poc(const void *p, size_t n)
{
	uintptr_t line = 4u << (sysreg_read(ctr_el0) >> 16 & 0xf);

	for (uintptr_t a = (uintptr_t)p & ~(line - 1); a < (uintptr_t)p + n; a += line)
		__asm__ __volatile__("dc cvac, %0" : : "r"(a) : "memory");
	__asm__ __volatile__("dsb sy" ::: "memory");
}

int arch_cpu_start(unsigned int cpu)
{
	struct percpu *pc = &percpu_areas[cpu];

	if (!psci_present())
		return -ENOSYS;
	aarch64_percpu_init(cpu);
	/* aarch64_smp_ttbr0 is the identity root of the mode's boot tables (paging.c). */
	aarch64_smp_ttbr1 = sysreg_read(ttbr1_el1);
	clean_to_poc(&aarch64_boot_tcr, sizeof(aarch64_boot_tcr));
	clean_to_poc(&aarch64_smp_ttbr0, sizeof(aarch64_smp_ttbr0));
	clean_to_poc(&aarch64_smp_ttbr1, sizeof(aarch64_smp_ttbr1));
	/* Its per-CPU area is read with the MMU on (cacheable, coherent): no clean needed. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	long r = psci_cpu_on(pc->hwid, image_virt_to_phys(aarch64_secondary_entry), (uint64_t)pc);
	return r == 0 ? 0 : -EIO;
}

__noreturn void aarch64_secondary_main(struct percpu *self)
{
	(void)self;
	aarch64_cpu_init();
	/* The kernel's root in both TTBRs: the boot identity map is gone from here on. */
	arch_mmu_activate(mm_kernel_pt.root, mm_kernel_pt.levels);
	gic_init_cpu();
	smp_ap_entry();
}

void arch_smp_send_ipi(const struct cpuset *cpus)
{
	for (unsigned int i = 0; i < NCPUS; i++)
		if (cpuset_has(cpus, i))
			gic_send_sgi(i, SGI_CALL);
}

void arch_smp_send_stop(const struct cpuset *cpus)
{
	arch_smp_send_ipi(cpus);
}

void aarch64_ipi_interrupt(void)
{
	smp_ipi_interrupt();
}

void arch_cpu_idle(void)
{
	/*
	 * WFI wakes on a pending IRQ even while PSTATE.I masks it (D1.6.2); unmasking
	 * for a moment then takes it.
	 */
	__asm__ __volatile__("dsb sy\n\twfi" ::: "memory");
	__asm__ __volatile__("msr daifclr, #2\n\tisb\n\tmsr daifset, #2" ::: "memory");
}
