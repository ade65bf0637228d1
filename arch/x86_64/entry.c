// SPDX-License-Identifier: MIT
/*
 * x86_64 C entry: called by boot.S in long mode at the kernel's link address, on the
 * boot stack, with the boot page tables. Brings up the console and the exception
 * handlers before anything can go wrong, then hands the boot information over to
 * the generic kernel.
 */
#include <kern/boot.h>
#include <kern/cmdline.h>
#include <kern/percpu.h>
#include <kern/smp.h>
#include <mm/types.h>
#include <arch/console.h>
#include <arch/cpu.h>
#include <arch/page.h>
#include <arch/trap.h>
#include <arch/x86.h>

extern uint64_t boot_pml4[512];

/*
 * The identity mapping of boot.S was only for the switch to long mode: drop it, so
 * that the user half is empty and a null pointer faults. Boot data is reached
 * through the boot direct map from here on.
 */
static void drop_identity_map(void)
{
	boot_pml4[0] = 0;
	__asm__ __volatile__("mov %0, %%cr3" : : "r"(read_cr3()) : "memory");
}

void x86_entry(uint32_t magic, uint32_t info_phys)
{
	uint64_t entry_tsc = arch_counter_read();
	uint32_t a, b, c, d;

	/* The per-CPU area first: cpu_current() (spinlocks, printk) reads it. */
	cpuid(1, 0, &a, &b, &c, &d);
	smp_boot_cpu_early(b >> 24);      /* initial APIC id */
	x86_percpu_set(&percpu_areas[0]);

	drop_identity_map();
	x86_console_init();
	x86_cpu_init();
	/* 4-level boot tables: the direct map covers the first 4 GiB for now. */
	mm_direct_map_base = BOOT_DIRECT_MAP_BASE;

	x86_time_init(entry_tsc);

	struct boot_info *bi = x86_parse_multiboot2(magic, info_phys);
	cmdline_set(bi->cmdline);
	x86_paging_init(bi);
	bi->image_offset = KERNEL_VMA_OFFSET;
	bi->boot_direct_map_size = BOOT_DIRECT_MAP_SIZE;
	bi->boot_cpu = b >> 24;
	kernel_main(bi);
}
