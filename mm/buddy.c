// SPDX-License-Identifier: MIT
/*
 * The buddy allocator (see <mm/buddy.h>, docs/mm-buddy.md) and the frame API of
 * <mm/frame.h> on top of it.
 *
 * Free blocks sit on per-zone, per-order doubly linked lists whose links are kept
 * inside the free blocks themselves (reached through the direct map); the frame
 * database says, for the first frame of every block, whether it is free and its
 * order, so finding and checking a buddy is O(1) and nothing is allocated on the
 * side. Blocks never cross a section (hence never a zone or a hole).
 *
 * Per-CPU caches: for each CPU, zone and order below BUDDY_PCP_ORDERS, a small
 * stack of blocks (state FRAME_CACHED). Order-0..3 allocations and frees use it
 * without a lock, touching a zone lock only to refill or drain a batch. Only the
 * owner CPU touches its stacks, always with interrupts masked from reading its CPU
 * index until the stack is consistent again (a "per-CPU section"). Whatever another
 * CPU needs done to them (a drain when memory runs out, the accounting check that
 * settles every cache, a CPU going offline) the owner does: buddy_drain_local(), run
 * there through a cross-CPU call (buddy_drain_cpu(), buddy_drain_all()). Statistics
 * read other CPUs' counts and counters with relaxed loads, a snapshot; the owner
 * writes them with relaxed atomic stores.
 *
 * Locks: the zone locks (mm/slab.c's cache locks nest outside them), always taken
 * with interrupts masked and always with mm_lock_noserve(). A zone lock covers the
 * zone's lists and counters and the records of its free blocks.
 *
 * The hazard those locks are built around: in the kernel, spin_lock()'s wait calls
 * cpu_relax(), which serves the CPU's cross-CPU-call mailbox. A CPU in a per-CPU
 * section that waited that way for a zone lock (to refill or drain a batch) could
 * run another CPU's "drain your caches" request right there, on a stack it has half
 * updated (a count read before the wait and written after it), and corrupt it. The
 * rule that removes it:
 *
 *  1. The allocators' locks are taken with mm_lock_noserve(), whose wait serves no
 *     request (arch_cpu_relax() only), and nothing else inside a per-CPU section
 *     waits: no cross-CPU call, no spin_lock(), no allocation that could fall back to
 *     the drain. So a CPU serves requests only between its per-CPU sections, and a
 *     drain request finds its stacks consistent.
 *  2. That cannot deadlock, because the holder of an allocator lock never waits for
 *     another CPU: it works on lists with interrupts masked for a bounded time, takes
 *     only locks later in the order (a cache lock, then one zone lock: zone locks
 *     never nest) and makes no cross-CPU call. The one call the allocators make, the
 *     drain of every CPU when an allocation finds nothing, is made by buddy_alloc()
 *     with no allocator lock held and outside every per-CPU section (mm/slab.c drops
 *     its cache lock and leaves its section to allocate a slab). So a CPU waiting
 *     without serving waits for a CPU that is making progress, through at most two
 *     locks, and a caller waiting for that CPU's answer waits at most that long.
 *  3. A drain request takes a zone lock, which <kern/smp.h> rule 1 does not allow a
 *     request's function in general. Here it is safe for the same reason: the holder
 *     is making progress and waits for nobody; and the request never runs on a CPU
 *     that holds a zone lock itself, since no holder reaches a wait that serves
 *     requests (1.). The request does not wait for another CPU or allocate.
 *
 * A block in transit (removed from a list, not yet handed out; or being freed, not
 * yet on a list) is FRAME_CACHED: nobody else may touch it, and a second free of
 * it is refused.
 */
#include <kern/cpu.h>
#include <kern/errno.h>
#include <kern/panic.h>
#include <kern/printk.h>
#include <kern/smp.h>
#include <kern/spinlock.h>
#include <kern/string.h>
#include <mm/bootmem.h>
#include <mm/buddy.h>
#include <mm/framedb.h>

#if __STDC_HOSTED__
/* Hosted builds: a wait hint that serves no cross-CPU request (tests/unit/host/). */
void host_cpu_pause(void);
#endif

#define NO_LIMIT UINT64_MAX

/* The links of a free block, in its first bytes. */
struct buddy_link {
	struct buddy_link *next, *prev;
};

struct buddy_zone {
	spinlock_t lock;
	struct buddy_link free[FRAME_ORDERS];   /* list heads (circular) */
	uint64_t nr_free[FRAME_ORDERS];
	uint64_t free_frames;
	uint64_t managed_frames;
	uint64_t base, end;                     /* span of the zone's sections */
	uint64_t allocs[FRAME_ORDERS];          /* zone-path counters */
	uint64_t frees[FRAME_ORDERS];
	uint64_t failures[FRAME_ORDERS];
};

/*
 * One per-CPU stack and its counters: the records of its blocks, oldest first. A
 * cached block's physical address is kept in its own record (pcp_pa()), whose owner
 * data is unused while the block is FRAME_CACHED. Touched by its CPU only, with
 * interrupts masked; count and the counters are stored with relaxed atomics so that
 * statistics may read them from anywhere. The allocations are not counted, they
 * follow from the rest (pcp_allocs()): one store less on the fast path.
 */
