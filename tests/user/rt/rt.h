/* SPDX-License-Identifier: MIT */
/*
 * The freestanding runtime of the user test programs (tests/user/): no libc, nothing
 * shared with the kernel. Generic code only; what differs per arch (the syscall
 * instruction and numbers, _start) is in arch/<arch>/user/.
 *
 * System calls are wrappers named like the libc functions with a sys_ prefix that
 * return what the kernel returned: a value, or -errno (Linux's raw convention, no
 * errno variable); they take the kernel's arguments and structures (linux.h, the
 * arch's abi_arch.h), not libc's. Output goes to fd 1 with one write() per line, so
 * nothing is buffered and nothing needs flushing at exit; a line is one write(), so
 * threads may print without a lock.
 */
#ifndef USER_RT_H
#define USER_RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <user/syscall_arch.h>

#include "linux.h"

#include <user/abi_arch.h>
#include <user/cpu_arch.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* syscall.c: each returns the kernel's result, -errno on failure. */
long sys_read(int fd, void *buf, size_t len);
long sys_write(int fd, const void *buf, size_t len);
long sys_mmap(void *addr, size_t len, int prot, int flags, int fd, long off);
long sys_munmap(void *addr, size_t len);
long sys_mprotect(void *addr, size_t len, int prot);
long sys_mremap(void *old_addr, size_t old_len, size_t new_len, int flags, void *new_addr);
long sys_brk(void *addr);
long sys_mincore(void *addr, size_t len, unsigned char *vec);
long sys_madvise(void *addr, size_t len, int advice);
long sys_getpid(void);
long sys_getppid(void);
long sys_setpgid(int pid, int pgid);
long sys_getpgid(int pid);
long sys_setsid(void);
long sys_getsid(int pid);
long sys_gettid(void);
long sys_fork(void);			/* clone(SIGCHLD): a child process, copy-on-write */
long sys_clone_process(unsigned long flags);	/* clone(flags) with no stack or ids: a fork */
long sys_execve(const char *path, char *const *argv, char *const *envp);
long sys_wait4(int pid, int *status, int options, void *rusage);
long sys_waitid(int idtype, int id, linux_siginfo_t *info, int options, void *rusage);
_Noreturn void sys_exit(int status);	/* the calling thread only */
_Noreturn void sys_exit_group(int status);

long sys_rt_sigaction(int sig, const struct linux_k_sigaction *act, struct linux_k_sigaction *old,
		      size_t setsize);
long sys_rt_sigprocmask(int how, const linux_sigset_t *set, linux_sigset_t *old, size_t setsize);
long sys_rt_sigpending(linux_sigset_t *set, size_t setsize);
long sys_sigaltstack(const linux_stack_t *ss, linux_stack_t *old);
long sys_kill(int pid, int sig);
long sys_tgkill(int tgid, int tid, int sig);

long sys_clone3(struct linux_clone_args *args, size_t size);
long sys_futex(volatile int *uaddr, int op, int val, const struct linux_timespec *timeout,
	       volatile int *uaddr2, int val3);
long sys_set_tid_address(volatile int *tidptr);
long sys_set_robust_list(struct linux_robust_list_head *head, size_t len);
long sys_get_robust_list(int pid, struct linux_robust_list_head **head, size_t *len);
long sys_rseq(struct linux_rseq *rseq, uint32_t len, int flags, uint32_t sig);
long sys_sched_yield(void);
long sys_sched_getaffinity(int pid, size_t len, void *mask);

long sys_clock_gettime(int clock, struct linux_timespec *ts);
long sys_nanosleep(const struct linux_timespec *req, struct linux_timespec *rem);
long sys_clock_nanosleep(int clock, int flags, const struct linux_timespec *req,
			 struct linux_timespec *rem);

long sys_uname(struct linux_utsname *u);
long sys_getrlimit(int resource, struct linux_rlimit *rl);
long sys_prlimit64(int pid, int resource, const struct linux_rlimit *new_rl,
		   struct linux_rlimit *old_rl);
long sys_getrandom(void *buf, size_t len, unsigned int flags);
long sys_ioctl(int fd, unsigned long req, void *arg);
long sys_fstat(int fd, struct linux_stat *st);

