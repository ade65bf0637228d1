/* SPDX-License-Identifier: MIT */
/* futex(2) (kernel/futex.c, which says how waiters are keyed and locked). */
#ifndef KERN_FUTEX_H
#define KERN_FUTEX_H

#include <kern/types.h>

#define FUTEX_WAIT            0
#define FUTEX_WAKE            1
#define FUTEX_REQUEUE         3
#define FUTEX_CMP_REQUEUE     4
#define FUTEX_WAIT_BITSET     9
#define FUTEX_WAKE_BITSET     10
#define FUTEX_PRIVATE_FLAG    128
#define FUTEX_CLOCK_REALTIME  256
#define FUTEX_CMD_MASK        (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

/* The system call: Linux's arguments and results. */
long sys_futex(uintptr_t uaddr, int op, uint32_t val, uintptr_t utime, uintptr_t uaddr2, uint32_t val3);

/* Wake at most @nr (at least one) waiters on (@as, @uaddr, @shared); returns how many. */
long futex_wake(const void *as, uintptr_t uaddr, bool shared, int nr, uint32_t bitset);

#endif
