// SPDX-License-Identifier: MIT
/*
 * Host tests of the newc cpio reader (kernel/cpio.c): archives built here member
 * by member, as `cpio -o -H newc` writes them, then read back; every malformed
 * shape refused with -EINVAL and a reason, at each boundary on both sides (a
 * header one byte short and complete, a name that ends exactly at the end and one
 * byte past it, data likewise).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kern/cpio.h>
#include <kern/errno.h>

#include "../host/tap.h"

static unsigned char arc[8192];
static size_t arc_len;

static void put_hex(uint32_t v)
{
	char buf[9];
	snprintf(buf, sizeof(buf), "%08X", v);
	memcpy(arc + arc_len, buf, 8);
	arc_len += 8;
}

static void pad4(void)
{
	while (arc_len % 4)
		arc[arc_len++] = 0;
}

/* One member; returns the offset of its header. */
static size_t add(const char *name, uint32_t mode, const void *data, size_t size)
{
	size_t at = arc_len;
	uint32_t namesize = (uint32_t)strlen(name) + 1;

	memcpy(arc + arc_len, "070701", 6);
	arc_len += 6;
	uint32_t f[13] = { 1, mode, 0, 0, 1, 0, (uint32_t)size, 0, 0, 0, 0, namesize, 0 };
	for (int i = 0; i < 13; i++)
		put_hex(f[i]);
	memcpy(arc + arc_len, name, namesize);
	arc_len += namesize;
	pad4();
	memcpy(arc + arc_len, data, size);
	arc_len += size;
	pad4();
	return at;
}

static void build(void)
{
	arc_len = 0;
	add(".", CPIO_S_IFDIR | 0755, "", 0);
	add("init", CPIO_S_IFREG | 0755, "#!init\n", 7);
	add("etc", CPIO_S_IFDIR | 0755, "", 0);
	add("etc/motd", CPIO_S_IFREG | 0644, "hello, kestrel\n", 15);
	add("bin/sh", CPIO_S_IFLNK | 0777, "/init", 5);
	add("TRAILER!!!", 0, "", 0);
}

static void test_iterates_every_member(void)
{
	static const char *const names[] = { ".", "init", "etc", "etc/motd", "bin/sh" };
	struct cpio_iter it;
	struct cpio_entry e;
	char why[128];
	unsigned int n = 0;
	int r;

	build();
	cpio_iter_init(&it, arc, arc_len);
	while ((r = cpio_next(&it, &e, why, sizeof(why))) == 1) {
		CHECK(n < 5 && strcmp(e.name, names[n]) == 0, "member %u is %s", n, e.name);
		CHECK_EQ(e.name_len, strlen(names[n]));
		n++;
	}
	CHECK_EQ(r, 0);
	CHECK_EQ(n, 5);
}

static void test_find(void)
{
	struct cpio_entry e;
	char why[128];

	build();
	CHECK_EQ(cpio_find(arc, arc_len, "/init", &e, why, sizeof(why)), 0);
	CHECK(e.size == 7 && memcmp(e.data, "#!init\n", 7) == 0, "/init's data");
	CHECK_EQ(e.mode & CPIO_S_IFMT, CPIO_S_IFREG);
	CHECK_EQ(cpio_find(arc, arc_len, "init", &e, why, sizeof(why)), 0);
	CHECK_EQ(cpio_find(arc, arc_len, "./etc/motd", &e, why, sizeof(why)), 0);
	CHECK(e.size == 15 && memcmp(e.data, "hello, kestrel\n", 15) == 0, "etc/motd's data");
	CHECK_EQ(cpio_find(arc, arc_len, "//etc/motd", &e, why, sizeof(why)), 0);
	CHECK_EQ(cpio_find(arc, arc_len, "/bin/sh", &e, why, sizeof(why)), 0);
	CHECK_EQ(e.mode & CPIO_S_IFMT, CPIO_S_IFLNK);
	CHECK_EQ(cpio_find(arc, arc_len, "/etc/mot", &e, why, sizeof(why)), -ENOENT);
	CHECK_EQ(cpio_find(arc, arc_len, "/etc/motd2", &e, why, sizeof(why)), -ENOENT);
	CHECK_EQ(cpio_find(arc, arc_len, "/TRAILER!!!", &e, why, sizeof(why)), -ENOENT);
	/* The trailer ends the archive: members after it are not seen. */
	add("late", CPIO_S_IFREG, "x", 1);
	CHECK_EQ(cpio_find(arc, arc_len, "late", &e, why, sizeof(why)), -ENOENT);
}

