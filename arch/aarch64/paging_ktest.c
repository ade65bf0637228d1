// SPDX-License-Identifier: MIT
/* ktest suite "paging" (aarch64): the mode announced at boot is the one TCR_EL1 holds. */
#include <kern/boot.h>
#include <kern/ktest.h>
#include <arch/cpu.h>

/* TCR_EL1.T1SZ (bits 21..16): 16 for 48-bit, 12 for 52-bit; DS (bit 59) with 52. */
KTEST(paging, mode_is_active)
{
	uint64_t tcr = sysreg_read(tcr_el1);
	unsigned int t1sz = (unsigned int)(tcr >> 16 & 0x3f), t0sz = (unsigned int)(tcr & 0x3f);
	bool ds = tcr >> 59 & 1;

	ktest_log(t, "TCR_EL1 %#llx: T0SZ %u, T1SZ %u, DS %d", (unsigned long long)tcr, t0sz, t1sz, ds);
	KT_EXPECT_EQ(t, t0sz, t1sz);
	KT_EXPECT_EQ(t, 64 - t1sz, boot_info->paging_levels == 5 ? 52u : 48u);
	KT_EXPECT_EQ(t, ds, boot_info->paging_levels == 5);
}
