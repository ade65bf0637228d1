// SPDX-License-Identifier: MIT
/*
 * aarch64 paging mode, chosen once at boot on the boot CPU: the 52-bit mode (5
 * levels, FEAT_LPA2 with TCR_EL1.DS = 1) where the CPU has it, else the 48-bit
 * mode (4 levels) that boot.S turned on; mmu=48bit caps it.
 *
 * FEAT_LPA2 with a 4 KiB granule: ID_AA64MMFR0_EL1.TGran4 = 1 (Arm ARM D19.2.64).
 * The 52-bit descriptors differ from the 48-bit ones (bits 9..8 carry output
 * address bits, not shareability) and the walk starts one level higher, so the
 * boot tables cannot be extended in place as on x86_64 and riscv64: the switch
 * builds a second set in the new format (with the format's own encoders, after
 * mmu_mode_set(5)), and changes TCR_EL1 and both TTBRs with the MMU off, from the
 * identity map, which both sets hold (aarch64_mode_switch in boot.S's section).
 * From then on mm_direct_map_base is the 52-bit layout's; the 48-bit boot direct
 * map is mapped too, for what still points into it.
 */
#include <kern/cmdline.h>
#include <kern/panic.h>
#include <kern/printk.h>
#include <kern/string.h>
#include <mm/mmu.h>
#include <mm/types.h>
#include <arch/aarch64.h>
#include <arch/cpu.h>
#include <arch/page.h>

#define GIB (1ull << 30)
#define TCR_T0SZ_MASK  0x3full
#define TCR_T1SZ_MASK  (0x3full << 16)
#define TCR_IPS_MASK   (7ull << 32)
#define TCR_DS         (1ull << 59)

/* The 52-bit boot tables: indices as the core computes them (9 bits at every level). */
static pte_t lpa2_root[512] __aligned(4096);        /* TTBR1: the kernel half */
static pte_t lpa2_image_l3[512] __aligned(4096);
static pte_t lpa2_image_l2[512] __aligned(4096);
static pte_t lpa2_direct_l3[512] __aligned(4096);
static pte_t lpa2_direct_l2[512] __aligned(4096);
static pte_t lpa2_old_direct_l2[512] __aligned(4096);   /* the 48-bit base, kept */
static pte_t lpa2_id_root[512] __aligned(4096);     /* TTBR0: the identity of the image */
static pte_t lpa2_id_l3[512] __aligned(4096);
static pte_t lpa2_id_l2[512] __aligned(4096);

/* boot.S: with the MMU off, load @tcr, @ttbr0, @ttbr1, flush, MMU on; runs at its physical address. */
void aarch64_mode_switch(uint64_t tcr, uint64_t ttbr0, uint64_t ttbr1);

static unsigned int index_at(uint64_t va, unsigned int level)
{
	return (unsigned int)(va >> mmu_level_shift(level)) & 511;
}

static paddr_t phys(const void *p)
{
	return paddr(kernel_virt_to_phys(p));
}

/* 1 GiB blocks (core level 2) for [0, count GiB) of physical memory at @va. */
static void map_gigs(pte_t *l2, uint64_t va, uint64_t first_gig, uint64_t count, unsigned int prot,
		     bool device_first)
{
	for (uint64_t g = first_gig; g < first_gig + count; g++) {
		enum mmu_cache c = device_first && g == 0 ? MMU_CACHE_UC : MMU_CACHE_WB;
		l2[index_at(va + (g - first_gig) * GIB, 2)] = mmu_pte_make_leaf(paddr(g * GIB), prot, c, 2);
	}
}

