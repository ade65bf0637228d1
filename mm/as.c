// SPDX-License-Identifier: MIT
/*
 * Address spaces (see <mm/as.h>): VMAs in the tree of mm/vma.c over a user page
 * table of mm/mapper.c, with Linux's mmap/munmap/mprotect/mremap/brk/mincore/madvise
 * and demand paging. Generic: builds into the kernel and, once per arch format, into host
 * tests (with a fake frame allocator and a malloc-backed kmalloc).
 *
 * Every call that can fail allocates what it needs (VMA structs, with the worst
 * case reserved up front) before it changes anything, so a -ENOMEM leaves the
 * space as it was, except where Linux itself is not atomic (mprotect up to a
 * hole, mremap's unmapping of the target and the shrunk tail), which is mirrored.
 *
 * Locking: as->lock around each public call; the static helpers run under it,
 * and fault_in_locked() drops and retakes it around a data frame's allocation
 * (the rule and the races it allows: <mm/as.h>).
 */
#include <kern/errno.h>
#include <kern/panic.h>
#include <kern/string.h>
#include <mm/as.h>
#include <mm/frame.h>
#include <mm/mman.h>
#include <mm/slab.h>

static inline uintptr_t page_align(uintptr_t x)
{
	return (x + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);   /* 0 if it overflows */
}

/* What the MMU enforces for a VMA's PROT_*: write and exec imply read (portable subset). */
static unsigned int mmu_prot_of(unsigned int prot)
{
	unsigned int p = MMU_USER;

	if (prot & (PROT_READ | PROT_WRITE | PROT_EXEC))
		p |= MMU_READ;
	if (prot & PROT_WRITE)
		p |= MMU_WRITE;
	if (prot & PROT_EXEC)
		p |= MMU_EXEC;
	return p;
}

/* How a dropped leaf's frame goes: a reference put once frames may be shared. */
static unsigned int leaf_drop(const struct as *as)
{
	return as->shared_frames ? MAPPER_PUT_FRAMES : MAPPER_FREE_FRAMES;
}

static struct vma *vma_new(void)
{
	return kmalloc(sizeof(struct vma), KM_ZERO | KM_NOWARN);
}

static bool mergeable(const struct vma *a, const struct vma *b)
{
	if (a->end != b->start || a->prot != b->prot || a->flags != b->flags)
		return false;
	if (!(a->flags & VMA_SHARED))
		return true;
	return a->obj == b->obj && a->pgoff + (a->end - a->start) / PAGE_SIZE == b->pgoff;
}

/* Merge @v with its neighbours where allowed; returns the surviving VMA. */
static struct vma *merge_around(struct as *as, struct vma *v)
{
	struct vma *prev = vma_find_prev(&as->vmas, v->start);
	struct vma *next = vma_find_next(&as->vmas, v->end);

	if (prev && mergeable(prev, v)) {
		uintptr_t end = v->end;
		vma_remove(&as->vmas, v);
		kfree(v);
		vma_set_bounds(&as->vmas, prev, prev->start, end);
		v = prev;
	}
	if (next && mergeable(v, next)) {
		uintptr_t end = next->end;
		vma_remove(&as->vmas, next);
		kfree(next);
		vma_set_bounds(&as->vmas, v, v->start, end);
	}
	return v;
}

/* Split @v at @addr (inside it) using @spare for the upper piece; returns the upper piece. */
static struct vma *split(struct as *as, struct vma *v, uintptr_t addr, struct vma *spare)
{
	*spare = (struct vma){ .start = addr, .end = v->end, .prot = v->prot, .flags = v->flags,
			       .obj = v->obj, .pgoff = v->pgoff + (addr - v->start) / PAGE_SIZE };
	vma_set_bounds(&as->vmas, v, v->start, addr);
	vma_insert(&as->vmas, spare);
	return spare;
}

/*
 * Make [s, e), a range inside *@vp, a VMA of its own, splitting off the pieces of
 * *@vp below s and above e; *@vp becomes the middle piece. Both structs are
 * allocated first, so a failure (-ENOMEM: no memory, or the VMA limit) leaves
 * the tree as it was.
 */
static int isolate(struct as *as, struct vma **vp, uintptr_t s, uintptr_t e)
{
	struct vma *v = *vp;
	bool need_lo = v->start < s, need_hi = v->end > e;

	if (!need_lo && !need_hi)
		return 0;
	if (as->vmas.count + need_lo + need_hi > as->max_vmas)
		return -ENOMEM;
	struct vma *lo = need_lo ? vma_new() : NULL, *hi = need_hi ? vma_new() : NULL;
	if ((need_lo && !lo) || (need_hi && !hi)) {
		kfree(lo);
		kfree(hi);
		return -ENOMEM;
	}
	if (need_lo)
		v = split(as, v, s, lo);
	if (need_hi)
		split(as, v, e, hi);
	*vp = v;
	return 0;
}

static void batch_start(struct as *as, struct tlb_batch *b)
{
	tlb_batch_init(b, &as->cpus);
}

/* ---- creation ---- */

void as_default_params(unsigned int levels, struct as_params *out)
{
	struct mmu_layout l;

	mmu_layout_get(levels, &l);
	out->min_addr = l.user_start;
	out->task_size = l.user_end;
	out->mmap_base = l.user_end - (1ull << 30);    /* room for the stack below the top */
	out->brk_start = 1ull << 30;
	out->max_vmas = AS_DEFAULT_MAX_VMAS;
}

int as_create(struct as *as, const struct pagetable *kernel, const struct as_params *params)
{
	struct as_params p;
	struct mmu_layout l;

	if (params)
		p = *params;
	else
		as_default_params(kernel->levels, &p);
	mmu_layout_get(kernel->levels, &l);
	if (p.min_addr < PAGE_SIZE || p.task_size > l.user_end || p.min_addr >= p.task_size ||
	    p.mmap_base > p.task_size || p.mmap_base <= p.min_addr || p.brk_start < p.min_addr ||
	    p.brk_start >= p.task_size || ((p.min_addr | p.task_size | p.mmap_base | p.brk_start) &
					   (PAGE_SIZE - 1)))
		return -EINVAL;
	int err = mapper_init_user(&as->pt, kernel);
	if (err)
		return err;
	spin_init(&as->lock);
	vma_tree_init(&as->vmas);
	cpuset_clear(&as->cpus);
	as->min_addr = p.min_addr;
	as->mmap_base = p.mmap_base;
	as->task_size = p.task_size;
	as->brk_start = as->brk = p.brk_start;
	as->max_vmas = p.max_vmas;
	as->next_obj = 1;
	as->shared_frames = false;
	return 0;
}

