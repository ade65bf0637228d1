/* SPDX-License-Identifier: MIT */
/*
 * x86_64 entry from a multiboot2 boot loader (GRUB), BIOS or UEFI.
 *
 * Multiboot2 spec 3.3 (I386 machine state): we are entered in 32-bit protected
 * mode, paging off, interrupts off, EAX = 0x36d76289, EBX = physical address of
 * the boot information. The image runs at its load address (KERNEL_PHYS_BASE)
 * until paging is on, so every memory reference here subtracts KERNEL_VMA_OFFSET.
 *
 * We check for long mode, build boot page tables with 2 MiB pages that map the
 * first 4 GiB of physical memory twice (identity, and the boot direct map; see
 * <arch/page.h>) and the first 1 GiB, which holds the image, a third time at the
 * image's link address, enable PAE + long mode + paging, and jump to the
 * kernel's link address to call x86_entry(magic, info) on the boot stack.
 */
#include <arch/page.h>

#define PHYS(sym)	((sym) - KERNEL_VMA_OFFSET)

#define MB2_MAGIC	0xe85250d6
#define MB2_ARCH_I386	0

#define PTE_P		0x001
#define PTE_W		0x002
#define PTE_PS		0x080

#define CR0_PE		(1 << 0)
#define CR0_WP		(1 << 16)
#define CR0_PG		(1 << 31)
#define CR4_PAE		(1 << 5)
#define CR4_PGE		(1 << 7)
#define MSR_EFER	0xc0000080
#define EFER_LME	(1 << 8)
#define EFER_NXE	(1 << 11)

#define COM1		0x3f8

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long 0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* Information request (spec 3.1.4): we need these, fail the boot otherwise. */
	.balign 8
1:	.short 1, 0
	.long 2f - 1b
	.long 1		/* command line */
	.long 6		/* memory map */
2:
	/* End tag. */
	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:

	.section .boot.text, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl	$PHYS(boot_stack_top), %esp
	movl	%eax, PHYS(boot_mb_magic)
	movl	%ebx, PHYS(boot_mb_info)

	/* Zero .bss (the page tables and stacks live there). */
	movl	$PHYS(__bss_start), %edi
	movl	$PHYS(__bss_end), %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	/* Long mode? CPUID 0x80000001 EDX bit 29 (Intel SDM vol. 2A, CPUID). */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	no_long_mode
	movl	$0x80000001, %eax
	cpuid
	btl	$29, %edx
	jnc	no_long_mode
	/* Remember NX support (EDX bit 20) for EFER.NXE below. */
	xorl	%esi, %esi
	btl	$20, %edx
	jnc	1f
	movl	$EFER_NXE, %esi
1:
	/* boot_pd: 2048 2 MiB leaves covering the first 4 GiB. */
	movl	$PHYS(boot_pd), %edi
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$(PTE_P | PTE_W | PTE_PS), %eax
	movl	%eax, (%edi, %ecx, 8)
	movl	%ecx, %eax
	shrl	$11, %eax		/* bits 32+ of the address: ecx >> 11 */
	movl	%eax, 4(%edi, %ecx, 8)
	incl	%ecx
	cmpl	$2048, %ecx
	jne	1b

	/* boot_pdpt_low[0..3] -> the four page directories. */
	movl	$PHYS(boot_pdpt_low), %edi
	movl	$(PHYS(boot_pd) + PTE_P + PTE_W), %eax
	movl	%eax, 0(%edi)
	addl	$4096, %eax
	movl	%eax, 8(%edi)
	addl	$4096, %eax
	movl	%eax, 16(%edi)
	addl	$4096, %eax
	movl	%eax, 24(%edi)

	/* boot_pdpt_high[510] -> first GiB: 0xffffffff80000000 -> physical 0. */
	movl	$(PHYS(boot_pd) + PTE_P + PTE_W), %eax
	movl	%eax, PHYS(boot_pdpt_high) + 510 * 8

	/* PML4: [0] identity, [256] boot direct map, [511] kernel image. */
	movl	$(PHYS(boot_pdpt_low) + PTE_P + PTE_W), %eax
	movl	%eax, PHYS(boot_pml4)
	movl	%eax, PHYS(boot_pml4) + 256 * 8
	movl	$(PHYS(boot_pdpt_high) + PTE_P + PTE_W), %eax
	movl	%eax, PHYS(boot_pml4) + 511 * 8

	movl	%cr4, %eax
	orl	$(CR4_PAE | CR4_PGE), %eax
	movl	%eax, %cr4
	movl	$PHYS(boot_pml4), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	orl	%esi, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PE | CR0_PG | CR0_WP), %eax
	movl	%eax, %cr0

	lgdt	PHYS(boot_gdt_ptr)
	ljmp	$0x08, $PHYS(long_mode_low)

/* No long mode: say so on COM1 (already set up by the firmware, or not) and stop. */
no_long_mode:
	movl	$PHYS(no_lm_msg), %esi
1:	lodsb
	testb	%al, %al
	jz	2f
	movw	$COM1, %dx
	outb	%al, %dx
	jmp	1b
2:	hlt
	jmp	2b

	.code64
long_mode_low:
	/* Still running at the physical address: jump to the link address. */
	movabsq	$long_mode_high, %rax
	jmp	*%rax

	.text
long_mode_high:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorw	%ax, %ax
	movw	%ax, %fs
	movw	%ax, %gs
	movabsq	$boot_stack_top, %rsp
	xorl	%ebp, %ebp		/* ends the frame-pointer chain for backtraces */
	movl	boot_mb_magic(%rip), %edi
	movl	boot_mb_info(%rip), %esi
	call	x86_entry
1:	cli
	hlt
	jmp	1b

	.section .rodata
no_lm_msg:
	.asciz	"kestrel: this CPU has no 64-bit long mode; cannot boot\r\n"

	/* A minimal GDT for the switch; x86_entry loads the real one (with a TSS). */
	.balign 16
boot_gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code, DPL 0 */
	.quad	0x00cf92000000ffff	/* 0x10: data, DPL 0 */
boot_gdt_end:
boot_gdt_ptr:
	.short	boot_gdt_end - boot_gdt - 1
	.long	PHYS(boot_gdt)

	.data
	.balign 4
	.globl boot_mb_magic, boot_mb_info
boot_mb_magic:	.long 0
boot_mb_info:	.long 0

	.bss
	.balign 4096
	.globl boot_pml4, boot_pdpt_low
boot_pml4:	.skip 4096
boot_pdpt_low:	.skip 4096
boot_pdpt_high:	.skip 4096
boot_pd:	.skip 4 * 4096
	/*
	 * The boot CPU's stack, with a guard page below it (<kern/boot.h>) that the
	 * kernel's own page tables leave unmapped.
	 */
	.balign 4096
	.globl boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:
	.skip 4096
boot_stack_bottom:
	.skip 16384
boot_stack_top:
