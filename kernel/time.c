// SPDX-License-Identifier: MIT
/*
 * Time since kernel entry and the wall clock (see <kern/time.h>). The counter's
 * parameters are written once by the boot CPU before other CPUs start, read-only
 * afterwards; the wall clock's base is written once by its first reader
 * (realtime_state says when it is there).
 */
#include <kern/arch.h>
#include <kern/cpu.h>
#include <kern/printk.h>
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

/*
 * The wall clock's base: 0 unread, 1 being read (by the first caller), 2 ready.
 * The RTC is read once, not at boot, because time_init() runs before devices can
 * be mapped and the generic boot path has no later hook for it; the first
 * CLOCK_REALTIME reader pays for it instead (a CMOS RTC read takes under 2 ms).
 */
enum { RT_UNREAD, RT_READING, RT_READY };
static unsigned int realtime_state = RT_UNREAD;
static uint64_t realtime_base;

uint64_t time_realtime_base(void)
{
	unsigned int state = RT_UNREAD;

	if (__atomic_load_n(&realtime_state, __ATOMIC_ACQUIRE) == RT_READY)
		return realtime_base;
	if (__atomic_compare_exchange_n(&realtime_state, &state, RT_READING, false,
					__ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
		uint64_t rtc, now = time_ns(), base = 0;

		if (arch_rtc_read(&rtc) == 0 && rtc >= now)
			base = rtc - now;
		else
			pr_warn("time: no real-time clock: CLOCK_REALTIME counts from kernel entry\n");
		realtime_base = base;
		__atomic_store_n(&realtime_state, RT_READY, __ATOMIC_RELEASE);
		return base;
	}
	/*
	 * Another thread is reading the RTC, on another CPU or preempted on this one
	 * (the tick preempts this spin too, so it gets to finish): bounded by the read.
	 */
	while (__atomic_load_n(&realtime_state, __ATOMIC_ACQUIRE) != RT_READY)
		cpu_relax();
	return realtime_base;
}

uint64_t time_realtime_ns(void)
{
	return time_realtime_base() + time_ns();
}
