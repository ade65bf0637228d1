// SPDX-License-Identifier: MIT
/*
 * The error cases and in-place behaviour of the anonymous-memory system calls:
 * mmap, munmap, mprotect, mremap, mincore, madvise and brk, as LTP's tests of them
 * check them (testcases/kernel/syscalls/{mmap,munmap,mprotect,mremap,mincore,
 * madvise,brk}/) where they apply without files, plus the limits those tests leave
 * out. Every expected value is what Linux 6.1 returns (mm/mmap.c, mm/mprotect.c,
 * mm/mremap.c, mm/mincore.c, mm/madvise.c as of v6.1), checked by running this
 * program on it (scripts/linux-peer; meson test --suite linux-peer).
 *
 * One TAP point per case; descriptions hold no addresses, so the output on kestrel
 * and on Linux compare byte for byte. Scratch address ranges come from mmap then
 * munmap (a hole nobody else fills: the program is single-threaded).
 */
#include "rt/rt.h"

#define PG PAGE_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
/* Beyond any user address space either arch has (x86_64 5-level: 2^56; riscv64
 * Sv57: 2^56), so above TASK_SIZE whatever paging mode the kernel runs. */
#define FAR_ADDR ((void *)(1UL << 60))

extern char _end[];	/* the end of .bss (ld.lld defines it) */

static char *map(size_t pages)
{
	long r = sys_mmap(NULL, pages * PG, RW, ANON, -1, 0);

	return sys_is_err(r) ? NULL : (char *)r;
}

/* A range of free address space: mapped, then unmapped again. */
static char *hole(size_t pages)
{
	char *p = map(pages);

	if (p)
		sys_munmap(p, pages * PG);
	return p;
}

static bool is_mapped(const void *p)
{
	unsigned char v;

	return sys_mincore((void *)p, PG, &v) == 0;
}

static bool is_filled(const char *p, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != c)
			return false;
	return true;
}

