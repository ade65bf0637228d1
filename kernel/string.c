// SPDX-License-Identifier: MIT
/*
 * Freestanding memory and string routines. Simple byte loops with a word-sized
 * fast path for the bulk operations; the compiler emits calls to these for struct
 * copies and initialisers, so they must not call themselves (-fno-builtin below
 * keeps the compiler from turning the loops back into calls).
 */
#include <kern/string.h>

__attribute__((no_builtin)) void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
		/* Eight words a round, as memset: a copy-on-write fault copies a page. */
		for (; n >= 64; n -= 64, d += 64, s += 64) {
			uint64_t *w = (uint64_t *)d;
			const uint64_t *r = (const uint64_t *)s;

			w[0] = r[0], w[1] = r[1], w[2] = r[2], w[3] = r[3];
			w[4] = r[4], w[5] = r[5], w[6] = r[6], w[7] = r[7];
		}
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(uint64_t *)d = *(const uint64_t *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

__attribute__((no_builtin)) void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

__attribute__((no_builtin)) void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	if (((uintptr_t)d & 7) == 0) {
		uint64_t v = (unsigned char)c * 0x0101010101010101ull;
		/*
		 * Eight words a round: a page is zeroed in 64 rounds of eleven
		 * instructions (as Linux's clear_page_orig), not 512 of three; every
		 * anonymous fault and page-table page pays for it.
		 */
		for (; n >= 64; n -= 64, d += 64) {
			uint64_t *w = (uint64_t *)d;

			w[0] = v, w[1] = v, w[2] = v, w[3] = v;
			w[4] = v, w[5] = v, w[6] = v, w[7] = v;
		}
		for (; n >= 8; n -= 8, d += 8)
			*(uint64_t *)d = v;
	}
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
