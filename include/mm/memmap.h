/* SPDX-License-Identifier: MIT */
/*
 * The boot memory map: one arch-neutral list of physical regions.
 *
 * Arch code fills a struct memmap from what the firmware said (multiboot2 memory map
 * or EFI memory map; the device tree's /memory and /reserved-memory) and adds every
 * range that must stay reserved (kernel image, boot information, modules, device
 * tree, firmware). memmap_normalise() then turns that raw list into a sorted,
 * non-overlapping, page-aligned map in which:
 *
 *   - where regions overlap, the type with the higher precedence wins: every
 *     non-usable type beats MEM_USABLE (see enum mem_type for the order), so a
 *     reservation is always subtracted from RAM;
 *   - usable regions shrink inward to page boundaries, other regions grow outward
 *     (a reservation covering part of a page reserves the whole page);
 *   - adjacent regions of the same type merge; zero-length regions vanish;
 *   - ranges that run past the top of the 64-bit space are clipped there. An end is
 *     exclusive and fits in 64 bits, so the byte 0xffffffffffffffff cannot be
 *     described, and with page-aligned ends the top page never appears at all.
 *
 * No allocation: struct memmap has fixed capacity (it is used before any allocator
 * exists), and memmap_add() reports -ENOSPC when full. Not locked: boot CPU only,
 * before other CPUs start. The same file builds for the kernel and for host tests.
 */
#ifndef MM_MEMMAP_H
#define MM_MEMMAP_H

#include <kern/types.h>

/* Region types, in increasing precedence: on overlap the later one wins. */
enum mem_type {
	MEM_USABLE = 0,       /* free RAM */
	MEM_ACPI_RECLAIM,     /* ACPI tables: RAM once they have been read */
	MEM_ACPI_NVS,         /* ACPI non-volatile storage: never touch */
	MEM_RESERVED,         /* reserved by the firmware for an unknown reason */
	MEM_MMIO,             /* device registers */
	MEM_FIRMWARE,         /* firmware code/data (OpenSBI, EFI runtime services) */
	MEM_BOOTINFO,         /* boot information (multiboot2 info, device tree blob) */
	MEM_MODULE,           /* boot modules / initrd */
	MEM_KERNEL,           /* the kernel image */
	MEM_BAD,              /* defective RAM */
	MEM_TYPE_COUNT
};

struct mem_region {
	uint64_t base;        /* physical address of the first byte */
	uint64_t size;        /* bytes; base + size never wraps after normalising */
	enum mem_type type;
};

#define MEMMAP_MAX 256

struct memmap {
	size_t count;
	struct mem_region regions[MEMMAP_MAX];
};

/* Empty @map. */
void memmap_init(struct memmap *map);

/*
 * Append a raw region (any order, may overlap others, may be unaligned or empty).
 * Returns 0, -ENOSPC if the map is full or -EINVAL if @type is not a mem_type
 * below MEM_TYPE_COUNT (either way the region is not added).
 */
int memmap_add(struct memmap *map, uint64_t base, uint64_t size, enum mem_type type);

/*
 * Normalise @map in place as described above, with pages of @page_size bytes
 * (a power of two). Returns 0; -EINVAL for a bad @page_size, a count above
 * MEMMAP_MAX or a bad type; -ENOSPC if overlaps split the map into more than
 * MEMMAP_MAX regions. On error @map is unchanged. One call at a time (static scratch).
 */
int memmap_normalise(struct memmap *map, uint64_t page_size);

/* Total bytes of regions of @type (saturates at UINT64_MAX on a raw map). */
uint64_t memmap_total(const struct memmap *map, enum mem_type type);

/* A short fixed name for @type ("usable", "kernel", ...; "invalid" if out of range). */
const char *memmap_type_name(enum mem_type type);

/* Print @map as a table (base, end, size, type) with per-type totals (kernel only). */
void memmap_print(const struct memmap *map);

#endif