struct pcp_list {
	unsigned int count;
	unsigned int high;            /* buddy_pcp_high() of its order, set at init */
	uint64_t frees;               /* blocks pushed by a free */
	uint64_t filled, drained;     /* blocks moved in from / out to the zone */
	struct frame *e[BUDDY_PCP_MAX];
};

#define pcp_pa(f) ((f)->priv[0])

static struct buddy_zone zones[ZONE_COUNT];
/*
 * Every CPU's stacks, CPU by CPU, one per zone and order (pcp_of()): each CPU's own,
 * no lock. One flat array so that finding a stack is one multiplication; a CPU's
 * group (ZONE_COUNT * BUDDY_PCP_ORDERS stacks) is a whole number of cache lines.
 */
#define PCP_PER_CPU (ZONE_COUNT * BUDDY_PCP_ORDERS)
static struct pcp_list pcps[NCPUS * PCP_PER_CPU] __aligned(64);
_Static_assert(sizeof(struct pcp_list) * PCP_PER_CPU % 64 == 0, "a CPU's stacks share no line");
static uint64_t bad_frees;
/*
 * The zone frame_alloc()'s fast path pops for a request without a zone flag:
 * ZONE_NORMAL, or ZONE_DMA on a machine without memory above 4 GiB (where NORMAL's
 * stacks would always be empty). Set by buddy_init(), read-only afterwards.
 */
static enum frame_zone fast_zone;

/* CPU @cpu's stack of @zi and @order. */
static inline struct pcp_list *pcp_of(unsigned int cpu, enum frame_zone zi, unsigned int order)
{
	return &pcps[cpu * PCP_PER_CPU + zi * BUDDY_PCP_ORDERS + order];
}

static const char *const zone_names[ZONE_COUNT] = { "DMA", "Normal" };

static inline uint64_t block_bytes(unsigned int order)
{
	return PAGE_SIZE << order;
}

static inline struct buddy_link *block_link(uint64_t pa)
{
	return phys_to_virt(paddr(pa));
}

/* A zone lock, interrupts masked here (outside a per-CPU section). */
static inline unsigned long zone_lock(struct buddy_zone *z)
{
	unsigned long irq = cpu_irq_save();

	mm_lock_noserve(&z->lock);
	return irq;
}

static inline void zone_unlock(struct buddy_zone *z, unsigned long irq)
{
	spin_unlock(&z->lock);
	cpu_irq_restore(irq);
}

void mm_lock_wait(spinlock_t *l)
{
	do {
		while (spin_is_locked(l)) {
#if __STDC_HOSTED__
			host_cpu_pause();
#else
			/*
			 * A panic: the holder may be stopped for good, and a CPU without an
			 * NMI stops in smp_poll() (which lets the panicking CPU go on).
			 */
			if (unlikely(__atomic_load_n(&smp_stopping, __ATOMIC_RELAXED)))
				smp_poll();
			arch_cpu_relax();
#endif
		}
	} while (!spin_trylock(l));
}

/* ---- zone free lists (zone lock held) ---- */

static void list_push(struct buddy_zone *z, unsigned int order, uint64_t pa, struct frame *f)
{
	struct buddy_link *head = &z->free[order], *l = block_link(pa);

	f->order = (uint8_t)order;
	f->owner = FRAME_OWNER_NONE;
	frame_set_state(f, FRAME_FREE);
	l->next = head->next;
	l->prev = head;
	head->next->prev = l;
	head->next = l;
	z->nr_free[order]++;
	z->free_frames += 1ull << order;
}

static void list_remove(struct buddy_zone *z, unsigned int order, uint64_t pa, struct frame *f)
{
	struct buddy_link *l = block_link(pa);

	KASSERT(frame_state(f) == FRAME_FREE && f->order == order,
		"buddy: block %#llx on the order-%u list has state %u order %u",
		(unsigned long long)pa, order, frame_state(f), f->order);
	l->prev->next = l->next;
	l->next->prev = l->prev;
	z->nr_free[order]--;
	z->free_frames -= 1ull << order;
	frame_set_state(f, FRAME_CACHED);
}

/*
 * Take a block of @order lying wholly below @limit from @z, splitting a larger one
 * if needed (the upper halves go back on the lists). Returns its address, or
 * NO_LIMIT if there is none. The block comes back FRAME_CACHED.
 */
static uint64_t zone_take(struct buddy_zone *z, unsigned int order, uint64_t limit)
{
	for (unsigned int o = order; o <= FRAME_MAX_ORDER; o++) {
		struct buddy_link *head = &z->free[o];

		for (struct buddy_link *l = head->next; l != head; l = l->next) {
			uint64_t pa = virt_to_phys(l).raw;

			/* The lower 2^order frames are what we hand out. */
			if (limit != NO_LIMIT && (pa >= limit || limit - pa < block_bytes(order)))
				continue;
			const struct frame_section *s = framedb_section(paddr(pa));
			struct frame *f = &s->frames[(pa - s->base) >> PAGE_SHIFT];

			list_remove(z, o, pa, f);
			while (o > order) {
				o--;
				uint64_t upper = pa + block_bytes(o);
				list_push(z, o, upper, &s->frames[(upper - s->base) >> PAGE_SHIFT]);
			}
			f->order = (uint8_t)order;
			return pa;
		}
	}
	return NO_LIMIT;
}

