// SPDX-License-Identifier: MIT
/*
 * ktest suite "riscv_smp" (riscv64): how the harts came in. A hart that OpenSBI
 * 1.1 sends to the kernel's entry instead of riscv_secondary_entry (boot.S) is
 * sent on and counted; with riscv.ap_entry=start every hart comes in that way, so
 * the count proves the detour ran (and the smp suite that the harts work).
 */
#include <kern/ktest.h>
#include <kern/smp.h>
#include <arch/riscv.h>

KTEST(riscv_smp, entry_detours)
{
	unsigned int n = __atomic_load_n(&riscv_smp_entry_detours, __ATOMIC_RELAXED);
	unsigned int aps = smp_online_count() - 1;

	ktest_log(t, "%u of %u secondary harts came in at the kernel entry", n, aps);
	/* Without the knob any count is right: the firmware race decides it. */
	if (riscv_ap_entry_is_start())
		KT_EXPECT_EQ(t, n, aps);
}
