// SPDX-License-Identifier: MIT
/*
 * aarch64 exceptions: the handler behind traps.S. IRQs are acknowledged at the GIC
 * and served (the cross-CPU call's SGI, the timer's PPI, which may preempt).
 * From EL0, system calls and aborts are served and other exceptions end or
 * signal the thread (user_exception()). At EL1 every exception is fatal, aborts
 * with a fixup aside: it prints the class by name (ESR_EL1.EC, Arm ARM D19.2.40),
 * the faulting address, PSTATE and all registers, then panics with a backtrace
 * that starts at the faulting instruction. Never returns to a broken context.
 */
#include <kern/boot.h>
#include <kern/fault.h>
#include <kern/panic.h>
#include <kern/percpu.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include <kern/signal.h>
#include <kern/syscall.h>
#include <kern/uaccess.h>
#include <arch/aarch64.h>
#include <arch/cpu.h>
#include <arch/trap.h>

/* ESR_EL1.EC exception classes (D19.2.40). */
#define EC_UNKNOWN      0x00
#define EC_WFX          0x01
#define EC_FP_ACCESS    0x07
#define EC_ILLEGAL      0x0e
#define EC_SVC64        0x15
#define EC_SYS64        0x18
#define EC_IABT_LOW     0x20
#define EC_IABT_CUR     0x21
#define EC_PC_ALIGN     0x22
#define EC_DABT_LOW     0x24
#define EC_DABT_CUR     0x25
#define EC_SP_ALIGN     0x26
#define EC_FP_EXC64     0x2c
#define EC_SERROR       0x2f
#define EC_BREAKPT_LOW  0x30
#define EC_BREAKPT_CUR  0x31
#define EC_SSTEP_LOW    0x32
#define EC_SSTEP_CUR    0x33
#define EC_WATCHPT_LOW  0x34
#define EC_WATCHPT_CUR  0x35
#define EC_BRK64        0x3c

/* uapi asm-generic/siginfo.h: a hardware error on the object (an external abort). */
#define BUS_OBJERR      3

#define ESR_EC(esr)     ((unsigned int)((esr) >> 26) & 0x3f)
#define ESR_ISS(esr)    ((uint32_t)(esr) & 0x1ffffff)
/* Data and instruction aborts (D19.2.40, ISS encoding for an abort). */
#define ISS_WNR         (1u << 6)
#define ISS_FNV         (1u << 10)
#define ISS_FSC(iss)    ((iss) & 0x3f)

static const char *const ec_names[64] = {
	[EC_UNKNOWN] = "undefined instruction",
	[EC_WFX] = "trapped WFI/WFE",
	[EC_FP_ACCESS] = "trapped FP/SIMD access",
	[EC_ILLEGAL] = "illegal execution state",
	[EC_SVC64] = "SVC",
	[EC_SYS64] = "trapped system register access",
	[EC_IABT_LOW] = "instruction abort from EL0",
	[EC_IABT_CUR] = "instruction abort",
	[EC_PC_ALIGN] = "PC alignment fault",
	[EC_DABT_LOW] = "data abort from EL0",
	[EC_DABT_CUR] = "data abort",
	[EC_SP_ALIGN] = "SP alignment fault",
	[EC_FP_EXC64] = "floating-point exception",
	[EC_SERROR] = "SError",
	[EC_BREAKPT_LOW] = "breakpoint from EL0",
	[EC_BREAKPT_CUR] = "breakpoint",
	[EC_SSTEP_LOW] = "software step from EL0",
	[EC_SSTEP_CUR] = "software step",
	[EC_WATCHPT_LOW] = "watchpoint from EL0",
	[EC_WATCHPT_CUR] = "watchpoint",
	[EC_BRK64] = "BRK instruction",
};

static const char *const kind_names[4] = { "synchronous exception", "IRQ", "FIQ", "SError" };

/* The fault status code's kind (D19.2.40, DFSC/IFSC). */
static const char *fsc_name(uint32_t fsc)
{
	switch (fsc & 0x3c) {
	case 0x04: return "translation fault";
	case 0x08: return "access flag fault";
	case 0x0c: return "permission fault";
	}
	if (fsc == 0x2b)
		return "translation fault";     /* level -1 (FEAT_LPA2) */
	if (fsc == 0x21)
		return "alignment fault";
	if (fsc == 0x10)
		return "synchronous external abort";
	return "abort";
}

