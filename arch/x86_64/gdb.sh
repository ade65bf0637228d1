# SPDX-License-Identifier: MIT
# What scripts/gdb needs to know of x86_64. Sourced by scripts/gdb (bash) once it
# knows the arch; every arch/<arch>/gdb.sh defines the same names:
#
#   arch_elf_machine       a shell pattern matching the "Machine:" field llvm-readelf
#                          prints for a kernel of this arch: a build directory of
#                          another arch would give gdb the wrong instruction set
#
# kestrel-pt's page-table decoder for the arch is arch/<arch>/gdb.py, loaded by
# scripts/gdb-kestrel.py.

arch_elf_machine='*X86-64*'
