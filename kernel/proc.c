// SPDX-License-Identifier: MIT
/* User processes (see <kern/proc.h> for the model and the lock rules). */
#include <kern/arch.h>
#include <kern/boot.h>
#include <kern/cmdline.h>
#include <kern/cpu.h>
#include <kern/cpio.h>
#include <kern/elf.h>
#include <kern/errno.h>
#include <kern/futex.h>
#include <kern/panic.h>
#include <kern/printk.h>
#include <kern/proc.h>
#include <kern/sched.h>
#include <kern/string.h>
#include <kern/syscall.h>
#include <kern/time.h>
#include <kern/uaccess.h>
#include <mm/init.h>
#include <mm/slab.h>

/*
 * Pids and tids come from one space, as on Linux: a bitmap, allocated upwards from
 * the last one given and wrapping to RESERVED_PIDS (Linux's 300), so a number is not
 * reused soon after it was freed. proc_table_lock: the bitmap and last_pid; a
 * spinlock with interrupts masked, taken before any proc->lock, never held while
 * waiting for another CPU.
 */
#define RESERVED_PIDS 300
static spinlock_t proc_table_lock = SPINLOCK_INIT;
/* 0 is nobody's; 1 is kept for /init, which proc_run_init() starts after the ktests. */
static uint64_t pid_map[PID_MAX / 64] = { 0x3 };
static unsigned int last_pid = 1;
static uint64_t nr_created, nr_reaped;
/* Under proc_table_lock: the running /init (children of dying processes go to it),
 * and the processes left without a parent once it is gone (linked by sibling). */
static struct proc *init_proc;
static struct proc *orphans;
static struct proc *all_procs;       /* linked by all_next */

/* Under proc_table_lock. */
static void all_add(struct proc *p)
{
	p->all_next = all_procs;
	all_procs = p;
}

static void all_remove(struct proc *p)
{
	for (struct proc **pp = &all_procs; *pp; pp = &(*pp)->all_next)
		if (*pp == p) {
			*pp = p->all_next;
			return;
		}
}

/* The process with @pid, zombies included (under proc_table_lock), or NULL. */
static struct proc *find_locked(long pid)
{
	if (pid <= 0)
		return NULL;
	for (struct proc *p = all_procs; p; p = p->all_next)
		if (p->pid == (unsigned long)pid)
			return p;
	return NULL;
}

int proc_with_pid(unsigned int pid, int (*fn)(struct proc *p, void *arg), void *arg)
{
	unsigned long irq = spin_lock_irqsave(&proc_table_lock);
	struct proc *p = find_locked(pid);
	int r = -ESRCH;

	if (p) {
		spin_lock(&p->lock);
		r = fn(p, arg);
		spin_unlock(&p->lock);
	}
	spin_unlock_irqrestore(&proc_table_lock, irq);
	return r;
}
/*
 * proc_spawn_as_init()'s capture for the process spawn() makes: programs run as
 * init only from the boot thread (the ktests, then proc_run_init()), one at a time.
 */
static struct proc_capture *spawn_capture;

static unsigned int pid_alloc(void)
{
	unsigned long flags = spin_lock_irqsave(&proc_table_lock);
	unsigned int pid = 0;

	for (unsigned int n = 0, c = last_pid + 1; n < PID_MAX; n++, c++) {
		if (c >= PID_MAX)
			c = last_pid >= RESERVED_PIDS ? RESERVED_PIDS : 1;
		if (c == 0)
			continue;
		if (!(pid_map[c / 64] & (1ull << (c % 64)))) {
			pid_map[c / 64] |= 1ull << (c % 64);
			pid = last_pid = c;
			break;
		}
	}
	spin_unlock_irqrestore(&proc_table_lock, flags);
	return pid;
}

static void pid_free(unsigned int pid)
{
	unsigned long flags = spin_lock_irqsave(&proc_table_lock);

	KASSERT(pid && pid < PID_MAX && (pid_map[pid / 64] & (1ull << (pid % 64))),
		"pid %u freed but not allocated", pid);
	pid_map[pid / 64] &= ~(1ull << (pid % 64));
	spin_unlock_irqrestore(&proc_table_lock, flags);
}

uint64_t proc_created(void)
{
	return __atomic_load_n(&nr_created, __ATOMIC_RELAXED);
}

uint64_t proc_reaped(void)
{
	return __atomic_load_n(&nr_reaped, __ATOMIC_RELAXED);
}

/*
 * AT_RANDOM's bytes: splitmix64 over the time and a counter. Not cryptographic:
 * libcs seed their stack canary and pointer guard from it, and there is no entropy
 * source yet (getrandom() will need one).
 */
static void random_bytes(uint8_t *out, size_t n)
{
	static uint64_t counter;
	uint64_t x = time_ns() ^ (__atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED) << 48);

	for (size_t i = 0; i < n; i += 8) {
		uint64_t z = (x += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		for (size_t j = 0; j < 8 && i + j < n; j++)
			out[i + j] = (uint8_t)(z >> (8 * j));
	}
}

/* A process's first thread: the loaded program from its first instruction. */
static void user_start(void *arg)
{
	const struct proc *p = arg;

	arch_user_enter(p->start_pc, p->start_sp);
}

static const char *base_name(const char *path)
{
	const char *s = strchr(path, '/'), *b = path;

	for (; s; s = strchr(s + 1, '/'))
		b = s + 1;
	return b;
}

/*
 * An address space with its users: the processes that run in it (a fork gets its
 * own; clone with CLONE_VM but not CLONE_THREAD, as vfork and posix_spawn make,
 * shares the caller's). @users is atomic; the process that drops the last use
 * (its reap, or an execve that leaves the space) destroys it, when no thread of
 * any of them runs in it any more.
 */
struct proc_mm {
	struct as as;
	unsigned int users;
};

/* A new proc_mm with one user, its as not created yet (as_create(), as_fork()). */
static struct as *mm_alloc(void)
{
	struct proc_mm *m = kzalloc(sizeof(*m), 0);

	if (!m)
		return NULL;
	m->users = 1;
	return &m->as;
}

/* Frees an mm_alloc() whose as was never created, or was destroyed already. */
static void mm_free_empty(struct as *as)
{
	kfree(container_of(as, struct proc_mm, as));
}

static void mm_get(struct as *as)
{
	__atomic_add_fetch(&container_of(as, struct proc_mm, as)->users, 1, __ATOMIC_RELAXED);
}

