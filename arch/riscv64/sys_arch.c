// SPDX-License-Identifier: MIT
/*
 * riscv64's part of the small system calls (<kern/sys_arch.h>): its own call,
 * riscv_flush_icache, and the entropy seed from the device tree.
 */
#include <kern/boot.h>
#include <kern/errno.h>
#include <kern/fdt.h>
#include <kern/smp.h>
#include <kern/string.h>
#include <kern/sys_arch.h>
#include <arch/riscv.h>
#include <arch/unistd.h>

/* arch/riscv/include/uapi/asm/unistd.h: the only flag; the others are reserved. */
#define SYS_RISCV_FLUSH_ICACHE_LOCAL 1ul

/* Zifencei: this hart's instruction fetches see its (and, after a fence, all) earlier stores. */
static void fence_i(void *arg)
{
	(void)arg;
	__asm__ __volatile__("fence.i" ::: "memory");
}

/*
 * riscv_flush_icache(start, end, flags), Linux 6.1's arch/riscv/kernel/sys_riscv.c:
 * the range is ignored (the whole instruction cache is flushed, as Linux does).
 * Without the LOCAL flag every hart must see the caller's stores: Linux flushes the
 * harts running the address space now and marks the others stale for their next
 * switch to it. There is no such hook at the switch here, and a hart that ran one
 * of the process's threads earlier may still hold stale lines for a thread it runs
 * later, so every online hart does a fence.i (a cross-CPU call: allowed from a
 * system call, <kern/smp.h> rule 4).
 */
static long sys_riscv_flush_icache(unsigned long flags)
{
	if (flags & ~SYS_RISCV_FLUSH_ICACHE_LOCAL)
		return -EINVAL;
	if (flags & SYS_RISCV_FLUSH_ICACHE_LOCAL)
		fence_i(NULL);
	else
		smp_call_mask(&cpu_online_set, fence_i, NULL, true);
	return 0;
}

bool arch_sys_misc(struct trap_frame *tf, unsigned long nr, const unsigned long a[6], long *ret)
{
	(void)tf;
	switch (nr) {
	case NR_riscv_flush_icache:
		*ret = sys_riscv_flush_icache(a[2]);
		return true;
	default:
		return false;
	}
}

/*
 * /chosen/rng-seed (Devicetree spec 3.6; QEMU's virt machine fills it from the
 * host's generator since 7.1). Linux consumes and removes it; the blob is read-only
 * here, so only this one read uses it.
 */
bool arch_random_seed(uint8_t *buf, size_t n)
{
	const struct fdt *fdt = riscv_open_devicetree(boot_info->devicetree);
	int chosen = fdt_path_offset(fdt, "/chosen");
	uint32_t len;
	const void *seed = chosen >= 0 ? fdt_prop(fdt, chosen, "rng-seed", &len) : NULL;

	if (!seed || len < n)
		return false;
	memcpy(buf, seed, n);
	return true;
}

/* No prctl() options of this arch's own (kernel/sys.c's default for the rest). */
long arch_sys_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4,
		    unsigned long arg5)
{
	(void)option;
	(void)arg2;
	(void)arg3;
	(void)arg4;
	(void)arg5;
	return -EINVAL;
}
