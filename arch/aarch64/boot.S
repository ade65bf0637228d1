/* SPDX-License-Identifier: MIT */
/*
 * aarch64 entry, as the arm64 Linux boot protocol (Documentation/arm64/booting.rst)
 * hands over: the MMU off, x0 = physical address of the device tree, x1..x3 = 0,
 * at EL1 or at EL2 (QEMU virt with virtualization=on), on the boot CPU only; the
 * others wait in the firmware (here QEMU's PSCI) for CPU_ON. The first 64 bytes
 * are the Image header QEMU's -kernel looks for ("ARM\x64" at offset 56): with it,
 * QEMU loads the flat image at RAM + text_offset and passes the device tree, which
 * it does not for an ELF.
 *
 * The image runs at its load address (KERNEL_PHYS_BASE) until the MMU is on. It is
 * compiled -mcmodel=small, so adrp/add form every address PC-relative and yield
 * the physical one; only literal-pool loads (ldr =sym) give link addresses.
 *
 * At EL2 we make EL1 AArch64 with nothing trapped and drop to it. Then: zero .bss,
 * build the boot tables (4 KiB granule, 48-bit, 1 GiB blocks: an identity map in
 * TTBR0 for the instructions around the switch, the image at its link address and
 * the boot direct map in TTBR1), turn the MMU on, jump to the link address and
 * call aarch64_entry(device tree, entered at EL2) on the boot stack. The 52-bit
 * mode is chosen later, in C (paging.c).
 */
#include <kern/percpu.h>
#include <arch/cpu.h>
#include <arch/page.h>
#include <arch/trap.h>

/* Stage 1 descriptor bits (D8.3), for 1 GiB blocks at lookup level 1 and tables. */
#define DESC_BLOCK	0x1
#define DESC_TABLE	0x3
#define DESC_ATTR_WB	(0 << 2)	/* MAIR index 0: Normal write-back (AARCH64_MAIR_VALUE) */
#define DESC_ATTR_DEV	(2 << 2)	/* MAIR index 2: Device-nGnRE */
#define DESC_SH_INNER	(3 << 8)
#define DESC_AF		(1 << 10)
#define DESC_PXN	(1 << 53)
#define DESC_UXN	(1 << 54)

#define GIGA_SHIFT	30
#define L0_SHIFT	39
#define ENTRIES		512

#define KERNEL_BLOCK	(DESC_BLOCK | DESC_ATTR_WB | DESC_SH_INNER | DESC_AF | DESC_UXN)
#define DIRECT_BLOCK	(DESC_BLOCK | DESC_ATTR_WB | DESC_SH_INNER | DESC_AF | DESC_UXN | DESC_PXN)
#define DEVICE_BLOCK	(DESC_BLOCK | DESC_ATTR_DEV | DESC_AF | DESC_UXN | DESC_PXN)

/* Root (lookup level 0) and level-1 indices of the two TTBR1 regions. */
#define IMAGE_L0	((KERNEL_VIRT_BASE >> L0_SHIFT) & (ENTRIES - 1))
#define DIRECT_L0	((BOOT_DIRECT_MAP_BASE >> L0_SHIFT) & (ENTRIES - 1))
#define DIRECT_COUNT	(BOOT_DIRECT_MAP_SIZE >> GIGA_SHIFT)
/* Level-1 index of an image gigabyte minus its physical gigabyte number. */
#define IMAGE_GIGA_DELTA (((KERNEL_VMA_OFFSET >> GIGA_SHIFT) & (ENTRIES - 1)))

/*
 * TCR_EL1 (D19.2.139) for the 48-bit mode: T0SZ = T1SZ = 16, 4 KiB granules
 * (TG0 = 0, TG1 = 2), walks Inner Shareable and write-back cacheable, 16-bit ASIDs
 * when the CPU has them (AS, set below), IPS from ID_AA64MMFR0_EL1.PARange.
 */
#define TCR_48		(16 | (1 << 8) | (1 << 10) | (3 << 12) | (0 << 14) | \
			 (16 << 16) | (1 << 24) | (1 << 26) | (3 << 28) | (2 << 30))
#define TCR_IPS_SHIFT	32
#define TCR_AS		(1 << 36)

