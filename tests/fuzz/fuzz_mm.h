/* SPDX-License-Identifier: MIT */
/*
 * Shared pieces of the allocator fuzz targets: a byte reader over the fuzzer's
 * input, a small simulated machine, and the end-of-input check that everything
 * freed means the starting state again. A violation aborts (libFuzzer reports it
 * with the input that caused it).
 */
#ifndef TESTS_FUZZ_MM_H
#define TESTS_FUZZ_MM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mm/buddy.h>
#include <mm/frame.h>
#include <mm/slab.h>

#include "../unit/host/kern_host.h"
#include "../unit/mm/model.h"
#include "../unit/mm/simram.h"

struct input {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t take(struct input *in, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++) {
		v = (v << 8) | (in->n ? *in->p : 0);
		if (in->n) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

#define FUZZ_ASSERT(cond, ...)                                             \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "fuzz: %s: ", #cond);              \
			fprintf(stderr, __VA_ARGS__);                      \
			fprintf(stderr, "\n");                             \
			abort();                                           \
		}                                                          \
	} while (0)

struct fuzz_snapshot {
	uint64_t free_blocks[ZONE_COUNT][FRAME_ORDERS];
	uint64_t free_frames[ZONE_COUNT];
};

static inline void fuzz_snapshot(struct fuzz_snapshot *s)
{
	for (size_t size = KMALLOC_MIN_SIZE; size <= KMALLOC_MAX_CACHE_SIZE; size *= 2)
		slab_cache_shrink(kmalloc_cache(size));
	buddy_drain_all();
	memset(s, 0, sizeof(*s));
	for (unsigned int z = 0; z < ZONE_COUNT; z++) {
		struct buddy_zone_stats st;
		buddy_get_stats((enum frame_zone)z, &st);
		memcpy(s->free_blocks[z], st.free_blocks, sizeof(st.free_blocks));
		s->free_frames[z] = st.free_frames;
	}
}

/* A small machine: 3 MiB of low memory, 16 MiB in DMA, 16 MiB in NORMAL. */
static inline void fuzz_boot(struct fuzz_snapshot *start)
{
	static const struct mem_region r[] = {
		{ 1 * MiB, 3 * MiB, MEM_USABLE },
		{ 16 * MiB, 16 * MiB, MEM_USABLE },
		{ 4 * GiB, 16 * MiB, MEM_USABLE },
	};
	host_printk_quiet(1);
	host_cpu_set(0);
	simram_boot(r, sizeof(r) / sizeof(r[0]));
	kmalloc_init();
	fuzz_snapshot(start);
}

#endif
