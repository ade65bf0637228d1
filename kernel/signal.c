// SPDX-License-Identifier: MIT
/* Signals (see <kern/signal.h> for the rules and the locking). */
#include <kern/errno.h>
#include <kern/printk.h>
#include <kern/proc.h>
#include <kern/sched.h>
#include <kern/signal.h>
#include <kern/string.h>
#include <kern/syscall.h>
#include <kern/uaccess.h>
#include <arch/unistd.h>

/* Linux's SYNCHRONOUS_MASK: delivered before any other pending signal. */
#define SYNC_MASK (sig_bit(SIGSEGV) | sig_bit(SIGBUS) | sig_bit(SIGILL) | sig_bit(SIGTRAP) | \
		   sig_bit(SIGFPE) | sig_bit(SIGSYS))
/* Never blocked, never caught. */
#define UNBLOCKABLE (sig_bit(SIGKILL) | sig_bit(SIGSTOP))
/* Linux's sig_kernel_ignore(): what SIG_DFL ignores. */
#define DFL_IGNORE (sig_bit(SIGCHLD) | sig_bit(SIGURG) | sig_bit(SIGWINCH) | sig_bit(SIGCONT))
/* sig_kernel_stop(): with no job control, kestrel ignores them too. */
#define DFL_STOP (sig_bit(SIGSTOP) | sig_bit(SIGTSTP) | sig_bit(SIGTTIN) | sig_bit(SIGTTOU))

static bool valid_sig(int sig)
{
	return sig >= 1 && sig <= NSIG;
}

/* Is @sig ignored by @p's action for it? (under p->lock) */
static bool sig_ignored_by_action(const struct proc *p, int sig)
{
	uintptr_t h = p->sig_actions[sig - 1].handler;

	if (sig == SIGKILL)
		return false;
	return h == SIG_IGN || (h == SIG_DFL && (sig_bit(sig) & (DFL_IGNORE | DFL_STOP)));
}

/*
 * Kick a thread that can take @sig now (process-directed): the first thread (tid ==
 * pid) if it does not block it, as Linux's complete_signal() prefers the target
 * task, else the first other one that does not.
 */
static void wake_for(struct proc *p, int sig)
{
	struct thread *pick = NULL;

	for (struct thread *t = p->threads; t; t = t->proc_next) {
		if (t->sig_blocked & sig_bit(sig))
			continue;
		if (t->tid == p->pid) {
			pick = t;
			break;
		}
		if (!pick)
			pick = t;
	}
	if (pick)
		thread_kick(pick, THREAD_WORK_SIGNAL);
}

/*
 * SIGKILL, or a fatal signal found at delivery: the whole process ends (every
 * thread kicked), with @sig as its exit signal. Under p->lock.
 */
static void group_kill_locked(struct proc *p, int sig)
{
	if (p->exiting)
		return;
	p->exiting = true;
	p->exit_status = 0;
	p->exit_signal = sig;
	for (struct thread *t = p->threads; t; t = t->proc_next)
		thread_kick(t, THREAD_WORK_KILL);
}

/* Queue @info on @t (or the process if @t is NULL). Under p->lock. */
static void send_locked(struct proc *p, struct thread *t, const struct ksiginfo *info, bool forced)
{
	int sig = info->signo;
	uint64_t bit = sig_bit(sig);

	if (sig == SIGKILL) {
		if (!p->unkillable || forced)
			group_kill_locked(p, SIGKILL);
		return;
	}
	if (!forced) {
		bool blocked = t ? (t->sig_blocked & bit) : false;
		/* Linux's sig_task_ignored(): init never gets a SIG_DFL signal it did not cause. */
		if (p->unkillable && p->sig_actions[sig - 1].handler == SIG_DFL)
			return;
		if (!blocked && sig_ignored_by_action(p, sig))
			return;
	}
	if (t) {
		if (!(t->sig_pending & bit)) {
			t->sig_pending |= bit;
			t->sig_info[sig - 1] = *info;
		}
		if (!(t->sig_blocked & bit))
			thread_kick(t, THREAD_WORK_SIGNAL);
	} else {
		if (!(p->sig_pending & bit)) {
			p->sig_pending |= bit;
			p->sig_info[sig - 1] = *info;
		}
		wake_for(p, sig);
	}
}