/* A case whose set-up failed still counts as one (failing) point. */
#define SETUP(cond, name)                                                        \
	do {                                                                     \
		if (!(cond)) {                                                   \
			tap_ok(false, "%s", name);                              \
			tap_diag("set-up failed: %s", #cond);                    \
			return;                                                  \
		}                                                                \
	} while (0)

/* ---- mmap (mm/mmap.c do_mmap, get_unmapped_area; arch sys_mmap) ---- */

static void mmap_len_zero(void)
{
	/* do_mmap: "if (!len) return -EINVAL" (LTP mmap: EINVAL cases) */
	tap_expect(sys_mmap(NULL, 0, RW, ANON, -1, 0), -EINVAL, "mmap length 0 is EINVAL");
}

static void mmap_fixed_unaligned(void)
{
	char *h = hole(2);

	SETUP(h, "mmap MAP_FIXED at an unaligned address is EINVAL");
	/* get_unmapped_area: "if (offset_in_page(addr)) return -EINVAL" */
	tap_expect(sys_mmap(h + 1, PG, RW, ANON | MAP_FIXED, -1, 0), -EINVAL,
		   "mmap MAP_FIXED at an unaligned address is EINVAL");
}

static void mmap_no_type(void)
{
	/* do_mmap, anonymous: the MAP_TYPE switch has no case for 0 */
	tap_expect(sys_mmap(NULL, PG, RW, MAP_ANONYMOUS, -1, 0), -EINVAL,
		   "mmap with neither MAP_PRIVATE nor MAP_SHARED is EINVAL");
}

static void mmap_bad_type(void)
{
	tap_expect(sys_mmap(NULL, PG, RW, MAP_ANONYMOUS | 0x04, -1, 0), -EINVAL,
		   "mmap with an undefined MAP_TYPE value is EINVAL");
}

static void mmap_shared_validate_anon(void)
{
	/* MAP_SHARED_VALIDATE is checked only for files; the anonymous switch knows
	 * MAP_SHARED and MAP_PRIVATE alone (do_mmap) */
	tap_expect(sys_mmap(NULL, PG, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0), -EINVAL,
		   "mmap anonymous MAP_SHARED_VALIDATE is EINVAL");
}

static void mmap_shared_growsdown(void)
{
	/* do_mmap: a shared anonymous mapping cannot grow (VM_GROWSDOWN) */
	tap_expect(sys_mmap(NULL, PG, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0),
		   -EINVAL, "mmap anonymous MAP_SHARED | MAP_GROWSDOWN is EINVAL");
}

static void mmap_bad_fd(void)
{
	/* LTP mmap08: not anonymous, fd -1: ksys_mmap_pgoff's fget fails */
	tap_expect(sys_mmap(NULL, PG, RW, MAP_PRIVATE, -1, 0), -EBADF,
		   "mmap without MAP_ANONYMOUS on fd -1 is EBADF");
}

static void mmap_unaligned_offset(void)
{
	/* x86_64 sys_mmap / riscv_sys_mmap: "if (off & ~PAGE_MASK) return -EINVAL",
	 * before MAP_ANONYMOUS is looked at */
	tap_expect(sys_mmap(NULL, PG, RW, ANON, -1, 1), -EINVAL,
		   "mmap with an unaligned offset is EINVAL, even anonymous");
}

static void mmap_len_wraps(void)
{
	/* do_mmap: PAGE_ALIGN(len) wraps to 0: "if (!len) return -ENOMEM" */
	tap_expect(sys_mmap(NULL, (size_t)-1, RW, ANON, -1, 0), -ENOMEM,
		   "mmap length SIZE_MAX (rounds up to 0) is ENOMEM");
}

static void mmap_len_too_big(void)
{
	/* get_unmapped_area: "if (len > TASK_SIZE) return -ENOMEM" */
	tap_expect(sys_mmap(NULL, 1UL << 60, RW, ANON, -1, 0), -ENOMEM,
		   "mmap length beyond the address space is ENOMEM");
}

static void mmap_fixed_beyond_task_size(void)
{
	/* get_unmapped_area: "if (addr > TASK_SIZE - len) return -ENOMEM" */
	tap_expect(sys_mmap(FAR_ADDR, PG, RW, ANON | MAP_FIXED, -1, 0), -ENOMEM,
		   "mmap MAP_FIXED above the address space is ENOMEM");
}

static void mmap_zero_filled_rounded(void)
{
	long r = sys_mmap(NULL, 1, RW, ANON, -1, 0);
	char *p = (char *)r;

	SETUP(!sys_is_err(r), "mmap of 1 byte gives a whole zero-filled writable page");
	/* the whole page is mapped: the length is rounded up (do_mmap PAGE_ALIGN) */
	bool zero = is_filled(p, PG, 0);

	p[PG - 1] = 'x';
	tap_ok(zero && p[PG - 1] == 'x' && sys_munmap(p, 1) == 0,
	       "mmap of 1 byte gives a whole zero-filled writable page");
}

static void mmap_fixed_replaces(void)
{
	char *p = map(3);

	SETUP(p, "mmap MAP_FIXED replaces the middle of a mapping with zero pages");
	memset(p, 'a', 3 * PG);
	long r = sys_mmap(p + PG, PG, RW, ANON | MAP_FIXED, -1, 0);

	tap_ok(r == (long)(p + PG) && is_filled(p, PG, 'a') && is_filled(p + PG, PG, 0) &&
	       is_filled(p + 2 * PG, PG, 'a'),
	       "mmap MAP_FIXED replaces the middle of a mapping with zero pages");
	sys_munmap(p, 3 * PG);
}

static void mmap_fixed_noreplace_busy(void)
{
	char *p = map(2);

	SETUP(p, "mmap MAP_FIXED_NOREPLACE over a mapping is EEXIST");
	/* LTP mmap17; do_mmap: "if (flags & MAP_FIXED_NOREPLACE) ... return -EEXIST".
	 * Overlapping only the mapping's last page is enough. */
	tap_expect(sys_mmap(p + PG, 2 * PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0), -EEXIST,
		   "mmap MAP_FIXED_NOREPLACE over a mapping is EEXIST");
	sys_munmap(p, 2 * PG);
}

static void mmap_fixed_noreplace_free(void)
{
	char *h = hole(2);

	SETUP(h, "mmap MAP_FIXED_NOREPLACE in a hole maps there");
	tap_expect(sys_mmap(h, 2 * PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0), (long)h,
		   "mmap MAP_FIXED_NOREPLACE in a hole maps there");
	sys_munmap(h, 2 * PG);
}

static void mmap_hint_free(void)
{
	char *h = hole(2);

	SETUP(h, "mmap with a free aligned hint maps at the hint");
	/* arch_get_unmapped_area(_topdown): a free hint is used as is */
	tap_expect(sys_mmap(h, 2 * PG, RW, ANON, -1, 0), (long)h,
		   "mmap with a free aligned hint maps at the hint");
	sys_munmap(h, 2 * PG);
}

static void mmap_hint_unaligned(void)
{
	char *h = hole(3);
	char *want = h + PG;

	SETUP(h, "mmap with an unaligned free hint maps at the page holding it");
	/* only MAP_FIXED refuses an unaligned address; otherwise do_mmap()'s
	 * round_hint_to_min() rounds the hint down on every arch, before the arch's
	 * get_unmapped_area (whose own rounding then has nothing to do). The hint is
	 * in the middle page of a free 3-page hole. */
	tap_expect(sys_mmap(h + PG + 1, PG, RW, ANON, -1, 0), (long)want,
		   "mmap with an unaligned free hint maps at the page holding it");
	sys_munmap(want, PG);
}

/* ---- munmap (mm/mmap.c do_mas_munmap) ---- */

static void munmap_unaligned(void)
{
	char *p = map(1);

	SETUP(p, "munmap of an unaligned address is EINVAL");
	/* LTP munmap03: "if ((offset_in_page(start)) || ...) return -EINVAL" */
	tap_expect(sys_munmap(p + 1, PG), -EINVAL, "munmap of an unaligned address is EINVAL");
	sys_munmap(p, PG);
}

static void munmap_len_zero(void)
{
	char *p = map(1);

	SETUP(p, "munmap of length 0 is EINVAL");
	/* LTP munmap03: "len = PAGE_ALIGN(len); if (len == 0) return -EINVAL" */
	tap_expect(sys_munmap(p, 0), -EINVAL, "munmap of length 0 is EINVAL");
	sys_munmap(p, PG);
}

static void munmap_far(void)
{
	/* LTP munmap03: "start > TASK_SIZE" is EINVAL, not ENOMEM as mmap says */
	tap_expect(sys_munmap(FAR_ADDR, PG), -EINVAL, "munmap above the address space is EINVAL");
}

static void munmap_hole(void)
{
	char *h = hole(2);

	SETUP(h, "munmap of a range with nothing mapped succeeds");
	tap_expect(sys_munmap(h, 2 * PG), 0, "munmap of a range with nothing mapped succeeds");
}

static void munmap_len_rounded(void)
{
	char *p = map(2);

	SETUP(p, "munmap of 1 byte unmaps the whole first page only");
	long r = sys_munmap(p, 1);

	tap_ok(r == 0 && !is_mapped(p) && is_mapped(p + PG),
	       "munmap of 1 byte unmaps the whole first page only");
	sys_munmap(p, 2 * PG);
}

static void munmap_middle(void)
{
	char *p = map(3);

	SETUP(p, "munmap of the middle page leaves both ends mapped");
	memset(p, 'b', 3 * PG);
	long r = sys_munmap(p + PG, PG);

	tap_ok(r == 0 && is_mapped(p) && !is_mapped(p + PG) && is_mapped(p + 2 * PG) &&
	       is_filled(p, PG, 'b') && is_filled(p + 2 * PG, PG, 'b'),
	       "munmap of the middle page leaves both ends mapped");
	sys_munmap(p, 3 * PG);
}

/* ---- mprotect (mm/mprotect.c do_mprotect_pkey) ---- */

static void mprotect_unaligned(void)
{
	char *p = map(1);

	SETUP(p, "mprotect of an unaligned address is EINVAL");
	/* LTP mprotect01 */
	tap_expect(sys_mprotect(p + 1, PG, PROT_READ), -EINVAL,
		   "mprotect of an unaligned address is EINVAL");
	sys_munmap(p, PG);
}

static void mprotect_unmapped(void)
{
	char *h = hole(1);

	SETUP(h, "mprotect of an unmapped range is ENOMEM");
	/* LTP mprotect01 */
	tap_expect(sys_mprotect(h, PG, PROT_READ), -ENOMEM, "mprotect of an unmapped range is ENOMEM");
}

static void mprotect_with_hole(void)
{
	char *p = map(3);

	SETUP(p, "mprotect of a range with a hole is ENOMEM");
	sys_munmap(p + PG, PG);
	tap_expect(sys_mprotect(p, 3 * PG, PROT_READ), -ENOMEM,
		   "mprotect of a range with a hole is ENOMEM");
	sys_munmap(p, 3 * PG);
}

static void mprotect_len_zero(void)
{
	char *h = hole(1);

	SETUP(h, "mprotect of length 0 succeeds, even unmapped");
	/* "if (!len) return 0" comes before any look-up */
	tap_expect(sys_mprotect(h, 0, PROT_READ), 0, "mprotect of length 0 succeeds, even unmapped");
}

static void mprotect_bad_prot(void)
{
	char *p = map(1);

	SETUP(p, "mprotect with an undefined PROT bit is EINVAL");
	/* arch_validate_prot(): only READ, WRITE, EXEC, SEM */
	tap_expect(sys_mprotect(p, PG, PROT_READ | 0x10), -EINVAL,
		   "mprotect with an undefined PROT bit is EINVAL");
	sys_munmap(p, PG);
}

static void mprotect_grows_both(void)
{
	char *p = map(1);

	SETUP(p, "mprotect with PROT_GROWSDOWN | PROT_GROWSUP is EINVAL");
	tap_expect(sys_mprotect(p, PG, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP), -EINVAL,
		   "mprotect with PROT_GROWSDOWN | PROT_GROWSUP is EINVAL");
	sys_munmap(p, PG);
}

static void mprotect_growsdown_plain(void)
{
	char *p = map(1);

	SETUP(p, "mprotect PROT_GROWSDOWN of a mapping that cannot grow is EINVAL");
	/* "if (!(vma->vm_flags & VM_GROWSDOWN)) goto out" with error -EINVAL */
	tap_expect(sys_mprotect(p, PG, PROT_READ | PROT_GROWSDOWN), -EINVAL,
		   "mprotect PROT_GROWSDOWN of a mapping that cannot grow is EINVAL");
	sys_munmap(p, PG);
}

static void mprotect_len_wraps(void)
{
	char *p = map(1);

	SETUP(p, "mprotect length SIZE_MAX (end wraps) is ENOMEM");
	/* "end = start + len; if (end <= start) return -ENOMEM" (madvise says EINVAL) */
	tap_expect(sys_mprotect(p, (size_t)-1, PROT_READ), -ENOMEM,
		   "mprotect length SIZE_MAX (end wraps) is ENOMEM");
	sys_munmap(p, PG);
}

static void mprotect_round_trip(void)
{
	char *p = map(2);

	SETUP(p, "mprotect read-only then read-write keeps the contents");
	memset(p, 'c', 2 * PG);
	long r1 = sys_mprotect(p, 2 * PG, PROT_READ);
	bool kept = is_filled(p, 2 * PG, 'c');
	long r2 = sys_mprotect(p, 2 * PG, RW);

	if (r2 == 0)
		p[0] = 'd';
	tap_ok(r1 == 0 && r2 == 0 && kept && p[0] == 'd',
	       "mprotect read-only then read-write keeps the contents");
	sys_munmap(p, 2 * PG);
}

/* ---- mremap (mm/mremap.c) ---- */

static void mremap_unaligned(void)
{
	char *p = map(1);

	SETUP(p, "mremap of an unaligned address is EINVAL");
	/* LTP mremap02: "if (offset_in_page(addr)) return ret (-EINVAL)" */
	tap_expect(sys_mremap(p + 1, PG, 2 * PG, MREMAP_MAYMOVE, NULL), -EINVAL,
		   "mremap of an unaligned address is EINVAL");
	sys_munmap(p, PG);
}

static void mremap_fixed_no_maymove(void)
{
	char *p = map(1), *h = hole(1);

	SETUP(p && h, "mremap MREMAP_FIXED without MREMAP_MAYMOVE is EINVAL");
	tap_expect(sys_mremap(p, PG, PG, MREMAP_FIXED, h), -EINVAL,
		   "mremap MREMAP_FIXED without MREMAP_MAYMOVE is EINVAL");
	sys_munmap(p, PG);
}

static void mremap_bad_flags(void)
{
	char *p = map(1);

	SETUP(p, "mremap with an undefined flag is EINVAL");
	tap_expect(sys_mremap(p, PG, 2 * PG, MREMAP_MAYMOVE | 0x8, NULL), -EINVAL,
		   "mremap with an undefined flag is EINVAL");
	sys_munmap(p, PG);
}

static void mremap_new_len_zero(void)
{
	char *p = map(1);

	SETUP(p, "mremap to length 0 is EINVAL");
	/* "new_len = PAGE_ALIGN(new_len); if (!new_len) return ret" */
	tap_expect(sys_mremap(p, PG, 0, MREMAP_MAYMOVE, NULL), -EINVAL, "mremap to length 0 is EINVAL");
	sys_munmap(p, PG);
}

static void mremap_unmapped(void)
{
	char *h = hole(1);

	SETUP(h, "mremap of an unmapped address is EFAULT");
	/* LTP mremap03: "vma = vma_lookup(mm, addr); if (!vma) ret = -EFAULT" */
	tap_expect(sys_mremap(h, PG, 2 * PG, MREMAP_MAYMOVE, NULL), -EFAULT,
		   "mremap of an unmapped address is EFAULT");
}

static void mremap_across_vmas(void)
{
	char *p = map(2);

	SETUP(p, "mremap of a range spanning two mappings is EFAULT");
	/* a different protection splits the mapping into two VMAs; vma_to_resize:
	 * "if (old_len > vma->vm_end - addr) return ERR_PTR(-EFAULT)" */
	sys_mprotect(p + PG, PG, PROT_READ);
	tap_expect(sys_mremap(p, 2 * PG, 4 * PG, MREMAP_MAYMOVE, NULL), -EFAULT,
		   "mremap of a range spanning two mappings is EFAULT");
	sys_munmap(p, 2 * PG);
}

static void mremap_grow_blocked(void)
{
	char *p = map(2);

	SETUP(p, "mremap growing into a mapping without MREMAP_MAYMOVE is ENOMEM");
	/* LTP mremap04: the next page is another VMA, so vma_expandable() fails */
	sys_mprotect(p + PG, PG, PROT_READ);
	tap_expect(sys_mremap(p, PG, 2 * PG, 0, NULL), -ENOMEM,
		   "mremap growing into a mapping without MREMAP_MAYMOVE is ENOMEM");
	sys_munmap(p, 2 * PG);
}

static void mremap_shrink(void)
{
	char *p = map(4);

	SETUP(p, "mremap shrinking stays in place and unmaps the tail");
	memset(p, 'e', 4 * PG);
	long r = sys_mremap(p, 4 * PG, 2 * PG, 0, NULL);

	tap_ok(r == (long)p && is_filled(p, 2 * PG, 'e') && !is_mapped(p + 2 * PG) &&
	       !is_mapped(p + 3 * PG),
	       "mremap shrinking stays in place and unmaps the tail");
	sys_munmap(p, 4 * PG);
}

static void mremap_grow_in_place(void)
{
	char *p = map(8);

	SETUP(p, "mremap growing into free space stays in place, the new part zero");
	sys_munmap(p + 4 * PG, 4 * PG);
	memset(p, 'f', 4 * PG);
	long r = sys_mremap(p, 4 * PG, 8 * PG, 0, NULL);

	tap_ok(r == (long)p && is_filled(p, 4 * PG, 'f') && is_filled(p + 4 * PG, 4 * PG, 0),
	       "mremap growing into free space stays in place, the new part zero");
	sys_munmap(p, 8 * PG);
}

static void mremap_grow_moves(void)
{
	char *p = map(2);

	SETUP(p, "mremap MREMAP_MAYMOVE growing when blocked moves the data");
	sys_mprotect(p + PG, PG, PROT_READ);
	memset(p, 'g', PG);
	long r = sys_mremap(p, PG, 3 * PG, MREMAP_MAYMOVE, NULL);
	char *q = (char *)r;

	tap_ok(!sys_is_err(r) && q != p && is_filled(q, PG, 'g') && is_filled(q + PG, 2 * PG, 0) &&
	       !is_mapped(p) && is_mapped(p + PG),
	       "mremap MREMAP_MAYMOVE growing when blocked moves the data");
	if (!sys_is_err(r))
		sys_munmap(q, 3 * PG);
	sys_munmap(p, 2 * PG);
}

static void mremap_fixed_overlap(void)
{
	char *p = map(4);

	SETUP(p, "mremap MREMAP_FIXED onto an overlapping range is EINVAL");
	/* mremap_to(): "if (addr + old_len > new_addr && new_addr + new_len > addr)" */
	tap_expect(sys_mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, p + PG), -EINVAL,
		   "mremap MREMAP_FIXED onto an overlapping range is EINVAL");
	sys_munmap(p, 4 * PG);
}

