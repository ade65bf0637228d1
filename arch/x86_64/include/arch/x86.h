/* SPDX-License-Identifier: MIT */
/* x86_64-private boot functions shared between files of arch/x86_64/. */
#ifndef ARCH_X86_H
#define ARCH_X86_H

#include <kern/boot.h>

/* Parse the multiboot2 information into a boot_info (bootinfo.c). Panics if unusable. */
struct boot_info *x86_parse_multiboot2(uint32_t magic, uint32_t info_phys);

/* Measure the TSC and start the time source; @entry_tsc was read at kernel entry. */
void x86_time_init(uint64_t entry_tsc);

/* Does this CPU implement 5-level paging (LA57)? (paging.c) */
bool x86_cpu_has_la57(void);

/*
 * Choose the paging mode (LA57 and the mmu= command-line cap), switch to it, and
 * record it in @bi (paging.c). Needs the command line set.
 */
void x86_paging_init(struct boot_info *bi);

/*
 * The page below 1 MiB reserved for the AP start-up code (bootinfo.c, chosen from
 * the boot memory map; smp.c copies trampoline.S there), or 0 if there was none.
 */
extern uint64_t x86_trampoline_page;

/*
 * Call smp_cpu_found() for every enabled processor of the ACPI MADT (acpi.c), in
 * its order; set *@lapic_phys to the local APIC address it gives and *@found to
 * the number of enabled entries. Returns 0, -ENOENT without a MADT, or another
 * negative errno for a table refused as malformed (said in the log; then no CPU
 * has been reported).
 */
int x86_acpi_enumerate_cpus(uint64_t *lapic_phys, unsigned int *found);

/*
 * The MADT's structure, checked (acpi.c; the caller checked the signature, length
 * and checksum): the table of @len bytes at @madt (physical address @phys, for the
 * log). Calls @cpu for every enabled local APIC and x2APIC entry, in order, and
 * sets *@lapic_phys (the local APIC address, or its 64-bit override). Returns 0,
 * or -EINVAL for a table too short or with an entry that is truncated or shorter
 * than its type (said in the log; then @cpu was never called).
 */
int x86_madt_parse(const uint8_t *madt, uint32_t len, uint64_t phys, uint64_t *lapic_phys,
		   void (*cpu)(uint32_t apic_id, void *ctx), void *ctx);

/* The local APIC timer's interrupt (timer.c): re-arm it, count the tick. */
void x86_timer_interrupt(void);

/* An AP's descriptor tables: its own GDT and TSS, the shared IDT (cpu.c). */
void x86_cpu_init_ap(unsigned int cpu);

/* The C entry point, called from boot.S on the boot stack. */
__noreturn void x86_entry(uint32_t magic, uint32_t info_phys);

#endif
