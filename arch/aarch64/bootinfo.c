// SPDX-License-Identifier: MIT
/*
 * aarch64 boot information: device tree -> struct boot_info.
 *
 * Reads the command line (/chosen/bootargs) and the memory map: RAM from every
 * /memory node, reservations from /reserved-memory and the blob's
 * memory-reservation block, the initrd (/chosen linux,initrd-start/-end), the blob
 * itself and the kernel image, and the RAM below the image, where QEMU's -kernel
 * loader writes its boot stub (and may place the blob). Runs once on the boot
 * CPU, before kernel_main(); the blob is read through the boot direct map, so it
 * must lie below BOOT_DIRECT_MAP_SIZE.
 */
#include <kern/boot.h>
#include <kern/errno.h>
#include <kern/fdt.h>
#include <kern/panic.h>
#include <kern/printk.h>
#include <kern/string.h>
#include <mm/types.h>
#include <arch/aarch64.h>
#include <arch/page.h>

static struct fdt boot_fdt;
static struct memmap boot_memmap;
static struct boot_info boot_bi;

/* Losing a region would hand reserved memory out as free: fatal, and said so. */
static void add(uint64_t base, uint64_t size, enum mem_type type)
{
	if (size == 0)
		return;
	if (memmap_add(&boot_memmap, base, size, type) != 0)
		panic("boot: memory map full (%u regions), cannot add %#llx+%#llx (%s)",
		      MEMMAP_MAX, (unsigned long long)base, (unsigned long long)size,
		      memmap_type_name(type));
}

const struct fdt *aarch64_open_devicetree(uint64_t dtb_phys)
{
	if (dtb_phys == 0 || dtb_phys >= BOOT_DIRECT_MAP_SIZE)
		panic("boot: no device tree (x0 = %#llx): boot the flat Image, not the ELF "
		      "(QEMU passes a device tree to an arm64 Image only)",
		      (unsigned long long)dtb_phys);
	int err = fdt_init(&boot_fdt, phys_to_virt(paddr(dtb_phys)), BOOT_DIRECT_MAP_SIZE - dtb_phys);
	if (err)
		panic("boot: the device tree at %#llx is unusable (error %d)",
		      (unsigned long long)dtb_phys, err);
	return &boot_fdt;
}

/* Each /memory node's "reg" (DT spec 3.4), with the root's cell counts. */
static void add_memory(const struct fdt *fdt, int root, int ac, int sc)
{
	int node;

	fdt_for_each_child(fdt, root, node) {
		const char *type = fdt_prop_string(fdt, node, "device_type");
		if (!fdt_node_name_is(fdt, node, "memory") && !(type && !strcmp(type, "memory")))
			continue;
		if (!fdt_node_is_enabled(fdt, node))
			continue;
		uint64_t base, size;
		for (unsigned int i = 0; fdt_reg_cells(fdt, node, i, ac, sc, &base, &size) == 0; i++)
			add(base, size, MEM_USABLE);
	}
}

/*
 * Children of /reserved-memory with a "reg" (DT spec 3.5.2); those with only a
 * "size" are allocated by the OS and hold nothing yet.
 */
static void add_reserved_memory(const struct fdt *fdt, int ac, int sc)
{
	int rm = fdt_path_offset(fdt, "/reserved-memory");
	int node;

	if (rm < 0)
		return;
	int rac = fdt_address_cells(fdt, rm), rsc = fdt_size_cells(fdt, rm);
	if (fdt_prop(fdt, rm, "#address-cells", NULL) && rac > 0)
		ac = rac;
	if (fdt_prop(fdt, rm, "#size-cells", NULL) && rsc >= 0)
		sc = rsc;
	fdt_for_each_child(fdt, rm, node) {
		if (!fdt_node_is_enabled(fdt, node))
			continue;
		uint64_t base, size;
		for (unsigned int i = 0; fdt_reg_cells(fdt, node, i, ac, sc, &base, &size) == 0; i++)
			add(base, size, MEM_RESERVED);
	}
}

/* The initrd: /chosen linux,initrd-start and -end, one or two cells each (Linux binding). */
static void add_initrd(const struct fdt *fdt, int chosen, struct boot_info *bi)
{
	uint64_t start, end;

	if (chosen < 0 || !fdt_prop_uint(fdt, chosen, "linux,initrd-start", &start) ||
	    !fdt_prop_uint(fdt, chosen, "linux,initrd-end", &end) || end <= start)
		return;
	add(start, end - start, MEM_MODULE);
	bi->initrd_phys = start;
	bi->initrd_size = end - start;
}

/*
 * The RAM bank below the image, [bank start, KERNEL_PHYS_BASE): QEMU's loader puts
 * its boot stub at the bank's start (hw/arm/boot.c) and nothing says so in the
 * device tree. 2 MiB, kept as firmware.
 */
static void add_loader(void)
{
	for (size_t i = 0; i < boot_memmap.count; i++) {
		const struct mem_region *r = &boot_memmap.regions[i];
		if (r->type == MEM_USABLE && r->base <= KERNEL_PHYS_BASE &&
		    KERNEL_PHYS_BASE - r->base < r->size) {
			add(r->base, KERNEL_PHYS_BASE - r->base, MEM_FIRMWARE);
			return;
		}
	}
}

struct boot_info *aarch64_parse_devicetree(const struct fdt *fdt, uint64_t dtb_phys)
{
	struct boot_info *bi = &boot_bi;
	int root = fdt_root(fdt);
	int chosen = fdt_path_offset(fdt, "/chosen");
	int ac = fdt_address_cells(fdt, root), sc = fdt_size_cells(fdt, root);

	if (ac < 0 || sc < 0)
		panic("boot: device tree root has #address-cells/#size-cells this kernel cannot read");

	bi->loader = aarch64_entered_at_el2 ? "Linux arm64 boot protocol, at EL2" :
					      "Linux arm64 boot protocol, at EL1";
	bi->firmware = psci_describe();
	bi->devicetree = dtb_phys;
	bi->cmdline = chosen >= 0 ? fdt_prop_string(fdt, chosen, "bootargs") : NULL;

	memmap_init(&boot_memmap);
	add_memory(fdt, root, ac, sc);
	add_loader();
	add_reserved_memory(fdt, ac, sc);
	for (unsigned int i = 0; i < fdt->rsvmap_count; i++) {
		uint64_t base, size;
		if (fdt_mem_rsv(fdt, i, &base, &size) == 0)
			add(base, size, MEM_RESERVED);
	}
	add_initrd(fdt, chosen, bi);
	add(dtb_phys, fdt->totalsize, MEM_BOOTINFO);
	add(kernel_virt_to_phys(__kernel_start),
	    (uint64_t)(__kernel_end - __kernel_start), MEM_KERNEL);
	bi->memmap = &boot_memmap;
	return bi;
}
