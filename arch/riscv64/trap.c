// SPDX-License-Identifier: MIT
/*
 * riscv64 traps: the handler behind traps.S. The software interrupt (cross-CPU
 * calls) and the timer are served (the tick may preempt). From U-mode, system
 * calls and page faults are served and other exceptions end the thread
 * (user_exception()). In the kernel every exception is fatal, page faults with a
 * fixup aside, and so is any other interrupt: it prints the cause by name, the
 * faulting address or instruction, sstatus and all registers, then panics with a
 * backtrace that starts at the trapping instruction. Never returns to a broken
 * context.
 */
#include <kern/boot.h>
#include <kern/fault.h>
#include <kern/panic.h>
#include <kern/percpu.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include <kern/syscall.h>
#include <kern/uaccess.h>
#include <arch/cpu.h>
#include <arch/riscv.h>
#include <arch/trap.h>

/* scause exception codes (privileged spec 1.12, table 4.2). */
#define EXC_INST_MISALIGNED   0
#define EXC_INST_ACCESS       1
#define EXC_ILLEGAL_INST      2
#define EXC_BREAKPOINT        3
#define EXC_LOAD_MISALIGNED   4
#define EXC_LOAD_ACCESS       5
#define EXC_STORE_MISALIGNED  6
#define EXC_STORE_ACCESS      7
#define EXC_ECALL_U           8
#define EXC_ECALL_S           9
#define EXC_INST_PAGE_FAULT  12
#define EXC_LOAD_PAGE_FAULT  13
#define EXC_STORE_PAGE_FAULT 15

static const char *const exception_names[16] = {
	[EXC_INST_MISALIGNED] = "instruction address misaligned",
	[EXC_INST_ACCESS] = "instruction access fault",
	[EXC_ILLEGAL_INST] = "illegal instruction",
	[EXC_BREAKPOINT] = "breakpoint",
	[EXC_LOAD_MISALIGNED] = "load address misaligned",
	[EXC_LOAD_ACCESS] = "load access fault",
	[EXC_STORE_MISALIGNED] = "store/AMO address misaligned",
	[EXC_STORE_ACCESS] = "store/AMO access fault",
	[EXC_ECALL_U] = "environment call from U-mode",
	[EXC_ECALL_S] = "environment call from S-mode",
	[EXC_INST_PAGE_FAULT] = "instruction page fault",
	[EXC_LOAD_PAGE_FAULT] = "load page fault",
	[EXC_STORE_PAGE_FAULT] = "store/AMO page fault",
};

/* Interrupt codes (same table; 13 is Sscofpmf's counter overflow). */
#define IRQ_S_SOFT  1
#define IRQ_S_TIMER 5
static const char *const interrupt_names[16] = {
	[1] = "supervisor software interrupt",
	[5] = "supervisor timer interrupt",
	[9] = "supervisor external interrupt",
	[13] = "counter-overflow interrupt",
};

