/* SPDX-License-Identifier: MIT */
/*
 * panic() and KASSERT().
 *
 * panic() is for broken invariants and fatal boot failures only, never for anything
 * a caller or a user program can send. It prints the message and a backtrace, then
 * ends the machine with a failure status (under QEMU: a non-zero exit code), so a
 * panic is never a silent hang.
 */
#ifndef KERN_PANIC_H
#define KERN_PANIC_H

#include <kern/types.h>

__noreturn __printf(1, 2) void panic(const char *fmt, ...);

/*
 * panic() for trap handlers: the backtrace starts at the interrupted context
 * (program counter @pc, frame pointer @fp) instead of the handler's own frame.
 */
__noreturn __printf(3, 4) void panic_with_frame(uintptr_t pc, uintptr_t fp, const char *fmt, ...);

/*
 * Print a backtrace starting at the frame whose frame pointer is @fp and whose
 * program counter is @pc (from a trap frame); panic() uses the current frame.
 */
void backtrace_print(uintptr_t pc, uintptr_t fp);

#define KASSERT(cond, fmt, ...)                                                   \
	do {                                                                      \
		if (unlikely(!(cond)))                                            \
			panic("assertion failed: %s (%s:%d): " fmt, #cond,        \
			      __FILE__, __LINE__, ##__VA_ARGS__);                 \
	} while (0)

#endif
