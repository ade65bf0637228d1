/* SPDX-License-Identifier: MIT */
/*
 * riscv64 entry from OpenSBI (fw_dynamic, or any SBI firmware that follows the
 * Linux boot protocol): S-mode, satp = 0 (MMU off), a0 = hart id, a1 = physical
 * address of the flattened device tree. The boot hart gets here; the others stay
 * in the SBI HSM STOPPED state until hart_start (SBI spec v1.0, chapter 9), and
 * the boot hart need not be hart 0. Any other hart that gets here (see _start)
 * goes on as a secondary hart, or parks.
 *
 * The image runs at its load address (KERNEL_PHYS_BASE) until paging is on. It is
 * compiled -mcmodel=medany, so every address here is formed PC-relative (lla,
 * auipc) and yields the physical address; nothing may use an absolute address
 * until the jump to the link address.
 *
 * We zero .bss, build an Sv39 root table in .bss with three kinds of 1 GiB leaves
 * (see <arch/page.h>): identity for the gigapage(s) holding the image (the
 * instructions around the satp write run at physical addresses), the image at its
 * link address, and the boot direct map of the first BOOT_DIRECT_MAP_SIZE bytes;
 * turn paging on, jump to the link address, drop the identity leaves and call
 * riscv_entry(hart id, device tree) on the boot stack. Sv39 is what every hart with
 * an MMU implements; Sv48/Sv57 are chosen later, in C.
 */
#include <kern/percpu.h>
#include <arch/cpu.h>
#include <arch/page.h>
#include <arch/sbi.h>
#include <arch/trap.h>

/*
 * Sv39 page-table entry bits (privileged spec 1.12, 4.4.1 and 4.3.1): a leaf has
 * R or X set; PPN starts at bit 10. A and D are set up front: hardware may either
 * set them itself or raise a page fault when they are clear (4.3.1, "Svadu"), and
 * no fault handler exists yet. G marks mappings present in every address space.
 */
#define PTE_V		(1 << 0)
#define PTE_R		(1 << 1)
#define PTE_W		(1 << 2)
#define PTE_X		(1 << 3)
#define PTE_G		(1 << 5)
#define PTE_A		(1 << 6)
#define PTE_D		(1 << 7)

#define GIGA_SHIFT	30		/* a level-2 (root) leaf maps 1 GiB */
#define PTE_GIGA_SHIFT	(GIGA_SHIFT - 12 + 10)	/* gigapage number -> PTE PPN field */
#define SV39_ENTRIES	512

/* Root-table indices (VPN[2], address bits 38..30). */
#define VPN2(va)	(((va) >> GIGA_SHIFT) & (SV39_ENTRIES - 1))
#define DIRECT_FIRST	VPN2(BOOT_DIRECT_MAP_BASE)
#define DIRECT_COUNT	(BOOT_DIRECT_MAP_SIZE >> GIGA_SHIFT)
/* Root index of an image gigapage minus its physical gigapage number. */
#define KERNEL_GIGA_DELTA (VPN2(KERNEL_VIRT_BASE) - (KERNEL_PHYS_BASE >> GIGA_SHIFT))

#define IDENTITY_FLAGS	(PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define KERNEL_FLAGS	(PTE_V | PTE_R | PTE_W | PTE_X | PTE_G | PTE_A | PTE_D)
#define DIRECT_FLAGS	(PTE_V | PTE_R | PTE_W | PTE_G | PTE_A | PTE_D)

#define BOOT_STACK_SIZE	16384

	.section .boot.text, "ax"
	.globl	_start
_start:
	/*
	 * The first hart here boots; any later one must not (it would zero .bss and
	 * rebuild the page tables under the running kernel: the boot banner twice,
	 * then a hang). OpenSBI 1.1 sends harts here: its hart_start (lib/sbi/sbi_hsm.c)
	 * sets the target's state to START_PENDING *before* it stores the start address
	 * and opaque, and the target polls that state in a loop whose WFI does not wait
	 * (an IPI of the cold boot is left pending: mip.MSIP set, measured). A target
	 * that sees the state in between leaves with its cold-boot values, our entry
	 * and the device tree (docs/smp.md has the measurements). Later OpenSBI
	 * versions store first; the one QEMU 7.2 ships is 1.1.
	 */
	lla	t0, boot_lottery
	li	t1, 1
	amoswap.w.aq t1, t1, (t0)
	bnez	t1, late_entry

	/* Interrupts off and the FPU off (the kernel has no FP state to save). */
	csrw	sie, zero
	li	t0, SSTATUS_SIE | SSTATUS_FS
	csrc	sstatus, t0
	csrw	sscratch, zero
	/* Until the kernel's handler is reachable (it needs paging), a trap ends the boot. */
	lla	t0, early_trap
	csrw	stvec, t0

	mv	s1, a0			/* hart id */
	mv	s2, a1			/* device tree, physical */

	/* The image is linked for KERNEL_PHYS_BASE and maps itself with that offset. */
	lla	t0, _start
	li	t1, KERNEL_PHYS_BASE
	lla	a0, msg_bad_load
	bne	t0, t1, boot_fail

	/* Zero .bss (page aligned at both ends): the page table and stack live there. */
	lla	t0, __bss_start
	lla	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
	/* A canary at the far end of the boot stack, checked by the trap handler. */
	lla	t0, boot_stack_bottom
	li	t1, BOOT_STACK_CANARY
	sd	t1, 0(t0)

	lla	s3, boot_pt_root

	/* Gigapages [t0, t1] hold the image, physically. */
	lla	t0, __kernel_start
	srli	t0, t0, GIGA_SHIFT
	lla	t1, __kernel_end
	addi	t1, t1, -1
	srli	t1, t1, GIGA_SHIFT
	/* An identity address must be a valid Sv39 lower-half address: below 2^38. */
	li	t2, SV39_ENTRIES / 2
	lla	a0, msg_too_high
	bgeu	t1, t2, boot_fail

	/* Identity: root[g] = gigapage g, for the image's gigapages. */
	mv	t2, t0
	li	t4, IDENTITY_FLAGS
3:	slli	t3, t2, PTE_GIGA_SHIFT
	or	t3, t3, t4
	slli	t5, t2, 3
	add	t5, t5, s3
	sd	t3, 0(t5)
	addi	t2, t2, 1
	bleu	t2, t1, 3b

	/* Image: root[g + KERNEL_GIGA_DELTA] = gigapage g (VPN2 510 -> 0x80000000). */
	mv	t2, t0
	li	t4, KERNEL_FLAGS
4:	slli	t3, t2, PTE_GIGA_SHIFT
	or	t3, t3, t4
	addi	t5, t2, KERNEL_GIGA_DELTA
	slli	t5, t5, 3
	add	t5, t5, s3
	sd	t3, 0(t5)
	addi	t2, t2, 1
	bleu	t2, t1, 4b

	/* Boot direct map: root[DIRECT_FIRST + g] = gigapage g, g < DIRECT_COUNT. */
	li	t2, 0
	li	t1, DIRECT_COUNT
	li	t4, DIRECT_FLAGS
	li	t6, DIRECT_FIRST * 8
	add	t6, t6, s3
5:	slli	t3, t2, PTE_GIGA_SHIFT
	or	t3, t3, t4
	slli	t5, t2, 3
	add	t5, t5, t6
	sd	t3, 0(t5)
	addi	t2, t2, 1
	bltu	t2, t1, 5b

	/*
	 * Paging on. Writing satp neither orders earlier page-table stores nor flushes
	 * the TLB (privileged spec 4.1.11), hence an SFENCE.VMA on both sides. The
	 * next fetch is translated: the identity leaf keeps this code reachable.
	 */
	srli	t0, s3, 12
	li	t1, SATP_MODE_SV39
	or	t0, t0, t1
	sfence.vma
	csrw	satp, t0
	sfence.vma

	/* lla would give the physical address: take the link-time one from memory. */
	ld	t0, high_addr
	jr	t0

	.text
high:
	/*
	 * At the link address. The identity leaves were only for the switch: clear
	 * the whole lower (user) half of the root table so that it stays empty.
	 * Secondary harts enter with the MMU off too; their start-up code will map
	 * what it needs itself.
	 */
	lla	t0, boot_pt_root
	li	t1, SV39_ENTRIES / 2 * 8
	add	t1, t1, t0
1:	sd	zero, 0(t0)
	addi	t0, t0, 8
	bltu	t0, t1, 1b
	sfence.vma

	lla	t0, trap_entry
	csrw	stvec, t0

	lla	sp, boot_stack_top
	/* No caller: a zero frame pointer and return address end every backtrace. */
	li	s0, 0
	li	ra, 0
	li	gp, 0
	/* tp points at this hart's per-CPU area (<kern/percpu.h>): the boot hart's is 0. */
	lla	tp, percpu_areas
	mv	a0, s1
	mv	a1, s2
	call	riscv_entry
	/* riscv_entry() does not return. */
	tail	arch_halt

/*
 * Secondary harts, from SBI HSM hart_start (SBI spec 9.1): S-mode, MMU off, a0 =
 * hart id, a1 = the opaque value, here the hart's struct percpu (a link address).
 * Running at the physical address, PC-relative only: load the kernel page table's
 * satp (riscv_smp_satp, written by the boot hart before hart_start) with stvec
 * at the link address of secondary_high. The kernel table does not map this
 * physical code, so the fetch right after the satp write faults, and the trap
 * lands there, at the link address (the trap's cause and sepc are ignored).
 * a0-a2 reach riscv_secondary_main() untouched; a2 says how the hart came in.
 */
	.globl	riscv_secondary_entry
	.balign	4
