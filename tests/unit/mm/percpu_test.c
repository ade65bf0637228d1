// SPDX-License-Identifier: MIT
/*
 * The per-CPU caches' rules, printed as TAP: only a CPU touches its own caches, and
 * another CPU gets them emptied by a cross-CPU call its owner serves (mm/buddy.c,
 * "Locks"). Threads act as CPUs and serve their calls (host_cpu_attach(), polling
 * where a kernel CPU would take interrupts); the main thread acts as CPU MAIN_CPU,
 * which no thread is attached to, so its own calls run directly. Checked:
 *
 *  - frames and kmalloc objects allocated on one CPU and freed on another sit in the
 *    freeing CPU's caches until that CPU drains them; a drain of each CPU and then
 *    of every CPU, served by the (idle, still running) owners, brings the free
 *    frames and free lists back to the baseline;
 *  - drains requested over and over while the owner is busy allocating and freeing
 *    in bursts (refills and drains of its stacks, with another CPU contending for the
 *    zone and cache locks) change nothing that is allocated and lose nothing: a CPU
 *    waiting for an allocator lock in the middle of a stack update must not run the
 *    drain there (this test fails if mm_lock_wait() serves requests);
 *  - two CPUs draining each other at the same moment both finish.
 *
 * Also built with ThreadSanitizer (mm-percpu-tsan).
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <kern/errno.h>
#include <mm/buddy.h>
#include <mm/frame.h>
#include <mm/slab.h>

#include "../host/kern_host.h"
#include "../host/tap.h"
#include "simram.h"

#define CPU_A    1
#define CPU_B    2
#define MAIN_CPU 3

_Static_assert(MAIN_CPU < CONFIG_MAX_CPUS, "the test's CPUs exist");

static unsigned int errors;   /* atomic: failed checks in threads */
static int attached;          /* atomic: threads attached so far (their calls then wait for them) */

static void error(const char *what, unsigned long v)
{
	__atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
	printf("# thread error: %s (%#lx)\n", what, v);
}

