# SPDX-License-Identifier: MIT
# How scripts/run boots an x86_64 kernel: the QEMU command line and the exit
# statuses that carry the kernel's verdict. Sourced by scripts/run (bash) once it
# knows the arch; every arch/<arch>/run.sh defines the same names:
#
#   arch_uefi              1 if --uefi is meaningful here, else 0
#   arch_firmware          how the kernel boots, in a few words ("it boots ...")
#   arch_qemu_command      function: fills the array qemu=(...) from $elf, $build_dir,
#                          $cmdline, $mem, $smp, $uefi and $initrd (an absolute path,
#                          or empty); prints why and returns 1 if it cannot
#                          (scripts/run then exits 1)
#   arch_ok_status         QEMU's exit status when the kernel powered off with success
#   arch_fail_status       QEMU's exit status when the kernel reported failure
#
# scripts/run adds the options every arch shares (-display none, the serial console
# on stdio, -no-reboot, the extra arguments after --).

arch_uefi=1
arch_firmware="from a GRUB multiboot2 ISO under SeaBIOS, or OVMF with --uefi"

# isa-debug-exit ends QEMU with (value << 1) | 1: the kernel writes 0x10 for success
# and 0x11 for failure. QEMU's own errors exit 1, which is neither.
arch_ok_status=33
arch_fail_status=35

arch_qemu_command() {
    # A GRUB ISO per command line and initrd (grub.cfg carries the command line, the
    # initrd is a module in it), rebuilt when the kernel or the initrd changes.
    local key iso ovmf
    key=$(printf '%s\n%s' "$cmdline" "$initrd" | cksum | cut -d' ' -f1)
    iso=$build_dir/run/cmdline-$key.iso
    mkdir -p "$build_dir/run" || return 1
    if [ ! -f "$iso" ] || [ "$elf" -nt "$iso" ] || { [ -n "$initrd" ] && [ "$initrd" -nt "$iso" ]; }; then
        "$root/arch/x86_64/mkiso" "$elf" "$iso" "$cmdline" "$initrd" || return 1
    fi
    qemu=(qemu-system-x86_64 -m "$mem" -smp "$smp" -cdrom "$iso" -boot d
          -device isa-debug-exit,iobase=0xf4,iosize=0x04 -net none)
    if [ "$uefi" -eq 1 ]; then
        ovmf=/usr/share/ovmf/OVMF.fd
        [ -f "$ovmf" ] || { echo "run: $ovmf missing: run scripts/setup-deps (package ovmf)" >&2; return 1; }
        qemu+=(-bios "$ovmf")
    fi
}
