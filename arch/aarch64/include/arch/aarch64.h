/* SPDX-License-Identifier: MIT */
/* aarch64-private functions shared between files of arch/aarch64/. */
#ifndef ARCH_AARCH64_H
#define ARCH_AARCH64_H

#include <kern/boot.h>

struct fdt;
struct percpu;

/* The C entry point, called from boot.S on the boot stack with the MMU on. */
__noreturn void aarch64_entry(uint64_t dtb_phys, unsigned long entered_at_el2);

/*
 * Check the device tree at physical address @dtb_phys and return a reader for it
 * (bootinfo.c). Panics if there is none or it is malformed: without it there is
 * no memory map.
 */
const struct fdt *aarch64_open_devicetree(uint64_t dtb_phys);

/* The device tree as a boot_info (bootinfo.c): command line, memory map. */
struct boot_info *aarch64_parse_devicetree(const struct fdt *fdt, uint64_t dtb_phys);

/*
 * Choose the paging mode (52-bit where the CPU has FEAT_LPA2, capped by mmu=),
 * switch to it, and record it in @bi (paging.c). Needs the command line set.
 */
void aarch64_paging_init(struct boot_info *bi);

/* What boot.S chose, for the secondaries (paging.c may change them). */
extern uint64_t aarch64_boot_tcr, aarch64_smp_ttbr0, aarch64_smp_ttbr1;
/* The boot tables' roots (boot.S): TTBR1's kernel half and TTBR0's identity map. */
extern uint64_t boot_pt_root[512], boot_pt_id_root[512];

/* The PL011 console (console.c): from the device tree, then through ioremap(). */
void aarch64_console_init(const struct fdt *fdt);
void aarch64_console_rebase(void);
void aarch64_console_ioremap(void);

/* PSCI (psci.c), from the device tree's /psci node: "hvc" or "smc". */
void psci_init(const struct fdt *fdt);
bool psci_present(void);
/* CPU_ON: 0 or a PSCI error (negative). */
long psci_cpu_on(uint64_t mpidr, uint64_t entry_phys, uint64_t context);
/* "PSCI 1.1 (hvc)": the version and conduit, for the boot banner. */
const char *psci_describe(void);
/* SYSTEM_OFF; returns only if it failed. */
void psci_system_off(void);
/* Power off through semihosting with @status, where QEMU serves it (cpu.c). */
void semihosting_exit(int status);

/* The GIC (gic.c): v2 or v3 from the device tree. */
void gic_init(const struct fdt *fdt);
void gic_init_cpu(void);
/*
 * The next pending interrupt's id (acknowledged), or 1020..1023 for none; @raw is
 * what gic_eoi() must be given back when the handler is done.
 */
unsigned int gic_ack(unsigned int *raw);
void gic_eoi(unsigned int raw);
void gic_enable_ppi(unsigned int intid);
/* Raise SGI @sgi on CPU @cpu (dense index). */
void gic_send_sgi(unsigned int cpu, unsigned int sgi);
const char *gic_name(void);

/* SGIs: the cross-CPU call. */
#define SGI_CALL 0

/* The timer's interrupt (trap.c calls it; timer.c), and its interrupt id. */
void aarch64_timer_interrupt(void);
unsigned int aarch64_timer_intid(void);

/* The cross-CPU-call interrupt (trap.c calls it; smp.c). */
void aarch64_ipi_interrupt(void);
/* SMP (smp.c). Set CPU @cpu's per-CPU trap scratch (its overflow stack). */
void aarch64_percpu_init(unsigned int cpu);
__noreturn void aarch64_secondary_main(struct percpu *self);

/* Per-CPU set-up every CPU runs before it takes an exception (cpu.c): PAN. */
void aarch64_cpu_init(void);

/* How the CPU entered the kernel (boot.S): true at EL2 (virtualization=on). */
extern bool aarch64_entered_at_el2;
#endif
