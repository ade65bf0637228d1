// SPDX-License-Identifier: MIT
/*
 * aarch64 console: the PL011 UART the device tree names (/chosen/stdout-path,
 * else the first enabled "arm,pl011"), polled, through the boot direct map and
 * then through ioremap() (Device-nGnRE). QEMU's PL011 needs no set-up beyond its
 * reset state (enabled, 8N1); interrupts are masked. Before the device tree is
 * read, output is dropped (only a boot failure speaks earlier, from boot.S).
 * Polled output works with interrupts off and inside panic().
 */
#include <kern/arch.h>
#include <kern/fdt.h>
#include <kern/string.h>
#include <mm/mmio.h>
#include <mm/types.h>
#include <arch/aarch64.h>
#include <arch/cpu.h>
#include <arch/page.h>

/* PL011 registers (ARM DDI 0183, PrimeCell UART TRM, 3.2) and bits. */
#define UART_DR   0x000
#define UART_FR   0x018
#define UART_IMSC 0x038
#define FR_TXFF   (1u << 5)

static struct {
	volatile uint8_t *base;   /* NULL: no console yet */
	uint64_t phys;
} uart;

static bool is_uart(const struct fdt *fdt, int node)
{
	return fdt_node_is_enabled(fdt, node) && fdt_node_is_compatible(fdt, node, "arm,pl011");
}

static int find_uart(const struct fdt *fdt)
{
	int chosen = fdt_path_offset(fdt, "/chosen");

	if (chosen >= 0) {
		const char *path = fdt_prop_string(fdt, chosen, "stdout-path");
		if (path) {
			/* "path:options" (e.g. "/pl011@9000000:115200"): the options are not a path. */
			const char *colon = strchr(path, ':');
			size_t len = colon ? (size_t)(colon - path) : strlen(path);
			int node = fdt_path_offset_len(fdt, path, len);
			if (node >= 0 && is_uart(fdt, node))
				return node;
		}
	}
	int node = -1;
	while ((node = fdt_find_compatible(fdt, node, "arm,pl011")) >= 0)
		if (fdt_node_is_enabled(fdt, node))
			return node;
	return -1;
}

void aarch64_console_init(const struct fdt *fdt)
{
	uint64_t base, size;
	int node = find_uart(fdt);

	/* The registers must lie in the boot direct map's first GiB, its Device memory. */
	if (node < 0 || fdt_reg(fdt, node, 0, &base, &size) != 0 || base >= (1ull << 30) - 0x1000)
		return;
	uart.phys = base;
	uart.base = phys_to_virt(paddr(base));
	iowrite32(uart.base + UART_IMSC, 0);   /* polled: no interrupts */
}

void aarch64_console_rebase(void)
{
	if (uart.base)
		uart.base = phys_to_virt(paddr(uart.phys));
}

void aarch64_console_ioremap(void)
{
	if (!uart.base)
		return;
	/* The boot direct map that reached the UART is gone: silent until it is mapped again. */
	WRITE_ONCE(uart.base, NULL);
	uart.base = ioremap(paddr(uart.phys), 0x1000, MMU_CACHE_UC);
}

void arch_console_putc(char c)
{
	volatile uint8_t *b = uart.base;

	if (!b)
		return;
	/* Bounded wait: a wedged UART must not hang printk (or a panic) forever. */
	for (int i = 0; i < 100000 && (ioread32(b + UART_FR) & FR_TXFF); i++)
		arch_cpu_relax();
	iowrite32(b + UART_DR, (uint8_t)c);
}
