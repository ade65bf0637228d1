/* SPDX-License-Identifier: MIT */
/*
 * The buddy allocator: physical frames in naturally aligned blocks of 2^order frames,
 * order 0 (4 KiB) to FRAME_MAX_ORDER (1 GiB), per zone, with per-CPU caches for the
 * orders below BUDDY_PCP_ORDERS. The generic frame API of <mm/frame.h> is built on
 * it; most code should use that. See docs/mm-buddy.md for the design.
 *
 * Per-CPU caches have no lock: only their own CPU touches them, with interrupts
 * masked. Another CPU that wants a cache emptied (low memory, the accounting check,
 * a CPU going offline) asks its owner through a cross-CPU call (<kern/smp.h>). The
 * zone locks are taken with interrupts masked by mm_lock_noserve(), whose wait does
 * not serve cross-CPU requests: see "Locks" in mm/buddy.c for why, and why that
 * cannot deadlock.
 */
#ifndef MM_BUDDY_H
#define MM_BUDDY_H

#include <kern/spinlock.h>
#include <kern/types.h>
#include <mm/frame.h>
#include <mm/framedb.h>
#include <mm/memmap.h>

/* Orders served from the per-CPU caches: 0 .. BUDDY_PCP_ORDERS - 1. */
#define BUDDY_PCP_ORDERS 4
/* Capacity of one per-CPU list; a list holds at most buddy_pcp_high(order) blocks. */
#define BUDDY_PCP_MAX    64

/* Blocks a per-CPU list of @order may hold before it drains, and the batch it moves. */
static inline unsigned int buddy_pcp_high(unsigned int order)
{
	return BUDDY_PCP_MAX >> order;
}

static inline unsigned int buddy_pcp_batch(unsigned int order)
{
	return buddy_pcp_high(order) / 4;
}

struct buddy_zone_stats {
	uint64_t managed_frames;              /* frames handed to the zone at init */
	uint64_t free_frames;                 /* frames on the zone's free lists */
	uint64_t cached_frames;               /* frames held in per-CPU caches */
	uint64_t free_blocks[FRAME_ORDERS];   /* blocks on the free list of each order */
	uint64_t allocs[FRAME_ORDERS];        /* successful allocations of each order */
	uint64_t frees[FRAME_ORDERS];         /* good frees of each order */
	uint64_t failures[FRAME_ORDERS];      /* allocations of each order that found nothing */
};

/*
 * Build the frame database for @map (normalised; bootmem_init() must have run on it)
 * and hand every range bootmem still has free to the zones; bootmem is closed
 * afterwards and what it handed out stays reserved (FRAME_OWNER_BOOTMEM). Any
 * earlier buddy state is forgotten. Returns 0 or a framedb_init() error. Boot CPU
 * only, before any other CPU allocates.
 */
int buddy_init(const struct memmap *map);

/*
 * Allocate a block of 2^@order frames from the zones @flags allow (see frame_alloc()),
 * wholly below physical address @limit (paddr(UINT64_MAX): no limit). Returns 0 and the
 * address in *@out, -ENOMEM or -EINVAL. The block's owner is FRAME_OWNER_KERNEL.
 * When no zone has a block, every CPU's caches are drained (buddy_drain_all(), a
 * cross-CPU call) and the search runs once more: so an allocation that may find
 * memory exhausted is made where <kern/smp.h> allows a call (thread context, not an
 * interrupt handler or a request's function) and without an allocator lock held.
 */
int buddy_alloc(unsigned int order, unsigned int flags, paddr_t limit, paddr_t *out);

/*
 * Free the block at @pa of 2^@order frames. Returns 0, or -EINVAL for a bad free
 * (outside managed memory, misaligned, inside a block, already free, wrong order),
 * which is reported on the console and changes nothing.
 */
int buddy_free(paddr_t pa, unsigned int order);

/*
 * As buddy_free(), bypassing the per-CPU cache: the block is merged into the zone
 * lists at once (for callers that want that, and for benchmarks).
 */
int buddy_free_direct(paddr_t pa, unsigned int order);

/* frame_alloc_count() / frame_free_count(), returning the error of a bad free. */
int buddy_alloc_count(size_t count, unsigned int flags, paddr_t limit, paddr_t *out);
int buddy_free_count(paddr_t pa, size_t count);

/*
 * Return every block in the calling CPU's caches to the zone free lists (masks
 * interrupts itself). What a cross-CPU drain request runs on its target, and what a
 * CPU going offline calls before it leaves cpu_online_set (calls skip offline CPUs,
 * so an offline CPU's caches must be empty). Never from inside an allocator call.
 */
void buddy_drain_local(void);

/*
 * Have CPU @cpu (every online CPU) return its caches to the zone free lists, and wait
 * until it has: a cross-CPU call (smp_call_cpu()/smp_call_mask() with wait) whose
 * function is buddy_drain_local(); the caller's own CPU drains directly. So the
 * calling rules of <kern/smp.h> apply: thread context, not from a request's function
 * or an interrupt handler, and not while holding an allocator lock. An offline CPU is
 * skipped (nothing to drain, see above).
 */
void buddy_drain_cpu(unsigned int cpu);
void buddy_drain_all(void);

/*
 * The allocators' locks (the zone locks; the slab cache locks of mm/slab.c): a
 * spinlock_t taken with a wait that does not serve cross-CPU requests, unlike
 * spin_lock(), whose cpu_relax() does in the kernel. Interrupts must be masked
 * already. A holder never waits for another CPU (no cross-CPU call, no spin_lock(),
 * no allocation that could fall back to the drain), which is what makes the
 * non-serving wait safe; see "Locks" in mm/buddy.c.
 */
void mm_lock_wait(spinlock_t *l);   /* the wait, out of line */

/*
 * framedb_lookup() without its fallback: the record of @pa (in *@fp) through the
 * direct index, or false where the index has no entry (a granule a section boundary cuts, beyond the
 * index, outside managed memory). For the allocators' fast paths, whose slow paths
 * look again with framedb_lookup(): with no call in it, a fast path needs no call
 * frame and saves no registers.
 */
static inline bool buddy_record_fast(paddr_t pa, struct frame **fp)
{
	uint64_t i = pa.raw >> framedb_dir_shift;

	if (__builtin_expect(i >= framedb_dir_len, 0))
		return false;
	uintptr_t bias = framedb_dir[i];
	if (__builtin_expect(bias == 0, 0))
		return false;
	*fp = (struct frame *)(bias + (uintptr_t)(pa.raw >> PAGE_SHIFT) * sizeof(struct frame));
	return true;
}

static inline void mm_lock_noserve(spinlock_t *l)
{
	if (__builtin_expect(!spin_trylock(l), 0))
		mm_lock_wait(l);
}

/* A snapshot of @zone's statistics (per-CPU counters summed). */
void buddy_get_stats(enum frame_zone zone, struct buddy_zone_stats *out);

/* Bad frees detected since buddy_init(). */
uint64_t buddy_bad_frees(void);

/*
 * Check every free list against the frame database: each block free, of its list's
 * order, aligned, inside one section of its zone, not mergeable with its buddy;
 * counts matching. Returns 0, or -EINVAL after reporting the first problem. Slow:
 * for tests and debugging.
 */
int buddy_check(void);

/* Print each zone's free blocks per order and its counters (kernel console). */
void buddy_print_stats(void);

#endif
