/* SPDX-License-Identifier: MIT */
/*
 * User processes (kernel/proc.c): an address space, a pid, and the threads that run
 * in it, on the Linux model. A process's first thread has tid == pid; its other
 * threads (clone with CLONE_THREAD) share the address space and the pid. Threads
 * are kernel threads (<kern/sched.h>) that entered user mode; nobody joins them:
 * each one's stack and struct go back right after it exits, and the process is dead
 * once the last one is freed. Whoever created the process (the kernel for /init)
 * waits for that with proc_wait(), then proc_reap() tears the address space down.
 *
 * Exit, as Linux's do_exit()/do_group_exit(): exit(2) ends the calling thread only;
 * exit_group(2) and a fatal signal mark the process exiting and kick every other
 * thread (THREAD_WORK_KILL), which ends at its next return to user mode or leaves an
 * interruptible sleep to do so. The process's exit status is the group exit's
 * (status, signal) if there was one, else the last thread's exit status.
 *
 * Processes that make processes (clone without CLONE_THREAD, and fork and vfork
 * where the arch has them) form a tree: a child is on its parent's children list
 * until the parent reaps it with wait4/waitid. A process whose threads are all freed
 * is a zombie (dead) until then; it keeps its address space until it is reaped. A
 * process that dies with children hands them to /init (pid 1); when /init is gone,
 * they are orphans, which the kernel kills and reaps after /init
 * (proc_reap_orphans()).
 *
 * Locks: proc->lock (a spinlock, interrupts masked; the holder never waits for
 * another CPU) protects the thread list, the counts and the exit fields. Order:
 * proc->lock, then a wait queue's lock, then a run queue's lock (thread_kick()).
 * proc_table_lock (kernel/proc.c; interrupts masked, never held while waiting for
 * another CPU) protects the pid table and the process tree (parent, children,
 * sibling, the orphans); it comes before proc->lock and before wait queue locks.
 */
#ifndef KERN_PROC_H
#define KERN_PROC_H

#include <kern/sched.h>
#include <kern/signal.h>
#include <kern/spinlock.h>
#include <kern/types.h>
#include <mm/as.h>

#define PID_MAX 32768          /* Linux's default pid_max */

/* One resource limit (getrlimit(2)): soft and hard, ~0 for unlimited; Linux's 16 resources. */
struct proc_rlimit {
	uint64_t cur, max;
};
#define PROC_RLIMITS 16

struct proc {
	spinlock_t lock;
	unsigned int pid;
	struct proc *parent;       /* NULL for /init */
	struct as *as;             /* its address space: its own, or shared with the processes
	                              a clone with CLONE_VM made (kernel/proc.c's proc_mm) */
	struct vfork_done *vfork;  /* CLONE_VFORK: its parent waits until it execs or exits
	                              (under lock) */
	struct thread *threads;    /* every thread not freed yet (thread->proc_next) */
	unsigned int nr_threads;   /* on that list */
	unsigned int nr_live;      /* not exited yet */
	bool exiting;              /* a group exit: every thread ends */
	int exit_status;           /* 0..255 */
	int exit_signal;           /* the signal that ended it, or 0 */
	bool dead;                 /* every thread freed; under exit_wq.lock */
	struct waitq exit_wq;      /* woken when dead */
	uintptr_t start_pc, start_sp;   /* where the first thread enters user mode */
	char name[16];             /* the program's file name, for reports */
	/* Signals (<kern/signal.h>; under lock). */
	struct k_sigaction sig_actions[NSIG];
	uint64_t sig_pending;      /* process-directed, pending */
	struct ksiginfo sig_info[NSIG];
	bool unkillable;           /* /init: SIG_DFL signals from kill() are not sent */
	uintptr_t sigreturn_pc;    /* riscv64: the page the kernel maps for returning from handlers */
	struct proc_capture *capture;   /* where its console output goes instead, or NULL */
	/*
	 * The process tree, under proc_table_lock: the children not reaped yet
	 * (linked by sibling); child_events counts their deaths (and zombies handed
	 * over by reparenting), atomic, what wait4/waitid sleep on in child_wq.
	 */
	struct proc *children, *sibling;
	struct proc *all_next;     /* every process not reaped yet (proc_with_pid()) */
	unsigned int ppid;         /* parent->pid, 0 without one: written under the table
	                              lock with parent, read atomically (getppid) */
	unsigned int child_events;
	struct waitq child_wq;
	unsigned int exit_to_parent;   /* clone's CSIGNAL bits: the signal its parent is told by */
	/*
	 * Job control's ids, under proc_table_lock: the process group and session
	 * (/init starts in 0 and 0, as Linux's init, which inherits them from the
	 * idle task), whether setsid made it a session leader, and whether it has
	 * run an execve since its fork (setpgid of such a child is EACCES).
	 */
	unsigned int pgid, sid;
	bool session_leader;
	bool did_exec;
	bool exec_waiting;         /* an execve waits for the other threads to end (under lock) */
	/* kernel/sys_misc.c: limits and the file-mode mask, under lock; set up at first use */
	bool sys_ready;
	unsigned int umask;
	struct proc_rlimit rlim[PROC_RLIMITS];
};

