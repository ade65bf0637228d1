/* SPDX-License-Identifier: MIT */
/*
 * aarch64 trap frame, as built by traps.S on the stack that was current at the
 * exception (or at the top of the thread's kernel stack, from EL0). The TF_*
 * offsets are for traps.S; the static asserts keep both in step.
 */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#define TF_REG(n)   ((n) * 8)      /* x0..x30 */
#define TF_SP       (31 * 8)       /* sp before the exception (SP_EL1, or SP_EL0 from EL0) */
#define TF_ELR      (32 * 8)
#define TF_SPSR     (33 * 8)
#define TF_ESR      (34 * 8)
#define TF_FAR      (35 * 8)
#define TF_TPIDR    (36 * 8)       /* TPIDR_EL0, the user's TLS register (from EL0 only) */
#define TF_SIZE     (38 * 8)       /* a multiple of 16: the AAPCS64 stack alignment */

/* Written at the lowest word of the boot stack by boot.S; overwritten = overflowed. */
#define BOOT_STACK_CANARY 0x57ac4c0ffee5eed5

/* The exception kinds traps.S passes to aarch64_trap() (the vector's slot). */
#define TRAP_SYNC   0
#define TRAP_IRQ    1
#define TRAP_FIQ    2
#define TRAP_SERROR 3

#ifndef __ASSEMBLER__
#include <kern/types.h>

struct trap_frame {
	uint64_t regs[31];   /* x0..x30; regs[29] is the frame pointer, regs[30] lr */
	uint64_t sp;
	uint64_t elr;        /* the trapping instruction (synchronous) or the next one */
	uint64_t spsr;       /* PSTATE before the exception: mode, DAIF, PAN */
	uint64_t esr;        /* syndrome (synchronous exceptions and SErrors) */
	uint64_t far;        /* faulting address (aborts, alignment faults) */
	/*
	 * TPIDR_EL0, which EL0 writes itself (MSR, no system call): saved at every
	 * entry from EL0 and restored at every return, so each thread's goes with its
	 * frame and a switch needs nothing (arch_set_user_tls()).
	 */
	uint64_t tpidr;
	uint64_t pad;
};

_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "trap frame layout must match traps.S");
_Static_assert(__builtin_offsetof(struct trap_frame, sp) == TF_SP, "trap frame: sp");
_Static_assert(__builtin_offsetof(struct trap_frame, far) == TF_FAR, "trap frame: far");
_Static_assert(__builtin_offsetof(struct trap_frame, tpidr) == TF_TPIDR, "trap frame: tpidr");
_Static_assert(TF_SIZE % 16 == 0, "trap frame keeps sp 16-byte aligned");

/* The C half of the exception entry (trap.c); @kind is a TRAP_* value. */
void aarch64_trap(struct trap_frame *tf, unsigned long kind);

/* The vector table (traps.S, VBAR_EL1: 2 KiB aligned). */
extern char aarch64_vectors[];

/* Did the exception come from EL0? */
static inline bool trap_from_user(const struct trap_frame *tf)
{
	return (tf->spsr & 0xf) == 0;
}

/* The boot stack's lowest word holds BOOT_STACK_CANARY (boot.S). */
static inline bool boot_stack_canary_intact(void)
{
	extern char boot_stack_bottom[];
	return *(const uint64_t *)(const void *)boot_stack_bottom == BOOT_STACK_CANARY;
}
#endif

#endif
