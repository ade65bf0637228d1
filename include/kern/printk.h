/* SPDX-License-Identifier: MIT */
/*
 * printk: formatted output to the console, with a level per message.
 *
 * Messages at a level numerically above the console level (the command line's
 * loglevel=N, default LOG_INFO) are dropped. Output goes through arch_console_putc()
 * one line at a time under a lock, so lines from different CPUs do not interleave.
 * Safe to call from trap handlers and from panic().
 *
 * Format: %d %i %u %x %X %o %c %s %p %% with the h, hh, l, ll, z and t length
 * modifiers, a field width (also *), '-' (left), '0' (zero pad), '#' (0x prefix) and a precision for
 * %s (also .*). %p prints 0x followed by 16 hex digits.
 */
#ifndef KERN_PRINTK_H
#define KERN_PRINTK_H

#include <kern/types.h>

enum log_level {
	LOG_EMERG = 0,
	LOG_ERR = 3,
	LOG_WARN = 4,
	LOG_NOTICE = 5,
	LOG_INFO = 6,
	LOG_DEBUG = 7,
};

__printf(2, 3) void printk(enum log_level level, const char *fmt, ...);
void vprintk(enum log_level level, const char *fmt, va_list ap);

/* Write @n bytes to the console as they are (a program's write(2)), whole, under the console lock. */
void console_write(const char *buf, size_t n);

/* Formatting into a buffer; return the length the full output would have had. */
__printf(3, 4) int snprintf(char *buf, size_t size, const char *fmt, ...);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Set the console level (messages with level <= @level are printed). */
void printk_set_level(enum log_level level);

#define pr_emerg(...)  printk(LOG_EMERG, __VA_ARGS__)
#define pr_err(...)    printk(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)   printk(LOG_WARN, __VA_ARGS__)
#define pr_notice(...) printk(LOG_NOTICE, __VA_ARGS__)
#define pr_info(...)   printk(LOG_INFO, __VA_ARGS__)
#define pr_debug(...)  printk(LOG_DEBUG, __VA_ARGS__)

#endif
