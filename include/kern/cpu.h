/* SPDX-License-Identifier: MIT */
/*
 * The current CPU and local interrupt masking, as the generic core sees them.
 *
 * In the kernel (kernel/cpu.c) these call the arch hooks of <kern/arch.h>; host unit
 * tests implement them with threads: each thread acting as a CPU sets its own id,
 * and masking interrupts does nothing (a thread is never interrupted by code that
 * touches the same per-CPU data).
 *
 * Per-CPU data is an array of NCPUS entries indexed by cpu_current(). Code that
 * uses such an entry holds interrupts off (cpu_irq_save()) from reading the id
 * until it is done, so it neither migrates nor races with an interrupt handler on
 * the same CPU.
 */
#ifndef KERN_CPU_H
#define KERN_CPU_H

#include <kern/types.h>
#include "config.h"

/* The compile-time maximum number of CPUs (meson option max_cpus). */
#define NCPUS CONFIG_MAX_CPUS

/* The index of the calling CPU, in [0, NCPUS). Stable while interrupts are off. */
unsigned int cpu_current(void);

/* Mask interrupts on this CPU; returns the previous state for cpu_irq_restore(). */
unsigned long cpu_irq_save(void);

/* Restore the interrupt state that cpu_irq_save() returned. */
void cpu_irq_restore(unsigned long flags);

/* Spin-wait hint for busy loops. */
void cpu_relax(void);

#endif