/*
 * A new process running the static ELF @image (@size bytes) named @path, with
 * @argv and @envp (NULL-terminated), its first thread on the least loaded CPU,
 * runnable at once. Returns 0 and *@out; -ENOEXEC/-EINVAL for an image elf_check()
 * refuses (the reason is logged), -E2BIG, -ENOMEM (nothing is left allocated).
 */
int proc_spawn(const char *path, const void *image, size_t size, const char *const *argv,
	       const char *const *envp, struct proc *parent, struct proc **out);

/*
 * A program's console output kept in memory instead of printed (the ktest that
 * runs the user test programs reads their TAP from it): @buf of @cap bytes, @len
 * used; what does not fit is dropped and @truncated set. The processes it forks
 * write to it too: under @lock (zero-initialised is unlocked; interrupts masked,
 * taken with no other lock held).
 */
struct proc_capture {
	spinlock_t lock;
	char *buf;
	size_t len, cap;
	bool truncated;
};

/*
 * The same as proc_spawn() for a program that runs as /init does (pid 1, no
 * parent, SIG_DFL signals from kill() not sent): only while no /init runs (the
 * ktests run before it), one at a time. Its output goes to @capture if not NULL.
 */
int proc_spawn_as_init(const char *path, const void *image, size_t size, const char *const *argv,
		       const char *const *envp, struct proc_capture *capture, struct proc **out);

/* write(2)'s output of the calling thread: its process's capture, or the console. */
void proc_console_write(const char *buf, size_t n);

/* Wait until every thread of @p is freed. */
void proc_wait(struct proc *p);

/* After proc_wait(): free @p's address space, its pid and @p. */
void proc_reap(struct proc *p);

/* exit(2): end the calling thread. */
__noreturn void proc_exit_thread(int status);

/* exit_group(2) (@sig 0) or a fatal signal @sig: end every thread of the process. */
__noreturn void proc_exit_group(int status, int sig);

/* The calling thread's work THREAD_WORK_KILL: its process is exiting. */
__noreturn void proc_exit_killed(void);

/* sched_finish() of a process's thread, after its stack was freed (interrupts masked). */
void proc_thread_freed(struct thread *t);

