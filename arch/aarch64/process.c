// SPDX-License-Identifier: MIT
/* aarch64's part of a new user program (see <kern/proc.h>). */
#include <arch/elf_machine.h>
#include <kern/proc.h>

/*
 * Linux 6.1's ELF_HWCAP for arm64 (arch/arm64/include/uapi/asm/hwcap.h): FP and
 * ASIMD, which every CPU QEMU virt offers has, and what ID_AA64ISAR0_EL1 says of
 * the atomics (LSE) and CRC32. AT_HWCAP2 is 0 here.
 */
#define HWCAP_FP      (1ull << 0)
#define HWCAP_ASIMD   (1ull << 1)
#define HWCAP_CRC32   (1ull << 7)
#define HWCAP_ATOMICS (1ull << 8)

void arch_exec_params(struct arch_exec_params *out)
{
	uint64_t isar0;
	uint64_t hwcap = HWCAP_FP | HWCAP_ASIMD;

	__asm__ __volatile__("mrs %0, id_aa64isar0_el1" : "=r"(isar0));
	if ((isar0 >> 16 & 0xf) >= 1)
		hwcap |= HWCAP_CRC32;
	if ((isar0 >> 20 & 0xf) >= 2)
		hwcap |= HWCAP_ATOMICS;
	*out = (struct arch_exec_params){ .machine = ARCH_ELF_MACHINE, .platform = "aarch64",
					  .hwcap = hwcap, .has_hwcap2 = true, .hwcap2 = 0 };
}