/* Register names of the standard calling convention (psABI), by register number. */
static const char *const reg_names[32] = {
	"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
	"s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
	"a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
	"s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static const char *cause_name(uint64_t scause)
{
	uint64_t code = scause & SCAUSE_CODE_MASK;
	const char *const *names = scause & SCAUSE_INTERRUPT ? interrupt_names : exception_names;
	const char *name = code < 16 ? names[code] : NULL;

	if (name)
		return name;
	return scause & SCAUSE_INTERRUPT ? "unknown interrupt" : "unknown exception";
}

/* What stval holds for @code (privileged spec 4.1.10), or NULL if nothing useful. */
static const char *stval_meaning(uint64_t code)
{
	switch (code) {
	case EXC_INST_MISALIGNED:
	case EXC_INST_ACCESS:
	case EXC_INST_PAGE_FAULT:
		return "instruction fetch from";
	case EXC_LOAD_MISALIGNED:
	case EXC_LOAD_ACCESS:
	case EXC_LOAD_PAGE_FAULT:
		return "read from";
	case EXC_STORE_MISALIGNED:
	case EXC_STORE_ACCESS:
	case EXC_STORE_PAGE_FAULT:
		return "write to";
	default:
		return NULL;
	}
}

static void print_frame(const struct trap_frame *tf)
{
	uint64_t s = tf->sstatus;

	pr_emerg("  sepc    %016llx  stval %016llx  scause %016llx\n",
		 (unsigned long long)tf->sepc, (unsigned long long)tf->stval,
		 (unsigned long long)tf->scause);
	pr_emerg("  sstatus %016llx (from %s mode, SPIE %d, SUM %d, MXR %d)  satp %016llx\n",
		 (unsigned long long)s, s & SSTATUS_SPP ? "S" : "U", !!(s & SSTATUS_SPIE),
		 !!(s & SSTATUS_SUM), !!(s & SSTATUS_MXR), (unsigned long long)csr_read(satp));
	for (int r = 1; r < 32; r += 4) {
		char line[160];
		int n = 0;
		for (int i = r; i < r + 4 && i < 32; i++)
			n += snprintf(line + n, sizeof(line) - (size_t)n, "  %-4s %016llx",
				      reg_names[i], (unsigned long long)tf->regs[i]);
		pr_emerg("%s\n", line);
	}
}

/* A page fault (@code) decoded for the generic fault path (S- and U-mode alike). */
static struct fault_info page_fault_info(const struct trap_frame *tf, uint64_t code)
{
	return (struct fault_info){
		.addr = tf->stval,
		.pc = tf->sepc,
		.access = code == EXC_INST_PAGE_FAULT ? FAULT_EXEC :
			  code == EXC_STORE_PAGE_FAULT ? FAULT_WRITE : FAULT_READ,
		/* One cause for an invalid PTE and a refused access (spec 4.3.2). */
		.cause = FAULT_CAUSE_UNKNOWN,
		.user = !(tf->sstatus & SSTATUS_SPP),
	};
}

/*
 * A page fault in kernel mode goes to the generic fault path; returns true if it
 * was resolved (the frame now resumes at a fixup).
 */
static bool page_fault(struct trap_frame *tf, uint64_t code)
{
	struct fault_info fi = page_fault_info(tf, code);

	if (fi.user)
		return false;     /* user_exception() takes U-mode faults before they get here */
	if (uaccess_fault(&fi, tf->sstatus & SSTATUS_SPIE))
		return true;      /* demand paging for a user copy: retry the instruction */
	uintptr_t fixup = fault_kernel(&fi);
	if (!fixup)
		return false;
	tf->sepc = fixup;
	return true;
}

/* riscv_user_enter (traps.S): the first return to user mode. */
__noreturn void riscv_user_enter(uintptr_t pc, uintptr_t sp);

void arch_user_enter(uintptr_t pc, uintptr_t sp)
{
	riscv_user_enter(pc, sp);
}

/*
 * An exception from U-mode: a system call (ecall: number in a7, arguments in
 * a0..a5, the result in a0, as Linux's do_trap_ecall_u), a page fault for the
 * generic fault path, anything else fatal to the thread. Interrupts are on while
 * the call runs and off again before the return to user mode (traps.S's return
 * path must not be interrupted once sscratch is set).
 */
static void user_exception(struct trap_frame *tf, uint64_t code)
{
	switch (code) {
	case EXC_ECALL_U:
		tf->sepc += 4;
		local_irq_enable();
		tf->regs[10] = (uint64_t)syscall_dispatch(tf, tf->regs[17], (const unsigned long *)&tf->regs[10]);
		break;
	case EXC_INST_PAGE_FAULT:
	case EXC_LOAD_PAGE_FAULT:
	case EXC_STORE_PAGE_FAULT: {
		struct fault_info fi = page_fault_info(tf, code);
		local_irq_enable();
		user_fault(&fi, tf->regs[2]);
		break;
	}
	case EXC_ILLEGAL_INST:
		local_irq_enable();
		user_fault_signal(SIGILL, ILL_ILLOPC, tf->sepc, "illegal instruction", tf->sepc,
				  tf->regs[2]);
		break;
	case EXC_BREAKPOINT:
		local_irq_enable();
		user_fault_signal(SIGTRAP, TRAP_BRKPT, tf->sepc, "breakpoint", tf->sepc, tf->regs[2]);
		break;
	case EXC_LOAD_MISALIGNED:
	case EXC_STORE_MISALIGNED:
		local_irq_enable();
		user_fault_signal(SIGBUS, BUS_ADRALN, tf->stval, exception_names[code], tf->sepc,
				  tf->regs[2]);
		break;
	default:
		/* Access faults and the rest: Linux's do_trap_*_fault() SIGSEGV, SEGV_ACCERR. */
		local_irq_enable();
		user_fault_signal(SIGSEGV, SEGV_ACCERR, tf->stval,
				  exception_names[code < 16 ? code : 0] ? exception_names[code] : "exception",
				  tf->sepc, tf->regs[2]);
		break;
	}
	local_irq_disable();
}

static void trap_dispatch(struct trap_frame *tf)
{
	/* The cross-CPU-call interrupt (SBI sPI or ACLINT SSWI both raise sip.SSIP). */
	if (tf->scause == (SCAUSE_INTERRUPT | IRQ_S_SOFT)) {
		riscv_ipi_interrupt();
		return;
	}
	if (tf->scause == (SCAUSE_INTERRUPT | IRQ_S_TIMER)) {
		riscv_timer_interrupt();
		/* sstatus.SPIE: were interrupts on where the tick landed? Last, see sched.c. */
		sched_preempt_irq(tf->sstatus & SSTATUS_SPIE);
		return;
	}
	if (!(tf->scause & SCAUSE_INTERRUPT) && !(tf->sstatus & SSTATUS_SPP)) {
		user_exception(tf, tf->scause & SCAUSE_CODE_MASK);
		return;
	}
	if (!(tf->scause & SCAUSE_INTERRUPT)) {
		uint64_t c = tf->scause & SCAUSE_CODE_MASK;
		if ((c == EXC_INST_PAGE_FAULT || c == EXC_LOAD_PAGE_FAULT ||
		     c == EXC_STORE_PAGE_FAULT) && page_fault(tf, c))
			return;
	}

	uint64_t code = tf->scause & SCAUSE_CODE_MASK;
	bool irq = tf->scause & SCAUSE_INTERRUPT;
	const char *name = cause_name(tf->scause);

	pr_emerg("\nriscv64: unhandled %s %llu: %s\n", irq ? "interrupt" : "exception",
		 (unsigned long long)code, name);
	if (!irq) {
		const char *what = stval_meaning(code);
		if (what) {
			pr_emerg("  %s address %#llx in %s mode\n", what,
				 (unsigned long long)tf->stval,
				 tf->sstatus & SSTATUS_SPP ? "kernel" : "user");
		} else if (code == EXC_ILLEGAL_INST) {
			/*
			 * stval holds the instruction bits, or 0 if the hart does not report
			 * them (4.1.10); 0 is also c.unimp, what __builtin_trap() emits.
			 */
			pr_emerg("  instruction bits %#llx\n", (unsigned long long)tf->stval);
		}
	}
	print_frame(tf);
	const struct percpu *me = this_cpu();
	if (tf->regs[2] >= me->stack_guard && tf->regs[2] < me->stack_bottom + TF_SIZE)
		pr_emerg("  kernel stack overflow: sp %#llx ran into CPU %u's %s stack guard page\n",
			 (unsigned long long)tf->regs[2], me->index, me->index ? "kernel" : "boot");
	else if (me->index == 0 && !boot_stack_canary_intact())
		pr_emerg("  the boot stack overflowed (its canary is overwritten)\n");
	panic_with_frame(tf->sepc, tf->regs[8], "unhandled %s at pc %#llx", name,
			 (unsigned long long)tf->sepc);
}

void riscv_trap(struct trap_frame *tf)
{
	trap_dispatch(tf);
	/* Back to U-mode: the thread's pending work first (interrupts masked). */
	if (!(tf->sstatus & SSTATUS_SPP))
		user_return_work(tf);
}
