/* SPDX-License-Identifier: MIT */
/*
 * The buddy allocator: physical frames in naturally aligned blocks of 2^order frames,
 * order 0 (4 KiB) to FRAME_MAX_ORDER (1 GiB), per zone, with per-CPU caches for the
 * orders below BUDDY_PCP_ORDERS. The generic frame API of <mm/frame.h> is built on
 * it; most code should use that. See docs/mm-buddy.md for the design.
 *
 * Locks, in the order they nest: a CPU's cache lock (struct buddy_pcp), then a zone
 * lock. Both are taken with interrupts masked. A CPU's cache lock is only contended
 * when another CPU drains that cache (buddy_drain_all(), low memory, statistics).
 */
#ifndef MM_BUDDY_H
#define MM_BUDDY_H

#include <kern/types.h>
#include <mm/frame.h>
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

/* Return every block in CPU @cpu's caches (or every CPU's) to the zone free lists. */
void buddy_drain_cpu(unsigned int cpu);
void buddy_drain_all(void);

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
