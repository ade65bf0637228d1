/* SPDX-License-Identifier: MIT */
/*
 * The frame database: one 32-byte record per 4 KiB frame of usable memory.
 *
 * Records live in one array per section; a section is a usable region of the boot
 * memory map, cut at zone boundaries so that each lies in one zone. Holes between
 * regions have no records. framedb_lookup() finds a record from a physical address
 * in O(1) through a direct index: one entry per 2^framedb_dir_shift bytes of the
 * physical address space (at least 2 MiB, at most FRAMEDB_DIR_SLOTS entries), set
 * when that granule lies wholly inside one section. Addresses in a granule that a
 * section boundary cuts, or beyond the index, take framedb_section(): a binary
 * search of the small sorted section table (at most FRAMEDB_MAX_SECTIONS entries,
 * so at most 9 probes). Both are independent of the amount of memory.
 *
 * A record describes either the first frame of a block (a "head": free, held in a
 * per-CPU cache, or allocated, with its order) or a frame inside one (a "tail"). The
 * buddy allocator keeps this true with O(1) record updates per split and merge, and
 * that is what makes every bad free detectable. Tails of an allocated block belong
 * to the block's owner (the slab allocator notes its slab's order there).
 *
 * The state byte is read and changed with atomics (frame_state(), frame_set_state()):
 * a free may race with a merge looking at the same record from another CPU. The
 * other fields of a head belong to whoever holds the block: the zone lock for free
 * blocks, the per-CPU cache for cached ones, the owner for allocated ones.
 */
#ifndef MM_FRAMEDB_H
#define MM_FRAMEDB_H

#include <kern/types.h>
#include <mm/frame.h>
#include <mm/memmap.h>
#include <mm/types.h>

enum frame_state {
	FRAME_RESERVED = 0,   /* never handed to the buddy (bootmem, partial frames) */
	FRAME_TAIL,           /* inside a block, not its first frame */
	FRAME_FREE,           /* head of a block on a zone free list */
	FRAME_CACHED,         /* head of a block in a per-CPU cache */
	FRAME_ALLOCATED,      /* head of an allocated block */
};

/* No frame: the null value of the 32-bit frame numbers used in slab lists. */
#define FRAME_PFN_NONE UINT32_MAX

struct slab_cache;

struct frame {
	uint8_t state;       /* enum frame_state; atomic, see above */
	uint8_t order;       /* heads: block order; slab tails: the slab's order */
	uint8_t zone;        /* enum frame_zone, fixed at init */
	uint8_t owner;       /* enum frame_owner of an allocated head (and slab tails) */
	uint32_t count;      /* reference count; slabs: objects in use */
	union {
		struct {                         /* owner FRAME_OWNER_SLAB, head */
			struct slab_cache *cache;
			void *freelist;          /* first free object, linked through them */
			uint32_t next, prev;     /* frame numbers (pa >> 12) on the cache's
			                            partial list, FRAME_PFN_NONE at the ends */
		} slab;
		uint64_t priv[3];                /* free for other owners */
	};
};

_Static_assert(sizeof(struct frame) == 32, "a frame record must stay at 32 bytes");

#define FRAMEDB_MAX_SECTIONS (MEMMAP_MAX + 1)

struct frame_section {
	uint64_t base, end;        /* physical, frame aligned, end exclusive */
	struct frame *frames;      /* (end - base) / PAGE_SIZE records */
	enum frame_zone zone;
};

/*
 * Build the database for the usable regions of @map (normalised) with record
 * arrays from bootmem (already initialised over the same map). Every record starts
 * FRAME_RESERVED, owned by FRAME_OWNER_BOOTMEM, in its section's zone: the buddy
 * allocator then takes over what bootmem has not handed out. Any earlier database
 * is forgotten.
 * Returns 0, -ENOMEM if bootmem cannot hold the arrays, -ENOSPC if there are more
 * sections than FRAMEDB_MAX_SECTIONS. Boot CPU only.
 */
int framedb_init(const struct memmap *map);

/* Entries of the direct index (8 bytes each), and the smallest granule's shift. */
#define FRAMEDB_DIR_SLOTS     4096
#define FRAMEDB_DIR_MIN_SHIFT 21

/*
 * The direct index: for granule i (physical [i << shift, (i + 1) << shift)), 0 if no
 * single section covers it, else the address of the record of frame 0 as if the
 * section's array started there (section frames - section base / PAGE_SIZE
 * records, kept as an integer), so that the record of pa is that plus
 * (pa >> PAGE_SHIFT) records. Read-only after framedb_init().
 */
extern uintptr_t framedb_dir[FRAMEDB_DIR_SLOTS];
extern unsigned int framedb_dir_shift;
extern uint64_t framedb_dir_len;

/* framedb_lookup() through the section table (the index had no entry). */
struct frame *framedb_lookup_slow(paddr_t pa);

/* The record of the frame holding @pa, or NULL outside every section. O(1). */
static inline struct frame *framedb_lookup(paddr_t pa)
{
	uint64_t i = pa.raw >> framedb_dir_shift;

	if (__builtin_expect(i < framedb_dir_len, 1)) {
		uintptr_t bias = framedb_dir[i];

		if (__builtin_expect(bias != 0, 1))
			return (struct frame *)(bias + (uintptr_t)(pa.raw >> PAGE_SHIFT) *
							  sizeof(struct frame));
	}
	return framedb_lookup_slow(pa);
}

/* The section holding @pa, or NULL. */
const struct frame_section *framedb_section(paddr_t pa);

/* Sections, sorted by address: how many, and the @i-th. */
size_t framedb_section_count(void);
const struct frame_section *framedb_section_at(size_t i);

/* Bytes of records in the database (the cost of the frame database). */
uint64_t framedb_bytes(void);

static inline enum frame_state frame_state(const struct frame *f)
{
	return (enum frame_state)__atomic_load_n(&f->state, __ATOMIC_ACQUIRE);
}

static inline void frame_set_state(struct frame *f, enum frame_state s)
{
	__atomic_store_n(&f->state, (uint8_t)s, __ATOMIC_RELEASE);
}

/* Change the state from @from to @to if it is @from; returns whether it was. */
static inline bool frame_cas_state(struct frame *f, enum frame_state from, enum frame_state to)
{
	uint8_t expect = (uint8_t)from;

	return __atomic_compare_exchange_n(&f->state, &expect, (uint8_t)to, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

#endif
