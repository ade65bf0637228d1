/* SPDX-License-Identifier: MIT */
/*
 * The slab allocator: caches of same-sized objects carved from buddy blocks, and
 * kmalloc()/kfree() on power-of-two size classes built from them. See
 * docs/mm-slab.md for the design.
 *
 * Objects: a cache hands out objects of a fixed size and alignment, optionally
 * built once by a constructor when their slab is created (and expected back in
 * that state). Each CPU keeps a small stack of free objects per cache, so the
 * common alloc/free touches no shared lock; batches move between it and the slabs.
 * The frame database records which cache owns each slab frame, so kfree() and
 * slab_free() need no size.
 *
 * kmalloc classes: 16 B, 32 B, ... KMALLOC_MAX_CACHE_SIZE (1 MiB); an object of a
 * class is aligned to the class size. Larger requests are buddy blocks (owner
 * FRAME_OWNER_KMALLOC), page aligned.
 *
 * Debugging (meson option slab_debug): freed objects are poisoned and checked on
 * reuse, each object has a red zone after it (checked on free: kmalloc() objects
 * from the requested size on), and double frees are detected. Without it, bad
 * frees that the frame database can see (not a slab or kmalloc block, not an
 * object boundary) are still reported; a double free is not.
 *
 * Per-CPU stacks have no lock: only their CPU touches them, with interrupts
 * masked; emptying other CPUs' stacks (slab_cache_shrink(), kmalloc_shrink()) is a
 * cross-CPU call each owner serves. Locks, in nesting order: the cache lock, then
 * the buddy allocator's zone locks, both taken with mm_lock_noserve() (see "Locks"
 * in mm/buddy.c). Callable from any CPU, interrupts on or off; never from a
 * constructor or while holding an allocator lock. A new slab comes from the buddy
 * allocator, which drains every CPU's caches by a cross-CPU call when it finds
 * nothing free: see buddy_alloc() in <mm/buddy.h> for what that asks of the caller.
 */
#ifndef MM_SLAB_H
#define MM_SLAB_H

#include <kern/cpu.h>
#include <kern/spinlock.h>
#include <kern/types.h>

#define KMALLOC_MIN_SHIFT      4
#define KMALLOC_MAX_CACHE_SHIFT 20
#define KMALLOC_MIN_SIZE       (1ul << KMALLOC_MIN_SHIFT)          /* 16 B */
#define KMALLOC_MAX_CACHE_SIZE (1ul << KMALLOC_MAX_CACHE_SHIFT)    /* 1 MiB */
#define KMALLOC_CLASSES        (KMALLOC_MAX_CACHE_SHIFT - KMALLOC_MIN_SHIFT + 1)

/* Free objects one CPU keeps per cache, at most. */
#define SLAB_MAG_MAX 64

/* kmalloc() / slab_alloc() flags. */
#define KM_ZERO    (1u << 0)   /* zero the object (ksize() bytes) */
#define KM_NOWARN  (1u << 1)   /* no console message on failure */

/*
 * A CPU's stack of free objects of one cache: touched by that CPU only, interrupts
 * masked; count is stored with relaxed atomics so that statistics may read it.
 */
struct slab_cpu {
	unsigned int count;
	void *objs[SLAB_MAG_MAX];
} __aligned(64);

/* A cache. Treat as opaque; static storage is fine (slab_cache_init()). */
struct slab_cache {
	/*
	 * First, so that this CPU's stack is the cache's address plus one multiple of
	 * the CPU index, the shortest address arithmetic on the fast paths.
	 */
	struct slab_cpu cpu[NCPUS];
	const char *name;
	size_t size;                 /* object size, as asked */
	size_t align;
	size_t stride;               /* distance between objects in a slab */
	unsigned int order;          /* buddy order of a slab */
	unsigned int objects;        /* objects per slab */
	unsigned int mag_high;       /* per-CPU stack limit */
	unsigned int mag_batch;      /* objects moved per refill or flush */
	size_t freeptr_off;          /* where a free object's link lives in its slot */
	unsigned int stride_shift;   /* log2(stride) if a power of two, else 0 */
	uint64_t fast_free_mask;     /* stride - 1 for kfree()'s fast path, or all ones */
	bool debug;
	bool created;                /* storage from slab_cache_create() */
	void (*ctor)(void *obj);
	spinlock_t lock;             /* the fields below (mm_lock_noserve(), interrupts masked) */
	uint32_t partial;            /* frame number of the first partial slab */
	uint32_t spare;              /* one empty slab kept against thrashing */
	uint64_t slabs;              /* slabs held, the spare included */
};

