// SPDX-License-Identifier: MIT
/*
 * Time helpers over clock_gettime() and nanosleep(), in nanoseconds (int64_t lasts
 * 292 years).
 */
#include "rt.h"

int64_t rt_ts_ns(const struct linux_timespec *ts)
{
	return (int64_t)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

struct linux_timespec rt_ns_ts(int64_t ns)
{
	struct linux_timespec ts = { ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };

	return ts;
}

int64_t rt_clock_ns(int clock)
{
	struct linux_timespec ts;
	long r = sys_clock_gettime(clock, &ts);

	return r ? r : rt_ts_ns(&ts);
}

void rt_sleep_ns(int64_t ns)
{
	struct linux_timespec req = rt_ns_ts(ns), rem;

	/* nanosleep() leaves what remains in rem when a signal handler ran */
	while (sys_nanosleep(&req, &rem) == -EINTR)
		req = rem;
}
