// SPDX-License-Identifier: MIT
/*
 * Kernel page faults (see <kern/fault.h>): fault catchers, the exception table and
 * the report of a fatal fault.
 *
 * Catchers form a stack per CPU (an array of NCPUS indexed by cpu_current(), as
 * <kern/cpu.h> prescribes), touched only by their own CPU with interrupts masked,
 * so no lock is needed. fault_kernel() runs from a trap, where the arch has masked
 * interrupts already.
 */
#include <kern/arch.h>
#include <kern/cpu.h>
#include <kern/errno.h>
#include <kern/fault.h>
#include <kern/printk.h>

extern const struct extable_entry __extable_start[], __extable_end[];

struct fault_catch {
	struct arch_jmp_buf jb;
	struct fault_info info;
	struct fault_catch *prev;
};

static struct fault_catch *catchers[NCPUS];

const char *fault_access_name(enum fault_access access)
{
	switch (access) {
	case FAULT_READ: return "read";
	case FAULT_WRITE: return "write";
	case FAULT_EXEC: return "execute";
	}
	return "?";
}

uintptr_t extable_lookup(uintptr_t pc)
{
	/* A handful of entries: a linear search is cheaper than keeping them sorted. */
	for (const struct extable_entry *e = __extable_start; e < __extable_end; e++)
		if (e->insn == pc)
			return e->fixup;
	return 0;
}

uintptr_t fault_kernel(const struct fault_info *fi)
{
	struct fault_catch *c = catchers[cpu_current()];

	if (c) {
		c->info = *fi;
		arch_longjmp(&c->jb, 1);
	}
	uintptr_t fixup = extable_lookup(fi->pc);
	if (fixup)
		return fixup;
	const char *cause = fi->cause == FAULT_NOT_PRESENT ? " (page not present)" :
			    fi->cause == FAULT_PROTECTION ? " (protection violation)" : "";
	pr_emerg("kernel page fault: %s of address %#lx by the instruction at %#lx%s\n",
		 fault_access_name(fi->access), (unsigned long)fi->addr, (unsigned long)fi->pc,
		 cause);
	return 0;
}

int fault_catch_call(void (*fn)(void *arg), void *arg, struct fault_info *fi)
{
	/*
	 * Nothing that lives in a register is changed between arch_setjmp() and
	 * arch_longjmp(): the fault is written to c.info through memory.
	 */
	struct fault_catch c;
	unsigned long flags = cpu_irq_save();
	unsigned int cpu = cpu_current();
	int ret = 0;

	c.prev = catchers[cpu];
	if (arch_setjmp(&c.jb) == 0) {
		catchers[cpu] = &c;
		fn(arg);
	} else {
		ret = -EFAULT;
		if (fi)
			*fi = c.info;
	}
	catchers[cpu] = c.prev;
	cpu_irq_restore(flags);
	return ret;
}
