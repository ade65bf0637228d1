// SPDX-License-Identifier: MIT
/*
 * x86_64 CPU exceptions, interrupts and system calls: the handler behind traps.S.
 * The timer tick and the cross-CPU-call IPI are served and acknowledged (the tick
 * may preempt); an NMI while a panic stops the CPUs (smp_stopping) halts this one.
 * From user mode, system calls and page faults are served and other exceptions
 * end the thread (user_trap()). In the kernel every other exception is fatal,
 * kernel page faults with a fixup aside: it prints the cause, the faulting address
 * (CR2 for a page fault), the error code decoded, and all registers, then panics
 * with a backtrace that starts at the faulting instruction. Never returns to a
 * broken context, never triple-faults (a double fault runs on its CPU's own IST
 * stack, see cpu.c).
 */
#include <kern/boot.h>
#include <kern/fault.h>
#include <kern/panic.h>
#include <kern/percpu.h>
#include <kern/printk.h>
#include <kern/sched.h>
#include <kern/syscall.h>
#include <kern/uaccess.h>
#include <kern/smp.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include <arch/x86.h>

static const char *const exception_names[32] = {
	[0] = "divide error (#DE)",
	[1] = "debug (#DB)",
	[2] = "non-maskable interrupt (NMI)",
	[3] = "breakpoint (#BP)",
	[4] = "overflow (#OF)",
	[5] = "bound range exceeded (#BR)",
	[6] = "invalid opcode (#UD)",
	[7] = "device not available (#NM)",
	[8] = "double fault (#DF)",
	[10] = "invalid TSS (#TS)",
	[11] = "segment not present (#NP)",
	[12] = "stack-segment fault (#SS)",
	[13] = "general protection (#GP)",
	[14] = "page fault (#PF)",
	[16] = "x87 floating-point error (#MF)",
	[17] = "alignment check (#AC)",
	[18] = "machine check (#MC)",
	[19] = "SIMD floating-point (#XM)",
	[20] = "virtualization (#VE)",
	[21] = "control protection (#CP)",
	[29] = "VMM communication (#VC)",
	[30] = "security (#SX)",
};

static void print_regs(const struct trap_frame *tf)
{
	pr_emerg("  rip %016llx  rsp %016llx  rflags %016llx\n",
		 (unsigned long long)tf->rip, (unsigned long long)tf->rsp,
		 (unsigned long long)tf->rflags);
	pr_emerg("  cs %04llx  ss %04llx  cr0 %016llx  cr3 %016llx  cr4 %016llx\n",
		 (unsigned long long)tf->cs, (unsigned long long)tf->ss,
		 (unsigned long long)read_cr0(), (unsigned long long)read_cr3(),
		 (unsigned long long)read_cr4());
	pr_emerg("  rax %016llx  rbx %016llx  rcx %016llx  rdx %016llx\n",
		 (unsigned long long)tf->rax, (unsigned long long)tf->rbx,
		 (unsigned long long)tf->rcx, (unsigned long long)tf->rdx);
	pr_emerg("  rsi %016llx  rdi %016llx  rbp %016llx  r8  %016llx\n",
		 (unsigned long long)tf->rsi, (unsigned long long)tf->rdi,
		 (unsigned long long)tf->rbp, (unsigned long long)tf->r8);
	pr_emerg("  r9  %016llx  r10 %016llx  r11 %016llx  r12 %016llx\n",
		 (unsigned long long)tf->r9, (unsigned long long)tf->r10,
		 (unsigned long long)tf->r11, (unsigned long long)tf->r12);
	pr_emerg("  r13 %016llx  r14 %016llx  r15 %016llx\n",
		 (unsigned long long)tf->r13, (unsigned long long)tf->r14,
		 (unsigned long long)tf->r15);
}

/* Page-fault error code bits, Intel SDM vol. 3A 4.7. */
#define PF_PRESENT (1u << 0)
#define PF_WRITE   (1u << 1)
#define PF_USER    (1u << 2)
#define PF_RSVD    (1u << 3)
#define PF_INSN    (1u << 4)   /* reported with NX (EFER.NXE) or SMEP on */
#define PF_PK      (1u << 5)

/* A page fault decoded for the generic fault path (kernel and user mode alike). */
static struct fault_info page_fault_info(const struct trap_frame *tf)
{
	return (struct fault_info){
		.addr = read_cr2(),
		.pc = tf->rip,
		.access = tf->error & PF_INSN ? FAULT_EXEC :
			  tf->error & PF_WRITE ? FAULT_WRITE : FAULT_READ,
		/* A reserved-bit fault has P set too: a translation was there, and refused. */
		.cause = tf->error & PF_PRESENT ? FAULT_PROTECTION : FAULT_NOT_PRESENT,
		.user = tf->error & PF_USER,
	};
}

