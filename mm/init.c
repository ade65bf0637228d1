// SPDX-License-Identifier: MIT
/*
 * The memory-management stack at boot (see <mm/init.h>). Boot CPU only, before
 * any other CPU runs; no locks.
 *
 * Before buddy_init() the page-table frames come from bootmem (frame_alloc()
 * falls back to it while the buddy is not up): the kernel table must map all RAM
 * before the buddy allocator writes its free-list links into free frames, and the
 * boot tables only map the first few GiB.
 */
#include <kern/arch.h>
#include <kern/panic.h>
#include <kern/printk.h>
#include <kern/time.h>
#include <mm/bootmem.h>
#include <mm/buddy.h>
#include <mm/framedb.h>
#include <mm/init.h>
#include <mm/kmap.h>
#include <mm/mmio.h>
#include <mm/mmu.h>
#include <mm/slab.h>
#include <mm/tlb.h>

struct pagetable mm_kernel_pt;
struct mm_boot_stats mm_boot_stats;

bool mm_type_is_direct_mapped(enum mem_type type)
{
	switch (type) {
	case MEM_USABLE:
	case MEM_ACPI_RECLAIM:
	case MEM_ACPI_NVS:
	case MEM_BOOTINFO:
	case MEM_MODULE:
	case MEM_KERNEL:
		return true;
	default:
		return false;
	}
}

static void map_or_panic(vaddr_t va, paddr_t pa, size_t size, unsigned int prot, const char *what)
{
	struct tlb_batch b;

	/* Not live yet: nothing to flush, but the mapper wants a batch. */
	tlb_batch_init(&b, &tlb_kernel_cpus);
	int err = mapper_map(&mm_kernel_pt, va, pa, size, prot | MMU_GLOBAL, MMU_CACHE_WB, 0, &b);
	tlb_batch_flush(&b);
	if (err)
		panic("mm: cannot map %s [%#lx, +%#lx): error %d", what, (unsigned long)va.raw,
		      (unsigned long)size, err);
}

/* Map [base, end) of RAM into the direct map with @prot (nothing if empty). */
static void map_direct_range(const struct mmu_layout *l, uint64_t base, uint64_t end,
			     unsigned int prot)
{
	if (end > base)
		map_or_panic(vaddr_add(l->direct_map_base, base), paddr(base), end - base, prot,
			     "the direct map");
}

/*
 * The direct map of every RAM region. Adjacent regions are mapped as one run
 * (regions differ in type, not in how they are mapped), so that a boundary such
 * as the device tree's reservation inside usable RAM costs no small leaves. The
 * image's text and read-only data stay read-only in this alias too: W^X would mean
 * little if text could be rewritten through phys_to_virt().
 */
static void map_direct(const struct memmap *map, const struct mmu_layout *l)
{
	uint64_t ro_base = image_virt_to_phys(__text_start);
	uint64_t ro_end = image_virt_to_phys(__rodata_end);

	for (size_t i = 0; i < map->count;) {
		const struct mem_region *r = &map->regions[i++];
		if (!mm_type_is_direct_mapped(r->type))
			continue;
		uint64_t base = r->base, end = r->base + r->size;
		while (i < map->count && mm_type_is_direct_mapped(map->regions[i].type) &&
		       map->regions[i].base == end)
			end += map->regions[i++].size;
		if (end > l->direct_map_end.raw - l->direct_map_base.raw)
			panic("mm: RAM at %#llx..%#llx lies beyond the direct map",
			      (unsigned long long)base, (unsigned long long)end);
		uint64_t lo = MIN(MAX(ro_base, base), end), hi = MIN(MAX(ro_end, base), end);
		map_direct_range(l, base, lo, MMU_READ | MMU_WRITE);
		map_direct_range(l, lo, hi, MMU_READ);
		map_direct_range(l, hi, end, MMU_READ | MMU_WRITE);
		mm_boot_stats.ram_bytes += end - base;
	}
}

/* One section of the image: [start, end) of the image's link addresses. */
static void map_image_section(const char *start, const char *end, unsigned int prot,
			      const char *what)
{
	if (end > start)
		map_or_panic(ptr_vaddr(start), paddr(image_virt_to_phys(start)),
			     (size_t)(end - start), prot, what);
}

static void map_image(void)
{
	map_image_section(__text_start, __text_end, MMU_READ | MMU_EXEC, "kernel text");
	map_image_section(__rodata_start, __rodata_end, MMU_READ, "kernel rodata");
	map_image_section(__data_start, __data_end, MMU_READ | MMU_WRITE, "kernel data");
	/* .bss around the boot stack's guard page, which stays unmapped. */
	map_image_section(__bss_start, boot_stack_guard, MMU_READ | MMU_WRITE, "kernel bss");
	map_image_section(boot_stack_bottom, __bss_end, MMU_READ | MMU_WRITE, "kernel bss");
}

void mm_init(const struct boot_info *bi)
{
	const struct memmap *map = bi->memmap;
	struct mmu_layout layout;
	int err;

	if (mmu_layout_get(bi->paging_levels, &layout) != 0)
		panic("mm: no layout for paging mode %u", bi->paging_levels);
	KASSERT(mm_direct_map_base == layout.direct_map_base.raw,
		"boot direct map at %#lx, the mode's at %#lx",
		(unsigned long)mm_direct_map_base, (unsigned long)layout.direct_map_base.raw);

	mm_boot_stats.ns_start = time_ns();
	if ((err = bootmem_init(map)) != 0)
		panic("mm: bootmem_init: error %d", err);
	/* The kernel table's frames are written through the boot tables' direct map. */
	bootmem_set_limit(bi->boot_direct_map_size);

	if ((err = mapper_init_kernel(&mm_kernel_pt, bi->paging_levels)) != 0)
		panic("mm: cannot create the kernel page table: error %d", err);
	map_direct(map, &layout);
	map_image();
	mm_boot_stats.pagetable_bytes = mapper_count_tables(&mm_kernel_pt) * PAGE_SIZE;

	kmap_init(&mm_kernel_pt);
	if ((err = mmio_init(layout.mmio_start, layout.mmio_end, bi->paging_levels)) != 0)
		panic("mm: mmio_init: error %d", err);

	arch_mmu_cpu_init();
	arch_mmu_activate(mm_kernel_pt.root, mm_kernel_pt.levels);
	/*
	 * The boot mappings are gone, and with them whatever device registers the
	 * arch reached through them (the riscv64 UART): move the devices to
	 * ioremap() before anything else can print.
	 */
	arch_devices_init();
	bootmem_set_limit(BOOTMEM_NO_LIMIT);
	uint64_t t = time_ns();
	mm_boot_stats.ns_tables = t - mm_boot_stats.ns_start;

	if ((err = buddy_init(map)) != 0)
		panic("mm: buddy_init: error %d", err);
	mm_boot_stats.ns_buddy = time_ns() - t;
	mm_boot_stats.framedb_bytes = framedb_bytes();
	mm_boot_stats.bootmem_bytes = bootmem_used();
	if ((err = kmalloc_init()) != 0)
		panic("mm: kmalloc_init: error %d", err);
	mm_boot_stats.ns_to_mm_up = time_ns();
}

/* Bytes of @map's direct-mapped RAM inside [lo, hi). */
static uint64_t ram_between(const struct memmap *map, uint64_t lo, uint64_t hi)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < map->count; i++) {
		const struct mem_region *r = &map->regions[i];
		if (!mm_type_is_direct_mapped(r->type))
			continue;
		uint64_t a = MAX(r->base, lo), b = MIN(r->base + r->size, hi);
		if (a < b)
			sum += b - a;
	}
	return sum;
}

void mm_print_summary(const struct boot_info *bi)
{
	static const char *const zone_names[ZONE_COUNT] = { "DMA", "Normal" };
	const struct mm_boot_stats *s = &mm_boot_stats;

	pr_info("mm: %s paging, direct map of %llu MiB RAM at %#lx\n", bi->paging,
		(unsigned long long)(s->ram_bytes >> 20), (unsigned long)mm_direct_map_base);
	for (unsigned int z = 0; z < ZONE_COUNT; z++) {
		struct buddy_zone_stats st;
		uint64_t lo = z == ZONE_DMA ? 0 : ZONE_DMA_LIMIT;
		uint64_t hi = z == ZONE_DMA ? ZONE_DMA_LIMIT : UINT64_MAX;
		uint64_t total = ram_between(bi->memmap, lo, hi);

		buddy_get_stats((enum frame_zone)z, &st);
		uint64_t free = (st.free_frames + st.cached_frames) * PAGE_SIZE;
		pr_info("mm: zone %-6s total %8llu KiB, reserved %8llu KiB, free %8llu KiB\n",
			zone_names[z], (unsigned long long)(total >> 10),
			(unsigned long long)((total - free) >> 10), (unsigned long long)(free >> 10));
	}
	uint64_t meta = s->framedb_bytes + s->pagetable_bytes;
	pr_info("mm: metadata %llu KiB (frame database %llu KiB, kernel page table %llu KiB), "
		"%llu KiB per GiB of RAM\n",
		(unsigned long long)(meta >> 10), (unsigned long long)(s->framedb_bytes >> 10),
		(unsigned long long)(s->pagetable_bytes >> 10),
		(unsigned long long)((meta >> 10) * 1024 / MAX(s->ram_bytes >> 20, 1)));
	pr_info("mm: up %llu us after kernel entry (mm_init from %llu us: page tables %llu us, "
		"buddy and frame database %llu us)\n",
		(unsigned long long)(s->ns_to_mm_up / 1000), (unsigned long long)(s->ns_start / 1000),
		(unsigned long long)(s->ns_tables / 1000), (unsigned long long)(s->ns_buddy / 1000));
}

uint64_t mm_settled_free_frames(void)
{
	uint64_t free = 0;

	/*
	 * Every online CPU empties its own kmalloc stacks, then its own frame caches:
	 * two cross-CPU calls (the per-CPU caches are their CPU's alone, see mm/buddy.c).
	 * The kmalloc spares are freed in between, into this CPU's cache, which the
	 * second call then drains too.
	 */
	kmalloc_shrink();
	buddy_drain_all();
	for (unsigned int z = 0; z < ZONE_COUNT; z++) {
		struct buddy_zone_stats st;
		buddy_get_stats((enum frame_zone)z, &st);
		free += st.free_frames + st.cached_frames;
	}
	return free;
}