static void mm_put(struct as *as)
{
	struct proc_mm *m = container_of(as, struct proc_mm, as);

	if (__atomic_sub_fetch(&m->users, 1, __ATOMIC_ACQ_REL) == 0) {
		as_destroy(&m->as);
		kfree(m);
	}
}

/*
 * A program's address space: @as created and given the ELF @image's segments, its
 * stack with @argv and @envp, and the arch's pages; its entry in *@pc, the stack
 * pointer in *@sp. Refusals are logged at error level for /init and spawned
 * programs (@loud), at info level for an execve's, whose caller gets the errno.
 * On failure nothing is left (@as destroyed).
 */
static int build_image(struct as *as, const char *path, const void *image, size_t size,
		       const char *const *argv, const char *const *envp, uintptr_t *pc,
		       uintptr_t *sp, uintptr_t *sigreturn_pc, bool loud)
{
	struct arch_exec_params ap;
	struct elf_info info;
	struct elf_loaded ld;
	struct elf_stack st;
	uint8_t rnd[16];
	char why[128];
	uintptr_t bias;
	int lvl = loud ? LOG_ERR : LOG_INFO;
	int err = as_create(as, &mm_kernel_pt, NULL);

	if (err)
		return err;
	arch_exec_params(&ap);
	err = elf_check(image, size, ap.machine, as->task_size, &info, why, sizeof(why));
	if (err) {
		printk(lvl, "exec: %s: not a program this kernel runs (%d): %s\n", path, err, why);
		goto out;
	}
	err = elf_choose_bias(as, &info, &bias);
	if (!err)
		err = elf_load(as, image, size, &info, bias, &ld);
	if (err) {
		printk(lvl, "exec: %s: cannot load its segments (%d)\n", path, err);
		goto out;
	}
	random_bytes(rnd, sizeof(rnd));
	struct elf_stack_args sa = {
		.argv = argv, .envp = envp, .execfn = path, .platform = ap.platform,
		.random = rnd, .hwcap = ap.hwcap, .has_hwcap2 = ap.has_hwcap2, .hwcap2 = ap.hwcap2,
	};
	err = elf_stack_setup(as, as->task_size, info.exec_stack, &ld, &sa, &st);
	if (err) {
		printk(lvl, "exec: %s: cannot build its stack (%d)\n", path, err);
		goto out;
	}
	err = arch_exec_setup(as, sigreturn_pc);
	if (err) {
		printk(lvl, "exec: %s: cannot map the arch's pages (%d)\n", path, err);
		goto out;
	}
	*pc = ld.entry;
	*sp = st.sp;
	return 0;
out:
	as_destroy(as);
	return err;
}

static int spawn(const char *path, const void *image, size_t size, const char *const *argv,
		 const char *const *envp, struct proc *parent, bool init, struct proc **out)
{
	int err;

	struct proc *p = kzalloc(sizeof(*p), 0);
	if (!p)
		return -ENOMEM;
	spin_init(&p->lock);
	waitq_init(&p->exit_wq);
	waitq_init(&p->child_wq);
	p->parent = parent;
	p->capture = init ? spawn_capture : NULL;
	strlcpy(p->name, base_name(path), sizeof(p->name));
	p->pid = init ? 1 : pid_alloc();
	if (!p->pid) {
		kfree(p);
		return -EAGAIN;
	}
	p->as = mm_alloc();
	err = p->as ? build_image(p->as, path, image, size, argv, envp, &p->start_pc,
				  &p->start_sp, &p->sigreturn_pc, true) : -ENOMEM;
	if (err) {
		if (p->as)
			mm_free_empty(p->as);
		goto out_pid;
	}
	if (init)
		p->unkillable = true;

	struct thread *t = thread_create_proc(p, p->as, user_start, p, -1, p->pid, p->name, NULL, 0,
					      &err);
	if (!t)
		goto out_as;
	/* A new program's FP/vector registers: Linux's initial state. */
	arch_fpu_init(t->fpu_state);
	p->threads = t;
	p->nr_threads = p->nr_live = 1;
	__atomic_add_fetch(&nr_created, 1, __ATOMIC_RELAXED);
	unsigned long irq = spin_lock_irqsave(&proc_table_lock);
	all_add(p);
	if (init)
		init_proc = p;
	if (parent) {
		p->sibling = parent->children;
		parent->children = p;
		__atomic_store_n(&p->ppid, parent->pid, __ATOMIC_RELAXED);
		p->pgid = parent->pgid;
		p->sid = parent->sid;
	}
	spin_unlock_irqrestore(&proc_table_lock, irq);
	*out = p;
	thread_start(t);
	return 0;

out_as:
	mm_put(p->as);
out_pid:
	if (!init)
		pid_free(p->pid);
	kfree(p);
	return err;
}

int proc_spawn(const char *path, const void *image, size_t size, const char *const *argv,
	       const char *const *envp, struct proc *parent, struct proc **out)
{
	return spawn(path, image, size, argv, envp, parent, false, out);
}

int proc_spawn_as_init(const char *path, const void *image, size_t size, const char *const *argv,
		       const char *const *envp, struct proc_capture *capture, struct proc **out)
{
	/* spawn() hands it to the process before its first thread can run. */
	spawn_capture = capture;
	int err = spawn(path, image, size, argv, envp, NULL, true, out);
	spawn_capture = NULL;
	return err;
}

void proc_console_write(const char *buf, size_t n)
{
	struct proc *p = thread_current()->proc;
	struct proc_capture *c = p ? p->capture : NULL;

	if (!c) {
		console_write(buf, n);
		return;
	}
	unsigned long flags = spin_lock_irqsave(&c->lock);
	size_t room = c->cap - c->len, take = n < room ? n : room;
	memcpy(c->buf + c->len, buf, take);
	c->len += take;
	if (take < n)
		c->truncated = true;
	spin_unlock_irqrestore(&c->lock, flags);
}

static bool proc_is_dead(void *arg)
{
	const struct proc *p = arg;

	return __atomic_load_n(&p->dead, __ATOMIC_ACQUIRE);
}

void proc_wait(struct proc *p)
{
	wait_event(&p->exit_wq, proc_is_dead, p);
}

void proc_reap(struct proc *p)
{
	KASSERT(p->dead && !p->nr_threads, "proc_reap() of a live process %u", p->pid);
	unsigned long irq = spin_lock_irqsave(&proc_table_lock);
	all_remove(p);
	spin_unlock_irqrestore(&proc_table_lock, irq);
	/*
	 * Every thread of @p switched away from the space before it was freed; the
	 * space goes with its last user.
	 */
	mm_put(p->as);
	if (p->pid != 1)
		pid_free(p->pid);     /* 1 stays /init's */
	kfree(p);
	__atomic_add_fetch(&nr_reaped, 1, __ATOMIC_RELAXED);
}

