// SPDX-License-Identifier: MIT
/*
 * x86_64 signal frames (see <kern/signal.h>), laid out as Linux 6.1's
 * arch/x86/kernel/signal.c builds them for a 64-bit program:
 *
 *   frame ->  pretcode         the action's sa_restorer (SA_RESTORER is required)
 *   +8        struct ucontext  uc_flags, uc_link, uc_stack, uc_mcontext (struct
 *                              sigcontext, 256 bytes), uc_sigmask
 *   +312      siginfo_t        128 bytes
 *
 * The frame starts 128 bytes below the user rsp (the psABI red zone; not on a
 * fresh alternate stack), rounded down to 16 then 8 below, so the handler starts
 * with rsp + 8 16-byte aligned as after a call. The handler gets rdi = sig,
 * rsi = &info, rdx = &uc, rax = 0.
 *
 * The FP/SSE state goes above it, as Linux's get_sigframe() and
 * fpu__alloc_mathframe() place it without XSAVE: a 512-byte FXSAVE image at
 * round_down(sp - 512, 64) (sp after the red zone), sigcontext.fpstate pointing
 * at it, and the frame below that. Its software-reserved bytes 464..511 hold
 * what 6.1's save_xstate_epilog() writes there even without XSAVE (magic1,
 * extended_size 516, xfeatures 0, xstate_size 512), while uc_flags has no
 * UC_FP_XSTATE and no magic2 follows the image: the frame says it holds the
 * legacy FXSAVE state only. The handler starts with the initial FP state
 * (fpu__clear_user_states()). rt_sigreturn loads the image with FXRSTOR, or the
 * initial state if fpstate is 0; an image FXRSTOR would refuse (misaligned, or
 * MXCSR bits outside MXCSR_MASK: #GP) is a bad frame, and the thread is left
 * with the initial state, as on Linux.
 *
 * User FP state lives in the registers while a thread of a process runs; the
 * scheduler switches it (arch_fpu_switch(), at the end of this file).
 */
#include <kern/errno.h>
#include <kern/panic.h>
#include <kern/proc.h>
#include <kern/sched.h>
#include <kern/signal.h>
#include <kern/string.h>
#include <kern/uaccess.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include <mm/as.h>

/* uc_flags: Linux sets these two for 64-bit frames (the saved ss is exact). */
#define UC_SIGCONTEXT_SS     0x2
#define UC_STRICT_RESTORE_SS 0x4

/* The rflags bits a program may change through a frame (Linux's FIX_EFLAGS). */
#define FIX_EFLAGS (0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x40000 | 0x200000)

struct sigcontext64 {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved1[8];
};

struct ucontext64 {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct user_stack uc_stack;
	struct sigcontext64 uc_mcontext;
	uint64_t uc_sigmask;
};

struct rt_sigframe {
	uint64_t pretcode;
	struct ucontext64 uc;
	uint8_t info[SIGINFO_SIZE];
};

_Static_assert(sizeof(struct sigcontext64) == 256, "Linux's 64-bit struct sigcontext");
_Static_assert(__builtin_offsetof(struct ucontext64, uc_mcontext) == 40, "uc_mcontext at 40");
_Static_assert(__builtin_offsetof(struct ucontext64, uc_sigmask) == 296, "uc_sigmask at 296");
_Static_assert(__builtin_offsetof(struct rt_sigframe, info) == 312, "siginfo at 312");

uintptr_t arch_user_sp(const struct trap_frame *tf)
{
	return tf->rsp;
}

long arch_user_retval(const struct trap_frame *tf)
{
	return (long)tf->rax;
}

/* The FXSAVE image (SDM vol. 1 table 10-2) and Linux's struct _fpx_sw_bytes in it. */
#define FX_SIZE        512
#define FX_FCW         0
#define FX_MXCSR       24
#define FX_SW_RESERVED 464
#define FP_XSTATE_MAGIC1      0x46505853u
#define FP_XSTATE_MAGIC2_SIZE 4

struct fpx_sw_bytes {
	uint32_t magic1;
	uint32_t extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t padding[7];
};
_Static_assert(sizeof(struct fpx_sw_bytes) == FX_SIZE - FX_SW_RESERVED, "sw_reserved is 48 bytes");

static void fx_save(uint8_t *area)
{
	__asm__ __volatile__("fxsave64 %0" : "=m"(*(uint8_t (*)[FX_SIZE])area));
}

static void fx_load(const uint8_t *area)
{
	__asm__ __volatile__("fxrstor64 %0" : : "m"(*(const uint8_t (*)[FX_SIZE])area));
}

/*
 * fpu__clear_user_states(): the registers get a new program's state. One FXRSTOR
 * from a local image, so a switch in between saves either state whole.
 */
static void fpu_clear_user(void)
{
	uint8_t init[FX_SIZE] __aligned(16);

	arch_fpu_init(init);
	fx_load(init);
}

