/* SPDX-License-Identifier: MIT */
/*
 * The freestanding runtime of the user test programs (tests/user/): no libc, nothing
 * shared with the kernel. Generic code only; what differs per arch (the syscall
 * instruction and numbers, _start) is in arch/<arch>/user/.
 *
 * System calls are wrappers named like the libc functions with a sys_ prefix that
 * return what the kernel returned: a value, or -errno (Linux's raw convention, no
 * errno variable). Output goes to fd 1 with one write() per line, so nothing is
 * buffered and nothing needs flushing at exit.
 */
#ifndef USER_RT_H
#define USER_RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <user/syscall_arch.h>

#include "linux.h"

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
_Noreturn void sys_exit_group(int status);

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

/* tap.c: TAP version 13 on stdout. */
void tap_plan(unsigned int n);
/* Prints "ok N - desc" or "not ok N - desc"; returns pass. */
bool tap_ok(bool pass, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Passes when got == want (both syscall results: a value or -errno); on failure a
 * comment says what came back, errno values by name. */
bool tap_expect(long got, long want, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* A "# ..." comment line. */
void tap_diag(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Ends the run: a comment if fewer or more points ran than planned. Returns the exit
 * status, 0 when every point passed and the count matched the plan, else 1. */
int tap_done(void);

#endif /* USER_RT_H */
