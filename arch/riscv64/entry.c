// SPDX-License-Identifier: MIT
/*
 * riscv64 C entry: called by boot.S at the kernel's link address, on the boot
 * stack, with the boot page tables and the trap vector installed. Opens the device
 * tree, moves the console from the SBI firmware to the UART, and hands the boot
 * information over to the generic kernel. Prints nothing itself: kernel_main()'s
 * banner is the kernel's first line (only a fatal error speaks earlier, through
 * panic() on the SBI console).
 */
#include <kern/boot.h>
#include <kern/cmdline.h>
#include <kern/fdt.h>
#include <kern/printk.h>
#include <kern/smp.h>
#include <kern/time.h>
#include <mm/types.h>
#include <arch/console.h>
#include <arch/cpu.h>
#include <arch/page.h>
#include <arch/riscv.h>

/*
 * The time CSR ticks at /cpus/timebase-frequency (devicetree spec 3.7, RISC-V
 * binding); without it there is no time source and time_ns() stays 0.
 */
static void time_setup(const struct fdt *fdt, uint64_t entry_time)
{
	int cpus = fdt_path_offset(fdt, "/cpus");
	uint64_t hz;

	if (cpus >= 0 && fdt_prop_uint(fdt, cpus, "timebase-frequency", &hz) && hz)
		time_init(entry_time, hz);
	else
		pr_warn("time: no /cpus/timebase-frequency in the device tree; no time source\n");
}

void riscv_entry(unsigned long hartid, uint64_t dtb_phys)
{
	uint64_t entry_time = arch_counter_read();

	/* boot.S pointed tp at percpu_areas[0]: make it the boot hart's. */
	smp_boot_cpu_early(hartid);
	riscv_percpu_init(0);

	/* Sv39 boot tables: the direct map covers the first 16 GiB for now. */
	mm_direct_map_base = BOOT_DIRECT_MAP_BASE;

	const struct fdt *fdt = riscv_open_devicetree(dtb_phys);

	riscv_console_init(fdt);
	time_setup(fdt, entry_time);
	struct boot_info *bi = riscv_parse_devicetree(fdt, dtb_phys);
	bi->boot_cpu = (unsigned int)hartid;
	cmdline_set(bi->cmdline);
	riscv_paging_init(bi);
	bi->image_offset = KERNEL_VMA_OFFSET;
	bi->boot_direct_map_size = BOOT_DIRECT_MAP_SIZE;
	kernel_main(bi);
}