int signal_send_thread(struct thread *t, const struct ksiginfo *info)
{
	struct proc *p = t->proc;

	if (!p)
		return -ESRCH;
	unsigned long flags = spin_lock_irqsave(&p->lock);
	send_locked(p, t, info, false);
	spin_unlock_irqrestore(&p->lock, flags);
	return 0;
}

void signal_force_fault(int sig, int code, uintptr_t addr)
{
	struct thread *t = thread_current();
	struct proc *p = t->proc;
	struct ksiginfo info = { .signo = sig, .code = code, .addr = addr, .fault = true };

	unsigned long flags = spin_lock_irqsave(&p->lock);
	struct k_sigaction *ka = &p->sig_actions[sig - 1];
	/* force_sig_info_to_task(): blocked or ignored, it is made fatal. */
	if ((t->sig_blocked & sig_bit(sig)) || ka->handler == SIG_IGN) {
		ka->handler = SIG_DFL;
		t->sig_blocked &= ~sig_bit(sig);
	}
	if (ka->handler == SIG_DFL)
		p->unkillable = false;
	/* A fault's information replaces a pending one of the same signal. */
	t->sig_pending |= sig_bit(sig);
	t->sig_info[sig - 1] = info;
	__atomic_fetch_or(&t->work, THREAD_WORK_SIGNAL, __ATOMIC_RELAXED);
	spin_unlock_irqrestore(&p->lock, flags);
}

bool signal_handled(int sig)
{
	const struct thread *t = thread_current();
	const struct proc *p = t->proc;

	if (!p)
		return false;
	uintptr_t h = __atomic_load_n(&p->sig_actions[sig - 1].handler, __ATOMIC_RELAXED);
	return h != SIG_DFL && h != SIG_IGN && !(t->sig_blocked & sig_bit(sig));
}

void signal_siginfo(const struct ksiginfo *info, uint8_t *out)
{
	memset(out, 0, SIGINFO_SIZE);
	int32_t w[3] = { info->signo, 0, info->code };
	memcpy(out, w, sizeof(w));
	if (info->fault) {
		uint64_t a = info->addr;
		memcpy(out + 16, &a, sizeof(a));
	} else if (info->chld) {
		/* _sigchld: pid, uid, status, then utime and stime (no CPU-time accounting: 0) */
		int32_t k[3] = { (int32_t)info->pid, (int32_t)info->uid, info->status };
		memcpy(out + 16, k, sizeof(k));
	} else {
		uint32_t k[2] = { info->pid, info->uid };
		memcpy(out + 16, k, sizeof(k));
	}
}

/* Linux's on_sig_stack() and sas_ss_flags(). */
static bool on_altstack(const struct sigaltstack_k *ss, uintptr_t sp)
{
	if (ss->flags & SS_AUTODISARM)
		return false;
	return sp > ss->sp && sp - ss->sp <= ss->size;
}

static int altstack_flags(const struct sigaltstack_k *ss, uintptr_t sp)
{
	if (!ss->size)
		return SS_DISABLE;
	return (on_altstack(ss, sp) ? SS_ONSTACK : 0) | (ss->flags & SS_AUTODISARM);
}

void signal_save_altstack(uintptr_t sp, struct user_stack *out)
{
	struct sigaltstack_k *ss = &thread_current()->altstack;

	*out = (struct user_stack){ .ss_sp = ss->sp, .ss_flags = altstack_flags(ss, sp),
				    .ss_size = ss->size };
	if (ss->flags & SS_AUTODISARM)
		*ss = (struct sigaltstack_k){ 0 };
}

/* do_sigaltstack()'s change: 0, -EPERM (on it now), -EINVAL, -ENOMEM. */
static int set_altstack(const struct user_stack *n, uintptr_t sp)
{
	struct sigaltstack_k *ss = &thread_current()->altstack;
	unsigned int mode = (unsigned int)n->ss_flags & ~SS_AUTODISARM;

	if (on_altstack(ss, sp))
		return -EPERM;
	if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0)
		return -EINVAL;
	if (mode == SS_DISABLE) {
		*ss = (struct sigaltstack_k){ 0 };
		return 0;
	}
	if (n->ss_size < MINSIGSTKSZ)
		return -ENOMEM;
	*ss = (struct sigaltstack_k){ .sp = n->ss_sp, .size = n->ss_size,
				      .flags = (unsigned int)n->ss_flags & SS_AUTODISARM };
	return 0;
}

