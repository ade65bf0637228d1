/* SPDX-License-Identifier: MIT */
/*
 * Kernel page faults: the generic half of fault handling, and the two ways kernel
 * code survives a fault it expects.
 *
 * Arch trap handlers decode a page fault into a struct fault_info and pass faults
 * taken in kernel mode to fault_kernel(). It resumes, in this order:
 *   1. an armed fault catcher on this CPU (fault_catch_call(): tests that expect a
 *      fault, including ones no fixup can describe, such as executing from data);
 *   2. the exception table: an instruction listed there with a fixup address
 *      (copy_nofault(), later the user-copy routines) continues at its fixup;
 * and otherwise reports the fault as fatal, for the arch to panic with its
 * registers. User-mode faults take another path (the process, not the kernel,
 * pays for them).
 */
#ifndef KERN_FAULT_H
#define KERN_FAULT_H

#include <kern/types.h>

enum fault_access { FAULT_READ, FAULT_WRITE, FAULT_EXEC };

struct fault_info {
	uintptr_t addr;            /* the faulting virtual address */
	uintptr_t pc;              /* the instruction that faulted */
	enum fault_access access;
	bool user;                 /* taken in user mode */
};

/* "read", "write" or "execute". */
const char *fault_access_name(enum fault_access access);

/*
 * A page fault taken in kernel mode. Does not return if a fault catcher is armed
 * on this CPU; returns the address to resume at if the faulting instruction has an
 * exception-table fixup; returns 0 if the fault is fatal (after printing a
 * one-line description of it).
 */
uintptr_t fault_kernel(const struct fault_info *fi);

/*
 * Run @fn(@arg) with page faults caught: returns 0 if @fn returned, or -EFAULT if
 * a page fault ended it, with the fault in *@fi (may be NULL). The interrupt state
 * is restored either way. Nests; per CPU. For tests and probes, not hot paths.
 */
int fault_catch_call(void (*fn)(void *arg), void *arg, struct fault_info *fi);

/*
 * Copy @n bytes from @src to @dst, surviving page faults on either side.
 * Returns 0, or -EFAULT if a fault stopped it (part of @dst may be written).
 * Implemented by each arch (arch/<arch>/copy.S) with exception-table entries.
 */
int copy_nofault(void *dst, const void *src, size_t n);

/*
 * The exception table: (instruction, fixup) pairs placed in the "__ex_table"
 * section by arch assembly; linker scripts collect them between __extable_start
 * and __extable_end.
 */
struct extable_entry {
	uintptr_t insn;
	uintptr_t fixup;
};

/* The fixup for the instruction at @pc, or 0 if it has none. */
uintptr_t extable_lookup(uintptr_t pc);

#endif
