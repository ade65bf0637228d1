/* SPDX-License-Identifier: MIT */
/*
 * x86_64 local APIC (xAPIC, memory-mapped; apic.c) and the interrupt vectors the
 * kernel uses besides the 32 exceptions. Usable from assembly (the vectors).
 *
 * Section numbers are the Intel SDM vol. 3A's, chapter 10 "Advanced Programmable
 * Interrupt Controller (APIC)" (chapter 11 in editions from 2023 on).
 */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

/*
 * Vectors 0x00-0x1f are the exceptions (SDM 6.2). An interrupt's priority class
 * is its vector >> 4 (10.8.3.1): the cross-CPU call sits in the top class, below
 * the spurious vector, which 10.9 lets software choose freely (on P6 and Pentium
 * processors its low four bits must be ones: 0xff satisfies every model).
 */
#define X86_VEC_NMI       2
#define X86_VEC_TIMER     0xef   /* the local APIC timer: timer_tick() (timer.c) */
#define X86_VEC_IPI       0xf0   /* cross-CPU call: smp_ipi_interrupt() */
#define X86_VEC_SPURIOUS  0xff

#ifndef __ASSEMBLER__
#include <kern/types.h>

/* Is there a local APIC (CPUID.1:EDX[9]), mapped and usable? Set once on the boot CPU. */
bool x86_lapic_present(void);

/* Physical base of the local APIC (IA32_APIC_BASE), valid when present. */
uint64_t x86_lapic_phys(void);

/*
 * Boot CPU, from arch_devices_init(): find the local APIC, map it through
 * ioremap() and enable it (x86_lapic_cpu_init()). Without one, every other
 * x86_lapic_* call but x86_lapic_present() is a broken invariant.
 */
void x86_lapic_init(void);

/* Every CPU, once: software-enable its local APIC, mask its local interrupt sources. */
void x86_lapic_cpu_init(void);

/* This CPU's local APIC id (the xAPIC ID register, bits 31:24). */
unsigned int x86_lapic_id(void);

/* This CPU's spurious-interrupt vector register (tests: software enable, vector). */
uint32_t x86_lapic_svr(void);
#define X86_LAPIC_SVR_ENABLE (1u << 8)

/*
 * This CPU's local APIC timer (10.5.4), one-shot, counting down at the bus clock
 * divided by 16: x86_lapic_timer_start() loads @count and starts it, raising
 * X86_VEC_TIMER when it reaches zero (@interrupt) or masked (for measuring its
 * rate); x86_lapic_timer_restart() starts it again with the same mode;
 * x86_lapic_timer_count() reads the current count; _stop() stops it.
 */
void x86_lapic_timer_start(uint32_t count, bool interrupt);
void x86_lapic_timer_restart(uint32_t count);
uint32_t x86_lapic_timer_count(void);
void x86_lapic_timer_stop(void);

/* End of interrupt for the one being served (not for the spurious vector, 10.9). */
void x86_lapic_eoi(void);

/*
 * Send an IPI to the local APIC with id @apic_id (physical destination mode):
 * @icr_low is the ICR's low word without the destination (vector, delivery mode,
 * level, trigger; X86_ICR_* below). Waits, bounded, for the previous IPI of this
 * CPU to leave first. Returns false if the ICR stayed busy (the IPI was not sent).
 * Interrupts are masked inside: the two ICR halves are written as one.
 */
bool x86_lapic_send_ipi(unsigned int apic_id, uint32_t icr_low);

/* Interrupt Command Register, low word (10.6.1, figure 10-12). */
#define X86_ICR_FIXED      (0u << 8)
#define X86_ICR_NMI        (4u << 8)
#define X86_ICR_INIT       (5u << 8)
#define X86_ICR_STARTUP    (6u << 8)
#define X86_ICR_BUSY       (1u << 12)   /* delivery status: send pending */
#define X86_ICR_ASSERT     (1u << 14)   /* level: assert (every mode but INIT de-assert) */
#define X86_ICR_LEVEL_TRIG (1u << 15)
#endif

#endif