int signal_restore_altstack(const struct user_stack *ss, uintptr_t sp)
{
	/* restore_altstack(): every error but -EFAULT is dropped. */
	(void)set_altstack(ss, sp);
	return 0;
}

long sys_sigaltstack(struct trap_frame *tf, uintptr_t uss, uintptr_t uoss)
{
	struct thread *t = thread_current();
	uintptr_t sp = arch_user_sp(tf);
	struct user_stack old = { .ss_sp = t->altstack.sp, .ss_flags = altstack_flags(&t->altstack, sp),
				  .ss_size = t->altstack.size };
	int err = 0;

	if (uss) {
		struct user_stack n;
		if (copy_from_user(&n, uss, sizeof(n)))
			return -EFAULT;
		unsigned long flags = spin_lock_irqsave(&t->proc->lock);
		err = set_altstack(&n, sp);
		spin_unlock_irqrestore(&t->proc->lock, flags);
	}
	if (!err && uoss && copy_to_user(uoss, &old, sizeof(old)))
		return -EFAULT;
	return err;
}

/*
 * The user's struct sigaction (the kernel's view, include/linux/signal_types.h):
 * handler, flags, then on x86_64 the restorer, then the mask. riscv64 has no
 * restorer field (asm-generic, no SA_RESTORER).
 */
#define SIGACTION_HAS_RESTORER ARCH_SIGACTION_HAS_RESTORER   /* <arch/unistd.h> */
struct user_sigaction {
	uint64_t handler;
	uint64_t flags;
#if SIGACTION_HAS_RESTORER
	uint64_t restorer;
#endif
	uint64_t mask;
};

long sys_rt_sigaction(int sig, uintptr_t uact, uintptr_t uoact, size_t sigsetsize)
{
	struct thread *t = thread_current();
	struct proc *p = t->proc;
	struct user_sigaction n, o;

	if (sigsetsize != sizeof(uint64_t))
		return -EINVAL;
	if (!valid_sig(sig))
		return -EINVAL;
	if (uact && copy_from_user(&n, uact, sizeof(n)))
		return -EFAULT;
	/* do_sigaction(): SIGKILL and SIGSTOP keep SIG_DFL (reading them is fine). */
	if (uact && (sig_bit(sig) & UNBLOCKABLE))
		return -EINVAL;

	unsigned long flags = spin_lock_irqsave(&p->lock);
	struct k_sigaction *ka = &p->sig_actions[sig - 1];
	o = (struct user_sigaction){ .handler = ka->handler, .flags = ka->flags, .mask = ka->mask };
#if SIGACTION_HAS_RESTORER
	o.restorer = ka->restorer;
#endif
	if (uact) {
		/* Linux keeps SA_UNSUPPORTED's bit out, so a program can probe for it. */
		*ka = (struct k_sigaction){ .handler = n.handler, .flags = n.flags & ~SA_UNSUPPORTED,
					    .mask = n.mask & ~UNBLOCKABLE };
#if SIGACTION_HAS_RESTORER
		ka->restorer = n.restorer;
#endif
		/*
		 * POSIX 3.3.1.3: setting SIG_IGN (or SIG_DFL where that ignores)
		 * discards the pending signal, in every thread.
		 */
		if (sig_ignored_by_action(p, sig)) {
			p->sig_pending &= ~sig_bit(sig);
			for (struct thread *th = p->threads; th; th = th->proc_next)
				th->sig_pending &= ~sig_bit(sig);
		}
	}
	spin_unlock_irqrestore(&p->lock, flags);
	if (uoact && copy_to_user(uoact, &o, sizeof(o)))
		return -EFAULT;
	return 0;
}