void as_destroy(struct as *as)
{
	struct tlb_batch b;
	struct vma *v;

	while ((v = as->vmas.root)) {
		vma_remove(&as->vmas, v);
		kfree(v);
	}
	batch_start(as, &b);
	mapper_destroy(&as->pt, leaf_drop(as), &b);
	tlb_batch_flush(&b);
}

/* Give every page of the shared VMA @v a frame (under @as's lock), so that a fork
 * shares them all. */
static int populate_shared(struct as *as, const struct vma *v, struct tlb_batch *b)
{
	unsigned int mprot = mmu_prot_of(v->prot);
	struct mapper_leaf l;

	for (uintptr_t page = v->start; page < v->end; page += PAGE_SIZE) {
		paddr_t frame;

		if (mapper_translate(&as->pt, vaddr(page), &l) == 0)
			continue;
		if (frame_alloc(0, FRAME_ZERO | FRAME_NOWARN, &frame))
			return -ENOMEM;
		(void)frame_set_owner(frame, FRAME_OWNER_USER);
		if (mapper_map(&as->pt, vaddr(page), frame, PAGE_SIZE, mprot, MMU_CACHE_WB, 0, b)) {
			frame_free(frame, 0);   /* never mapped */
			return -ENOMEM;
		}
	}
	return 0;
}

static void ref_frame(paddr_t pa, void *arg)
{
	(void)arg;
	frame_ref(pa);
}

int as_fork(struct as *dst, struct as *src, const struct pagetable *kernel)
{
	struct as_params p = {
		.min_addr = src->min_addr, .mmap_base = src->mmap_base, .task_size = src->task_size,
		.brk_start = src->brk_start, .max_vmas = src->max_vmas,
	};
	struct tlb_batch sb, db;
	int err = as_create(dst, kernel, &p);

	if (err)
		return err;
	spin_lock(&src->lock);
	dst->brk = src->brk;
	dst->next_obj = src->next_obj;
	src->shared_frames = dst->shared_frames = true;
	batch_start(src, &sb);
	batch_start(dst, &db);          /* no CPU runs @dst yet: fences at most */
	for (struct vma *v = vma_find_next(&src->vmas, 0); v && !err;
	     v = vma_find_next(&src->vmas, v->end)) {
		/* dup_mmap(): VM_DONTCOPY is left out of the child. */
		if (v->flags & VMA_DONTCOPY)
			continue;
		struct vma *n = vma_new();
		bool shared = v->flags & VMA_SHARED;

		if (!n) {
			err = -ENOMEM;
			break;
		}
		n->start = v->start;
		n->end = v->end;
		n->prot = v->prot;
		n->flags = v->flags;
		n->obj = v->obj;
		n->pgoff = v->pgoff;
		vma_insert(&dst->vmas, n);
		/*
		 * VM_WIPEONFORK: the child's VMA (which keeps the flag) starts with no
		 * pages, and the parent's stay writable.
		 */
		if (v->flags & VMA_WIPEONFORK)
			continue;
		if (shared && (err = populate_shared(src, v, &sb)))
			break;
		/* Private and writable: read-only on both sides until a write copies it. */
		if (!shared && (v->prot & PROT_WRITE))
			mapper_protect(&src->pt, vaddr(v->start), v->end - v->start,
				       mmu_prot_of(v->prot) & ~MMU_WRITE, &sb);
		/* Each leaf copied takes a reference on its frame. */
		if (mapper_copy(&dst->pt, &src->pt, vaddr(v->start), v->end - v->start, 0, ref_frame,
				NULL, &db))
			err = -ENOMEM;          /* a table */
	}
	/* The parent's CPUs drop their writable translations before fork returns. */
	tlb_batch_flush(&sb);
	spin_unlock(&src->lock);
	tlb_batch_flush(&db);
	if (err) {
		as_destroy(dst);            /* its references go; the parent's pages stay */
		return -ENOMEM;
	}
	return 0;
}

void as_activate(struct as *as)
{
	/*
	 * Join the set before the first walk of the table (the protocol in
	 * <mm/tlb.h>): an edit that does not see our bit is visible to the walks
	 * after this fence, and the activation drops older non-global entries.
	 */
	cpuset_add(&as->cpus, cpu_current());
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	arch_mmu_activate(as->pt.root, as->pt.levels);
}