riscv_secondary_entry:
	li	a2, 0			/* at the address hart_start was given */
secondary_entry_common:
	csrw	sie, zero
	/*
	 * Acquire: the firmware let us go after it read our START_PENDING state, and
	 * the boot hart fenced its stores (riscv_smp_satp, our per-CPU area) before
	 * hart_start (arch_cpu_start()); the SBI spec promises no ordering itself.
	 */
	fence	rw, rw
	li	t0, SSTATUS_SIE | SSTATUS_FS | SSTATUS_SUM
	csrc	sstatus, t0
	csrw	sscratch, zero
	mv	tp, a1
	ld	t0, secondary_high_addr
	csrw	stvec, t0
	ld	t1, riscv_smp_satp
	sfence.vma
	csrw	satp, t1
	sfence.vma
	/* Not reached: the fetch above faults to secondary_high. */
	j	.

	.balign	8
secondary_high_addr:
	.quad	secondary_high

	.text
	.balign	4
secondary_high:
	/* The fetch fault above also set sstatus.SPP and SPIE: irrelevant, never returned from. */
	sfence.vma
	lla	t0, trap_entry
	csrw	stvec, t0
	ld	sp, PERCPU_STACK_TOP(tp)
	li	s0, 0
	li	ra, 0
	li	gp, 0
	call	riscv_secondary_main
	tail	arch_halt

	.section .boot.text, "ax"
/*
 * A hart that lost _start's lottery: MMU off, a0 = its hart id, a1 whatever the
 * firmware had. If it is the hart the boot hart is starting (arch_cpu_start()
 * names it, and its struct percpu, before hart_start), it goes on as
 * hart_start meant it to, at riscv_secondary_entry with a1 = its per-CPU area
 * (and a2 = 1: riscv_secondary_main() reports the detour).
 * Any other (a firmware that starts every hart here, or a hart the boot hart
 * gave up on) parks with interrupts off: the boot hart reports it missing.
 */
late_entry:
	csrw	sie, zero
	li	t0, SSTATUS_SIE
	csrc	sstatus, t0
	/* Acquire, as in riscv_secondary_entry: the firmware read START_PENDING first. */
	fence	rw, rw
	ld	t1, riscv_smp_start_hart
	bne	a0, t1, 1f
	ld	a1, riscv_smp_start_percpu
	li	a2, 1			/* at the kernel's entry */
	j	secondary_entry_common
1:	wfi
	j	1b

	/* stvec needs 4-byte alignment (direct mode, privileged spec 4.1.2). */
	.balign	4
early_trap:
	lla	a0, msg_early_trap
	/* fall through */

/*
 * Print the NUL-terminated message at a0 on the firmware console and power off.
 * Runs with or without paging (PC-relative only, identity mapped).
 */
boot_fail:
	mv	s4, a0
1:	lbu	a0, 0(s4)
	beqz	a0, 2f
	li	a7, SBI_EXT_LEGACY_CONSOLE_PUTCHAR
	ecall
	addi	s4, s4, 1
	j	1b
2:	li	a7, SBI_EXT_SRST
	li	a6, SBI_SRST_RESET
	li	a0, SBI_SRST_TYPE_SHUTDOWN
	li	a1, SBI_SRST_REASON_FAILURE
	ecall
3:	wfi
	j	3b

	.section .rodata
	.balign	8
high_addr:
	.quad	high
msg_bad_load:
	.asciz	"kestrel: boot: not loaded at the physical address the image is linked for (0x80200000)\r\n"
msg_too_high:
	.asciz	"kestrel: boot: image above 256 GiB cannot be identity mapped under Sv39\r\n"
msg_early_trap:
	.asciz	"kestrel: boot: trap before paging was on\r\n"

	/*
	 * _start's lottery: 0 until the boot hart takes it. In .data, so the load
	 * gives it its value: .bss is not zero yet when harts draw. A reset that does
	 * not reload the image would find it taken; every reset here reloads it
	 * (QEMU's -kernel does, and the kernel only powers off).
	 */
	.section .data
	.balign	4
boot_lottery:
	.word	0

	.section .bss
	.balign	4096
	.globl	boot_pt_root
boot_pt_root:
	.space	SV39_ENTRIES * 8

	/*
	 * The boot stack, with a guard page below it (<kern/boot.h>): the kernel's
	 * own page tables leave the guard unmapped, so an overflow faults. Until then
	 * (the boot tables map the image with 1 GiB leaves) the canary word at the
	 * bottom, written above, makes riscv_trap() report an overflow.
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
