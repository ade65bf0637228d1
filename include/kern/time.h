/* SPDX-License-Identifier: MIT */
/*
 * Time since boot, from each arch's free-running counter (x86_64: the TSC;
 * riscv64: the time CSR). The arch entry code reads the counter as its first act
 * and, once it knows the counter's frequency, calls time_init(); from then on
 * time_ns() counts nanoseconds since that first read, i.e. since kernel entry.
 * Before time_init() it returns 0.
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

#endif
