# SPDX-License-Identifier: MIT
# How scripts/run boots a riscv64 kernel: the QEMU command line and the exit
# statuses that carry the kernel's verdict. Sourced by scripts/run (bash) once it
# knows the arch; the names it defines are described in arch/x86_64/run.sh, and
# every arch/<arch>/run.sh defines the same ones.

arch_uefi=0
arch_firmware="through OpenSBI on QEMU virt, the ELF loaded with -kernel"

# The virt test device (sifive_test) ends QEMU with 0 for pass and 1 for fail;
# QEMU's own errors are 1 too, so scripts/run also checks success against the
# kernel's last line.
arch_ok_status=0
arch_fail_status=1

arch_qemu_command() {
    qemu=(qemu-system-riscv64 -machine virt -bios default -m "$mem" -smp "$smp"
          -kernel "$elf" -append "$cmdline")
    # QEMU loads it into RAM and names it in /chosen (linux,initrd-start/-end).
    [ -z "$initrd" ] || qemu+=(-initrd "$initrd")
}
