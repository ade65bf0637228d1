// SPDX-License-Identifier: MIT
/*
 * Host-test support for the virtual-memory core: see vm_fake.h. Provides, by link-
 * time selection, frame_alloc()/frame_free() (<mm/frame.h>) and the arch_tlb_* and
 * arch_mmu_* hooks (<mm/mmu.h>). cpu_current() and panic() come from
 * tests/unit/host/kern_host.c, linked into every unit test.
 */
#include <pthread.h>
#include <sched.h>

#include <mm/frame.h>
#include <mm/slab.h>

#include "vm_fake.h"

/*
 * One mutex over the fake allocator's, the TLB recorder's and kmalloc's state, so
 * threaded tests (as_race_test.c) can call them from several threads, as the
 * kernel's allocators and flush hooks are called from several CPUs. Zeroing and
 * poisoning are done outside it, so the fake does not serialise what the real
 * allocator does not.
 */
static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;

unsigned int test_levels;

void test_set_levels(unsigned int levels)
{
	test_levels = levels;
	mmu_mode_set(levels);
}

void tap_run_modes(const char *name, void (*fn)(void))
{
	for (unsigned int l = MMU_LEVELS_MIN; l <= MMU_LEVELS_MAX; l++) {
		char buf[160];
		test_set_levels(l);
		snprintf(buf, sizeof(buf), "%s [%s]", name, mmu_mode_name(l));
		tap_run(buf, fn);
	}
}

/* ---- the fake frame allocator ---- */

static uint8_t *ram;
static size_t ram_frames;
static uint8_t *frame_order;      /* per frame: 0 free, order + 1 at an allocated block's start */
static uint8_t *frame_busy;       /* per frame: part of an allocated block */
static uint32_t *frame_count;     /* per frame: references to the block starting there */
static size_t frames_used, cursor;
static unsigned long alloc_calls, fail_at;
static bool fail_all;
static void (*alloc_hook)(void *);
static void *alloc_hook_arg;
static bool alloc_yield;

void fake_mem_init(size_t bytes)
{
	fake_mem_fini();
	ram_frames = bytes / PAGE_SIZE;
	ram = aligned_alloc(PAGE_SIZE, bytes);
	frame_order = calloc(ram_frames, 1);
	frame_busy = calloc(ram_frames, 1);
	frame_count = calloc(ram_frames, sizeof(*frame_count));
	if (!ram || !frame_order || !frame_busy || !frame_count) {
		printf("Bail out! no memory for %zu bytes of simulated RAM\n", bytes);
		exit(1);
	}
	memset(ram, 0xa5, bytes);
	mm_direct_map_base = (uintptr_t)ram - FAKE_PA_BASE;
	frames_used = cursor = 0;
	alloc_calls = fail_at = 0;
	fail_all = false;
	alloc_hook = NULL;
	alloc_yield = false;
}

void fake_mem_fini(void)
{
	free(ram);
	free(frame_order);
	free(frame_busy);
	free(frame_count);
	ram = frame_order = frame_busy = NULL;
	frame_count = NULL;
	ram_frames = 0;
}

size_t fake_frames_used(void)
{
	pthread_mutex_lock(&fake_lock);
	size_t n = frames_used;
	pthread_mutex_unlock(&fake_lock);
	return n;
}

unsigned long fake_alloc_calls(void) { return alloc_calls; }
void fake_fail_nth_alloc(unsigned long n) { fail_at = n ? alloc_calls + n : 0; }
void fake_fail_all_allocs(bool on) { fail_all = on; }

void fake_alloc_hook(void (*fn)(void *), void *arg)
{
	pthread_mutex_lock(&fake_lock);
	alloc_hook = fn;
	alloc_hook_arg = arg;
	pthread_mutex_unlock(&fake_lock);
}

void fake_alloc_yield(bool on)
{
	__atomic_store_n(&alloc_yield, on, __ATOMIC_RELAXED);
}

static bool frame_is_allocated_locked(paddr_t pa)
{
	size_t f = (pa.raw - FAKE_PA_BASE) / PAGE_SIZE;
	return pa.raw >= FAKE_PA_BASE && f < ram_frames && frame_order[f] != 0;
}

bool fake_frame_is_allocated(paddr_t pa)
{
	pthread_mutex_lock(&fake_lock);
	bool r = frame_is_allocated_locked(pa);
	pthread_mutex_unlock(&fake_lock);
	return r;
}

/* Owners as the frame database records them: only for allocated blocks. */
static uint8_t owners[1 << 16];