static uint64_t rng(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Every CPU's caches back where they came from: what the ktest runner's check does. */
static void settle(void)
{
	kmalloc_shrink();
	buddy_drain_all();
}

struct snapshot {
	uint64_t free_blocks[ZONE_COUNT][FRAME_ORDERS];
	uint64_t free_frames[ZONE_COUNT];
};

static void take_snapshot(struct snapshot *s)
{
	for (unsigned int z = 0; z < ZONE_COUNT; z++) {
		struct buddy_zone_stats st;
		buddy_get_stats((enum frame_zone)z, &st);
		memcpy(s->free_blocks[z], st.free_blocks, sizeof(st.free_blocks));
		s->free_frames[z] = st.free_frames;
	}
}

static uint64_t cached_frames(void)
{
	uint64_t n = 0;

	for (unsigned int z = 0; z < ZONE_COUNT; z++) {
		struct buddy_zone_stats st;
		buddy_get_stats((enum frame_zone)z, &st);
		n += st.cached_frames;
	}
	return n;
}

static uint64_t kmalloc_cached(void)
{
	uint64_t n = 0;

	for (size_t size = KMALLOC_MIN_SIZE; size <= KMALLOC_MAX_CACHE_SIZE; size *= 2) {
		struct slab_stats st;
		slab_get_stats(kmalloc_cache(size), &st);
		n += st.objects_cached;
	}
	return n;
}

/* Settled: no frame or object cached anywhere, free lists as in @before. */
static void expect_baseline(const struct snapshot *before)
{
	struct snapshot now;

	take_snapshot(&now);
	CHECK_EQ(cached_frames(), 0);
	CHECK_EQ(kmalloc_cached(), 0);
	for (unsigned int z = 0; z < ZONE_COUNT; z++) {
		CHECK_EQ(now.free_frames[z], before->free_frames[z]);
		CHECK(memcmp(now.free_blocks[z], before->free_blocks[z], sizeof(now.free_blocks[z])) == 0,
		      "zone %u: every block coalesced back", z);
	}
	CHECK_EQ(buddy_check(), 0);
	CHECK_EQ(buddy_bad_frees(), 0);
	CHECK_EQ(slab_bad_frees(), 0);
}

static void boot(struct snapshot *before)
{
	simram_boot_default();
	kmalloc_init();
	host_cpu_set(MAIN_CPU);
	__atomic_store_n(&errors, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&attached, 0, __ATOMIC_RELAXED);
	settle();
	take_snapshot(before);
}

static void attach(unsigned int cpu)
{
	host_cpu_attach(cpu);
	__atomic_fetch_add(&attached, 1, __ATOMIC_RELEASE);
}

/* Until @n threads are attached, and so serve every call made to them. */
static void wait_attached(int n)
{
	while (__atomic_load_n(&attached, __ATOMIC_ACQUIRE) < n) {
		host_cpu_poll();
		sched_yield();
	}
}

/* An idle CPU: serves its calls until @stop is set. */
static void idle_until(const int *stop)
{
	while (!__atomic_load_n(stop, __ATOMIC_ACQUIRE)) {
		host_cpu_poll();
		sched_yield();
	}
}

/* Wait for @flag, serving this CPU's calls meanwhile. */
static void wait_for(const int *flag)
{
	idle_until(flag);
}

/* ---- allocated on one CPU, freed on another, then drained ---- */

#define HANDOFF 256

struct item {
	void *p;
	unsigned int order;      /* frames: the order; kmalloc: UINT32_MAX */
	uint64_t tag;
};

static struct item handoff[HANDOFF];
static unsigned int handoff_n;
static int handed, freed, stop;

static void check_tag(const struct item *it)
{
	if (*(uint64_t *)it->p != it->tag)
		error("tag changed", (unsigned long)it->tag);
}

static void *producer(void *arg)
{
	uint64_t seed = 42;

	(void)arg;
	attach(CPU_A);
	for (unsigned int i = 0; i < HANDOFF; i++) {
		struct item it = { .tag = 0xa110c000u + i };
		if (i % 2) {
			paddr_t pa;
			it.order = (unsigned int)(rng(&seed) % BUDDY_PCP_ORDERS);
			if (frame_alloc(it.order, FRAME_NOWARN, &pa) != 0) {
				error("frame_alloc", it.order);
				continue;
			}
			it.p = phys_to_virt(pa);
		} else {
			it.order = UINT32_MAX;
			it.p = kmalloc(16u << (rng(&seed) % 6), KM_NOWARN);
			if (!it.p) {
				error("kmalloc", i);
				continue;
			}
		}
		*(uint64_t *)it.p = it.tag;
		handoff[handoff_n++] = it;
	}
	__atomic_store_n(&handed, 1, __ATOMIC_RELEASE);
	idle_until(&stop);
	host_cpu_detach();
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	attach(CPU_B);
	wait_for(&handed);
	for (unsigned int i = 0; i < handoff_n; i++) {
		check_tag(&handoff[i]);
		if (handoff[i].order == UINT32_MAX)
			kfree(handoff[i].p);
		else
			frame_free(virt_to_phys(handoff[i].p), handoff[i].order);
	}
	__atomic_store_n(&freed, 1, __ATOMIC_RELEASE);
	idle_until(&stop);
	host_cpu_detach();
	return NULL;
}

static void test_remote_frees_then_drain(void)
{
	struct snapshot before;
	pthread_t a, b;

	boot(&before);
	handoff_n = 0;
	handed = freed = stop = 0;
	CHECK(pthread_create(&a, NULL, producer, NULL) == 0, "thread A");
	CHECK(pthread_create(&b, NULL, consumer, NULL) == 0, "thread B");
	while (!__atomic_load_n(&freed, __ATOMIC_ACQUIRE))
		sched_yield();

	/* Everything is free, but CPU B's caches hold what it freed (and A's its refills). */
	wait_attached(2);
	CHECK(cached_frames() > 0, "frames freed on CPU B sit in its cache");
	CHECK(kmalloc_cached() > 0, "objects freed on CPU B sit on its stacks");

	/* CPU A's drain leaves B's cache alone; B's, run by B, empties it. */
	unsigned long a0 = host_cpu_calls_served(CPU_A), b0 = host_cpu_calls_served(CPU_B);
	buddy_drain_cpu(CPU_A);
	CHECK_EQ(host_cpu_calls_served(CPU_A) - a0, 1);
	CHECK_EQ(host_cpu_calls_served(CPU_B) - b0, 0);
	CHECK(cached_frames() > 0, "CPU B's cache is not CPU A's");
	buddy_drain_cpu(CPU_B);
	CHECK_EQ(host_cpu_calls_served(CPU_B) - b0, 1);
	CHECK_EQ(cached_frames(), 0);

	/* Every CPU's kmalloc stacks and frame caches, A and B by their own threads. */
	settle();
	CHECK_EQ(host_cpu_calls_served(CPU_A) - a0, 3);
	CHECK_EQ(host_cpu_calls_served(CPU_B) - b0, 3);
	expect_baseline(&before);

	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	CHECK_EQ(__atomic_load_n(&errors, __ATOMIC_RELAXED), 0);
}

/* ---- drains while the owner is busy ---- */

#define DRAIN_ROUNDS 1500
#define BURST        160   /* more than a stack holds: refills and drains every burst */

/* CPU A: bursts of frames and objects through its own caches, serving calls between. */
static void *busy_owner(void *arg)
{
	uint64_t seed = 7;
	static struct item held[BURST];

	(void)arg;
	attach(CPU_A);
	for (unsigned int r = 0; !__atomic_load_n(&stop, __ATOMIC_ACQUIRE); r++) {
		unsigned int n = 0;
		for (unsigned int i = 0; i < BURST; i++) {
			struct item it = { .tag = ((uint64_t)r << 32) | i };
			host_cpu_poll();
			if (r % 2) {
				paddr_t pa;
				it.order = (unsigned int)(rng(&seed) % BUDDY_PCP_ORDERS);
				if (frame_alloc(it.order, FRAME_NOWARN, &pa) != 0) {
					error("frame_alloc", it.order);
					continue;
				}
				it.p = phys_to_virt(pa);
			} else {
				it.order = UINT32_MAX;
				it.p = kmalloc(64u << (rng(&seed) % 2), KM_NOWARN);
				if (!it.p) {
					error("kmalloc", i);
					continue;
				}
			}
			*(uint64_t *)it.p = it.tag;
			held[n++] = it;
		}
		/* Free in a scrambled order, so that drains do not see a plain stack. */
		while (n > 0) {
			host_cpu_poll();
			unsigned int i = (unsigned int)(rng(&seed) % n);
			check_tag(&held[i]);
			if (held[i].order == UINT32_MAX)
				kfree(held[i].p);
			else if (buddy_free(virt_to_phys(held[i].p), held[i].order) != 0)
				error("buddy_free", held[i].order);
			held[i] = held[--n];
		}
	}
	host_cpu_detach();
	return NULL;
}

/* CPU B: keeps the zone locks and the same kmalloc classes' cache locks busy. */
static void *contender(void *arg)
{
	paddr_t pa[16];
	unsigned int order[16];
	void *obj[96];

	(void)arg;
	attach(CPU_B);
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		unsigned int n = 0;
		for (unsigned int i = 0; i < 16; i++) {
			host_cpu_poll();
			order[n] = i % BUDDY_PCP_ORDERS;
			if (frame_alloc(order[n], FRAME_NOPCP | FRAME_NOWARN, &pa[n]) == 0)
				n++;
		}
		while (n > 0) {
			n--;
			if (buddy_free_direct(pa[n], order[n]) != 0)
				error("buddy_free_direct", n);
		}
		for (unsigned int i = 0; i < 96; i++) {
			obj[i] = kmalloc(64u << (i % 2), KM_NOWARN);
			if (!obj[i])
				error("kmalloc", i);
		}
		for (unsigned int i = 96; i-- > 0;)
			kfree(obj[i]);
	}
	host_cpu_detach();
	return NULL;
}

