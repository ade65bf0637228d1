// SPDX-License-Identifier: MIT
/* aarch64's own system calls (none beyond the generic table) and the boot's entropy. */
#include <kern/boot.h>
#include <kern/errno.h>
#include <kern/fdt.h>
#include <kern/string.h>
#include <kern/sys_arch.h>
#include <kern/syscall.h>
#include <arch/aarch64.h>
#include <arch/cpu.h>

bool arch_sys_misc(struct trap_frame *tf, unsigned long nr, const unsigned long a[6], long *ret)
{
	(void)tf;
	(void)nr;
	(void)a;
	(void)ret;
	return false;
}

/*
 * /chosen/rng-seed (Devicetree spec 3.6; QEMU's virt machine fills it from the
 * host's generator since 7.1). Linux consumes and removes it; the blob is
 * read-only here, so only this one read uses it.
 */
bool arch_random_seed(uint8_t *buf, size_t n)
{
	const struct fdt *fdt = aarch64_open_devicetree(boot_info->devicetree);
	int chosen = fdt_path_offset(fdt, "/chosen");
	uint32_t len;
	const void *seed = chosen >= 0 ? fdt_prop(fdt, chosen, "rng-seed", &len) : NULL;

	if (!seed || len < n)
		return false;
	memcpy(buf, seed, n);
	return true;
}

/*
 * arm64's tagged-address ABI (Documentation/arm64/tagged-address-abi.rst, kernel/
 * sys.c and arch/arm64/kernel/process.c): PR_GET_TAGGED_ADDR_CTRL reports the
 * thread's setting, 0 for a new program; PR_SET_TAGGED_ADDR_CTRL takes
 * PR_TAGGED_ADDR_ENABLE only (no MTE here). This kernel answers as Linux does with
 * the sysctl abi.tagged_addr_disabled = 1: enabling is -EINVAL, because the
 * system calls do not untag user pointers (and TCR_EL1.TBI0 is clear).
 */
#define PR_SET_TAGGED_ADDR_CTRL 55
#define PR_GET_TAGGED_ADDR_CTRL 56
#define PR_TAGGED_ADDR_ENABLE   1ul

long arch_sys_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4,
		    unsigned long arg5)
{
	switch (option) {
	case PR_SET_TAGGED_ADDR_CTRL:
		if (arg3 || arg4 || arg5 || (arg2 & ~PR_TAGGED_ADDR_ENABLE))
			return -EINVAL;
		return arg2 ? -EINVAL : 0;
	case PR_GET_TAGGED_ADDR_CTRL:
		if (arg2 || arg3 || arg4 || arg5)
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}