int arch_signal_setup(struct trap_frame *tf, const struct signal_frame_args *a)
{
	struct rt_sigframe f;
	uint8_t fx[FX_SIZE] __aligned(16);
	uintptr_t sp = a->sp, fx_at;

	/* __setup_rt_frame(): a 64-bit frame needs a restorer to return through. */
	if (!(a->ka->flags & SA_RESTORER))
		return -EFAULT;
	if (!a->on_altstack)
		sp -= 128;
	fx_at = (sp - FX_SIZE) & ~63ul;
	sp = ((fx_at - sizeof(f)) & ~15ul) - 8;

	/* copy_fpstate_to_sigframe(): the registers hold this thread's state. */
	fx_save(fx);
	struct fpx_sw_bytes sw = {
		.magic1 = FP_XSTATE_MAGIC1, .extended_size = FX_SIZE + FP_XSTATE_MAGIC2_SIZE,
		.xfeatures = 0, .xstate_size = FX_SIZE,
	};
	memcpy(fx + FX_SW_RESERVED, &sw, sizeof(sw));
	if (copy_to_user(fx_at, fx, sizeof(fx)))
		return -EFAULT;

	memset(&f, 0, sizeof(f));
	f.pretcode = a->ka->restorer;
	f.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	signal_save_altstack(tf->rsp, &f.uc.uc_stack);
	struct sigcontext64 *sc = &f.uc.uc_mcontext;
	*sc = (struct sigcontext64){
		.r8 = tf->r8, .r9 = tf->r9, .r10 = tf->r10, .r11 = tf->r11, .r12 = tf->r12,
		.r13 = tf->r13, .r14 = tf->r14, .r15 = tf->r15, .rdi = tf->rdi, .rsi = tf->rsi,
		.rbp = tf->rbp, .rbx = tf->rbx, .rdx = tf->rdx, .rax = tf->rax, .rcx = tf->rcx,
		.rsp = tf->rsp, .rip = tf->rip, .eflags = tf->rflags, .cs = X86_USER_CS, .ss = X86_USER_DS,
		.oldmask = a->saved_mask, .fpstate = fx_at,
	};
	/* A fault's frame says where and why, as Linux's thread.cr2/trap_nr/error_code. */
	if (tf->vector == 14) {
		sc->trapno = 14;
		sc->err = tf->error;
		memcpy(&sc->cr2, a->siginfo + 16, sizeof(sc->cr2));
	} else if (tf->vector < 32) {
		sc->trapno = tf->vector;
		sc->err = tf->error;
	}
	f.uc.uc_sigmask = a->saved_mask;
	memcpy(f.info, a->siginfo, SIGINFO_SIZE);
	if (copy_to_user(sp, &f, sizeof(f)))
		return -EFAULT;

	tf->rdi = (uint64_t)a->sig;
	tf->rsi = sp + __builtin_offsetof(struct rt_sigframe, info);
	tf->rdx = sp + __builtin_offsetof(struct rt_sigframe, uc);
	tf->rax = 0;
	tf->rsp = sp;
	tf->rip = (uint64_t)a->ka->handler;
	tf->cs = X86_USER_CS;
	tf->ss = X86_USER_DS;
	/* Linux clears DF, TF and RF for the handler, and gives it a clean FP state. */
	tf->rflags &= ~(0x400ull | 0x100ull | 0x10000ull);
	fpu_clear_user();
	return 0;
}

/*
 * fpu__restore_sig() for a 64-bit frame without XSAVE: 0 loads the initial state;
 * otherwise the image must be one FXRSTOR takes. Returns 0 or -EFAULT (with the
 * initial state loaded, as Linux leaves a thread whose restore failed).
 */
static int fpu_restore_sig(uintptr_t fpstate)
{
	uint8_t fx[FX_SIZE] __aligned(16);
	uint32_t mxcsr;

	if (!fpstate) {
		fpu_clear_user();
		return 0;
	}
	/* FXRSTOR from the user image would #GP on these: Linux's restore then fails. */
	if ((fpstate & 15) || copy_from_user(fx, fpstate, sizeof(fx)))
		goto bad;
	memcpy(&mxcsr, fx + FX_MXCSR, sizeof(mxcsr));
	if (mxcsr & ~x86_mxcsr_mask)
		goto bad;
	fx_load(fx);
	return 0;
bad:
	fpu_clear_user();
	return -EFAULT;
}

