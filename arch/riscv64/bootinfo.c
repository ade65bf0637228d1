// SPDX-License-Identifier: MIT
/*
 * riscv64 boot information: device tree -> struct boot_info.
 *
 * Reads the command line (/chosen/bootargs) and the memory map: RAM from every
 * /memory node, reservations from /reserved-memory and the blob's
 * memory-reservation block, the initrd (/chosen linux,initrd-start/-end), the blob
 * itself and the kernel image, and the firmware's own range below the kernel,
 * which OpenSBI does not always describe. It also finds QEMU's test device for
 * arch_shutdown(). Runs once on the boot hart, before kernel_main(); the blob is
 * read through the boot direct map, so it must lie below BOOT_DIRECT_MAP_SIZE
 * (firmware places it near the kernel, in the first RAM bank).
 */
#include <kern/boot.h>
#include <kern/errno.h>
#include <kern/fdt.h>
#include <kern/panic.h>
#include <kern/printk.h>
#include <kern/string.h>
#include <mm/types.h>
#include <arch/page.h>
#include <arch/riscv.h>
#include <arch/sbi.h>

static struct fdt boot_fdt;
static struct memmap boot_memmap;
static struct boot_info boot_bi;
static char loader_name[32];

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

const struct fdt *riscv_open_devicetree(uint64_t dtb_phys)
{
	if (dtb_phys == 0 || dtb_phys >= BOOT_DIRECT_MAP_SIZE)
		panic("boot: no device tree (a1 = %#llx): the firmware must pass one",
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

static bool contains(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(s + i, needle, n))
			return true;
	return false;
}

/*
 * Does this /reserved-memory child protect firmware? OpenSBI names its PMP-guarded
 * ranges "mmode_resv<N>@<addr>"; other firmware says "opensbi" or "firmware".
 */
static bool is_firmware(const struct fdt *fdt, int node)
{
	const char *name = fdt_node_name(fdt, node);
	uint32_t len;
	const char *compat = fdt_prop(fdt, node, "compatible", &len);

	if (name && (!strncmp(name, "mmode_resv", 10) || contains(name, strlen(name), "opensbi") ||
		     contains(name, strlen(name), "firmware")))
		return true;
	return compat && (contains(compat, len, "opensbi") || contains(compat, len, "firmware"));
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
	/* The spec asks for the root's cell counts here; take the node's own if it says so. */
	int rac = fdt_address_cells(fdt, rm), rsc = fdt_size_cells(fdt, rm);
	if (fdt_prop(fdt, rm, "#address-cells", NULL) && rac > 0)
		ac = rac;
	if (fdt_prop(fdt, rm, "#size-cells", NULL) && rsc >= 0)
		sc = rsc;
	fdt_for_each_child(fdt, rm, node) {
		if (!fdt_node_is_enabled(fdt, node))
			continue;
		enum mem_type type = is_firmware(fdt, node) ? MEM_FIRMWARE : MEM_RESERVED;
		uint64_t base, size;
		for (unsigned int i = 0; fdt_reg_cells(fdt, node, i, ac, sc, &base, &size) == 0; i++)
			add(base, size, type);
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
 * OpenSBI fw_dynamic runs from the start of the RAM bank that holds the kernel up
 * to KERNEL_PHYS_BASE, and v1.1 protects only part of that with PMP (and says so
 * only for that part, in /reserved-memory). Keep all of it: the firmware's data
 * (the per-hart scratch, its heap) must never be handed out as free RAM.
 */
static void add_firmware(void)
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

/* The SBI implementation, as "OpenSBI 1.1" (SBI spec 4.9 lists the ids). */
static const char *loader(void)
{
	static const char *const impls[] = { "BBL", "OpenSBI", "Xvisor", "KVM", "RustSBI", "Diosix", "Coffer" };
	struct sbiret id = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID, 0, 0, 0);
	struct sbiret ver = sbi_call(SBI_EXT_BASE, SBI_BASE_GET_IMPL_VERSION, 0, 0, 0);

	if (id.error || id.value < 0 || (size_t)id.value >= ARRAY_SIZE(impls))
		return "SBI firmware";
	if (ver.error)
		return impls[id.value];
	if (id.value == SBI_IMPL_OPENSBI)     /* OpenSBI: major << 16 | minor */
		snprintf(loader_name, sizeof(loader_name), "%s %lu.%lu", impls[id.value],
			 (unsigned long)ver.value >> 16, (unsigned long)ver.value & 0xffff);
	else
		snprintf(loader_name, sizeof(loader_name), "%s %#lx", impls[id.value],
			 (unsigned long)ver.value);
	return loader_name;
}

struct boot_info *riscv_parse_devicetree(const struct fdt *fdt, uint64_t dtb_phys)
{
	struct boot_info *bi = &boot_bi;
	int root = fdt_root(fdt);
	int chosen = fdt_path_offset(fdt, "/chosen");
	int ac = fdt_address_cells(fdt, root), sc = fdt_size_cells(fdt, root);

	if (ac < 0 || sc < 0)
		panic("boot: device tree root has #address-cells/#size-cells this kernel cannot read");

	bi->loader = loader();
	bi->firmware = "SBI";
	bi->devicetree = dtb_phys;
	bi->cmdline = chosen >= 0 ? fdt_prop_string(fdt, chosen, "bootargs") : NULL;

	memmap_init(&boot_memmap);
	add_memory(fdt, root, ac, sc);
	add_firmware();
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

	/* QEMU virt's test device, /soc/test@100000: the power-off with a verdict. */
	int test = fdt_find_compatible(fdt, -1, "sifive,test0");
	uint64_t base, size;
	if (test >= 0 && fdt_node_is_enabled(fdt, test) && fdt_reg(fdt, test, 0, &base, &size) == 0 &&
	    base < BOOT_DIRECT_MAP_SIZE - 4)
		riscv_set_test_device(base);
	return bi;
}
