// SPDX-License-Identifier: MIT
/*
 * The slab allocator and kmalloc (see <mm/slab.h>, docs/mm-slab.md).
 *
 * A slab is one buddy block, aligned to its size, holding c->objects slots of
 * c->stride bytes. Its metadata lives in the frame database record of its first
 * frame (struct frame .slab: cache, free list, partial-list links; .count = objects
 * in use); its other frames are marked as slab tails carrying the slab's order, so
 * any object address leads to the slab in O(1). Free objects inside a slab are
 * linked through a word at c->freeptr_off in their slot.
 *
 * A slab is full (on no list), partial (on c->partial) or empty; one empty slab
 * stays as c->spare, further ones go back to the buddy allocator.
 *
 * Per-CPU stacks (struct slab_cpu) hold free objects that are not in any slab's
 * free list; they are filled and emptied c->mag_batch objects at a time under the
 * cache lock. A stack has no lock: only its CPU touches it, with interrupts masked
 * from reading the CPU index until the stack is consistent again (a "per-CPU
 * section"). Another CPU that wants stacks emptied (slab_cache_shrink(),
 * kmalloc_shrink(), the accounting check) asks their owners through a cross-CPU call
 * whose function empties the target's own stack; statistics read other CPUs'
 * counts with relaxed loads (the owner stores them with relaxed atomics).
 *
 * Locks: the cache lock (c->lock: partial list, spare, slab count and the slabs'
 * records and free lists), then the buddy allocator's zone locks. Both are taken
 * with interrupts masked and with mm_lock_noserve(), whose wait serves no cross-CPU
 * request, for the reason given at the top of mm/buddy.c: a CPU waiting for the
 * cache lock inside a per-CPU section (a refill or a flush) must not run a
 * "empty your stack" request on the stack it is in the middle of changing. It cannot
 * deadlock because a holder of the cache lock never waits for another CPU: it moves
 * objects and slabs, frees slabs to the buddy (whose free path makes no call), and
 * never allocates: a new slab is allocated and built with the cache lock dropped and
 * interrupts as the caller had them (cache_grow()), since the buddy allocator may
 * then drain every CPU's caches through a cross-CPU call. A shrink request takes the
 * cache lock and frees slabs, which is safe for the same reason (its holder makes
 * progress, and no CPU serves a request while holding it).
 *
 * Debug slot layout (c->debug): [object][red zone 8 B][magic 4 B][asked size 4 B]
 * [free link 8 B], padded to the alignment; without debug, the free link is the
 * slot's first word, or follows the object when there is a constructor.
 */
#include <kern/errno.h>
#include <kern/panic.h>
#include <kern/printk.h>
#include <kern/smp.h>
#include <kern/string.h>
#include <mm/buddy.h>
#include <mm/frame.h>
#include <mm/framedb.h>
#include <mm/slab.h>

#ifndef SLAB_DEBUG
#define SLAB_DEBUG CONFIG_SLAB_DEBUG
#endif

#define POISON_FREE   0x6b
#define REDZONE_BYTE  0xbb
#define REDZONE_SIZE  8
#define MAGIC_ALLOC   0xa110c8edu
#define MAGIC_FREE    0xf4eef4eeu

struct debug_meta {
	uint32_t magic;
	uint32_t asked;     /* bytes the caller asked for (red zone starts there) */
};

static struct slab_cache kmalloc_caches[KMALLOC_CLASSES];
static uint64_t bad_frees;
static bool debug_default = SLAB_DEBUG;

void slab_debug_set(bool on)
{
	debug_default = on;
}

static const char *const kmalloc_names[KMALLOC_CLASSES] = {
	"kmalloc-16", "kmalloc-32", "kmalloc-64", "kmalloc-128", "kmalloc-256",
	"kmalloc-512", "kmalloc-1k", "kmalloc-2k", "kmalloc-4k", "kmalloc-8k",
	"kmalloc-16k", "kmalloc-32k", "kmalloc-64k", "kmalloc-128k", "kmalloc-256k",
	"kmalloc-512k", "kmalloc-1m",
};
_Static_assert(KMALLOC_CLASSES == 17, "one name per class");