/*
 * Put the block at @pa of @order (record @f, in section @s, state FRAME_CACHED) on
 * @z's lists, merging it with its free buddies.
 */
static void zone_put(struct buddy_zone *z, const struct frame_section *s, uint64_t pa,
		     unsigned int order, struct frame *f)
{
	while (order < FRAME_MAX_ORDER) {
		uint64_t bpa = pa ^ block_bytes(order);

		/* Blocks never cross a section: a buddy outside it is not ours. */
		if (bpa < s->base || bpa >= s->end || s->end - bpa < block_bytes(order))
			break;
		struct frame *bf = &s->frames[(bpa - s->base) >> PAGE_SHIFT];
		if (frame_state(bf) != FRAME_FREE || bf->order != order)
			break;
		list_remove(z, order, bpa, bf);
		if (bpa < pa) {
			frame_set_state(f, FRAME_TAIL);
			pa = bpa;
			f = bf;
		} else {
			frame_set_state(bf, FRAME_TAIL);
		}
		order++;
	}
	list_push(z, order, pa, f);
}

/* ---- per-CPU caches (their CPU only, interrupts masked) ---- */

static inline void pcp_set_count(struct pcp_list *l, unsigned int n)
{
	__atomic_store_n(&l->count, n, __ATOMIC_RELAXED);
}

/* Add @n to a per-CPU counter (written by its CPU only, read by statistics). */
static inline void pcp_count_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

/*
 * The blocks @l handed out: every block that came in (filled, freed) and is neither
 * drained nor still there. From another CPU, a snapshot: exact once the owner is
 * quiet, possibly off (never below 0 here) while it runs.
 */
static uint64_t pcp_allocs(const struct pcp_list *l)
{
	uint64_t count = __atomic_load_n(&l->count, __ATOMIC_RELAXED);
	uint64_t in = __atomic_load_n(&l->filled, __ATOMIC_RELAXED) +
		      __atomic_load_n(&l->frees, __ATOMIC_RELAXED);
	uint64_t out = __atomic_load_n(&l->drained, __ATOMIC_RELAXED) + count;

	return in > out ? in - out : 0;
}

static void pcp_refill(struct buddy_zone *z, struct pcp_list *l, unsigned int order)
{
	unsigned int n = buddy_pcp_batch(order), count = l->count;

	mm_lock_noserve(&z->lock);
	while (n-- > 0 && count < buddy_pcp_high(order)) {
		uint64_t pa = zone_take(z, order, NO_LIMIT);
		if (pa == NO_LIMIT)
			break;
		struct frame *f = framedb_lookup(paddr(pa));
		pcp_pa(f) = pa;
		l->e[count++] = f;
	}
	spin_unlock(&z->lock);
	pcp_count_add(&l->filled, count - l->count);
	pcp_set_count(l, count);
}

/* Give the @n oldest blocks of @l back to @z. */
static void pcp_drain(struct buddy_zone *z, struct pcp_list *l, unsigned int order, unsigned int n)
{
	n = MIN(n, l->count);
	if (n == 0)
		return;
	mm_lock_noserve(&z->lock);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t pa = pcp_pa(l->e[i]);
		zone_put(z, framedb_section(paddr(pa)), pa, order, l->e[i]);
	}
	spin_unlock(&z->lock);
	memmove(&l->e[0], &l->e[n], (l->count - n) * sizeof(l->e[0]));
	pcp_count_add(&l->drained, n);
	pcp_set_count(l, l->count - n);
}

void buddy_drain_local(void)
{
	unsigned long irq = cpu_irq_save();
	unsigned int cpu = cpu_current();

	for (unsigned int zi = 0; zi < ZONE_COUNT; zi++)
		for (unsigned int o = 0; o < BUDDY_PCP_ORDERS; o++)
			pcp_drain(&zones[zi], pcp_of(cpu, zi, o), o, BUDDY_PCP_MAX);
	cpu_irq_restore(irq);
}

/* The cross-CPU request: run on the CPU whose caches are drained (interrupts masked). */
static void drain_request(void *arg)
{
	(void)arg;
	buddy_drain_local();
}

void buddy_drain_cpu(unsigned int cpu)
{
	smp_call_cpu(cpu, drain_request, NULL, true);
}

void buddy_drain_all(void)
{
	smp_call_mask(&cpu_online_set, drain_request, NULL, true);
}

/* ---- allocation ---- */

/* Fill *zl with the zones @flags allows, preferred first; returns how many or -EINVAL. */
static int zone_list(unsigned int flags, enum frame_zone zl[ZONE_COUNT])
{
	switch (flags & (FRAME_DMA | FRAME_NORMAL)) {
	case 0:
		zl[0] = ZONE_NORMAL;
		zl[1] = ZONE_DMA;
		return 2;
	case FRAME_DMA:
		zl[0] = ZONE_DMA;
		return 1;
	case FRAME_NORMAL:
		zl[0] = ZONE_NORMAL;
		return 1;
	default:
		return -EINVAL;
	}
}

static uint64_t pcp_alloc(enum frame_zone zi, unsigned int order, struct frame **fp)
{
	unsigned long irq = cpu_irq_save();
	struct pcp_list *l = pcp_of(cpu_current(), zi, order);
	uint64_t pa = NO_LIMIT;

	if (unlikely(l->count == 0))
		pcp_refill(&zones[zi], l, order);
	unsigned int n = l->count;
	if (likely(n != 0)) {
		*fp = l->e[n - 1];
		pcp_set_count(l, n - 1);
		pa = pcp_pa(*fp);
	}
	cpu_irq_restore(irq);
	return pa;
}

