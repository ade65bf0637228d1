// SPDX-License-Identifier: MIT
/*
 * printk (see <kern/printk.h>); the formatting itself is kernel/format.c.
 *
 * Each message is formatted into a per-call buffer first and then written to the
 * console under console_lock, so lines from different CPUs do not interleave.
 * The lock is taken with a bounded spin: a CPU that died holding it (a trap inside
 * printk) must not stop panic() from printing.
 *
 * console_lock: protects the console device's output; taken from any context
 * (interrupt handlers and panic() print) without masking interrupts: the holder
 * only writes bytes and never waits for another CPU or takes another lock, so a
 * CPU interrupted while holding it delays its own handler's print by the bounded
 * spin at worst. Its spin does not serve cross-CPU calls (arch_cpu_relax()):
 * printk may run inside a request's function.
 */
#include <kern/arch.h>
#include <kern/printk.h>
#include <kern/string.h>

static enum log_level console_level = LOG_INFO;
static int console_lock;

void printk_set_level(enum log_level level)
{
	console_level = level;
}

static void console_lock_take(void)
{
	/* Bounded: after ~2^24 tries assume the holder is dead and print anyway. */
	for (unsigned long i = 0; i < (1ul << 24); i++) {
		if (!__atomic_exchange_n(&console_lock, 1, __ATOMIC_ACQUIRE))
			return;
		arch_cpu_relax();
	}
}

static void console_lock_release(void)
{
	__atomic_store_n(&console_lock, 0, __ATOMIC_RELEASE);
}

void vprintk(enum log_level level, const char *fmt, va_list ap)
{
	char buf[512];

	if (level > console_level)
		return;
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	console_write(buf, (size_t)n);
}

void console_write(const char *buf, size_t n)
{
	console_lock_take();
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n')
			arch_console_putc('\r');
		arch_console_putc(buf[i]);
	}
	console_lock_release();
}

void printk(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}