static void bad_free(const void *p, const char *cache, const char *why)
{
	__atomic_fetch_add(&bad_frees, 1, __ATOMIC_RELAXED);
	pr_err("slab: bad free of %p (%s): %s\n", p, cache ? cache : "kfree", why);
}

uint64_t slab_bad_frees(void)
{
	return __atomic_load_n(&bad_frees, __ATOMIC_RELAXED);
}

/* ---- slot layout ---- */

static inline size_t object_bytes(const struct slab_cache *c)
{
	return ALIGN_UP(c->size, (size_t)8);
}

static inline struct debug_meta *meta_of(const struct slab_cache *c, void *obj)
{
	return (struct debug_meta *)((char *)obj + object_bytes(c) + REDZONE_SIZE);
}

static inline void **freeptr_of(const struct slab_cache *c, void *obj)
{
	return (void **)((char *)obj + c->freeptr_off);
}

static inline uint64_t slab_bytes(const struct slab_cache *c)
{
	return PAGE_SIZE << c->order;
}

int slab_cache_init(struct slab_cache *c, const char *name, size_t size, size_t align,
		    void (*ctor)(void *))
{
	if (align == 0)
		align = 8;
	if (size == 0 || (align & (align - 1)) != 0 ||
	    size > ((PAGE_SIZE << FRAME_MAX_ORDER) / 8) || align > (PAGE_SIZE << FRAME_MAX_ORDER))
		return -EINVAL;

	memset(c, 0, sizeof(*c));
	c->name = name;
	c->size = size;
	c->align = MAX(align, (size_t)8);
	c->ctor = ctor;
	c->debug = debug_default;
	c->partial = FRAME_PFN_NONE;
	c->spare = FRAME_PFN_NONE;

	size_t raw;
	if (c->debug) {
		c->freeptr_off = object_bytes(c) + REDZONE_SIZE + sizeof(struct debug_meta);
		raw = c->freeptr_off + sizeof(void *);
	} else if (ctor) {
		/* The constructed state must survive while free: link outside the object. */
		c->freeptr_off = object_bytes(c);
		raw = c->freeptr_off + sizeof(void *);
	} else {
		c->freeptr_off = 0;
		raw = MAX(size, sizeof(void *));
	}
	c->stride = ALIGN_UP(raw, c->align);
	c->stride_shift = (c->stride & (c->stride - 1)) == 0 ? (unsigned int)__builtin_ctzl(c->stride) : 0;
	/* kfree()'s fast path: a slot start of a power-of-two stride, no debug checks. */
	c->fast_free_mask = c->stride_shift && !c->debug ? c->stride - 1 : UINT64_MAX;

	/* At least 4 objects per slab (at most 1/4 wasted), and at least the alignment. */
	c->order = 0;
	while (c->order < FRAME_MAX_ORDER &&
	       (slab_bytes(c) < 4 * c->stride || slab_bytes(c) < c->align))
		c->order++;
	c->objects = (unsigned int)(slab_bytes(c) / c->stride);
	if (c->objects == 0)
		return -EINVAL;

	/* Keep about 256 KiB per CPU at most, between 1 and SLAB_MAG_MAX objects. */
	size_t high = (256 * 1024) / c->stride;
	c->mag_high = (unsigned int)MAX(MIN(high, (size_t)SLAB_MAG_MAX), (size_t)1);
	c->mag_batch = MAX(c->mag_high / 2, 1u);
	return 0;
}

/* ---- slabs (cache lock held) ---- */

static inline struct frame *pfn_frame(uint32_t pfn)
{
	return framedb_lookup(paddr((uint64_t)pfn << PAGE_SHIFT));
}

static void partial_add(struct slab_cache *c, struct frame *f, uint32_t pfn)
{
	f->slab.prev = FRAME_PFN_NONE;
	f->slab.next = c->partial;
	if (c->partial != FRAME_PFN_NONE)
		pfn_frame(c->partial)->slab.prev = pfn;
	c->partial = pfn;
}