struct slab_stats {
	uint64_t slabs;              /* slabs held (the spare included) */
	uint64_t partial_slabs;
	uint64_t objects_in_use;     /* handed out: not in a slab's free list nor a CPU's stack */
	uint64_t objects_cached;     /* in per-CPU stacks */
	uint64_t objects_per_slab;
	unsigned int order;
};

/*
 * Set up the cache @c (caller's storage) for objects of @size bytes aligned to
 * @align (a power of two; 0 means 8), built by @ctor (may be NULL) when a slab is
 * made. Returns 0 or -EINVAL (@size 0 or above 2^FRAME_MAX_ORDER frames / 8).
 */
int slab_cache_init(struct slab_cache *c, const char *name, size_t size, size_t align,
		    void (*ctor)(void *));

/* As slab_cache_init(), with the cache's storage from kmalloc(); NULL on failure. */
struct slab_cache *slab_cache_create(const char *name, size_t size, size_t align,
				     void (*ctor)(void *));

/*
 * Release @c's memory to the buddy allocator and, for a slab_cache_create() cache,
 * the cache itself. Returns 0, or -EBUSY (nothing changed but the per-CPU stacks
 * emptied) if objects are still in use.
 */
int slab_cache_destroy(struct slab_cache *c);

/* An object from @c (zeroed with KM_ZERO, else constructed or undefined), or NULL. */
void *slab_alloc(struct slab_cache *c, unsigned int flags);

/* Give @obj back to @c. A bad free is reported and ignored. */
void slab_free(struct slab_cache *c, void *obj);

/*
 * Empty every online CPU's stack of @c (a cross-CPU call with wait, served by each
 * owner; the caller's own stack directly) and free its spare slab. The calling rules
 * of <kern/smp.h> apply (thread context, no allocator lock held).
 */
void slab_cache_shrink(struct slab_cache *c);

/*
 * Give the calling CPU's stack of @c (of every kmalloc class) back to the slabs:
 * what the cross-CPU requests run on their target, and what a CPU going offline
 * calls (with buddy_drain_local()) before it leaves cpu_online_set. Never from
 * inside an allocator call.
 */
void slab_cache_drain_local(struct slab_cache *c);
void kmalloc_drain_local(void);

/*
 * slab_cache_shrink() of every kmalloc class with one cross-CPU call: every online
 * CPU empties all of its kmalloc stacks, then the classes' spare slabs are freed.
 */
void kmalloc_shrink(void);

void slab_get_stats(struct slab_cache *c, struct slab_stats *out);

/*
 * Debug checks for caches set up from now on (kmalloc_init() included): on by
 * default when built with slab_debug. For tests, or early boot (a boot option).
 */
void slab_debug_set(bool on);

/* Bad frees reported since kmalloc_init(). */
uint64_t slab_bad_frees(void);

/*
 * Set up the kmalloc classes; after buddy_init(), before any kmalloc(). Forgets
 * any earlier state (for tests). Returns 0.
 */
int kmalloc_init(void);

/* @size bytes (see above for alignment), or NULL. kmalloc(0) returns a 16-byte object. */
void *kmalloc(size_t size, unsigned int flags);

static inline void *kzalloc(size_t size, unsigned int flags)
{
	return kmalloc(size, flags | KM_ZERO);
}

/*
 * Resize @p to @size bytes, keeping the contents up to the smaller size. NULL @p:
 * kmalloc(); @size 0: kfree() and NULL. On failure NULL, and @p is untouched.
 */
void *krealloc(void *p, size_t size, unsigned int flags);

/* Free what kmalloc() returned; kfree(NULL) does nothing; bad frees are reported. */
void kfree(const void *p);

/* Bytes usable at @p (at least the size asked for); 0 for NULL or a bad pointer. */
size_t ksize(const void *p);

/* The kmalloc class cache serving @size (for tests and statistics), or NULL if none. */
struct slab_cache *kmalloc_cache(size_t size);

#endif