static uint64_t zone_alloc(enum frame_zone zi, unsigned int order, uint64_t limit, struct frame **fp)
{
	struct buddy_zone *z = &zones[zi];
	unsigned long irq = zone_lock(z);
	uint64_t pa = zone_take(z, order, limit);

	if (pa != NO_LIMIT)
		z->allocs[order]++;
	zone_unlock(z, irq);
	if (pa != NO_LIMIT)
		*fp = framedb_lookup(paddr(pa));
	return pa;
}

/* One pass over the zones; NO_LIMIT if nothing was found. */
static uint64_t alloc_pass(const enum frame_zone *zl, int nz, unsigned int order,
			   unsigned int flags, uint64_t limit, struct frame **fp)
{
	for (int i = 0; i < nz; i++) {
		struct buddy_zone *z = &zones[zl[i]];
		uint64_t pa;

		if (z->managed_frames == 0 || limit <= z->base)
			continue;
		bool whole_zone = limit >= z->end;
		if (whole_zone && order < BUDDY_PCP_ORDERS && !(flags & FRAME_NOPCP))
			pa = pcp_alloc(zl[i], order, fp);
		else
			pa = zone_alloc(zl[i], order, whole_zone ? NO_LIMIT : limit, fp);
		if (pa != NO_LIMIT)
			return pa;
	}
	return NO_LIMIT;
}

/* Set by buddy_init(); until then allocations come from bootmem. */
static bool buddy_up;

/*
 * Before buddy_init(): a block from bootmem, so that early users (the kernel page
 * table, built before the buddy may touch all of RAM) can use frame_alloc()
 * already. Such blocks are bootmem's for good: frame_free() cannot take them back.
 */
static int early_alloc(unsigned int order, unsigned int flags, uint64_t limit, paddr_t *out)
{
	int err = bootmem_alloc(block_bytes(order), block_bytes(order), limit, out);

	if (err) {
		if (!(flags & FRAME_NOWARN))
			pr_warn("buddy: bootmem has no block of order %u before the buddy is up\n", order);
		return -ENOMEM;
	}
	if (flags & FRAME_ZERO)
		memset(phys_to_virt(*out), 0, block_bytes(order));
	return 0;
}

int buddy_alloc(unsigned int order, unsigned int flags, paddr_t limit_pa, paddr_t *out)
{
	uint64_t limit = limit_pa.raw;
	enum frame_zone zl[ZONE_COUNT];
	int nz = zone_list(flags, zl);
	struct frame *f = NULL;

	if (nz < 0 || order > FRAME_MAX_ORDER)
		return -EINVAL;
	if (unlikely(!buddy_up))
		return early_alloc(order, flags, limit, out);
	uint64_t pa = alloc_pass(zl, nz, order, flags, limit, &f);
	if (unlikely(pa == NO_LIMIT)) {
		/*
		 * Blocks may sit in per-CPU caches (this CPU's or others'): every CPU
		 * gives its own back (a cross-CPU call, made here with no allocator lock
		 * held and outside every per-CPU section: see "Locks" above), then retry
		 * once.
		 */
		buddy_drain_all();
		pa = alloc_pass(zl, nz, order, flags, limit, &f);
	}
	if (unlikely(pa == NO_LIMIT)) {
		struct buddy_zone *z = &zones[zl[0]];
		unsigned long irq = zone_lock(z);
		z->failures[order]++;
		zone_unlock(z, irq);
		if (!(flags & FRAME_NOWARN))
			pr_warn("buddy: no free block of order %u (flags %#x)\n", order, flags);
		return -ENOMEM;
	}
	f->owner = FRAME_OWNER_KERNEL;
	f->count = 1;
	frame_set_state(f, FRAME_ALLOCATED);
	if (flags & FRAME_ZERO)
		memset(phys_to_virt(paddr(pa)), 0, block_bytes(order));
	*out = paddr(pa);
	return 0;
}

/* ---- freeing ---- */

static int bad_free(uint64_t pa, unsigned int order, const char *why)
{
	__atomic_fetch_add(&bad_frees, 1, __ATOMIC_RELAXED);
	pr_err("buddy: bad free of %#llx order %u: %s\n", (unsigned long long)pa, order, why);
	return -EINVAL;
}

/*
 * Check that @pa is an allocated block of @order and claim it (FRAME_CACHED).
 * Returns its record, or NULL after reporting a bad free.
 */
static struct frame *claim(uint64_t pa, unsigned int order, const struct frame_section **sp)
{
	const struct frame_section *s = framedb_section(paddr(pa));

	if (order > FRAME_MAX_ORDER)
		return bad_free(pa, order, "order out of range"), NULL;
	if (!s)
		return bad_free(pa, order, "not in managed memory"), NULL;
	if (!IS_ALIGNED(pa, block_bytes(order)))
		return bad_free(pa, order, "not aligned to its order"), NULL;

