/* SPDX-License-Identifier: MIT */
/*
 * aarch64's ELF e_machine (gABI: EM_AARCH64): what elf_check() accepts for a user
 * program (arch_exec_params()), and the machine the loader's host tests build
 * images for (tests/unit/kernel/elf_test.c, built once per arch format).
 */
#ifndef ARCH_ELF_MACHINE_H
#define ARCH_ELF_MACHINE_H

#define ARCH_ELF_MACHINE 183

#endif
