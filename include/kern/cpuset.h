/* SPDX-License-Identifier: MIT */
/*
 * A set of CPUs (dense indices below NCPUS, see <kern/cpu.h>) as a bitmap. Plain
 * data: callers provide the locking (or use the atomic add/del for sets read by
 * other CPUs, such as the CPUs an address space may be live on).
 */
#ifndef KERN_CPUSET_H
#define KERN_CPUSET_H

#include <kern/cpu.h>
#include <kern/types.h>

#define CPUSET_WORDS ((NCPUS + 63) / 64)

struct cpuset {
	uint64_t bits[CPUSET_WORDS];
};

static inline void cpuset_clear(struct cpuset *s)
{
	for (unsigned int i = 0; i < CPUSET_WORDS; i++)
		s->bits[i] = 0;
}

static inline void cpuset_add(struct cpuset *s, unsigned int cpu)
{
	__atomic_fetch_or(&s->bits[cpu / 64], 1ull << (cpu % 64), __ATOMIC_RELAXED);
}

static inline void cpuset_del(struct cpuset *s, unsigned int cpu)
{
	__atomic_fetch_and(&s->bits[cpu / 64], ~(1ull << (cpu % 64)), __ATOMIC_RELAXED);
}

static inline bool cpuset_has(const struct cpuset *s, unsigned int cpu)
{
	return (__atomic_load_n(&s->bits[cpu / 64], __ATOMIC_RELAXED) >> (cpu % 64)) & 1;
}

/* Does @s hold any CPU other than @cpu? */
static inline bool cpuset_has_other(const struct cpuset *s, unsigned int cpu)
{
	for (unsigned int i = 0; i < CPUSET_WORDS; i++) {
		uint64_t w = __atomic_load_n(&s->bits[i], __ATOMIC_RELAXED);
		if (i == cpu / 64)
			w &= ~(1ull << (cpu % 64));
		if (w)
			return true;
	}
	return false;
}

static inline bool cpuset_is_empty(const struct cpuset *s)
{
	for (unsigned int i = 0; i < CPUSET_WORDS; i++)
		if (__atomic_load_n(&s->bits[i], __ATOMIC_RELAXED))
			return false;
	return true;
}

#endif
