/* SPDX-License-Identifier: MIT */
/*
 * riscv64 inline CPU helpers (for <kern/arch.h> and arch/riscv64/): the frame
 * pointer, the spin-wait hint, CSR access and device-register access. The CSR bit
 * names are usable from assembly (hence plain literals, no integer suffixes).
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

/* sstatus bits (privileged spec 1.12, 4.1.1). */
#define SSTATUS_SIE     0x2       /* bit 1: supervisor interrupts enabled */
#define SSTATUS_SPIE    0x20      /* bit 5: SIE before the trap */
#define SSTATUS_SPP     0x100     /* bit 8: trapped from S-mode (1) or U-mode (0) */
#define SSTATUS_FS      0x6000    /* bits 14..13: FPU state; 0 = off, FP instructions trap */
#define SSTATUS_FS_INITIAL 0x2000 /*   1: on, the registers hold their initial values */
#define SSTATUS_FS_CLEAN   0x4000 /*   2: on, unchanged since they were last saved */
#define SSTATUS_FS_DIRTY   0x6000 /*   3: on, changed (any FP register or fcsr written) */
#define SSTATUS_SUM     0x40000   /* bit 18: S-mode may access U pages */
#define SSTATUS_MXR     0x80000   /* bit 19: loads from X-only pages allowed */

/* satp (privileged spec 1.12, 4.1.11): MODE in bits 63..60, PPN in 43..0. */
#define SATP_MODE_SV39  0x8000000000000000
#define SATP_MODE_SV48  0x9000000000000000
#define SATP_MODE_SV57  0xa000000000000000
#define SATP_PPN_MASK   0x00000fffffffffff

/* scause (privileged spec 1.12, 4.1.9): bit 63 set for interrupts. */
#define SCAUSE_INTERRUPT 0x8000000000000000
#define SCAUSE_CODE_MASK 0x7fffffffffffffff

#ifndef __ASSEMBLER__
#include <kern/types.h>

/* The frame pointer of the function this is expanded in. */
#define arch_frame_address() ((uintptr_t)__builtin_frame_address(0))

/*
 * Spin-wait hint: PAUSE from Zihintpause, spelled as its encoding (FENCE with
 * pred = W, succ = 0) because the base ISA we compile for does not name it. Cores
 * without Zihintpause execute it as a harmless HINT (unprivileged spec, Zihintpause).
 */
static inline void arch_cpu_relax(void)
{
	__asm__ __volatile__(".4byte 0x0100000f" ::: "memory");
}

#define csr_read(csr)                                                   \
	({                                                              \
		unsigned long v_;                                       \
		__asm__ __volatile__("csrr %0, " #csr : "=r"(v_) : : "memory"); \
		v_;                                                     \
	})

#define csr_write(csr, val)                                             \
	__asm__ __volatile__("csrw " #csr ", %0" : : "rK"((unsigned long)(val)) : "memory")

/* Callee-saved state for arch_setjmp()/arch_longjmp() (lib.S): ra, sp, s0-s11. */
struct arch_jmp_buf {
	uint64_t regs[14];
};

/* The time CSR: constant frequency (/cpus/timebase-frequency), shared by all harts. */
static inline uint64_t arch_counter_read(void)
{
	return csr_read(time);
}

/* Set / clear the bits of @mask in @csr. */
#define csr_set(csr, mask)                                              \
	__asm__ __volatile__("csrs " #csr ", %0" : : "rK"((unsigned long)(mask)) : "memory")
#define csr_clear(csr, mask)                                            \
	__asm__ __volatile__("csrc " #csr ", %0" : : "rK"((unsigned long)(mask)) : "memory")

/* Flush this hart's whole TLB, ordering earlier page-table stores (spec 4.2.1). */
static inline void sfence_vma_all(void)
{
	__asm__ __volatile__("sfence.vma" ::: "memory");
}

static inline void local_irq_disable(void)
{
	csr_clear(sstatus, SSTATUS_SIE);
}

static inline void local_irq_enable(void)
{
	csr_set(sstatus, SSTATUS_SIE);
}

/*
 * Device-register access. Volatile accesses of exactly the given width; the device
 * regions on the platforms we run on are strongly ordered I/O (PMAs, privileged
 * spec 3.6.5), so polled drivers need no extra fences.
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
#endif

#ifndef __ASSEMBLER__
/* Local interrupt masking and the CPU index, for <kern/arch.h>. */
static inline unsigned long arch_irq_save(void)
{
	unsigned long old;

	/* Atomically clear sstatus.SIE and read the old value (privileged spec 4.1.1). */
	__asm__ __volatile__("csrrci %0, sstatus, %1" : "=r"(old) : "K"(SSTATUS_SIE) : "memory");
	return old & SSTATUS_SIE;
}

/* User pages open to S-mode loads and stores only while SUM is set (spec 4.1.1.2). */
static inline void arch_user_access_begin(void)
{
	csr_set(sstatus, SSTATUS_SUM);
}

static inline void arch_user_access_end(void)
{
	csr_clear(sstatus, SSTATUS_SUM);
}

/* S-mode never executes U pages and touches them only with SUM (always on riscv). */
static inline bool arch_user_pages_guarded(void)
{
	return true;
}

/* User mode: entered through riscv_user_enter (traps.S), <kern/arch.h>. */
#define ARCH_HAS_USER_MODE 1
/* The user frame arch_user_resume() returns through: struct trap_frame, TF_SIZE (<arch/trap.h>). */
#define ARCH_USER_FRAME_SIZE (36 * 8)

/*
 * A thread's user FP state while it is switched out (struct thread's fpu_state,
 * <kern/arch.h> arch_fpu_*): Linux's struct __riscv_d_ext_state, f0..f31 as 64-bit
 * values then fcsr (32 bits) at 256, the d variant of the signal frame's
 * union __riscv_fp_state.
 */
#define ARCH_FPU_STATE_SIZE  264
#define ARCH_FPU_STATE_ALIGN 8

/* Unmask interrupts on this hart (a thread's start, <kern/sched.h>). */
static inline void arch_irq_enable(void)
{
	csr_set(sstatus, SSTATUS_SIE);
}

static inline void arch_irq_restore(unsigned long flags)
{
	if (flags & SSTATUS_SIE)
		csr_set(sstatus, SSTATUS_SIE);
}

/*
 * The dense CPU index, from the hart's per-CPU area: tp points at it on every
 * hart (<kern/percpu.h>, index at offset 0), from boot.S / the AP entry on. The
 * compiler never allocates tp (psABI: the thread pointer).
 */
static inline unsigned int arch_cpu_index(void)
{
	unsigned int id;

	__asm__ __volatile__("lw %0, 0(tp)" : "=r"(id));
	return id;
}
#endif

#endif
