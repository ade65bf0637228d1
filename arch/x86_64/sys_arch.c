// SPDX-License-Identifier: MIT
/*
 * x86_64's part of the small system calls (<kern/sys_arch.h>): arch_prctl (the
 * FS base lives with the thread switch code, signal.c), readlink (the old form of
 * readlinkat), and the entropy seed from RDRAND.
 */
#include <kern/errno.h>
#include <kern/sys_arch.h>
#include <arch/unistd.h>
#include <arch/cpu.h>

long x86_arch_prctl(int option, uintptr_t arg);   /* signal.c, with the FS base */

bool arch_sys_misc(struct trap_frame *tf, unsigned long nr, const unsigned long a[6], long *ret)
{
	(void)tf;
	switch (nr) {
	case NR_arch_prctl:
		*ret = x86_arch_prctl((int)a[0], a[1]);
		return true;
	case NR_readlink:
		/* The old call: readlinkat(AT_FDCWD, ...), as do_readlinkat() is called. */
		*ret = sys_readlinkat(SYS_AT_FDCWD, a[0], a[1], (int)a[2]);
		return true;
	default:
		return false;
	}
}

#define CPUID_1_ECX_RDRAND (1u << 30)   /* SDM vol. 2A, CPUID leaf 01H, ECX bit 30 */

/*
 * RDRAND (SDM vol. 1, 7.3.17): CF set when a value was delivered. Intel's DRNG
 * guide says a healthy unit fails 10 tries in a row only when broken, so give up
 * after that.
 */
static bool rdrand64(uint64_t *v)
{
	for (int i = 0; i < 10; i++) {
		bool ok;
		__asm__ __volatile__("rdrand %0" : "=r"(*v), "=@ccc"(ok));
		if (ok)
			return true;
	}
	return false;
}

bool arch_random_seed(uint8_t *buf, size_t n)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID_1_ECX_RDRAND))
		return false;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v;
		if (!rdrand64(&v))
			return false;
		for (size_t j = 0; j < 8 && i + j < n; j++)
			buf[i + j] = (uint8_t)(v >> (8 * j));
	}
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