static void partial_remove(struct slab_cache *c, struct frame *f, uint32_t pfn)
{
	if (f->slab.prev != FRAME_PFN_NONE)
		pfn_frame(f->slab.prev)->slab.next = f->slab.next;
	else
		c->partial = f->slab.next;
	if (f->slab.next != FRAME_PFN_NONE)
		pfn_frame(f->slab.next)->slab.prev = f->slab.prev;
	(void)pfn;
}

static void debug_init_free(struct slab_cache *c, void *obj)
{
	if (!c->ctor)
		memset(obj, POISON_FREE, object_bytes(c));
	memset((char *)obj + object_bytes(c), REDZONE_BYTE, REDZONE_SIZE);
	meta_of(c, obj)->magic = MAGIC_FREE;
	meta_of(c, obj)->asked = (uint32_t)c->size;
}

/*
 * A new slab, all objects free, on no list yet: its frame number, or FRAME_PFN_NONE
 * if the buddy allocator has no block. Called with no lock held and outside any
 * per-CPU section (frame_alloc() may make a cross-CPU call, the constructor runs
 * here); slab_install() then gives it to the cache.
 */
static uint32_t slab_new(struct slab_cache *c)
{
	paddr_t pa;

	if (frame_alloc(c->order, FRAME_NOWARN, &pa) != 0)
		return FRAME_PFN_NONE;
	KASSERT((pa.raw >> PAGE_SHIFT) < FRAME_PFN_NONE, "slab above the 16 TiB frame numbers");
	uint32_t pfn = (uint32_t)(pa.raw >> PAGE_SHIFT);
	struct frame *f = framedb_lookup(pa);
	char *base = phys_to_virt(pa);

	f->owner = FRAME_OWNER_SLAB;
	f->count = 0;
	f->slab.cache = c;
	f->slab.freelist = NULL;
	for (uint64_t i = 1; i < (1ull << c->order); i++) {
		f[i].owner = FRAME_OWNER_SLAB;
		f[i].order = (uint8_t)c->order;
	}
	for (unsigned int i = c->objects; i-- > 0;) {
		void *obj = base + (size_t)i * c->stride;

		if (c->ctor)
			c->ctor(obj);
		if (c->debug)
			debug_init_free(c, obj);
		*freeptr_of(c, obj) = f->slab.freelist;
		f->slab.freelist = obj;
	}
	return pfn;
}

/* Give the empty slab @pfn back to the buddy allocator. */
static void slab_release(struct slab_cache *c, uint32_t pfn)
{
	struct frame *f = pfn_frame(pfn);

	for (uint64_t i = 1; i < (1ull << c->order); i++) {
		f[i].owner = FRAME_OWNER_NONE;
		f[i].order = 0;
	}
	f->slab.cache = NULL;
	f->owner = FRAME_OWNER_KERNEL;
	c->slabs--;
	frame_free(paddr((uint64_t)pfn << PAGE_SHIFT), c->order);
}

/*
 * Give the cache the empty slab @pfn from slab_new() (cache lock held): it becomes
 * the spare, which slab_take() uses when no slab is partial. If another CPU installed
 * one meanwhile, this one goes straight back: a slab on the partial list always has
 * an object in use, and there is only one spare.
 */
static void slab_install(struct slab_cache *c, uint32_t pfn)
{
	c->slabs++;
	if (c->spare == FRAME_PFN_NONE)
		c->spare = pfn;
	else
		slab_release(c, pfn);
}

/* The record of the slab holding @obj (any address inside it), and its frame number. */
static inline struct frame *slab_of(const void *obj, uint32_t *pfn)
{
	paddr_t pa = virt_to_phys(obj);
	struct frame *f = framedb_lookup(pa);

	if (!f)
		return NULL;
	if (frame_state(f) == FRAME_TAIL) {
		if (f->owner != FRAME_OWNER_SLAB)
			return NULL;
		pa = paddr(ALIGN_DOWN(pa.raw, PAGE_SIZE << f->order));
		f = framedb_lookup(pa);
	} else {
		pa = paddr(ALIGN_DOWN(pa.raw, PAGE_SIZE));
	}
	if (frame_state(f) != FRAME_ALLOCATED || f->owner != FRAME_OWNER_SLAB)
		return NULL;
	*pfn = (uint32_t)(pa.raw >> PAGE_SHIFT);
	return f;
}