/* SCTLR_EL1 with the MMU off (what EL2 hands down) and on (the RES1 bits included). */
#define SCTLR_MMU_OFF	(SCTLR_EOS | SCTLR_TSCXT | SCTLR_EIS | SCTLR_SPAN | SCTLR_NTLSMD | SCTLR_LSMAOE)
#define SCTLR_MMU_ON	(SCTLR_MMU_OFF | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_SA0 | SCTLR_I | \
			 SCTLR_DZE | SCTLR_UCT | SCTLR_NTWI | SCTLR_NTWE | SCTLR_UCI)

#define BOOT_STACK_SIZE	16384

/* Semihosting (Arm "Semihosting for AArch32 and AArch64" 2.0): HLT #0xf000. */
#define SEMIHOST_SYS_EXIT	0x18
#define ADP_STOPPED_RUN_TIME_ERROR 0x20023
#define PSCI_SYSTEM_OFF		0x84000008

	.section .boot.text, "ax"
	.globl	_head
_head:
	/* The arm64 Image header (booting.rst): code0, code1, then the fields. */
	b	_start
	.long	0
	.quad	KERNEL_TEXT_OFFSET	/* text_offset: loaded at RAM + 2 MiB */
	.quad	__kernel_size		/* image_size, .bss included: the loader keeps it free */
	.quad	0x2			/* flags: little-endian, 4 KiB pages, near the RAM base */
	.quad	0, 0, 0
	.ascii	"ARM\x64"
	.long	0

	.globl	_start
_start:
	mov	x19, x0			/* device tree, physical */
	mov	x20, #0			/* entered at EL2? */
	mrs	x0, CurrentEL
	cmp	x0, #CURRENTEL_EL2
	b.ne	1f
	mov	x20, #1
	bl	el2_to_el1
1:	msr	daifset, #0xf
	/* Until the kernel's vectors are reachable (they need the MMU), an exception ends the boot. */
	adrp	x0, early_vectors
	add	x0, x0, :lo12:early_vectors
	msr	vbar_el1, x0
	isb

	/* The image is linked for KERNEL_PHYS_BASE and maps itself with that offset. */
	adrp	x0, _head
	ldr	x1, =KERNEL_PHYS_BASE
	adrp	x2, msg_bad_load
	add	x2, x2, :lo12:msg_bad_load
	cmp	x0, x1
	b.ne	boot_fail

	/* Zero .bss (page aligned at both ends): the tables and the stack live there. */
	adrp	x0, __bss_start
	adrp	x1, __bss_end
2:	cmp	x0, x1
	b.hs	3f
	stp	xzr, xzr, [x0], #16
	b	2b
3:
	/* A canary at the far end of the boot stack, checked by the trap handler. */
	adrp	x0, boot_stack_bottom
	ldr	x1, =BOOT_STACK_CANARY
	str	x1, [x0]

	/* Identity: the image's gigabyte(s), at lookup level 1 of the TTBR0 root. */
	adrp	x0, _head
	lsr	x1, x0, #GIGA_SHIFT	/* first gigabyte */
	adrp	x2, __kernel_end
	sub	x2, x2, #1
	lsr	x2, x2, #GIGA_SHIFT	/* last gigabyte */
	cmp	x2, #ENTRIES
	adrp	x3, msg_too_high
	add	x3, x3, :lo12:msg_too_high
	b.hs	fail_x3
	adrp	x3, boot_pt_id_l1
	add	x3, x3, :lo12:boot_pt_id_l1
	ldr	x4, =KERNEL_BLOCK
	mov	x5, x1
