/* SPDX-License-Identifier: MIT */
/*
 * x86_64 AP start-up (see <arch/trampoline.h> and smp.c).
 *
 * [x86_tramp_start, x86_tramp_end) is never run where it is linked: the boot CPU
 * copies it to a page P below 1 MiB and sends the AP a start-up IPI with vector
 * P >> 12, so the AP starts in real mode at CS:IP = (P >> 4):0 (Intel SDM vol. 3A
 * 8.4.4.1, 10.6.1). The copy is position independent: the 16-bit code addresses
 * the page through DS = CS; the 32-bit and 64-bit code through %esi = P; the
 * absolute addresses that need P (the GDT's base, the far jumps' targets) are in
 * the parameter block, filled by the boot CPU.
 *
 *   real mode          lgdt (the block's GDT), CR0.PE = 1, far jump to 32-bit code
 *   protected mode     CR4 = the boot CPU's (PAE, PGE, LA57 ...), CR3 = the
 *                      temporary root below 4 GiB, EFER = the boot CPU's (LME,
 *                      NXE), CR0 = the boot CPU's (PG on): IA-32e mode (SDM 9.8.5)
 *   compatibility      far jump to the 64-bit code segment
 *   64-bit, in P       jump to x86_ap_start64 at the kernel's link address
 *
 * The temporary root maps P at P and shares the kernel root's kernel-half entries;
 * x86_ap_start64 moves to the kernel's own root with a 64-bit mov to CR3, finds
 * its per-CPU area by its APIC id, sets the GS base and its stack and calls
 * x86_ap_main(). Interrupts stay masked throughout; no stack is used before the
 * CPU's own, and nothing can fault before x86_ap_main() loads the IDT.
 */
#include <kern/percpu.h>
#include <arch/trampoline.h>

#define CR0_PE       (1 << 0)
#define MSR_EFER     0xc0000080
#define MSR_GS_BASE  0xc0000101

#define OFF(sym)     ((sym) - x86_tramp_start)

	.section .rodata
	.balign 16
	.globl x86_tramp_start, x86_tramp_32, x86_tramp_64, x86_tramp_params, x86_tramp_end
x86_tramp_start:
	.code16
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	xorl	%esi, %esi
	movw	%ax, %si
	shll	$4, %esi			/* %esi = P, for the flat segments below */
	lgdtl	OFF(x86_tramp_params) + TP_GDTR
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	*OFF(x86_tramp_params) + TP_FAR32

	.code32
x86_tramp_32:
	movw	$TRAMP_SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorw	%ax, %ax
	movw	%ax, %fs
	movw	%ax, %gs
	/* CR4 before paging: LA57 and PAE pick the paging mode when PG turns on. */
	movl	OFF(x86_tramp_params) + TP_CR4(%esi), %eax
	movl	%eax, %cr4
	movl	OFF(x86_tramp_params) + TP_CR3_LOW(%esi), %eax
	movl	%eax, %cr3
	/* EFER.NXE before paging: the kernel half's entries carry XD bits. */
	movl	$MSR_EFER, %ecx
	movl	OFF(x86_tramp_params) + TP_EFER(%esi), %eax
	movl	OFF(x86_tramp_params) + TP_EFER + 4(%esi), %edx
	wrmsr
	movl	OFF(x86_tramp_params) + TP_CR0(%esi), %eax
	movl	%eax, %cr0			/* PG with LME: IA-32e, compatibility mode */
	ljmpl	*OFF(x86_tramp_params) + TP_FAR64(%esi)

	.code64
x86_tramp_64:
	movl	%esi, %esi			/* upper halves are undefined after 32-bit code */
	movq	OFF(x86_tramp_params) + TP_CR3(%rsi), %rdx
	movq	OFF(x86_tramp_params) + TP_ENTRY(%rsi), %rax
	jmp	*%rax

	.balign 16
x86_tramp_params:
	.skip	TP_SIZE
x86_tramp_end:

	.text
	/* %rdx = the kernel root. Runs at the link address, on the temporary root. */
	.globl x86_ap_start64
x86_ap_start64:
	movq	%rdx, %cr3			/* the kernel's own table: the trampoline is gone */
	/* Our per-CPU area: x86_ap_percpu[initial APIC id], CPUID.1:EBX[31:24]. */
	movl	$1, %eax
	cpuid
	shrl	$24, %ebx
	movq	x86_ap_percpu(, %rbx, 8), %rdi
	testq	%rdi, %rdi
	jz	1f
	/* The GS base before any C (cpu_current() reads %gs:0). */
	movl	$MSR_GS_BASE, %ecx
	movl	%edi, %eax
	movq	%rdi, %rdx
	shrq	$32, %rdx
	wrmsr
	movq	PERCPU_STACK_TOP(%rdi), %rsp
	xorl	%ebp, %ebp			/* ends the frame-pointer chain for backtraces */
	call	x86_ap_main
	/* No area for this APIC id (a CPU we did not start): stop here. */
1:	cli
	hlt
	jmp	1b