void as_deactivate(struct as *as)
{
	/*
	 * The caller has activated another root, which dropped this space's
	 * non-global translations (arch_mmu_activate()): only now may shootdowns
	 * stop reaching this CPU. A CPU that keeps the root loaded stays a target.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	cpuset_del(&as->cpus, cpu_current());
}

size_t as_vma_count(const struct as *as)
{
	return as->vmas.count;
}

/* ---- unmapping ---- */

/*
 * Remove [start, end) (page aligned, inside the user range) from the VMAs and the
 * page table. Needs one VMA struct if the range is strictly inside one VMA: taken
 * from *@spare if set (and *@spare cleared), else allocated. Returns 0 or -ENOMEM
 * (nothing changed).
 */
static int do_munmap(struct as *as, uintptr_t start, uintptr_t end, struct vma **spare,
		     struct tlb_batch *b)
{
	struct vma *v = vma_find_next(&as->vmas, start);

	if (!v || v->start >= end)
		return 0;
	if (v->start < start) {
		if (v->end > end && as->vmas.count >= as->max_vmas)
			return -ENOMEM;
		struct vma *n = spare && *spare ? *spare : vma_new();
		if (!n)
			return -ENOMEM;
		if (spare && *spare == n)
			*spare = NULL;
		v = split(as, v, start, n);
	}
	while (v && v->start < end) {
		struct vma *next = vma_find_next(&as->vmas, v->end);
		if (v->end > end) {
			if (v->flags & VMA_SHARED)
				v->pgoff += (end - v->start) / PAGE_SIZE;
			vma_set_bounds(&as->vmas, v, end, v->end);
			break;
		}
		vma_remove(&as->vmas, v);
		kfree(v);
		v = next;
	}
	/* 4 KiB user leaves only: no split, so this cannot fail. */
	mapper_unmap(&as->pt, vaddr(start), end - start, leaf_drop(as), b);
	return 0;
}

int as_munmap(struct as *as, uintptr_t addr, size_t len)
{
	struct tlb_batch b;

	if ((addr & (PAGE_SIZE - 1)) || addr > as->task_size || len > as->task_size - addr)
		return -EINVAL;
	len = page_align(len);
	if (len == 0 || len > as->task_size - addr)
		return -EINVAL;
	spin_lock(&as->lock);
	batch_start(as, &b);
	int err = do_munmap(as, addr, addr + len, NULL, &b);
	tlb_batch_flush(&b);
	spin_unlock(&as->lock);
	return err;
}

/* ---- placement ---- */

static bool range_free(struct as *as, uintptr_t addr, size_t len)
{
	return !vma_intersects(&as->vmas, addr, addr + len);
}

/*
 * get_unmapped_area() for a non-fixed request: the hint if it fits, else the
 * highest gap below mmap_base, else the highest anywhere. -ENOMEM if none.
 */
static int place(struct as *as, uintptr_t hint, size_t len, uintptr_t *out)
{
	if (len > as->task_size - as->min_addr)
		return -ENOMEM;
	hint &= ~(PAGE_SIZE - 1);
	if (hint && hint < as->min_addr)
		hint = as->min_addr;
	if (hint && hint <= as->task_size - len && range_free(as, hint, len)) {
		*out = hint;
		return 0;
	}
	if (vma_gap_topdown(&as->vmas, as->min_addr, as->mmap_base, len, out) == 0)
		return 0;
	return vma_gap_topdown(&as->vmas, as->min_addr, as->task_size, len, out);
}

/* ---- faults ---- */

/* Copy-on-write events since boot (as_cow_stats()). */
static uint64_t cow_faults, cow_copies, cow_takeovers;

void as_cow_stats(struct as_cow_stats *out)
{
	out->faults = __atomic_load_n(&cow_faults, __ATOMIC_RELAXED);
	out->copies = __atomic_load_n(&cow_copies, __ATOMIC_RELAXED);
	out->takeovers = __atomic_load_n(&cow_takeovers, __ATOMIC_RELAXED);
}

/*
 * Make sure the page holding @addr (any address: one at or above task_size is in
 * no VMA) has a frame, as a fault would: a VMA must cover it (else -EFAULT), the VMA's MMU protection must have
 * every bit of @need (MMU_READ / MMU_WRITE / MMU_EXEC; 0 for the kernel's own
 * access, which any protection allows) and its PROT_* every bit of @need_prot
 * (else -EACCES). A page without a frame gets a zeroed one, mapped with the VMA's
 * protection; -ENOMEM if no frame or table was available (nothing mapped, nothing
 * leaked). On 0, *@pa (if not NULL) is the page's frame and *@was_mapped (if not
 * NULL) says whether the translation was there already.
 *
 * Called with as->lock held and returns with it held, but drops it around the
 * allocation and zeroing of the data frame (the locking rule in <mm/as.h>): so
 * the VMA tree and the page table may have changed across the call, and a VMA
 * pointer the caller held before it may be stale. Nothing is decided on what was
 * seen before the lock was dropped: once it is retaken the VMA and the leaf are
 * looked up again, and the frame is mapped only if the page is still in a VMA
 * that allows the access and still has no frame; else it goes back unused. So the
 * result is that of a fault that took the lock once, at the end.
 *
 * @write: the access writes (a write fault, or the kernel's own write through the
 * direct map). A private page whose frame another space maps too (copy-on-write
 * since a fork) then gets a copy of its own, made with the lock dropped as a zeroed
 * frame is; one whose other mappings are gone is taken over, made writable as the
 * VMA allows. A shared VMA's frames stay shared.
 */
static int fault_in_locked(struct as *as, uintptr_t addr, unsigned int need, unsigned int need_prot,
			   bool write, paddr_t *pa, bool *was_mapped)
{
	uintptr_t page = addr & ~(PAGE_SIZE - 1);
	paddr_t frame = paddr(0), copied_from = paddr(0);
	bool have_frame = false, have_copy = false;
	struct mapper_leaf l;
	struct tlb_batch b;
	int err;

	for (;;) {
		struct vma *v = addr < as->task_size ? vma_find(&as->vmas, addr) : NULL;
		if (!v) {
			err = -EFAULT;
			break;
		}
		unsigned int mprot = mmu_prot_of(v->prot);
		if ((mprot & need) != need || (v->prot & need_prot) != need_prot) {
			err = -EACCES;
			break;
		}
		if (mapper_translate(&as->pt, vaddr(page), &l) == 0) {
			paddr_t old = paddr(l.pa.raw + (page - l.va.raw));
			bool cow = write && as->shared_frames && !(v->flags & VMA_SHARED) &&
				   frame_refs(old) > 1;

			if (cow && !(have_copy && copied_from.raw == old.raw)) {
				/*
				 * Copy-on-write: another space maps this frame too. Copy it with
				 * no lock held (a reference keeps the source alive meanwhile),
				 * then look again; a copy of a frame the page no longer maps
				 * goes back.
				 */
				if (have_copy) {
					frame_free(frame, 0);
					(void)frame_put(copied_from, 0);
					have_copy = false;
				}
				frame_ref(old);
				spin_unlock(&as->lock);
				err = frame_alloc(0, FRAME_NOWARN, &frame);
				if (!err) {
					(void)frame_set_owner(frame, FRAME_OWNER_USER);
					memcpy(phys_to_virt(frame), phys_to_virt(old), PAGE_SIZE);
				}
				spin_lock(&as->lock);
				if (err) {
					(void)frame_put(old, 0);
					return -ENOMEM;
				}
				have_copy = true;
				copied_from = old;
				continue;
			}
			if (cow) {
				/* The copy replaces the shared frame, with the VMA's protection. */
				paddr_t was;
				batch_start(as, &b);
				err = mapper_replace(&as->pt, vaddr(page), frame, mprot, &was, &b);
				/* The leaf was just looked up under the lock: it is there. */
				KASSERT(err == 0 && was.raw == old.raw, "copy-on-write replace: %d", err);
				tlb_batch_put_frame(&b, was, 0);   /* the leaf's reference */
				tlb_batch_flush(&b);
				(void)frame_put(copied_from, 0);
				have_copy = false;
				__atomic_fetch_add(&cow_faults, 1, __ATOMIC_RELAXED);
				__atomic_fetch_add(&cow_copies, 1, __ATOMIC_RELAXED);
				if (pa)
					*pa = frame;
				if (was_mapped)
					*was_mapped = false;
				break;
			}
			if (write && !(l.prot & MMU_WRITE) && (mprot & MMU_WRITE)) {
				/*
				 * A copy-on-write page whose other mappings are gone: this
				 * space takes it over, writable as its VMA says.
				 */
				batch_start(as, &b);
				mapper_protect(&as->pt, vaddr(page), PAGE_SIZE, mprot, &b);
				tlb_batch_flush(&b);
				__atomic_fetch_add(&cow_faults, 1, __ATOMIC_RELAXED);
				__atomic_fetch_add(&cow_takeovers, 1, __ATOMIC_RELAXED);
				if (was_mapped)
					*was_mapped = false;
			} else if (was_mapped) {
				*was_mapped = true;
			}
			if (pa)
				*pa = old;
			err = 0;
			break;
		}
		if (!have_frame) {
			/*
			 * Allocate and zero with no lock held, so faults of other
			 * threads, and edits, go on meanwhile; then look again.
			 */
			spin_unlock(&as->lock);
			err = frame_alloc(0, FRAME_ZERO | FRAME_NOWARN, &frame);
			if (!err)
				/* Cannot fail: the buddy allocator handed this block out just now. */
				(void)frame_set_owner(frame, FRAME_OWNER_USER);
			spin_lock(&as->lock);
			if (err)
				goto out_nomem;
			have_frame = true;
			continue;
		}
		/*
		 * Still unmapped, in a VMA allowing the access: install it with that
		 * VMA's protection. The leaf store is a release (mmu_pte_write()),
		 * so another CPU that walks to it also sees the zeroes.
		 */
		batch_start(as, &b);
		err = mapper_map(&as->pt, vaddr(page), frame, PAGE_SIZE, mprot, MMU_CACHE_WB, 0, &b);
		tlb_batch_flush(&b);
		if (err) {
			err = -ENOMEM;  /* a table: nothing else can fail on an unmapped page */
			break;
		}
		have_frame = false;
		if (pa)
			*pa = frame;
		if (was_mapped)
			*was_mapped = false;
		break;
	}
	if (have_frame)
		frame_free(frame, 0);   /* never mapped: no TLB can hold it */
	if (have_copy) {
		frame_free(frame, 0);
		(void)frame_put(copied_from, 0);
	}
	return err;
out_nomem:
	if (have_copy) {
		frame_free(frame, 0);   /* a copy for a page that was unmapped meanwhile */
		(void)frame_put(copied_from, 0);
	}
	return -ENOMEM;
}

static unsigned int mmu_need_of(enum fault_access access)
{
	return access == FAULT_WRITE ? MMU_WRITE : access == FAULT_EXEC ? MMU_EXEC : MMU_READ;
}

int as_fault(struct as *as, const struct fault_info *fi)
{
	bool was_mapped;

	spin_lock(&as->lock);
	int err = fault_in_locked(as, fi->addr, mmu_need_of(fi->access), 0,
				  fi->access == FAULT_WRITE, NULL, &was_mapped);
	if (err == 0 && was_mapped)
		/* Mapped with the access allowed: this CPU's TLB was stale (or another CPU won). */
		tlb_flush_local_page(vaddr(fi->addr & ~(PAGE_SIZE - 1)));
	spin_unlock(&as->lock);
	return err;
}

/* ---- kernel access to user pages ---- */

/*
 * as_copy_to() and as_zero() with @src NULL: for each page of [uaddr, uaddr + len),
 * the VMA must cover it (else -EFAULT); a page with no frame gets a zeroed one
 * with the VMA's protection (as_copy_to() only: as_zero() leaves it, since it
 * would read as zero anyway), whatever that protection allows the program, and
 * the bytes are written through the direct map, never through the user mapping.
 */
static int kernel_write(struct as *as, uintptr_t uaddr, const void *src, size_t len)
{
	const uint8_t *s = src;
	int err = 0;

	if (len == 0)
		return 0;
	if (uaddr >= as->task_size || len > as->task_size - uaddr)
		return -EFAULT;
	spin_lock(&as->lock);
	while (len) {
		uintptr_t page = uaddr & ~(PAGE_SIZE - 1);
		size_t n = MIN(len, PAGE_SIZE - (uaddr - page));
		struct mapper_leaf l;
		paddr_t pa;

		if (s) {
			/* May drop the lock to allocate: the pages before may change meanwhile. */
			err = fault_in_locked(as, uaddr, 0, 0, true, &pa, NULL);
			if (err)
				break;
		} else if (!vma_find(&as->vmas, uaddr)) {
			err = -EFAULT;
			break;
		} else if (mapper_translate(&as->pt, vaddr(page), &l) == 0) {
			/* A frame another space maps too is copied first (copy-on-write). */
			err = fault_in_locked(as, uaddr, 0, 0, true, &pa, NULL);
			if (err)
				break;
		} else {
			goto next;
		}
		uint8_t *dst = (uint8_t *)phys_to_virt(pa) + (uaddr - page);
		if (s)
			memcpy(dst, s, n);
		else
			memset(dst, 0, n);
next:
		if (s)
			s += n;
		uaddr += n;
		len -= n;
	}
	spin_unlock(&as->lock);
	return err;
}

int as_copy_to(struct as *as, uintptr_t uaddr, const void *src, size_t len)
{
	return kernel_write(as, uaddr, src, len);
}

int as_zero(struct as *as, uintptr_t uaddr, size_t len)
{
	return kernel_write(as, uaddr, NULL, len);
}

int as_copy_from(struct as *as, void *dst, uintptr_t uaddr, size_t len)
{
	uint8_t *d = dst;
	int err = 0;

	if (len == 0)
		return 0;
	if (uaddr >= as->task_size || len > as->task_size - uaddr)
		return -EFAULT;
	spin_lock(&as->lock);
	while (len) {
		uintptr_t page = uaddr & ~(PAGE_SIZE - 1);
		size_t n = MIN(len, PAGE_SIZE - (uaddr - page));
		struct mapper_leaf l;

		if (!vma_find(&as->vmas, uaddr)) {
			err = -EFAULT;
			break;
		}
		if (mapper_translate(&as->pt, vaddr(page), &l) == 0)
			memcpy(d, (uint8_t *)phys_to_virt(paddr(l.pa.raw + (page - l.va.raw))) +
			       (uaddr - page), n);
		else
			memset(d, 0, n);    /* not faulted in yet: reads as zero */
		d += n;
		uaddr += n;
		len -= n;
	}
	spin_unlock(&as->lock);
	return err;
}

/* ---- mmap ---- */

int as_mmap(struct as *as, uintptr_t addr, size_t len, unsigned int prot, unsigned int flags,
	    int fd, uint64_t off, uintptr_t *out)
{
	unsigned int type = flags & MAP_TYPE;
	struct tlb_batch b;

	/*
	 * Linux 6.1's order: the arch's offset check (sys_mmap()), the fd look-up of
	 * ksys_mmap_pgoff(), then do_mmap(): the length, get_unmapped_area() (a length
	 * past the top; for a fixed address one past the top, then an unaligned one),
	 * MAP_FIXED_NOREPLACE over a mapping, and only then the map type. prot bits
	 * mmap does not know (PROT_SEM, PROT_GROWS*, undefined ones) are ignored:
	 * calc_vm_prot_bits() drops them; only mprotect() checks them.
	 */
	if (off & (PAGE_SIZE - 1))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return fd < 0 ? -EBADF : -ENODEV;    /* no files yet */
	if (flags & MAP_HUGETLB)
		return -EINVAL;                      /* not supported (documented) */
	if (len == 0)
		return -EINVAL;
	len = page_align(len);
	if (len == 0 || len > as->task_size)
		return -ENOMEM;
	prot &= PROT_READ | PROT_WRITE | PROT_EXEC;
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	if (fixed) {
		if (addr > as->task_size - len)
			return -ENOMEM;
		if (addr & (PAGE_SIZE - 1))
			return -EINVAL;
		if (addr < as->min_addr)
			return -EPERM;
	}

	spin_lock(&as->lock);
	int err = 0;
	struct vma *v = NULL, *spare = NULL;
	if (as->vmas.count > as->max_vmas) {
		err = -ENOMEM;
		goto out;
	}
	if (fixed) {
		if ((flags & MAP_FIXED_NOREPLACE) && !range_free(as, addr, len)) {
			err = -EEXIST;
			goto out;
		}
	} else {
		err = place(as, addr, len, &addr);
		if (err)
			goto out;
	}
	/*
	 * do_mmap()'s switch for anonymous memory knows MAP_SHARED and MAP_PRIVATE
	 * only: MAP_SHARED_VALIDATE (whose flag check, -EOPNOTSUPP, is for files)
	 * and every other type are -EINVAL, after placement; a shared mapping cannot
	 * grow down. A private one could on Linux: not supported here (documented).
	 */
	if ((type != MAP_SHARED && type != MAP_PRIVATE) || (flags & MAP_GROWSDOWN)) {
		err = -EINVAL;
		goto out;
	}
	v = vma_new();
	spare = vma_new();
	if (!v || !spare) {
		err = -ENOMEM;
		goto out;
	}
	batch_start(as, &b);
	if (fixed)
		err = do_munmap(as, addr, addr + len, &spare, &b);  /* only the map count can fail */
	tlb_batch_flush(&b);
	if (err)
		goto out;
	v->start = addr;
	v->end = addr + len;
	v->prot = prot;
	if (type != MAP_PRIVATE) {
		v->flags = VMA_SHARED;
		v->obj = as->next_obj++;
	}
	vma_insert(&as->vmas, v);
	merge_around(as, v);
	v = NULL;
	*out = addr;
	if (((flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE || (flags & MAP_LOCKED)) &&
	    prot) {
		/*
		 * do_mmap() populates a locked mapping, and a MAP_POPULATE one unless
		 * MAP_NONBLOCK says not to. Best effort, as on Linux: a page that
		 * cannot be populated faults later. Each page may drop the lock (as
		 * Linux's mm_populate() runs after mmap_lock is released), so the
		 * mapping may be changed by another thread meanwhile: stop at the
		 * first page that fails.
		 */
		for (uintptr_t p = addr; p < addr + len; p += PAGE_SIZE)
			if (fault_in_locked(as, p, MMU_READ, 0, false, NULL, NULL) != 0)
				break;
	}
out:
	kfree(v);
	kfree(spare);
	spin_unlock(&as->lock);
	return err;
}

/* ---- mprotect ---- */

/*
 * After mprotect gave a private range write access: a page whose frame another
 * address space also maps (copy-on-write since a fork) stays read-only, so the
 * first write faults and copies it (Linux: can_change_pte_writable() wants the
 * page exclusive). as->lock held.
 */
static void keep_cow_read_only(struct as *as, uintptr_t s, uintptr_t e, unsigned int mprot,
			       struct tlb_batch *b)
{
	vaddr_t c = vaddr(s);
	struct mapper_leaf l;

	while (c.raw && c.raw < e && mapper_walk_next(&as->pt, &c, vaddr(e), &l) == 0)
		if (frame_refs(l.pa) > 1)
			mapper_protect(&as->pt, l.va, l.size, mprot & ~MMU_WRITE, b);
}

int as_mprotect(struct as *as, uintptr_t start, size_t len, unsigned int prot)
{
	unsigned int grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	struct tlb_batch b;

	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if (start & (PAGE_SIZE - 1))
		return -EINVAL;
	if (len == 0)
		return 0;
	len = page_align(len);
	uintptr_t end = start + len;
	if (end <= start)
		return -ENOMEM;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM | grows))
		return -EINVAL;
	prot &= PROT_READ | PROT_WRITE | PROT_EXEC;

	spin_lock(&as->lock);
	batch_start(as, &b);
	int err = -ENOMEM;
	struct vma *v = vma_find_next(&as->vmas, start);
	if (!v || v->start >= end)
		goto out;
	/*
	 * do_mprotect_pkey(): with PROT_GROWSDOWN the first VMA ending above start
	 * must grow down, wherever below end it starts; otherwise start must be
	 * mapped, and with PROT_GROWSUP its VMA must grow up. None grows here (no
	 * MAP_GROWSDOWN support): -EINVAL once such a VMA is found.
	 */
	if (grows & PROT_GROWSDOWN) {
		err = -EINVAL;
		goto out;
	}
	if (v->start > start)
		goto out;
	if (grows) {
		err = -EINVAL;
		goto out;
	}
	uintptr_t pos = start;
	while (pos < end) {
		v = vma_find_next(&as->vmas, pos);
		if (!v || v->start > pos) {
			err = -ENOMEM;      /* a hole: what came before keeps its change */
			goto out;
		}
		uintptr_t s = pos, e = MIN(v->end, end);
		if (v->prot != prot) {
			err = isolate(as, &v, s, e);
			if (err)
				goto out;
			v->prot = prot;
			mapper_protect(&as->pt, vaddr(s), e - s, mmu_prot_of(prot), &b);
			if ((prot & PROT_WRITE) && !(v->flags & VMA_SHARED) && as->shared_frames)
				keep_cow_read_only(as, s, e, mmu_prot_of(prot), &b);
			merge_around(as, v);
		}
		pos = e;
	}
	err = 0;
out:
	tlb_batch_flush(&b);
	spin_unlock(&as->lock);
	return err;
}

