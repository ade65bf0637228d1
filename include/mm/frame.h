/* SPDX-License-Identifier: MIT */
/*
 * The generic frame API: physical page frames for the rest of mm/ (page tables,
 * slab, anonymous memory). Implemented over the buddy allocator (mm/buddy.c).
 *
 * A block of order k is 2^k contiguous frames of PAGE_SIZE bytes whose physical
 * address is aligned to its own size (PAGE_SIZE << k). Orders run from 0 (4 KiB)
 * to FRAME_MAX_ORDER (18: 1 GiB).
 *
 * Zones: ZONE_DMA holds the frames below 4 GiB (reachable by 32-bit DMA engines),
 * ZONE_NORMAL the rest. Without a zone flag an allocation prefers ZONE_NORMAL and
 * falls back to ZONE_DMA; FRAME_DMA restricts it to ZONE_DMA; frame_alloc_below()
 * takes any physical upper limit (e.g. 16 MiB for ISA DMA).
 *
 * Locking: callable from any CPU with interrupts on or off, never from a context
 * that holds a zone lock. Order-0..BUDDY_PCP_ORDERS-1 requests are served from a
 * per-CPU cache and touch no shared lock in the common case.
 *
 * Bad frees (a frame that is already free, a wrong order, the middle of a block,
 * an address outside managed memory) are detected, reported on the console and
 * ignored: the free lists are never corrupted by them.
 */
#ifndef MM_FRAME_H
#define MM_FRAME_H

#include <kern/types.h>
#include <mm/types.h>

#define FRAME_MAX_ORDER  18                     /* 2^18 frames = 1 GiB */
#define FRAME_ORDERS     (FRAME_MAX_ORDER + 1)

/* Zones, lowest first. */
enum frame_zone {
	ZONE_DMA = 0,      /* [0, 4 GiB) */
	ZONE_NORMAL,       /* [4 GiB, top of memory) */
	ZONE_COUNT
};
#define ZONE_DMA_LIMIT   0x100000000ull        /* first physical address above ZONE_DMA */

/* frame_alloc() flags; each bit has one meaning. */
#define FRAME_ZERO     (1u << 0)   /* fill the block with zeroes */
#define FRAME_DMA      (1u << 1)   /* only from ZONE_DMA */
#define FRAME_NORMAL   (1u << 2)   /* only from ZONE_NORMAL (no fallback) */
#define FRAME_NOPCP    (1u << 3)   /* bypass the per-CPU cache (always the zone lists) */
#define FRAME_NOWARN   (1u << 4)   /* no console message when the allocation fails */

/* Who owns an allocated block (recorded in the frame database, see <mm/framedb.h>). */
enum frame_owner {
	FRAME_OWNER_NONE = 0,      /* free, or allocated with no owner recorded */
	FRAME_OWNER_KERNEL,        /* frame_alloc() default */
	FRAME_OWNER_BOOTMEM,       /* handed out by bootmem before the buddy came up */
	FRAME_OWNER_SLAB,          /* a slab of a slab cache */
	FRAME_OWNER_KMALLOC,       /* a kmalloc() request too large for a slab class */
	FRAME_OWNER_PAGE_TABLE,    /* a page-table page */
	FRAME_OWNER_USER,          /* mapped into a user address space */
	FRAME_OWNER_COUNT
};

/*
 * Allocate a block of 2^@order frames. Returns 0 and the block's physical address
 * in *@out, -ENOMEM if no block is free in the zones @flags allow, or -EINVAL for
 * an order above FRAME_MAX_ORDER or contradictory zone flags. The block is zeroed
 * with FRAME_ZERO, otherwise its contents are undefined.
 */
int frame_alloc(unsigned int order, unsigned int flags, paddr_t *out);

/*
 * As frame_alloc(), but the whole block lies below physical address @limit.
 * Slower (a search of the free lists) when @limit is not a zone boundary.
 */
int frame_alloc_below(unsigned int order, unsigned int flags, paddr_t limit, paddr_t *out);

/*
 * Free a block that frame_alloc() returned with the same @order. A bad free is
 * reported and ignored (see above).
 */
void frame_free(paddr_t pa, unsigned int order);

/*
 * Allocate @count contiguous frames (any count, not only a power of two), aligned to
 * the largest power of two not above @count. The unused tail of the underlying
 * block goes straight back to the free lists. Returns 0, -ENOMEM or -EINVAL
 * (@count 0 or above 2^FRAME_MAX_ORDER). Free with frame_free_count(), same @count.
 */
int frame_alloc_count(size_t count, unsigned int flags, paddr_t *out);
void frame_free_count(paddr_t pa, size_t count);

/*
 * Record @owner for the allocated block starting at @pa (its first frame).
 * Returns 0, or -EINVAL if @pa is not the start of an allocated block.
 */
int frame_set_owner(paddr_t pa, enum frame_owner owner);

/* The owner recorded for the frame at @pa (FRAME_OWNER_NONE if free or unmanaged). */
enum frame_owner frame_get_owner(paddr_t pa);

/*
 * References to an allocated block, for user pages that several address spaces map
 * (copy-on-write after fork, MAP_SHARED): frame_alloc() hands a block out with one.
 * frame_ref() adds one; frame_put() drops one and frees the block (of @order) with
 * the last, returning true then; frame_refs() reads the count (1: the caller's
 * reference is the only one, so a copy-on-write fault may take the page over). The
 * count is atomic: address spaces take and drop references under their own locks,
 * never another's. Blocks of the slab allocator keep their object count there and
 * are never given to these.
 */
void frame_ref(paddr_t pa);
bool frame_put(paddr_t pa, unsigned int order);
unsigned int frame_refs(paddr_t pa);

/* Is @pa inside memory the frame allocator manages? */
bool frame_is_managed(paddr_t pa);

#endif