	struct frame *f = &s->frames[(pa - s->base) >> PAGE_SHIFT];
	switch (frame_state(f)) {
	case FRAME_ALLOCATED:
		break;
	case FRAME_FREE:
	case FRAME_CACHED:
		return bad_free(pa, order, "already free"), NULL;
	case FRAME_TAIL:
		return bad_free(pa, order, "inside a block, not its start"), NULL;
	default:
		return bad_free(pa, order, "reserved, never allocated"), NULL;
	}
	if (f->order != order) {
		pr_err("buddy: block %#llx has order %u\n", (unsigned long long)pa, f->order);
		return bad_free(pa, order, "wrong order"), NULL;
	}
	/* Two CPUs freeing the same block at once: only one wins. */
	if (!frame_cas_state(f, FRAME_ALLOCATED, FRAME_CACHED))
		return bad_free(pa, order, "already free (concurrent free)"), NULL;
	f->owner = FRAME_OWNER_NONE;
	f->count = 0;
	*sp = s;
	return f;
}

/*
 * Push the claimed block @f (FRAME_CACHED, pcp_pa() set) of @order on this CPU's
 * stack of its zone, giving a batch back to the zone first if the stack is full.
 * Interrupts are masked; @irq is the state to restore.
 */
static __attribute__((noinline)) void pcp_push_slow(struct frame *f, enum frame_zone zi,
						    unsigned int order, unsigned long irq)
{
	struct pcp_list *l = pcp_of(cpu_current(), zi, order);

	if (l->count >= buddy_pcp_high(order))
		pcp_drain(&zones[zi], l, order, buddy_pcp_batch(order));
	l->e[l->count] = f;
	pcp_set_count(l, l->count + 1);
	pcp_count_add(&l->frees, 1);
	cpu_irq_restore(irq);
}

static int free_block(uint64_t pa, unsigned int order, bool use_pcp)
{
	const struct frame_section *s = NULL;
	struct frame *f = claim(pa, order, &s);

	if (!f)
		return -EINVAL;
	enum frame_zone zi = (enum frame_zone)f->zone;

	if (use_pcp && order < BUDDY_PCP_ORDERS) {
		pcp_pa(f) = pa;
		pcp_push_slow(f, zi, order, cpu_irq_save());
		return 0;
	}

	struct buddy_zone *z = &zones[zi];
	unsigned long irq = zone_lock(z);
	zone_put(z, s, pa, order, f);
	z->frees[order]++;
	zone_unlock(z, irq);
	return 0;
}

/*
 * The per-CPU fast path of buddy_free(): a block of a cached order whose record,
 * found in O(1), is claimed ALLOCATED -> CACHED by one compare-and-swap (so a double
 * free, a tail, a free or reserved frame all fail it, as does a second CPU freeing
 * the same block at the same moment) and has the right order. Returns false, having
 * changed nothing, for anything else; free_block() then checks it all again and says
 * what is wrong. The block goes on the freeing CPU's stack, whichever CPU allocated
 * it.
 */
static inline bool pcp_free_fast(uint64_t pa, unsigned int order)
{
	struct frame *f;

	/*
	 * Only the frame alignment is checked here: an allocated head of @order is
	 * aligned to its order (the buddy's invariant), so a misaligned @pa either hits
	 * a record that fails the claim (a tail) or one of another order (undone below).
	 */
	if (unlikely(order >= BUDDY_PCP_ORDERS || (pa & (PAGE_SIZE - 1))))
		return false;
	if (unlikely(!buddy_record_fast(paddr(pa), &f) ||
		     !frame_cas_state(f, FRAME_ALLOCATED, FRAME_CACHED)))
		return false;
	if (unlikely(f->order != order)) {
		frame_set_state(f, FRAME_ALLOCATED);
		return false;
	}
	pcp_pa(f) = pa;

	enum frame_zone zi = (enum frame_zone)f->zone;
	unsigned long irq = cpu_irq_save();
	struct pcp_list *l = pcp_of(cpu_current(), zi, order);
	unsigned int n = l->count;

	if (unlikely(n >= l->high)) {
		pcp_push_slow(f, zi, order, irq);
		return true;
	}
	l->e[n] = f;
	pcp_set_count(l, n + 1);
	pcp_count_add(&l->frees, 1);
	cpu_irq_restore(irq);
	return true;
}

int buddy_free(paddr_t pa, unsigned int order)
{
	if (likely(pcp_free_fast(pa.raw, order)))
		return 0;
	return free_block(pa.raw, order, true);
}

int buddy_free_direct(paddr_t pa, unsigned int order)
{
	return free_block(pa.raw, order, false);
}

/* ---- counts that are not a power of two ---- */

static unsigned int order_for_count(size_t count)
{
	unsigned int order = 0;

	while ((1ull << order) < count)
		order++;
	return order;
}

