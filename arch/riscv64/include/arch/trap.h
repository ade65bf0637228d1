/* SPDX-License-Identifier: MIT */
/*
 * riscv64 trap frame, as built by traps.S on the stack that was current at the
 * trap. The TF_* offsets are for traps.S; the static asserts keep both in step.
 */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

#define TF_REG(n)   ((n) * 8)      /* x0..x31 by register number; x0's slot is unused */
#define TF_SEPC     (32 * 8)
#define TF_SSTATUS  (33 * 8)
#define TF_SCAUSE   (34 * 8)
#define TF_STVAL    (35 * 8)
#define TF_SIZE     (36 * 8)       /* a multiple of 16: the psABI stack alignment */

/* Written at the lowest word of the boot stack by boot.S; overwritten = overflowed. */
#define BOOT_STACK_CANARY 0x57ac4c0ffee5eed5

#ifndef __ASSEMBLER__
#include <kern/types.h>

struct trap_frame {
	uint64_t regs[32];   /* regs[2] is sp before the trap, regs[8] is s0/fp */
	uint64_t sepc;       /* the trapping instruction (exceptions) or the next one */
	uint64_t sstatus;
	uint64_t scause;
	uint64_t stval;      /* faulting address, or instruction bits, or 0 */
};

_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "trap frame layout must match traps.S");
_Static_assert(__builtin_offsetof(struct trap_frame, sepc) == TF_SEPC, "trap frame: sepc");
_Static_assert(__builtin_offsetof(struct trap_frame, stval) == TF_STVAL, "trap frame: stval");
_Static_assert(TF_SIZE % 16 == 0, "trap frame keeps sp 16-byte aligned");

/* The C half of the trap entry (trap.c). */
void riscv_trap(struct trap_frame *tf);

/* The trap vector in traps.S (stvec, direct mode: 4-byte aligned). */
extern char trap_entry[];

/* The boot stack's lowest word holds BOOT_STACK_CANARY (boot.S). */
static inline bool boot_stack_canary_intact(void)
{
	extern char boot_stack_bottom[];
	return *(const uint64_t *)(const void *)boot_stack_bottom == BOOT_STACK_CANARY;
}
#endif

#endif
