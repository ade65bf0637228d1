// SPDX-License-Identifier: MIT
/*
 * x86_64 CPU set-up and the generic kernel's CPU hooks: a GDT with a TSS per CPU
 * (whose IST1 stack takes double faults, so a kernel stack overflow is reported
 * instead of triple-faulting), one IDT shared by every CPU (the 32 exception
 * vectors, the local APIC timer, the cross-CPU-call IPI and the local APIC's
 * spurious vector), the FP/SSE control bits for user programs (fpu_cpu_init()),
 * halting, powering off and frame-pointer unwinding.
 */
#include <kern/arch.h>
#include <kern/boot.h>
#include <kern/cpu.h>
#include <kern/percpu.h>
#include <kern/panic.h>
#include <kern/string.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/trap.h>
#include <arch/x86.h>

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_TSS   0x18     /* 16 bytes: entries 3 and 4 */
#define GDT_CODE32 0x28    /* for paging.S, which turns paging off to change mode */
#define GDT_UDATA 0x30     /* user data (RPL 3: 0x33), then user 64-bit code (0x3b): */
#define GDT_UCODE 0x38     /*   the order SYSRET needs above STAR's base 0x28 */

/* 64-bit TSS (Intel SDM vol. 3A 8.7). */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;

struct idt_entry {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __packed;

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

_Static_assert(sizeof(struct tss) == 104, "TSS layout");
_Static_assert(sizeof(struct idt_entry) == 16, "IDT entry layout");

#define DF_STACK_SIZE 8192

/*
 * Per CPU, indexed by the dense CPU index: each written once by its own CPU in
 * gdt_init() (the boot CPU's from x86_cpu_init(), an AP's from x86_cpu_init_ap()),
 * then used by that CPU's hardware only. Each CPU has its own TSS because ltr
 * marks the descriptor busy (SDM vol. 3A 7.2.2), and its own double-fault and NMI
 * stacks.
 */
static uint64_t gdts[NCPUS][8] __aligned(16);
static struct tss tsss[NCPUS] __aligned(16);
static uint8_t df_stacks[NCPUS][DF_STACK_SIZE] __aligned(16);
static uint8_t nmi_stacks[NCPUS][DF_STACK_SIZE] __aligned(16);
/* Shared: built once by the boot CPU in x86_cpu_init(), read-only afterwards. */
static struct idt_entry idt[256] __aligned(16);

extern const uint64_t trap_stubs[32];
extern const char x86_ipi_stub[], x86_timer_stub[], x86_spurious_stub[], x86_nmi_stub[];   /* traps.S */

static void gdt_init(unsigned int cpu)
{
	uint64_t *gdt = gdts[cpu];
	struct tss *tss = &tsss[cpu];
	uint64_t base = (uint64_t)(uintptr_t)tss;
	uint64_t limit = sizeof(*tss) - 1;

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffff;    /* 64-bit code, DPL 0 */
	gdt[2] = 0x00cf92000000ffff;    /* data, DPL 0 */
	/* A 16-byte system descriptor: available 64-bit TSS (type 9), present. */
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;
	gdt[5] = 0x00cf9a000000ffff;    /* 32-bit code, DPL 0 (compatibility mode) */
	gdt[6] = 0x00cff2000000ffff;    /* data, DPL 3 */
	gdt[7] = 0x00affa000000ffff;    /* 64-bit code, DPL 3 */

	tss->ist[0] = (uint64_t)(uintptr_t)(df_stacks[cpu] + DF_STACK_SIZE);
	tss->ist[1] = (uint64_t)(uintptr_t)(nmi_stacks[cpu] + DF_STACK_SIZE);
	tss->iomap_base = sizeof(*tss);   /* no I/O permission bitmap */

	/*
	 * FS and GS are left alone: loading a selector into GS would replace the GS
	 * base (SDM vol. 3A 3.4.4), which already holds this CPU's per-CPU area.
	 */
	struct desc_ptr p = { .limit = sizeof(gdts[cpu]) - 1, .base = (uint64_t)(uintptr_t)gdt };
	__asm__ __volatile__(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w2, %%ax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%ss\n\t"
		"ltr %w3"
		:
		: "m"(p), "i"(GDT_KCODE), "r"(GDT_KDATA), "r"(GDT_TSS)
		: "rax", "memory");
}

static void idt_set(unsigned int v, uint64_t a, unsigned int ist)
{
	idt[v] = (struct idt_entry){
		.offset_lo = (uint16_t)a,
		.selector = GDT_KCODE,
		.ist = (uint8_t)ist,
		.type_attr = 0x8e,          /* present, DPL 0, 64-bit interrupt gate */
		.offset_mid = (uint16_t)(a >> 16),
		.offset_hi = (uint32_t)(a >> 32),
	};
}

/*
 * The exceptions, the timer, the cross-CPU call and the spurious vector; every other entry
 * is not present, so a stray vector arrives as a #GP naming it (SDM 6.12.1.1).
 */
static void idt_build(void)
{
	for (unsigned int v = 0; v < 32; v++)
		idt_set(v, trap_stubs[v], v == 8 ? 1 : 0);      /* double fault on IST1 */
	/* NMI on IST2: it may arrive while rsp is the user's (traps.S). */
	idt_set(X86_VEC_NMI, (uint64_t)(uintptr_t)x86_nmi_stub, 2);
	idt_set(X86_VEC_TIMER, (uint64_t)(uintptr_t)x86_timer_stub, 0);
	idt_set(X86_VEC_IPI, (uint64_t)(uintptr_t)x86_ipi_stub, 0);
	idt_set(X86_VEC_SPURIOUS, (uint64_t)(uintptr_t)x86_spurious_stub, 0);
}

static void idt_load(void)
{
	struct desc_ptr p = { .limit = sizeof(idt) - 1, .base = (uint64_t)(uintptr_t)idt };
	__asm__ __volatile__("lidt %0" : : "m"(p) : "memory");
}

/*
 * SYSCALL/SYSRET (SDM vol. 3A 5.8.8): EFER.SCE on; STAR's kernel CS 0x08 (SS 0x10)
 * and SYSRET base 0x28 (user SS 0x33, user CS 0x3b); the entry x86_syscall_entry
 * (traps.S) with IF, DF, TF and AC cleared on entry (FMASK). The kernel GS base
 * waits in IA32_KERNEL_GS_BASE while user code runs (swapgs on every crossing);
 * the user's starts at 0.
 */
#define MSR_EFER           0xc0000080
#define MSR_STAR           0xc0000081
#define MSR_LSTAR          0xc0000082
#define MSR_FMASK          0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102
#define EFER_SCE           (1ull << 0)

bool x86_user_pages_guarded;

#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)

/*
 * SMEP and SMAP where the CPU has both (CPUID.(7,0):EBX bits 7 and 20): set on the
 * boot CPU first, read by the APs (their trampoline copies the boot CPU's CR4, and
 * this runs again on each). QEMU's -cpu max has them, qemu64 has neither.
 */
static void smep_smap_init(void)
{
	uint32_t a, b, c, d;

	cpuid(0, 0, &a, &b, &c, &d);
	if (a < 7)
		return;
	cpuid(7, 0, &a, &b, &c, &d);
	if (!(b & (1u << 7)) || !(b & (1u << 20)))
		return;
	uint64_t cr4 = read_cr4() | CR4_SMEP | CR4_SMAP;
	__asm__ __volatile__("mov %0, %%cr4" : : "r"(cr4) : "memory");
	x86_user_pages_guarded = true;
}

#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_NE (1ull << 5)
#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)

uint32_t x86_mxcsr_mask;

/*
 * User FP/SSE state (SDM vol. 3A 2.5 and 13.1): x87 instructions execute (EM clear),
 * WAIT/FWAIT honours TS (MP) and TS stays clear, since the state is switched eagerly
 * (arch_fpu_switch()), never lazily through #NM; x87 errors are #MF (NE), as Linux
 * runs. FXSAVE/FXRSTOR cover the SSE registers and SSE instructions execute
 * (OSFXSR); an unmasked SIMD exception is #XM instead of #UD (OSXMMEXCPT). XSAVE
 * stays off (CR4.OSXSAVE clear), so AVX is unavailable and the 512-byte FXSAVE area
 * is the whole user state. Every x86_64 CPU has FXSR and SSE2 (long mode requires
 * them), so there is no CPUID check. The kernel itself is built -mgeneral-regs-only
 * and never touches these registers. Runs on every CPU; the APs' trampoline also
 * copies the boot CPU's CR0 and CR4.
 *
 * The boot CPU also records MXCSR_MASK (SDM vol. 1 11.6.6: the MXCSR bits FXRSTOR
 * accepts; 0 in the saved area means the default 0xffbf), which rt_sigreturn checks
 * a frame's MXCSR against before it loads one, as Linux's mxcsr_feature_mask.
 */
static void fpu_cpu_init(void)
{
	uint64_t cr0 = (read_cr0() | CR0_MP | CR0_NE) & ~(CR0_EM | CR0_TS);
	__asm__ __volatile__("mov %0, %%cr0" : : "r"(cr0) : "memory");
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	__asm__ __volatile__("mov %0, %%cr4" : : "r"(cr4) : "memory");
	__asm__ __volatile__("fninit");
	if (!x86_mxcsr_mask) {
		static uint8_t area[512] __aligned(16);
		uint32_t mask;

		memset(area, 0, sizeof(area));
		__asm__ __volatile__("fxsave64 %0" : "=m"(area));
		memcpy(&mask, area + 28, sizeof(mask));
		x86_mxcsr_mask = mask ? mask : 0xffbf;
	}
}

static void syscall_init(void)
{
	extern const char x86_syscall_entry[];

	smep_smap_init();

	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, (uint64_t)GDT_CODE32 << 48 | (uint64_t)GDT_KCODE << 32);
	wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)x86_syscall_entry);
	wrmsr(MSR_FMASK, 0x200 | 0x400 | 0x100 | 0x40000);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