static void build_lpa2_tables(void)
{
	struct mmu_layout l;

	mmu_layout_get(5, &l);
	/* The image: its gigabyte(s) at the link address, RWX as in boot.S's tables. */
	uint64_t img = KERNEL_VIRT_BASE & ~(GIB - 1);
	uint64_t gig0 = kernel_virt_to_phys(__kernel_start) / GIB;
	uint64_t gigs = (kernel_virt_to_phys(__kernel_end) - 1) / GIB - gig0 + 1;
	lpa2_root[index_at(img, 4)] = mmu_pte_make_table(phys(lpa2_image_l3), 4);
	lpa2_image_l3[index_at(img, 3)] = mmu_pte_make_table(phys(lpa2_image_l2), 3);
	for (uint64_t g = 0; g < gigs; g++)
		lpa2_image_l2[index_at(img + g * GIB, 2)] =
			mmu_pte_make_leaf(paddr((gig0 + g) * GIB), MMU_RWX | MMU_GLOBAL, MMU_CACHE_WB, 2);
	/* The boot direct map at the 52-bit base: the first GiB Device, the rest RAM. */
	uint64_t dm = l.direct_map_base.raw;
	lpa2_root[index_at(dm, 4)] = mmu_pte_make_table(phys(lpa2_direct_l3), 4);
	lpa2_direct_l3[index_at(dm, 3)] = mmu_pte_make_table(phys(lpa2_direct_l2), 3);
	map_gigs(lpa2_direct_l2, dm, 0, BOOT_DIRECT_MAP_SIZE / GIB, MMU_READ | MMU_WRITE | MMU_GLOBAL,
		 true);
	/*
	 * The 48-bit boot direct map stays where it was too: what was read through it
	 * before the switch (the device tree's strings, the console) keeps its address
	 * until mm_init() replaces the boot tables. 0xffff800000000000 is core index
	 * 511 at level 4, under the image's level-3 table.
	 */
	KASSERT(index_at(BOOT_DIRECT_MAP_BASE, 4) == index_at(img, 4), "old direct map's root entry");
	lpa2_image_l3[index_at(BOOT_DIRECT_MAP_BASE, 3)] = mmu_pte_make_table(phys(lpa2_old_direct_l2), 3);
	map_gigs(lpa2_old_direct_l2, BOOT_DIRECT_MAP_BASE, 0, BOOT_DIRECT_MAP_SIZE / GIB,
		 MMU_READ | MMU_WRITE | MMU_GLOBAL, true);
	/* The identity of the image's gigabytes, for the switch and the secondaries' entry. */
	uint64_t id = gig0 * GIB;
	lpa2_id_root[index_at(id, 4)] = mmu_pte_make_table(phys(lpa2_id_l3), 4);
	lpa2_id_l3[index_at(id, 3)] = mmu_pte_make_table(phys(lpa2_id_l2), 3);
	for (uint64_t g = 0; g < gigs; g++)
		lpa2_id_l2[index_at(id + g * GIB, 2)] =
			mmu_pte_make_leaf(paddr((gig0 + g) * GIB), MMU_RWX | MMU_GLOBAL, MMU_CACHE_WB, 2);
}

/* TTBRn_EL1 with DS = 1 (D19.2.143): BADDR[47:6] in place, BADDR[51:48] in bits 5..2. */
static uint64_t ttbr_ds(uint64_t pa)
{
	return (pa & 0xffffffffffc0ull) | (pa >> 48 & 0xf) << 2;
}

static bool cpu_has_lpa2(void)
{
	uint64_t mmfr0 = sysreg_read(id_aa64mmfr0_el1);

	/* TGran4 (bits 31..28): 1 = 4 KiB granule with 52-bit addresses. */
	return (mmfr0 >> 28 & 0xf) == 1;
}

static unsigned int cap_levels(void)
{
	char want[16];

	if (cmdline_get_value("mmu", want, sizeof(want)) < 0)
		return 5;
	if (strcmp(want, "48bit") == 0)
		return 4;
	if (strcmp(want, "52bit") != 0)
		pr_warn("paging: unknown mmu=%s (aarch64 knows 48bit, 52bit); ignored\n", want);
	return 5;
}

void aarch64_paging_init(struct boot_info *bi)
{
	unsigned int cap = cap_levels(), levels = 4;

	aarch64_smp_ttbr0 = kernel_virt_to_phys(boot_pt_id_root);
	if (cap >= 5 && cpu_has_lpa2()) {
		mmu_mode_set(5);
		build_lpa2_tables();
		uint64_t tcr = aarch64_boot_tcr & ~(TCR_T0SZ_MASK | TCR_T1SZ_MASK | TCR_IPS_MASK);
		uint64_t pa_range = sysreg_read(id_aa64mmfr0_el1) & 0xf;
		tcr |= 12 | 12ull << 16 | TCR_DS | (pa_range > 6 ? 6 : pa_range) << 32;
		uint64_t ttbr1 = ttbr_ds(kernel_virt_to_phys(lpa2_root) + 496 * 8);
		uint64_t ttbr0 = ttbr_ds(kernel_virt_to_phys(lpa2_id_root));
		/* The tables before the walks of the new mode (D8.2.6). */
		__asm__ __volatile__("dsb ish" ::: "memory");
		void (*sw)(uint64_t, uint64_t, uint64_t) =
			(void (*)(uint64_t, uint64_t, uint64_t))(uintptr_t)kernel_virt_to_phys(
				(const void *)aarch64_mode_switch);
		sw(tcr, ttbr0, ttbr1);
		aarch64_boot_tcr = tcr;
		aarch64_smp_ttbr0 = ttbr0;
		levels = 5;
	} else if (cap >= 5) {
		pr_info("paging: this CPU has no FEAT_LPA2 (4 KiB granule): 48-bit\n");
	}
	if (levels == 4)
		mmu_mode_set(4);
	struct mmu_layout layout;
	if (mmu_layout_get(levels, &layout) != 0)
		panic("paging: no layout for %u levels", levels);
	KASSERT(levels != 4 || layout.direct_map_base.raw == BOOT_DIRECT_MAP_BASE,
		"48-bit direct map at %#lx, boot tables at %#lx",
		(unsigned long)layout.direct_map_base.raw, (unsigned long)BOOT_DIRECT_MAP_BASE);
	mm_direct_map_base = layout.direct_map_base.raw;
	aarch64_console_rebase();
	bi->paging_levels = levels;
	bi->paging = mmu_mode_name(levels);
}
