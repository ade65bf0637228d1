/* SPDX-License-Identifier: MIT */
/*
 * Time since boot, from each arch's free-running counter (x86_64: the TSC;
 * riscv64: the time CSR). The arch entry code reads the counter as its first act
 * and, once it knows the counter's frequency, calls time_init(); from then on
 * time_ns() counts nanoseconds since that first read, i.e. since kernel entry.
 * Before time_init() it returns 0. The wall clock is below.
 */
#ifndef KERN_TIME_H
#define KERN_TIME_H

#include <kern/types.h>

/* @entry_count: the counter read at kernel entry; @hz: the counter's frequency. */
void time_init(uint64_t entry_count, uint64_t hz);

/* Nanoseconds since kernel entry (0 before time_init()). */
uint64_t time_ns(void);

/* The counter's frequency in Hz (0 before time_init()). */
uint64_t time_counter_hz(void);

/*
 * Wall-clock time (CLOCK_REALTIME): the platform's real-time clock read once, the
 * first time anyone asks (in thread context: reading it may map a device), then
 * carried forward by time_ns(). Without an RTC it counts from kernel entry, as if
 * the machine had booted at the epoch (said once in the log). There is no
 * clock_settime(), so the offset never changes after that read.
 */

/* Nanoseconds since the Unix epoch (UTC) at time_ns() == 0. Thread context. */
uint64_t time_realtime_base(void);

/* Nanoseconds since the Unix epoch now: time_realtime_base() + time_ns(). */
uint64_t time_realtime_ns(void);

/*
 * The arch's part (arch/<arch>/rtc.c): the RTC's time in nanoseconds since the
 * epoch, in *@ns. Returns 0, or -ENODEV if the platform has none (or it holds no
 * plausible time). Called once, in thread context with interrupts on.
 */
int arch_rtc_read(uint64_t *ns);

#endif