/* What a dead process's parent is told (do_notify_parent()'s siginfo). */
static struct ksiginfo child_report(const struct proc *c)
{
	return (struct ksiginfo){
		.signo = SIGCHLD, .code = c->exit_signal ? CLD_KILLED : CLD_EXITED, .pid = c->pid,
		.status = c->exit_signal ? c->exit_signal : c->exit_status, .chld = true,
	};
}

void proc_thread_freed(struct thread *t)
{
	struct proc *p = t->proc;
	unsigned long flags = spin_lock_irqsave(&p->lock);

	for (struct thread **pp = &p->threads; *pp; pp = &(*pp)->proc_next) {
		if (*pp == t) {
			*pp = t->proc_next;
			break;
		}
	}
	bool last = --p->nr_threads == 0;
	bool own_tid = t->tid != p->pid;
	/* An execve waits for the other threads to go (exec_waiting). */
	if (p->nr_threads == 1 && p->exec_waiting)
		wake_up_all(&p->exit_wq);
	spin_unlock_irqrestore(&p->lock, flags);
	/* proc_table_lock comes before proc->lock, so after the unlock. */
	if (own_tid)
		pid_free(t->tid);
	if (!last)
		return;
	/*
	 * A zombie now. Its children go to /init (or become orphans when /init is
	 * the one dying, or gone), its parent is told (Linux's exit_notify()). The
	 * reaper (the parent's wait, the kernel's for /init, or this CPU at the end
	 * here when the parent does not wait: autoreap) frees @p once it sees dead:
	 * nothing of @p is touched after the complete unless it is ours to reap, and
	 * the parent, found under the table lock, cannot be reaped before this is
	 * done. Zombies the kernel reaps wait on a list (linked by sibling) until the
	 * table lock is dropped: proc_reap() takes it.
	 */
	struct proc *reap = NULL;
	flags = spin_lock_irqsave(&proc_table_lock);
	struct proc *heir = init_proc != p ? init_proc : NULL;
	if (init_proc == p)
		init_proc = NULL;
	while (p->children) {
		struct proc *c = p->children;
		p->children = c->sibling;
		c->parent = heir;
		__atomic_store_n(&c->ppid, heir ? heir->pid : 0, __ATOMIC_RELAXED);
		/* reparent_leader(): "we don't want people slaying init" */
		c->exit_to_parent = SIGCHLD;
		if (heir && __atomic_load_n(&c->dead, __ATOMIC_ACQUIRE)) {
			/* A zombie handed over: the heir is told of it now. */
			struct ksiginfo ci = child_report(c);
			if (signal_child_died(heir, SIGCHLD, &ci)) {
				c->sibling = reap;
				reap = c;
				continue;
			}
			__atomic_add_fetch(&heir->child_events, 1, __ATOMIC_RELEASE);
			wake_up_all(&heir->child_wq);
		}
		if (heir) {
			c->sibling = heir->children;
			heir->children = c;
		} else {
			c->sibling = orphans;
			orphans = c;
		}
	}
	struct proc *parent = p->parent;
	bool autoreap = false;
	if (parent) {
		struct ksiginfo ci = child_report(p);
		autoreap = signal_child_died(parent, p->exit_to_parent, &ci);
		if (autoreap) {
			/* release_task(): off the parent's list, no wait will see it */
			for (struct proc **pp = &parent->children; *pp; pp = &(*pp)->sibling) {
				if (*pp == p) {
					*pp = p->sibling;
					break;
				}
			}
		}
	}
	waitq_complete(&p->exit_wq, &p->dead);
	if (parent) {
		/* __wake_up_parent(): a wait that sleeps looks again (autoreap: ECHILD) */
		__atomic_add_fetch(&parent->child_events, 1, __ATOMIC_RELEASE);
		wake_up_all(&parent->child_wq);
	}
	spin_unlock_irqrestore(&proc_table_lock, flags);
	if (autoreap)
		proc_reap(p);
	while (reap) {
		struct proc *z = reap;
		reap = z->sibling;
		proc_reap(z);
	}
}

static void vfork_release(struct proc *p);

/*
 * The calling thread leaves its process: CLONE_CHILD_CLEARTID's word zeroed and
 * its futex woken, the live count dropped, and the exit status of the last one
 * recorded unless a group exit set it.
 */
static __noreturn void exit_thread(struct proc *p, int status)
{
	struct thread *self = thread_current();

	/* mm_release(): the word zeroed and one waiter woken (a shared futex: flags 0). */
	if (self->clear_child_tid) {
		uint32_t zero = 0;
		if (!copy_to_user(self->clear_child_tid, &zero, sizeof(zero)))
			(void)futex_wake(self->as, self->clear_child_tid, true, 1, FUTEX_BITSET_MATCH_ANY);
	}
	unsigned long flags = spin_lock_irqsave(&p->lock);
	if (--p->nr_live == 0 && !p->exiting)
		p->exit_status = status & 0xff;
	spin_unlock_irqrestore(&p->lock, flags);
	self->exit_status = status & 0xff;
	/* mm_release() of the task vfork made: its first thread (tid == pid). */
	if (self->tid == p->pid)
		vfork_release(p);
	thread_exit();
}

__noreturn void proc_exit_thread(int status)
{
	struct proc *p = thread_current()->proc;

	KASSERT(p, "proc_exit_thread() outside a process");
	exit_thread(p, status);
}

__noreturn void proc_exit_group(int status, int sig)
{
	struct thread *self = thread_current();
	struct proc *p = self->proc;

	KASSERT(p, "proc_exit_group() outside a process");
	unsigned long flags = spin_lock_irqsave(&p->lock);
	if (!p->exiting) {
		p->exiting = true;
		p->exit_status = status & 0xff;
		p->exit_signal = sig;
		for (struct thread *t = p->threads; t; t = t->proc_next)
			if (t != self)
				thread_kick(t, THREAD_WORK_KILL);
	}
	spin_unlock_irqrestore(&p->lock, flags);
	self->exit_signal = sig;
	exit_thread(p, status);
}

__noreturn void proc_exit_killed(void)
{
	struct proc *p = thread_current()->proc;

	KASSERT(p, "a kernel thread was killed");
	exit_thread(p, 0);
}

