/* SPDX-License-Identifier: MIT */
/*
 * Kernel page faults: the generic half of fault handling, and the two ways kernel
 * code survives a fault it expects.
 *
 * A page fault is described by one struct fault_info from the trap to whoever
 * resolves it. Each arch's trap handler (arch/<arch>/trap.c) builds it from what the
 * hardware reports and passes it on unchanged:
 *   - to fault_kernel() for a fault taken in kernel mode;
 *   - to as_fault() (<mm/as.h>) for a fault taken in user mode, to be resolved in
 *     the current address space (no trap handler does this yet: there is no user
 *     mode; the host tests and the benchmark build the struct themselves);
 * and fault_catch_call() hands a copy back to its caller. No consumer decodes
 * error codes or cause registers: everything arch-specific stops at the builder.
 *
 * fault_kernel() resumes, in this order:
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

/* The access that faulted; an instruction fetch is FAULT_EXEC, never FAULT_READ. */
enum fault_access { FAULT_READ, FAULT_WRITE, FAULT_EXEC };

/*
 * Whether the hardware found a translation. x86_64 says so (error code bit P, SDM
 * vol. 3A 4.7); riscv64 raises the same page-fault cause for both (privileged spec
 * 4.3.2), so it reports FAULT_CAUSE_UNKNOWN. A hint for reports and fast paths,
 * never a substitute for looking at the page table: with a stale TLB entry the
 * hardware's view may already be out of date.
 */
enum fault_cause {
	FAULT_CAUSE_UNKNOWN,       /* the arch does not tell */
	FAULT_NOT_PRESENT,         /* no valid translation for the address */
	FAULT_PROTECTION,          /* a translation was there and refused the access */
};

struct fault_info {
	uintptr_t addr;            /* the faulting virtual address */
	uintptr_t pc;              /* the instruction that faulted (0 if none, e.g. in tests) */
	enum fault_access access;
	enum fault_cause cause;
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
 * Implemented by each arch (arch/<arch>/lib.S) with exception-table entries.
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
