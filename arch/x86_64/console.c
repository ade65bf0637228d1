// SPDX-License-Identifier: MIT
/*
 * x86_64 console: the 16550 UART at COM1 (I/O port 0x3f8), polled, 115200 8N1.
 * Polled output works with interrupts off and inside panic().
 */
#include <kern/arch.h>
#include <arch/cpu.h>
#include <arch/console.h>

#define COM1 0x3f8
#define UART_THR 0   /* transmit holding (DLAB = 0) */
#define UART_DLL 0   /* divisor latch low (DLAB = 1) */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THRE 0x20

static bool uart_present;

void x86_console_init(void)
{
	outb(COM1 + UART_IER, 0x00);          /* no interrupts */
	outb(COM1 + UART_LCR, 0x80);          /* DLAB on */
	outb(COM1 + UART_DLL, 1);             /* 115200 / 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, 0x03);          /* 8N1, DLAB off */
	outb(COM1 + UART_FCR, 0xc7);          /* FIFO on, cleared */
	outb(COM1 + UART_MCR, 0x03);          /* DTR, RTS */
	/* A missing UART reads back 0xff on every port. */
	uart_present = inb(COM1 + UART_LSR) != 0xff;
}

void arch_console_putc(char c)
{
	if (!uart_present)
		return;
	/* Bounded wait: a wedged UART must not hang printk forever. */
	for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
		arch_cpu_relax();
	outb(COM1 + UART_THR, (uint8_t)c);
}
