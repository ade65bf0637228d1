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
 * There is no FP state in the frame yet (sigcontext.fpstate is 0, which Linux
 * reads as "no FP state saved"): user programs get no SSE state from this
 * kernel so far (CR4.OSFXSR is clear), so there is none to save.
 */
#include <kern/errno.h>
#include <kern/proc.h>
#include <kern/sched.h>
#include <kern/signal.h>
#include <kern/string.h>
#include <kern/uaccess.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include <mm/as.h>

#define USER_CS 0x3b
#define USER_DS 0x33

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

int arch_signal_setup(struct trap_frame *tf, const struct signal_frame_args *a)
{
	struct rt_sigframe f;
	uintptr_t sp = a->sp;

	/* __setup_rt_frame(): a 64-bit frame needs a restorer to return through. */
	if (!(a->ka->flags & SA_RESTORER))
		return -EFAULT;
	if (!a->on_altstack)
		sp -= 128;
	sp = ((sp - sizeof(f)) & ~15ul) - 8;

	memset(&f, 0, sizeof(f));
	f.pretcode = a->ka->restorer;
	f.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	signal_save_altstack(tf->rsp, &f.uc.uc_stack);
	struct sigcontext64 *sc = &f.uc.uc_mcontext;
	*sc = (struct sigcontext64){
		.r8 = tf->r8, .r9 = tf->r9, .r10 = tf->r10, .r11 = tf->r11, .r12 = tf->r12,
		.r13 = tf->r13, .r14 = tf->r14, .r15 = tf->r15, .rdi = tf->rdi, .rsi = tf->rsi,
		.rbp = tf->rbp, .rbx = tf->rbx, .rdx = tf->rdx, .rax = tf->rax, .rcx = tf->rcx,
		.rsp = tf->rsp, .rip = tf->rip, .eflags = tf->rflags, .cs = USER_CS, .ss = USER_DS,
		.oldmask = a->saved_mask,
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
	tf->cs = USER_CS;
	tf->ss = USER_DS;
	/* Linux clears DF, TF and RF for the handler. */
	tf->rflags &= ~(0x400ull | 0x100ull | 0x10000ull);
	return 0;
}

/* Does @v sign-extend from the top implemented virtual-address bit? */
static bool canonical(uint64_t v)
{
	const struct as *as = thread_current()->as;
	unsigned int bits = as && as->pt.levels == 5 ? 57 : 48;

	return (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits)) == v;
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
	tf->cs = USER_CS;
	tf->ss = USER_DS;
	*mask = f.uc.uc_sigmask;
	return signal_restore_altstack(&f.uc.uc_stack, tf->rsp);
}

/* x86_64 programs bring their own restorer (SA_RESTORER): nothing to map. */
int arch_exec_setup(struct proc *p)
{
	(void)p;
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