/* Does @v sign-extend from the top implemented virtual-address bit? */
static bool canonical(uint64_t v)
{
	const struct as *as = thread_current()->as;
	unsigned int bits = as && as->pt.levels == 5 ? 57 : 48;

	return (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits)) == v;
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
	/* The restorer's syscall comes after the handler's ret popped pretcode. */
	uintptr_t frame = tf->rsp - 8;

	if (copy_from_user(&f, frame, sizeof(f)))
		return -EFAULT;
	const struct sigcontext64 *sc = &f.uc.uc_mcontext;
	/*
	 * iretq to a non-canonical rip or rsp would fault in the kernel: such a frame
	 * is bad (Linux's iret fixup also ends in SIGSEGV).
	 */
	if (!canonical(sc->rip) || !canonical(sc->rsp))
		return -EFAULT;
	tf->r8 = sc->r8, tf->r9 = sc->r9, tf->r10 = sc->r10, tf->r11 = sc->r11;
	tf->r12 = sc->r12, tf->r13 = sc->r13, tf->r14 = sc->r14, tf->r15 = sc->r15;
	tf->rdi = sc->rdi, tf->rsi = sc->rsi, tf->rbp = sc->rbp, tf->rbx = sc->rbx;
	tf->rdx = sc->rdx, tf->rax = sc->rax, tf->rcx = sc->rcx, tf->rsp = sc->rsp;
	tf->rip = sc->rip;
	tf->rflags = (tf->rflags & ~(uint64_t)FIX_EFLAGS) | (sc->eflags & FIX_EFLAGS);
	tf->cs = X86_USER_CS;
	tf->ss = X86_USER_DS;
	*mask = f.uc.uc_sigmask;
	if (fpu_restore_sig(sc->fpstate))
		return -EFAULT;
	return signal_restore_altstack(&f.uc.uc_stack, tf->rsp);
}

/* x86_64 programs bring their own restorer (SA_RESTORER): nothing to map. */
int arch_exec_setup(struct as *as, uintptr_t *sigreturn_pc)
{
	(void)as;
	*sigreturn_pc = 0;
	return 0;
}

/* ---- threads: clone's first frame, the FS base ---- */

_Static_assert(sizeof(struct trap_frame) == ARCH_USER_FRAME_SIZE, "ARCH_USER_FRAME_SIZE");

#define MSR_FS_BASE 0xc0000100

__noreturn void x86_user_resume(void);

void arch_user_resume(void)
{
	x86_user_resume();
}

void arch_clone_frame(void *buf, const struct trap_frame *parent, uintptr_t sp, uintptr_t tls,
		      bool settls)
{
	struct trap_frame *tf = buf;

	/* The FS base is the thread's user_tls, not a frame register: the caller sets it. */
	(void)tls;
	(void)settls;
	*tf = *parent;
	tf->rax = 0;
	if (sp)
		tf->rsp = sp;
}

void arch_set_user_tls(uintptr_t base)
{
	wrmsr(MSR_FS_BASE, base);
}

/* arch_prctl(2): ARCH_SET_FS / ARCH_GET_FS, as Linux's do_arch_prctl_64(). */
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

long x86_arch_prctl(int option, uintptr_t arg)
{
	struct thread *t = thread_current();

	switch (option) {
	case ARCH_SET_FS:
		/* TASK_SIZE_MAX: a base at or above the user range's end is refused. */
		if (arg >= t->as->task_size)
			return -EPERM;
		t->user_tls = arg;
		wrmsr(MSR_FS_BASE, arg);
		return 0;
	case ARCH_GET_FS:
		return copy_to_user(arg, &t->user_tls, sizeof(t->user_tls)) ? -EFAULT : 0;
	case ARCH_SET_GS:
	case ARCH_GET_GS:
		/* The user GS base would need saving at every switch (swapgs): not kept. */
		return -EINVAL;
	default:
		return -EINVAL;
	}
}

/* ---- user FP/SSE state (<kern/arch.h>): FXSAVE areas, switched eagerly ---- */

_Static_assert(ARCH_FPU_STATE_SIZE == FX_SIZE, "the state is one FXSAVE image");
_Static_assert(__builtin_offsetof(struct thread, fpu_state) % 16 == 0, "FXSAVE needs 16 bytes");

/* fpstate_init_fxstate(): FCW 0x37f (every x87 exception masked, 64-bit precision,
 * round to nearest), MXCSR 0x1f80 (every SSE exception masked, round to nearest). */
void arch_fpu_init(void *state)
{
	uint16_t fcw = 0x37f;
	uint32_t mxcsr = 0x1f80;

	KASSERT(((uintptr_t)state & 15) == 0, "FXSAVE area %p not 16-byte aligned", state);
	memset(state, 0, FX_SIZE);
	memcpy((uint8_t *)state + FX_FCW, &fcw, sizeof(fcw));
	memcpy((uint8_t *)state + FX_MXCSR, &mxcsr, sizeof(mxcsr));
}

void arch_fpu_copy(void *state)
{
	KASSERT(((uintptr_t)state & 15) == 0, "FXSAVE area %p not 16-byte aligned", state);
	fx_save(state);
}

void arch_fpu_switch(struct thread *prev, struct thread *next)
{
	if (prev->proc)
		fx_save(prev->fpu_state);
	if (next->proc)
		fx_load(next->fpu_state);
}

void arch_fpu_load(const void *state)
{
	fx_load(state);
}
