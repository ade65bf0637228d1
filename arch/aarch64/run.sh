# SPDX-License-Identifier: MIT
# How scripts/run boots an aarch64 kernel: the QEMU command line and the exit
# statuses that carry the kernel's verdict. Sourced by scripts/run (bash) once it
# knows the arch; the names it defines are described in arch/x86_64/run.sh, and
# every arch/<arch>/run.sh defines the same ones.

arch_uefi=0
arch_firmware="as an arm64 Image through QEMU virt's -kernel, PSCI from QEMU"

# Semihosting's SYS_EXIT ends QEMU with the kernel's status: 0 for pass, 1 for
# fail; QEMU's own errors are 1 too, so scripts/run also checks success against
# the kernel's last line.
arch_ok_status=0
arch_fail_status=1

arch_qemu_command() {
    # The flat Image, made from the ELF when it is older: QEMU passes the device
    # tree (x0) only to an Image, not to an ELF.
    local image=$build_dir/run/Image
    mkdir -p "$build_dir/run" || return 1
    if [ ! -f "$image" ] || [ "$elf" -nt "$image" ]; then
        llvm-objcopy -O binary "$elf" "$image.tmp" && mv "$image.tmp" "$image" || return 1
    fi
    # The machine and CPU unless the extra arguments name their own (the matrix
    # rows pass -machine virt,gic-version=3 or virtualization=on, and -cpu max).
    local machine=virt cpu=cortex-a72 a
    for a in "${extra[@]}"; do
        case $a in -machine|-M) machine= ;; -cpu) cpu= ;; esac
    done
    qemu=(qemu-system-aarch64 -m "$mem" -smp "$smp" -kernel "$image" -append "$cmdline"
          -semihosting-config enable=on,target=native)
    [ -z "$machine" ] || qemu+=(-machine "$machine")
    [ -z "$cpu" ] || qemu+=(-cpu "$cpu")
    # QEMU loads it into RAM and names it in /chosen (linux,initrd-start/-end).
    [ -z "$initrd" ] || qemu+=(-initrd "$initrd")
}