/* ---- brk ---- */

uintptr_t as_brk(struct as *as, uintptr_t brk)
{
	struct tlb_batch b;

	spin_lock(&as->lock);
	uintptr_t ret = as->brk;
	if (brk < as->brk_start || brk > as->task_size)
		goto out;
	uintptr_t newbrk = page_align(brk), oldbrk = page_align(as->brk);
	if (newbrk == oldbrk) {
		as->brk = ret = brk;
		goto out;
	}
	if (brk <= as->brk) {
		/* Shrinking needs the heap still mapped there (Linux: else refused). */
		struct vma *v = vma_find_next(&as->vmas, newbrk);
		if (!v || v->start >= oldbrk)
			goto out;
		batch_start(as, &b);
		int err = do_munmap(as, newbrk, oldbrk, NULL, &b);
		tlb_batch_flush(&b);
		if (!err)
			as->brk = ret = brk;
		goto out;
	}
	/* Growing: refused if it would come within a page of the next mapping. */
	struct vma *next = vma_find_next(&as->vmas, oldbrk);
	if (next && newbrk + PAGE_SIZE > next->start)
		goto out;
	if (as->vmas.count > as->max_vmas)
		goto out;
	struct vma *v = vma_new();
	if (!v)
		goto out;
	v->start = oldbrk;
	v->end = newbrk;
	v->prot = PROT_READ | PROT_WRITE;
	vma_insert(&as->vmas, v);
	merge_around(as, v);
	as->brk = ret = brk;
out:
	spin_unlock(&as->lock);
	return ret;
}

