/* SPDX-License-Identifier: MIT */
/* x86_64 trap frame, as built by traps.S. */
#ifndef ARCH_TRAP_H
#define ARCH_TRAP_H

/* Not a hardware vector: the frame x86_syscall_entry builds for a system call. */
#define X86_VEC_SYSCALL 0x100

/* cpu.c's GDT: the user data and 64-bit code selectors, RPL 3, in the order SYSRET
 * needs above STAR's base 0x28 (SS = base + 8, CS = base + 16). */
#define X86_USER_DS 0x33
#define X86_USER_CS 0x3b

#ifndef __ASSEMBLER__
#include <kern/types.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error;
	/* Pushed by the CPU. */
	uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap frame layout must match traps.S");

void x86_trap(struct trap_frame *tf);
bool x86_syscall(struct trap_frame *tf);
void x86_nmi(struct trap_frame *tf);
void x86_cpu_init(void);
#endif

#endif
