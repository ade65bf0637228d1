// SPDX-License-Identifier: MIT
/*
 * The "directmap" suite: physical memory is reachable at the paging mode's
 * direct-map base, and the direct map aliases the kernel image's memory.
 */
#include <kern/boot.h>
#include <kern/ktest.h>
#include <mm/mmu.h>
#include <mm/types.h>
#include <arch/page.h>

KTEST(directmap, base_is_the_modes)
{
	struct mmu_layout l;

	KT_ASSERT(t, mmu_layout_get(boot_info->paging_levels, &l) == 0, "no layout for the mode");
	KT_EXPECT_EQ(t, mm_direct_map_base, l.direct_map_base);
}

KTEST(directmap, aliases_the_image)
{
	static volatile uint64_t probe = 0x0123456789abcdefull;
	volatile uint64_t *alias = phys_to_virt(paddr(kernel_virt_to_phys((const void *)&probe)));

	KT_ASSERT(t, alias != &probe, "the alias is the image address itself");
	KT_EXPECT_EQ(t, *alias, 0x0123456789abcdefull);
	*alias = 0x5a5a5a5a5a5a5a5aull;
	KT_EXPECT_EQ(t, probe, 0x5a5a5a5a5a5a5a5aull);
}
