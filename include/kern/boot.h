/* SPDX-License-Identifier: MIT */
/*
 * What the arch entry code hands to kernel_main(): one arch-neutral record of what
 * the boot loader and firmware said. The generic kernel never parses a firmware
 * format (multiboot2, device tree); arch code turns them into this.
 */
#ifndef KERN_BOOT_H
#define KERN_BOOT_H

#include <kern/types.h>
#include <mm/memmap.h>

struct boot_info {
	const char *cmdline;        /* boot loader's command line, or NULL */
	const char *loader;         /* who booted us, e.g. "GRUB 2.06" or "OpenSBI" */
	const char *firmware;       /* "BIOS", "UEFI", "SBI" */
	unsigned int boot_cpu;      /* hardware id of the boot CPU (APIC id, hart id) */
	uint64_t acpi_rsdp;         /* physical address of the ACPI RSDP (kernel's copy), or 0 */
	unsigned int acpi_revision; /* RSDP revision: 0 = ACPI 1.0 (RSDT), 2 = XSDT */
	uint64_t devicetree;        /* physical address of the flattened device tree, or 0 */
	uint64_t initrd_phys;       /* the initramfs (a newc cpio archive) the boot loader
	                               loaded: x86_64 the first multiboot2 module, riscv64
	                               and aarch64 /chosen linux,initrd-start; 0 if none */
	uint64_t initrd_size;       /* its size in bytes */
	unsigned int paging_levels; /* page-table levels in use (x86_64 4/5; riscv64 3/4/5 = Sv39/48/57;
	                               aarch64 4/5 = 48-/52-bit) */
	const char *paging;         /* the paging mode's name, e.g. "5-level (LA57)", "Sv48" */
	struct memmap *memmap;      /* raw regions: RAM as the firmware reported it, plus
	                               every range that must stay reserved (kernel image,
	                               boot information, modules, device tree, firmware);
	                               kernel_main() normalises it */
	uintptr_t image_offset;     /* kernel image: link (virtual) address - load
	                               (physical) address, the same for every byte */
	uint64_t boot_direct_map_size; /* the boot page tables map physical [0, this) at
	                               mm_direct_map_base; mm_init() builds the kernel's
	                               own tables in frames below it */
};

/* Linker-script symbols common to every arch: the kernel image's virtual bounds. */
extern char __kernel_start[], __kernel_end[];
extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[];
extern char __bss_start[], __bss_end[];
/*
 * The boot CPU's stack [boot_stack_bottom, boot_stack_top), page aligned, inside
 * .bss, with the page [boot_stack_guard, boot_stack_bottom) below it unused: the
 * kernel's page tables leave that guard page unmapped.
 */
extern char boot_stack_guard[], boot_stack_bottom[], boot_stack_top[];

/* The boot information, for tests and late initialisation (set by kernel_main). */
extern const struct boot_info *boot_info;

/* The physical address of a byte of the kernel image (after kernel_main() started). */
static inline uint64_t image_virt_to_phys(const void *p)
{
	return (uint64_t)((uintptr_t)p - boot_info->image_offset);
}

/*
 * The initramfs the boot loader gave (a newc cpio archive, <kern/cpio.h>) through
 * the direct map, or NULL (and *@size 0) if there is none. After mm_init().
 */
const void *boot_initrd(size_t *size);

/* The generic kernel's entry point, called once on the boot CPU. Never returns. */
__noreturn void kernel_main(struct boot_info *bi);

#endif
