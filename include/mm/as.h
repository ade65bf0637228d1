/* SPDX-License-Identifier: MIT */
/*
 * Address spaces: a user page table plus its VMAs, with the memory-mapping calls
 * of Linux (mmap, munmap, mprotect, mremap, brk, mincore, madvise) and page-fault
 * resolution (mm/as.c). Arguments and results follow the Linux system calls, errno values
 * included, so the system-call layer passes them through; see docs/vm.md for the
 * exact rules and the few deliberate differences.
 *
 * Memory is anonymous (private or shared) and demand paged: mmap only creates the
 * VMA; as_fault() maps a zeroed frame on first touch (MAP_POPULATE does it up
 * front). User pages are 4 KiB leaves; PROT_NONE pages keep their frame in an
 * inaccessible leaf. Adjacent VMAs with the same protection and kind always merge
 * (shared ones only if they are consecutive pieces of the same object), so the VMA
 * list is a function of the pages' attributes.
 *
 * VMA structs come from kmalloc() (<mm/slab.h>); frames and page tables from
 * frame_alloc(). Every edit flushes through a tlb_batch on the CPUs in as->cpus
 * and frees frames only after that flush.
 *
 * Locking. as->lock, a spinlock every call here takes inside (the caller must not
 * hold it), protects the VMA tree, the page table (entries and tables), brk and
 * next_obj of one space; faults, mmap, munmap and every other call of one space
 * exclude each other with it. as->cpus is atomic (as_activate(), the flushes).
 *
 *   - Taken with spin_lock(): the interrupt state is left alone (system calls and
 *     user faults run with interrupts on: the trap handlers enable them before
 *     user_fault()); never taken in interrupt context. A holder has preemption
 *     disabled and never sleeps.
 *   - A holder may wait for other CPUs: each edit runs tlb_batch_flush() before it
 *     drops the lock, shootdown acknowledgements included, so once the lock is
 *     free no CPU can reach an unmapped frame and the frame is back in the
 *     allocator. That cannot deadlock (<mm/tlb.h>'s flush protocol): a CPU
 *     spinning on as->lock answers shootdowns from its spin, a target takes no
 *     lock.
 *   - Order: as->lock, then the frame allocator's and slab's own locks (tables and
 *     VMA structs are allocated, and frames freed, under it). No call holds the
 *     lock of two spaces.
 *   - Faults do not allocate under it: as_fault() looks the VMA and the leaf up
 *     under the lock; if the page needs a frame it drops the lock, allocates and
 *     zeroes the frame with no lock held, retakes the lock and looks both up
 *     again (nothing seen before the drop is trusted, so no generation count is
 *     needed). It maps the frame only if the page is still in a VMA that allows
 *     the access and still has no frame, with that VMA's protection as it is
 *     then; else the frame goes back unused and the result is what a fault
 *     arriving then gets: 0 (another fault or a populate mapped the page: the
 *     access is retried), -EFAULT (munmap, or mremap moved it), -EACCES (mprotect
 *     took the access away). So an edit that completes while a fault allocates
 *     is ordered before that fault: after munmap no leaf is left outside a VMA,
 *     no leaf is ever more permissive than its VMA, and pages that
 *     madvise(MADV_DONTNEED) dropped come back zeroed as on any later touch.
 *     The page-table pages an install may need are still allocated under the
 *     lock by the mapper: at most levels - 1 for one fault, and the last-level
 *     table only once per 2 MiB of faults. MAP_POPULATE, MADV_POPULATE_* and
 *     as_copy_to() fault pages in the same way (a copy's bytes go through the
 *     direct map under the lock, so no frame is freed under it).
 *   - Otherwise one lock: there is no reader-writer split (Linux: mmap_lock, read
 *     for faults, and per-VMA locks since 6.4). A fault's locked parts are a tree
 *     lookup and a page-table walk, short next to the allocation and zeroing they
 *     no longer cover.
 */
#ifndef MM_AS_H
#define MM_AS_H

#include <kern/cpuset.h>
#include <kern/fault.h>
#include <kern/spinlock.h>
#include <kern/types.h>
#include <mm/mapper.h>
#include <mm/vma.h>

struct as {
	spinlock_t lock;             /* see "Locking" above */
	struct pagetable pt;
	struct vma_tree vmas;
	struct cpuset cpus;          /* CPUs where this space is or may be live */
	uintptr_t min_addr;          /* lowest mappable address (mmap_min_addr) */
	uintptr_t mmap_base;         /* top-down placement starts below this */
	uintptr_t task_size;         /* one past the highest user address */
	uintptr_t brk_start, brk;    /* the heap: [brk_start, PAGE_ALIGN(brk)) */
	size_t max_vmas;             /* vm.max_map_count */
	uint64_t next_obj;           /* ids of shared objects */
	/*
	 * Some frame of this space may be mapped by another one too (as_fork() sets it
	 * on both sides; never cleared). Until then every frame has one reference, so
	 * leaves are freed outright and no write looks for a copy-on-write page.
	 */
	bool shared_frames;
};

