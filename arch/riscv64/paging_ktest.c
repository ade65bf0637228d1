// SPDX-License-Identifier: MIT
/* ktest suite "paging" (riscv64): the mode announced at boot is the one in satp,
 * within the mmu= cap, and at least as deep as the device tree's mmu-type. */
#include <kern/boot.h>
#include <kern/cmdline.h>
#include <kern/fdt.h>
#include <kern/ktest.h>
#include <kern/string.h>
#include <arch/cpu.h>
#include <arch/riscv.h>

/* satp.MODE 8, 9, 10 = Sv39, Sv48, Sv57 (privileged spec 1.12, table 4.4). */
KTEST(paging, mode_is_active)
{
	unsigned int mode = (unsigned int)(csr_read(satp) >> 60);

	KT_ASSERT(t, mode >= 8 && mode <= 10, "satp.MODE %u is not Sv39/48/57", mode);
	KT_EXPECT_EQ(t, boot_info->paging_levels, mode - 5);
}

static unsigned int cap_levels(void)
{
	char cap[16];

	if (cmdline_get_value("mmu", cap, sizeof(cap)) < 0)
		return 5;
	return strcmp(cap, "sv39") == 0 ? 3 : strcmp(cap, "sv48") == 0 ? 4 : 5;
}

/* The deepest mode the device tree's first hart claims (devicetree binding riscv/cpus). */
static unsigned int dt_levels(void)
{
	const struct fdt *fdt = riscv_open_devicetree(boot_info->devicetree);
	int cpu = fdt_path_offset(fdt, "/cpus");

	for (cpu = cpu >= 0 ? fdt_first_child(fdt, cpu) : -1; cpu >= 0; cpu = fdt_next_sibling(fdt, cpu)) {
		const char *mmu = fdt_prop_string(fdt, cpu, "mmu-type");
		if (!mmu)
			continue;
		return strcmp(mmu, "riscv,sv57") == 0 ? 5 : strcmp(mmu, "riscv,sv48") == 0 ? 4 : 3;
	}
	return 3;
}

KTEST(paging, mode_within_cap_and_hart)
{
	unsigned int cap = cap_levels(), claimed = dt_levels();

	ktest_log(t, "mode %s, mmu= cap %u levels, device tree claims %u levels",
		  boot_info->paging, cap, claimed);
	KT_EXPECT(t, boot_info->paging_levels <= cap, "mode deeper than the cap");
	/* The hart accepts at least what the device tree claims (QEMU 7.2 claims sv48
	 * for harts that also take Sv57, so "at least", not "exactly"). */
	KT_EXPECT(t, boot_info->paging_levels >= MIN(cap, claimed), "mode shallower than the hart allows");
}
