// SPDX-License-Identifier: MIT
/*
 * riscv64 paging mode: the deepest of Sv57, Sv48 and Sv39 that the hart accepts,
 * capped by the command line (mmu=sv39, mmu=sv48), chosen once at boot on the
 * boot hart.
 *
 * A hart reports what it implements by ignoring a satp write with a mode it lacks
 * ("WARL": the whole write has no effect, privileged spec 1.12, 4.1.11), so each
 * candidate is tried by writing it and reading satp back. The boot tables
 * (boot.S) are Sv39; the deeper modes are tried with roots that stack one more
 * level on top of them: entry 511 of an Sv48 root points at the Sv39 root as its
 * level-2 table, which keeps the image (all in the top 512 GiB) where it was, and
 * likewise Sv57 over Sv48. So a successful write is also the switch. Entry 256 of
 * either starts that mode's own direct map (the first BOOT_DIRECT_MAP_SIZE bytes
 * in 1 GiB leaves), so mm_direct_map_base has its final value from here on.
 */
#include <kern/cmdline.h>
#include <kern/fdt.h>
#include <kern/printk.h>
#include <kern/string.h>
#include <kern/panic.h>
#include <mm/mmu.h>
#include <mm/types.h>
#include <arch/console.h>
#include <arch/cpu.h>
#include <arch/page.h>
#include <arch/riscv.h>

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_G (1ull << 5)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_PPN_SHIFT 10
#define GIB (1ull << 30)

extern uint64_t boot_pt_root[512];
static uint64_t boot_pt_sv48[512] __aligned(4096);
static uint64_t boot_pt_sv57[512] __aligned(4096);
static uint64_t boot_direct_l2[512] __aligned(4096);   /* 1 GiB leaves */
static uint64_t boot_direct_l3[512] __aligned(4096);   /* Sv57: -> boot_direct_l2 */

/* A non-leaf entry: V set, R/W/X clear (4.3.1), A/D/U clear for non-leaves (4.3.1). */
static uint64_t table_pte(const void *table)
{
	return (kernel_virt_to_phys(table) >> 12) << PTE_PPN_SHIFT | PTE_V;
}

static unsigned int cap_levels(void)
{
	char want[16];

	if (cmdline_get_value("mmu", want, sizeof(want)) < 0)
		return 5;
	if (strcmp(want, "sv39") == 0)
		return 3;
	if (strcmp(want, "sv48") == 0)
		return 4;
	if (strcmp(want, "sv57") != 0)
		pr_warn("paging: unknown mmu=%s (riscv64 knows sv39, sv48, sv57); ignored\n", want);
	return 5;
}

/* Write satp for @root in @mode; true if the hart kept it (the mode is now active). */
static bool try_mode(uint64_t mode, const void *root)
{
	uint64_t satp = mode | (kernel_virt_to_phys(root) >> 12);

	__asm__ __volatile__("sfence.vma" ::: "memory");
	csr_write(satp, satp);
	__asm__ __volatile__("sfence.vma" ::: "memory");
	return csr_read(satp) == satp;
}

/*
 * Svpbmt (page-based memory types) is usable when every hart names it (devicetree
 * binding riscv/cpus: the "riscv,isa-extensions" list, or the "riscv,isa" string,
 * multi-letter extensions after '_').
 * Without it, ioremap()'s uncached leaves are plain leaves and the platform's
 * physical memory attributes alone make device regions uncached.
 */
bool riscv_harts_have(const struct fdt *fdt, const char *ext)
{
	int cpus = fdt_path_offset(fdt, "/cpus"), cpu, harts = 0;

	if (cpus < 0)
		return false;
	for (cpu = fdt_first_child(fdt, cpus); cpu >= 0; cpu = fdt_next_sibling(fdt, cpu)) {
		const char *type = fdt_prop_string(fdt, cpu, "device_type");
		if (!type || strcmp(type, "cpu") != 0)
			continue;
		bool found = false;
		/* The newer binding: a string list of extension names. */
		uint32_t len;
		const char *list = fdt_prop(fdt, cpu, "riscv,isa-extensions", &len);
		if (list)
			found = fdt_stringlist_contains(list, len, ext);
		/* The older one: multi-letter extensions after '_' in "riscv,isa". */
		const char *isa = fdt_prop_string(fdt, cpu, "riscv,isa");
		size_t n = strlen(ext);
		for (const char *p = isa; !found && p && (p = strchr(p, '_')); p++)
			if (strncmp(p + 1, ext, n) == 0 && (p[n + 1] == '_' || p[n + 1] == '\0'))
				found = true;
		if (!found)
			return false;
		harts++;
	}
	return harts > 0;
}

void riscv_paging_init(struct boot_info *bi)
{
	riscv_mmu_svpbmt = riscv_harts_have(riscv_open_devicetree(bi->devicetree), "svpbmt");

	static const char *const names[] = { [3] = "Sv39", [4] = "Sv48", [5] = "Sv57" };
	unsigned int cap = cap_levels(), levels = 3;

	boot_pt_sv48[511] = table_pte(boot_pt_root);
	boot_pt_sv57[511] = table_pte(boot_pt_sv48);
	for (uint64_t g = 0; g < BOOT_DIRECT_MAP_SIZE / GIB; g++)
		boot_direct_l2[g] = (g * GIB >> 12) << PTE_PPN_SHIFT |
				    PTE_V | PTE_R | PTE_W | PTE_G | PTE_A | PTE_D;
	boot_direct_l3[0] = table_pte(boot_direct_l2);
	boot_pt_sv48[256] = table_pte(boot_direct_l2);   /* 0xffff800000000000 */
	boot_pt_sv57[256] = table_pte(boot_direct_l3);   /* 0xff00000000000000 */
	if (cap >= 5 && try_mode(SATP_MODE_SV57, boot_pt_sv57))
		levels = 5;
	else if (cap >= 4 && try_mode(SATP_MODE_SV48, boot_pt_sv48))
		levels = 4;
	struct mmu_layout layout;
	if (mmu_layout_get(levels, &layout) != 0)
		panic("paging: no layout for %u levels", levels);
	/* Sv39: boot.S put the direct map there already. */
	KASSERT(levels != 3 || layout.direct_map_base.raw == BOOT_DIRECT_MAP_BASE,
		"Sv39 direct map at %#lx, boot tables at %#lx",
		(unsigned long)layout.direct_map_base.raw, (unsigned long)BOOT_DIRECT_MAP_BASE);
	mm_direct_map_base = layout.direct_map_base.raw;
	riscv_console_rebase();
	bi->paging_levels = levels;
	bi->paging = names[levels];
}