/* Put @obj back in its slab (cache lock held). */
static void slab_put(struct slab_cache *c, void *obj)
{
	uint32_t pfn;
	struct frame *f = slab_of(obj, &pfn);

	KASSERT(f && f->slab.cache == c, "slab: object %p is not in cache %s", obj, c->name);
	if (f->count == c->objects)
		partial_add(c, f, pfn);      /* was full */
	*freeptr_of(c, obj) = f->slab.freelist;
	f->slab.freelist = obj;
	if (--f->count == 0) {
		partial_remove(c, f, pfn);
		if (c->spare == FRAME_PFN_NONE) {
			c->spare = pfn;
		} else {
			slab_release(c, pfn);
		}
	}
}

/* Take one object out of a slab (cache lock held); NULL if no slab has one free. */
static void *slab_take(struct slab_cache *c)
{
	uint32_t pfn = c->partial;

	if (pfn == FRAME_PFN_NONE) {
		if (c->spare == FRAME_PFN_NONE)
			return NULL;
		pfn = c->spare;
		c->spare = FRAME_PFN_NONE;
		partial_add(c, pfn_frame(pfn), pfn);
	}
	struct frame *f = pfn_frame(pfn);
	void *obj = f->slab.freelist;

	f->slab.freelist = *freeptr_of(c, obj);
	if (++f->count == c->objects)
		partial_remove(c, f, pfn);   /* now full */
	return obj;
}

/* ---- per-CPU stacks (their CPU only, interrupts masked) ---- */

static inline void mag_set_count(struct slab_cpu *sc, unsigned int n)
{
	__atomic_store_n(&sc->count, n, __ATOMIC_RELAXED);
}

/* Fill @sc from the slabs up to c->mag_batch objects (as many as there are). */
static void mag_refill(struct slab_cache *c, struct slab_cpu *sc)
{
	unsigned int n = sc->count;

	mm_lock_noserve(&c->lock);
	while (n < c->mag_batch) {
		void *obj = slab_take(c);
		if (!obj)
			break;
		sc->objs[n++] = obj;
	}
	spin_unlock(&c->lock);
	mag_set_count(sc, n);
}

/* Move the @n oldest objects of @sc back to their slabs. */
static void mag_flush(struct slab_cache *c, struct slab_cpu *sc, unsigned int n)
{
	n = MIN(n, sc->count);
	if (n == 0)
		return;
	mm_lock_noserve(&c->lock);
	for (unsigned int i = 0; i < n; i++)
		slab_put(c, sc->objs[i]);
	spin_unlock(&c->lock);
	memmove(&sc->objs[0], &sc->objs[n], (sc->count - n) * sizeof(sc->objs[0]));
	mag_set_count(sc, sc->count - n);
}

/*
 * No slab of @c has a free object: make one and install it (see slab_new()). Returns
 * false if there is no memory.
 */
static bool cache_grow(struct slab_cache *c)
{
	uint32_t pfn = slab_new(c);

	if (pfn == FRAME_PFN_NONE)
		return false;
	unsigned long irq = cpu_irq_save();
	mm_lock_noserve(&c->lock);
	slab_install(c, pfn);
	spin_unlock(&c->lock);
	cpu_irq_restore(irq);
	return true;
}

/* ---- debug checks ---- */

static bool bytes_are(const void *p, int byte, size_t n, size_t *at)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i] != (unsigned char)byte) {
			*at = i;
			return false;
		}
	}
	return true;
}