long sys_rt_sigprocmask(int how, uintptr_t uset, uintptr_t uoset, size_t sigsetsize)
{
	struct thread *t = thread_current();
	uint64_t old = t->sig_blocked, set;

	if (sigsetsize != sizeof(uint64_t))
		return -EINVAL;
	if (uset) {
		if (copy_from_user(&set, uset, sizeof(set)))
			return -EFAULT;
		set &= ~UNBLOCKABLE;
		unsigned long flags = spin_lock_irqsave(&t->proc->lock);
		switch (how) {
		case SIG_BLOCK:
			t->sig_blocked |= set;
			break;
		case SIG_UNBLOCK:
			t->sig_blocked &= ~set;
			break;
		case SIG_SETMASK:
			t->sig_blocked = set;
			break;
		default:
			spin_unlock_irqrestore(&t->proc->lock, flags);
			return -EINVAL;
		}
		/* Unblocked and pending: delivered on the way out of this call. */
		if ((t->sig_pending | t->proc->sig_pending) & ~t->sig_blocked)
			__atomic_fetch_or(&t->work, THREAD_WORK_SIGNAL, __ATOMIC_RELAXED);
		spin_unlock_irqrestore(&t->proc->lock, flags);
	}
	if (uoset && copy_to_user(uoset, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_rt_sigpending(uintptr_t uset, size_t sigsetsize)
{
	struct thread *t = thread_current();

	if (sigsetsize > sizeof(uint64_t))
		return -EINVAL;
	unsigned long flags = spin_lock_irqsave(&t->proc->lock);
	uint64_t set = (t->sig_pending | t->proc->sig_pending) & t->sig_blocked;
	spin_unlock_irqrestore(&t->proc->lock, flags);
	return copy_to_user(uset, &set, sigsetsize) ? -EFAULT : 0;
}

bool signal_child_died(struct proc *parent, int sig, const struct ksiginfo *info)
{
	bool autoreap = false;
	unsigned long flags = spin_lock_irqsave(&parent->lock);
	const struct k_sigaction *act = &parent->sig_actions[SIGCHLD - 1];

	if (sig == SIGCHLD && (act->handler == SIG_IGN || (act->flags & SA_NOCLDWAIT))) {
		autoreap = true;
		if (act->handler == SIG_IGN)
			sig = 0;
	}
	if (sig > 0 && sig <= NSIG) {
		struct ksiginfo i = *info;
		i.signo = sig;
		send_locked(parent, NULL, &i, false);
	}
	spin_unlock_irqrestore(&parent->lock, flags);
	return autoreap;
}

/* proc_with_pid()'s part of kill(2): @p's lock held. */
static int kill_one(struct proc *p, void *arg)
{
	const struct ksiginfo *info = arg;

	/* A zombie exists (0) but takes nothing: its exit status is final. */
	if (info->signo && !__atomic_load_n(&p->dead, __ATOMIC_ACQUIRE))
		send_locked(p, NULL, info, false);
	return 0;
}

long sys_kill(int pid, int sig)
{
	struct thread *t = thread_current();
	struct proc *p = t->proc;
	struct ksiginfo info = { .signo = sig, .code = SI_USER, .pid = p->pid };

	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	/* One process, the caller or another, zombies included (kill_pid_info()); root may signal any. */
	if (pid > 0)
		return proc_with_pid((unsigned int)pid, kill_one, &info);
	/* kill_something_info(): -INT_MIN has no group to negate into. */
	if (pid == (int)0x80000000)
		return -ESRCH;
	/*
	 * 0: the caller's process group, the caller included; -1: every process but
	 * /init and the caller's; < -1: group -pid. -ESRCH when none was reached.
	 */
	long group = pid == 0 ? proc_getpgid(0) : pid == -1 ? PROC_ALL_OTHERS : -(long)pid;
	return proc_for_each_in(group, kill_one, &info) ? 0 : -ESRCH;
}

static long send_to_tid(int tgid, int tid, int sig)
{
	struct thread *t = thread_current();
	struct proc *p = t->proc;
	struct ksiginfo info = { .signo = sig, .code = SI_TKILL, .pid = p->pid };

	if (tid <= 0 || (tgid != -1 && tgid <= 0) || sig < 0 || sig > NSIG)
		return -EINVAL;
	if (tgid != -1 && tgid != (int)p->pid)
		return -ESRCH;
	unsigned long flags = spin_lock_irqsave(&p->lock);
	struct thread *target = NULL;
	for (struct thread *th = p->threads; th; th = th->proc_next)
		if ((int)th->tid == tid && th->state != THREAD_DEAD)
			target = th;
	if (target && sig)
		send_locked(p, target, &info, false);
	spin_unlock_irqrestore(&p->lock, flags);
	return target ? 0 : -ESRCH;
}

long sys_tgkill(int tgid, int tid, int sig)
{
	return send_to_tid(tgid, tid, sig);
}

long sys_tkill(int tid, int sig)
{
	return send_to_tid(-1, tid, sig);
}

long sys_rt_sigreturn(struct trap_frame *tf)
{
	struct thread *t = thread_current();
	uint64_t mask;

	if (arch_signal_return(tf, &mask)) {
		/* A bad frame: the arch's SIGSEGV (force_sig() on most). */
		arch_signal_bad_frame(tf);
		return arch_user_retval(tf);
	}
	unsigned long flags = spin_lock_irqsave(&t->proc->lock);
	t->sig_blocked = mask & ~UNBLOCKABLE;
	if ((t->sig_pending | t->proc->sig_pending) & ~t->sig_blocked)
		__atomic_fetch_or(&t->work, THREAD_WORK_SIGNAL, __ATOMIC_RELAXED);
	spin_unlock_irqrestore(&t->proc->lock, flags);
	return arch_user_retval(tf);
}

/* The next deliverable signal of @t, dequeued into *@info; 0 if none. Under p->lock. */
static int dequeue(struct proc *p, struct thread *t, struct ksiginfo *info)
{
	uint64_t mine = t->sig_pending & ~t->sig_blocked;
	uint64_t shared = p->sig_pending & ~t->sig_blocked;
	uint64_t all = mine | shared;

	if (!all)
		return 0;
	uint64_t pick = (all & SYNC_MASK) ? (all & SYNC_MASK) : all;
	int sig = __builtin_ctzll(pick) + 1;
	if (mine & sig_bit(sig)) {
		t->sig_pending &= ~sig_bit(sig);
		*info = t->sig_info[sig - 1];
	} else {
		p->sig_pending &= ~sig_bit(sig);
		*info = p->sig_info[sig - 1];
	}
	return sig;
}

void signal_deliver(struct trap_frame *tf)
{
	struct thread *t = thread_current();
	struct proc *p = t->proc;
	struct ksiginfo info;
	int sig;

	if (!p)
		return;
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&p->lock);
		sig = dequeue(p, t, &info);
		if (!sig) {
			spin_unlock_irqrestore(&p->lock, flags);
			return;
		}
		struct k_sigaction ka = p->sig_actions[sig - 1];
		if (ka.handler == SIG_IGN ||
		    (ka.handler == SIG_DFL && (sig_bit(sig) & (DFL_IGNORE | DFL_STOP)))) {
			spin_unlock_irqrestore(&p->lock, flags);
			continue;
		}
		if (ka.handler == SIG_DFL) {
			/* A fault was reported when it was taken; anything else ends the process here. */
			group_kill_locked(p, sig);
			spin_unlock_irqrestore(&p->lock, flags);
			proc_exit_killed();
		}
		uint64_t saved = t->sig_blocked;
		t->sig_blocked |= (ka.mask | ((ka.flags & SA_NODEFER) ? 0 : sig_bit(sig))) & ~UNBLOCKABLE;
		if (ka.flags & SA_RESETHAND)
			p->sig_actions[sig - 1].handler = SIG_DFL;
		spin_unlock_irqrestore(&p->lock, flags);

		uint8_t si[SIGINFO_SIZE];
		signal_siginfo(&info, si);
		uintptr_t sp = arch_user_sp(tf);
		struct signal_frame_args a = { .sig = sig, .ka = &ka, .siginfo = si, .saved_mask = saved,
					       .sp = sp };
		/* get_sigframe()'s sigsp(): the alternate stack's top, unless already on it. */
		if ((ka.flags & SA_ONSTACK) && t->altstack.size && !on_altstack(&t->altstack, sp)) {
			a.sp = t->altstack.sp + t->altstack.size;
			a.on_altstack = true;
		}
		if (arch_signal_setup(tf, &a)) {
			pr_info("%s[%u]: cannot build the frame for signal %d at sp %lx: killed\n",
				t->name, t->tid, sig, (unsigned long)a.sp);
			flags = spin_lock_irqsave(&p->lock);
			group_kill_locked(p, SIGSEGV);
			spin_unlock_irqrestore(&p->lock, flags);
			proc_exit_killed();
		}
	}
}
