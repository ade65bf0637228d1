# SPDX-License-Identifier: MIT
# What scripts/gdb needs to know of aarch64. Sourced by scripts/gdb (bash) once it
# knows the arch; the names it defines are described in arch/x86_64/gdb.sh, and
# every arch/<arch>/gdb.sh defines the same ones.

arch_elf_machine='*AArch64*'
