/* SPDX-License-Identifier: MIT */
/*
 * aarch64 inline CPU helpers (for <kern/arch.h> and arch/aarch64/): the frame
 * pointer, the spin-wait hint, system-register access, interrupt masking through
 * PSTATE.DAIF, and device-register access. The bit names are usable from assembly
 * (hence plain literals, no integer suffixes). References are to the Arm ARM
 * (DDI 0487).
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

/* PSTATE.DAIF bits as MRS/MSR DAIF see them (C5.2.2). */
#define DAIF_F          0x40
#define DAIF_I          0x80
#define DAIF_A          0x100
#define DAIF_D          0x200

/* SPSR_ELx (C5.2.18): the mode field and the masks. */
#define SPSR_MODE_EL0T  0x0
#define SPSR_MODE_EL1H  0x5
#define SPSR_MODE_MASK  0xf
#define SPSR_PAN        (1 << 22)
#define SPSR_DAIF       0x3c0

/* SCTLR_EL1 (D19.2.118) bits the kernel sets or tests. */
#define SCTLR_M         (1 << 0)
#define SCTLR_C         (1 << 2)
#define SCTLR_SA        (1 << 3)
#define SCTLR_SA0       (1 << 4)
#define SCTLR_EOS       (1 << 11)
#define SCTLR_I         (1 << 12)
#define SCTLR_DZE       (1 << 14)
#define SCTLR_UCT       (1 << 15)
#define SCTLR_NTWI      (1 << 16)
#define SCTLR_NTWE      (1 << 18)
#define SCTLR_WXN       (1 << 19)
#define SCTLR_TSCXT     (1 << 20)
#define SCTLR_EIS       (1 << 22)
#define SCTLR_SPAN      (1 << 23)
#define SCTLR_UCI       (1 << 26)
#define SCTLR_NTLSMD    (1 << 28)
#define SCTLR_LSMAOE    (1 << 29)

/* CurrentEL (C5.2.1): the EL in bits 3..2. */
#define CURRENTEL_EL1   0x4
#define CURRENTEL_EL2   0x8

#ifndef __ASSEMBLER__
#include <kern/types.h>

/* The frame pointer (x29) of the function this is expanded in. */
#define arch_frame_address() ((uintptr_t)__builtin_frame_address(0))

/* Spin-wait hint (C6.2.384 YIELD). */
static inline void arch_cpu_relax(void)
{
	__asm__ __volatile__("yield" ::: "memory");
}

#define sysreg_read(reg)                                                \
	({                                                              \
		uint64_t v_;                                            \
		__asm__ __volatile__("mrs %0, " #reg : "=r"(v_) : : "memory"); \
		v_;                                                     \
	})

#define sysreg_write(reg, val)                                          \
	__asm__ __volatile__("msr " #reg ", %0" : : "r"((uint64_t)(val)) : "memory")

static inline void isb(void)
{
	__asm__ __volatile__("isb" ::: "memory");
}

/* Callee-saved state for arch_setjmp()/arch_longjmp() (lib.S): x19-x30, sp. */
struct arch_jmp_buf {
	uint64_t regs[13];
};

/*
 * The generic timer's virtual count (D11.1.2): constant frequency (CNTFRQ_EL0),
 * the same on every CPU (CNTVOFF_EL2 is 0, boot.S sets it at EL2). The ISB keeps
 * the read from being taken early, out of program order (D11.2.2).
 */
static inline uint64_t arch_counter_read(void)
{
	isb();
	return sysreg_read(cntvct_el0);
}

/*
 * Device-register access: volatile accesses of exactly the given width, to
 * Device-nGnRE memory (ioremap()'s MMU_CACHE_UC), which keeps accesses to one
 * device in program order (B2.8.2), so the polled drivers need no barriers of
 * their own.
 */
static inline uint8_t ioread8(const volatile void *addr)
{
	return *(const volatile uint8_t *)addr;
}

static inline void iowrite8(volatile void *addr, uint8_t v)
{
	*(volatile uint8_t *)addr = v;
}

static inline uint32_t ioread32(const volatile void *addr)
{
	return *(const volatile uint32_t *)addr;
}

static inline void iowrite32(volatile void *addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

static inline uint64_t ioread64(const volatile void *addr)
{
	return *(const volatile uint64_t *)addr;
}

static inline void iowrite64(volatile void *addr, uint64_t v)
{
	*(volatile uint64_t *)addr = v;
}

static inline void local_irq_disable(void)
{
	__asm__ __volatile__("msr daifset, #2" ::: "memory");
}

static inline void local_irq_enable(void)
{
	__asm__ __volatile__("msr daifclr, #2" ::: "memory");
}

/* Local interrupt masking and the CPU index, for <kern/arch.h>. */
static inline unsigned long arch_irq_save(void)
{
	unsigned long old = sysreg_read(daif);

	local_irq_disable();
	return old & DAIF_I;
}

static inline void arch_irq_restore(unsigned long flags)
{
	if (!(flags & DAIF_I))
		local_irq_enable();
}

/* Unmask interrupts on this CPU (a thread's start, <kern/sched.h>). */
static inline void arch_irq_enable(void)
{
	local_irq_enable();
}

/*
 * The dense CPU index, from the CPU's per-CPU area: TPIDR_EL1 points at it on
 * every CPU (<kern/percpu.h>, index at offset 0), from boot.S / the secondary
 * entry on. The compiler never touches TPIDR_EL1.
 */
static inline unsigned int arch_cpu_index(void)
{
	const unsigned int *p = (const unsigned int *)sysreg_read(tpidr_el1);

	return *p;
}

/*
 * User pages open to kernel loads and stores only while PSTATE.PAN is clear
 * (FEAT_PAN, D5.4.3); on a CPU without PAN the kernel can always reach them, and
 * these do nothing (aarch64_has_pan, set once at boot by cpu.c).
 */
extern bool aarch64_has_pan;

static inline void arch_user_access_begin(void)
{
	if (aarch64_has_pan)
		__asm__ __volatile__(".arch armv8.1-a\n\tmsr pan, #0" ::: "memory");
}

static inline void arch_user_access_end(void)
{
	if (aarch64_has_pan)
		__asm__ __volatile__(".arch armv8.1-a\n\tmsr pan, #1" ::: "memory");
}

/*
 * EL1 never executes EL0 pages (PXN on every user leaf, and EL0-writable memory
 * is PXN by architecture); it touches them outside a user copy only without PAN.
 */
static inline bool arch_user_pages_guarded(void)
{
	return aarch64_has_pan;
}

/* User mode: EL0, entered through aarch64_user_enter (traps.S), <kern/arch.h>. */
#define ARCH_HAS_USER_MODE 1
/* The user frame arch_user_resume() returns through: struct trap_frame (<arch/trap.h>). */
#define ARCH_USER_FRAME_SIZE (38 * 8)

/*
 * A thread's user FP/SIMD state while it is switched out: Linux's struct
 * user_fpsimd_state, v0..v31 (16 bytes each), then fpsr and fpcr (32 bits each)
 * at 512 and 516.
 */
#define ARCH_FPU_STATE_SIZE  528
#define ARCH_FPU_STATE_ALIGN 16
#endif

#endif
