/* SPDX-License-Identifier: MIT */
/*
 * Signals on the Linux model (kernel/signal.c; the frame is the arch's,
 * arch/<arch>/signal.c). The numbers, flags, siginfo and the system calls'
 * results are Linux's; the rules followed are Linux 6.1's kernel/signal.c:
 *
 * - Actions (rt_sigaction) belong to the process; the blocked mask, the
 *   alternate stack and thread-directed pending signals (tgkill, faults) to the
 *   thread; process-directed ones (kill) are pending on the process until a
 *   thread that does not block them takes them.
 * - A signal that is ignored when it is sent (SIG_IGN, or SIG_DFL whose default
 *   is to ignore) and not blocked is dropped. Pending standard signals do not
 *   queue: a second one while the first is pending is merged into it, real-time
 *   signals (32..64) too (a kestrel limit: Linux queues those).
 * - /init (pid 1) never gets a signal whose action is SIG_DFL from kill() or
 *   tgkill() (Linux's SIGNAL_UNKILLABLE), but a fault's signal is forced: an
 *   unhandled SIGSEGV ends it like any process.
 * - A fault (SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE) is forced like Linux's
 *   force_sig_fault(): if the thread blocks or ignores it, the action is reset
 *   to SIG_DFL and the signal unblocked, so the process dies rather than loop.
 * - Delivery, before each return to user mode: the synchronous signals first,
 *   then the lowest number. A handler gets a frame on the user stack (or the
 *   alternate stack with SA_ONSTACK), the blocked mask gains the action's mask
 *   and the signal (unless SA_NODEFER), SA_RESETHAND restores SIG_DFL;
 *   rt_sigreturn restores the registers, the mask and the alternate stack from the
 *   frame. The default action ends the whole process (the core-dumping ones too:
 *   there are no core files), stops are ignored (no job control).
 * - Interrupted sleeps return -EINTR, SA_RESTART or not (no system call restart).
 *
 * Locking: everything here is under the process's proc->lock (<kern/proc.h>),
 * except a thread's own blocked mask and alternate stack, which only that thread
 * writes (under the lock too, so that senders read a stable mask).
 */
#ifndef KERN_SIGNAL_H
#define KERN_SIGNAL_H

#include <kern/types.h>
#include <arch/unistd.h>

#define NSIG 64

#define SIGHUP    1
#define SIGINT    2
#define SIGQUIT   3
#define SIGILL    4
#define SIGTRAP   5
#define SIGABRT   6
#define SIGBUS    7
#define SIGFPE    8
#define SIGKILL   9
#define SIGUSR1   10
#define SIGSEGV   11
#define SIGUSR2   12
#define SIGPIPE   13
#define SIGALRM   14
#define SIGTERM   15
#define SIGSTKFLT 16
#define SIGCHLD   17
#define SIGCONT   18
#define SIGSTOP   19
#define SIGTSTP   20
#define SIGTTIN   21
#define SIGTTOU   22
#define SIGURG    23
#define SIGXCPU   24
#define SIGXFSZ   25
#define SIGVTALRM 26
#define SIGPROF   27
#define SIGWINCH  28
#define SIGIO     29
#define SIGPWR    30
#define SIGSYS    31

#define SIG_DFL 0ul
#define SIG_IGN 1ul

#define SA_NOCLDSTOP  0x00000001u
#define SA_NOCLDWAIT  0x00000002u
#define SA_SIGINFO    0x00000004u
#define SA_UNSUPPORTED 0x00000400u
#define SA_EXPOSE_TAGBITS 0x00000800u
#define SA_RESTORER   0x04000000u
#define SA_ONSTACK    0x08000000u
#define SA_RESTART    0x10000000u
#define SA_NODEFER    0x40000000u
#define SA_RESETHAND  0x80000000u

#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

#define SS_ONSTACK    1
#define SS_DISABLE    2
#define SS_AUTODISARM (1u << 31)
/* sigaltstack()'s smallest stack: the arch's uapi value (<arch/unistd.h>). */
#define MINSIGSTKSZ   ARCH_MINSIGSTKSZ

/* si_code values */
#define SI_USER    0
#define SI_KERNEL  0x80
#define SI_TKILL   (-6)
#define CLD_EXITED 1
#define CLD_KILLED 2
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRALN  1
#define ILL_ILLOPC  1
#define ILL_ILLOPN  2
#define TRAP_BRKPT  1
#define FPE_INTDIV  1
#define FPE_FLTDIV  3
#define FPE_FLTOVF  4
#define FPE_FLTUND  5
#define FPE_FLTRES  6
#define FPE_FLTINV  7

static inline uint64_t sig_bit(int sig)
{
	return 1ull << (sig - 1);
}

/* What the kernel keeps of one action (the user's struct is the arch's layout). */
struct k_sigaction {
	uintptr_t handler;
	unsigned long flags;
	uintptr_t restorer;          /* x86_64 only (SA_RESTORER) */
	uint64_t mask;
};

/* One pending signal's information: what siginfo_t will say. */
struct ksiginfo {
	int signo, code;
	uintptr_t addr;              /* faults: si_addr */
	unsigned int pid, uid;       /* kill/tgkill: the sender; a child's death: the child */
	int status;                  /* a child's death (chld): its exit status or signal */
	bool fault;                  /* a fault's (the address is meaningful) */
	bool chld;                   /* a child's death: si_status, si_utime, si_stime follow */
};

