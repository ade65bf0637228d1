/* SPDX-License-Identifier: MIT */
/* riscv64-private boot functions shared between files of arch/riscv64/. */
#ifndef ARCH_RISCV_H
#define ARCH_RISCV_H

#include <kern/boot.h>

struct fdt;

/* The C entry point, called from boot.S on the boot stack with paging on. */
__noreturn void riscv_entry(unsigned long hartid, uint64_t dtb_phys);

/*
 * Check the device tree at physical address @dtb_phys and return a reader for it
 * (bootinfo.c). Panics if there is none or it is malformed: without it there is
 * no memory map.
 */
const struct fdt *riscv_open_devicetree(uint64_t dtb_phys);

/*
 * Turn the device tree into a boot_info (bootinfo.c): command line, memory map
 * with every reserved range, the power-off device. Panics if unusable.
 */
struct boot_info *riscv_parse_devicetree(const struct fdt *fdt, uint64_t dtb_phys);

/*
 * Choose the paging mode (what the hart accepts and the mmu= command-line cap),
 * switch to it, and record it in @bi (paging.c). Needs the command line set.
 */
void riscv_paging_init(struct boot_info *bi);

/*
 * Power off through the "sifive,test0" device whose registers are at physical
 * @phys (cpu.c); without one arch_shutdown() falls back to SBI SRST.
 */
void riscv_set_test_device(uint64_t phys);

/*
 * Does every hart of the device tree have the multi-letter extension @ext (lower
 * case, e.g. "svpbmt")? Either binding: riscv,isa-extensions or riscv,isa.
 */
bool riscv_harts_have(const struct fdt *fdt, const char *ext);

/* The timer interrupt (trap.c calls it; timer.c). */
void riscv_timer_interrupt(void);

/* SMP (smp.c). Set CPU @cpu's per-CPU trap scratch (its overflow stack). */
void riscv_percpu_init(unsigned int cpu);
/*
 * riscv.ap_entry=start, a test knob: arch_cpu_start() sends every hart to the
 * kernel's entry (_start) with the device tree as opaque, as OpenSBI 1.1 now and
 * then does (boot.S), so that the boot matrix runs that path on every check.
 */
bool riscv_ap_entry_is_start(void);
/* Harts that came in at _start and were sent on as secondaries (boot.S). */
extern unsigned int riscv_smp_entry_detours;
struct percpu;
/*
 * riscv_secondary_entry's C half (boot.S): tp, sp and stvec set, interrupts
 * masked; @via_kernel_entry when the hart came in at _start.
 */
__noreturn void riscv_secondary_main(unsigned long hartid, struct percpu *self,
				     unsigned long via_kernel_entry);
/* The cross-CPU-call interrupt (trap.c calls it). */
void riscv_ipi_interrupt(void);
struct cpuset;
unsigned long riscv_hart_mask(struct cpuset *left, unsigned long *base);

#endif