/* ---- mremap ---- */

/* Linux's vma_to_resize(): the VMA holding [addr, addr + old_len), or an errno. */
static int vma_to_resize(struct as *as, uintptr_t addr, size_t old_len, struct vma **out)
{
	struct vma *v = vma_find(&as->vmas, addr);

	if (!v)
		return -EFAULT;
	if (old_len == 0)
		return -EINVAL;         /* duplicating a mapping is not supported */
	if (old_len > v->end - addr)
		return -EFAULT;
	*out = v;
	return 0;
}

/*
 * Move the pages of [old, old + len) to [new, new + len) (free of leaves). Returns
 * 0 or -ENOMEM with nothing moved.
 */
static int move_pages(struct as *as, uintptr_t old, uintptr_t new, size_t len,
		      struct tlb_batch *b)
{
	struct mapper_leaf l;
	vaddr_t c = vaddr(old);

	while (mapper_walk_next(&as->pt, &c, vaddr(old + len), &l) == 0) {
		int err = mapper_map(&as->pt, vaddr(new + (l.va.raw - old)), l.pa, l.size, l.prot,
				     l.cache, 0, b);
		if (err) {
			/* Undo: the new range held nothing before; frames stay with the old one. */
			if (l.va.raw > old)
				mapper_unmap(&as->pt, vaddr(new), l.va.raw - old, 0, b);
			return -ENOMEM;
		}
	}
	mapper_unmap(&as->pt, vaddr(old), len, 0, b);
	return 0;
}

