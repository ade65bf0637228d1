// SPDX-License-Identifier: MIT
/*
 * The kernel's vsnprintf/snprintf (see <kern/printk.h> for the conversions it
 * knows). Pure C with no kernel dependencies beyond <kern/string.h>, so the host
 * unit tests build it as it is (tests/unit/kernel/format_test.c).
 */
#include <kern/printk.h>
#include <kern/string.h>

struct out {
	char *buf;
	size_t size;
	size_t len;     /* bytes the full output needs (may exceed size) */
};

static void out_c(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_c(o, c);
}

static void out_str(struct out *o, const char *s, int width, int prec, bool left)
{
	if (!s)
		s = "(null)";
	int len = (int)(prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s));
	if (!left)
		out_pad(o, ' ', width - len);
	for (int i = 0; i < len; i++)
		out_c(o, s[i]);
	if (left)
		out_pad(o, ' ', width - len);
}

/*
 * @v in @base, right-justified in @width (padded with zeroes after the sign and
 * prefix if @zero, else with spaces before them). Left justification is done by
 * the caller, which passes width 0 and pads after.
 */
static void out_num(struct out *o, unsigned long long v, bool neg, unsigned base, bool upper,
		    int width, bool zero, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;
	int plen = (int)strlen(prefix) + (neg ? 1 : 0);

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (!zero)
		out_pad(o, ' ', width - n - plen);
	if (neg)
		out_c(o, '-');
	for (const char *p = prefix; *p; p++)
		out_c(o, *p);
	if (zero)
		out_pad(o, '0', width - n - plen);
	while (n)
		out_c(o, tmp[--n]);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size, .len = 0 };

	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			out_c(&o, *p);
			continue;
		}
		p++;
		bool left = false, zero = false, alt = false;
		for (;; p++) {
			if (*p == '-')
				left = true;
			else if (*p == '#')
				alt = true;
			else if (*p == '0')
				zero = true;
			else
				break;
		}
		int width = 0, prec = -1;
		if (*p == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				left = true;
				width = -width;
			}
			p++;
		} else {
			while (*p >= '0' && *p <= '9')
				width = width * 10 + (*p++ - '0');
		}
		if (*p == '.') {
			p++;
			prec = 0;
			if (*p == '*') {
				prec = va_arg(ap, int);
				p++;
			} else {
				while (*p >= '0' && *p <= '9')
					prec = prec * 10 + (*p++ - '0');
			}
		}
		int lng = 0; /* -2 hh, -1 h, 1 l, 2 ll, 3 z/t */
		for (;; p++) {
			if (*p == 'l')
				lng = lng >= 1 ? 2 : 1;
			else if (*p == 'h')
				lng = lng <= -1 ? -2 : -1;
			else if (*p == 'z' || *p == 't')
				lng = 3;
			else
				break;
		}
		size_t start = o.len;
		unsigned long long u;
		long long s;
		switch (*p) {
		case 'd':
		case 'i':
			switch (lng) {
			case 1: s = va_arg(ap, long); break;
			case 2: s = va_arg(ap, long long); break;
			case 3: s = va_arg(ap, ptrdiff_t); break;
			default: s = va_arg(ap, int); break;
			}
			if (lng == -1)
				s = (short)s;
			else if (lng == -2)
				s = (signed char)s;
			u = s < 0 ? 0ull - (unsigned long long)s : (unsigned long long)s;
			out_num(&o, u, s < 0, 10, false, left ? 0 : width, zero, "");
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			switch (lng) {
			case 1: u = va_arg(ap, unsigned long); break;
			case 2: u = va_arg(ap, unsigned long long); break;
			case 3: u = va_arg(ap, size_t); break;
			default: u = va_arg(ap, unsigned int); break;
			}
			if (lng == -1)
				u = (unsigned short)u;
			else if (lng == -2)
				u = (unsigned char)u;
			out_num(&o, u, false, *p == 'o' ? 8 : *p == 'u' ? 10 : 16, *p == 'X',
				left ? 0 : width, zero,
				/* C: '#' adds 0x / 0X / a leading 0, but never to a zero. */
				!alt || u == 0 ? "" : *p == 'x' ? "0x" : *p == 'X' ? "0X" : *p == 'o' ? "0" : "");
			break;
		case 'p':
			out_num(&o, (uintptr_t)va_arg(ap, void *), false, 16, false,
				(int)sizeof(void *) * 2 + 2, true, "0x");
			break;
		case 'c':
			if (!left)
				out_pad(&o, ' ', width - 1);
			out_c(&o, (char)va_arg(ap, int));
			break;
		case 's':
			out_str(&o, va_arg(ap, const char *), left ? 0 : width, prec, false);
			break;
		case '%':
			out_c(&o, '%');
			break;
		case '\0':
			p--;
			break;
		default:
			out_c(&o, '%');
			out_c(&o, *p);
			break;
		}
		/* Left-justified fields: pad after the conversion to the field width. */
		if (left && (int)(o.len - start) < width)
			out_pad(&o, ' ', width - (int)(o.len - start));
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
