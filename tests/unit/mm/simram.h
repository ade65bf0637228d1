/* SPDX-License-Identifier: MIT */
/*
 * Simulated physical memory for host tests of the physical-memory core.
 *
 * simram_boot() reserves host address space covering physical [0, top of the map)
 * (pages cost nothing until touched), points the direct map at it, and brings up
 * bootmem and the buddy allocator over the given regions, as the kernel does at boot.
 */
#ifndef TESTS_SIMRAM_H
#define TESTS_SIMRAM_H

#include <mm/memmap.h>

#define KiB 1024ull
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

/*
 * Bring up bootmem and the buddy over the @n raw regions @r (normalised here).
 * Any earlier simulated memory is released first. Aborts the test on failure.
 * Returns the normalised map (static storage).
 */
const struct memmap *simram_boot(const struct mem_region *r, size_t n);

/* As simram_boot(), stopping after bootmem_init() (for bootmem's own tests). */
const struct memmap *simram_boot_bootmem_only(const struct mem_region *r, size_t n);

/* Release the simulated memory. */
void simram_release(void);

/* A usual test machine: 640 KiB low RAM, [1 MiB, 64 MiB) with a 2 MiB hole, [4 GiB, +64 MiB). */
const struct memmap *simram_boot_default(void);

#endif
