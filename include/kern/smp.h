/* SPDX-License-Identifier: MIT */
/*
 * SMP: bringing the other CPUs up, and cross-CPU calls (kernel/smp.c).
 *
 * CPU indices are dense: 0 is the boot CPU, the others follow in the order the
 * firmware lists them (ACPI MADT, device tree /cpus), up to NCPUS; hardware ids
 * (APIC ids, hart ids) are per-CPU data (struct percpu's hwid).
 *
 * ---- The rule for waiting on another CPU (the flush protocol rests on it) ----
 *
 *  1. A request's function runs on its target with interrupts masked, from the
 *     cross-CPU-call interrupt or from a wait loop of that CPU (rule 2). It must
 *     not wait for another CPU, and may take only locks that no CPU ever holds
 *     while it serves requests: in practice none, except the allocators' zone and
 *     cache locks, whose holders never wait for another CPU and whose spin serves
 *     nothing (mm_lock_noserve(), <mm/buddy.h>), so that a per-CPU cache drain can
 *     hand its blocks back. It does a bounded piece of local work (a TLB flush, a
 *     counter, such a drain) and returns.
 *  2. A CPU that waits for another CPU serves the requests sent to it while it
 *     waits: the wait for a call's completion does, and so does every spinlock's
 *     wait loop (cpu_relax() in the kernel polls this CPU's mailbox). So two CPUs
 *     calling each other at once both finish, and a CPU spinning on a lock the
 *     caller holds, even with interrupts masked, still answers the caller.
 *  3. Hence calling with interrupts masked works by design, and so does calling
 *     with spinlocks held (kmap_end() shoots down under kmap_lock). Only a CPU
 *     that spins in a loop of its own without cpu_relax() and with interrupts
 *     masked cannot answer: such loops must be bounded. A call that is not
 *     answered within smp_call_timeout_ms panics, naming the CPUs that did not
 *     answer.
 *  4. Calls are made from thread context (never from a request's function or an
 *     interrupt handler: rule 1); the caller's CPU never waits for itself: if it
 *     is in the target set, the function runs locally, directly.
 *
 * No lock is involved: each CPU has one outgoing request slot and one incoming
 * set of senders (struct percpu); see kernel/smp.c for the memory ordering.
 */
#ifndef KERN_SMP_H
#define KERN_SMP_H

#include <kern/cpuset.h>
#include <kern/percpu.h>
#include <kern/types.h>

/* The CPUs that run the kernel and serve cross-CPU calls (bits set by each CPU). */
extern struct cpuset cpu_online_set;

/* How many CPUs are online; how many the firmware described (and we could use). */
unsigned int smp_online_count(void);
unsigned int smp_possible_count(void);

/* An unanswered call panics after this long (command line smp_timeout_ms=). */
extern unsigned int smp_call_timeout_ms;

/*
 * Called by arch_smp_enumerate() once per enabled CPU the firmware describes,
 * the boot CPU included (recognised by bi->boot_cpu). Returns the CPU's dense
 * index, or -1 if it is left out (NCPUS reached; said in the log).
 */
int smp_cpu_found(unsigned long hwid);

/* The dense index of hardware id @hwid, or -1 if there is no such CPU. */
int smp_cpu_of_hwid(unsigned long hwid);

/*
 * Early, on the boot CPU before anything else: make percpu_areas[0] the boot
 * CPU's (the arch sets its per-CPU register to it).
 */
void smp_boot_cpu_early(unsigned long boot_hwid);

/*
 * Start every other CPU (kernel_main(), after mm_init()): enumerate, give each a
 * guarded kernel stack, start it through arch_cpu_start() and wait for it to come
 * online (a CPU that does not within a timeout is reported and left out). Prints
 * "smp: N of M CPUs online".
 */
void smp_init(void);

/*
 * Where an AP's arch code goes once it runs C on the kernel page table with its
 * per-CPU register, its stack and its trap handlers set up, interrupts masked:
 * joins the kernel-half TLB set and the online set, then idles serving calls.
 */
__noreturn void smp_ap_entry(void);

/*
 * Cross-CPU calls. Run @fn(@arg) on @cpu / every CPU in @cpus / every online CPU
 * but the caller. Offline CPUs in @cpus are skipped. With @wait, return once every
 * target has run it; without, return once the request is sent (@fn and @arg must
 * stay valid until it ran; the caller's next call waits for it first, see
 * smp_call_sync()). Rules: above.
 */
void smp_call_cpu(unsigned int cpu, smp_call_fn fn, void *arg, bool wait);
void smp_call_mask(const struct cpuset *cpus, smp_call_fn fn, void *arg, bool wait);
void smp_call_others(smp_call_fn fn, void *arg, bool wait);

/*
 * Hand @fn(@arg) to the idle loop of CPU @cpu (not the caller), where it runs in
 * that CPU's idle thread with interrupts masked: unlike a request's function it
 * may take locks, allocate and make cross-CPU calls, but it must not sleep (the
 * idle thread never does; use a thread, <kern/sched.h>, for that). The tests use it. Returns 0, -EBUSY if that CPU still runs earlier work, or -EINVAL if
 * it is the caller or offline. smp_work_wait() waits for it to return.
 */
int smp_work_start(unsigned int cpu, smp_call_fn fn, void *arg);
void smp_work_wait(unsigned int cpu);
bool smp_work_done(unsigned int cpu);

/* Wait until the calling CPU's last request (waiting or not) has been run everywhere. */
void smp_call_sync(void);

/* Serve the requests sent to this CPU (interrupts masked inside). */
void smp_poll(void);

/* Is anything waiting in this CPU's mailbox? (cheap; for wait loops) */
static inline bool smp_poll_pending(void)
{
	return !cpuset_is_empty(&this_cpu()->call_from);
}

/* The arch's cross-CPU-call interrupt handler calls this (interrupts masked). */
void smp_ipi_interrupt(void);

/*
 * panic(): stop every other online CPU (arch_smp_send_stop(), an NMI where there is
 * one) and wait a bounded time for them to stop. Returns whether this CPU is the
 * one that stops the others (false: another CPU panicked first; halt quietly).
 */
bool smp_stop_others(void);

/* Set by smp_stop_others(): CPUs that see it in smp_poll() or an NMI halt. */
extern int smp_stopping;

/* Halt the calling CPU for a panic elsewhere (smp_poll(), the arch's NMI handler). */
__noreturn void smp_stopped_halt(void);

#endif
