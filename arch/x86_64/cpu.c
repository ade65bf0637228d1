// SPDX-License-Identifier: MIT
/*
 * x86_64 CPU set-up and the generic kernel's CPU hooks: the GDT with a TSS (whose
 * IST1 stack takes double faults, so a kernel stack overflow is reported instead of
 * triple-faulting), the IDT for the 32 exception vectors, halting, powering off
 * and frame-pointer unwinding. Boot CPU only for now.
 */
#include <kern/arch.h>
#include <kern/boot.h>
#include <kern/string.h>
#include <arch/cpu.h>
#include <arch/trap.h>

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_TSS   0x18     /* 16 bytes: entries 3 and 4 */
#define GDT_CODE32 0x28    /* for paging.S, which turns paging off to change mode */

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

static uint64_t gdt[6] __aligned(16);
static struct tss tss __aligned(16);
static struct idt_entry idt[32] __aligned(16);
static uint8_t df_stack[8192] __aligned(16);

extern const uint64_t trap_stubs[32];

static void gdt_init(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss;
	uint64_t limit = sizeof(tss) - 1;

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffff;    /* 64-bit code, DPL 0 */
	gdt[2] = 0x00cf92000000ffff;    /* data, DPL 0 */
	/* A 16-byte system descriptor: available 64-bit TSS (type 9), present. */
	gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[4] = base >> 32;
	gdt[5] = 0x00cf9a000000ffff;    /* 32-bit code, DPL 0 (compatibility mode) */

	tss.ist[0] = (uint64_t)(uintptr_t)(df_stack + sizeof(df_stack));
	tss.iomap_base = sizeof(tss);   /* no I/O permission bitmap */

	struct desc_ptr p = { .limit = sizeof(gdt) - 1, .base = (uint64_t)(uintptr_t)gdt };
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

static void idt_init(void)
{
	for (int v = 0; v < 32; v++) {
		uint64_t a = trap_stubs[v];
		idt[v] = (struct idt_entry){
			.offset_lo = (uint16_t)a,
			.selector = GDT_KCODE,
			.ist = v == 8 ? 1 : 0,      /* double fault on IST1 */
			.type_attr = 0x8e,          /* present, DPL 0, 64-bit interrupt gate */
			.offset_mid = (uint16_t)(a >> 16),
			.offset_hi = (uint32_t)(a >> 32),
		};
	}
	struct desc_ptr p = { .limit = sizeof(idt) - 1, .base = (uint64_t)(uintptr_t)idt };
	__asm__ __volatile__("lidt %0" : : "m"(p) : "memory");
}

void x86_cpu_init(void)
{
	gdt_init();
	idt_init();
}

/*
 * Every device the x86_64 kernel touches today is behind I/O ports (COM1, the PIT,
 * isa-debug-exit, the ACPI power-off port): nothing to ioremap() yet. The local
 * APIC and the I/O APIC will be mapped here when interrupts arrive.
 */
void arch_devices_init(void)
{
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

/*
 * x86_64 frames (with -fno-omit-frame-pointer): [rbp] = caller's rbp,
 * [rbp + 8] = return address. Stacks live in the kernel image for now, so a
 * frame outside it ends the walk.
 */
bool arch_unwind_frame(uintptr_t *fp, uintptr_t *pc)
{
	uintptr_t f = *fp;

	if (!f || (f & 7) || f < (uintptr_t)__kernel_start || f + 16 > (uintptr_t)__kernel_end)
		return false;
	*pc = ((const uintptr_t *)f)[1];
	*fp = ((const uintptr_t *)f)[0];
	return true;
}
