// SPDX-License-Identifier: MIT
/* The per-CPU periodic tick (see <kern/timer.h>). */
#include <kern/cpu.h>
#include <kern/percpu.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include <kern/timer.h>

void timer_init_cpu(void)
{
	const char *name = arch_timer_init_cpu();

	this_cpu()->timer_on = name != NULL;
	if (!name)
		pr_warn("timer: CPU %u has no local timer; no tick\n", cpu_current());
	else if (cpu_current() == 0)
		pr_info("timer: %u Hz tick on every CPU from %s\n", TIMER_HZ, name);
}

void timer_tick(void)
{
	this_cpu()->timer_ticks++;
	sched_tick();
}

bool timer_running(unsigned int cpu)
{
	return __atomic_load_n(&cpu_area(cpu)->timer_on, __ATOMIC_RELAXED);
}

uint64_t timer_ticks(unsigned int cpu)
{
	return __atomic_load_n(&cpu_area(cpu)->timer_ticks, __ATOMIC_RELAXED);
}