int frame_set_owner(paddr_t pa, enum frame_owner owner)
{
	size_t f = (pa.raw - FAKE_PA_BASE) / PAGE_SIZE;
	int err = 0;

	pthread_mutex_lock(&fake_lock);
	if (!frame_is_allocated_locked(pa) || (unsigned int)owner >= FRAME_OWNER_COUNT)
		err = -EINVAL;
	else if (f < sizeof(owners))
		owners[f] = (uint8_t)owner;
	pthread_mutex_unlock(&fake_lock);
	return err;
}

enum frame_owner frame_get_owner(paddr_t pa)
{
	size_t f = (pa.raw - FAKE_PA_BASE) / PAGE_SIZE;

	pthread_mutex_lock(&fake_lock);
	enum frame_owner o = frame_is_allocated_locked(pa) && f < sizeof(owners) ?
			     (enum frame_owner)owners[f] : FRAME_OWNER_NONE;
	pthread_mutex_unlock(&fake_lock);
	return o;
}

/* The allocation itself, under fake_lock: the block's first frame index, or -errno. */
static long alloc_locked(unsigned int order)
{
	size_t n = (size_t)1 << order;

	alloc_calls++;
	if (fail_all || (fail_at && alloc_calls == fail_at))
		return -ENOMEM;
	if (order > FRAME_MAX_ORDER || n > ram_frames)
		return order > FRAME_MAX_ORDER ? -EINVAL : -ENOMEM;
	/* Next fit over aligned blocks: O(1) amortised for order 0 in a mostly free RAM. */
	for (size_t tries = 0, f = cursor & ~(n - 1); tries <= ram_frames / n; tries++, f += n) {
		if (f + n > ram_frames)
			f = 0;
		size_t k = 0;
		while (k < n && !frame_busy[f + k])
			k++;
		if (k < n)
			continue;
		memset(frame_busy + f, 1, n);
		frame_order[f] = (uint8_t)(order + 1);
		frame_count[f] = 1;
		frames_used += n;
		cursor = f + n;
		return (long)f;
	}
	return -ENOMEM;
}

int frame_alloc(unsigned int order, unsigned int flags, paddr_t *out)
{
	pthread_mutex_lock(&fake_lock);
	long f = alloc_locked(order);
	void (*hook)(void *) = alloc_hook;
	void *hook_arg = alloc_hook_arg;
	alloc_hook = NULL;                  /* one shot: the hook's own allocations pass */
	pthread_mutex_unlock(&fake_lock);
	if (f < 0)
		return (int)f;
	memset(ram + (size_t)f * PAGE_SIZE, (flags & FRAME_ZERO) ? 0 : 0xa5, PAGE_SIZE << order);
	*out = paddr(FAKE_PA_BASE + (size_t)f * PAGE_SIZE);
	if (__atomic_load_n(&alloc_yield, __ATOMIC_RELAXED))
		sched_yield();              /* a slow allocation: widen the window for races */
	if (hook)
		hook(hook_arg);             /* "another CPU" acts while the caller allocates */
	return 0;
}

void frame_free(paddr_t pa, unsigned int order)
{
	size_t f = (pa.raw - FAKE_PA_BASE) / PAGE_SIZE, n = (size_t)1 << order;

	pthread_mutex_lock(&fake_lock);
	if (pa.raw < FAKE_PA_BASE || f >= ram_frames || (pa.raw & 0xfff) ||
	    frame_order[f] != order + 1) {
		printf("Bail out! bad frame_free(0x%" PRIx64 ", %u)\n", pa.raw, order);
		fflush(stdout);
		abort();
	}
	/* Poisoned before the frame is free again: use after free shows, and never races. */
	memset(ram + f * PAGE_SIZE, 0x5a, n * PAGE_SIZE);
	frame_order[f] = 0;
	frame_count[f] = 0;
	memset(frame_busy + f, 0, n);
	frames_used -= n;
	pthread_mutex_unlock(&fake_lock);
}

/* The reference calls of <mm/frame.h>, on the same records; a misuse aborts. */
static size_t ref_index_locked(paddr_t pa, const char *what)
{
	size_t f = (pa.raw - FAKE_PA_BASE) / PAGE_SIZE;

	if (!frame_is_allocated_locked(pa) || frame_count[f] == 0) {
		printf("Bail out! %s(0x%" PRIx64 ") of a block with no reference\n", what, pa.raw);
		fflush(stdout);
		abort();
	}
	return f;
}