/* clone(2) flags (Linux's include/uapi/linux/sched.h). */
#define CSIGNAL              0x000000fful
#define CLONE_VM             0x00000100ul
#define CLONE_FS             0x00000200ul
#define CLONE_FILES          0x00000400ul
#define CLONE_SIGHAND        0x00000800ul
#define CLONE_PIDFD          0x00001000ul
#define CLONE_PTRACE         0x00002000ul
#define CLONE_VFORK          0x00004000ul
#define CLONE_PARENT         0x00008000ul
#define CLONE_THREAD         0x00010000ul
#define CLONE_NEWNS          0x00020000ul
#define CLONE_SYSVSEM        0x00040000ul
#define CLONE_SETTLS         0x00080000ul
#define CLONE_PARENT_SETTID  0x00100000ul
#define CLONE_CHILD_CLEARTID 0x00200000ul
#define CLONE_DETACHED       0x00400000ul
#define CLONE_UNTRACED       0x00800000ul
#define CLONE_CHILD_SETTID   0x01000000ul
#define CLONE_NEWCGROUP      0x02000000ul
#define CLONE_NEWUTS         0x04000000ul
#define CLONE_NEWIPC         0x08000000ul
#define CLONE_NEWUSER        0x10000000ul
#define CLONE_NEWPID         0x20000000ul
#define CLONE_NEWNET         0x40000000ul
#define CLONE_IO             0x80000000ul
#define CLONE_NAMESPACES (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | \
			  CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)
/* What a thread of the same process shares: what pthread_create() passes, at least. */
#define CLONE_THREAD_SET (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)

struct trap_frame;

/*
 * clone(2) making a thread of the calling process (CLONE_VM | CLONE_FS |
 * CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD, with CLONE_SYSVSEM, CLONE_SETTLS,
 * CLONE_PARENT_SETTID, CLONE_CHILD_SETTID, CLONE_CHILD_CLEARTID as asked): the
 * child returns 0 from the same call through a copy of @tf on stack @newsp (the
 * caller's if 0), with the TLS @tls if CLONE_SETTLS. Returns the child's tid;
 * -EINVAL for flags Linux refuses together and for namespaces, -ENOSYS for a
 * CLONE_THREAD without the rest of that set, -EAGAIN (no tid), -ENOMEM, -EFAULT.
 * A clone without CLONE_THREAD is a new process: proc_fork().
 */
long proc_clone_thread(struct trap_frame *tf, unsigned long flags, uintptr_t newsp,
		       uintptr_t parent_tid, uintptr_t child_tid, uintptr_t tls);

/*
 * fork(2), vfork(2), and clone(2) without CLONE_THREAD (@flags: CSIGNAL, CLONE_VM,
 * CLONE_VFORK, CLONE_SETTLS, CLONE_PARENT_SETTID, CLONE_CHILD_SETTID,
 * CLONE_CHILD_CLEARTID as Linux takes them): a child process with a copy-on-write
 * copy of the address space (as_fork()), or the caller's space itself with
 * CLONE_VM, a copy of the signal actions, the caller's mask, alternate stack, TLS
 * and FP state, and one thread, which returns 0 from the same call through a copy
 * of @tf (on @newsp if not 0). With CLONE_VFORK the caller sleeps until the child
 * execs or exits. Returns the child's pid; -EINVAL for flags Linux refuses, -ENOSYS
 * for CLONE_SIGHAND (shared actions between processes), -EAGAIN (no pid), -ENOMEM
 * (nothing of the child left, the caller as it was), -EFAULT.
 */
long proc_fork(struct trap_frame *tf, unsigned long flags, uintptr_t newsp, uintptr_t parent_tid,
	       uintptr_t child_tid, uintptr_t tls);

/*
 * execve(2) of a static ELF from the initramfs: @path, @argv and @envp are the
 * caller's user pointers. The new image and its stack are built in a new address
 * space first; only then do the process's other threads end and the old space go,
 * so a failure (-ENOENT, -EACCES, -ENOEXEC, -E2BIG, -EFAULT, -ENOMEM...) returns to
 * the old program, which goes on; -EAGAIN when a group exit or another thread's
 * execve came first (this thread then ends). On success it does not return: the calling
 * thread, now the only one and with the process's pid as its tid, enters the new
 * program. Handled signals go back to SIG_DFL, the alternate stack, the robust
 * list, rseq and the TLS are cleared, the signal mask is kept (Linux's exec rules).
 */
