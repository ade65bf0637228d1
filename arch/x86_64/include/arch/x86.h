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

/* An AP's descriptor tables: its own GDT and TSS, the shared IDT (cpu.c). */
void x86_cpu_init_ap(unsigned int cpu);

/* The C entry point, called from boot.S on the boot stack. */
__noreturn void x86_entry(uint32_t magic, uint32_t info_phys);

#endif
