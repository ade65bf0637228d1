// SPDX-License-Identifier: MIT
/* riscv64's part of a new user program (see <kern/proc.h>). */
#include <arch/elf_machine.h>
#include <kern/boot.h>
#include <kern/elf.h>
#include <kern/fdt.h>
#include <kern/proc.h>
#include <kern/string.h>
#include <arch/riscv.h>

/*
 * Linux 6.1's ELF_HWCAP (arch/riscv/kernel/cpufeature.c): one bit per base ISA
 * letter among i, m, a, f, d, c (bit 'x' - 'a'), those every hart's "riscv,isa"
 * string names before its first '_' (the single-letter part after "rv64"). 6.1
 * knows no other letters (v came in 6.5); it drops f and d unless both are there.
 */
static uint64_t isa_hwcap(void)
{
	const struct fdt *fdt = riscv_open_devicetree(boot_info->devicetree);
	int cpus = fdt_path_offset(fdt, "/cpus"), cpu;
	uint64_t all = ~0ull;
	bool any = false;

	if (cpus < 0)
		return 0;
	for (cpu = fdt_first_child(fdt, cpus); cpu >= 0; cpu = fdt_next_sibling(fdt, cpu)) {
		const char *type = fdt_prop_string(fdt, cpu, "device_type");
		const char *isa = fdt_prop_string(fdt, cpu, "riscv,isa");
		uint64_t mine = 0;
		if (!type || strcmp(type, "cpu") != 0 || !isa || strncmp(isa, "rv64", 4) != 0)
			continue;
		for (const char *p = isa + 4; *p && *p != '_'; p++)
			if (strchr("imafdc", *p))
				mine |= 1ull << (*p - 'a');
		all &= mine;
		any = true;
	}
	if (!any)
		return 0;
	uint64_t fd = 1ull << ('f' - 'a') | 1ull << ('d' - 'a');
	if ((all & fd) != fd)
		all &= ~fd;
	return all;
}

void arch_exec_params(struct arch_exec_params *out)
{
	static uint64_t hwcap;
	static bool known;

	if (!__atomic_load_n(&known, __ATOMIC_ACQUIRE)) {
		hwcap = isa_hwcap();
		__atomic_store_n(&known, true, __ATOMIC_RELEASE);
	}
	/* riscv64 Linux has no AT_PLATFORM and no AT_HWCAP2. */
	*out = (struct arch_exec_params){ .machine = ARCH_ELF_MACHINE, .hwcap = hwcap };
}
