/* SPDX-License-Identifier: MIT */
/*
 * Spinlocks: a test-and-test-and-set lock on one word, built on the compiler's
 * __atomic builtins (understood by ThreadSanitizer in host tests).
 *
 * spin_lock() does not touch the interrupt state: code that also runs in
 * interrupt context takes the lock with spin_lock_irqsave(). Holding a spinlock
 * disables preemption (<kern/sched.h>): the tick never switches away from a holder,
 * so a thread spinning on the same CPU cannot wait for one that is switched out.
 * Not recursive. The lock order of each subsystem is written in its file's header
 * comment.
 */
#ifndef KERN_SPINLOCK_H
#define KERN_SPINLOCK_H

#include <kern/cpu.h>
#include <kern/types.h>

typedef struct {
	uint32_t locked;   /* 0 free, 1 held */
} spinlock_t;

#define SPINLOCK_INIT { 0 }

static inline void spin_init(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELAXED);
}

/* Take @l if it is free; returns whether it was taken. */
static inline bool spin_trylock(spinlock_t *l)
{
	preempt_disable();
	if (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE) == 0)
		return true;
	preempt_enable();
	return false;
}

/* Spin until @l is free, then take it. */
static inline void spin_lock(spinlock_t *l)
{
	while (unlikely(!spin_trylock(l))) {
		/* Wait with plain loads so the line stays shared while it is held. */
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			cpu_relax();
	}
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	preempt_enable();
}

/* Is @l held (by anyone)? For assertions only. */
static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->locked, __ATOMIC_RELAXED) != 0;
}

/* Mask local interrupts, then take @l; returns the state for spin_unlock_irqrestore(). */
static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = cpu_irq_save();

	spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	spin_unlock(l);
	cpu_irq_restore(flags);
}

#endif