void x86_cpu_init(void)
{
	gdt_init(0);
	idt_build();
	idt_load();
	syscall_init();
	fpu_cpu_init();
}

void x86_cpu_init_ap(unsigned int cpu)
{
	gdt_init(cpu);
	idt_load();
	syscall_init();
	fpu_cpu_init();
}

/* Interrupts and exceptions from user mode switch to this stack (TSS.RSP0). */
void arch_set_kernel_stack(uintptr_t top)
{
	tsss[cpu_current()].rsp[0] = top;
}

/*
 * The local APIC (cross-CPU calls, starting the other CPUs) is the one device
 * behind memory-mapped registers; the rest is behind I/O ports (COM1, the PIT,
 * isa-debug-exit, the ACPI power-off port).
 */
void arch_devices_init(void)
{
	x86_lapic_init();
}

void arch_halt(void)
{
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

/*
 * QEMU's isa-debug-exit device (arch/x86_64/run.sh adds it at port 0xf4) ends QEMU
 * with status (value << 1) | 1. QEMU itself exits 1 on its own errors and 0 on a
 * normal power-off or a triple fault under -no-reboot, so success must be neither:
 * 0x10 -> 33 is success, 0x11 -> 35 is failure (arch/x86_64/run.sh gives both to
 * scripts/run as arch_ok_status and arch_fail_status).
 */
#define DEBUG_EXIT_PORT    0xf4
#define DEBUG_EXIT_SUCCESS 0x10
#define DEBUG_EXIT_FAILURE 0x11

void arch_shutdown(bool success)
{
	outl(DEBUG_EXIT_PORT, success ? DEBUG_EXIT_SUCCESS : DEBUG_EXIT_FAILURE);
	/*
	 * Without the debug-exit device: ACPI power-off through QEMU's PM1a control
	 * port (q35 at 0x604, i440fx at 0xb004; SLP_TYPa = 0 with SLP_EN).
	 */
	outw(0x604, 0x2000);
	outw(0xb004, 0x2000);
	arch_halt();
}

/* Does the 16-byte frame record at @f lie inside [lo, hi)? (no overflow) */
static bool frame_inside(uintptr_t f, uintptr_t lo, uintptr_t hi)
{
	return f >= lo && hi >= lo + 16 && f <= hi - 16;
}

/*
 * x86_64 frames (with -fno-omit-frame-pointer): [rbp] = caller's rbp,
 * [rbp + 8] = return address. A frame must lie in the kernel image (the boot
 * stack, the double-fault stacks) or in this CPU's own kernel stack (an AP's,
 * in the kernel mapping window, mm/kstack.c); anything else ends the walk.
 */
bool arch_unwind_frame(uintptr_t *fp, uintptr_t *pc)
{
	uintptr_t f = *fp;
	const struct percpu *me = this_cpu();

	if (!f || (f & 7))
		return false;
	if (!frame_inside(f, (uintptr_t)__kernel_start, (uintptr_t)__kernel_end) &&
	    !frame_inside(f, me->stack_bottom, me->stack_top))
		return false;
	*pc = ((const uintptr_t *)f)[1];
	*fp = ((const uintptr_t *)f)[0];
	return true;
}

/*
 * A new thread's stack for arch_switch() (lib.S): six callee-saved slots (r12 =
 * @fn, r13 = @arg, the rest 0) and the return address arch_thread_entry, placed
 * so that the stack is 16-byte aligned right after that return (SysV ABI: aligned
 * at each call, and arch_thread_entry calls).
 */
uintptr_t arch_thread_stack_init(uintptr_t top, void (*fn)(void *), void *arg)
{
	extern char arch_thread_entry[];
	uintptr_t a = top & ~(uintptr_t)15;
	uint64_t *f = (uint64_t *)(a - 72);

	f[0] = 0;                          /* r15 */
	f[1] = 0;                          /* r14 */
	f[2] = (uint64_t)(uintptr_t)arg;   /* r13 */
	f[3] = (uint64_t)(uintptr_t)fn;    /* r12 */
	f[4] = 0;                          /* rbx */
	f[5] = 0;                          /* rbp */
	f[6] = (uint64_t)(uintptr_t)arch_thread_entry;
	return (uintptr_t)f;
}

/* x86_user_enter (traps.S): an iretq frame at the top of the thread's kernel stack. */
__noreturn void x86_user_enter(uintptr_t pc, uintptr_t sp);

void arch_user_enter(uintptr_t pc, uintptr_t sp)
{
	x86_user_enter(pc, sp);
}