/*
 * A page fault in kernel mode goes to the generic fault path; returns true if it
 * was resolved (the frame now resumes at a fixup).
 */
static bool page_fault(struct trap_frame *tf)
{
	struct fault_info fi = page_fault_info(tf);

	if (fi.user)
		return false;     /* user_trap() takes user faults before they get here */
	if (uaccess_fault(&fi, tf->rflags & X86_RFLAGS_IF))
		return true;      /* demand paging for a user copy: retry the instruction */
	uintptr_t fixup = fault_kernel(&fi);
	if (!fixup)
		return false;
	tf->rip = fixup;
	return true;
}

/*
 * The si_code of an x87 (#MF, vector 16) or SIMD (#XM, 19) floating-point error, as
 * Linux's fpu__exception_code() computes it: the exceptions raised and not masked
 * (x87: the status word against the control word; SSE: MXCSR's flags against its
 * masks, seven bits above), the first of invalid, divide, overflow, underflow (or
 * denormal), precision. 0 when none is: Linux sends nothing then and the
 * instruction runs again. The user's FP registers are live here (they are
 * switched eagerly, and the kernel uses none), so they are read in place.
 */
static int fp_exception_code(uint64_t vector)
{
	unsigned int err;

	if (vector == 16) {
		uint16_t cwd, swd;

		__asm__ __volatile__("fnstcw %0" : "=m"(cwd));
		__asm__ __volatile__("fnstsw %0" : "=m"(swd));
		err = swd & ~cwd;
	} else {
		uint32_t mxcsr;

		__asm__ __volatile__("stmxcsr %0" : "=m"(mxcsr));
		err = ~(mxcsr >> 7) & mxcsr;
	}
	if (err & 0x001)
		return FPE_FLTINV;
	if (err & 0x004)
		return FPE_FLTDIV;
	if (err & 0x008)
		return FPE_FLTOVF;
	if (err & 0x012)
		return FPE_FLTUND;
	if (err & 0x020)
		return FPE_FLTRES;
	return 0;
}

/*
 * An exception from user mode: a page fault for the generic fault path, any other
 * exception fatal to the thread with Linux's signal for it. Interrupts are on while
 * the fault runs, off again before the return.
 */
static void user_trap(struct trap_frame *tf)
{
	switch (tf->vector) {
	case 14: {
		struct fault_info fi = page_fault_info(tf);
		__asm__ __volatile__("sti" ::: "memory");
		user_fault(&fi, tf->rsp);
		break;
	}
	case 6:
		__asm__ __volatile__("sti" ::: "memory");
		user_fault_signal(SIGILL, ILL_ILLOPN, tf->rip, "invalid opcode", tf->rip, tf->rsp);
		break;
	case 0:
		__asm__ __volatile__("sti" ::: "memory");
		user_fault_signal(SIGFPE, FPE_INTDIV, tf->rip, "divide error", tf->rip, tf->rsp);
		break;
	case 16:
	case 19: {
		/* Linux's math_error(): SIGFPE at the instruction that took the error. */
		int code = fp_exception_code(tf->vector);
		__asm__ __volatile__("sti" ::: "memory");
		if (code)
			user_fault_signal(SIGFPE, code, tf->rip, exception_names[tf->vector],
					  tf->rip, tf->rsp);
		break;
	}
	case 3:
		/* Linux's do_int3_user(): a plain force_sig(SIGTRAP), si_code SI_KERNEL. */
		__asm__ __volatile__("sti" ::: "memory");
		user_fault_signal(SIGTRAP, SI_KERNEL, 0, "breakpoint", tf->rip, tf->rsp);
		break;
	default:
		/* #GP and the rest: Linux's force_sig(SIGSEGV), SI_KERNEL, no address. */
		__asm__ __volatile__("sti" ::: "memory");
		user_fault_signal(SIGSEGV, SI_KERNEL, 0, tf->vector < 32 && exception_names[tf->vector] ?
				  exception_names[tf->vector] : "exception", tf->rip, tf->rsp);
		break;
	}
	__asm__ __volatile__("cli" ::: "memory");
}

static __noreturn void unhandled(struct trap_frame *tf);

static void trap_dispatch(struct trap_frame *tf)
{
	/* Interrupts (and NMIs) from user mode take the kernel's paths below. */
	if ((tf->cs & 3) && tf->vector < 32 && tf->vector != X86_VEC_NMI && tf->vector != 18) {
		user_trap(tf);
		return;
	}
	switch (tf->vector) {
	case X86_VEC_TIMER:
		x86_timer_interrupt();
		x86_lapic_eoi();
		/* Last: a preemption returns here only when this thread runs again. */
		sched_preempt_irq(tf->rflags & X86_RFLAGS_IF);
		return;
	case X86_VEC_IPI:
		smp_ipi_interrupt();
		x86_lapic_eoi();
		return;
	case 14:
		if (page_fault(tf))
			return;
		break;
	default:
		break;
	}

	unhandled(tf);
}