static void print_frame(const struct trap_frame *tf)
{
	uint64_t s = tf->spsr;

	pr_emerg("  pc %016llx  sp %016llx  far %016llx  esr %08llx\n",
		 (unsigned long long)tf->elr, (unsigned long long)tf->sp,
		 (unsigned long long)tf->far, (unsigned long long)tf->esr);
	pr_emerg("  pstate %08llx (EL%llu, DAIF %llx, PAN %d)  ttbr0 %016llx ttbr1 %016llx\n",
		 (unsigned long long)s, (unsigned long long)(s >> 2 & 3),
		 (unsigned long long)(s >> 6 & 0xf), !!(s & SPSR_PAN),
		 (unsigned long long)sysreg_read(ttbr0_el1), (unsigned long long)sysreg_read(ttbr1_el1));
	for (int r = 0; r < 31; r += 4) {
		char line[160];
		int n = 0;
		for (int i = r; i < r + 4 && i < 31; i++)
			n += snprintf(line + n, sizeof(line) - (size_t)n, "  x%-2d %016llx", i,
				      (unsigned long long)tf->regs[i]);
		pr_emerg("%s\n", line);
	}
}

static bool is_abort(unsigned int ec)
{
	return ec == EC_IABT_LOW || ec == EC_IABT_CUR || ec == EC_DABT_LOW || ec == EC_DABT_CUR;
}

/* An abort decoded for the generic fault path (EL1 and EL0 alike). */
static struct fault_info abort_info(const struct trap_frame *tf)
{
	unsigned int ec = ESR_EC(tf->esr);
	uint32_t iss = ESR_ISS(tf->esr), fsc = ISS_FSC(iss);
	bool exec = ec == EC_IABT_LOW || ec == EC_IABT_CUR;

	return (struct fault_info){
		.addr = tf->far,
		.pc = tf->elr,
		/* WnR is also set for a cache maintenance fault, which the kernel never takes. */
		.access = exec ? FAULT_EXEC : (iss & ISS_WNR) ? FAULT_WRITE : FAULT_READ,
		.cause = (fsc & 0x3c) == 0x04 || fsc == 0x2b ? FAULT_NOT_PRESENT :
			 (fsc & 0x3c) == 0x0c ? FAULT_PROTECTION : FAULT_CAUSE_UNKNOWN,
		.user = trap_from_user(tf),
	};
}

/* Is this an abort the generic fault path can judge (a translation or permission fault)? */
static bool is_mmu_fault(const struct trap_frame *tf)
{
	uint32_t fsc = ISS_FSC(ESR_ISS(tf->esr));

	return (fsc & 0x3c) == 0x04 || (fsc & 0x3c) == 0x08 || (fsc & 0x3c) == 0x0c || fsc == 0x2b;
}

/* An abort at EL1 to the generic fault path; true if resolved (the frame resumes at a fixup). */
static bool kernel_abort(struct trap_frame *tf)
{
	if (!is_mmu_fault(tf))
		return false;
	struct fault_info fi = abort_info(tf);
	if (uaccess_fault(&fi, !(tf->spsr & DAIF_I)))
		return true;      /* demand paging for a user copy: retry the instruction */
	uintptr_t fixup = fault_kernel(&fi);
	if (!fixup)
		return false;
	tf->elr = fixup;
	return true;
}

/* aarch64_user_enter (traps.S): the first return to EL0. */
__noreturn void aarch64_user_enter(uintptr_t pc, uintptr_t sp);

void arch_user_enter(uintptr_t pc, uintptr_t sp)
{
	if (!ARCH_HAS_USER_MODE)
		panic("aarch64: no user mode yet");
	aarch64_user_enter(pc, sp);
}

/*
 * A synchronous exception from EL0: a system call (SVC: number in x8, arguments
 * in x0..x5, the result in x0, as Linux's el0_svc), an abort for the generic
 * fault path, anything else a signal as Linux's arm64 traps give. Interrupts are
 * on while it is served and off again before the return to EL0.
 */
