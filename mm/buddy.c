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
 * under the CPU's own lock, touching a zone lock only to refill or drain a batch.
 *
 * Locks: pcp->lock, then zone->lock, both with interrupts masked. The zone lock
 * covers the zone's lists and counters and the records of its free blocks.
 *
 * A block in transit (removed from a list, not yet handed out; or being freed, not
 * yet on a list) is FRAME_CACHED: nobody else may touch it, and a second free of
 * it is refused.
 */
#include <kern/cpu.h>
#include <kern/errno.h>
#include <kern/panic.h>
#include <kern/printk.h>
#include <kern/spinlock.h>
#include <kern/string.h>
#include <mm/bootmem.h>
#include <mm/buddy.h>
#include <mm/framedb.h>

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
 * One per-CPU stack: the records of its blocks, oldest first. A cached block's
 * physical address is kept in its own record (pcp_pa()), whose owner data is unused
 * while the block is FRAME_CACHED.
 */
struct pcp_list {
	unsigned int count;
	struct frame *e[BUDDY_PCP_MAX];
};

#define pcp_pa(f) ((f)->priv[0])

struct buddy_pcp {
	spinlock_t lock;
	struct pcp_list list[ZONE_COUNT][BUDDY_PCP_ORDERS];
	uint64_t allocs[ZONE_COUNT][BUDDY_PCP_ORDERS];
	uint64_t frees[ZONE_COUNT][BUDDY_PCP_ORDERS];
} __aligned(64);

static struct buddy_zone zones[ZONE_COUNT];
static struct buddy_pcp pcps[NCPUS];
static uint64_t bad_frees;

static const char *const zone_names[ZONE_COUNT] = { "DMA", "Normal" };

static inline uint64_t block_bytes(unsigned int order)
{
	return PAGE_SIZE << order;
}

static inline struct buddy_link *block_link(uint64_t pa)
{
	return phys_to_virt(paddr(pa));
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

/* ---- per-CPU caches (pcp lock held, interrupts masked) ---- */

static void pcp_refill(struct buddy_zone *z, struct pcp_list *l, unsigned int order)
{
	unsigned int n = buddy_pcp_batch(order);

	spin_lock(&z->lock);
	while (n-- > 0 && l->count < buddy_pcp_high(order)) {
		uint64_t pa = zone_take(z, order, NO_LIMIT);
		if (pa == NO_LIMIT)
			break;
		struct frame *f = framedb_lookup(paddr(pa));
		pcp_pa(f) = pa;
		l->e[l->count++] = f;
	}
	spin_unlock(&z->lock);
}

/* Give the @n oldest blocks of @l back to @z. */
static void pcp_drain(struct buddy_zone *z, struct pcp_list *l, unsigned int order, unsigned int n)
{
	n = MIN(n, l->count);
	if (n == 0)
		return;
	spin_lock(&z->lock);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t pa = pcp_pa(l->e[i]);
		zone_put(z, framedb_section(paddr(pa)), pa, order, l->e[i]);
	}
	spin_unlock(&z->lock);
	memmove(&l->e[0], &l->e[n], (l->count - n) * sizeof(l->e[0]));
	l->count -= n;
}

void buddy_drain_cpu(unsigned int cpu)
{
	struct buddy_pcp *p = &pcps[cpu];
	unsigned long irq = spin_lock_irqsave(&p->lock);

	for (unsigned int zi = 0; zi < ZONE_COUNT; zi++)
		for (unsigned int o = 0; o < BUDDY_PCP_ORDERS; o++)
			pcp_drain(&zones[zi], &p->list[zi][o], o, BUDDY_PCP_MAX);
	spin_unlock_irqrestore(&p->lock, irq);
}

void buddy_drain_all(void)
{
	for (unsigned int cpu = 0; cpu < NCPUS; cpu++)
		buddy_drain_cpu(cpu);
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
	struct buddy_pcp *p = &pcps[cpu_current()];
	struct pcp_list *l = &p->list[zi][order];
	uint64_t pa = NO_LIMIT;

	spin_lock(&p->lock);
	if (unlikely(l->count == 0))
		pcp_refill(&zones[zi], l, order);
	if (likely(l->count != 0)) {
		l->count--;
		*fp = l->e[l->count];
		pa = pcp_pa(*fp);
		p->allocs[zi][order]++;
	}
	spin_unlock(&p->lock);
	cpu_irq_restore(irq);
	return pa;
}