/*
 * Linux's move_vma(): a VMA for [new, new + new_len) with @v's attributes, the
 * pages of [addr, addr + old_len) moved there, then the old range unmapped (kept,
 * empty, with MREMAP_DONTUNMAP).
 */
static int move_vma(struct as *as, struct vma *v, uintptr_t addr, size_t old_len, uintptr_t new,
		    size_t new_len, unsigned int flags, struct tlb_batch *b)
{
	struct vma *n = vma_new(), *spare = vma_new();

	/* Linux's move_vma(): stay 4 VMAs below the limit, as unmapping may split. */
	if (!n || !spare || as->vmas.count + 3 >= as->max_vmas) {
		kfree(n);
		kfree(spare);
		return -ENOMEM;
	}
	int err = move_pages(as, addr, new, old_len, b);
	if (err) {
		kfree(n);
		kfree(spare);
		return err;
	}
	*n = (struct vma){ .start = new, .end = new + new_len, .prot = v->prot, .flags = v->flags,
			   .obj = v->obj, .pgoff = v->pgoff + (addr - v->start) / PAGE_SIZE };
	if (!(flags & MREMAP_DONTUNMAP))
		do_munmap(as, addr, addr + old_len, &spare, b);   /* cannot fail: spare given */
	vma_insert(&as->vmas, n);
	merge_around(as, n);
	kfree(spare);
	return 0;
}