static void user_exception(struct trap_frame *tf)
{
	unsigned int ec = ESR_EC(tf->esr);

	local_irq_enable();
	switch (ec) {
	case EC_SVC64:
		/* ELR already points past the SVC (D1.10.1, preferred return address). */
		tf->regs[0] = (uint64_t)syscall_dispatch(tf, tf->regs[8], (const unsigned long *)&tf->regs[0]);
		break;
	case EC_IABT_LOW:
	case EC_DABT_LOW:
		if (is_mmu_fault(tf)) {
			struct fault_info fi = abort_info(tf);
			user_fault(&fi, tf->sp);
		} else if (ISS_FSC(ESR_ISS(tf->esr)) == 0x21) {
			user_fault_signal(SIGBUS, BUS_ADRALN, tf->far, "alignment fault", tf->elr, tf->sp);
		} else {
			user_fault_signal(SIGBUS, BUS_OBJERR, tf->far, "external abort", tf->elr, tf->sp);
		}
		break;
	case EC_PC_ALIGN:
	case EC_SP_ALIGN:
		user_fault_signal(SIGBUS, BUS_ADRALN, ec == EC_PC_ALIGN ? tf->elr : tf->sp,
				  ec_names[ec], tf->elr, tf->sp);
		break;
	case EC_BRK64:
	case EC_BREAKPT_LOW:
	case EC_SSTEP_LOW:
	case EC_WATCHPT_LOW:
		user_fault_signal(SIGTRAP, TRAP_BRKPT, tf->elr, ec_names[ec], tf->elr, tf->sp);
		break;
	default:
		/* Undefined instructions and the rest: Linux's do_el0_undef() SIGILL. */
		user_fault_signal(SIGILL, ILL_ILLOPC, tf->elr,
				  ec_names[ec] ? ec_names[ec] : "exception", tf->elr, tf->sp);
		break;
	}
	local_irq_disable();
}

static void irq(struct trap_frame *tf)
{
	unsigned int raw, id = gic_ack(&raw);

	if (id >= 1020)
		return;     /* spurious: nothing pending any more */
	if (id == SGI_CALL) {
		gic_eoi(raw);
		aarch64_ipi_interrupt();
		return;
	}
	if (id == aarch64_timer_intid()) {
		gic_eoi(raw);
		aarch64_timer_interrupt();
		/* Were interrupts on where the tick landed? Last, see sched.c. */
		sched_preempt_irq(!(tf->spsr & DAIF_I));
		return;
	}
	gic_eoi(raw);
	pr_warn("aarch64: unexpected interrupt %u on CPU %u\n", id, this_cpu()->index);
}

extern char aarch64_semihost_hlt[];

static void trap_dispatch(struct trap_frame *tf, unsigned long kind)
{
	unsigned int ec = ESR_EC(tf->esr);

	if (kind == TRAP_IRQ) {
		irq(tf);
		return;
	}
	if (kind == TRAP_SYNC && trap_from_user(tf)) {
		user_exception(tf);
		return;
	}
	if (kind == TRAP_SYNC && is_abort(ec) && kernel_abort(tf))
		return;
	/* Semihosting's HLT where QEMU does not serve it: go on to the next way out (cpu.c). */
	if (kind == TRAP_SYNC && ec == EC_UNKNOWN && tf->elr == (uintptr_t)aarch64_semihost_hlt) {
		tf->elr += 4;
		return;
	}

	const char *name = kind != TRAP_SYNC ? kind_names[kind] :
			   ec_names[ec] ? ec_names[ec] : "unknown exception";
	pr_emerg("\naarch64: unhandled %s (EC %#x): %s\n", kind_names[kind], ec, name);
	if (kind == TRAP_SYNC && is_abort(ec)) {
		uint32_t iss = ESR_ISS(tf->esr);
		struct fault_info fi = abort_info(tf);
		pr_emerg("  %s: %s %s address %#llx in %s mode\n", fsc_name(ISS_FSC(iss)),
			 fault_access_name(fi.access), (iss & ISS_FNV) ? "(unknown)" : "at",
			 (unsigned long long)tf->far, trap_from_user(tf) ? "user" : "kernel");
	} else if (kind == TRAP_SYNC && ec == EC_UNKNOWN) {
		pr_emerg("  instruction bits %#x\n", *(const uint32_t *)tf->elr);
	}
	print_frame(tf);
	const struct percpu *me = this_cpu();
	if (tf->sp >= me->stack_guard && tf->sp < me->stack_bottom + TF_SIZE)
		pr_emerg("  kernel stack overflow: sp %#llx ran into CPU %u's %s stack guard page\n",
			 (unsigned long long)tf->sp, me->index, me->index ? "kernel" : "boot");
	else if (me->index == 0 && !boot_stack_canary_intact())
		pr_emerg("  the boot stack overflowed (its canary is overwritten)\n");
	panic_with_frame(tf->elr, tf->regs[29], "unhandled %s at pc %#llx", name,
			 (unsigned long long)tf->elr);
}

void aarch64_trap(struct trap_frame *tf, unsigned long kind)
{
	trap_dispatch(tf, kind);
	/* Back to EL0: the thread's pending work first (interrupts masked). */
	if (trap_from_user(tf))
		user_return_work(tf);
}
