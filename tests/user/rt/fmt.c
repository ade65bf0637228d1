// SPDX-License-Identifier: MIT
/*
 * A small vsnprintf for TAP lines and diagnostics: conversions d i u x p s c %, the
 * length modifiers l, ll and z, a field width with the 0 and - flags. Anything else
 * is printed as it stands, so a format bug shows in the output instead of reading
 * arguments that were never passed.
 */
#include "rt.h"

struct out {
	char *buf;
	size_t size;
	size_t len;	/* what the whole output needs, even past size */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left)
		while (fill-- > 0)
			put(o, pad);
	while (n--)
		put(o, *s++);
	if (left)
		while (fill-- > 0)
			put(o, ' ');
}

static void put_number(struct out *o, unsigned long long v, bool negative, unsigned int base,
		       int width, bool left, char pad)
{
	char tmp[24];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (negative) {
		if (pad == '0') {	/* the sign goes before the zeros */
			put(o, '-');
			width--;
		} else {
			tmp[sizeof(tmp) - 1 - n++] = '-';
		}
	}
	put_padded(o, tmp + sizeof(tmp) - n, n, width, left, pad);
}

int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (const char *f = fmt; *f; f++) {
		const char *start = f;
		bool left = false;
		char pad = ' ';
		int width = 0, lng = 0;

		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		f++;
		for (; *f == '-' || *f == '0'; f++) {
			if (*f == '-')
				left = true;
			else
				pad = '0';
		}
		for (; *f >= '0' && *f <= '9'; f++)
			width = width * 10 + (*f - '0');
		if (*f == 'z') {
			lng = 1;	/* size_t is unsigned long on both LP64 arches */
			f++;
		} else {
			for (; *f == 'l' && lng < 2; f++)
				lng++;
		}
		if (left)
			pad = ' ';

		switch (*f) {
		case 'd':
		case 'i': {
			long long v = lng == 2 ? va_arg(ap, long long) :
				      lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
			unsigned long long mag = v < 0 ? -(unsigned long long)v : (unsigned long long)v;

			put_number(&o, mag, v < 0, 10, width, left, pad);
			break;
		}
		case 'u':
		case 'x': {
			unsigned long long v = lng == 2 ? va_arg(ap, unsigned long long) :
					       lng == 1 ? va_arg(ap, unsigned long) :
					       va_arg(ap, unsigned int);

			put_number(&o, v, false, *f == 'x' ? 16 : 10, width, left, pad);
			break;
		}
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_number(&o, (uintptr_t)va_arg(ap, void *), false, 16, width, left, pad);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			if (!s)
				s = "(null)";
			put_padded(&o, s, strlen(s), width, left, ' ');
			break;
		}
		case 'c': {
			char c = (char)va_arg(ap, int);

			put_padded(&o, &c, 1, width, left, ' ');
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default:	/* unknown: print the directive as written */
			for (; start <= f && *start; start++)
				put(&o, *start);
			if (!*f)
				f--;
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int rt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = rt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int rt_printf(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = rt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;	/* truncated, still one write */
	sys_write(1, line, (size_t)n);
	return n;
}

/*
 * A write() to Linux's console returns once the bytes are in the tty's buffer. When
 * /init exits right after, the panic that follows can be printed before them, or end
 * the machine before they leave the UART: with 4 CPUs the last point came after
 * Linux's panic message in 2 of 3 runs, where scripts/linux-peer no longer looks.
 * tcdrain()'s ioctl, TCSBRK with a nonzero argument, waits until the output is sent
 * (drivers/tty/tty_io.c tty_ioctl: tty_wait_until_sent). Not checked: fd 1 need not
 * be a tty.
 */
void rt_drain_stdout(void)
{
	sys_ioctl(1, TCSBRK, (void *)1);
}
