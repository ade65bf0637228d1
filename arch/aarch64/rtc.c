// SPDX-License-Identifier: MIT
/*
 * aarch64's real-time clock for <kern/time.h>: the PL031 that QEMU's virt machine
 * puts in its device tree ("arm,pl031"; ARM DDI 0224, PrimeCell RTC TRM 3.3.1):
 * RTCDR counts seconds since the epoch (UTC). Mapped for the one read
 * time_realtime_base() makes, then unmapped.
 */
#include <kern/boot.h>
#include <kern/errno.h>
#include <kern/fdt.h>
#include <kern/time.h>
#include <arch/aarch64.h>
#include <arch/cpu.h>
#include <mm/mmio.h>
#include <mm/types.h>

#define PL031_DR 0x000

int arch_rtc_read(uint64_t *ns)
{
	const struct fdt *fdt = aarch64_open_devicetree(boot_info->devicetree);
	uint64_t base, size;
	int node = -1;

	do
		node = fdt_find_compatible(fdt, node, "arm,pl031");
	while (node >= 0 && !fdt_node_is_enabled(fdt, node));
	if (node < 0 || fdt_reg(fdt, node, 0, &base, &size) != 0 || size < 4)
		return -ENODEV;
	volatile uint8_t *regs = ioremap(paddr(base), 4, MMU_CACHE_UC);
	if (!regs)
		return -ENODEV;
	uint64_t s = ioread32(regs + PL031_DR);
	iounmap((void *)(uintptr_t)regs);
	*ns = s * 1000000000ull;
	return s ? 0 : -ENODEV;
}