static void mremap_fixed_unaligned(void)
{
	char *p = map(1), *h = hole(2);

	SETUP(p && h, "mremap MREMAP_FIXED to an unaligned address is EINVAL");
	tap_expect(sys_mremap(p, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, h + 1), -EINVAL,
		   "mremap MREMAP_FIXED to an unaligned address is EINVAL");
	sys_munmap(p, PG);
}

static void mremap_fixed_replaces(void)
{
	char *p = map(1), *q = map(2);

	SETUP(p && q, "mremap MREMAP_FIXED onto a mapping replaces it");
	memset(p, 'h', PG);
	memset(q, 'i', 2 * PG);
	long r = sys_mremap(p, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, q);

	tap_ok(r == (long)q && is_filled(q, PG, 'h') && is_filled(q + PG, PG, 'i') && !is_mapped(p),
	       "mremap MREMAP_FIXED onto a mapping replaces it");
	sys_munmap(q, 2 * PG);
	sys_munmap(p, PG);
}

static void mremap_dontunmap_len(void)
{
	char *p = map(2);

	SETUP(p, "mremap MREMAP_DONTUNMAP changing the length is EINVAL");
	/* "if (flags & MREMAP_DONTUNMAP && (!(flags & MREMAP_MAYMOVE) || old_len != new_len))" */
	tap_expect(sys_mremap(p, PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL), -EINVAL,
		   "mremap MREMAP_DONTUNMAP changing the length is EINVAL");
	sys_munmap(p, 2 * PG);
}