/* An object leaves the allocator: check it was not written while free. */
static void debug_on_alloc(struct slab_cache *c, void *obj, size_t asked)
{
	struct debug_meta *m = meta_of(c, obj);
	size_t at;

	KASSERT(m->magic == MAGIC_FREE, "slab %s: free object %p has a bad tag %#x",
		c->name, obj, m->magic);
	if (!c->ctor && !bytes_are(obj, POISON_FREE, object_bytes(c), &at))
		panic("slab %s: object %p written after free (byte %zu is %#x)", c->name, obj,
		      at, ((unsigned char *)obj)[at]);
	m->magic = MAGIC_ALLOC;
	m->asked = (uint32_t)asked;
	/* The red zone runs from the asked size to the end of the object's red zone. */
	memset((char *)obj + asked, REDZONE_BYTE, object_bytes(c) + REDZONE_SIZE - asked);
}

/* An object comes back: returns false (after reporting) for a double or bad free. */
static bool debug_on_free(struct slab_cache *c, void *obj)
{
	struct debug_meta *m = meta_of(c, obj);
	size_t at;

	if (m->magic == MAGIC_FREE) {
		bad_free(obj, c->name, "double free");
		return false;
	}
	if (m->magic != MAGIC_ALLOC || m->asked > c->size) {
		bad_free(obj, c->name, "object header overwritten");
		return false;
	}
	if (!bytes_are((char *)obj + m->asked, REDZONE_BYTE,
		       object_bytes(c) + REDZONE_SIZE - m->asked, &at))
		panic("slab %s: red zone of %p (%u bytes asked) overwritten at byte %zu",
		      c->name, obj, m->asked, m->asked + at);
	m->magic = MAGIC_FREE;
	if (!c->ctor)
		memset(obj, POISON_FREE, object_bytes(c));
	return true;
}

/* ---- allocation and freeing ---- */

/* cache_alloc() when the stack is empty, or debug or flags are set. */
static __attribute__((noinline)) void *cache_alloc_slow(struct slab_cache *c, unsigned int flags,
							size_t asked)
{
	void *obj;

	for (;;) {
		unsigned long irq = cpu_irq_save();
		struct slab_cpu *sc = &c->cpu[cpu_current()];

		if (unlikely(sc->count == 0))
			mag_refill(c, sc);
		unsigned int n = sc->count;
		if (likely(n != 0)) {
			obj = sc->objs[n - 1];
			mag_set_count(sc, n - 1);
			cpu_irq_restore(irq);
			break;
		}
		cpu_irq_restore(irq);
		/* Out of the per-CPU section and the cache lock: the slab may take a call. */
		if (unlikely(!cache_grow(c))) {
			if (!(flags & KM_NOWARN))
				pr_warn("slab %s: out of memory\n", c->name);
			return NULL;
		}
	}
	if (unlikely(c->debug))
		debug_on_alloc(c, obj, asked);
	if (flags & KM_ZERO)
		memset(obj, 0, c->debug ? asked : c->size);
	return obj;
}

/*
 * An object from this CPU's stack: no lock, no call. Anything else (an empty stack,
 * debugging, KM_ZERO) goes to cache_alloc_slow().
 */
static __attribute__((always_inline)) inline void *cache_alloc(struct slab_cache *c,
							       unsigned int flags, size_t asked)
{
	if (likely(!(flags & KM_ZERO) && !c->debug)) {
		unsigned long irq = cpu_irq_save();
		struct slab_cpu *sc = &c->cpu[cpu_current()];
		unsigned int n = sc->count;

		if (likely(n != 0)) {
			void *obj = sc->objs[n - 1];
			mag_set_count(sc, n - 1);
			cpu_irq_restore(irq);
			return obj;
		}
		cpu_irq_restore(irq);
	}
	return cache_alloc_slow(c, flags, asked);
}

void *slab_alloc(struct slab_cache *c, unsigned int flags)
{
	return cache_alloc(c, flags, c->size);
}

/* Is @obj the start of a slot of @c's slab @f (frame number @pfn)? */
static inline bool on_slot(const struct slab_cache *c, const void *obj, uint32_t pfn)
{
	uint64_t off = virt_to_phys(obj).raw - ((uint64_t)pfn << PAGE_SHIFT);

	if (c->stride_shift)
		return (off & (c->stride - 1)) == 0;
	return !c->debug || off % c->stride == 0;
}