/* The alternate signal stack (sigaltstack(2)), per thread. */
struct sigaltstack_k {
	uintptr_t sp;
	size_t size;
	unsigned int flags;          /* SS_AUTODISARM, or SS_DISABLE when there is none */
};

/* Linux's siginfo_t is 128 bytes on both arches: signo, errno, code, then a union at 16. */
#define SIGINFO_SIZE 128

/* stack_t as the user sees it (uc_stack, sigaltstack's arguments): 24 bytes. */
struct user_stack {
	uint64_t ss_sp;
	int32_t ss_flags;
	uint32_t pad;
	uint64_t ss_size;
};

struct trap_frame;
struct thread;

/* ---- generic (kernel/signal.c) ---- */

/* Send @sig to thread @t of its process (tgkill, faults); @info may be NULL (SI_USER). */
int signal_send_thread(struct thread *t, const struct ksiginfo *info);

/* A fault's signal to the calling thread, forced (see above). */
void signal_force_fault(int sig, int code, uintptr_t addr);

/* Would the calling thread's process run a handler for @sig (a fault report is due if not)? */
bool signal_handled(int sig);

/* user_return_work()'s part: deliver what is deliverable. May not return (fatal). */
void signal_deliver(struct trap_frame *tf);

/* The system calls (kernel/signal.c), each with Linux's results. */
long sys_rt_sigaction(int sig, uintptr_t act, uintptr_t oact, size_t sigsetsize);
long sys_rt_sigprocmask(int how, uintptr_t set, uintptr_t oset, size_t sigsetsize);
long sys_rt_sigpending(uintptr_t set, size_t sigsetsize);
long sys_sigaltstack(struct trap_frame *tf, uintptr_t ss, uintptr_t oss);
long sys_kill(int pid, int sig);
long sys_tgkill(int tgid, int tid, int sig);
long sys_tkill(int tid, int sig);
long sys_rt_sigreturn(struct trap_frame *tf);

/* Fill @out (SIGINFO_SIZE bytes) with Linux's siginfo_t for @info. */
void signal_siginfo(const struct ksiginfo *info, uint8_t *out);

/*
 * Tell @parent that a child died (Linux's do_notify_parent()): @info is the
 * child's CLD_* report, @sig the signal the child's clone asked for (0: none).
 * With SIGCHLD ignored (SIG_IGN) or SA_NOCLDWAIT set, a SIGCHLD child is reaped
 * by the kernel instead of waited for: returns true then; with SIG_IGN nothing is
 * sent. Takes @parent->lock (callers may hold proc_table_lock, which comes first).
 */
struct proc;
bool signal_child_died(struct proc *parent, int sig, const struct ksiginfo *info);

/* uc_stack for a frame built with the thread at user sp @sp; then SS_AUTODISARM. */
void signal_save_altstack(uintptr_t sp, struct user_stack *out);

/* rt_sigreturn's restore of the alternate stack from a frame's uc_stack. */
int signal_restore_altstack(const struct user_stack *ss, uintptr_t sp);

/* ---- the arch's part (arch/<arch>/signal.c) ---- */

/* A handler's frame to build at or below @sp (already on the right stack). */
struct signal_frame_args {
	int sig;
	const struct k_sigaction *ka;
	const uint8_t *siginfo;      /* SIGINFO_SIZE bytes */
	uint64_t saved_mask;         /* uc_sigmask: what rt_sigreturn restores */
	uintptr_t sp;                /* the stack to use (the alternate one, or the user sp) */
	bool on_altstack;            /* sp is the alternate stack's top (no red zone to skip) */
};

/* The user stack pointer in @tf. */
uintptr_t arch_user_sp(const struct trap_frame *tf);

/*
 * Build the frame and point @tf at the handler. Returns 0, or -EFAULT when the
 * frame cannot be written (the caller then kills the process with SIGSEGV, as
 * Linux's force_sigsegv()); x86_64 also -EFAULT without SA_RESTORER.
 */
int arch_signal_setup(struct trap_frame *tf, const struct signal_frame_args *a);

/*
 * rt_sigreturn: restore @tf from the frame at the user sp, *@mask from its
 * uc_sigmask and the alternate stack from its uc_stack (signal_restore_altstack()).
 * Returns 0 or -EFAULT (a bad frame: SIGSEGV). The value the system call returns
 * is then the restored return register's.
 */
int arch_signal_return(struct trap_frame *tf, uint64_t *mask);

/*
 * After a bad rt_sigreturn frame (arch_signal_return() failed): force the signal
 * the arch's Linux raises for it on the calling thread (signal_force_fault()):
 * x86_64 and riscv64 SIGSEGV with SI_KERNEL (force_sig()); arm64 SIGSEGV at the
 * stack pointer (arm64_notify_segfault()).
 */
void arch_signal_bad_frame(const struct trap_frame *tf);

/* The restored return-value register (rax, a0), for rt_sigreturn's result. */
long arch_user_retval(const struct trap_frame *tf);

#endif