static void test_drain_while_busy(void)
{
	struct snapshot before;
	pthread_t a, b;
	unsigned long rounds;

	boot(&before);
	stop = 0;
	unsigned long a0 = host_cpu_calls_served(CPU_A), b0 = host_cpu_calls_served(CPU_B);
	CHECK(pthread_create(&a, NULL, busy_owner, NULL) == 0, "thread A");
	CHECK(pthread_create(&b, NULL, contender, NULL) == 0, "thread B");
	wait_attached(2);
	for (rounds = 0; rounds < DRAIN_ROUNDS; rounds++) {
		buddy_drain_cpu(CPU_A);
		slab_cache_shrink(kmalloc_cache(64));
		buddy_drain_cpu(CPU_B);
		kmalloc_shrink();
		buddy_drain_all();
	}
	/* Every request went to the owners' mailboxes and was run by them. */
	CHECK_EQ(host_cpu_calls_served(CPU_A) - a0, 4 * rounds);
	CHECK_EQ(host_cpu_calls_served(CPU_B) - b0, 4 * rounds);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	settle();
	expect_baseline(&before);
	CHECK_EQ(__atomic_load_n(&errors, __ATOMIC_RELAXED), 0);
}

/* ---- two CPUs draining each other at once ---- */

#define MUTUAL 2000

static void *drain_other(void *arg)
{
	unsigned int self = (unsigned int)(uintptr_t)arg, other = self == CPU_A ? CPU_B : CPU_A;

	attach(self);
	wait_attached(2);
	for (unsigned int i = 0; i < MUTUAL; i++) {
		void *p = kmalloc(32, KM_NOWARN);   /* something on this CPU's stack */
		kfree(p);
		if (i % 2)
			buddy_drain_cpu(other);
		else
			slab_cache_shrink(kmalloc_cache(32));
	}
	/* The other one may still be calling: keep serving until both are done. */
	__atomic_fetch_add(&freed, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&freed, __ATOMIC_ACQUIRE) < 2) {
		host_cpu_poll();
		sched_yield();
	}
	host_cpu_detach();
	return NULL;
}

static void test_mutual_drains(void)
{
	struct snapshot before;
	pthread_t a, b;

	boot(&before);
	freed = 0;
	unsigned long a0 = host_cpu_calls_served(CPU_A), b0 = host_cpu_calls_served(CPU_B);
	CHECK(pthread_create(&a, NULL, drain_other, (void *)(uintptr_t)CPU_A) == 0, "thread A");
	CHECK(pthread_create(&b, NULL, drain_other, (void *)(uintptr_t)CPU_B) == 0, "thread B");
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	/* Each ran every request of the other: MUTUAL / 2 drains and MUTUAL / 2 shrinks. */
	CHECK_EQ(host_cpu_calls_served(CPU_A) - a0, MUTUAL);
	CHECK_EQ(host_cpu_calls_served(CPU_B) - b0, MUTUAL);
	settle();
	expect_baseline(&before);
}

int main(void)
{
	tap_start();
	RUN(test_remote_frees_then_drain);
	RUN(test_drain_while_busy);
	RUN(test_mutual_drains);
	simram_release();
	return tap_done();
}