/* ---- clone(2) for threads ---- */

/* A cloned thread's start: the user frame its creator put at the top of its stack. */
static void clone_start(void *arg)
{
	(void)arg;
	(void)cpu_irq_save();
	struct thread *t = thread_current();
	/* Pending work first (a signal, or its process already exiting), as any return. */
	user_return_work((struct trap_frame *)(t->stack.top - ARCH_USER_FRAME_SIZE));
	arch_user_resume();
}

/* copy_process()'s checks of the flags, in its order (fork and threads alike). */
static int clone_flags_check(unsigned long flags)
{
	if ((flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS))
		return -EINVAL;
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if (flags & CLONE_NAMESPACES)
		return -EINVAL;       /* no namespaces here */
	return 0;
}

long proc_clone_thread(struct trap_frame *tf, unsigned long flags, uintptr_t newsp,
		       uintptr_t parent_tid, uintptr_t child_tid, uintptr_t tls)
{
	struct thread *self = thread_current();
	struct proc *p = self->proc;
	_Alignas(16) uint8_t frame[ARCH_USER_FRAME_SIZE];
	int err;

	int bad = clone_flags_check(flags);
	if (bad)
		return bad;
	/*
	 * A thread shares everything a thread of Linux's libcs shares; CLONE_THREAD
	 * with less (no CLONE_FILES, say) is not made here. New processes are
	 * proc_fork()'s.
	 */
	if ((flags & CLONE_THREAD_SET) != CLONE_THREAD_SET)
		return -ENOSYS;

	unsigned int tid = pid_alloc();
	if (!tid)
		return -EAGAIN;
	arch_clone_frame(frame, tf, newsp, tls, flags & CLONE_SETTLS);
	struct thread *t = thread_create_proc(p, p->as, clone_start, NULL, -1, tid, self->name,
					      frame, sizeof(frame), &err);
	if (!t) {
		pid_free(tid);
		return err;
	}
	t->sig_blocked = self->sig_blocked;
	t->user_tls = (flags & CLONE_SETTLS) ? tls : self->user_tls;
	/* The creator's FP/vector state as it is now, as copy_process() copies it. */
	arch_fpu_copy(t->fpu_state);
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = child_tid;
	/* Both ids go out before the child can run, as copy_process() writes them. */
	if ((flags & CLONE_PARENT_SETTID) && copy_to_user(parent_tid, &tid, sizeof(tid)))
		err = -EFAULT;
	if (!err && (flags & CLONE_CHILD_SETTID) && copy_to_user(child_tid, &tid, sizeof(tid)))
		err = -EFAULT;

	unsigned long irq = spin_lock_irqsave(&p->lock);
	/* copy_process(): a fatal signal is pending (a group exit, or an execve's de_thread). */
	if (!err && (p->exiting || p->exec_waiting))
		err = -EINTR;
	if (!err) {
		/* At the end: the first thread stays first (signals prefer it). */
		struct thread **pp = &p->threads;
		while (*pp)
			pp = &(*pp)->proc_next;
		*pp = t;
		p->nr_threads++;
		p->nr_live++;
	}
	spin_unlock_irqrestore(&p->lock, irq);
	if (err) {
		/* Never ran: its stack and struct go back as a thread's that never started. */
		thread_discard(t);
		pid_free(tid);
		return err;
	}
	thread_start(t);
	return tid;
}

/* ---- fork(2), wait4(2), waitid(2) ---- */

/*
 * CLONE_VFORK: the parent's thread sleeps until the child execs or its first
 * thread exits (Linux's complete_vfork_done() in the vfork task's mm_release()). Two references, the
 * parent's and the child's (atomic): the child completes it and drops its own, the
 * parent drops its own once it saw done or was killed; the last one frees it. The
 * child's pointer (proc->vfork) is under its lock and taken exactly once.
 */
struct vfork_done {
	struct waitq wq;
	bool done;
	unsigned int refs;
};