/* Placement parameters; as_create() fills defaults from the paging mode's layout. */
struct as_params {
	uintptr_t min_addr, mmap_base, task_size, brk_start;
	size_t max_vmas;
};

#define AS_DEFAULT_MAX_VMAS 65530    /* Linux's DEFAULT_MAX_MAP_COUNT */

/* Defaults for mode @levels: [64 KiB, user end), mmap below user end - 1 GiB, brk at 1 GiB. */
void as_default_params(unsigned int levels, struct as_params *out);

/*
 * Create an empty address space sharing @kernel's kernel half, with @params (NULL:
 * defaults). Returns 0, -EINVAL for inconsistent params, -ENOMEM.
 */
int as_create(struct as *as, const struct pagetable *kernel, const struct as_params *params);

/* Tear @as down: every VMA, frame and table goes back. @as must be live nowhere. */
void as_destroy(struct as *as);

/*
 * Make @dst, not yet created, a copy of @src for a child process (fork), sharing
 * @kernel's kernel half: the same VMAs, brk and placement. Private pages are shared
 * copy-on-write: read-only in both tables, one frame reference per mapping
 * (<mm/frame.h>), so the first write on either side copies the page or, when the
 * other mapping is gone, takes it over (as_fault()). MAP_SHARED pages are shared as
 * they are, and every page of a shared VMA is given a frame first, so both keep
 * seeing one memory. PROT_NONE pages keep their frames. Page tables are copied,
 * never shared. @src's CPUs are flushed before it returns. Holds @src's lock
 * throughout (other threads of @src wait), never @dst's (nobody else has it).
 * Returns 0, or -ENOMEM with @dst destroyed and @src unchanged but for leaves made
 * read-only, which its next write takes back.
 */
int as_fork(struct as *dst, struct as *src, const struct pagetable *kernel);

/* Make @as the calling CPU's address space (and record the CPU in as->cpus). */
void as_activate(struct as *as);

/* The calling CPU switched away from @as and flushed its non-global entries. */
void as_deactivate(struct as *as);

/* mmap(2) for anonymous memory: *@out is the mapping's address on success. */
int as_mmap(struct as *as, uintptr_t addr, size_t len, unsigned int prot, unsigned int flags,
	    int fd, uint64_t off, uintptr_t *out);

/* munmap(2). */
int as_munmap(struct as *as, uintptr_t addr, size_t len);

/* mprotect(2) (as on Linux, areas before a hole keep the new protection on -ENOMEM). */
int as_mprotect(struct as *as, uintptr_t addr, size_t len, unsigned int prot);

/* mremap(2): *@out is the (possibly moved) mapping's address on success. */
int as_mremap(struct as *as, uintptr_t old, size_t old_len, size_t new_len, unsigned int flags,
	      uintptr_t new_addr, uintptr_t *out);

/* brk(2): the new break, or the unchanged one if @addr is refused (never an errno). */
uintptr_t as_brk(struct as *as, uintptr_t addr);

/*
 * mincore(2), in two calls so that nothing here touches user memory: the system
 * call checks the range, then fills the user's vector from a kernel buffer chunk
 * by chunk, which is the order of Linux 6.1's sys_mincore() (so its errno for
 * each mix of bad arguments):
 *
 *	size_t pages, n;
 *	int err = as_mincore_check(as, addr, len, &pages);
 *	if (err)
 *		return err;                         // -EINVAL, -ENOMEM
 *	if (the user range [uvec, uvec + pages) is not below the user top)
 *		return -EFAULT;                     // access_ok(vec, pages)
 *	while (pages) {
 *		err = as_mincore(as, addr, MIN(pages, sizeof(buf)), buf, &n);
 *		if (err)
 *			return err;                 // -ENOMEM: a page outside every VMA
 *		if (copy_to_user(uvec, buf, n))
 *			return -EFAULT;
 *		uvec += n, addr += n * PAGE_SIZE, pages -= n;
 *	}
 *	return 0;
 *
 * As on Linux, the bytes of the pages before a hole reach the user's vector
 * before the call fails with -ENOMEM.
 *
 * as_mincore_check(): -EINVAL if @addr is not page aligned, -ENOMEM if
 * [@addr, @addr + @len) wraps or ends above the user range; else 0 and *@pages,
 * @len in pages rounded up (0 for @len 0: mincore of nothing succeeds anywhere
 * below the top). Takes no lock.
 *
 * as_mincore(): for each page from @addr (page aligned) on, at most @pages of
 * them, through consecutive VMAs, @vec[i] = 1 if the page has a frame (it was
 * faulted in; PROT_NONE pages keep theirs and count), else 0. Stops before the
 * first page no VMA covers; *@filled is the number of bytes written (at least 1
 * on success; 0 only for @pages 0). Returns 0, -ENOMEM if no VMA covers @addr
 * (nothing written), -EINVAL if @addr is not page aligned. Takes as->lock.
 */
