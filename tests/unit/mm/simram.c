// SPDX-License-Identifier: MIT
/* Simulated physical memory for host tests (see simram.h). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include <mm/bootmem.h>
#include <mm/buddy.h>
#include <mm/types.h>

#include "simram.h"

static void *mem;
static size_t mem_len;
static struct memmap map;

void simram_release(void)
{
	if (mem)
		munmap(mem, mem_len);
	mem = NULL;
	mem_len = 0;
}

static void fail(const char *what, int err)
{
	printf("Bail out! simram: %s failed (%d)\n", what, err);
	exit(1);
}

static const struct memmap *boot(const struct mem_region *r, size_t n, bool buddy)
{
	uint64_t top = 0;
	int err;

	simram_release();
	memmap_init(&map);
	for (size_t i = 0; i < n; i++) {
		if ((err = memmap_add(&map, r[i].base, r[i].size, r[i].type)))
			fail("memmap_add", err);
		if (r[i].type == MEM_USABLE && r[i].base + r[i].size > top)
			top = r[i].base + r[i].size;
	}
	if ((err = memmap_normalise(&map, 4096)))
		fail("memmap_normalise", err);
	mem_len = (size_t)top;
	mem = mmap(NULL, mem_len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		mem = NULL;
		fail("mmap", -1);
	}
	mm_direct_map_base = (uintptr_t)mem;
	if ((err = bootmem_init(&map)))
		fail("bootmem_init", err);
	if (buddy && (err = buddy_init(&map)))
		fail("buddy_init", err);
	return &map;
}

const struct memmap *simram_boot(const struct mem_region *r, size_t n)
{
	return boot(r, n, true);
}

const struct memmap *simram_boot_bootmem_only(const struct mem_region *r, size_t n)
{
	return boot(r, n, false);
}

const struct memmap *simram_boot_default(void)
{
	static const struct mem_region r[] = {
		{ 0x1000, 0x9f000 - 0x1000, MEM_USABLE },
		{ 1 * MiB, 63 * MiB, MEM_USABLE },
		{ 8 * MiB, 2 * MiB, MEM_RESERVED },
		{ 4 * GiB, 64 * MiB, MEM_USABLE },
	};
	return simram_boot(r, sizeof(r) / sizeof(r[0]));
}
