/* SPDX-License-Identifier: MIT */
/*
 * The per-CPU periodic tick (kernel/timer.c): every online CPU takes a timer
 * interrupt TIMER_HZ times a second, from its own local timer (x86_64: the LAPIC
 * timer; riscv64: Sstc's stimecmp, else the SBI timer), whenever it runs with
 * interrupts enabled. The handler only counts (it takes no lock), so no lock
 * needs masking against it; the scheduler will hang preemption on it.
 */
#ifndef KERN_TIMER_H
#define KERN_TIMER_H

#include <kern/types.h>

#define TIMER_HZ 100

/* Start the calling CPU's tick (smp_init() for the boot CPU, smp_ap_entry() for the others). */
void timer_init_cpu(void);

/* The arch's timer interrupt handler calls this once per tick (interrupts masked). */
void timer_tick(void);

/* Does @cpu have a tick? */
bool timer_running(unsigned int cpu);

/* Ticks taken by @cpu so far. */
uint64_t timer_ticks(unsigned int cpu);

/*
 * The arch hooks: start the calling CPU's local timer at TIMER_HZ and return its
 * name (for the log), or NULL if it has none; on each timer interrupt re-arm it
 * if it is one-shot, then call timer_tick().
 */
const char *arch_timer_init_cpu(void);

#endif