static int mremap_to(struct as *as, uintptr_t addr, size_t old_len, uintptr_t new_addr,
		     size_t new_len, unsigned int flags, struct tlb_batch *b, uintptr_t *out)
{
	struct vma *v;
	int err;

	if (new_addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (new_len > as->task_size || new_addr > as->task_size - new_len)
		return -EINVAL;
	if (addr + old_len > new_addr && new_addr + new_len > addr)
		return -EINVAL;         /* old and new overlap */
	/*
	 * Linux's mremap_to(): refuse before unmapping anything if the worst case
	 * (both ranges split in three) would leave move_vma() no room, so a failure
	 * never leaves the target already unmapped.
	 */
	if (as->vmas.count + 2 >= as->max_vmas - 3)
		return -ENOMEM;
	if (flags & MREMAP_FIXED) {
		err = do_munmap(as, new_addr, new_addr + new_len, NULL, b);
		if (err)
			return err;
	}
	if (old_len > new_len) {
		/* The tail goes as munmap(2) would take it, range checks included. */
		if (addr + new_len > as->task_size ||
		    old_len - new_len > as->task_size - (addr + new_len))
			return -EINVAL;
		err = do_munmap(as, addr + new_len, addr + old_len, NULL, b);
		if (err)
			return err;
		old_len = new_len;
	}
	err = vma_to_resize(as, addr, old_len, &v);
	if (err)
		return err;
	if ((flags & MREMAP_DONTUNMAP) && (v->flags & VMA_SHARED))
		return -EINVAL;
	if (flags & MREMAP_FIXED) {
		if (new_addr < as->min_addr)
			return -EPERM;
	} else {
		err = place(as, new_addr, new_len, &new_addr);
		if (err)
			return err;
	}
	err = move_vma(as, v, addr, old_len, new_addr, new_len, flags, b);
	if (!err)
		*out = new_addr;
	return err;
}

int as_mremap(struct as *as, uintptr_t addr, size_t old_len, size_t new_len, unsigned int flags,
	      uintptr_t new_addr, uintptr_t *out)
{
	struct tlb_batch b;
	struct vma *v;
	int err;

	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if ((flags & MREMAP_DONTUNMAP) && (!(flags & MREMAP_MAYMOVE) || old_len != new_len))
		return -EINVAL;
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	old_len = page_align(old_len);
	new_len = page_align(new_len);
	if (new_len == 0)
		return -EINVAL;

	spin_lock(&as->lock);
	batch_start(as, &b);
	/*
	 * Linux 6.1's vma_lookup() comes before anything else looks at the ranges:
	 * an unmapped @addr is -EFAULT even for a shrink, and before mremap_to()
	 * checks (or unmaps) the target.
	 */
	if (!vma_find(&as->vmas, addr)) {
		err = -EFAULT;
		goto out;
	}
	if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) {
		err = mremap_to(as, addr, old_len, new_addr, new_len, flags, &b, out);
		goto out;
	}
	if (old_len >= new_len) {
		/* Shrinking always succeeds at a mapped @addr (as on Linux, even over a hole). */
		err = 0;
		if (old_len != new_len) {
			if (addr + new_len > as->task_size || old_len - new_len > as->task_size -
			    (addr + new_len))
				err = -EINVAL;
			else
				err = do_munmap(as, addr + new_len, addr + old_len, NULL, &b);
		}
		if (!err)
			*out = addr;
		goto out;
	}
	err = vma_to_resize(as, addr, old_len, &v);
	if (err)
		goto out;
	if (old_len == v->end - addr) {
		/* Grow in place if the pages after it are free and inside the user range. */
		uintptr_t new_end = addr + new_len;
		struct vma *next = vma_find_next(&as->vmas, v->end);
		if (new_end > addr && new_end <= as->task_size && (!next || next->start >= new_end)) {
			vma_set_bounds(&as->vmas, v, v->start, new_end);
			merge_around(as, v);
			*out = addr;
			err = 0;
			goto out;
		}
	}
	err = -ENOMEM;
	if (flags & MREMAP_MAYMOVE) {
		uintptr_t to;
		err = place(as, 0, new_len, &to);
		if (!err)
			err = move_vma(as, v, addr, old_len, to, new_len, flags, &b);
		if (!err)
			*out = to;
	}
out:
	tlb_batch_flush(&b);
	spin_unlock(&as->lock);
	return err;
}

/* ---- mincore ---- */

int as_mincore_check(const struct as *as, uintptr_t addr, size_t len, size_t *pages)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	/* Linux: "if (!access_ok(start, len)) return -ENOMEM", which also bounds len. */
	if (len > as->task_size || addr > as->task_size - len)
		return -ENOMEM;
	*pages = len / PAGE_SIZE + (len % PAGE_SIZE != 0);
	return 0;
}

int as_mincore(struct as *as, uintptr_t addr, size_t pages, unsigned char *vec, size_t *filled)
{
	struct mapper_leaf l;

	*filled = 0;
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (pages == 0)
		return 0;
	if (addr >= as->task_size)
		return -ENOMEM;
	/* The chunk stays inside the user range (the caller checked the whole of it). */
	pages = MIN(pages, (as->task_size - addr) / PAGE_SIZE);
	uintptr_t limit = addr + pages * PAGE_SIZE, end = addr;

	spin_lock(&as->lock);
	struct vma *v = vma_find(&as->vmas, addr);
	if (!v) {
		spin_unlock(&as->lock);
		return -ENOMEM;
	}
	/* Linux's do_mincore() stops at each VMA's end; consecutive VMAs go on here. */
	while (v && v->start <= end) {
		end = MIN(v->end, limit);
		if (end == limit)
			break;
		v = vma_find_next(&as->vmas, end);
	}
	size_t n = (end - addr) / PAGE_SIZE;
	memset(vec, 0, n);
	/* Resident = has a leaf (mm/mincore.c: a present PTE, whatever its protection). */
	vaddr_t c = vaddr(addr);
	while (c.raw < end && mapper_walk_next(&as->pt, &c, vaddr(end), &l) == 0) {
		uintptr_t s = MAX(l.va.raw, addr), e = MIN(l.va.raw + l.size, end);
		memset(vec + (s - addr) / PAGE_SIZE, 1, (e - s) / PAGE_SIZE);
		if (c.raw == 0)
			break;          /* the walk passed the top of the space */
	}
	spin_unlock(&as->lock);
	*filled = n;
	return 0;
}

/* ---- madvise ---- */

/* Linux 6.1's madvise_behavior_valid() with the options of a distribution kernel
 * (CONFIG_KSM, CONFIG_TRANSPARENT_HUGEPAGE, CONFIG_MEMORY_FAILURE: Debian's). */
static bool advice_is_valid(int advice)
{
	switch (advice) {
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
	case MADV_DONTNEED: case MADV_FREE: case MADV_REMOVE: case MADV_DONTFORK:
	case MADV_DOFORK: case MADV_MERGEABLE: case MADV_UNMERGEABLE: case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE: case MADV_DONTDUMP: case MADV_DODUMP: case MADV_WIPEONFORK:
	case MADV_KEEPONFORK: case MADV_COLD: case MADV_PAGEOUT: case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE: case MADV_DONTNEED_LOCKED: case MADV_COLLAPSE:
	case MADV_HWPOISON: case MADV_SOFT_OFFLINE:
		return true;
	default:
		return false;
	}
}

/*
 * MADV_POPULATE_READ / _WRITE of [start, end) inside @v: Linux's
 * faultin_vma_page_range() checks the VMA's own flags (check_vma_flags(): a
 * read needs VM_READ, which PROT_WRITE or PROT_EXEC alone do not give, though
 * the MMU lets such pages be read) and reports a refusal as -EINVAL; a page that
 * cannot get a frame is -ENOMEM (the pages before it stay populated). Each page
 * may drop as->lock (fault_in_locked()), so @v is not used after the first; a
 * page whose VMA went meanwhile is -ENOMEM, one whose VMA no longer allows the
 * access -EINVAL, as madvise_populate() answers when its VMA changed.
 */
static int madvise_populate(struct as *as, const struct vma *v, uintptr_t start, uintptr_t end,
			    bool write)
{
	unsigned int need_prot = write ? PROT_WRITE : PROT_READ;

	if (!(v->prot & need_prot))
		return -EINVAL;
	for (uintptr_t p = start; p < end; p += PAGE_SIZE) {
		int err = fault_in_locked(as, p, write ? MMU_WRITE : MMU_READ, need_prot, write, NULL,
					  NULL);
		if (err)
			return err == -EACCES ? -EINVAL : -ENOMEM;
	}
	return 0;
}