4:	lsl	x6, x5, #GIGA_SHIFT
	orr	x6, x6, x4
	str	x6, [x3, x5, lsl #3]
	add	x5, x5, #1
	cmp	x5, x2
	b.ls	4b
	adrp	x4, boot_pt_id_root
	add	x4, x4, :lo12:boot_pt_id_root
	orr	x6, x3, #DESC_TABLE
	str	x6, [x4]		/* root[0]: the first 512 GiB */

	/* The image at its link address: TTBR1 root[IMAGE_L0] -> level 1, gigabyte g at g + delta. */
	adrp	x3, boot_pt_image_l1
	add	x3, x3, :lo12:boot_pt_image_l1
	ldr	x4, =KERNEL_BLOCK
	mov	x5, x1
5:	lsl	x6, x5, #GIGA_SHIFT
	orr	x6, x6, x4
	add	x7, x5, #IMAGE_GIGA_DELTA
	str	x6, [x3, x7, lsl #3]
	add	x5, x5, #1
	cmp	x5, x2
	b.ls	5b
	adrp	x4, boot_pt_root
	add	x4, x4, :lo12:boot_pt_root
	orr	x6, x3, #DESC_TABLE
	str	x6, [x4, #IMAGE_L0 * 8]

	/* The boot direct map: root[DIRECT_L0] -> level 1, gigabyte g at g; the first is devices. */
	adrp	x3, boot_pt_direct_l1
	add	x3, x3, :lo12:boot_pt_direct_l1
	ldr	x4, =DEVICE_BLOCK
	str	x4, [x3]
	ldr	x4, =DIRECT_BLOCK
	mov	x5, #1
6:	lsl	x6, x5, #GIGA_SHIFT
	orr	x6, x6, x4
	str	x6, [x3, x5, lsl #3]
	add	x5, x5, #1
	cmp	x5, #DIRECT_COUNT
	b.lo	6b
	adrp	x4, boot_pt_root
	add	x4, x4, :lo12:boot_pt_root
	orr	x6, x3, #DESC_TABLE
	str	x6, [x4, #DIRECT_L0 * 8]

	/*
	 * The tables were written with the MMU and the data cache off, to memory; the
	 * walks that follow are cacheable. Invalidate the lines so no stale copy from
	 * before the boot hides them (booting.rst asks nothing of the cache here).
	 */
	adrp	x0, boot_tables_start
	adrp	x1, boot_tables_end
	bl	dcache_inval_range

	/* MAIR, TCR (IPS from the CPU, 16-bit ASIDs where present), the two roots. */
	ldr	x0, =0xaa0444ff		/* AARCH64_MAIR_VALUE (<arch/mmu.h>) */
	msr	mair_el1, x0
	mrs	x1, id_aa64mmfr0_el1
	and	x2, x1, #0xf		/* PARange */
	cmp	x2, #5
	mov	x3, #5
	csel	x2, x2, x3, ls		/* at most 48 bits without FEAT_LPA2's DS */
	ldr	x0, =TCR_48
	orr	x0, x0, x2, lsl #TCR_IPS_SHIFT
	ubfx	x2, x1, #4, #4		/* ASIDBits: 2 = 16 bits */
	cmp	x2, #2
	b.ne	7f
	orr	x0, x0, #TCR_AS
7:	msr	tcr_el1, x0
	adrp	x1, aarch64_boot_tcr
	str	x0, [x1, :lo12:aarch64_boot_tcr]
	adrp	x0, boot_pt_id_root
	msr	ttbr0_el1, x0
	adrp	x0, boot_pt_root
	msr	ttbr1_el1, x0
	/* FP/SIMD untrapped at EL0 and EL1 (CPACR_EL1.FPEN = 3): the registers are the user's. */
	mov	x0, #(3 << 20)
	msr	cpacr_el1, x0
	isb
	tlbi	vmalle1
	dsb	nsh
	ldr	x0, =SCTLR_MMU_ON
	msr	sctlr_el1, x0
	isb

	/* adrp would give the physical address: take the link-time one from the pool. */
	ldr	x0, =high
	br	x0

	.text
high:
	adrp	x0, aarch64_vectors
	add	x0, x0, :lo12:aarch64_vectors
	msr	vbar_el1, x0
	/* TPIDR_EL1 points at this CPU's per-CPU area (<kern/percpu.h>): the boot CPU's is 0. */
	adrp	x0, percpu_areas
	add	x0, x0, :lo12:percpu_areas
	msr	tpidr_el1, x0
	msr	tpidrro_el0, xzr
	isb
	adrp	x0, boot_stack_top
	add	sp, x0, :lo12:boot_stack_top
	/* No caller: a zero frame pointer and return address end every backtrace. */
	mov	x29, #0
	mov	x30, #0
	mov	x0, x19
	mov	x1, x20
	bl	aarch64_entry
	/* aarch64_entry() does not return. */
	b	arch_halt

/*
 * Secondary CPUs, from PSCI CPU_ON (PSCI 1.1 5.6): the MMU off, at EL1 (or EL2),
 * x0 = the context id, here the CPU's struct percpu (a link address). The boot CPU
 * wrote aarch64_boot_tcr and aarch64_smp_ttbr1 (cleaned to memory: we read them
 * with the data cache off) before CPU_ON; the identity root of the boot tables
 * stays for this switch.
 */
	.section .boot.text, "ax"
	.globl	aarch64_secondary_entry
aarch64_secondary_entry:
	mov	x19, x0
	mrs	x0, CurrentEL
	cmp	x0, #CURRENTEL_EL2
	b.ne	1f
	bl	el2_to_el1
1:	msr	daifset, #0xf
	adrp	x0, early_vectors
	add	x0, x0, :lo12:early_vectors
	msr	vbar_el1, x0
	ldr	x0, =0xaa0444ff
	msr	mair_el1, x0
	adrp	x0, aarch64_boot_tcr
	ldr	x0, [x0, :lo12:aarch64_boot_tcr]
	msr	tcr_el1, x0
	adrp	x0, aarch64_smp_ttbr0
	ldr	x0, [x0, :lo12:aarch64_smp_ttbr0]
	msr	ttbr0_el1, x0
	adrp	x0, aarch64_smp_ttbr1
	ldr	x0, [x0, :lo12:aarch64_smp_ttbr1]
	msr	ttbr1_el1, x0
	mov	x0, #(3 << 20)
	msr	cpacr_el1, x0
	isb
	tlbi	vmalle1
	dsb	nsh
	ldr	x0, =SCTLR_MMU_ON
	msr	sctlr_el1, x0
	isb
	ldr	x0, =secondary_high
	br	x0

	.text
secondary_high:
	adrp	x0, aarch64_vectors
	add	x0, x0, :lo12:aarch64_vectors
	msr	vbar_el1, x0
	msr	tpidr_el1, x19
	msr	tpidrro_el0, xzr
	isb
	ldr	x0, [x19, #PERCPU_STACK_TOP]
	mov	sp, x0
	mov	x29, #0
	mov	x30, #0
	mov	x0, x19
	bl	aarch64_secondary_main
	b	arch_halt

	.section .boot.text, "ax"
/*
 * void aarch64_mode_switch(uint64_t tcr (x0), uint64_t ttbr0 (x1), uint64_t ttbr1 (x2)),
 * called at its physical address (the identity map of both table sets covers it):
 * the MMU off, the new translation regime in, every TLB entry of this CPU gone, the
 * MMU on again; returns to the caller's link address in the new regime. TCR_EL1.DS
 * changes the descriptor format, so no walk may happen in between (paging.c).
 * Touches no memory.
 */
	.globl	aarch64_mode_switch
aarch64_mode_switch:
	mrs	x3, sctlr_el1
	bic	x4, x3, #SCTLR_M
	msr	sctlr_el1, x4
	isb
	msr	tcr_el1, x0
	msr	ttbr0_el1, x1
	msr	ttbr1_el1, x2
	isb
	tlbi	vmalle1
	dsb	nsh
	isb
	msr	sctlr_el1, x3
	isb
	ret

/*
 * From EL2 to EL1h, returning to the caller's x30 at EL1 with DAIF masked. EL1 is
 * AArch64 (HCR_EL2.RW) with no stage 2; EL1 may use the physical counter and
 * timer (CNTHCTL_EL2.EL1PCTEN/EL1PCEN) and the virtual ones count from the same
 * origin (CNTVOFF_EL2 = 0); FP/SIMD and nothing else is trapped to EL2 (CPTR_EL2,
 * HSTR_EL2); with a GICv3 the system-register interface is open to EL1
 * (ICC_SRE_EL2.SRE and Enable). Clobbers x0, x1.
 */
el2_to_el1:
	mov	x0, #(1 << 31)		/* HCR_EL2.RW */
	msr	hcr_el2, x0
	mrs	x0, cnthctl_el2
	orr	x0, x0, #3
	msr	cnthctl_el2, x0
	msr	cntvoff_el2, xzr
	mov	x0, #0x33ff		/* CPTR_EL2: RES1 bits, TFP clear */
	msr	cptr_el2, x0
	msr	hstr_el2, xzr
	msr	vttbr_el2, xzr
	mrs	x0, id_aa64pfr0_el1
	ubfx	x0, x0, #24, #4		/* GIC: 1 = GICv3 system registers */
	cbz	x0, 1f
	mrs	x0, s3_4_c12_c9_5	/* ICC_SRE_EL2 */
	orr	x0, x0, #0x1		/* SRE */
	orr	x0, x0, #0x8		/* Enable: EL1's accesses to ICC_SRE_EL1 not trapped */
	msr	s3_4_c12_c9_5, x0
	isb
1:	ldr	x0, =SCTLR_MMU_OFF
	msr	sctlr_el1, x0
	mov	x0, #(SPSR_DAIF | SPSR_MODE_EL1H)
	msr	spsr_el2, x0
	msr	elr_el2, x30
	isb
	eret

/*
 * Invalidate the data cache by VA to PoC for [x0, x1) (D7.5.9.1 DC IVAC), with the
 * line size from CTR_EL0.DminLine. Clobbers x0, x2, x3.
 */
dcache_inval_range:
	mrs	x3, ctr_el0
	ubfx	x3, x3, #16, #4
	mov	x2, #4
	lsl	x2, x2, x3		/* bytes per line */
	sub	x3, x2, #1
	bic	x0, x0, x3
1:	dc	ivac, x0
	add	x0, x0, x2
	cmp	x0, x1
	b.lo	1b
	dsb	sy
	ret

/* Any exception before the kernel's vectors: the boot ends with a message. */
	.balign	2048
early_vectors:
	.rept	16
	adrp	x3, msg_early_trap
	add	x3, x3, :lo12:msg_early_trap
	b	fail_x3
	.balign	128
	.endr

/* Every exception resumes after the instruction that raised it (boot_fail's HLT, SMC, HVC). */
	.balign	2048
skip_vectors:
	.rept	16
	mrs	x9, elr_el1
	add	x9, x9, #4
	msr	elr_el1, x9
	eret
	.balign	128
	.endr

fail_x3:
	mov	x2, x3
/*
 * Print the NUL-terminated message at x2 and end QEMU with a failure. Runs with the
 * MMU off only. The console is QEMU virt's PL011 at its fixed address (the device
 * tree is not read yet); the verdict goes through semihosting (scripts/run enables
 * it), else PSCI SYSTEM_OFF through the conduit the entry EL implies (EL2: smc,
 * EL1: hvc), else the CPU waits for good.
 */
boot_fail:
	ldr	x1, =0x09000000
1:	ldrb	w0, [x2], #1
	cbz	w0, 3f
2:	ldr	w3, [x1, #0x18]		/* UARTFR */
	tbnz	w3, #5, 2b		/* TXFF */
	str	w0, [x1]
	b	1b
	/* An HLT that QEMU does not serve (no -semihosting) is an exception: skip it. */
3:	adrp	x0, skip_vectors
	add	x0, x0, :lo12:skip_vectors
	msr	vbar_el1, x0
	isb
	adrp	x1, semihost_fail_block
	add	x1, x1, :lo12:semihost_fail_block
	mov	x0, #SEMIHOST_SYS_EXIT
	hlt	#0xf000
	ldr	x0, =PSCI_SYSTEM_OFF
	cbz	x20, 4f
	smc	#0
4:	hvc	#0
5:	wfi
	b	5b

	.section .rodata
	.balign	8
semihost_fail_block:
	.quad	ADP_STOPPED_RUN_TIME_ERROR, 1
msg_bad_load:
	.asciz	"kestrel: boot: not loaded at the physical address the image is linked for (0x40200000)\r\n"
msg_too_high:
	.asciz	"kestrel: boot: image above 512 GiB cannot be identity mapped\r\n"
msg_early_trap:
	.asciz	"kestrel: boot: exception before the MMU was on\r\n"

	/* What the boot CPU chose, for the secondaries (read with the cache off). */
	.section .data
	.balign	64
	.globl	aarch64_boot_tcr, aarch64_smp_ttbr0, aarch64_smp_ttbr1
aarch64_boot_tcr:
	.quad	0
aarch64_smp_ttbr0:
	.quad	0
aarch64_smp_ttbr1:
	.quad	0
	.balign	64

	.section .bss
	.balign	4096
boot_tables_start:
	.globl	boot_pt_root, boot_pt_id_root
boot_pt_root:			/* TTBR1: the kernel half */
	.space	ENTRIES * 8
boot_pt_image_l1:
	.space	ENTRIES * 8
boot_pt_direct_l1:
	.space	ENTRIES * 8
boot_pt_id_root:		/* TTBR0: the identity map of the image */
	.space	ENTRIES * 8
boot_pt_id_l1:
	.space	ENTRIES * 8
boot_tables_end:

	/*
	 * The boot stack, with a guard page below it (<kern/boot.h>): the kernel's
	 * own page tables leave the guard unmapped, so an overflow faults. Until then
	 * (the boot tables map the image with 1 GiB blocks) the canary word at the
	 * bottom, written above, makes aarch64_trap() report an overflow.
	 */
	.balign	4096
	.globl	boot_stack_guard
boot_stack_guard:
	.space	4096
	.globl	boot_stack_bottom
boot_stack_bottom:
	.space	BOOT_STACK_SIZE
	.globl	boot_stack_top
boot_stack_top:
