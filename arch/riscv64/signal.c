// SPDX-License-Identifier: MIT
/*
 * riscv64 signal frames (see <kern/signal.h>), laid out as Linux 6.1's
 * arch/riscv/kernel/signal.c builds them:
 *
 *   frame ->  siginfo_t        128 bytes
 *   +128      struct ucontext  uc_flags, uc_link, uc_stack, uc_sigmask (padded to
 *                              1024 bits), uc_mcontext at +176 of it: the registers
 *                              (pc, then x1..x31) and the FP state (528 bytes)
 *
 * The frame goes below the user sp (or at the alternate stack's top), 16-byte
 * aligned. The handler gets a0 = sig, a1 = &info, a2 = &uc, and ra = the
 * sigreturn trampoline: Linux points ra at its vDSO's __vdso_rt_sigreturn; this
 * kernel maps a page holding the same two instructions (li a7, 139; ecall) into
 * every program at exec, placed where Linux's vDSO goes (the first mmap slot).
 * The FP state goes in sc_fpregs as the d variant (f0..f31, fcsr) with the
 * q variant's reserved words zero, as 6.1's save_fp_state(); the handler keeps
 * the interrupted code's FP registers (riscv Linux does not clear them).
 * rt_sigreturn loads them from the frame, then refuses a frame whose reserved
 * words are not zero (restore_fp_state()'s order: the registers are loaded
 * either way).
 *
 * User FP state (<kern/arch.h> arch_fpu_*, at the end of this file) lives in
 * the registers while a thread of a process runs, and sstatus.FS says whether
 * they changed since they were last saved or loaded: the switch saves them only
 * when FS is Dirty (privileged spec 1.12, 3.1.6.6).
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

struct sigcontext_rv {
	uint64_t regs[32];           /* pc, then x1..x31 (struct user_regs_struct) */
	uint8_t fp[528] __attribute__((aligned(16)));   /* union __riscv_fp_state */
};

struct ucontext_rv {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct user_stack uc_stack;
	uint64_t uc_sigmask;
	uint8_t unused[1024 / 8 - sizeof(uint64_t)];
	struct sigcontext_rv uc_mcontext;
};

struct rt_sigframe {
	uint8_t info[SIGINFO_SIZE];
	struct ucontext_rv uc;
};

_Static_assert(__builtin_offsetof(struct ucontext_rv, uc_sigmask) == 40, "uc_sigmask at 40");
_Static_assert(__builtin_offsetof(struct ucontext_rv, uc_mcontext) == 176, "uc_mcontext at 176");
_Static_assert(sizeof(struct rt_sigframe) % 16 == 0, "the frame keeps sp aligned");

uintptr_t arch_user_sp(const struct trap_frame *tf)
{
	return tf->regs[2];
}

long arch_user_retval(const struct trap_frame *tf)
{
	return (long)tf->regs[10];
}

/*
 * The FP registers to and from a struct __riscv_d_ext_state: fsd/fld f<n>, 8n(a0),
 * then fcsr at 256. Spelled as their encodings (unprivileged spec, the RV64G
 * listings: S-type and I-type, funct3 3, opcodes 0x27 and 0x07) because the kernel
 * is built rv64imac and its assembler does not take D instructions; fcsr is CSR 3.
 * FS must not be Off (fp_on()); a load makes it Dirty.
 */
#define FP_STATE_FCSR 256

static void fp_on(void)
{
	/* Off -> Clean, Initial -> Dirty (harmless: one more save), Clean and Dirty stay. */
	csr_set(sstatus, SSTATUS_FS_CLEAN);
}

static void fp_save(void *state)
{
	register void *a0 __asm__("a0") = state;

	__asm__ __volatile__(
		".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n\t"
		".4byte ((8 * \\n) >> 5) << 25 | \\n << 20 | 10 << 15 | 3 << 12 | ((8 * \\n) & 31) << 7 | 0x27\n\t"
		".endr\n\t"
		"csrr t0, 0x003\n\t"
		"sw t0, %1(a0)"
		: : "r"(a0), "i"(FP_STATE_FCSR) : "t0", "memory");
}

static void fp_load(const void *state)
{
	register const void *a0 __asm__("a0") = state;

	__asm__ __volatile__(
		".irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n\t"
		".4byte (8 * \\n) << 20 | 10 << 15 | 3 << 12 | \\n << 7 | 0x07\n\t"
		".endr\n\t"
		"lw t0, %1(a0)\n\t"
		"csrw 0x003, t0"
		: : "r"(a0), "i"(FP_STATE_FCSR) : "t0", "memory");
}

/* union __riscv_fp_state's q variant: 32 x 128 bits, fcsr, then reserved[3]. */
#define FP_Q_RESERVED 516

int arch_signal_setup(struct trap_frame *tf, const struct signal_frame_args *a)
{
	struct rt_sigframe f;            /* 1088 bytes of a 16 KiB kernel stack */
	uintptr_t sp = (a->sp - sizeof(f)) & ~15ul;
	uintptr_t ret = thread_current()->proc->sigreturn_pc;

	if (!ret)
		return -EFAULT;
	memset(&f, 0, sizeof(f));
	memcpy(f.info, a->siginfo, SIGINFO_SIZE);
	signal_save_altstack(tf->regs[2], &f.uc.uc_stack);
	f.uc.uc_sigmask = a->saved_mask;
	f.uc.uc_mcontext.regs[0] = tf->sepc;
	for (int i = 1; i < 32; i++)
		f.uc.uc_mcontext.regs[i] = tf->regs[i];
	/* save_fp_state(): the registers hold this thread's state. */
	fp_on();
	fp_save(f.uc.uc_mcontext.fp);
	if (copy_to_user(sp, &f, sizeof(f)))
		return -EFAULT;
	tf->regs[1] = ret;
	tf->regs[2] = sp;
	tf->regs[10] = (uint64_t)a->sig;
	tf->regs[11] = sp + __builtin_offsetof(struct rt_sigframe, info);
	tf->regs[12] = sp + __builtin_offsetof(struct rt_sigframe, uc);
	tf->sepc = a->ka->handler;
	return 0;
}

/* restore_sigcontext()'s failure: force_sig(SIGSEGV), si_code SI_KERNEL. */
void arch_signal_bad_frame(const struct trap_frame *tf)
{
	(void)tf;
	signal_force_fault(SIGSEGV, SI_KERNEL, 0);
}

int arch_signal_return(struct trap_frame *tf, uint64_t *mask)
{
	struct rt_sigframe f;

	if (copy_from_user(&f, tf->regs[2], sizeof(f)))
		return -EFAULT;
	tf->sepc = f.uc.uc_mcontext.regs[0];
	for (int i = 1; i < 32; i++)
		tf->regs[i] = f.uc.uc_mcontext.regs[i];
	*mask = f.uc.uc_sigmask;
	/*
	 * restore_fp_state(): the registers from the frame. They now differ from any
	 * saved copy, so the user's FS is Dirty: the next switch saves them.
	 */
	fp_on();
	fp_load(f.uc.uc_mcontext.fp);
	tf->sstatus = (tf->sstatus & ~(uint64_t)SSTATUS_FS) | SSTATUS_FS_DIRTY;
	for (size_t i = FP_Q_RESERVED; i < sizeof(f.uc.uc_mcontext.fp); i++)
		if (f.uc.uc_mcontext.fp[i])
			return -EFAULT;     /* "We support no other extension state": -EINVAL */
	return signal_restore_altstack(&f.uc.uc_stack, tf->regs[2]);
}

/* li a7, NR_rt_sigreturn; ecall */
#define RV_LI_A7(imm) ((uint32_t)(imm) << 20 | 17u << 7 | 0x13u)
#define RV_ECALL 0x00000073u
_Static_assert(NR_rt_sigreturn < 2048, "the number fits li's 12-bit immediate");

int arch_exec_setup(struct as *as, uintptr_t *sigreturn_pc)
{
	const uint32_t code[2] = { RV_LI_A7(NR_rt_sigreturn), RV_ECALL };
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

/* ---- threads: clone's first frame; the TLS register is tp, in the frame ---- */

_Static_assert(sizeof(struct trap_frame) == ARCH_USER_FRAME_SIZE, "ARCH_USER_FRAME_SIZE");

__noreturn void riscv_user_resume(void);

void arch_user_resume(void)
{
	riscv_user_resume();
}

void arch_clone_frame(void *buf, const struct trap_frame *parent, uintptr_t sp, uintptr_t tls,
		      bool settls)
{
	struct trap_frame *tf = buf;

	*tf = *parent;
	tf->regs[10] = 0;
	if (sp)
		tf->regs[2] = sp;
	if (settls)
		tf->regs[4] = tls;
}

void arch_set_user_tls(uintptr_t base)
{
	(void)base;
}

/* ---- user FP state (<kern/arch.h>) ---- */

_Static_assert(ARCH_FPU_STATE_SIZE == FP_STATE_FCSR + 8, "32 doubles, fcsr, padding");
_Static_assert(__builtin_offsetof(struct thread, fpu_state) % 8 == 0, "fsd/fld need 8 bytes");

/* flush_thread() and start_thread(): every register and fcsr 0 (FS Initial, traps.S). */
void arch_fpu_init(void *state)
{
	memset(state, 0, ARCH_FPU_STATE_SIZE);
}

void arch_fpu_copy(void *state)
{
	fp_on();
	fp_save(state);
}

/*
 * Linux's fstate_save()/fstate_restore() at __switch_to(), with the live FS: it is
 * the user's FS from the trap that entered the kernel, or Clean after a save or a
 * load here, so it is Dirty exactly when the registers changed since then.
 */
void arch_fpu_switch(struct thread *prev, struct thread *next)
{
	if (prev->proc && (csr_read(sstatus) & SSTATUS_FS) == SSTATUS_FS_DIRTY) {
		fp_save(prev->fpu_state);
		csr_clear(sstatus, SSTATUS_FS_INITIAL);       /* Dirty -> Clean */
	}
	if (next->proc) {
		fp_on();
		fp_load(next->fpu_state);
		csr_clear(sstatus, SSTATUS_FS_INITIAL);       /* Dirty -> Clean */
	}
}

void arch_fpu_load(const void *state)
{
	fp_on();
	fp_load(state);
	csr_clear(sstatus, SSTATUS_FS_INITIAL);               /* Dirty -> Clean */
}
