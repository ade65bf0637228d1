/* SPDX-License-Identifier: MIT */
/*
 * Helpers for arch code implementing <mm/mmu.h>: the rules that most page-table
 * formats share, written once. An arch's hook calls the helper, or implements its
 * own rule instead where its hardware differs (say why there). Generic code calls
 * the hooks, never these.
 *
 * Included by <mm/mmu.h> after the generic definitions and before <arch/mmu.h>,
 * so <arch/mmu.h>'s inline hooks can use it. Pure C (host tests build it).
 */
#ifndef MM_MMU_COMMON_H
#define MM_MMU_COMMON_H

#ifndef MM_MMU_H
#error "include <mm/mmu.h>, which includes this file"
#endif

/*
 * The portable protection subset (<mm/mmu.h>): only MMU_PROT_ALL bits; prot &
 * MMU_RWX is 0 (inaccessible) or contains MMU_READ; a known caching mode.
 */
static inline bool mmu_common_attrs_are_valid(unsigned int prot, enum mmu_cache cache)
{
	unsigned int rwx = prot & MMU_RWX;

	return !(prot & ~MMU_PROT_ALL) && (!rwx || (rwx & MMU_READ)) &&
	       (unsigned int)cache < MMU_CACHE_COUNT;
}

/*
 * Sign-extension canonical form with @va_bits significant bits: bits 63..va_bits-1
 * all equal (x86_64 SDM 3.3.7.1; RISC-V privileged spec 4.4.1 and on).
 */
static inline bool mmu_common_va_is_canonical(unsigned int va_bits, vaddr_t va)
{
	int64_t ext = (int64_t)((uint64_t)va.raw << (64 - va_bits)) >> (64 - va_bits);

	return (uint64_t)ext == (uint64_t)va.raw;
}

/*
 * The split layout for a @va_bits-wide space of two halves of H = 2^(va_bits - 1):
 *   user    [64 KiB, H - @user_top_guard)   (the first 64 KiB stay unmapped, as
 *           Linux's default mmap_min_addr: NULL dereferences with an offset fault)
 *   kernel  [-H, 2^64): direct map [-H, -H/2), MMIO window [-H/2, -H/4),
 *           the kernel image at @image_base (the top 2 GiB)
 */
static inline void mmu_common_layout(unsigned int va_bits, uintptr_t user_top_guard,
				     uintptr_t image_base, struct mmu_layout *out)
{
	uintptr_t half = (uintptr_t)1 << (va_bits - 1);
	uintptr_t ks = (uintptr_t)0 - half;

	out->user_start = 0x10000;
	out->user_end = half - user_top_guard;
	out->kernel_start = vaddr(ks);
	out->direct_map_base = vaddr(ks);
	out->direct_map_end = vaddr(ks + half / 2);
	out->mmio_start = vaddr(ks + half / 2);
	out->mmio_end = vaddr(ks + half / 2 + half / 4);
	out->image_base = vaddr(image_base);
}

#endif