static void mremap_dontunmap(void)
{
	char *p = map(1);

	SETUP(p, "mremap MREMAP_DONTUNMAP moves the pages and leaves the old range empty");
	memset(p, 'j', PG);
	long r = sys_mremap(p, PG, PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	char *q = (char *)r;

	/* move_vma(): the old VMA stays, its pages went with the move, so it reads
	 * zero (a private anonymous mapping faults in fresh pages) */
	tap_ok(!sys_is_err(r) && q != p && is_filled(q, PG, 'j') && is_mapped(p) &&
	       is_filled(p, PG, 0),
	       "mremap MREMAP_DONTUNMAP moves the pages and leaves the old range empty");
	if (!sys_is_err(r))
		sys_munmap(q, PG);
	sys_munmap(p, PG);
}

static void mremap_dup_private(void)
{
	char *p = map(1);

	SETUP(p, "mremap of old length 0 on a private mapping is EINVAL");
	/* vma_to_resize(): "attempted to duplicate a private mapping" */
	tap_expect(sys_mremap(p, 0, PG, MREMAP_MAYMOVE, NULL), -EINVAL,
		   "mremap of old length 0 on a private mapping is EINVAL");
	sys_munmap(p, PG);
}

/* ---- mincore (mm/mincore.c) ---- */

static void mincore_unaligned(void)
{
	char *p = map(1);
	unsigned char v;

	SETUP(p, "mincore of an unaligned address is EINVAL");
	/* LTP mincore01 */
	tap_expect(sys_mincore(p + 1, PG, &v), -EINVAL, "mincore of an unaligned address is EINVAL");
	sys_munmap(p, PG);
}

static void mincore_unmapped(void)
{
	char *h = hole(1);
	unsigned char v;

	SETUP(h, "mincore of an unmapped range is ENOMEM");
	/* LTP mincore01 */
	tap_expect(sys_mincore(h, PG, &v), -ENOMEM, "mincore of an unmapped range is ENOMEM");
}

static void mincore_with_hole(void)
{
	char *p = map(3);
	unsigned char v[3];

	SETUP(p, "mincore of a range with a hole is ENOMEM");
	sys_munmap(p + PG, PG);
	tap_expect(sys_mincore(p, 3 * PG, v), -ENOMEM, "mincore of a range with a hole is ENOMEM");
	sys_munmap(p, 3 * PG);
}

static void mincore_bad_vec(void)
{
	char *p = map(1), *h = hole(1);

	SETUP(p && h, "mincore into an unmapped vector is EFAULT");
	/* LTP mincore01: the vector is written with copy_to_user() */
	tap_expect(sys_mincore(p, PG, (unsigned char *)h), -EFAULT,
		   "mincore into an unmapped vector is EFAULT");
	sys_munmap(p, PG);
}

static void mincore_len_zero(void)
{
	char *h = hole(1);

	SETUP(h, "mincore of length 0 succeeds, even unmapped");
	tap_expect(sys_mincore(h, 0, NULL), 0, "mincore of length 0 succeeds, even unmapped");
}

static void mincore_far(void)
{
	unsigned char v;

	/* "if (!access_ok((void __user *) start, len)) return -ENOMEM" */
	tap_expect(sys_mincore(FAR_ADDR, PG, &v), -ENOMEM,
		   "mincore above the address space is ENOMEM");
}

static void mincore_residency(void)
{
	char *p = map(2);
	unsigned char v[2] = { 0xff, 0xff };

	SETUP(p, "mincore: an untouched anonymous page is not resident, a written one is");
	p[PG] = 1;
	long r = sys_mincore(p, 2 * PG, v);

	tap_ok(r == 0 && (v[0] & 1) == 0 && (v[1] & 1) == 1,
	       "mincore: an untouched anonymous page is not resident, a written one is");
	sys_munmap(p, 2 * PG);
}

/* ---- madvise (mm/madvise.c do_madvise) ---- */

static void madvise_bad_advice(void)
{
	char *p = map(1);

	SETUP(p, "madvise with an undefined advice is EINVAL");
	/* LTP madvise02; madvise_behavior_valid(). 999: far from MADV_HWPOISON (100)
	 * and MADV_SOFT_OFFLINE (101), which a root /init would be allowed */
	tap_expect(sys_madvise(p, PG, 999), -EINVAL, "madvise with an undefined advice is EINVAL");
	sys_munmap(p, PG);
}

static void madvise_unaligned(void)
{
	char *p = map(1);

	SETUP(p, "madvise of an unaligned address is EINVAL");
	/* LTP madvise02 */
	tap_expect(sys_madvise(p + 1, PG, MADV_NORMAL), -EINVAL,
		   "madvise of an unaligned address is EINVAL");
	sys_munmap(p, PG);
}

static void madvise_unmapped(void)
{
	char *h = hole(1);

	SETUP(h, "madvise of an unmapped range is ENOMEM");
	/* LTP madvise02 */
	tap_expect(sys_madvise(h, PG, MADV_NORMAL), -ENOMEM, "madvise of an unmapped range is ENOMEM");
}

static void madvise_len_zero(void)
{
	char *h = hole(1);

	SETUP(h, "madvise of length 0 succeeds, even unmapped");
	tap_expect(sys_madvise(h, 0, MADV_DONTNEED), 0, "madvise of length 0 succeeds, even unmapped");
}

static void madvise_len_wraps(void)
{
	char *p = map(1);

	SETUP(p, "madvise length SIZE_MAX (rounds up to 0) is EINVAL");
	/* "len = PAGE_ALIGN(len_in); if (len_in && !len) return -EINVAL" */
	tap_expect(sys_madvise(p, (size_t)-1, MADV_NORMAL), -EINVAL,
		   "madvise length SIZE_MAX (rounds up to 0) is EINVAL");
	sys_munmap(p, PG);
}

static void madvise_remove_anon(void)
{
	char *p = map(1);

	SETUP(p, "madvise MADV_REMOVE of a private anonymous mapping is EINVAL");
	/* madvise_remove(): no file behind the VMA */
	tap_expect(sys_madvise(p, PG, MADV_REMOVE), -EINVAL,
		   "madvise MADV_REMOVE of a private anonymous mapping is EINVAL");
	sys_munmap(p, PG);
}

static void madvise_willneed(void)
{
	char *p = map(2);

	SETUP(p, "madvise MADV_WILLNEED of anonymous memory succeeds");
	tap_expect(sys_madvise(p, 2 * PG, MADV_WILLNEED), 0,
		   "madvise MADV_WILLNEED of anonymous memory succeeds");
	sys_munmap(p, 2 * PG);
}

static void madvise_dontneed(void)
{
	char *p = map(2);
	unsigned char v[2] = { 0xff, 0xff };

	SETUP(p, "madvise MADV_DONTNEED drops the pages: not resident, zero on the next touch");
	memset(p, 'k', 2 * PG);
	long r = sys_madvise(p, 2 * PG, MADV_DONTNEED);
	long m = sys_mincore(p, 2 * PG, v);

	tap_ok(r == 0 && m == 0 && (v[0] & 1) == 0 && (v[1] & 1) == 0 && is_filled(p, 2 * PG, 0),
	       "madvise MADV_DONTNEED drops the pages: not resident, zero on the next touch");
	sys_munmap(p, 2 * PG);
}

static void madvise_dontneed_hole(void)
{
	char *p = map(3);

	SETUP(p, "madvise MADV_DONTNEED over a hole is ENOMEM but still drops the mapped pages");
	memset(p, 'l', 3 * PG);
	sys_munmap(p + PG, PG);
	/* madvise_walk_vmas(): an unmapped gap sets -ENOMEM, the walk goes on */
	long r = sys_madvise(p, 3 * PG, MADV_DONTNEED);

	tap_ok(r == -ENOMEM && is_filled(p, PG, 0) && is_filled(p + 2 * PG, PG, 0),
	       "madvise MADV_DONTNEED over a hole is ENOMEM but still drops the mapped pages");
	if (r != -ENOMEM)
		tap_diag("got %ld", r);
	sys_munmap(p, 3 * PG);
}

/* ---- brk (mm/mmap.c sys_brk; fs/binfmt_elf.c sets the start) ---- */

static void brk_current(void)
{
	long a = sys_brk(NULL), b = sys_brk(NULL);

	/* LTP brk01. load_elf_binary(): start_brk = ELF_PAGEALIGN(end of .bss), or a
	 * random page above it (arch_randomize_brk) */
	tap_ok(a == b && a % (long)PG == 0 && a >= (long)_end,
	       "brk(0) returns the current break: page aligned, at or above the end of .bss");
}

static void brk_grow(void)
{
	long cur = sys_brk(NULL);
	long r = sys_brk((void *)(cur + 2 * PG));
	char *p = (char *)cur;
	bool zero = r == cur + (long)(2 * PG) && is_filled(p, 2 * PG, 0);

	if (zero)
		p[0] = p[2 * PG - 1] = 'm';
	tap_ok(zero && p[0] == 'm' && sys_brk(NULL) == r,
	       "brk growing by two pages returns the new break; the pages are zero and writable");
	sys_brk((void *)cur);
}

static void brk_unaligned(void)
{
	long cur = sys_brk(NULL);
	long r = sys_brk((void *)(cur + 100));

	/* sys_brk keeps the value asked for: "mm->brk = brk", not rounded */
	tap_ok(r == cur + 100 && sys_brk(NULL) == cur + 100 && is_mapped((void *)cur),
	       "brk to an unaligned value keeps that exact value and maps its page");
	sys_brk((void *)cur);
}

static void brk_shrink(void)
{
	long cur = sys_brk(NULL);
	long g = sys_brk((void *)(cur + 2 * PG));
	long s = sys_brk((void *)cur);

	/* LTP brk02; "Always allow shrinking brk": the pages above are unmapped */
	tap_ok(g == cur + (long)(2 * PG) && s == cur && !is_mapped((void *)cur) &&
	       !is_mapped((void *)(cur + PG)),
	       "brk shrinking returns the old break and unmaps the pages above it");
}

static void brk_regrow_zero(void)
{
	long cur = sys_brk(NULL);
	char *p = (char *)cur;
	long r1 = sys_brk((void *)(cur + PG));

	if (r1 == cur + (long)PG)
		memset(p, 'n', PG);
	sys_brk((void *)cur);
	long r2 = sys_brk((void *)(cur + PG));

	tap_ok(r1 == cur + (long)PG && r2 == r1 && is_filled(p, PG, 0),
	       "brk grown again after shrinking gives zero pages");
	sys_brk((void *)cur);
}

static void brk_below_start(void)
{
	long cur = sys_brk(NULL);

	/* "if (brk < min_brk) goto out": the unchanged break is the answer */
	tap_ok(sys_brk((void *)PG) == cur && sys_brk(NULL) == cur,
	       "brk below the start of the heap is refused: the break stays");
}

static void brk_guard_gap(void)
{
	long cur = sys_brk(NULL);
	char *wall = (char *)cur + 8 * PG;
	long m = sys_mmap(wall, PG, RW, ANON | MAP_FIXED_NOREPLACE, -1, 0);

	SETUP(m == (long)wall, "brk stops one page short of the next mapping");
	/* sys_brk(): "if (find_vma_intersection(mm, oldbrk, newbrk + PAGE_SIZE))
	 * goto out": the heap keeps a page between itself and the next mapping */
	long ok = sys_brk(wall - PG);
	long refused = sys_brk(wall - PG + 1);

	tap_ok(ok == (long)(wall - PG) && refused == ok && sys_brk(NULL) == ok,
	       "brk stops one page short of the next mapping");
	if (ok != (long)(wall - PG) || refused != ok)
		tap_diag("break %+ld pages, then %+ld bytes past that", (ok - cur) / (long)PG,
			 refused - ok);
	sys_brk((void *)cur);
	sys_munmap(wall, PG);
}

static void (*const cases[])(void) = {
	mmap_len_zero, mmap_fixed_unaligned, mmap_no_type, mmap_bad_type,
	mmap_shared_validate_anon, mmap_shared_growsdown, mmap_bad_fd, mmap_unaligned_offset,
	mmap_len_wraps, mmap_len_too_big, mmap_fixed_beyond_task_size, mmap_zero_filled_rounded,
	mmap_fixed_replaces, mmap_fixed_noreplace_busy, mmap_fixed_noreplace_free,
	mmap_hint_free, mmap_hint_unaligned,
	munmap_unaligned, munmap_len_zero, munmap_far, munmap_hole, munmap_len_rounded,
	munmap_middle,
	mprotect_unaligned, mprotect_unmapped, mprotect_with_hole, mprotect_len_zero,
	mprotect_bad_prot, mprotect_grows_both, mprotect_growsdown_plain, mprotect_len_wraps,
	mprotect_round_trip,
	mremap_unaligned, mremap_fixed_no_maymove, mremap_bad_flags, mremap_new_len_zero,
	mremap_unmapped, mremap_across_vmas, mremap_grow_blocked, mremap_shrink,
	mremap_grow_in_place, mremap_grow_moves, mremap_fixed_overlap, mremap_fixed_unaligned,
	mremap_fixed_replaces, mremap_dontunmap_len, mremap_dontunmap, mremap_dup_private,
	mincore_unaligned, mincore_unmapped, mincore_with_hole, mincore_bad_vec,
	mincore_len_zero, mincore_far, mincore_residency,
	madvise_bad_advice, madvise_unaligned, madvise_unmapped, madvise_len_zero,
	madvise_len_wraps, madvise_remove_anon, madvise_willneed, madvise_dontneed,
	madvise_dontneed_hole,
	brk_current, brk_grow, brk_unaligned, brk_shrink, brk_regrow_zero, brk_below_start,
	brk_guard_gap,
};

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	tap_plan(ARRAY_SIZE(cases));
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		cases[i]();
	return tap_done();
}