void frame_ref(paddr_t pa)
{
	pthread_mutex_lock(&fake_lock);
	frame_count[ref_index_locked(pa, "frame_ref")]++;
	pthread_mutex_unlock(&fake_lock);
}

bool frame_put(paddr_t pa, unsigned int order)
{
	pthread_mutex_lock(&fake_lock);
	size_t f = ref_index_locked(pa, "frame_put");
	bool last = --frame_count[f] == 0;
	if (last)
		frame_count[f] = 1;         /* frame_free() takes the block as allocated */
	pthread_mutex_unlock(&fake_lock);
	if (last)
		frame_free(pa, order);
	return last;
}

unsigned int frame_refs(paddr_t pa)
{
	pthread_mutex_lock(&fake_lock);
	unsigned int n = frame_count[ref_index_locked(pa, "frame_refs")];
	pthread_mutex_unlock(&fake_lock);
	return n;
}

/* ---- the recording TLB fake ---- */

struct fake_tlb_event fake_tlb_events[FAKE_TLB_MAX_EVENTS];
unsigned int fake_tlb_nr;
unsigned long fake_tlb_pages;

static void (*tlb_hook)(void *);
static void *tlb_hook_arg;

void fake_tlb_hook(void (*fn)(void *), void *arg)
{
	tlb_hook = fn;
	tlb_hook_arg = arg;
}

static void flushing(void)
{
	if (tlb_hook)
		tlb_hook(tlb_hook_arg);
}

void fake_tlb_reset(void)
{
	fake_tlb_nr = 0;
	fake_tlb_pages = 0;
}

/* A new event, filled by the caller, which holds fake_lock until it is done with it. */
static struct fake_tlb_event *record(enum fake_tlb_kind kind)
{
	static struct fake_tlb_event scratch;
	pthread_mutex_lock(&fake_lock);
	struct fake_tlb_event *e = fake_tlb_nr < FAKE_TLB_MAX_EVENTS ?
				   &fake_tlb_events[fake_tlb_nr++] : &scratch;
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->frames_used = frames_used;
	return e;
}

static void recorded(void)
{
	pthread_mutex_unlock(&fake_lock);
}

void arch_tlb_flush_page(vaddr_t va)
{
	flushing();
	struct fake_tlb_event *e = record(TLB_EV_PAGE);
	e->start = va.raw;
	e->end = va.raw + 4096;
	e->stride = 4096;
	fake_tlb_pages++;
	recorded();
}

void arch_tlb_flush_all(void)
{
	flushing();
	record(TLB_EV_ALL);
	recorded();
}

void arch_tlb_shootdown(const struct cpuset *cpus, const struct mmu_flush_range *ranges,
			unsigned int n)
{
	flushing();
	struct fake_tlb_event *e = record(TLB_EV_SHOOTDOWN);
	e->cpus = *cpus;
	e->n = n;
	if (n) {
		e->start = ranges[0].start.raw;
		e->end = ranges[n - 1].end.raw;
		e->stride = ranges[0].stride;
	}
	recorded();
}

void arch_mmu_activate(paddr_t root, unsigned int levels)
{
	struct fake_tlb_event *e = record(TLB_EV_ACTIVATE);
	e->start = root.raw;
	e->n = levels;
	recorded();
}

void arch_mmu_cpu_init(void)
{
}

/* ---- kmalloc/kfree over malloc, with accounting and failure injection ---- */

static long kmalloc_live;
static unsigned long kmalloc_calls, kmalloc_fail_at;

void *kmalloc(size_t size, unsigned int flags)
{
	pthread_mutex_lock(&fake_lock);
	kmalloc_calls++;
	bool fail = kmalloc_fail_at && kmalloc_calls == kmalloc_fail_at;
	pthread_mutex_unlock(&fake_lock);
	if (fail)
		return NULL;
	void *p = (flags & KM_ZERO) ? calloc(1, size ? size : 16) : malloc(size ? size : 16);
	if (p)
		__atomic_fetch_add(&kmalloc_live, 1, __ATOMIC_RELAXED);
	return p;
}

void kfree(const void *p)
{
	if (p)
		__atomic_fetch_sub(&kmalloc_live, 1, __ATOMIC_RELAXED);
	free((void *)p);
}

long fake_kmalloc_live(void) { return __atomic_load_n(&kmalloc_live, __ATOMIC_RELAXED); }
void fake_kmalloc_fail_nth(unsigned long n) { kmalloc_fail_at = n ? kmalloc_calls + n : 0; }