static __attribute__((noinline)) void cache_free_slow(struct slab_cache *c, void *obj)
{
	if (unlikely(c->debug) && !debug_on_free(c, obj))
		return;

	unsigned long irq = cpu_irq_save();
	struct slab_cpu *sc = &c->cpu[cpu_current()];

	if (unlikely(sc->count >= c->mag_high))
		mag_flush(c, sc, c->mag_batch);
	sc->objs[sc->count] = obj;
	mag_set_count(sc, sc->count + 1);
	cpu_irq_restore(irq);
}

/* Push @obj (of a cache without debugging) on this CPU's stack; a full one goes the slow way. */
static __attribute__((always_inline)) inline void cache_push(struct slab_cache *c, void *obj)
{
	unsigned long irq = cpu_irq_save();
	struct slab_cpu *sc = &c->cpu[cpu_current()];
	unsigned int n = sc->count;

	if (likely(n < c->mag_high)) {
		sc->objs[n] = obj;
		mag_set_count(sc, n + 1);
		cpu_irq_restore(irq);
		return;
	}
	cpu_irq_restore(irq);
	cache_free_slow(c, obj);
}

/* Give @obj back through this CPU's stack (whichever CPU allocated it). */
static __attribute__((always_inline)) inline void cache_free(struct slab_cache *c, void *obj)
{
	if (likely(!c->debug))
		cache_push(c, obj);
	else
		cache_free_slow(c, obj);
}

void slab_free(struct slab_cache *c, void *obj)
{
	uint32_t pfn;
	struct frame *f = slab_of(obj, &pfn);

	if (!f || f->slab.cache != c) {
		bad_free(obj, c->name, "not an object of this cache");
		return;
	}
	if (!on_slot(c, obj, pfn)) {
		bad_free(obj, c->name, "not the start of an object");
		return;
	}
	cache_free(c, obj);
}

void slab_cache_drain_local(struct slab_cache *c)
{
	unsigned long irq = cpu_irq_save();

	mag_flush(c, &c->cpu[cpu_current()], SLAB_MAG_MAX);
	cpu_irq_restore(irq);
}

/* The cross-CPU request of slab_cache_shrink(): runs on the stack's own CPU. */
static void drain_request(void *arg)
{
	slab_cache_drain_local(arg);
}

/* Free @c's spare slab, if any. */
static void release_spare(struct slab_cache *c)
{
	unsigned long irq = cpu_irq_save();

	mm_lock_noserve(&c->lock);
	if (c->spare != FRAME_PFN_NONE) {
		slab_release(c, c->spare);
		c->spare = FRAME_PFN_NONE;
	}
	spin_unlock(&c->lock);
	cpu_irq_restore(irq);
}

void slab_cache_shrink(struct slab_cache *c)
{
	smp_call_mask(&cpu_online_set, drain_request, c, true);
	release_spare(c);
}

void slab_get_stats(struct slab_cache *c, struct slab_stats *out)
{
	memset(out, 0, sizeof(*out));
	/* Other CPUs' stacks, read without asking them: a snapshot (see mm/buddy.c). */
	for (unsigned int cpu = 0; cpu < NCPUS; cpu++)
		out->objects_cached += __atomic_load_n(&c->cpu[cpu].count, __ATOMIC_RELAXED);
	unsigned long irq = cpu_irq_save();
	mm_lock_noserve(&c->lock);
	out->slabs = c->slabs;
	for (uint32_t pfn = c->partial; pfn != FRAME_PFN_NONE; pfn = pfn_frame(pfn)->slab.next) {
		out->partial_slabs++;
		out->objects_in_use += pfn_frame(pfn)->count;
	}
	/* Full slabs are on no list: every object of theirs is out. */
	uint64_t full = c->slabs - out->partial_slabs - (c->spare != FRAME_PFN_NONE);
	out->objects_in_use += full * c->objects;
	spin_unlock(&c->lock);
	cpu_irq_restore(irq);
	out->objects_in_use -= out->objects_cached;
	out->objects_per_slab = c->objects;
	out->order = c->order;
}

