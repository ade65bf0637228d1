/* SPDX-License-Identifier: MIT */
/*
 * Host-test support for the virtual-memory core (the tests/unit/mm tests of the
 * mapper, flusher, MMIO allocator and address spaces): a TAP harness, simulated
 * physical memory behind a fake frame allocator (with failure injection and leak
 * accounting) and a recording fake of the TLB and activation hooks of <mm/mmu.h>.
 * Selected at link time: these definitions replace the kernel's. The current CPU
 * (host_cpu_set()) and panic() come from tests/unit/host/kern_host.c. The
 * allocators and the TLB hooks may be called from several threads; the failure
 * injection and fake_tlb_reset() are for single-threaded use.
 */
#ifndef TESTS_UNIT_MM_VM_FAKE_H
#define TESTS_UNIT_MM_VM_FAKE_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kern/cpuset.h>
#include <kern/errno.h>
#include <mm/mmu.h>
#include <mm/types.h>

#include "../host/kern_host.h"

/* ---- TAP (the shared harness) ---- */

#include "../host/tap.h"

/* The paging mode the current test runs in (tests loop over every mode). */
extern unsigned int test_levels;
/* Run the next tests in mode @levels: test_levels and the format's mmu_mode_set(). */
void test_set_levels(unsigned int levels);
/* Run @fn once per paging mode of the arch format, as points "name [mode]". */
void tap_run_modes(const char *name, void (*fn)(void));

/* ---- simulated physical memory and the fake frame allocator ---- */

#define FAKE_PA_BASE 0x40000000ull   /* 1 GiB aligned, so blocks of every order align */

/* (Re)create @bytes of simulated RAM at FAKE_PA_BASE; every frame free. */
void fake_mem_init(size_t bytes);
void fake_mem_fini(void);

/* Frames currently allocated (4 KiB units), and allocation calls so far. */
size_t fake_frames_used(void);
unsigned long fake_alloc_calls(void);

/* Fail the @n-th frame_alloc() call from now (1 = the next one); 0 disables. */
void fake_fail_nth_alloc(unsigned long n);
/* Fail every frame_alloc() while @on. */
void fake_fail_all_allocs(bool on);

/*
 * Call @fn(@arg) once, from the next frame_alloc() that succeeds, after the block
 * is allocated and zeroed: "another CPU" acting while the caller allocates (its
 * own allocations do not call it again). NULL disarms.
 */
void fake_alloc_hook(void (*fn)(void *), void *arg);
/* While @on, every frame_alloc() yields the host CPU once it has the block. */
void fake_alloc_yield(bool on);

/* Is the block at @pa allocated (its first frame)? */
bool fake_frame_is_allocated(paddr_t pa);

/* kmalloc()/kfree() (<mm/slab.h>) over malloc: objects live, and fail the n-th call. */
long fake_kmalloc_live(void);
void fake_kmalloc_fail_nth(unsigned long n);

/* ---- the recording TLB fake ---- */

enum fake_tlb_kind { TLB_EV_PAGE, TLB_EV_ALL, TLB_EV_SHOOTDOWN, TLB_EV_ACTIVATE };

struct fake_tlb_event {
	enum fake_tlb_kind kind;
	uintptr_t start, end;
	size_t stride;
	unsigned int n;              /* shootdown: ranges (0 = everything) */
	struct cpuset cpus;          /* shootdown targets */
	size_t frames_used;          /* fake_frames_used() when the event happened */
};

#define FAKE_TLB_MAX_EVENTS 4096
extern struct fake_tlb_event fake_tlb_events[FAKE_TLB_MAX_EVENTS];
extern unsigned int fake_tlb_nr;          /* recorded (saturates at the maximum) */
extern unsigned long fake_tlb_pages;      /* arch_tlb_flush_page() calls in total */

void fake_tlb_reset(void);

/*
 * Call @fn(@arg) at every flush (arch_tlb_flush_page(), _all(), _shootdown()),
 * before it is recorded: a test looks at the page table as it is when the TLB is
 * flushed (break-before-make). Single-threaded tests only; NULL disarms.
 */
void fake_tlb_hook(void (*fn)(void *), void *arg);


#endif
