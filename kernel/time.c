// SPDX-License-Identifier: MIT
/*
 * Time since kernel entry (see <kern/time.h>). Written once by the boot CPU before
 * other CPUs start; read-only afterwards.
 */
#include <kern/arch.h>
#include <kern/time.h>

static uint64_t entry_count, counter_hz;

void time_init(uint64_t entry, uint64_t hz)
{
	entry_count = entry;
	counter_hz = hz;
}

uint64_t time_counter_hz(void)
{
	return counter_hz;
}

uint64_t time_ns(void)
{
	if (!counter_hz)
		return 0;
	uint64_t ticks = arch_counter_read() - entry_count;
	/*
	 * Split to avoid both overflow and a 128-bit division (no compiler runtime in
	 * the kernel): ticks % hz < hz, so the product stays below 2^64 for any
	 * counter slower than 18 GHz.
	 */
	return ticks / counter_hz * 1000000000ull + ticks % counter_hz * 1000000000ull / counter_hz;
}
