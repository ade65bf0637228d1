// SPDX-License-Identifier: MIT
/*
 * x86_64 paging mode: 5-level paging when the CPU has LA57, else 4-level, capped
 * by the command line (mmu=4level), chosen once at boot on the boot CPU.
 *
 * The boot tables (boot.S) are 4-level, with the boot direct map at the 4-level
 * layout's base. For 5-level, a PML5 stacks one level on top: entry 511 points at
 * the boot PML4, which keeps the image (and the 4-level direct map) where it was,
 * and entry 256 starts the 5-level layout's direct map, so that mm_direct_map_base
 * has its final value from here on (pointers into the direct map stay valid when
 * the kernel's own tables replace these). paging.S switches mode through
 * compatibility mode.
 */
#include <kern/cmdline.h>
#include <kern/panic.h>
#include <kern/printk.h>
#include <kern/string.h>
#include <mm/mmu.h>
#include <mm/types.h>
#include <arch/cpu.h>
#include <arch/page.h>
#include <arch/x86.h>

#define PTE_P    0x1ull
#define PTE_W    0x2ull
#define CR4_LA57 (1ull << 12)

extern uint64_t boot_pml4[512], boot_pdpt_low[512];
static uint64_t boot_pml5[512] __aligned(4096);
static uint64_t boot_pml4_direct[512] __aligned(4096);   /* under PML5 entry 256 */

void x86_paging_switch_asm(uint64_t root, uint64_t cr4);

/* CPUID.(EAX=7,ECX=0):ECX[16] (SDM vol. 2A, CPUID). */
bool x86_cpu_has_la57(void)
{
	uint32_t a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	if (a < 7)
		return false;
	cpuid(7, 0, &a, &b, &c, &d);
	return c & (1u << 16);
}

/* The mode to use: the deepest the CPU has, at most what mmu= allows. */
static unsigned int choose_levels(void)
{
	unsigned int levels = x86_cpu_has_la57() ? 5 : 4;
	char want[16];

	if (cmdline_get_value("mmu", want, sizeof(want)) >= 0) {
		if (strcmp(want, "4level") == 0)
			levels = 4;
		else if (strcmp(want, "5level") == 0 && levels < 5)
			pr_warn("paging: mmu=5level, but this CPU has no LA57; using 4-level\n");
		else if (strcmp(want, "5level") != 0)
			pr_warn("paging: unknown mmu=%s (x86_64 knows 4level, 5level); ignored\n", want);
	}
	return levels;
}

static void reload_cr3(void)
{
	__asm__ __volatile__("mov %0, %%cr3" : : "r"(read_cr3()) : "memory");
}

/* CPUID 0x80000001 EDX bit 26: 1 GiB pages (SDM vol. 2A, CPUID). */
static bool cpu_has_gbpages(void)
{
	uint32_t a, b, c, d;

	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000001)
		return false;
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	return d & (1u << 26);
}

void x86_paging_init(struct boot_info *bi)
{
	unsigned int levels = choose_levels();

	/* The page-table format may only build 1 GiB leaves where the CPU has them. */
	x86_mmu_gbpages = cpu_has_gbpages();

	if (levels == 5) {
		/*
		 * paging.S runs at its physical address across the switch: identity map
		 * the first GiB (which holds the image) in both roots for its duration.
		 */
		uint64_t pml4 = kernel_virt_to_phys(boot_pml4) | PTE_P | PTE_W;
		boot_pml4[0] = kernel_virt_to_phys(boot_pdpt_low) | PTE_P | PTE_W;
		boot_pml5[0] = pml4;
		boot_pml5[511] = pml4;
		/* 0xff00000000000000 (PML5 index 256) -> the first 4 GiB, as boot.S maps them. */
		boot_pml4_direct[0] = kernel_virt_to_phys(boot_pdpt_low) | PTE_P | PTE_W;
		boot_pml5[256] = kernel_virt_to_phys(boot_pml4_direct) | PTE_P | PTE_W;
		reload_cr3();

		unsigned long flags = arch_irq_save();
		x86_paging_switch_asm(kernel_virt_to_phys(boot_pml5), read_cr4() | CR4_LA57);
		arch_irq_restore(flags);

		boot_pml5[0] = 0;
		boot_pml4[0] = 0;
		reload_cr3();
	}
	struct mmu_layout layout;
	if (mmu_layout_get(levels, &layout) != 0)
		panic("paging: no layout for %u levels", levels);
	/* 4-level: boot.S put the direct map there already. */
	KASSERT(levels == 5 || layout.direct_map_base.raw == BOOT_DIRECT_MAP_BASE,
		"4-level direct map at %#lx, boot tables at %#lx",
		(unsigned long)layout.direct_map_base.raw, (unsigned long)BOOT_DIRECT_MAP_BASE);
	mm_direct_map_base = layout.direct_map_base.raw;
	bi->paging_levels = levels;
	bi->paging = levels == 5 ? "5-level (LA57)" : "4-level";
}