long proc_execve(uintptr_t path, uintptr_t argv, uintptr_t envp);

/* wait4(2) and waitid(2) for the calling process's children (Linux's rules). */
long proc_wait4(long pid, uintptr_t status, long options, uintptr_t rusage);
long proc_waitid(long idtype, long id, uintptr_t infop, long options, uintptr_t rusage);

/*
 * After /init ended: kill and reap the processes left without a parent. Returns
 * how many there were.
 */
unsigned int proc_reap_orphans(void);

/*
 * Call @fn(@p, @arg) with @p's lock held (and the table's: the process cannot be
 * reaped meanwhile) for the process with pid @pid, a zombie included. Returns
 * @fn's result, or -ESRCH when there is none.
 */
int proc_with_pid(unsigned int pid, int (*fn)(struct proc *p, void *arg), void *arg);

/* getppid(2): the pid of the calling process's parent, 0 for /init (and threads
 * outside a process). */
unsigned int proc_parent_pid(void);

/*
 * Process groups and sessions, with Linux 6.1's rules (kernel/sys.c): getpgid,
 * getsid (pid 0: the caller), setpgid, setsid.
 */
long proc_getpgid(long pid);
long proc_getsid(long pid);
long proc_setpgid(long pid, long pgid);
long proc_setsid(void);

/*
 * kill(2)'s groups: @fn (with the process's lock held, under proc_table_lock) on
 * every process of group @pgid (zombies included, as their pids stay attached
 * until reaped), or with @pgid PROC_ALL_OTHERS on every process but pid 1 and the
 * caller's. Returns how many it reached.
 */
#define PROC_ALL_OTHERS (-1L)
unsigned int proc_for_each_in(long pgid, int (*fn)(struct proc *p, void *arg), void *arg);

/* The pid of the calling thread's process (its tid when it has none). */
unsigned int proc_current_pid(void);

/* Processes created and reaped so far (tests: every one is reaped). */
uint64_t proc_created(void);
uint64_t proc_reaped(void);

/*
 * Run the first program: the initramfs member the command line names with init=
 * (default /init), as pid 1, with argv and envp from the command line as Linux
 * builds them (docs/user.md). Returns false without running anything if there is
 * no initramfs or no such member and init= was not given (@ran false); otherwise
 * waits for it to end, reports its exit status and returns whether it exited 0
 * (@ran true). A program that cannot be started is reported and counts as a failure.
 */
bool proc_run_init(bool *ran);

/*
 * reboot(2) (kernel/sys_misc.c checked the arguments): record @what (the command's
 * name, "POWER_OFF"...; a string that lives forever) for proc_run_init() to report
 * and end the calling process with status 0. The machine powers off when /init has
 * ended (kernel_main() runs nothing after it); the first request is the one kept.
 */
__noreturn void proc_reboot(const char *what);

/* The command reboot(2) recorded, or NULL if none was. */
const char *proc_reboot_requested(void);

/* ---- the arch's part (arch/<arch>/process.c) ---- */

struct elf_auxv;

struct arch_exec_params {
	uint16_t machine;          /* e_machine of the arch's programs */
	const char *platform;      /* AT_PLATFORM, or NULL */
	uint64_t hwcap;            /* AT_HWCAP */
	bool has_hwcap2;
	uint64_t hwcap2;
};

/* What this CPU's programs see of it (Linux's ELF_HWCAP, ELF_PLATFORM). */
void arch_exec_params(struct arch_exec_params *out);

/*
 * After the image and the stack are in @as: what the arch maps into every program
 * (riscv64: the signal-return trampoline, its address in *@sigreturn_pc; 0 where
 * programs bring their own). 0 or -errno.
 */
int arch_exec_setup(struct as *as, uintptr_t *sigreturn_pc);

#endif
