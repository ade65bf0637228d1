/* SPDX-License-Identifier: MIT */
/*
 * Bringing the memory-management stack up at boot, and the kernel's page table.
 *
 * mm_init() runs once on the boot CPU, from kernel_main(), after the boot memory
 * map has been normalised. In order: bootmem over the map; the kernel's own page
 * table, built by the generic mapper in the paging mode chosen at boot (a direct
 * map of all RAM with the largest leaves that fit, and the kernel image section
 * by section with W^X: text read+execute, read-only data read-only, data and bss
 * read+write, a guard page below the boot stack left unmapped); the MMIO window
 * for ioremap(); the switch to the new table (the boot tables, their identity and
 * partial direct map, are then unused) and at once the arch's devices through
 * ioremap() (the frames of their page tables still come from bootmem); the buddy
 * allocator over everything bootmem did not hand out; slab and kmalloc.
 */
#ifndef MM_INIT_H
#define MM_INIT_H

#include <kern/boot.h>
#include <mm/mapper.h>

/* The kernel's page table (kernel half; the root every CPU runs on). */
extern struct pagetable mm_kernel_pt;

/* What mm_init() measured, for the boot log and the tests. */
struct mm_boot_stats {
	uint64_t ram_bytes;            /* RAM the direct map covers */
	uint64_t framedb_bytes;        /* the frame database */
	uint64_t pagetable_bytes;      /* the kernel page table's frames */
	uint64_t bootmem_bytes;        /* everything bootmem handed out (framedb included) */
	uint64_t ns_start;             /* kernel entry to the start of mm_init() */
	uint64_t ns_tables;            /* building and switching to the kernel page table */
	uint64_t ns_buddy;             /* buddy_init(): the frame database and the free lists */
	uint64_t ns_to_mm_up;          /* kernel entry to the end of mm_init() */
};
extern struct mm_boot_stats mm_boot_stats;

/* Bring the mm up as described above. Panics on failure: there is no kernel without it. */
void mm_init(const struct boot_info *bi);

/* Print the boot summary: the mode and direct map, each zone's total, reserved and
 * free memory, metadata per GiB of RAM, and the time it took. */
void mm_print_summary(const struct boot_info *bi);

/*
 * Free frames in every zone once nothing free is parked on the side: every
 * kmalloc class shrunk and every per-CPU frame cache drained. Exact when nothing
 * else allocates meanwhile (the ktest runner uses it between suites).
 */
uint64_t mm_settled_free_frames(void);

/*
 * Does a range of type @type belong in the direct map? RAM does (usable, ACPI,
 * kernel, boot information, modules); firmware-owned memory (which may be
 * protected from the kernel, as OpenSBI's is by PMP), MMIO and bad RAM do not.
 */
bool mm_type_is_direct_mapped(enum mem_type type);

#endif