struct slab_cache *slab_cache_create(const char *name, size_t size, size_t align,
				     void (*ctor)(void *))
{
	struct slab_cache *c = kmalloc(sizeof(*c), 0);

	if (!c)
		return NULL;
	if (slab_cache_init(c, name, size, align, ctor) != 0) {
		kfree(c);
		return NULL;
	}
	c->created = true;
	return c;
}

int slab_cache_destroy(struct slab_cache *c)
{
	struct slab_stats st;

	slab_cache_shrink(c);
	slab_get_stats(c, &st);
	if (st.objects_in_use != 0 || st.slabs != 0)
		return -EBUSY;
	if (c->created)
		kfree(c);
	return 0;
}

/* ---- kmalloc ---- */

static inline unsigned int kmalloc_index(size_t size)
{
	if (size <= KMALLOC_MIN_SIZE)
		return 0;
	return (unsigned int)(64 - __builtin_clzl(size - 1)) - KMALLOC_MIN_SHIFT;
}

int kmalloc_init(void)
{
	bad_frees = 0;
	for (unsigned int i = 0; i < KMALLOC_CLASSES; i++) {
		size_t size = KMALLOC_MIN_SIZE << i;
		int err = slab_cache_init(&kmalloc_caches[i], kmalloc_names[i], size, size, NULL);
		KASSERT(err == 0, "kmalloc class %zu: %d", size, err);
	}
	return 0;
}

void kmalloc_drain_local(void)
{
	for (unsigned int i = 0; i < KMALLOC_CLASSES; i++)
		slab_cache_drain_local(&kmalloc_caches[i]);
}

static void kmalloc_drain_request(void *arg)
{
	(void)arg;
	kmalloc_drain_local();
}

void kmalloc_shrink(void)
{
	/* One call for every class: each CPU empties all of its kmalloc stacks. */
	smp_call_mask(&cpu_online_set, kmalloc_drain_request, NULL, true);
	for (unsigned int i = 0; i < KMALLOC_CLASSES; i++)
		release_spare(&kmalloc_caches[i]);
}

struct slab_cache *kmalloc_cache(size_t size)
{
	if (size > KMALLOC_MAX_CACHE_SIZE)
		return NULL;
	return &kmalloc_caches[kmalloc_index(size)];
}

static unsigned int large_order(size_t size)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < size)
		order++;
	return order;
}

/* kmalloc() of 0 bytes or of more than KMALLOC_MAX_CACHE_SIZE. */
static __attribute__((noinline)) void *kmalloc_large(size_t size, unsigned int flags)
{
	if (size == 0)
		return cache_alloc(&kmalloc_caches[0], flags, 0);
	if (size > (PAGE_SIZE << FRAME_MAX_ORDER))
		return NULL;
	unsigned int order = large_order(size);
	paddr_t pa;
	if (frame_alloc(order, (flags & KM_ZERO ? FRAME_ZERO : 0) |
			(flags & KM_NOWARN ? FRAME_NOWARN : 0), &pa) != 0)
		return NULL;
	frame_set_owner(pa, FRAME_OWNER_KMALLOC);
	return phys_to_virt(pa);
}

void *kmalloc(size_t size, unsigned int flags)
{
	/*
	 * One unsigned comparison keeps sizes 1..KMALLOC_MAX_CACHE_SIZE: 0 wraps round to
	 * the out-of-line path. The class is then the bit length of size - 1, at least
	 * that of 15 (16 B).
	 */
	size_t m = size - 1;
	if (likely(m < KMALLOC_MAX_CACHE_SIZE)) {
		unsigned int i = (unsigned int)(64 - __builtin_clzl(m | (KMALLOC_MIN_SIZE - 1))) -
				 KMALLOC_MIN_SHIFT;
		return cache_alloc(&kmalloc_caches[i], flags, size);
	}
	return kmalloc_large(size, flags);
}