static void vfork_put(struct vfork_done *vf)
{
	if (__atomic_sub_fetch(&vf->refs, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(vf);
}

/* The child's part, at its execve or its first thread's exit: wake the parent. */
static void vfork_release(struct proc *p)
{
	unsigned long irq = spin_lock_irqsave(&p->lock);
	struct vfork_done *vf = p->vfork;

	p->vfork = NULL;
	spin_unlock_irqrestore(&p->lock, irq);
	if (vf) {
		waitq_complete(&vf->wq, &vf->done);
		vfork_put(vf);
	}
}

static bool vfork_is_done(void *arg)
{
	const struct vfork_done *vf = arg;

	return __atomic_load_n(&vf->done, __ATOMIC_ACQUIRE);
}

/*
 * The parent's part: sleep until done. Like Linux's killable wait, only a fatal
 * signal (the process exiting) ends it early; another signal stays pending until
 * the child is done, so the sleep goes on in 10 ms steps the signal does not cut.
 */
static void vfork_wait(struct proc *pp, struct vfork_done *vf)
{
	while (wait_event_timeout(&vf->wq, vfork_is_done, vf, 0, WAIT_INTERRUPTIBLE)) {
		unsigned long irq = spin_lock_irqsave(&pp->lock);
		bool fatal = pp->exiting;
		spin_unlock_irqrestore(&pp->lock, irq);
		if (fatal)
			break;
		if (!wait_event_timeout(&vf->wq, vfork_is_done, vf, time_ns() + 10000000, 0))
			break;
	}
	vfork_put(vf);
}

long proc_fork(struct trap_frame *tf, unsigned long flags, uintptr_t newsp, uintptr_t parent_tid,
	       uintptr_t child_tid, uintptr_t tls)
{
	struct thread *self = thread_current();
	struct proc *pp = self->proc;
	_Alignas(16) uint8_t frame[ARCH_USER_FRAME_SIZE];
	int err;

	err = clone_flags_check(flags);
	if (err)
		return err;
	/* A separate process sharing the signal actions (CLONE_SIGHAND without
	 * CLONE_THREAD) is not made here; no libc's fork or posix_spawn asks for it. */
	if (flags & CLONE_SIGHAND)
		return -ENOSYS;

	struct vfork_done *vf = NULL;
	if (flags & CLONE_VFORK) {
		vf = kzalloc(sizeof(*vf), 0);
		if (!vf)
			return -ENOMEM;
		waitq_init(&vf->wq);
		vf->refs = 2;
	}
	/* The caller is told by -ENOMEM: no log line. */
	struct proc *c = kzalloc(sizeof(*c), KM_NOWARN);
	if (!c) {
		kfree(vf);
		return -ENOMEM;
	}
	spin_init(&c->lock);
	waitq_init(&c->exit_wq);
	waitq_init(&c->child_wq);
	c->parent = pp;
	c->exit_to_parent = flags & CSIGNAL;
	memcpy(c->name, pp->name, sizeof(c->name));
	c->pid = pid_alloc();
	if (!c->pid) {
		kfree(c);
		kfree(vf);
		return -EAGAIN;
	}
	if (flags & CLONE_VM) {
		/* copy_mm(): the same space, one more user */
		c->as = pp->as;
		mm_get(c->as);
	} else {
		c->as = mm_alloc();
		err = c->as ? as_fork(c->as, pp->as, &mm_kernel_pt) : -ENOMEM;
		if (err) {
			if (c->as)
				mm_free_empty(c->as);
			goto out_pid;
		}
	}
	/* What the child inherits of the process: actions, limits, umask, the capture. */
	unsigned long irq = spin_lock_irqsave(&pp->lock);
	memcpy(c->sig_actions, pp->sig_actions, sizeof(c->sig_actions));
	c->sys_ready = pp->sys_ready;
	c->umask = pp->umask;
	memcpy(c->rlim, pp->rlim, sizeof(c->rlim));
	c->capture = pp->capture;
	c->sigreturn_pc = pp->sigreturn_pc;
	spin_unlock_irqrestore(&pp->lock, irq);

	arch_clone_frame(frame, tf, newsp, tls, flags & CLONE_SETTLS);
	struct thread *t = thread_create_proc(c, c->as, clone_start, NULL, -1, c->pid, self->name,
					      frame, sizeof(frame), &err);
	if (!t)
		goto out_as;
	t->sig_blocked = self->sig_blocked;
	t->altstack = self->altstack;
	t->user_tls = (flags & CLONE_SETTLS) ? tls : self->user_tls;
	arch_fpu_copy(t->fpu_state);
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = child_tid;
	unsigned int pid = c->pid;
	/* Both ids go out before the child can run, as copy_process() writes them. */
	if ((flags & CLONE_PARENT_SETTID) && copy_to_user(parent_tid, &pid, sizeof(pid)))
		err = -EFAULT;
	if (!err && (flags & CLONE_CHILD_SETTID) && as_copy_to(c->as, child_tid, &pid, sizeof(pid)))
		err = -EFAULT;
	irq = spin_lock_irqsave(&pp->lock);
	if (!err && pp->exiting)
		err = -EINTR;         /* copy_process(): a fatal signal is pending */
	spin_unlock_irqrestore(&pp->lock, irq);
	if (err) {
		thread_discard(t);
		goto out_as;
	}
	c->threads = t;
	c->nr_threads = c->nr_live = 1;
	__atomic_add_fetch(&nr_created, 1, __ATOMIC_RELAXED);
	irq = spin_lock_irqsave(&proc_table_lock);
	all_add(c);
	c->sibling = pp->children;
	pp->children = c;
	__atomic_store_n(&c->ppid, pp->pid, __ATOMIC_RELAXED);
	c->pgid = pp->pgid;
	c->sid = pp->sid;
	spin_unlock_irqrestore(&proc_table_lock, irq);
	c->vfork = vf;          /* before it runs: nothing else sees it yet */
	thread_start(t);
	if (vf)
		vfork_wait(pp, vf);
	return pid;

out_as:
	mm_put(c->as);
out_pid:
	pid_free(c->pid);
	kfree(c);
	kfree(vf);
	return err;
}

/* ---- execve(2) ---- */

#define EXEC_PATH_MAX    4096            /* PATH_MAX, the NUL included */
#define EXEC_STRINGS_MAX (256 * 1024)    /* argv's and envp's strings together */
#define EXEC_ARGS_MAX    8192            /* argv's and envp's pointers together */
#define ENAMETOOLONG     36

/* A user string into @dst (@room bytes): its size with the NUL, -EFAULT, or -E2BIG. */
static long string_from_user(char *dst, uintptr_t u, size_t room)
{
	long n = strncpy_from_user(dst, u, room);

	if (n < 0)
		return n;
	if ((size_t)n == room)
		return -E2BIG;
	dst[n] = 0;
	return n + 1;
}

/*
 * The NULL-terminated user array @u (0: empty, as Linux allows) into @vec from
 * *@nvec on, its strings into @buf from *@used on. Returns 0, -EFAULT, -E2BIG.
 */
static int strings_from_user(uintptr_t u, const char **vec, size_t *nvec, char *buf, size_t *used)
{
	for (size_t i = 0; u; i++) {
		uintptr_t s;
		if (copy_from_user(&s, u + i * sizeof(s), sizeof(s)))
			return -EFAULT;
		if (!s)
			break;
		if (*nvec >= EXEC_ARGS_MAX)
			return -E2BIG;
		long n = string_from_user(buf + *used, s, EXEC_STRINGS_MAX - *used);
		if (n < 0)
			return (int)n;
		vec[(*nvec)++] = buf + *used;
		*used += (size_t)n;
	}
	vec[(*nvec)++] = NULL;
	return 0;
}

static bool only_caller_left(void *arg)
{
	const struct proc *p = arg;

	return __atomic_load_n(&p->nr_threads, __ATOMIC_ACQUIRE) == 1;
}

long proc_execve(uintptr_t upath, uintptr_t uargv, uintptr_t uenvp)
{
	struct thread *self = thread_current();
	struct proc *p = self->proc;
	char *path = kmalloc(EXEC_PATH_MAX, 0);
	char *strings = kmalloc(EXEC_STRINGS_MAX, 0);
	const char **vec = kmalloc((EXEC_ARGS_MAX + 2) * sizeof(*vec), 0);
	size_t nvec = 0, used = 0;
	long err = -ENOMEM;

	if (!path || !strings || !vec)
		goto out;
	/* getname(): the path first, then the arrays (do_execveat_common()). */
	err = string_from_user(path, upath, EXEC_PATH_MAX);
	if (err == -E2BIG)
		err = -ENAMETOOLONG;
	if (err < 0)
		goto out;
	if (path[0] == 0) {
		err = -ENOENT;
		goto out;
	}
	err = strings_from_user(uargv, vec, &nvec, strings, &used);
	const char **envp = vec + nvec;
	if (!err)
		err = strings_from_user(uenvp, vec, &nvec, strings, &used);
	if (err)
		goto out;

	size_t size;
	const void *initrd = boot_initrd(&size);
	struct cpio_entry e;
	char why[128];
	if (!initrd) {
		err = -ENOENT;
		goto out;
	}
	err = cpio_find(initrd, size, path, &e, why, sizeof(why));
	if (err) {
		err = err == -ENOENT ? -ENOENT : -EIO;
		goto out;
	}
	/* A directory or any other non-regular file, or no execute bit: EACCES. */
	if ((e.mode & CPIO_S_IFMT) != CPIO_S_IFREG || !(e.mode & 0111)) {
		err = -EACCES;
		goto out;
	}
	struct as *nas = mm_alloc();
	uintptr_t pc, sp, sigret;
	err = nas ? build_image(nas, path, e.data, e.size, vec, envp, &pc, &sp, &sigret, false)
		  : -ENOMEM;
	if (err) {
		if (nas)
			mm_free_empty(nas);
		goto out;
	}

	/* The point of no return: the other threads end (de_thread()), then the switch. */
	unsigned long irq = spin_lock_irqsave(&p->lock);
	if (p->exiting || p->exec_waiting) {
		/*
		 * A group exit, or another thread's execve, came first (de_thread()'s
		 * -EAGAIN): this thread has been kicked and ends on its way out.
		 */
		spin_unlock_irqrestore(&p->lock, irq);
		mm_put(nas);
		err = -EAGAIN;
		goto out;
	}
	p->exec_waiting = true;
	for (struct thread *t = p->threads; t; t = t->proc_next)
		if (t != self)
			thread_kick(t, THREAD_WORK_KILL);
	spin_unlock_irqrestore(&p->lock, irq);
	wait_event(&p->exit_wq, only_caller_left, p);

	/*
	 * The new space goes live on this CPU and the old one leaves it with no
	 * switch in between (a switch would reactivate the old one): the process and
	 * its one thread point at the new one before preemption is back. The old one
	 * goes unless a CLONE_VM process (a vfork parent) still uses it; a vfork
	 * parent waits no more.
	 */
	preempt_disable();
	struct as *old = p->as;
	as_activate(nas);
	as_deactivate(old);
	p->as = nas;
	self->as = nas;
	preempt_enable();
	irq = spin_lock_irqsave(&proc_table_lock);
	p->did_exec = true;             /* PF_FORKNOEXEC cleared: setpgid by the parent is EACCES */
	spin_unlock_irqrestore(&proc_table_lock, irq);
	mm_put(old);
	vfork_release(p);

	irq = spin_lock_irqsave(&p->lock);
	p->exec_waiting = false;
	/* flush_signal_handlers(): handled signals back to SIG_DFL; ignored ones stay. */
	for (unsigned int i = 0; i < NSIG; i++)
		if (p->sig_actions[i].handler > 1)
			memset(&p->sig_actions[i], 0, sizeof(p->sig_actions[i]));
	p->sigreturn_pc = sigret;
	p->start_pc = pc;
	p->start_sp = sp;
	strlcpy(p->name, base_name(path), sizeof(p->name));
	spin_unlock_irqrestore(&p->lock, irq);
	strlcpy(self->name, p->name, sizeof(self->name));
	self->altstack = (struct sigaltstack_k){ .flags = SS_DISABLE };
	self->robust_list = 0;
	self->rseq = 0;
	self->clear_child_tid = 0;
	self->user_tls = 0;
	arch_set_user_tls(0);
	/* A thread that was not the leader takes over its pid (de_thread()). */
	if (self->tid != p->pid) {
		unsigned int old_tid = self->tid;
		self->tid = p->pid;
		pid_free(old_tid);
	}
	kfree(path);
	kfree(strings);
	kfree(vec);
	/* A new program's FP/vector registers, then its first instruction. */
	(void)cpu_irq_save();
	arch_fpu_init(self->fpu_state);
	arch_fpu_load(self->fpu_state);
	arch_user_enter(pc, sp);

out:
	kfree(path);
	kfree(strings);
	kfree(vec);
	return err;
}

/* wait options (uapi linux/wait.h) */
#define WNOHANG    0x00000001
#define WUNTRACED  0x00000002
#define WEXITED    0x00000004
#define WCONTINUED 0x00000008
#define WNOWAIT    0x01000000
#define __WNOTHREAD 0x20000000
#define __WCLONE   0x80000000
#define __WALL     0x40000000
#define P_ALL  0
#define P_PID  1
#define P_PGID 2
#define P_PIDFD 3

/*
 * Is @c, a child of @self, one the wait asks for (under proc_table_lock)? @pid:
 * > 0 that child; -1 any; 0 those in @self's process group; < -1 those in group
 * -@pid. __WCLONE: only children whose exit signal is not SIGCHLD; neither
 * __WCLONE nor __WALL: only those whose signal is SIGCHLD (eligible_child()).
 */
static bool wait_match(const struct proc *self, const struct proc *c, long pid, long options)
{
	if (pid > 0 && c->pid != (unsigned long)pid)
		return false;
	if (pid == 0 && c->pgid != self->pgid)
		return false;
	if (pid < -1 && c->pgid != (unsigned long)-pid)
		return false;
	if (options & __WALL)
		return true;
	return ((c->exit_to_parent != SIGCHLD) ^ !(options & __WCLONE)) != 0;
}

struct wait_seen {
	struct proc *self;
	unsigned int events;
};

static bool child_event(void *arg)
{
	const struct wait_seen *w = arg;

	return __atomic_load_n(&w->self->child_events, __ATOMIC_ACQUIRE) != w->events;
}

/*
 * Find a dead child the wait asks for and, unless @keep, take it off the list.
 * Returns it (NULL if none is dead yet); *@any: some child matches at all.
 */
static struct proc *find_zombie(struct proc *self, long pid, long options, bool keep, bool *any)
{
	unsigned long irq = spin_lock_irqsave(&proc_table_lock);
	struct proc *z = NULL;

	*any = false;
	for (struct proc **pp = &self->children; *pp; pp = &(*pp)->sibling) {
		struct proc *c = *pp;
		if (!wait_match(self, c, pid, options))
			continue;
		*any = true;
		if (__atomic_load_n(&c->dead, __ATOMIC_ACQUIRE)) {
			z = c;
			if (!keep)
				*pp = c->sibling;
			break;
		}
	}
	spin_unlock_irqrestore(&proc_table_lock, irq);
	return z;
}

/*
 * The common part of wait4 and waitid: wait (unless WNOHANG) for a dead child the
 * call asks for. Returns 1 with *@out (taken off the list unless @keep), 0 if
 * WNOHANG found none, -ECHILD, -EINTR.
 */
static int wait_child(long pid, long options, bool keep, struct proc **out)
{
	struct proc *self = thread_current()->proc;
	struct wait_seen w = { .self = self };

	for (;;) {
		bool any;
		w.events = __atomic_load_n(&self->child_events, __ATOMIC_ACQUIRE);
		struct proc *z = find_zombie(self, pid, options, keep, &any);
		if (z) {
			*out = z;
			return 1;
		}
		if (!any)
			return -ECHILD;
		if (options & WNOHANG)
			return 0;
		/* No restart yet: a signal handled meanwhile ends the call (-EINTR). */
		int err = wait_event_timeout(&self->child_wq, child_event, &w, 0, WAIT_INTERRUPTIBLE);
		if (err)
			return err;
	}
}

long proc_wait4(long pid, uintptr_t ustatus, long options, uintptr_t rusage)
{
	struct proc *z;

	if (options & ~(long)(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	/* kernel_wait4(): pid INT_MIN is -ESRCH (its negation overflows). */
	if ((int)pid == (int)0x80000000)
		return -ESRCH;
	int r = wait_child((int)pid, (unsigned int)options, false, &z);
	if (r <= 0)
		return r;
	int status = z->exit_signal ? (z->exit_signal & 0x7f) : (z->exit_status & 0xff) << 8;
	unsigned int zpid = z->pid;
	proc_reap(z);
	if (ustatus && copy_to_user(ustatus, &status, sizeof(status)))
		return -EFAULT;
	if (rusage) {
		uint8_t zero[144] = { 0 };     /* struct rusage: no accounting yet */
		if (copy_to_user(rusage, zero, sizeof(zero)))
			return -EFAULT;
	}
	return zpid;
}

/* struct siginfo's fields waitid fills (the SIGCHLD member of the union). */
struct waitid_info {
	int32_t si_signo, si_errno, si_code, pad;
	int32_t si_pid;
	uint32_t si_uid;
	int32_t si_status;
};

long proc_waitid(long idtype, long id, uintptr_t infop, long options, uintptr_t rusage)
{
	struct proc *z = NULL;
	long pid;

	if (options & ~(long)(WNOHANG | WNOWAIT | WEXITED | WUNTRACED | WCONTINUED | __WNOTHREAD |
			      __WCLONE | __WALL))
		return -EINVAL;
	if (!(options & (WEXITED | WUNTRACED | WCONTINUED)))
		return -EINVAL;
	switch (idtype) {
	case P_ALL:
		pid = -1;
		break;
	case P_PID:
		if ((int)id <= 0)
			return -EINVAL;
		pid = (int)id;
		break;
	case P_PGID:
		if ((int)id < 0)
			return -EINVAL;
		pid = id ? -(long)(int)id : 0;   /* 0: the caller's group */
		break;
	case P_PIDFD:
		return -EBADF;                    /* no pidfds */
	default:
		return -EINVAL;
	}
	int r = 0;
	if (options & WEXITED)
		r = wait_child(pid, (unsigned int)options, options & WNOWAIT, &z);
	else if (!(options & WNOHANG))
		return -ECHILD;                   /* nothing here ever stops or continues */
	if (r < 0)
		return r;
	struct waitid_info info = { 0 };
	if (z) {
		info.si_signo = SIGCHLD;
		info.si_code = z->exit_signal ? CLD_KILLED : CLD_EXITED;
		info.si_pid = (int32_t)z->pid;
		info.si_status = z->exit_signal ? z->exit_signal : z->exit_status;
		if (!(options & WNOWAIT))
			proc_reap(z);
	}
	if (infop && copy_to_user(infop, &info, sizeof(info)))
		return -EFAULT;
	if (rusage) {
		uint8_t zero[144] = { 0 };
		if (copy_to_user(rusage, zero, sizeof(zero)))
			return -EFAULT;
	}
	return 0;
}

/* Make every thread of @p end, as a SIGKILL would. */
static void proc_kill_all(struct proc *p)
{
	unsigned long irq = spin_lock_irqsave(&p->lock);

	if (!p->exiting) {
		p->exiting = true;
		p->exit_status = 0;
		p->exit_signal = SIGKILL;
		for (struct thread *t = p->threads; t; t = t->proc_next)
			thread_kick(t, THREAD_WORK_KILL);
	}
	spin_unlock_irqrestore(&p->lock, irq);
}

unsigned int proc_reap_orphans(void)
{
	unsigned int n = 0;

	for (;;) {
		unsigned long irq = spin_lock_irqsave(&proc_table_lock);
		struct proc *o = orphans;
		if (o)
			orphans = o->sibling;
		spin_unlock_irqrestore(&proc_table_lock, irq);
		if (!o)
			return n;
		proc_kill_all(o);
		proc_wait(o);
		/* Its own children became orphans when it died: the loop takes them too. */
		proc_reap(o);
		n++;
	}
}

unsigned int proc_parent_pid(void)
{
	const struct proc *p = thread_current()->proc;

	if (!p)
		return 0;
	/* Not p->parent->pid: a dying parent hands its children on, then is freed. */
	return __atomic_load_n(&p->ppid, __ATOMIC_RELAXED);
}

/* ---- process groups and sessions (kernel/sys.c) ---- */

/* Does some process have @pgid as its group (pid_task(PIDTYPE_PGID))? */
static struct proc *group_member_locked(unsigned int pgid)
{
	for (struct proc *p = all_procs; p; p = p->all_next)
		if (p->pgid == pgid)
			return p;
	return NULL;
}

static long get_id(long pid, bool session)
{
	struct proc *self = thread_current()->proc;
	unsigned long irq = spin_lock_irqsave(&proc_table_lock);
	struct proc *p = pid ? find_locked(pid) : self;
	long r = !p ? -ESRCH : session ? (long)p->sid : (long)p->pgid;

	spin_unlock_irqrestore(&proc_table_lock, irq);
	return r;
}

long proc_getpgid(long pid)
{
	return get_id((int)pid, false);
}

long proc_getsid(long pid)
{
	return get_id((int)pid, true);
}

/* ksys_setpgid(), its checks in its order. */
long proc_setpgid(long pid_in, long pgid_in)
{
	struct proc *self = thread_current()->proc;
	int pid = (int)pid_in, pgid = (int)pgid_in;

	if (!pid)
		pid = (int)self->pid;
	if (!pgid)
		pgid = pid;
	if (pgid < 0)
		return -EINVAL;
	unsigned long irq = spin_lock_irqsave(&proc_table_lock);
	struct proc *p = find_locked(pid);
	long err = -ESRCH;
	if (!p)
		goto out;
	if (p->parent == self) {
		err = -EPERM;
		if (p->sid != self->sid)
			goto out;
		err = -EACCES;
		if (p->did_exec)
			goto out;
	} else if (p != self) {
		goto out;               /* neither the caller nor its child: -ESRCH */
	}
	err = -EPERM;
	if (p->session_leader)
		goto out;
	if (pgid != pid) {
		struct proc *g = group_member_locked((unsigned int)pgid);
		if (!g || g->sid != self->sid)
			goto out;
	}
	p->pgid = (unsigned int)pgid;
	err = 0;
out:
	spin_unlock_irqrestore(&proc_table_lock, irq);
	return err;
}

/* ksys_setsid(): a new session and group, both the caller's pid. */
long proc_setsid(void)
{
	struct proc *self = thread_current()->proc;
	unsigned long irq = spin_lock_irqsave(&proc_table_lock);
	long r = -EPERM;

	if (!self->session_leader && !group_member_locked(self->pid)) {
		self->session_leader = true;
		self->pgid = self->sid = self->pid;
		r = self->pid;
	}
	spin_unlock_irqrestore(&proc_table_lock, irq);
	return r;
}

unsigned int proc_for_each_in(long pgid, int (*fn)(struct proc *p, void *arg), void *arg)
{
	struct proc *self = thread_current()->proc;
	unsigned int n = 0;
	unsigned long irq = spin_lock_irqsave(&proc_table_lock);

	for (struct proc *p = all_procs; p; p = p->all_next) {
		if (pgid == PROC_ALL_OTHERS ? p->pid <= 1 || p == self : p->pgid != (unsigned long)pgid)
			continue;
		spin_lock(&p->lock);
		(void)fn(p, arg);
		spin_unlock(&p->lock);
		n++;
	}
	spin_unlock_irqrestore(&proc_table_lock, irq);
	return n;
}

unsigned int proc_current_pid(void)
{
	const struct thread *t = thread_current();

	return t->proc ? t->proc->pid : t->tid;
}

/* ---- /init ---- */

/* Linux's MAX_INIT_ARGS and MAX_INIT_ENVS (CONFIG_INIT_ENV_ARG_LIMIT 32), plus the NULL. */
#define INIT_ARGS_MAX 34

bool proc_run_init(bool *ran)
{
	static char words[CMDLINE_MAX];
	static const char *argv[INIT_ARGS_MAX], *envp[INIT_ARGS_MAX];
	char path[256] = "/init";
	bool named = cmdline_get_value("init", path, sizeof(path)) >= 0;
	size_t size;
	const void *initrd = boot_initrd(&size);
	struct cpio_entry e;
	char why[128];
	int err;

	*ran = false;
	if (!initrd) {
		if (named)
			pr_err("init: init=%s, but there is no initramfs\n", path);
		return !named;
	}
	err = cpio_find(initrd, size, path, &e, why, sizeof(why));
	if (err) {
		if (!named && err == -ENOENT)
			return true;     /* an initramfs without /init: nothing to run */
		*ran = true;
		if (err == -ENOENT)
			pr_err("init: %s: no such file in the initramfs\n", path);
		else
			pr_err("init: the initramfs is malformed: %s\n", why);
		return false;
	}
	*ran = true;
	if ((e.mode & CPIO_S_IFMT) != CPIO_S_IFREG) {
		pr_err("init: %s is not a regular file (mode %o)\n", path, e.mode);
		return false;
	}
	err = cmdline_init_args(cmdline_get(), path, words, sizeof(words), argv, INIT_ARGS_MAX,
				envp, INIT_ARGS_MAX);
	if (err) {
		pr_err("init: too many arguments or environment words for %s\n", path);
		return false;
	}
	struct proc *p;
	uint64_t frames_before = mm_settled_free_frames();
	err = spawn(path, e.data, e.size, argv, envp, NULL, true, &p);
	if (err) {
		pr_err("init: cannot run %s (%d)\n", path, err);
		return false;
	}
	pr_info("init: running %s as pid %u\n", path, p->pid);
	proc_wait(p);
	int status = p->exit_status, sig = p->exit_signal;
	proc_reap(p);
	unsigned int left = proc_reap_orphans();
	if (left)
		pr_notice("init: %u processes outlived %s: killed and reaped\n", left, path);
	struct as_cow_stats cow;
	as_cow_stats(&cow);
	pr_debug("init: %llu processes made and reaped; copy-on-write: %llu faults, %llu copies, %llu take-overs\n",
		 (unsigned long long)proc_reaped(), (unsigned long long)cow.faults,
		 (unsigned long long)cow.copies, (unsigned long long)cow.takeovers);
	/*
	 * Everything the program held is back: its frames, page tables, VMAs, stacks
	 * and structs. A difference is a leak (or a double free) and fails the boot.
	 */
	uint64_t frames_after = mm_settled_free_frames();
	bool frames_back = frames_after == frames_before;
	if (frames_back)
		pr_info("init: every frame is back (%llu free before and after)\n",
			(unsigned long long)frames_after);
	else
		pr_err("init: %llu frames free before %s ran, %llu after it was reaped: %lld lost\n",
		       (unsigned long long)frames_before, path, (unsigned long long)frames_after,
		       (long long)(frames_before - frames_after));
	if (proc_reboot_requested())
		pr_notice("init: reboot(%s)\n", proc_reboot_requested());
	if (sig)
		pr_notice("init: %s (pid 1) killed by signal %d\n", path, sig);
	else
		pr_notice("init: %s (pid 1) exited with status %d\n", path, status);
	return !sig && status == 0 && frames_back;
}

/* ---- reboot(2) ---- */

/* The first reboot(2) request's command name, or NULL; proc_run_init() reports it. */
static const char *reboot_request;

__noreturn void proc_reboot(const char *what)
{
	const char *none = NULL;

	(void)__atomic_compare_exchange_n(&reboot_request, &none, what, false, __ATOMIC_RELEASE,
					  __ATOMIC_RELAXED);
	proc_exit_group(0, 0);
}

const char *proc_reboot_requested(void)
{
	return __atomic_load_n(&reboot_request, __ATOMIC_ACQUIRE);
}
