// SPDX-License-Identifier: MIT
/* x86_64's part of a new user program (see <kern/proc.h>). */
#include <kern/elf.h>
#include <kern/proc.h>
#include <arch/cpu.h>
#include <arch/elf_machine.h>

void arch_exec_params(struct arch_exec_params *out)
{
	uint32_t a, b, c, d;

	/* Linux's ELF_HWCAP on x86: CPUID leaf 1's EDX, the feature word glibc reads. */
	cpuid(1, 0, &a, &b, &c, &d);
	*out = (struct arch_exec_params){
		.machine = ARCH_ELF_MACHINE,
		.platform = "x86_64",
		.hwcap = d,
		/*
		 * ELF_HWCAP2: HWCAP2_RING3MWAIT and HWCAP2_FSGSBASE, neither of which this
		 * kernel enables; x86_64 Linux always has the entry, so it is there, 0.
		 */
		.has_hwcap2 = true,
		.hwcap2 = 0,
	};
}
