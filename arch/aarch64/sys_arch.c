// SPDX-License-Identifier: MIT
/* aarch64's own system calls (none beyond the generic table) and the boot's entropy. */
#include <kern/boot.h>
#include <kern/fdt.h>
#include <kern/string.h>
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
