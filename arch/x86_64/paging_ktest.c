// SPDX-License-Identifier: MIT
/* ktest suite "paging" (x86_64): the mode announced at boot is the one in use and
 * the one the CPU and the mmu= command-line cap call for. */
#include <kern/boot.h>
#include <kern/cmdline.h>
#include <kern/ktest.h>
#include <kern/string.h>
#include <arch/cpu.h>
#include <arch/x86.h>

#define CR4_LA57 (1ull << 12)

KTEST(paging, mode_is_active)
{
	unsigned int active = (read_cr4() & CR4_LA57) ? 5 : 4;

	KT_EXPECT_EQ(t, boot_info->paging_levels, active);
}

KTEST(paging, mode_is_deepest_allowed)
{
	char cap[16];
	unsigned int want = x86_cpu_has_la57() ? 5 : 4;

	if (cmdline_get_value("mmu", cap, sizeof(cap)) >= 0 && strcmp(cap, "4level") == 0)
		want = 4;
	ktest_log(t, "CPU %s LA57, mode %s", x86_cpu_has_la57() ? "has" : "lacks", boot_info->paging);
	KT_EXPECT_EQ(t, boot_info->paging_levels, want);
}