static uint64_t zone_alloc(enum frame_zone zi, unsigned int order, uint64_t limit, struct frame **fp)
{
	struct buddy_zone *z = &zones[zi];
	unsigned long irq = spin_lock_irqsave(&z->lock);
	uint64_t pa = zone_take(z, order, limit);

	if (pa != NO_LIMIT)
		z->allocs[order]++;
	spin_unlock_irqrestore(&z->lock, irq);
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
		/* Blocks may sit in per-CPU caches (this CPU's or others'): retry once. */
		buddy_drain_all();
		pa = alloc_pass(zl, nz, order, flags, limit, &f);
	}
	if (unlikely(pa == NO_LIMIT)) {
		struct buddy_zone *z = &zones[zl[0]];
		unsigned long irq = spin_lock_irqsave(&z->lock);
		z->failures[order]++;
		spin_unlock_irqrestore(&z->lock, irq);
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

static int free_block(uint64_t pa, unsigned int order, bool use_pcp)
{
	const struct frame_section *s = NULL;
	struct frame *f = claim(pa, order, &s);

	if (!f)
		return -EINVAL;
	enum frame_zone zi = (enum frame_zone)f->zone;

	if (use_pcp && order < BUDDY_PCP_ORDERS) {
		unsigned long irq = cpu_irq_save();
		struct buddy_pcp *p = &pcps[cpu_current()];
		struct pcp_list *l = &p->list[zi][order];

		spin_lock(&p->lock);
		if (unlikely(l->count >= buddy_pcp_high(order)))
			pcp_drain(&zones[zi], l, order, buddy_pcp_batch(order));
		pcp_pa(f) = pa;
		l->e[l->count++] = f;
		p->frees[zi][order]++;
		spin_unlock(&p->lock);
		cpu_irq_restore(irq);
		return 0;
	}

	struct buddy_zone *z = &zones[zi];
	unsigned long irq = spin_lock_irqsave(&z->lock);
	zone_put(z, s, pa, order, f);
	z->frees[order]++;
	spin_unlock_irqrestore(&z->lock, irq);
	return 0;
}

/*
 * The end of pcp_free_fast() when this CPU's lock is busy (another CPU is draining
 * the cache) or the stack is full: wait for the lock, drain a batch if needed, push.
 * Interrupts are masked (@irq is the state to restore); @f is already claimed.
 */
static __attribute__((noinline)) void pcp_push_slow(struct frame *f, enum frame_zone zi,
						    unsigned int order, unsigned long irq)
{
	struct buddy_pcp *p = &pcps[cpu_current()];
	struct pcp_list *l = &p->list[zi][order];

	spin_lock(&p->lock);
	if (l->count >= buddy_pcp_high(order))
		pcp_drain(&zones[zi], l, order, buddy_pcp_batch(order));
	l->e[l->count++] = f;
	p->frees[zi][order]++;
	spin_unlock(&p->lock);
	cpu_irq_restore(irq);
}

/*
 * The per-CPU fast path of buddy_free(): a block of a cached order whose record,
 * found in O(1), is claimed ALLOCATED -> CACHED by one compare-and-swap (so a double
 * free, a tail, a free or reserved frame all fail it, as does a second CPU freeing
 * the same block at the same moment) and has the right order. Returns false, having
 * changed nothing, for anything else; free_block() then checks it all again and says
 * what is wrong.
 */
static inline bool pcp_free_fast(uint64_t pa, unsigned int order)
{
	if (unlikely(order >= BUDDY_PCP_ORDERS || !IS_ALIGNED(pa, block_bytes(order))))
		return false;
	struct frame *f = framedb_lookup(paddr(pa));
	if (unlikely(!f || !frame_cas_state(f, FRAME_ALLOCATED, FRAME_CACHED)))
		return false;
	if (unlikely(f->order != order)) {
		frame_set_state(f, FRAME_ALLOCATED);
		return false;
	}
	pcp_pa(f) = pa;

	enum frame_zone zi = (enum frame_zone)f->zone;
	unsigned long irq = cpu_irq_save();
	struct buddy_pcp *p = &pcps[cpu_current()];
	struct pcp_list *l = &p->list[zi][order];
	unsigned int n;

	if (unlikely(!spin_trylock(&p->lock))) {
		pcp_push_slow(f, zi, order, irq);
		return true;
	}
	n = l->count;
	if (unlikely(n >= buddy_pcp_high(order))) {
		spin_unlock(&p->lock);
		pcp_push_slow(f, zi, order, irq);
		return true;
	}
	l->e[n] = f;
	l->count = n + 1;
	p->frees[zi][order]++;
	spin_unlock(&p->lock);
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
	unsigned long irq = spin_lock_irqsave(&z->lock);
	while (off < (1ull << order)) {
		unsigned int b = (unsigned int)__builtin_ctzll(off);
		uint64_t bpa = pa.raw + (off << PAGE_SHIFT);
		struct frame *f = &s->frames[(bpa - s->base) >> PAGE_SHIFT];

		frame_set_state(f, FRAME_CACHED);
		zone_put(z, s, bpa, b, f);
		off += 1ull << b;
	}
	spin_unlock_irqrestore(&z->lock, irq);
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
	buddy_up = true;
	return 0;
}

/* ---- the frame API (<mm/frame.h>) ---- */

int frame_alloc(unsigned int order, unsigned int flags, paddr_t *out)
{
	/*
	 * Fast path: a small block from this CPU's NORMAL cache when it has one. The
	 * lock is only contended while another CPU drains this cache; then, and in
	 * every other case, take the general path.
	 */
	if (likely(order < BUDDY_PCP_ORDERS && !(flags & ~(FRAME_NOWARN | FRAME_ZERO)))) {
		unsigned long irq = cpu_irq_save();
		struct buddy_pcp *p = &pcps[cpu_current()];
		struct pcp_list *l = &p->list[ZONE_NORMAL][order];

		if (likely(spin_trylock(&p->lock))) {
			unsigned int n = l->count;
			if (likely(n != 0)) {
				struct frame *f = l->e[n - 1];
				l->count = n - 1;
				p->allocs[ZONE_NORMAL][order]++;
				spin_unlock(&p->lock);
				cpu_irq_restore(irq);
				uint64_t pa = pcp_pa(f);
				f->owner = FRAME_OWNER_KERNEL;
				f->count = 1;
				frame_set_state(f, FRAME_ALLOCATED);
				if (unlikely(flags & FRAME_ZERO))
					memset(phys_to_virt(paddr(pa)), 0, block_bytes(order));
				*out = paddr(pa);
				return 0;
			}
			spin_unlock(&p->lock);
		}
		cpu_irq_restore(irq);
	}
	return buddy_alloc(order, flags, paddr(NO_LIMIT), out);
}

int frame_alloc_below(unsigned int order, unsigned int flags, paddr_t limit, paddr_t *out)
{
	return buddy_alloc(order, flags, limit, out);
}

void frame_free(paddr_t pa, unsigned int order)
{
	/* An early (bootmem) block stays bootmem's: there is nothing to return it to. */
	if (unlikely(!buddy_up))
		return;
	if (likely(pcp_free_fast(pa.raw, order)))
		return;
	(void)free_block(pa.raw, order, true);
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
	for (unsigned int cpu = 0; cpu < NCPUS; cpu++) {
		struct buddy_pcp *p = &pcps[cpu];
		unsigned long irq = spin_lock_irqsave(&p->lock);
		for (unsigned int o = 0; o < BUDDY_PCP_ORDERS; o++) {
			out->cached_frames += (uint64_t)p->list[zi][o].count << o;
			out->allocs[o] += p->allocs[zi][o];
			out->frees[o] += p->frees[zi][o];
		}
		spin_unlock_irqrestore(&p->lock, irq);
	}
	unsigned long irq = spin_lock_irqsave(&z->lock);
	out->managed_frames = z->managed_frames;
	out->free_frames = z->free_frames;
	for (unsigned int o = 0; o < FRAME_ORDERS; o++) {
		out->free_blocks[o] = z->nr_free[o];
		out->allocs[o] += z->allocs[o];
		out->frees[o] += z->frees[o];
		out->failures[o] = z->failures[o];
	}
	spin_unlock_irqrestore(&z->lock, irq);
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
		unsigned long irq = spin_lock_irqsave(&zones[zi].lock);
		int err = check_zone((enum frame_zone)zi);
		spin_unlock_irqrestore(&zones[zi].lock, irq);
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
