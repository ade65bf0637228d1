// SPDX-License-Identifier: MIT
/*
 * aarch64 C entry: called by boot.S at the kernel's link address, on the boot
 * stack, with the boot page tables and the vectors installed. Opens the device
 * tree, brings up the PL011 console and PSCI, and hands the boot information over
 * to the generic kernel. Prints nothing itself: kernel_main()'s banner is the
 * kernel's first line.
 */
#include <kern/boot.h>
#include <kern/cmdline.h>
#include <kern/fdt.h>
#include <kern/printk.h>
#include <kern/smp.h>
#include <kern/time.h>
#include <mm/types.h>
#include <arch/aarch64.h>
#include <arch/cpu.h>
#include <arch/page.h>

/* MPIDR_EL1's affinity fields (Aff3 in 39..32, Aff2..Aff0 in 23..0): a CPU's id. */
#define MPIDR_AFF_MASK 0xff00ffffffull

void aarch64_entry(uint64_t dtb_phys, unsigned long entered_at_el2)
{
	uint64_t entry_time = arch_counter_read();
	uint64_t mpidr = sysreg_read(mpidr_el1) & MPIDR_AFF_MASK;

	aarch64_entered_at_el2 = entered_at_el2;
	/* boot.S pointed TPIDR_EL1 at percpu_areas[0]: make it the boot CPU's. */
	smp_boot_cpu_early(mpidr);
	aarch64_percpu_init(0);
	aarch64_cpu_init();

	/* 48-bit boot tables: the direct map covers the first 16 GiB for now. */
	mm_direct_map_base = BOOT_DIRECT_MAP_BASE;

	const struct fdt *fdt = aarch64_open_devicetree(dtb_phys);

	aarch64_console_init(fdt);
	/* The generic timer counts at CNTFRQ_EL0 (D11.1.1), which the firmware set. */
	uint64_t hz = sysreg_read(cntfrq_el0);
	if (hz)
		time_init(entry_time, hz);
	else
		pr_warn("time: CNTFRQ_EL0 is 0; no time source\n");
	psci_init(fdt);
	struct boot_info *bi = aarch64_parse_devicetree(fdt, dtb_phys);
	bi->boot_cpu = (unsigned int)mpidr;
	cmdline_set(bi->cmdline);
	aarch64_paging_init(bi);
	bi->image_offset = KERNEL_VMA_OFFSET;
	bi->boot_direct_map_size = BOOT_DIRECT_MAP_SIZE;
	kernel_main(bi);
}
