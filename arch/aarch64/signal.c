// SPDX-License-Identifier: MIT
/*
 * aarch64 signal frames (see <kern/signal.h>), laid out as Linux 6.1's
 * arch/arm64/kernel/signal.c builds them, and the user-mode hooks of <kern/arch.h>
 * (a cloned thread's frame, the TLS register, the FP/SIMD state):
 *
 *   frame ->  siginfo_t        128 bytes (written with SA_SIGINFO only)
 *   +128      struct ucontext  uc_flags, uc_link, uc_stack, uc_sigmask (padded to
 *                              1024 bits), uc_mcontext at +176 of it: struct
 *                              sigcontext (fault_address, x0..x30, sp, pc, pstate,
 *                              then __reserved[4096], 16-byte aligned, holding a
 *                              struct fpsimd_context and the terminating null
 *                              context)
 *   above     struct frame_record {x29, x30} of the interrupted code
 *
 * as get_sigframe() places them: the record 16-byte aligned below the sp (or the
 * alternate stack's top), the frame below it. The handler gets x0 = sig, with
 * SA_SIGINFO x1 = &info and x2 = &uc, x29 = the record, x30 = sa_restorer with
 * SA_RESTORER, else the sigreturn trampoline: Linux's vDSO __kernel_rt_sigreturn;
 * this kernel maps a page holding the same two instructions (mov x8, #139; svc #0)
 * into every program at exec, where Linux's vDSO goes (the first mmap slot).
 *
 * Not written, where Linux writes them: the esr_context of a fault (this kernel
 * does not keep the syndrome of a user fault) and fault_address (0).
 *
 * User FP/SIMD state lives in the registers while a thread of a process runs;
 * the switch saves the leaving thread's and loads the arriving one's.
 */
#include <kern/errno.h>
#include <kern/proc.h>
#include <kern/sched.h>
#include <kern/signal.h>
#include <kern/string.h>
#include <kern/uaccess.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include <arch/unistd.h>
#include <mm/as.h>
#include <mm/mman.h>

#define FPSIMD_MAGIC 0x46508001u

void aarch64_fpsimd_save(void *state);
void aarch64_fpsimd_load(const void *state);

struct ctx_head {
	uint32_t magic;
	uint32_t size;
};

struct fpsimd_context {
	struct ctx_head head;
	uint32_t fpsr;
	uint32_t fpcr;
	uint8_t vregs[32 * 16];
};

/* What of __reserved[4096] is written: the FP/SIMD context and the terminator. */
struct sigcontext_head {
	uint64_t fault_address;
	uint64_t regs[31];
	uint64_t sp;
	uint64_t pc;
	uint64_t pstate;
	uint64_t pad;                /* __reserved is 16-byte aligned */
	struct fpsimd_context fpsimd;
	struct ctx_head end;
} __attribute__((aligned(16)));   /* as Linux's, whose __reserved is 16-byte aligned */

#define SIGCONTEXT_RESERVED 4096
#define UC_MCONTEXT_OFF     176
#define SIGCONTEXT_SIZE     (288 + SIGCONTEXT_RESERVED)
#define RT_SIGFRAME_SIZE    (SIGINFO_SIZE + UC_MCONTEXT_OFF + SIGCONTEXT_SIZE)   /* 4688 */

struct ucontext_head {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct user_stack uc_stack;
	uint64_t uc_sigmask;
	uint8_t unused[1024 / 8 - sizeof(uint64_t)];
	struct sigcontext_head uc_mcontext;
};

_Static_assert(__builtin_offsetof(struct ucontext_head, uc_sigmask) == 40, "uc_sigmask at 40");
_Static_assert(__builtin_offsetof(struct ucontext_head, uc_mcontext) == UC_MCONTEXT_OFF,
	       "uc_mcontext at 176");
_Static_assert(__builtin_offsetof(struct sigcontext_head, fpsimd) == 288, "__reserved at 288");
_Static_assert(sizeof(struct fpsimd_context) == 528, "fpsimd_context");
_Static_assert(RT_SIGFRAME_SIZE % 16 == 0, "the frame keeps sp aligned");

/*
 * PSTATE bits a frame may carry back to EL0 (valid_native_regs()): NZCV, and in a
 * valid frame also DIT (24) and SSBS (12), the user-settable ones QEMU's CPUs have.
 */
#define PSTATE_NZCV 0xf0000000ull
#define PSTATE_USER_BITS (PSTATE_NZCV | 1ull << 24 | 1ull << 12)
#define PSTATE_MODE_AND_MASKS 0x3cfull    /* M[3:0], nRW (4), DAIF (9..6) */

uintptr_t arch_user_sp(const struct trap_frame *tf)
{
	return tf->sp;
}

long arch_user_retval(const struct trap_frame *tf)
{
	return (long)tf->regs[0];
}

int arch_signal_setup(struct trap_frame *tf, const struct signal_frame_args *a)
{
	struct ucontext_head uc;         /* 1.1 KiB of a 16 KiB kernel stack */
	uintptr_t record = (a->sp - 16) & ~15ul;
	uintptr_t frame = record - RT_SIGFRAME_SIZE;
	uintptr_t ret = a->ka->flags & SA_RESTORER ? a->ka->restorer :
			thread_current()->proc->sigreturn_pc;
	uint64_t fr[2] = { tf->regs[29], tf->regs[30] };

	if (!ret)
		return -EFAULT;
	memset(&uc, 0, sizeof(uc));
	signal_save_altstack(tf->sp, &uc.uc_stack);
	uc.uc_sigmask = a->saved_mask;
	struct sigcontext_head *sc = &uc.uc_mcontext;
	for (int i = 0; i < 31; i++)
		sc->regs[i] = tf->regs[i];
	sc->sp = tf->sp;
	sc->pc = tf->elr;
	sc->pstate = tf->spsr;
	/* preserve_fpsimd_context(): the registers hold this thread's state. */
	uint8_t fp[ARCH_FPU_STATE_SIZE] __aligned(16);
	aarch64_fpsimd_save(fp);
	sc->fpsimd.head = (struct ctx_head){ FPSIMD_MAGIC, sizeof(struct fpsimd_context) };
	memcpy(sc->fpsimd.vregs, fp, sizeof(sc->fpsimd.vregs));
	memcpy(&sc->fpsimd.fpsr, fp + 512, 4);
	memcpy(&sc->fpsimd.fpcr, fp + 516, 4);
	if (copy_to_user(record, fr, sizeof(fr)) ||
	    copy_to_user(frame + SIGINFO_SIZE, &uc, sizeof(uc)))
		return -EFAULT;
	if ((a->ka->flags & SA_SIGINFO) && copy_to_user(frame, a->siginfo, SIGINFO_SIZE))
		return -EFAULT;
	tf->regs[0] = (uint64_t)a->sig;
	if (a->ka->flags & SA_SIGINFO) {
		tf->regs[1] = frame;
		tf->regs[2] = frame + SIGINFO_SIZE;
	}
	tf->sp = frame;
	tf->regs[29] = record;
	tf->regs[30] = ret;
	tf->elr = a->ka->handler;
	return 0;
}

/*
 * In restore_sigframe()'s order: the mask, the integer registers, sp, pc and PSTATE
 * first, then the PSTATE check, then the records of __reserved. So a frame whose
 * FP/SIMD record is bad still gives the SIGSEGV that follows the restored
 * registers, and the handler of that SIGSEGV returns to the interrupted code, as
 * on Linux.
 */
int arch_signal_return(struct trap_frame *tf, uint64_t *mask)
{
	struct ucontext_head uc;
	uintptr_t frame = tf->sp;

	/* An unaligned frame is a bad frame (sys_rt_sigreturn()). */
	if ((frame & 15) || copy_from_user(&uc, frame + SIGINFO_SIZE, sizeof(uc)))
		return -EFAULT;
	const struct sigcontext_head *sc = &uc.uc_mcontext;
	*mask = uc.uc_sigmask;
	for (int i = 0; i < 31; i++)
		tf->regs[i] = sc->regs[i];
	tf->sp = sc->sp;
	tf->elr = sc->pc;
	/* valid_user_regs(): EL0t with nothing masked, else NZCV alone and a bad frame. */
	bool valid = !(sc->pstate & PSTATE_MODE_AND_MASKS);
	tf->spsr = sc->pstate & (valid ? PSTATE_USER_BITS : PSTATE_NZCV);
	if (!valid)
		return -EFAULT;
	/* parse_user_sigframe(): the FP/SIMD record first, then the terminator. */
	if (sc->fpsimd.head.magic != FPSIMD_MAGIC || sc->fpsimd.head.size != sizeof(struct fpsimd_context))
		return -EFAULT;
	if (sc->end.magic != 0 || sc->end.size != 0)
		return -EFAULT;     /* another record: none this kernel writes or knows */
	uint8_t fp[ARCH_FPU_STATE_SIZE] __aligned(16);
	memcpy(fp, sc->fpsimd.vregs, sizeof(sc->fpsimd.vregs));
	memcpy(fp + 512, &sc->fpsimd.fpsr, 4);
	memcpy(fp + 516, &sc->fpsimd.fpcr, 4);
	memset(fp + 520, 0, sizeof(fp) - 520);
	aarch64_fpsimd_load(fp);
	return signal_restore_altstack(&uc.uc_stack, tf->sp);
}

/*
 * arm64_notify_segfault(regs->sp): SIGSEGV at the stack pointer, SEGV_ACCERR when a
 * VMA lies at or above it (find_vma()), which the stack's always does.
 */
void arch_signal_bad_frame(const struct trap_frame *tf)
{
	signal_force_fault(SIGSEGV, SEGV_ACCERR, tf->sp);
}

/* mov x8, #NR_rt_sigreturn (MOVZ, C6.2.191); svc #0 (C6.2.317). */
#define A64_MOVZ_X8(imm) (0xd2800000u | (uint32_t)(imm) << 5 | 8u)
#define A64_SVC0 0xd4000001u
_Static_assert(NR_rt_sigreturn < 65536, "the number fits MOVZ's 16-bit immediate");

int arch_exec_setup(struct as *as, uintptr_t *sigreturn_pc)
{
	const uint32_t code[2] = { A64_MOVZ_X8(NR_rt_sigreturn), A64_SVC0 };
	uintptr_t addr;
	int err = as_mmap(as, 0, PAGE_SIZE, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0, &addr);

	if (err)
		return err;
	err = as_copy_to(as, addr, code, sizeof(code));
	if (err)
		return err;
	*sigreturn_pc = addr;
	return 0;
}

/* ---- threads: clone's first frame; the TLS register TPIDR_EL0 is in the frame ---- */

_Static_assert(sizeof(struct trap_frame) == ARCH_USER_FRAME_SIZE, "ARCH_USER_FRAME_SIZE");

__noreturn void aarch64_user_resume(void);

void arch_user_resume(void)
{
	aarch64_user_resume();
}

void arch_clone_frame(void *buf, const struct trap_frame *parent, uintptr_t sp, uintptr_t tls,
		      bool settls)
{
	struct trap_frame *tf = buf;

	*tf = *parent;
	tf->regs[0] = 0;
	if (sp)
		tf->sp = sp;
	if (settls)
		tf->tpidr = tls;
}

/* TPIDR_EL0 goes with each thread's user frame (traps.S): nothing to load at a switch. */
void arch_set_user_tls(uintptr_t base)
{
	(void)base;
}

/* ---- user FP/SIMD state (<kern/arch.h>) ---- */

_Static_assert(__builtin_offsetof(struct thread, fpu_state) % 16 == 0, "q-register stores");

/* fpsimd_flush_thread(): every register, FPSR and FPCR 0. */
void arch_fpu_init(void *state)
{
	memset(state, 0, ARCH_FPU_STATE_SIZE);
}

void arch_fpu_copy(void *state)
{
	aarch64_fpsimd_save(state);
}

void arch_fpu_switch(struct thread *prev, struct thread *next)
{
	if (prev->proc)
		aarch64_fpsimd_save(prev->fpu_state);
	if (next->proc)
		aarch64_fpsimd_load(next->fpu_state);
}

void arch_fpu_load(const void *state)
{
	aarch64_fpsimd_load(state);
}
