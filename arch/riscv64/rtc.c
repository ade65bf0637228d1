// SPDX-License-Identifier: MIT
/*
 * riscv64's real-time clock for <kern/time.h>: the Goldfish RTC that QEMU's virt
 * machine puts in its device tree ("google,goldfish-rtc"; Android emulator's
 * goldfish device spec, Linux's drivers/rtc/rtc-goldfish.c). It counts nanoseconds
 * since the epoch (UTC) in a 64-bit register read as two 32-bit halves. Mapped
 * for the one read time_realtime_base() makes, then unmapped.
 */
#include <kern/boot.h>
#include <kern/errno.h>
#include <kern/fdt.h>
#include <kern/time.h>
#include <arch/cpu.h>
#include <arch/riscv.h>
#include <mm/mmio.h>
#include <mm/types.h>

/* Reading TIME_LOW latches the upper half into TIME_HIGH (the spec's required order). */
#define GOLDFISH_TIME_LOW  0x00
#define GOLDFISH_TIME_HIGH 0x04

int arch_rtc_read(uint64_t *ns)
{
	const struct fdt *fdt = riscv_open_devicetree(boot_info->devicetree);
	uint64_t base, size;
	int node = -1;

	do
		node = fdt_find_compatible(fdt, node, "google,goldfish-rtc");
	while (node >= 0 && !fdt_node_is_enabled(fdt, node));
	if (node < 0 || fdt_reg(fdt, node, 0, &base, &size) != 0 || size < 8)
		return -ENODEV;
	volatile uint8_t *regs = ioremap(paddr(base), 8, MMU_CACHE_UC);
	if (!regs)
		return -ENODEV;
	uint64_t lo = ioread32(regs + GOLDFISH_TIME_LOW);
	uint64_t hi = ioread32(regs + GOLDFISH_TIME_HIGH);
	iounmap((void *)(uintptr_t)regs);
	*ns = hi << 32 | lo;
	return *ns ? 0 : -ENODEV;
}
