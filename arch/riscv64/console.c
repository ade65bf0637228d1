// SPDX-License-Identifier: MIT
/*
 * riscv64 console. From the first instruction on, arch_console_putc() goes
 * through the SBI firmware's legacy console_putchar; once the device tree is
 * readable, riscv_console_init() switches to the 16550-compatible UART it names
 * (/chosen/stdout-path, else the first enabled "ns16550a" node), polled through
 * the direct map. The firmware already programmed the UART (baud rate, 8N1)
 * for its own output, so only interrupts are turned off here. Polled output works
 * with interrupts off and inside panic().
 */
#include <kern/arch.h>
#include <kern/fdt.h>
#include <kern/string.h>
#include <arch/console.h>
#include <arch/cpu.h>
#include <mm/mmio.h>
#include <mm/types.h>
#include <arch/page.h>
#include <arch/sbi.h>

/* 16550 registers (in units of the register stride) and bits. */
#define UART_THR 0   /* transmit holding (DLAB = 0) */
#define UART_IER 1   /* interrupt enable (DLAB = 0) */
#define UART_LSR 5   /* line status */
#define LSR_THRE 0x20

static struct {
	volatile uint8_t *base;   /* NULL: use the SBI console */
	uint64_t phys;            /* the registers' physical address */
	unsigned int shift;       /* reg-shift: register n is at base + (n << shift) */
	unsigned int width;       /* reg-io-width: 1 or 4 bytes per access */
} uart;

static const char *const uart_compatibles[] = { "ns16550a", "ns16550", "ns8250" };

static bool is_uart(const struct fdt *fdt, int node)
{
	if (!fdt_node_is_enabled(fdt, node))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(uart_compatibles); i++)
		if (fdt_node_is_compatible(fdt, node, uart_compatibles[i]))
			return true;
	return false;
}

static uint8_t uart_read(unsigned int reg)
{
	volatile uint8_t *p = uart.base + (reg << uart.shift);

	return uart.width == 4 ? (uint8_t)ioread32(p) : ioread8(p);
}

static void uart_write(unsigned int reg, uint8_t v)
{
	volatile uint8_t *p = uart.base + (reg << uart.shift);

	if (uart.width == 4)
		iowrite32(p, v);
	else
		iowrite8(p, v);
}

/*
 * The console UART's node: /chosen/stdout-path (DT spec 3.6), else the first
 * enabled 16550. -1 if none, or if stdout-path names a device of another kind:
 * the firmware drives that one, so SBI stays the console.
 */
static int find_uart(const struct fdt *fdt)
{
	int chosen = fdt_path_offset(fdt, "/chosen");

	if (chosen >= 0) {
		const char *path = fdt_prop_string(fdt, chosen, "stdout-path");
		if (path) {
			/* "path:options" (e.g. "serial0:115200n8"): the options are not a path. */
			const char *colon = strchr(path, ':');
			size_t len = colon ? (size_t)(colon - path) : strlen(path);
			int node = fdt_path_offset_len(fdt, path, len);
			if (node >= 0)
				return is_uart(fdt, node) ? node : -1;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(uart_compatibles); i++) {
		int node = -1;
		while ((node = fdt_find_compatible(fdt, node, uart_compatibles[i])) >= 0)
			if (fdt_node_is_enabled(fdt, node))
				return node;
	}
	return -1;
}

void riscv_console_init(const struct fdt *fdt)
{
	uint64_t base, size;
	uint32_t shift = 0, width = 1;
	int node = find_uart(fdt);

	if (node < 0 || fdt_reg(fdt, node, 0, &base, &size) != 0)
		return;
	fdt_prop_u32(fdt, node, "reg-shift", &shift);
	fdt_prop_u32(fdt, node, "reg-io-width", &width);
	/* Registers 0..7 must lie in the boot direct map; anything else stays on SBI. */
	if ((width != 1 && width != 4) || shift > 4 || base >= BOOT_DIRECT_MAP_SIZE ||
	    (8u << shift) > BOOT_DIRECT_MAP_SIZE - base)
		return;
	uart.shift = shift;
	uart.width = width;
	uart.phys = base;
	uart.base = phys_to_virt(paddr(base));
	uart_write(UART_IER, 0);        /* polled: no interrupts */
}

void riscv_console_rebase(void)
{
	if (uart.base)
		uart.base = phys_to_virt(paddr(uart.phys));
}

void riscv_console_ioremap(void)
{
	if (!uart.base)
		return;
	/*
	 * The boot direct map that reached the UART is gone: print through the
	 * firmware until the new mapping exists, and for good if it cannot be made.
	 */
	WRITE_ONCE(uart.base, NULL);
	/* Registers 0..7; ioremap() rounds to whole pages. */
	uart.base = ioremap(paddr(uart.phys), 8u << uart.shift, MMU_CACHE_UC);
}

void arch_console_putc(char c)
{
	if (!uart.base) {
		sbi_console_putchar(c);
		return;
	}
	/* Bounded wait: a wedged UART must not hang printk (or a panic) forever. */
	for (int i = 0; i < 100000 && !(uart_read(UART_LSR) & LSR_THRE); i++)
		arch_cpu_relax();
	uart_write(UART_THR, (uint8_t)c);
}
