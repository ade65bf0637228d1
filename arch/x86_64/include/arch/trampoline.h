/* SPDX-License-Identifier: MIT */
/*
 * The x86_64 AP start-up trampoline (trampoline.S, driven by smp.c): code copied
 * to a page below 1 MiB that a start-up IPI points the AP at, and a parameter
 * block at the end of the copy that the boot CPU fills. The block's offsets are
 * shared with the assembly (TP_*), checked against struct x86_tramp_params in smp.c.
 *
 * Every field is the same for every AP (the boot CPU writes the block once, before
 * the first INIT): an AP finds its own per-CPU area by its APIC id, in
 * x86_ap_percpu[], so a CPU that arrives late can never take another's stack.
 */
#ifndef ARCH_TRAMPOLINE_H
#define ARCH_TRAMPOLINE_H

#define TP_GDTR      0    /* u16 limit, u32 base: the lgdtl operand (6 bytes) */
#define TP_FAR32     8    /* u32 offset, u16 selector: ljmpl to the 32-bit code */
#define TP_FAR64     16   /* u32 offset, u16 selector: ljmpl to the 64-bit code */
#define TP_CR0       24   /* u32: the boot CPU's CR0 (PE, PG, WP, cache control) */
#define TP_CR4       28   /* u32: the boot CPU's CR4 (PAE, PGE, LA57, ...) */
#define TP_CR3_LOW   32   /* u32: the temporary root, below 4 GiB */
#define TP_EFER      36   /* u32 low, u32 high: the boot CPU's EFER (LME, NXE) */
#define TP_CR3       48   /* u64: the kernel's root (mm_kernel_pt), anywhere */
#define TP_ENTRY     56   /* u64: x86_ap_start64, at its link address */
#define TP_GDT       64   /* 4 descriptors: null, code64, data, code32 */
#define TP_SIZE      96

/* Selectors of the trampoline's GDT (TP_GDT). */
#define TRAMP_SEL_CODE64 0x08
#define TRAMP_SEL_DATA   0x10
#define TRAMP_SEL_CODE32 0x18

#ifndef __ASSEMBLER__
#include <kern/types.h>

struct x86_tramp_params {
	uint16_t gdt_limit;
	uint32_t gdt_base;
	uint16_t pad0;
	uint32_t far32_offset;
	uint16_t far32_selector;
	uint16_t pad1;
	uint32_t far64_offset;
	uint16_t far64_selector;
	uint16_t pad2;
	uint32_t cr0;
	uint32_t cr4;
	uint32_t cr3_low;
	uint32_t efer_lo;
	uint32_t efer_hi;
	uint32_t pad3;
	uint64_t cr3;
	uint64_t entry;
	uint64_t gdt[4];
} __packed;

/* trampoline.S: the code to copy [start, end), with the block at params. */
extern const char x86_tramp_start[], x86_tramp_32[], x86_tramp_64[];
extern const char x86_tramp_params[], x86_tramp_end[];

/* The 64-bit entry at the link address (trampoline.S). */
extern const char x86_ap_start64[];

/*
 * Per APIC id (xAPIC: below 255): the per-CPU area of the AP with that id, set
 * by the boot CPU (arch_cpu_start()) before it sends the INIT; read by that AP in
 * x86_ap_start64. Never cleared: an abandoned AP that arrives late still finds
 * its own area (and smp_ap_entry() sends it to halt).
 */
struct percpu;
extern struct percpu *x86_ap_percpu[256];

/* Where x86_ap_start64 goes, on the AP's own stack with its GS base set (smp.c). */
__noreturn void x86_ap_main(void);
#endif

#endif
