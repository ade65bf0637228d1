// SPDX-License-Identifier: MIT
/*
 * The kernel's side of <kern/cpu.h>: the hooks themselves are static inline over
 * the arch hooks of <kern/arch.h>; this file holds their cold path. Host unit tests
 * use the hosted half of <kern/cpu.h> and tests/unit/host/kern_host.c instead.
 */
#include <kern/cpu.h>
#include <kern/panic.h>

void cpu_index_bad(unsigned int id)
{
	panic("CPU index %u, but max_cpus is %u", id, (unsigned int)NCPUS);
}