/* The usable size of @p without side effects; 0 (and *c NULL) if not ours. */
static size_t usable_size(const void *p, struct slab_cache **cp, unsigned int *order)
{
	paddr_t pa = virt_to_phys(p);
	struct frame *f = framedb_lookup(pa);
	uint32_t pfn;

	*cp = NULL;
	if (!f)
		return 0;
	if (f->owner == FRAME_OWNER_KMALLOC && frame_state(f) == FRAME_ALLOCATED &&
	    IS_ALIGNED(pa.raw, PAGE_SIZE)) {
		*order = f->order;
		return PAGE_SIZE << f->order;
	}
	f = slab_of(p, &pfn);
	if (!f || !on_slot(f->slab.cache, p, pfn))
		return 0;
	*cp = f->slab.cache;
	return (*cp)->size;
}

/* kfree() of anything but an object in the first frame of a non-debug slab. */
/* kfree() of anything but an object in the first frame of a non-debug slab. */
static __attribute__((noinline)) void kfree_slow(const void *p)
{
	struct slab_cache *c;
	unsigned int order = 0;

	if (!p)
		return;
	size_t n = usable_size(p, &c, &order);
	if (n == 0) {
		bad_free(p, NULL, "not a kmalloc() object");
		return;
	}
	if (c)
		cache_free(c, (void *)p);
	else
		frame_free(virt_to_phys(p), order);
}

void kfree(const void *p)
{
	/*
	 * Fast path: an object in the first frame of its slab, found through the frame
	 * database's direct index. NULL (whose "physical address" is far beyond the
	 * index: the direct map never starts at 0), an index miss and everything else
	 * take kfree_slow(), by a tail call.
	 */
	paddr_t pa = virt_to_phys(p);
	struct frame *f;
	if (likely(buddy_record_fast(pa, &f) && f->owner == FRAME_OWNER_SLAB &&
		   frame_state(f) == FRAME_ALLOCATED)) {
		struct slab_cache *c = f->slab.cache;
		/* fast_free_mask is all ones for a debug cache: only plain ones get here. */
		if (likely((pa.raw & c->fast_free_mask) == 0)) {
			cache_push(c, (void *)p);
			return;
		}
	}
	kfree_slow(p);
}

size_t ksize(const void *p)
{
	struct slab_cache *c;
	unsigned int order;

	if (!p)
		return 0;
	size_t n = usable_size(p, &c, &order);
	/*
	 * The caller may use all of it now: move the red zone out of the way. The
	 * bytes it covered become the caller's, zeroed: KM_ZERO promises all of
	 * ksize() (without it they are undefined, so zero is fine too).
	 */
	if (c && c->debug && meta_of(c, (void *)p)->magic == MAGIC_ALLOC) {
		struct debug_meta *m = meta_of(c, (void *)p);
		if (m->asked < c->size)
			memset((char *)p + m->asked, 0, c->size - m->asked);
		m->asked = (uint32_t)c->size;
		memset((char *)p + object_bytes(c), REDZONE_BYTE, REDZONE_SIZE);
	}
	return n;
}

void *krealloc(void *p, size_t size, unsigned int flags)
{
	struct slab_cache *c;
	unsigned int order;

	if (!p)
		return kmalloc(size, flags);
	if (size == 0) {
		kfree(p);
		return NULL;
	}
	size_t have = usable_size(p, &c, &order);
	if (have == 0) {
		bad_free(p, NULL, "krealloc() of something kmalloc() did not return");
		return NULL;
	}
	size_t keep = have;
	if (c && c->debug)
		keep = meta_of(c, p)->asked;
	/* Same class (or same large block): stay in place. */
	if (size <= have && (c ? kmalloc_cache(size) == c : large_order(size) == order)) {
		if (c && c->debug) {
			meta_of(c, p)->asked = (uint32_t)size;
			memset((char *)p + size, REDZONE_BYTE, object_bytes(c) + REDZONE_SIZE - size);
		}
		return p;
	}
	void *q = kmalloc(size, flags & ~KM_ZERO);
	if (!q)
		return NULL;
	memcpy(q, p, MIN(keep, size));
	if ((flags & KM_ZERO) && size > keep)
		memset((char *)q + keep, 0, size - keep);
	kfree(p);
	return q;
}