int as_mincore_check(const struct as *as, uintptr_t addr, size_t len, size_t *pages);
int as_mincore(struct as *as, uintptr_t addr, size_t pages, unsigned char *vec, size_t *filled);

/*
 * madvise(2) with MADV_* @advice (<mm/mman.h>): Linux 6.1's results for anonymous
 * memory, errno values included; the rule for each advice is the table in
 * docs/vm.md. In short: the arguments are checked as do_madvise() checks them
 * (undefined advice, unaligned @addr, a length that rounds up past the top or
 * wraps: -EINVAL; length 0: 0); then each VMA piece of the range gets the advice
 * in address order, a hole is skipped and turns the result into -ENOMEM at the
 * end, and an advice that fails on a VMA stops the walk with its errno (the
 * pieces before keep what was done to them). MADV_DONTNEED / MADV_FREE of private
 * memory free the frames after the TLB flush (the next touch maps a zeroed
 * frame); shared memory keeps its data under MADV_DONTNEED (Linux: the object
 * holds it) and loses it only to MADV_REMOVE. Takes as->lock; MADV_POPULATE_*
 * drops it around each frame it allocates, as as_fault() does.
 */
int as_madvise(struct as *as, uintptr_t addr, size_t len, int advice);

/*
 * Resolve the page fault @fi (built by the arch's trap handler, <kern/fault.h>) in
 * @as: fi->addr and fi->access decide; fi->cause is not trusted, since the page
 * table, not a possibly stale TLB, says what is mapped. Returns 0 when the access
 * can be retried (a zeroed frame was mapped, or the translation was already there
 * and only this CPU's TLB was stale), -EFAULT if no VMA covers the address
 * (SEGV_MAPERR), -EACCES if the VMA forbids the access (SEGV_ACCERR), -ENOMEM if
 * no frame or table was available. The arch's trap handler turns an error into a
 * signal for the process. The frame is allocated and zeroed with as->lock
 * dropped; the result is that of the space as it is when the lock is retaken
 * (see "Locking" above).
 */
int as_fault(struct as *as, const struct fault_info *fi);

/* Copy-on-write faults since boot: the copies made and the pages taken over. */
struct as_cow_stats {
	uint64_t faults, copies, takeovers;
};
void as_cow_stats(struct as_cow_stats *out);

/*
 * Kernel access to a space's user pages, for the loader filling an image and a
 * stack before the program runs (kernel/elf.c), and later for system calls.
 * Neither needs @as to be active: the bytes go through the direct map, reached
 * with mapper_translate(), never through the user mapping.
 *
 * as_copy_to(): write @len bytes of @src at @uaddr. Every page of the range must
 * lie in a VMA (else -EFAULT: nothing is written from the first page outside
 * one on). A page not yet faulted in gets a zeroed frame first, as a write
 * fault would, but whatever the VMA's protection: the kernel may fill a
 * read-only or PROT_NONE page (the leaf keeps the VMA's protection, so the
 * program still cannot write it). Returns 0, -EFAULT, or -ENOMEM when a frame
 * or table was missing; on an error the pages before the failing one were
 * written and stay mapped (they belong to their VMAs: munmap or as_destroy()
 * frees them). Takes as->lock, and drops it around each frame it allocates (as
 * as_fault() does), so another thread may change the pages meanwhile.
 *
 * as_zero(): the same with zeros; a page not faulted in already reads as zero
 * and is left alone, so it never allocates (returns 0 or -EFAULT).
 *
 * as_copy_from(): read @len bytes at @uaddr into @dst (a page not faulted in
 * reads as zero and stays unmapped). Returns 0 or -EFAULT, as as_copy_to().
 */
int as_copy_to(struct as *as, uintptr_t uaddr, const void *src, size_t len);
int as_zero(struct as *as, uintptr_t uaddr, size_t len);
int as_copy_from(struct as *as, void *dst, uintptr_t uaddr, size_t len);

/* Statistics and test hooks. */
size_t as_vma_count(const struct as *as);

#endif