/* The fatal report: cause, registers, a backtrace from the faulting instruction. */
static __noreturn void unhandled(struct trap_frame *tf)
{
	const char *name = tf->vector < 32 ? exception_names[tf->vector] : NULL;

	pr_emerg("\nx86_64: unhandled exception %llu: %s, error code %#llx\n",
		 (unsigned long long)tf->vector, name ? name : "reserved",
		 (unsigned long long)tf->error);
	if (tf->vector == 14) {
		uint64_t e = tf->error;
		pr_emerg("  page fault at address %#llx: %s %s in %s mode%s%s\n",
			 (unsigned long long)read_cr2(),
			 e & PF_INSN ? "instruction fetch" : e & PF_WRITE ? "write" : "read",
			 e & PF_PRESENT ? "(protection violation)" : "(page not present)",
			 e & PF_USER ? "user" : "kernel",
			 e & PF_RSVD ? ", reserved bit set" : "",
			 e & PF_PK ? ", protection key" : "");
	}
	print_regs(tf);
	/*
	 * A fault on this CPU's stack guard page (the boot stack's on CPU 0, a
	 * mm/kstack.c one on the others): the CPU could not push the frame for it on
	 * that stack either, so it arrives as a double fault on IST1.
	 */
	uint64_t cr2 = read_cr2();
	const struct percpu *me = this_cpu();
	if ((tf->vector == 8 || tf->vector == 14) && cr2 >= me->stack_guard &&
	    cr2 < me->stack_bottom)
		pr_emerg("  kernel stack overflow: %#llx is the guard page of CPU %u's stack\n",
			 (unsigned long long)cr2, me->index);
	panic_with_frame(tf->rip, tf->rbp, "unhandled exception %llu at rip %#llx",
			 (unsigned long long)tf->vector, (unsigned long long)tf->rip);
}

#define RFLAGS_TF (1ull << 8)
#define RFLAGS_RF (1ull << 16)

/*
 * A system call from user mode (traps.S's x86_syscall_entry): rax the number, rdi,
 * rsi, rdx, r10, r8, r9 the arguments, rax the result (Linux's x86_64 ABI). Runs
 * with interrupts on; returns with them off, after the thread's pending work.
 *
 * Returns true when the return may take SYSRET, which loads rip from rcx and rflags
 * from r11 and sets CS and SS to the user selectors (SDM vol. 2B, SYSRET): only when
 * the frame says exactly that, as after most calls (rcx and r11 are what SYSCALL
 * left there, and nothing changed the frame since). A signal frame or
 * rt_sigreturn changes rip, rflags, rcx and r11, and goes back through IRETQ, which
 * restores every register as the frame has it. SYSRET to a non-canonical rip would
 * raise #GP in ring 0 with the user's rsp already loaded (Intel; the reason for
 * Linux's checks in do_syscall_64()), so rip must also lie below 2^47, canonical in
 * both paging modes (a 5-level user rip above that returns through IRETQ). TF and
 * RF cannot be set from the frame by SYSRET (RF is cleared, TF would trap after the
 * return with the wrong state): IRETQ as well.
 */
bool x86_syscall(struct trap_frame *tf)
{
	unsigned long a[6] = { tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9 };

	__asm__ __volatile__("sti" ::: "memory");
	tf->rax = (uint64_t)syscall_dispatch(tf, tf->rax, a);
	__asm__ __volatile__("cli" ::: "memory");
	user_return_work(tf);
	return tf->rcx == tf->rip && tf->r11 == tf->rflags && (tf->rip >> 47) == 0 &&
	       !(tf->rflags & (RFLAGS_TF | RFLAGS_RF)) && tf->cs == X86_USER_CS &&
	       tf->ss == X86_USER_DS;
}

/*
 * An NMI (x86_nmi_stub, on IST2, with the kernel's GS base whatever the
 * interrupted code had): arch_smp_send_stop() sends them when another CPU panicked;
 * any other NMI is reported as fatal. From user mode too: no user-return work is
 * done on the NMI stack.
 */
void x86_nmi(struct trap_frame *tf)
{
	if (__atomic_load_n(&smp_stopping, __ATOMIC_ACQUIRE))
		smp_stopped_halt();
	unhandled(tf);
}

void x86_trap(struct trap_frame *tf)
{
	trap_dispatch(tf);
	/* Back to user mode: the thread's pending work first (interrupts masked). */
	if (tf->cs & 3)
		user_return_work(tf);
}
