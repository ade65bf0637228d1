/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU areas: one struct percpu per possible CPU, indexed by the dense CPU
 * index (0 is the boot CPU). Each CPU's per-CPU register points at its own area
 * from its first C instruction on (x86_64: the GS base, with self at %gs:8;
 * riscv64: tp), which is how arch_cpu_index() answers in one load.
 *
 * Fields are written by their own CPU only, except where a comment names who
 * else does (the cross-CPU call mailbox, written with atomics by senders).
 *
 * Assembly reads a few fields at fixed offsets (PERCPU_* below, checked by
 * _Static_assert in kernel/smp.c).
 */
#ifndef KERN_PERCPU_H
#define KERN_PERCPU_H

/* Offsets for assembly (traps.S, the AP entry code). */
#define PERCPU_INDEX        0
#define PERCPU_SELF         8
#define PERCPU_STACK_GUARD  16
#define PERCPU_STACK_BOTTOM 24
#define PERCPU_STACK_TOP    32
#define PERCPU_SCRATCH      40   /* 4 words of arch scratch space for trap entry */

#ifndef __ASSEMBLER__
#include <kern/cpuset.h>
#include <kern/types.h>

struct thread;

typedef void (*smp_call_fn)(void *arg);

/*
 * A CPU's state: the boot CPU sets STARTING before arch_cpu_start(); the CPU moves
 * it to ONLINE, unless the boot CPU gave up first (ABANDONED: the CPU then halts).
 * STOPPED: halted by a panic.
 */
enum cpu_state { CPU_OFFLINE, CPU_STARTING, CPU_ONLINE, CPU_ABANDONED, CPU_STOPPED };

/*
 * The request a CPU sends (one at a time; see kernel/smp.c). fn and arg are
 * written by the owner before it announces the request (release) and read by
 * targets after they see it (acquire); waiting holds the targets that have not
 * finished: each target clears its own bit (release) after fn returned.
 */
struct smp_call {
	smp_call_fn fn;
	void *arg;
	struct cpuset waiting;
};

struct percpu {
	unsigned int index;          /* PERCPU_INDEX: this CPU's dense index */
	unsigned int pad0;
	struct percpu *self;         /* PERCPU_SELF: this area (x86_64 reads %gs:8) */
	uintptr_t stack_guard;       /* this CPU's kernel stack: guard page [guard, bottom) */
	uintptr_t stack_bottom;
	uintptr_t stack_top;         /*   and the stack [bottom, top) */
	uintptr_t scratch[4];        /* PERCPU_SCRATCH: the arch's trap entry */
	/* The thread running here: written by this CPU only, at each switch
	 * (kernel/sched.c); thread_current() reads it in one load. */
	struct thread *curr;

	unsigned long hwid;          /* APIC id, hart id (set before the CPU starts) */
	unsigned int state;          /* enum cpu_state; CAS between the CPU and the boot CPU */

	/* Cross-CPU calls: senders with a request for this CPU (senders set, we clear). */
	struct cpuset call_from;
	/* This CPU's own outgoing request. */
	struct smp_call call;

	/* Work handed to this CPU's idle loop (smp_work_start()); fn NULL when idle. */
	smp_call_fn work_fn;
	void *work_arg;

	/* Counters, written by this CPU only (read by tests and the boot log). */
	uint64_t ipis_received;      /* cross-CPU-call interrupts taken */
	uint64_t calls_served;       /* requests of other CPUs run here */
	uint64_t shootdowns_served;  /* TLB shootdown requests run here */
	uint64_t call_rounds;        /* requests this CPU sent (one round of interrupts each) */
	uint64_t ipis_sent;          /* cross-CPU-call interrupts it sent: one per target */
	uint64_t shootdowns_sent;    /* TLB shootdowns this CPU initiated (any mechanism) */
	uint64_t shootdowns_by_call; /*   of which by cross-CPU call (targets count them) */
	uint64_t timer_ticks;        /* local timer interrupts (<kern/timer.h>) */
	bool timer_on;               /* this CPU's tick is armed */
} __aligned(64);

extern struct percpu percpu_areas[NCPUS];

/* The calling CPU's area (stable while interrupts are masked). */
static inline struct percpu *this_cpu(void)
{
	return &percpu_areas[cpu_current()];
}

static inline struct percpu *cpu_area(unsigned int cpu)
{
	return &percpu_areas[cpu];
}
#endif

#endif