/* Every cut of a good archive before the trailer's end is refused, never read past. */
static void test_every_truncation_refused(void)
{
	struct cpio_entry e;
	char why[128];

	build();
	/* The trailer header and name must be whole; its final padding may be missing. */
	size_t whole = arc_len;
	for (size_t cut = 0; cut < whole; cut++) {
		unsigned char *copy = malloc(cut ? cut : 1);
		memcpy(copy, arc, cut);
		int r = cpio_find(copy, cut, "no-such-file", &e, why, sizeof(why));
		if (r != -EINVAL && r != -ENOENT)
			CHECK(false, "cut at %zu: %d", cut, r);
		/* The trailer's header and name end 3 bytes before its padding does. */
		if (r == -ENOENT)
			CHECK(cut >= whole - 3, "cut at %zu of %zu found the trailer", cut, whole);
		else
			CHECK(cut < whole - 3, "cut at %zu of %zu refused", cut, whole);
		if (r == -EINVAL)
			CHECK(why[0] != 0, "cut at %zu: no reason", cut);
		free(copy);
	}
}

static void test_malformed(void)
{
	struct cpio_entry e;
	char why[128];

	build();
	size_t second = 0;
	{
		struct cpio_iter it;
		cpio_iter_init(&it, arc, arc_len);
		cpio_next(&it, &e, NULL, 0);
		second = it.off;
	}
	/* Bad magic ("070707" is the old binary-compatible ASCII format). */
	arc[second + 5] = '7';
	CHECK_EQ(cpio_find(arc, arc_len, "init", &e, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "magic") != NULL, "reason: %s", why);
	build();
	/* A non-hex digit in the file size. */
	arc[second + 6 + 6 * 8 + 3] = 'g';
	CHECK_EQ(cpio_find(arc, arc_len, "init", &e, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "hex") != NULL, "reason: %s", why);
	build();
	/* A file size one byte beyond the archive, then exactly to its end. */
	char size_field[9];
	snprintf(size_field, sizeof(size_field), "%08zX", arc_len);
	memcpy(arc + second + 6 + 6 * 8, size_field, 8);
	CHECK_EQ(cpio_find(arc, arc_len, "init", &e, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "runs past") != NULL, "reason: %s", why);
	build();
	/* namesize 0, and a name whose NUL is not where namesize says. */
	memcpy(arc + second + 6 + 11 * 8, "00000000", 8);
	CHECK_EQ(cpio_find(arc, arc_len, "init", &e, why, sizeof(why)), -EINVAL);
	build();
	memcpy(arc + second + 6 + 11 * 8, "00000003", 8);   /* "in" + NUL: but 'i','n','i' */
	CHECK_EQ(cpio_find(arc, arc_len, "init", &e, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "NUL") != NULL, "reason: %s", why);
	build();
	/* A name that runs past the end of a cut archive. */
	CHECK_EQ(cpio_find(arc, second + 110 + 2, "init", &e, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "name runs past") != NULL, "reason: %s", why);
}

/* Data ending exactly at the archive's end (no padding, then the trailer) is fine. */
static void test_data_to_the_end(void)
{
	struct cpio_entry e;
	char why[128];

	arc_len = 0;
	add("a", CPIO_S_IFREG, "abcd", 4);   /* header 110 + "a\0" = 112: data at 112..116 */
	size_t t = add("TRAILER!!!", 0, "", 0);
	CHECK_EQ(cpio_find(arc, arc_len, "a", &e, why, sizeof(why)), 0);
	CHECK(e.size == 4 && memcmp(e.data, "abcd", 4) == 0, "data");
	/* Cut in the trailer's name: refused. */
	CHECK_EQ(cpio_find(arc, t + 110 + 10, "zz", &e, why, sizeof(why)), -EINVAL);
	/* The trailer's name complete with its NUL: the end. */
	CHECK_EQ(cpio_find(arc, t + 110 + 11, "zz", &e, why, sizeof(why)), -ENOENT);
}

int main(void)
{
	tap_start();
	RUN(test_iterates_every_member);
	RUN(test_find);
	RUN(test_every_truncation_refused);
	RUN(test_malformed);
	RUN(test_data_to_the_end);
	return tap_done();
}