int buddy_alloc_count(size_t count, unsigned int flags, paddr_t limit, paddr_t *out)
{
	if (count == 0 || count > (1ull << FRAME_MAX_ORDER))
		return -EINVAL;
	unsigned int order = order_for_count(count);
	paddr_t pa;
	int err = buddy_alloc(order, flags | FRAME_NOPCP, limit, &pa);

	if (err || count == (1ull << order)) {
		if (!err)
			*out = pa;
		return err;
	}

	/*
	 * The block is ours. The used part [0, count) becomes one allocated block per
	 * set bit of @count, largest first (each naturally aligned because the block
	 * is aligned to 2^order > count); the rest [count, 2^order) goes back as
	 * blocks aligned to the lowest set bit of their offset.
	 */
	const struct frame_section *s = framedb_section(pa);
	uint64_t off = 0;
	for (int b = (int)order - 1; b >= 0; b--) {
		if (!(count & (1ull << b)))
			continue;
		struct frame *f = &s->frames[((pa.raw - s->base) >> PAGE_SHIFT) + off];
		f->order = (uint8_t)b;
		f->owner = FRAME_OWNER_KERNEL;
		f->count = 1;
		frame_set_state(f, FRAME_ALLOCATED);
		off += 1ull << b;
	}
	struct frame *head = framedb_lookup(pa);
	struct buddy_zone *z = &zones[head->zone];
	unsigned long irq = zone_lock(z);
	while (off < (1ull << order)) {
		unsigned int b = (unsigned int)__builtin_ctzll(off);
		uint64_t bpa = pa.raw + (off << PAGE_SHIFT);
		struct frame *f = &s->frames[(bpa - s->base) >> PAGE_SHIFT];

		frame_set_state(f, FRAME_CACHED);
		zone_put(z, s, bpa, b, f);
		off += 1ull << b;
	}
	zone_unlock(z, irq);
	*out = pa;
	return 0;
}

int buddy_free_count(paddr_t pa, size_t count)
{
	if (count == 0 || count > (1ull << FRAME_MAX_ORDER))
		return bad_free(pa.raw, 0, "frame count out of range");
	/* Check every piece before freeing any, so a bad call changes nothing. */
	uint64_t off = 0;
	for (int b = FRAME_MAX_ORDER; b >= 0; b--) {
		if (!(count & (1ull << b)))
			continue;
		uint64_t bpa = pa.raw + (off << PAGE_SHIFT);
		struct frame *f = framedb_lookup(paddr(bpa));
		if (!f || frame_state(f) != FRAME_ALLOCATED || f->order != b)
			return bad_free(bpa, (unsigned int)b, "not a block of this frame count");
		off += 1ull << b;
	}
	int err = 0;
	off = 0;
	for (int b = FRAME_MAX_ORDER; b >= 0; b--) {
		if (!(count & (1ull << b)))
			continue;
		err |= buddy_free(paddr(pa.raw + (off << PAGE_SHIFT)), (unsigned int)b);
		off += 1ull << b;
	}
	return err ? -EINVAL : 0;
}

/* ---- initialisation ---- */

/* Hand [base, end) (frame aligned, inside section @s) to its zone. */
static void hand_over(const struct frame_section *s, uint64_t base, uint64_t end)
{
	struct buddy_zone *z = &zones[s->zone];

	for (uint64_t pa = base; pa < end; pa += PAGE_SIZE) {
		struct frame *f = &s->frames[(pa - s->base) >> PAGE_SHIFT];
		f->owner = FRAME_OWNER_NONE;
		frame_set_state(f, FRAME_TAIL);
	}
	uint64_t pa = base;
	while (pa < end) {
		unsigned int order = 0;
		while (order < FRAME_MAX_ORDER && IS_ALIGNED(pa, block_bytes(order + 1)) &&
		       end - pa >= block_bytes(order + 1))
			order++;
		struct frame *f = &s->frames[(pa - s->base) >> PAGE_SHIFT];
		frame_set_state(f, FRAME_CACHED);
		zone_put(z, s, pa, order, f);
		pa += block_bytes(order);
	}
	z->managed_frames += (end - base) >> PAGE_SHIFT;
	z->base = MIN(z->base, base);
	z->end = MAX(z->end, end);
}

int buddy_init(const struct memmap *map)
{
	int err = framedb_init(map);

	if (err)
		return err;
	memset(zones, 0, sizeof(zones));
	memset(pcps, 0, sizeof(pcps));
	for (unsigned int cpu = 0; cpu < NCPUS; cpu++)
		for (unsigned int zi = 0; zi < ZONE_COUNT; zi++)
			for (unsigned int o = 0; o < BUDDY_PCP_ORDERS; o++)
				pcp_of(cpu, zi, o)->high = buddy_pcp_high(o);
	bad_frees = 0;
	for (unsigned int zi = 0; zi < ZONE_COUNT; zi++) {
		zones[zi].base = UINT64_MAX;
		for (unsigned int o = 0; o < FRAME_ORDERS; o++)
			zones[zi].free[o].next = zones[zi].free[o].prev = &zones[zi].free[o];
	}
	/*
	 * Everything bootmem handed out (including the records) stays reserved: the
	 * records start out owned by bootmem (framedb_init()), and only what bootmem
	 * still has free is handed over below.
	 */
	for (size_t r = 0; r < bootmem_free_count(); r++) {
		uint64_t base, end;

		bootmem_free_range(r, &base, &end);
		base = ALIGN_UP(base, PAGE_SIZE);
		end = ALIGN_DOWN(end, PAGE_SIZE);
		/* A free range may span two sections (cut at the DMA limit). */
		while (base < end) {
			const struct frame_section *s = framedb_section(paddr(base));
			KASSERT(s, "bootmem range at %#llx outside the frame database",
				(unsigned long long)base);
			uint64_t piece = MIN(end, s->end);
			hand_over(s, base, piece);
			base = piece;
		}
	}
	bootmem_close();
	for (unsigned int zi = 0; zi < ZONE_COUNT; zi++)
		if (zones[zi].managed_frames == 0)
			zones[zi].base = zones[zi].end = 0;
	fast_zone = zones[ZONE_NORMAL].managed_frames ? ZONE_NORMAL : ZONE_DMA;
	buddy_up = true;
	return 0;
}

