/* SPDX-License-Identifier: MIT */
/* x86_64 inline CPU helpers (for <kern/arch.h> and arch/x86_64/). */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <kern/types.h>

/* The frame pointer of the function this is expanded in. */
#define arch_frame_address() ((uintptr_t)__builtin_frame_address(0))

/* Spin-wait hint. */
static inline void arch_cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

/* Callee-saved state for arch_setjmp()/arch_longjmp() (lib.S): rbx, rbp, r12-r15, rsp, rip. */
struct arch_jmp_buf {
	uint64_t regs[8];
};

/* The TSC: constant-rate on every CPU QEMU models (and every x86_64 since ~2008). */
static inline uint64_t arch_counter_read(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ __volatile__("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;
	__asm__ __volatile__("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;
	__asm__ __volatile__("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr0(void)
{
	uint64_t v;
	__asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;
	__asm__ __volatile__("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ __volatile__("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

/* Local interrupt masking and the CPU index, for <kern/arch.h>. */
#define X86_RFLAGS_IF 0x200   /* SDM vol. 1, 3.4.3.3: interrupt enable flag */

static inline unsigned long arch_irq_save(void)
{
	unsigned long flags;

	__asm__ __volatile__("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

/*
 * SMEP and SMAP (SDM vol. 3A 4.6.1), on where the CPU has both (cpu.c): the kernel
 * then never executes user pages, and reads or writes them only between stac and
 * clac, which is what copy_from_user()/copy_to_user() do. Without SMAP, stac and
 * clac do not exist (#UD), hence the flag.
 */
extern bool x86_user_pages_guarded;

static inline void arch_user_access_begin(void)
{
	if (x86_user_pages_guarded)
		__asm__ __volatile__("stac" ::: "memory");
}

static inline void arch_user_access_end(void)
{
	if (x86_user_pages_guarded)
		__asm__ __volatile__("clac" ::: "memory");
}

/* Does the kernel fault on user pages outside arch_user_access_begin/end()? */
static inline bool arch_user_pages_guarded(void)
{
	return x86_user_pages_guarded;
}

/* User mode: SYSCALL entry and iretq return (traps.S), <kern/arch.h>. */
#define ARCH_HAS_USER_MODE 1
/* The user frame arch_user_resume() returns through: struct trap_frame (<arch/trap.h>). */
#define ARCH_USER_FRAME_SIZE (22 * 8)

/*
 * A thread's user FP/SSE state while it is switched out (struct thread's fpu_state,
 * <kern/arch.h> arch_fpu_*): one FXSAVE area (SDM vol. 1 10.5.1, table 10-2), which
 * FXSAVE/FXRSTOR need 16-byte aligned.
 */
#define ARCH_FPU_STATE_SIZE  512
#define ARCH_FPU_STATE_ALIGN 16
/* The MXCSR bits this CPU's FXRSTOR accepts (cpu.c, from the boot CPU's FXSAVE). */
extern uint32_t x86_mxcsr_mask;

/* Unmask interrupts on this CPU (a thread's start, <kern/sched.h>). */
static inline void arch_irq_enable(void)
{
	__asm__ __volatile__("sti" ::: "memory");
}

static inline void arch_irq_restore(unsigned long flags)
{
	if (flags & X86_RFLAGS_IF)
		__asm__ __volatile__("sti" ::: "memory");
}

/*
 * The dense CPU index, from the calling CPU's per-CPU area: the GS base points at
 * it on every CPU (<kern/percpu.h>, index at offset 0), set by x86_percpu_set()
 * before any C code that could ask.
 */
static inline unsigned int arch_cpu_index(void)
{
	unsigned int id;

	__asm__ __volatile__("movl %%gs:0, %0" : "=r"(id));
	return id;
}

#define MSR_GS_BASE 0xc0000101   /* SDM vol. 4, table 2-2: IA32_GS_BASE */

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ __volatile__("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

/* Make @area the calling CPU's per-CPU area (struct percpu *; GS base). */
static inline void x86_percpu_set(void *area)
{
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)area);
}

#endif
