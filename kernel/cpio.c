// SPDX-License-Identifier: MIT
/* The newc cpio reader (see <kern/cpio.h>). */
#include <kern/cpio.h>
#include <kern/errno.h>
#include <kern/printk.h>
#include <kern/string.h>

#define HDR_LEN     110
#define FIELD_LEN   8
/* Field indices after the 6-byte magic (buffer-format.rst, "c_ino" .. "c_check"). */
#define F_MODE      1
#define F_FILESIZE  6
#define F_NAMESIZE  11

static const char magic[6] = { '0', '7', '0', '7', '0', '1' };

void cpio_iter_init(struct cpio_iter *it, const void *archive, size_t size)
{
	it->base = archive;
	it->size = size;
	it->off = 0;
}

/* One 8-digit hex field; false if a character is not a hex digit. */
static bool hex_field(const uint8_t *p, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < FIELD_LEN; i++) {
		uint8_t c = p[i];
		unsigned int d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Write "member at OFF: <reason>" into @why (if any); returns -EINVAL. */
static __printf(4, 5) int bad(char *why, size_t why_len, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (!why || !why_len)
		return -EINVAL;
	int n = snprintf(why, why_len, "member at %#lx: ", (unsigned long)off);
	if (n >= 0 && (size_t)n < why_len) {
		va_start(ap, fmt);
		vsnprintf(why + n, why_len - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

#define BAD(...) return bad(why, why_len, off, __VA_ARGS__)

int cpio_next(struct cpio_iter *it, struct cpio_entry *e, char *why, size_t why_len)
{
	size_t off = it->off, left = it->size - off;
	uint32_t f[13];

	if (left < HDR_LEN)
		BAD("%zu bytes left, a header needs %d (truncated archive, no trailer)", left, (int)HDR_LEN);
	const uint8_t *h = it->base + off;
	if (memcmp(h, magic, sizeof(magic)) != 0)
		BAD("bad magic (not a newc cpio archive: want 070701)");
	for (int i = 0; i < 13; i++)
		if (!hex_field(h + sizeof(magic) + i * FIELD_LEN, &f[i]))
			BAD("header field %d is not 8 hex digits", i);
	uint32_t namesize = f[F_NAMESIZE];
	if (namesize == 0)
		BAD("empty name (namesize 0)");
	/* The name, with its NUL, must lie inside the archive. */
	if (namesize > left - HDR_LEN)
		BAD("name runs past the archive");
	const char *name = (const char *)h + HDR_LEN;
	if (name[namesize - 1] != '\0' || strlen(name) != namesize - 1)
		BAD("name is not one NUL-terminated string of namesize %u", namesize);
	size_t data_off = align4(HDR_LEN + (size_t)namesize);
	size_t fsize = f[F_FILESIZE];
	/* An empty member's padding may be cut off at the end (the trailer's, usually). */
	if (fsize == 0 && data_off > left)
		data_off = left;
	if (data_off > left || fsize > left - data_off)
		BAD("data of %zu bytes runs past the archive", fsize);
	size_t next = align4(data_off + fsize);
	if (next > left)
		next = left;   /* the last member's padding may be cut off */

	e->name = name;
	e->name_len = namesize - 1;
	e->mode = f[F_MODE];
	e->data = h + data_off;
	e->size = fsize;
	if (e->name_len == 10 && memcmp(name, "TRAILER!!!", 10) == 0)
		return 0;
	it->off = off + next;
	return 1;
}

/* @path without its leading "/" and "./" components. */
static const char *strip(const char *path)
{
	for (;;) {
		if (path[0] == '/')
			path++;
		else if (path[0] == '.' && path[1] == '/')
			path += 2;
		else
			return path;
	}
}

int cpio_find(const void *archive, size_t size, const char *path, struct cpio_entry *e,
	      char *why, size_t why_len)
{
	struct cpio_iter it;
	const char *want = strip(path);
	size_t want_len = strlen(want);
	int r;

	cpio_iter_init(&it, archive, size);
	while ((r = cpio_next(&it, e, why, why_len)) == 1) {
		const char *n = strip(e->name);
		size_t n_len = e->name_len - (size_t)(n - e->name);
		if (n_len == want_len && memcmp(n, want, want_len) == 0)
			return 0;
	}
	return r < 0 ? r : -ENOENT;
}