/* ---- the frame API (<mm/frame.h>) ---- */

/* FRAME_ZERO on frame_alloc()'s fast path, out of line (a tail call): returns 0. */
static __attribute__((noinline)) int zero_block(uint64_t pa, unsigned int order)
{
	memset(phys_to_virt(paddr(pa)), 0, block_bytes(order));
	return 0;
}

int frame_alloc(unsigned int order, unsigned int flags, paddr_t *out)
{
	/*
	 * Fast path: a small block from this CPU's stack of the zone a request without
	 * a zone flag prefers (fast_zone), when it has one: no lock, no call. Anything
	 * else takes the general path, which refills the stack.
	 */
	if (likely(order < BUDDY_PCP_ORDERS && !(flags & ~(FRAME_NOWARN | FRAME_ZERO)))) {
		unsigned long irq = cpu_irq_save();
		struct pcp_list *l = pcp_of(cpu_current(), fast_zone, order);
		unsigned int n = l->count;

		if (likely(n != 0)) {
			struct frame *f = l->e[n - 1];
			pcp_set_count(l, n - 1);
			cpu_irq_restore(irq);
			/* The block is ours now, off every list. */
			uint64_t pa = pcp_pa(f);
			f->owner = FRAME_OWNER_KERNEL;
			f->count = 1;
			frame_set_state(f, FRAME_ALLOCATED);
			*out = paddr(pa);
			if (unlikely(flags & FRAME_ZERO))
				return zero_block(pa, order);
			return 0;
		}
		cpu_irq_restore(irq);
	}
	return buddy_alloc(order, flags, paddr(NO_LIMIT), out);
}

int frame_alloc_below(unsigned int order, unsigned int flags, paddr_t limit, paddr_t *out)
{
	return buddy_alloc(order, flags, limit, out);
}

/* frame_free() of anything pcp_free_fast() did not take. */
static __attribute__((noinline)) void frame_free_slow(paddr_t pa, unsigned int order)
{
	/*
	 * An early (bootmem) block stays bootmem's: there is nothing to return it to.
	 * Checked here only: its record is FRAME_RESERVED (or there is none yet), which
	 * the fast path never takes.
	 */
	if (unlikely(!buddy_up))
		return;
	(void)free_block(pa.raw, order, true);
}

void frame_free(paddr_t pa, unsigned int order)
{
	if (likely(pcp_free_fast(pa.raw, order)))
		return;
	frame_free_slow(pa, order);
}

int frame_alloc_count(size_t count, unsigned int flags, paddr_t *out)
{
	return buddy_alloc_count(count, flags, paddr(NO_LIMIT), out);
}

void frame_free_count(paddr_t pa, size_t count)
{
	(void)buddy_free_count(pa, count);
}

int frame_set_owner(paddr_t pa, enum frame_owner owner)
{
	struct frame *f = framedb_lookup(pa);

	if (!f || frame_state(f) != FRAME_ALLOCATED || (unsigned int)owner >= FRAME_OWNER_COUNT)
		return -EINVAL;
	f->owner = (uint8_t)owner;
	return 0;
}

/* A block the reference calls may touch: allocated and not a slab's. */
static struct frame *ref_frame(paddr_t pa, const char *what)
{
	struct frame *f = framedb_lookup(pa);

	if (!f || frame_state(f) != FRAME_ALLOCATED || f->owner == FRAME_OWNER_SLAB)
		panic("buddy: %s of %#llx, which is not an allocated block", what,
		      (unsigned long long)pa.raw);
	return f;
}

void frame_ref(paddr_t pa)
{
	struct frame *f = ref_frame(pa, "frame_ref()");

	/* Only a holder takes another: the count cannot be 0 here. */
	if (__atomic_fetch_add(&f->count, 1, __ATOMIC_RELAXED) == 0)
		panic("buddy: frame_ref() of %#llx, which has no reference", (unsigned long long)pa.raw);
}

bool frame_put(paddr_t pa, unsigned int order)
{
	struct frame *f = ref_frame(pa, "frame_put()");
	/* Release: this holder's accesses come before the free another holder may do. */
	uint32_t was = __atomic_fetch_sub(&f->count, 1, __ATOMIC_ACQ_REL);

	if (was == 0)
		panic("buddy: frame_put() of %#llx, which has no reference", (unsigned long long)pa.raw);
	if (was != 1)
		return false;
	frame_free(pa, order);
	return true;
}

unsigned int frame_refs(paddr_t pa)
{
	return __atomic_load_n(&ref_frame(pa, "frame_refs()")->count, __ATOMIC_ACQUIRE);
}

enum frame_owner frame_get_owner(paddr_t pa)
{
	struct frame *f = framedb_lookup(pa);

	if (!f)
		return FRAME_OWNER_NONE;
	enum frame_state st = frame_state(f);
	if (st == FRAME_ALLOCATED || st == FRAME_RESERVED ||
	    (st == FRAME_TAIL && f->owner == FRAME_OWNER_SLAB))
		return (enum frame_owner)f->owner;
	return FRAME_OWNER_NONE;
}

