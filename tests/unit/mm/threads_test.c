// SPDX-License-Identifier: MIT
/*
 * Multi-threaded stress of the buddy allocator and kmalloc, printed as TAP. Each
 * thread acts as one CPU and serves that CPU's cross-CPU calls (host_cpu_attach(),
 * polling between operations as a kernel CPU takes interrupts), so the per-CPU
 * caches and stacks are exercised as in the kernel; allocations are handed between
 * threads so that many are freed on another CPU than the one that allocated them,
 * and threads occasionally drain another CPU's caches, a request that CPU's thread
 * runs. Each allocation carries a tag checked when it is freed. At the end
 * everything is freed and the allocator must be back in its starting state. Also
 * built with ThreadSanitizer (mm-threads-tsan).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <kern/errno.h>
#include <mm/buddy.h>
#include <mm/frame.h>
#include <mm/slab.h>

#include "../host/kern_host.h"
#include "../host/tap.h"
#include "simram.h"

#define THREADS      4
#define STEPS        100000
#define LOCAL_MAX    128
#define EXCHANGE_MAX 256

_Static_assert(THREADS <= CONFIG_MAX_CPUS, "one CPU per thread");

struct item {
	void *p;                 /* direct-map pointer */
	unsigned int order;      /* frames: the order; kmalloc: UINT_MAX */
	uint64_t tag;
};

static struct item exchange[EXCHANGE_MAX];
static unsigned int exchange_n;
static pthread_mutex_t exchange_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int errors;   /* atomic */

static uint64_t rng(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void release(struct item *it)
{
	if (*(uint64_t *)it->p != it->tag) {
		__atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
		printf("# allocation %p: tag %#lx became %#lx\n", it->p, (unsigned long)it->tag,
		       (unsigned long)*(uint64_t *)it->p);
	}
	if (it->order == UINT32_MAX)
		kfree(it->p);
	else if (buddy_free(virt_to_phys(it->p), it->order) != 0)
		__atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
}

static void *worker(void *arg)
{
	unsigned int cpu = (unsigned int)(uintptr_t)arg;
	uint64_t seed = cpu * 1000003ull + 17, tags = (uint64_t)cpu << 48;
	struct item local[LOCAL_MAX];
	unsigned int n = 0;

	host_cpu_attach(cpu);
	for (unsigned int s = 0; s < STEPS; s++) {
		uint64_t r = rng(&seed) % 100;

		host_cpu_poll();   /* "interrupts enabled": serve the other threads' drains */

		if (r < 50 && n < LOCAL_MAX) {
			struct item it = { .tag = ++tags };
			if (rng(&seed) % 2) {
				unsigned int order = rng(&seed) % 8 == 0 ? (unsigned int)(rng(&seed) % 7)
									 : (unsigned int)(rng(&seed) % 2);
				paddr_t pa;
				if (buddy_alloc(order, FRAME_NOWARN, paddr(UINT64_MAX), &pa) != 0)
					continue;
				it.p = phys_to_virt(pa);
				it.order = order;
			} else {
				size_t size = 8 + rng(&seed) % (rng(&seed) % 8 == 0 ? 20000 : 600);
				it.p = kmalloc(size, KM_NOWARN);
				if (!it.p)
					continue;
				it.order = UINT32_MAX;
			}
			*(uint64_t *)it.p = it.tag;
			local[n++] = it;
		} else if (r < 80 && n > 0) {
			unsigned int i = (unsigned int)(rng(&seed) % n);
			release(&local[i]);
			local[i] = local[--n];
		} else if (r < 90 && n > 0) {
			/* Hand one to whichever thread takes it next. */
			pthread_mutex_lock(&exchange_lock);
			if (exchange_n < EXCHANGE_MAX)
				exchange[exchange_n++] = local[--n];
			pthread_mutex_unlock(&exchange_lock);
		} else if (r < 99) {
			struct item it = { 0 };
			pthread_mutex_lock(&exchange_lock);
			if (exchange_n > 0)
				it = exchange[--exchange_n];
			pthread_mutex_unlock(&exchange_lock);
			if (it.p)
				release(&it);   /* freed on another CPU than it was allocated on */
		} else {
			/* Reach into another CPU's caches. */
			unsigned int other = (unsigned int)(rng(&seed) % THREADS);
			if (rng(&seed) % 2)
				buddy_drain_cpu(other);
			else
				slab_cache_shrink(kmalloc_cache(8 + rng(&seed) % 600));
		}
	}
	while (n > 0)
		release(&local[--n]);
	host_cpu_detach();
	return NULL;
}

static void shrink_all(void)
{
	for (size_t size = KMALLOC_MIN_SIZE; size <= KMALLOC_MAX_CACHE_SIZE; size *= 2)
		slab_cache_shrink(kmalloc_cache(size));
	buddy_drain_all();
}

static void test_threads(void)
{
	pthread_t t[THREADS];
	struct buddy_zone_stats before[ZONE_COUNT], after[ZONE_COUNT];

	simram_boot_default();
	kmalloc_init();
	for (unsigned int z = 0; z < ZONE_COUNT; z++)
		buddy_get_stats((enum frame_zone)z, &before[z]);
	for (unsigned int i = 0; i < THREADS; i++)
		CHECK(pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i) == 0, "thread %u", i);
	for (unsigned int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	while (exchange_n > 0)
		release(&exchange[--exchange_n]);
	CHECK_EQ(__atomic_load_n(&errors, __ATOMIC_RELAXED), 0);
	CHECK_EQ(buddy_bad_frees(), 0);
	CHECK_EQ(slab_bad_frees(), 0);

	shrink_all();
	for (unsigned int z = 0; z < ZONE_COUNT; z++) {
		buddy_get_stats((enum frame_zone)z, &after[z]);
		CHECK_EQ(after[z].cached_frames, 0);
		CHECK_EQ(after[z].free_frames, before[z].free_frames);
		CHECK(memcmp(after[z].free_blocks, before[z].free_blocks, sizeof(before[z].free_blocks)) == 0,
		      "zone %u: every block coalesced back", z);
	}
	CHECK_EQ(buddy_check(), 0);
}

int main(void)
{
	tap_start();
	RUN(test_threads);
	simram_release();
	return tap_done();
}