/*
 * madvise_update_vma(): give [start, end) of @v the VMA flags @flags, splitting
 * and merging as needed. A split that cannot be made is -EAGAIN, as
 * madvise_vma_behavior() reports its -ENOMEM ("kernel resources temporarily
 * unavailable").
 */
static int madvise_flags(struct as *as, struct vma *v, uintptr_t start, uintptr_t end,
			 unsigned int flags)
{
	if (flags == v->flags)
		return 0;
	if (isolate(as, &v, start, end))
		return -EAGAIN;
	v->flags = flags;
	merge_around(as, v);
	return 0;
}

/*
 * Linux 6.1's madvise_vma_behavior() for [start, end), a piece of @v. Pages are
 * dropped into @b (freed after its flush). The fork hints (DONTFORK, DOFORK,
 * WIPEONFORK, KEEPONFORK) set or clear a VMA flag that as_fork() honours, splitting
 * the VMA as on Linux; the hints that only set a VM_* flag Linux keeps for core
 * dumps, KSM or THP have nothing to act on here and are not recorded (docs/vm.md),
 * so they never split a VMA.
 */
static int madvise_vma(struct as *as, struct vma *v, uintptr_t start, uintptr_t end, int advice,
		       struct tlb_batch *b)
{
	bool shared = v->flags & VMA_SHARED;

	switch (advice) {
	case MADV_FREE:
		/* madvise_free_single_vma(): anonymous VMAs only; shmem is not one. */
		if (shared)
			return -EINVAL;
		/*
		 * Linux frees lazily (the data stays until reclaim unless rewritten);
		 * freeing now is one of the outcomes it allows: the contents are
		 * undefined until written, a read sees zeros or the old data.
		 */
		mapper_unmap(&as->pt, vaddr(start), end - start, leaf_drop(as), b);
		return 0;
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED:
		/*
		 * Shared anonymous memory is a shmem object on Linux: the zap drops
		 * the PTEs, the object keeps the pages, and the next touch maps the
		 * same data again (mincore still reports them, from the page cache).
		 * Here the frames in the page table are the object's only copy, so
		 * they stay where they are: the same observable result.
		 */
		if (!shared)
			mapper_unmap(&as->pt, vaddr(start), end - start, leaf_drop(as), b);
		return 0;
	case MADV_REMOVE:
		/*
		 * madvise_remove(): needs a file (shmem) mapped shared that may be
		 * written: Linux 6.1 as the peer runs it tests VM_MAYWRITE
		 * (vma_is_shared_maywrite()), not VM_WRITE, and anonymous shared
		 * memory always may be, so the protection does not matter.
		 */
		if (!shared)
			return -EINVAL;
		/* A hole punched in the object: its pages go, the next touch is zero. */
		mapper_unmap(&as->pt, vaddr(start), end - start, leaf_drop(as), b);
		return 0;
	case MADV_DONTFORK:
		return madvise_flags(as, v, start, end, v->flags | VMA_DONTCOPY);
	case MADV_DOFORK:
		/* Linux refuses only VM_IO mappings, which anonymous memory never is. */
		return madvise_flags(as, v, start, end, v->flags & ~VMA_DONTCOPY);
	case MADV_WIPEONFORK:
		/* "only supported on anonymous memory": not on files, not VM_SHARED. */
		if (shared)
			return -EINVAL;
		return madvise_flags(as, v, start, end, v->flags | VMA_WIPEONFORK);
	case MADV_KEEPONFORK:
		return madvise_flags(as, v, start, end, v->flags & ~VMA_WIPEONFORK);
	case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE:
		/* It drops the lock: nothing may wait in @b for a flush meanwhile. */
		KASSERT(tlb_batch_is_empty(b), "madvise: a populate after a zap");
		return madvise_populate(as, v, start, end, advice == MADV_POPULATE_WRITE);
	case MADV_COLLAPSE:
		/*
		 * No transparent huge pages: Linux refuses a VMA that cannot hold an
		 * aligned 2 MiB page or was never touched with -EINVAL
		 * (hugepage_vma_check()), and reports a collapse that cannot be done
		 * as -EINVAL too (madvise_collapse_errno()): always that here.
		 */
		return -EINVAL;
	default:
		/*
		 * NORMAL, RANDOM, SEQUENTIAL (read-ahead), WILLNEED (swap-in: nothing
		 * is swapped), COLD, PAGEOUT (reclaim hints: no reclaim, and without
		 * swap Linux keeps anonymous pages too), DONTDUMP, DODUMP (no core dumps), MERGEABLE,
		 * UNMERGEABLE (no KSM), HUGEPAGE, NOHUGEPAGE (no THP): Linux's checks
		 * that could refuse them need VM_IO / VM_PFNMAP / VM_LOCKED VMAs,
		 * which anonymous memory here never is.
		 */
		return 0;
	}
}

int as_madvise(struct as *as, uintptr_t start, size_t len_in, int advice)
{
	struct tlb_batch b;

	/* do_madvise()'s checks, in its order. */
	if (!advice_is_valid(advice))
		return -EINVAL;
	if (start & (PAGE_SIZE - 1))
		return -EINVAL;
	size_t len = page_align(len_in);
	if (len_in && !len)
		return -EINVAL;         /* rounded up past the top to 0 */
	uintptr_t end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	/* madvise_inject_error(): CAP_SYS_ADMIN only; no process here holds it (docs/vm.md). */
	if (advice == MADV_HWPOISON || advice == MADV_SOFT_OFFLINE)
		return -EPERM;

	/* madvise_walk_vmas(): holes are skipped but make the result -ENOMEM. */
	int err, unmapped = 0;
	spin_lock(&as->lock);
	batch_start(as, &b);
	struct vma *v = vma_find_next(&as->vmas, start);
	for (;;) {
		if (!v) {
			err = -ENOMEM;          /* nothing from here to the end */
			break;
		}
		if (start < v->start) {
			unmapped = -ENOMEM;
			start = v->start;
			if (start >= end) {
				err = unmapped;
				break;
			}
		}
		uintptr_t e = MIN(v->end, end);
		err = madvise_vma(as, v, start, e, advice, &b);
		if (err)
			break;
		start = e;
		if (start >= end) {
			err = unmapped;
			break;
		}
		v = vma_find_next(&as->vmas, start);
	}
	tlb_batch_flush(&b);
	spin_unlock(&as->lock);
	return err;
}
