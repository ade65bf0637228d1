// SPDX-License-Identifier: MIT
/*
 * aarch64 paging mode, chosen once at boot on the boot CPU: the 48-bit mode (4
 * levels) that boot.S turned on. mmu=48bit names it on the command line; the
 * 52-bit mode (FEAT_LPA2) is in the format (<arch/mmu.h>) and not yet switched to
 * at boot, so mmu=52bit falls back to 48-bit with a warning.
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

void aarch64_paging_init(struct boot_info *bi)
{
	char want[16];
	unsigned int levels = 4;

	if (cmdline_get_value("mmu", want, sizeof(want)) >= 0 && strcmp(want, "48bit") != 0)
		pr_warn("paging: mmu=%s: aarch64 boots 48-bit only for now\n", want);
	mmu_mode_set(levels);
	struct mmu_layout layout;
	if (mmu_layout_get(levels, &layout) != 0)
		panic("paging: no layout for %u levels", levels);
	KASSERT(layout.direct_map_base.raw == BOOT_DIRECT_MAP_BASE,
		"48-bit direct map at %#lx, boot tables at %#lx",
		(unsigned long)layout.direct_map_base.raw, (unsigned long)BOOT_DIRECT_MAP_BASE);
	mm_direct_map_base = layout.direct_map_base.raw;
	aarch64_console_rebase();
	bi->paging_levels = levels;
	bi->paging = mmu_mode_name(levels);
}
