/* SPDX-License-Identifier: MIT */
/* riscv64 console set-up (console.c). */
#ifndef ARCH_CONSOLE_H
#define ARCH_CONSOLE_H

struct fdt;

/*
 * Switch arch_console_putc() from the SBI firmware console (the default from the
 * first instruction on) to the device tree's 16550 UART, polled through the direct
 * map. Stays on SBI if the device tree names no usable UART.
 */
void riscv_console_init(const struct fdt *fdt);

/* Re-derive the UART's address after mm_direct_map_base changed (paging.c). */
void riscv_console_rebase(void);

/* Reach the UART through ioremap() (uncached) from now on (arch_devices_init()). */
void riscv_console_ioremap(void);

#endif