bool frame_is_managed(paddr_t pa)
{
	return framedb_section(pa) != NULL;
}

/* ---- statistics and checking ---- */

void buddy_get_stats(enum frame_zone zi, struct buddy_zone_stats *out)
{
	struct buddy_zone *z = &zones[zi];

	memset(out, 0, sizeof(*out));
	/*
	 * Other CPUs' caches, read without asking them: a snapshot, exact once they are
	 * quiet (after buddy_drain_all(), whose completion orders their last writes
	 * before these reads).
	 */
	for (unsigned int cpu = 0; cpu < NCPUS; cpu++) {
		for (unsigned int o = 0; o < BUDDY_PCP_ORDERS; o++) {
			struct pcp_list *l = pcp_of(cpu, zi, o);
			out->cached_frames += (uint64_t)__atomic_load_n(&l->count, __ATOMIC_RELAXED) << o;
			out->allocs[o] += pcp_allocs(l);
			out->frees[o] += __atomic_load_n(&l->frees, __ATOMIC_RELAXED);
		}
	}
	unsigned long irq = zone_lock(z);
	out->managed_frames = z->managed_frames;
	out->free_frames = z->free_frames;
	for (unsigned int o = 0; o < FRAME_ORDERS; o++) {
		out->free_blocks[o] = z->nr_free[o];
		out->allocs[o] += z->allocs[o];
		out->frees[o] += z->frees[o];
		out->failures[o] = z->failures[o];
	}
	zone_unlock(z, irq);
}

uint64_t buddy_bad_frees(void)
{
	return __atomic_load_n(&bad_frees, __ATOMIC_RELAXED);
}

static int check_zone(enum frame_zone zi)
{
	struct buddy_zone *z = &zones[zi];
	uint64_t frames = 0;

	for (unsigned int o = 0; o < FRAME_ORDERS; o++) {
		uint64_t n = 0;
		struct buddy_link *head = &z->free[o];
		for (struct buddy_link *l = head->next; l != head; l = l->next, n++) {
			uint64_t pa = virt_to_phys(l).raw;
			const struct frame_section *s = framedb_section(paddr(pa));
			const char *why = NULL;

			if (l->next->prev != l)
				why = "broken links";
			else if (!s || s->zone != zi)
				why = "outside the zone";
			else if (!IS_ALIGNED(pa, block_bytes(o)) || s->end - pa < block_bytes(o))
				why = "misaligned or crossing its section";
			else if (frame_state(&s->frames[(pa - s->base) >> PAGE_SHIFT]) != FRAME_FREE ||
				 s->frames[(pa - s->base) >> PAGE_SHIFT].order != o)
				why = "record not free at this order";
			else if (o < FRAME_MAX_ORDER) {
				uint64_t bpa = pa ^ block_bytes(o);
				if (bpa >= s->base && bpa < s->end && s->end - bpa >= block_bytes(o)) {
					struct frame *bf = &s->frames[(bpa - s->base) >> PAGE_SHIFT];
					if (frame_state(bf) == FRAME_FREE && bf->order == o)
						why = "not merged with its free buddy";
				}
			}
			if (why) {
				pr_err("buddy: zone %s order %u block %#llx: %s\n", zone_names[zi], o,
				       (unsigned long long)pa, why);
				return -EINVAL;
			}
			if (n > z->nr_free[o])
				break;
		}
		if (n != z->nr_free[o]) {
			pr_err("buddy: zone %s order %u: %llu blocks listed, %llu counted\n",
			       zone_names[zi], o, (unsigned long long)n,
			       (unsigned long long)z->nr_free[o]);
			return -EINVAL;
		}
		frames += n << o;
	}
	if (frames != z->free_frames) {
		pr_err("buddy: zone %s: %llu free frames listed, %llu counted\n", zone_names[zi],
		       (unsigned long long)frames, (unsigned long long)z->free_frames);
		return -EINVAL;
	}
	return 0;
}

int buddy_check(void)
{
	for (unsigned int zi = 0; zi < ZONE_COUNT; zi++) {
		unsigned long irq = zone_lock(&zones[zi]);
		int err = check_zone((enum frame_zone)zi);
		zone_unlock(&zones[zi], irq);
		if (err)
			return err;
	}
	return 0;
}

void buddy_print_stats(void)
{
	for (unsigned int zi = 0; zi < ZONE_COUNT; zi++) {
		struct buddy_zone_stats st;

		buddy_get_stats((enum frame_zone)zi, &st);
		pr_info("buddy: zone %s: %llu frames managed, %llu free, %llu in CPU caches\n",
			zone_names[zi], (unsigned long long)st.managed_frames,
			(unsigned long long)st.free_frames, (unsigned long long)st.cached_frames);
		for (unsigned int o = 0; o < FRAME_ORDERS; o++)
			if (st.free_blocks[o] || st.allocs[o] || st.failures[o])
				pr_info("buddy:   order %2u: %llu free, %llu allocs, %llu frees, %llu failed\n",
					o, (unsigned long long)st.free_blocks[o],
					(unsigned long long)st.allocs[o], (unsigned long long)st.frees[o],
					(unsigned long long)st.failures[o]);
	}
}