/* A syscall result that is an error: Linux returns -4095..-1 (IS_ERR_VALUE). */
static inline bool sys_is_err(long r)
{
	return (unsigned long)r >= (unsigned long)-4095L;
}

/* string.c: the four the compiler may call on its own, and a few more. */
void *memset(void *s, int c, size_t n);
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
/* The name of a Linux errno value ("EINVAL"), or NULL if the runtime has none. */
const char *rt_errno_name(int err);

/* fmt.c: %d %i %u %x %p %s %c %% with l, ll, z and a field width (0 and - flags).
 * Returns the length the output would have had; writes at most size - 1 characters
 * and a NUL when size > 0. */
int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int rt_snprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Formats into a line buffer (at most 512 bytes) and writes it to fd 1 at once. */
int rt_printf(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Waits until what fd 1 was given has left the machine (a tty's tcdrain); call it
 * before exiting. tap_done() does. */
void rt_drain_stdout(void);

/* signal.c */
/* Installs fn for sig as an SA_SIGINFO handler with the extra flags and the mask to
 * add while it runs; the arch adds its restorer (arch_sigaction_prepare()). Returns
 * rt_sigaction's result. */
long rt_sigaction_install(int sig, linux_sigaction_fn *fn, unsigned long flags, linux_sigset_t mask);
/* Sets sig's action back to SIG_DFL. */
long rt_sigaction_default(int sig);
/* For a SIGSEGV handler: if the fault is arch_probe_read()'s load or
 * arch_probe_write()'s store, makes the interrupted probe return si_code when the
 * handler returns, and says so. */
bool rt_probe_fixup(void *uc, const linux_siginfo_t *si);

/* time.c */
/* The clock's time in nanoseconds, or -errno. */
int64_t rt_clock_ns(int clock);
int64_t rt_ts_ns(const struct linux_timespec *ts);
struct linux_timespec rt_ns_ts(int64_t ns);
/* Sleeps ns nanoseconds (nanosleep, resumed after EINTR). */
void rt_sleep_ns(int64_t ns);

/* thread.c: threads as glibc's pthread_create makes them. */
#define RT_THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
			 CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

/* A thread's TLS block: the thread pointer points at it, and by the x86_64 psABI's
 * convention its first word points at itself. */
struct rt_tls {
	struct rt_tls *self;
	void *user;		/* the program's per-thread pointer */
};

struct rt_thread {
	/* The tid: written by the kernel at clone (CLONE_PARENT_SETTID), cleared and
	 * futex-woken when the thread is gone (CLONE_CHILD_CLEARTID), as glibc uses its
	 * pd->tid. */
	volatile int tid;
	void *stack;
	size_t stack_size;
	struct rt_tls tls;
};

/* Starts fn(arg) in a new thread with a fresh stack of stack_size bytes (0: 64 KiB)
 * and tls.user = user. Returns the tid, or -errno with nothing left allocated. */
long rt_thread_start(struct rt_thread *t, int (*fn)(void *), void *arg, size_t stack_size,
		     void *user);
/* Waits until the kernel has cleared t->tid (the thread has exited and no longer
 * uses its stack), then frees the stack. Returns 0, or -ETIMEDOUT after timeout_ns
 * (0: wait forever) with the stack kept. */
long rt_thread_join(struct rt_thread *t, int64_t timeout_ns);

/* A futex mutex ("Futexes Are Tricky", mutex 2): 0 free, 1 held, 2 held with
 * waiters; private futex operations. */
typedef struct {
	volatile int word;
} rt_mutex_t;
void rt_mutex_lock(rt_mutex_t *m);
void rt_mutex_unlock(rt_mutex_t *m);

/* The number of CPUs this thread may run on (sched_getaffinity), at least 1. */
unsigned int rt_cpu_count(void);

/* tap.c: TAP version 13 on stdout. */
void tap_plan(unsigned int n);
/* Prints "ok N - desc" or "not ok N - desc"; returns pass. */
bool tap_ok(bool pass, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Passes when got == want (both syscall results: a value or -errno); on failure a
 * comment says what came back, errno values by name. */
bool tap_expect(long got, long want, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* A "# ..." comment line. */
void tap_diag(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Ends the run: a comment if fewer or more points ran than planned, then the output
 * drained. Returns the exit status, 0 when every point passed and the count matched
 * the plan, else 1. */
int tap_done(void);

#endif /* USER_RT_H */
