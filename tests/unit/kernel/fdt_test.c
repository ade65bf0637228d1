// SPDX-License-Identifier: MIT
/*
 * Host unit tests for kernel/fdt.c (the flattened device tree reader), printed as
 * TAP version 13 for meson test. Exits 0 only if every test passed.
 *
 * The main blob is real dtc output (fdt_test.dts, checked in as bytes in
 * fdt_test_dtb.h, so no dtc is needed to build or run this). Malformed blobs are
 * made two ways: by patching header fields of that blob, and with a small blob
 * builder below for structure-block damage. Every blob is copied into a heap
 * buffer of exactly its size first, so that under ASan a read one byte past the
 * end is a failure. Finally every truncation and thousands of byte mutations of the
 * real blob must give an error or a blob that can be walked completely without any
 * out-of-bounds read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kern/errno.h>
#include <kern/fdt.h>

#include "fdt_test_dtb.h"

#include "../host/tap.h"

#define CHECK_STR(a, b)                                                            \
	({                                                                         \
		const char *a_ = (a), *b_ = (b);                                   \
		CHECK(a_ && b_ && strcmp(a_, b_) == 0, "%s == \"%s\": got \"%s\"", #a, \
		      b_ ? b_ : "(null)", a_ ? a_ : "(null)");                    \
	})

/* ---- blobs in exact-size heap buffers ---- */

struct blob {
	uint8_t *p;
	size_t size;
};

static struct blob blob_copy(const void *src, size_t size)
{
	struct blob b = { malloc(size ? size : 1), size };

	if (!b.p)
		abort();
	memcpy(b.p, src, size);
	return b;
}

static struct blob real_blob(void)
{
	return blob_copy(fdt_test_dtb, sizeof(fdt_test_dtb));
}

static void blob_free(struct blob *b)
{
	free(b->p);
	b->p = NULL;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Header field offsets (DT spec 5.2). */
enum {
	H_MAGIC = 0, H_TOTALSIZE = 4, H_OFF_STRUCT = 8, H_OFF_STRINGS = 12, H_OFF_RSVMAP = 16,
	H_VERSION = 20, H_LAST_COMP = 24, H_BOOT_CPUID = 28, H_SIZE_STRINGS = 32,
	H_SIZE_STRUCT = 36,
};

/* fdt_init() on a copy of the real blob with header field @field set to @v. */
static int init_patched(unsigned int field, uint32_t v)
{
	struct blob b = real_blob();
	struct fdt f;

	put_be32(b.p + field, v);
	int err = fdt_init(&f, b.p, b.size);
	blob_free(&b);
	return err;
}

/* ---- a small blob builder, for damage to the structure block ---- */

enum { TOK_BEGIN = 1, TOK_END_NODE = 2, TOK_PROP = 3, TOK_NOP = 4, TOK_END = 9 };

struct builder {
	uint8_t st[16384];
	size_t st_len;
	char strs[1024];
	size_t strs_len;
};

static void b_u32(struct builder *b, uint32_t v)
{
	put_be32(b->st + b->st_len, v);
	b->st_len += 4;
}

static void b_bytes(struct builder *b, const void *p, size_t n)
{
	memcpy(b->st + b->st_len, p, n);
	b->st_len += n;
	while (b->st_len % 4)
		b->st[b->st_len++] = 0;
}

static void b_begin(struct builder *b, const char *name)
{
	b_u32(b, TOK_BEGIN);
	b_bytes(b, name, strlen(name) + 1);
}

static uint32_t b_string(struct builder *b, const char *s)
{
	for (size_t off = 0; off < b->strs_len; off += strlen(b->strs + off) + 1)
		if (!strcmp(b->strs + off, s))
			return (uint32_t)off;
	uint32_t off = (uint32_t)b->strs_len;
	memcpy(b->strs + off, s, strlen(s) + 1);
	b->strs_len += strlen(s) + 1;
	return off;
}

static void b_prop(struct builder *b, const char *name, const void *val, uint32_t len)
{
	b_u32(b, TOK_PROP);
	b_u32(b, len);
	b_u32(b, b_string(b, name));
	b_bytes(b, val, len);
}

static void b_prop_u32(struct builder *b, const char *name, uint32_t v)
{
	uint8_t be[4];

	put_be32(be, v);
	b_prop(b, name, be, 4);
}

/*
 * Lay out header, an empty reservation block, the structure and strings blocks.
 * @version 16 leaves size_dt_struct out (the block runs to the strings block).
 */
static struct blob b_finish(const struct builder *b, uint32_t version)
{
	uint32_t hdr = 40, rsv = hdr, st = rsv + 16, strs = st + (uint32_t)b->st_len;
	uint32_t total = strs + (uint32_t)b->strs_len;
	uint8_t *p = calloc(1, total);

	if (!p)
		abort();
	put_be32(p + H_MAGIC, FDT_MAGIC);
	put_be32(p + H_TOTALSIZE, total);
	put_be32(p + H_OFF_STRUCT, st);
	put_be32(p + H_OFF_STRINGS, strs);
	put_be32(p + H_OFF_RSVMAP, rsv);
	put_be32(p + H_VERSION, version);
	put_be32(p + H_LAST_COMP, 16);
	put_be32(p + H_SIZE_STRINGS, (uint32_t)b->strs_len);
	if (version >= 17)
		put_be32(p + H_SIZE_STRUCT, (uint32_t)b->st_len);
	memcpy(p + st, b->st, b->st_len);
	memcpy(p + strs, b->strs, b->strs_len);
	return (struct blob){ p, total };
}

static int init_built(const struct builder *b, uint32_t version)
{
	struct blob bl = b_finish(b, version);
	struct fdt f;
	int err = fdt_init(&f, bl.p, bl.size);

	blob_free(&bl);
	return err;
}

/* A well-formed tree to start damage from: / { a = <1>; n@1 { }; } */
static void b_minimal_head(struct builder *b)
{
	memset(b, 0, sizeof(*b));
	b_begin(b, "");
	b_prop_u32(b, "a", 1);
	b_begin(b, "n@1");
	b_u32(b, TOK_END_NODE);
}

/* ---- exercising every reader entry point on any blob that passed fdt_init ---- */

static unsigned long walk_nodes;

static void exercise_node(const struct fdt *f, int node, int depth)
{
	uint32_t len, v32;
	uint64_t v64, base, size;

	if (depth > FDT_MAX_DEPTH + 1 || ++walk_nodes > 100000)
		return;
	const char *name = fdt_node_name(f, node);
	if (name)
		(void)strlen(name);
	(void)fdt_node_name_is(f, node, "memory");
	(void)fdt_parent(f, node);
	(void)fdt_prop_string(f, node, "status");
	(void)fdt_prop_string(f, node, "device_type");
	(void)fdt_prop_u32(f, node, "reg-shift", &v32);
	(void)fdt_prop_uint(f, node, "linux,initrd-start", &v64);
	const uint8_t *p = fdt_prop(f, node, "compatible", &len);
	if (p) {
		uint8_t sum = 0;
		for (uint32_t i = 0; i < len; i++)
			sum ^= p[i];
		(void)sum;
	}
	(void)fdt_node_is_compatible(f, node, "ns16550a");
	(void)fdt_node_is_enabled(f, node);
	(void)fdt_address_cells(f, node);
	(void)fdt_size_cells(f, node);
	for (unsigned int i = 0; i < 4; i++) {
		(void)fdt_reg(f, node, i, &base, &size);
		(void)fdt_reg_cells(f, node, i, 2, 2, &base, &size);
	}
	int child;
	fdt_for_each_child(f, node, child)
		exercise_node(f, child, depth + 1);
}

/* Call everything on @f; must not read outside the blob (ASan watches). */
static void exercise_all(const struct fdt *f)
{
	static const char *const paths[] = {
		"/", "/chosen", "/soc/serial@10000000", "/soc/serial", "serial0", "bus/serial",
		"serial0:115200", "/soc/bus@20000000/serial@1000", "nosuchalias", "/a/b/c/d",
		"//soc//", "/memory",
	};
	uint64_t base, size;

	walk_nodes = 0;
	int root = fdt_root(f);
	if (root >= 0)
		exercise_node(f, root, 0);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		(void)fdt_path_offset(f, paths[i]);
		(void)fdt_path_offset_len(f, paths[i], 7);
	}
	int n = -1;
	for (int i = 0; i < 1000 && (n = fdt_find_compatible(f, n, "ns16550a")) >= 0; i++)
		;
	for (unsigned int i = 0; i < f->rsvmap_count + 1; i++)
		(void)fdt_mem_rsv(f, i, &base, &size);
	/* Offsets that are not nodes must be refused, not followed. */
	for (int off = -8; off < 64; off += 3) {
		(void)fdt_node_name(f, off);
		(void)fdt_first_child(f, off);
		(void)fdt_next_sibling(f, off);
		(void)fdt_prop(f, off, "reg", NULL);
	}
}

/* ---- the tests ---- */

static void test_header(void)
{
	struct blob b = real_blob();
	struct fdt f;

	CHECK_EQ(fdt_init(&f, b.p, b.size), 0);
	CHECK_EQ(f.totalsize, sizeof(fdt_test_dtb));
	CHECK_EQ(f.version, 17);
	CHECK_EQ(fdt_header_totalsize(b.p, b.size), sizeof(fdt_test_dtb));
	CHECK_EQ(fdt_header_totalsize(b.p, 7), 0);
	/* More bytes available than the blob uses is fine. */
	struct blob big = { calloc(1, b.size + 100), b.size + 100 };
	memcpy(big.p, b.p, b.size);
	CHECK_EQ(fdt_init(&f, big.p, big.size), 0);
	CHECK_EQ(f.totalsize, sizeof(fdt_test_dtb));
	blob_free(&big);
	blob_free(&b);
}

static void test_paths(void)
{
	struct blob b = real_blob();
	struct fdt f;

	CHECK_EQ(fdt_init(&f, b.p, b.size), 0);
	int root = fdt_root(&f);
	CHECK(root >= 0, "root %d", root);
	CHECK_EQ(fdt_path_offset(&f, "/"), root);
	CHECK_STR(fdt_node_name(&f, root), "");
	int serial = fdt_path_offset(&f, "/soc/serial@10000000");
	CHECK(serial >= 0, "serial %d", serial);
	CHECK_STR(fdt_node_name(&f, serial), "serial@10000000");
	/* A component without a unit address matches the first node of that name. */
	CHECK_EQ(fdt_path_offset(&f, "/soc/serial"), serial);
	CHECK_EQ(fdt_path_offset(&f, "//soc//serial@10000000/"), serial);
	CHECK_STR(fdt_node_name(&f, fdt_path_offset(&f, "/chosen")), "chosen");
	CHECK_STR(fdt_node_name(&f, fdt_path_offset(&f, "/soc/bus@20000000/serial@1000")),
		  "serial@1000");
	/* But a unit address must match in full, and names are not prefixes. */
	CHECK_EQ(fdt_path_offset(&f, "/soc/serial@1"), -ENOENT);
	CHECK_EQ(fdt_path_offset(&f, "/soc/seria"), -ENOENT);
	CHECK_EQ(fdt_path_offset(&f, "/soc/serial@10000000x"), -ENOENT);
	CHECK_EQ(fdt_path_offset(&f, "/nonexistent"), -ENOENT);
	CHECK_EQ(fdt_path_offset(&f, ""), -ENOENT);
	blob_free(&b);
}

static void test_aliases(void)
{
	struct blob b = real_blob();
	struct fdt f;

	CHECK_EQ(fdt_init(&f, b.p, b.size), 0);
	int serial = fdt_path_offset(&f, "/soc/serial@10000000");
	CHECK_EQ(fdt_path_offset(&f, "serial0"), serial);
	CHECK_EQ(fdt_path_offset(&f, "bus/serial@1000"),
		 fdt_path_offset(&f, "/soc/bus@20000000/serial@1000"));
	CHECK_EQ(fdt_path_offset(&f, "serial1"), -ENOENT);
	/* stdout-path = "serial0:115200n8": the caller cuts at ':'. */
	int chosen = fdt_path_offset(&f, "/chosen");
	const char *out = fdt_prop_string(&f, chosen, "stdout-path");
	CHECK_STR(out, "serial0:115200n8");
	if (out)
		CHECK_EQ(fdt_path_offset_len(&f, out, (size_t)(strchr(out, ':') - out)), serial);
	CHECK_EQ(fdt_path_offset_len(&f, "/soc/serial@10000000", 4), fdt_path_offset(&f, "/soc"));
	blob_free(&b);
}

static void test_children_and_parent(void)
{
	static const char *const expect[] = {
		"aliases", "chosen", "reserved-memory", "memory@80000000", "memory@200000000",
		"cpus", "soc",
	};
	struct blob b = real_blob();
	struct fdt f;
	int child;
	size_t n = 0;

	CHECK_EQ(fdt_init(&f, b.p, b.size), 0);
	int root = fdt_root(&f);
	fdt_for_each_child(&f, root, child) {
		if (CHECK(n < sizeof(expect) / sizeof(expect[0]), "too many children"))
			CHECK_STR(fdt_node_name(&f, child), expect[n]);
		CHECK_EQ(fdt_parent(&f, child), root);
		n++;
	}
	CHECK_EQ(child, -ENOENT);
	CHECK_EQ(n, sizeof(expect) / sizeof(expect[0]));
	CHECK_EQ(fdt_parent(&f, root), -ENOENT);

	int bus = fdt_path_offset(&f, "/soc/bus@20000000");
	int uart = fdt_path_offset(&f, "/soc/bus@20000000/serial@1000");
	CHECK_EQ(fdt_parent(&f, uart), bus);
	CHECK_EQ(fdt_parent(&f, bus), fdt_path_offset(&f, "/soc"));
	/* A leaf has no children; the last child has no next sibling. */
	CHECK_EQ(fdt_first_child(&f, uart), -ENOENT);
	CHECK_EQ(fdt_next_sibling(&f, fdt_path_offset(&f, "/soc/bus@20000000/odd@2000")), -ENOENT);
	CHECK_EQ(fdt_next_sibling(&f, root), -ENOENT);
	/* Offsets that are not node starts are refused. */
	CHECK_EQ(fdt_first_child(&f, uart + 4), -EINVAL);
	CHECK_EQ(fdt_parent(&f, uart + 4), -EINVAL);
	CHECK(fdt_node_name(&f, 2) == NULL, "unaligned offset");
	CHECK(fdt_node_name(&f, 1 << 20) == NULL, "offset past the block");
	CHECK(fdt_node_name_is(&f, fdt_path_offset(&f, "/memory@80000000"), "memory"), "memory@");
	CHECK(fdt_node_name_is(&f, fdt_path_offset(&f, "/cpus"), "cpus"), "cpus");
	CHECK(!fdt_node_name_is(&f, fdt_path_offset(&f, "/cpus"), "cpu"), "cpu is not cpus");
	blob_free(&b);
}

static void test_props(void)
{
	struct blob b = real_blob();
	struct fdt f;
	uint32_t len, v32;
	uint64_t v64;

	CHECK_EQ(fdt_init(&f, b.p, b.size), 0);
	int chosen = fdt_path_offset(&f, "/chosen");
	CHECK_STR(fdt_prop_string(&f, chosen, "bootargs"), "ktest loglevel=7");
	CHECK(fdt_prop(&f, chosen, "nosuch", &len) == NULL, "absent property");
	/* 32-bit and 64-bit single numbers. */
	CHECK(fdt_prop_uint(&f, chosen, "linux,initrd-start", &v64), "initrd-start");
	CHECK_EQ(v64, 0x88200000);
	CHECK(fdt_prop_uint(&f, chosen, "linux,initrd-end", &v64), "initrd-end");
	CHECK_EQ(v64, 0x8824a000);
	CHECK(!fdt_prop_u32(&f, chosen, "linux,initrd-end", &v32), "8 bytes is not a u32");
	CHECK(fdt_prop_u32(&f, chosen, "rng-seed", &v32), "rng-seed");
	CHECK_EQ(v32, 0xdeadbeef);
	CHECK(!fdt_prop_uint(&f, chosen, "bootargs", &v64), "a string is not a number");
	/* An empty property exists with length 0. */
	int soc = fdt_path_offset(&f, "/soc");
	CHECK(fdt_prop(&f, soc, "ranges", &len) != NULL, "ranges;");
	CHECK_EQ(len, 0);
	CHECK(fdt_prop_string(&f, soc, "ranges") == NULL, "empty is not a string");
	/* Bytes without a NUL are not a string. */
	int odd = fdt_path_offset(&f, "/soc/bus@20000000/odd@2000");
	CHECK(fdt_prop(&f, odd, "blob", &len) != NULL && len == 3, "blob");
	CHECK(fdt_prop_string(&f, odd, "blob") == NULL, "unterminated string");
	/* Unaligned big-endian reads. */
	static const uint8_t bytes[] = { 0xff, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
	CHECK_EQ(fdt_read_u32(bytes + 1), 0x01020304);
	CHECK_EQ(fdt_read_cells(bytes + 1, 2), 0x0102030405060708);
	CHECK_EQ(fdt_read_cells(bytes + 1, 3), 0);
	blob_free(&b);
}

static void test_compatible(void)
{
	struct blob b = real_blob();
	struct fdt f;

	CHECK_EQ(fdt_init(&f, b.p, b.size), 0);
	int test = fdt_find_compatible(&f, -1, "sifive,test0");
	CHECK_EQ(test, fdt_path_offset(&f, "/soc/test@100000"));
	CHECK_EQ(fdt_find_compatible(&f, test, "sifive,test0"), -ENOENT);
	CHECK(fdt_node_is_compatible(&f, test, "syscon"), "last string of the list");
	CHECK(!fdt_node_is_compatible(&f, test, "sifive"), "prefix is not a match");
	CHECK(!fdt_node_is_compatible(&f, test, "sifive,test"), "prefix is not a match");
	/* Both 16550s, in tree order; the second is disabled. */
	int u1 = fdt_find_compatible(&f, -1, "ns16550a");
	int u2 = fdt_find_compatible(&f, u1, "ns16550a");
	CHECK_EQ(u1, fdt_path_offset(&f, "/soc/serial@10000000"));
	CHECK_EQ(u2, fdt_path_offset(&f, "/soc/bus@20000000/serial@1000"));
	CHECK_EQ(fdt_find_compatible(&f, u2, "ns16550a"), -ENOENT);
	CHECK(fdt_node_is_enabled(&f, u1), "no status = enabled");
	CHECK(!fdt_node_is_enabled(&f, u2), "status = disabled");
	CHECK(fdt_node_is_enabled(&f, fdt_path_offset(&f, "/cpus/cpu@1")), "status = okay");
	/* The root is a candidate too. */
	CHECK_EQ(fdt_find_compatible(&f, -1, "riscv-virtio"), fdt_root(&f));
	CHECK(fdt_stringlist_contains("a\0bc\0", 5, "bc"), "list");
	CHECK(!fdt_stringlist_contains("a\0bc", 4, "bc"), "unterminated tail");
	CHECK(!fdt_stringlist_contains("", 0, ""), "empty list");
	blob_free(&b);
}

static void test_reg_and_cells(void)
{
	struct blob b = real_blob();
	struct fdt f;
	uint64_t base, size;

	CHECK_EQ(fdt_init(&f, b.p, b.size), 0);
	int root = fdt_root(&f);
	CHECK_EQ(fdt_address_cells(&f, root), 2);
	CHECK_EQ(fdt_size_cells(&f, root), 2);
	/* Absent: the spec's defaults. */
	int chosen = fdt_path_offset(&f, "/chosen");
	CHECK_EQ(fdt_address_cells(&f, chosen), 2);
	CHECK_EQ(fdt_size_cells(&f, chosen), 1);
	int odd = fdt_path_offset(&f, "/soc/bus@20000000/odd@2000");
	CHECK_EQ(fdt_address_cells(&f, odd), -ERANGE);

	int mem = fdt_path_offset(&f, "/memory@80000000");
	CHECK_EQ(fdt_reg(&f, mem, 0, &base, &size), 0);
	CHECK_EQ(base, 0x80000000);
	CHECK_EQ(size, 0x8000000);
	CHECK_EQ(fdt_reg(&f, mem, 1, &base, &size), 0);
	CHECK_EQ(base, 0x100000000);
	CHECK_EQ(size, 0x40000000);
	CHECK_EQ(fdt_reg(&f, mem, 2, &base, &size), -ENOENT);
	CHECK_EQ(fdt_reg_cells(&f, mem, 3, 2, 2, &base, &size), -ENOENT);
	CHECK_EQ(fdt_reg_cells(&f, mem, 0, 3, 2, &base, &size), -EINVAL);

	CHECK_EQ(fdt_reg(&f, fdt_path_offset(&f, "/soc/serial@10000000"), 0, &base, &size), 0);
	CHECK_EQ(base, 0x10000000);
	CHECK_EQ(size, 0x100);
	/* 1/1 cells from the bus. */
	CHECK_EQ(fdt_reg(&f, fdt_path_offset(&f, "/soc/bus@20000000/serial@1000"), 0, &base, &size), 0);
	CHECK_EQ(base, 0x1000);
	CHECK_EQ(size, 0x100);
	/* #size-cells = 0. */
	CHECK_EQ(fdt_reg(&f, fdt_path_offset(&f, "/cpus/cpu@1"), 0, &base, &size), 0);
	CHECK_EQ(base, 1);
	CHECK_EQ(size, 0);
	/* 12 bytes is not a whole number of 1+1-cell entries. */
	CHECK_EQ(fdt_reg(&f, odd, 0, &base, &size), -EINVAL);
	/* No reg at all; and the root has no parent to take cells from. */
	CHECK_EQ(fdt_reg(&f, chosen, 0, &base, &size), -ENOENT);
	CHECK_EQ(fdt_reg(&f, root, 0, &base, &size), -EINVAL);
	blob_free(&b);
}

static void test_mem_rsv(void)
{
	struct blob b = real_blob();
	struct fdt f;
	uint64_t base, size;

	CHECK_EQ(fdt_init(&f, b.p, b.size), 0);
	CHECK_EQ(f.rsvmap_count, 2);
	CHECK_EQ(fdt_mem_rsv(&f, 0, &base, &size), 0);
	CHECK_EQ(base, 0x87f00000);
	CHECK_EQ(size, 0x10000);
	CHECK_EQ(fdt_mem_rsv(&f, 1, &base, &size), 0);
	CHECK_EQ(base, 0x1000000000);
	CHECK_EQ(size, 0x2000);
	CHECK_EQ(fdt_mem_rsv(&f, 2, &base, &size), -ENOENT);
	blob_free(&b);
}

/* Version 16 (no size_dt_struct) and NOP tokens everywhere they may appear. */
static void test_v16_and_nops(void)
{
	struct builder bd;
	struct fdt f;

	memset(&bd, 0, sizeof(bd));
	b_u32(&bd, TOK_NOP);
	b_begin(&bd, "");
	b_u32(&bd, TOK_NOP);
	b_prop_u32(&bd, "#address-cells", 1);
	b_u32(&bd, TOK_NOP);
	b_prop_u32(&bd, "#size-cells", 1);
	b_begin(&bd, "a@10");
	b_prop(&bd, "reg", "\0\0\0\x10\0\0\0\x20", 8);
	b_u32(&bd, TOK_NOP);
	b_prop(&bd, "compatible", "x,y\0z", 6);
	b_u32(&bd, TOK_END_NODE);
	b_u32(&bd, TOK_NOP);
	b_begin(&bd, "b");
	b_u32(&bd, TOK_END_NODE);
	b_u32(&bd, TOK_END_NODE);
	b_u32(&bd, TOK_NOP);
	b_u32(&bd, TOK_END);

	for (uint32_t version = 16; version <= 17; version++) {
		struct blob bl = b_finish(&bd, version);
		uint64_t base, size;
		if (!CHECK_EQ(fdt_init(&f, bl.p, bl.size), 0)) {
			blob_free(&bl);
			continue;
		}
		int root = fdt_root(&f);
		CHECK_EQ(root, 4);
		int a = fdt_first_child(&f, root);
		CHECK_STR(fdt_node_name(&f, a), "a@10");
		CHECK_STR(fdt_node_name(&f, fdt_next_sibling(&f, a)), "b");
		CHECK_EQ(fdt_path_offset(&f, "/a"), a);
		CHECK_EQ(fdt_reg(&f, a, 0, &base, &size), 0);
		CHECK_EQ(base, 0x10);
		CHECK_EQ(size, 0x20);
		CHECK(fdt_node_is_compatible(&f, a, "z"), "after a NOP");
		CHECK_EQ(fdt_find_compatible(&f, -1, "z"), a);
		CHECK_EQ(fdt_parent(&f, fdt_path_offset(&f, "/b")), root);
		CHECK_EQ(fdt_path_offset(&f, "/c"), -ENOENT);
		exercise_all(&f);
		blob_free(&bl);
	}
}

static void test_truncated(void)
{
	struct fdt f;
	struct blob b = real_blob();

	CHECK_EQ(fdt_init(&f, NULL, 100), -EOVERFLOW);
	CHECK_EQ(fdt_init(&f, b.p, 0), -EOVERFLOW);
	CHECK_EQ(fdt_init(&f, b.p, 3), -EOVERFLOW);
	CHECK_EQ(fdt_init(&f, b.p, 20), -EOVERFLOW);
	CHECK_EQ(fdt_init(&f, b.p, b.size - 1), -EOVERFLOW);
	blob_free(&b);
	/* Every prefix, in a buffer of exactly that size. */
	for (size_t len = 0; len < sizeof(fdt_test_dtb); len++) {
		struct blob t = blob_copy(fdt_test_dtb, len);
		int err = fdt_init(&f, t.p, t.size);
		CHECK(err == -EOVERFLOW || err == -EINVAL, "prefix %zu: %d", len, err);
		blob_free(&t);
	}
}

static void test_bad_header(void)
{
	uint32_t total = sizeof(fdt_test_dtb);
	uint32_t off_struct = get_be32(fdt_test_dtb + H_OFF_STRUCT);
	uint32_t off_strings = get_be32(fdt_test_dtb + H_OFF_STRINGS);

	CHECK_EQ(init_patched(H_MAGIC, 0xedfe0dd0), -EINVAL);   /* byte-swapped */
	CHECK_EQ(init_patched(H_MAGIC, 0), -EINVAL);
	CHECK_EQ(init_patched(H_VERSION, 15), -EINVAL);
	CHECK_EQ(init_patched(H_LAST_COMP, 18), -EINVAL);
	CHECK_EQ(init_patched(H_VERSION, 18), 0);        /* newer but compatible */
	CHECK_EQ(init_patched(H_TOTALSIZE, 20), -EINVAL);
	CHECK_EQ(init_patched(H_TOTALSIZE, total + 1), -EOVERFLOW);
	CHECK_EQ(init_patched(H_TOTALSIZE, 0xffffffff), -EINVAL);     /* above 2 GiB: refused */
	CHECK_EQ(init_patched(H_OFF_STRUCT, total + 4), -EINVAL);
	CHECK_EQ(init_patched(H_OFF_STRUCT, off_struct + 2), -EINVAL);    /* misaligned */
	CHECK_EQ(init_patched(H_OFF_STRUCT, 8), -EINVAL);                 /* inside the header */
	CHECK_EQ(init_patched(H_SIZE_STRUCT, total), -EINVAL);
	CHECK_EQ(init_patched(H_SIZE_STRUCT, 0xfffffffc), -EINVAL);       /* would wrap 32 bits */
	CHECK_EQ(init_patched(H_SIZE_STRUCT, 0), -EINVAL);                /* no root */
	CHECK_EQ(init_patched(H_OFF_STRINGS, total), -EINVAL);
	CHECK_EQ(init_patched(H_OFF_STRINGS, 0xffffff00), -EINVAL);
	CHECK_EQ(init_patched(H_SIZE_STRINGS, total - off_strings + 1), -EINVAL);
	CHECK_EQ(init_patched(H_SIZE_STRINGS, 0), -EINVAL);               /* names out of bounds */
	CHECK_EQ(init_patched(H_OFF_RSVMAP, 44), -EINVAL);                /* misaligned */
	CHECK_EQ(init_patched(H_OFF_RSVMAP, 0), -EINVAL);
	CHECK_EQ(init_patched(H_OFF_RSVMAP, total - 8), -EINVAL);         /* half an entry */
	CHECK_EQ(init_patched(H_OFF_RSVMAP, 0xfffffff8), -EINVAL);
	/* The reservation block runs into the structure block: no (0, 0) before the end. */
	CHECK_EQ(init_patched(H_OFF_RSVMAP, (total - 16) & ~7u), -EINVAL);
}

static void test_bad_struct(void)
{
	struct builder bd;

	/* The head alone is fine once closed. */
	b_minimal_head(&bd);
	b_u32(&bd, TOK_END_NODE);
	b_u32(&bd, TOK_END);
	CHECK_EQ(init_built(&bd, 17), 0);

	/* No FDT_END. */
	b_minimal_head(&bd);
	b_u32(&bd, TOK_END_NODE);
	CHECK_EQ(init_built(&bd, 17), -EINVAL);

	/* FDT_END inside a node. */
	b_minimal_head(&bd);
	b_u32(&bd, TOK_END);
	CHECK_EQ(init_built(&bd, 17), -EINVAL);

	/* An extra FDT_END_NODE. */
	b_minimal_head(&bd);
	b_u32(&bd, TOK_END_NODE);
	b_u32(&bd, TOK_END_NODE);
	b_u32(&bd, TOK_END);
	CHECK_EQ(init_built(&bd, 17), -EINVAL);

	/* A second root. */
	b_minimal_head(&bd);
	b_u32(&bd, TOK_END_NODE);
	b_begin(&bd, "");
	b_u32(&bd, TOK_END_NODE);
	b_u32(&bd, TOK_END);
	CHECK_EQ(init_built(&bd, 17), -EINVAL);

	/* A property before the root. */
	memset(&bd, 0, sizeof(bd));
	b_prop_u32(&bd, "a", 1);
	b_begin(&bd, "");
	b_u32(&bd, TOK_END_NODE);
	b_u32(&bd, TOK_END);
	CHECK_EQ(init_built(&bd, 17), -EINVAL);

	/* An unknown token. */
	b_minimal_head(&bd);
	b_u32(&bd, 7);
	b_u32(&bd, TOK_END_NODE);
	b_u32(&bd, TOK_END);
	CHECK_EQ(init_built(&bd, 17), -EINVAL);

	/* A property longer than the block. */
	b_minimal_head(&bd);
	b_u32(&bd, TOK_PROP);
	b_u32(&bd, 0x7ffffff0);
	b_u32(&bd, b_string(&bd, "a"));
	b_u32(&bd, TOK_END_NODE);
	b_u32(&bd, TOK_END);
	CHECK_EQ(init_built(&bd, 17), -EINVAL);
	b_minimal_head(&bd);
	b_u32(&bd, TOK_PROP);
	b_u32(&bd, 0xfffffffc);
	b_u32(&bd, b_string(&bd, "a"));
	b_u32(&bd, TOK_END_NODE);
	b_u32(&bd, TOK_END);
	CHECK_EQ(init_built(&bd, 17), -EINVAL);

	/* A property name outside the strings block. */
	b_minimal_head(&bd);
	b_u32(&bd, TOK_PROP);
	b_u32(&bd, 0);
	b_u32(&bd, 0x1000);
	b_u32(&bd, TOK_END_NODE);
	b_u32(&bd, TOK_END);
	CHECK_EQ(init_built(&bd, 17), -EINVAL);

	/* A property name whose NUL is missing: it is the strings block's last byte. */
	memset(&bd, 0, sizeof(bd));
	memcpy(bd.strs, "a\0x", 3);
	bd.strs_len = 3;
	b_begin(&bd, "");
	b_u32(&bd, TOK_PROP);
	b_u32(&bd, 0);
	b_u32(&bd, 2);
	b_u32(&bd, TOK_END_NODE);
	b_u32(&bd, TOK_END);
	CHECK_EQ(init_built(&bd, 17), -EINVAL);

	/* A node name that runs off the end of the structure block. */
	memset(&bd, 0, sizeof(bd));
	b_u32(&bd, TOK_BEGIN);
	memcpy(bd.st + bd.st_len, "abcdefgh", 8);
	bd.st_len += 8;
	CHECK_EQ(init_built(&bd, 17), -EINVAL);
	/* A property header cut short by the end of the block. */
	memset(&bd, 0, sizeof(bd));
	b_begin(&bd, "");
	b_u32(&bd, TOK_PROP);
	b_u32(&bd, 0);
	CHECK_EQ(init_built(&bd, 17), -EINVAL);
}

static void test_too_deep(void)
{
	struct builder bd;

	for (int depth = FDT_MAX_DEPTH; depth <= FDT_MAX_DEPTH + 1; depth++) {
		memset(&bd, 0, sizeof(bd));
		for (int i = 0; i < depth; i++)
			b_begin(&bd, i ? "n" : "");
		for (int i = 0; i < depth; i++)
			b_u32(&bd, TOK_END_NODE);
		b_u32(&bd, TOK_END);
		struct blob bl = b_finish(&bd, 17);
		struct fdt f;
		int err = fdt_init(&f, bl.p, bl.size);
		if (depth <= FDT_MAX_DEPTH) {
			CHECK_EQ(err, 0);
			/* The deepest node's parent is the one above it. */
			char path[2 * FDT_MAX_DEPTH + 2] = "";
			for (int i = 1; i < depth; i++)
				strcat(path, "/n");
			int deepest = fdt_path_offset(&f, path);
			CHECK(deepest > 0, "deepest %d", deepest);
			path[strlen(path) - 2] = '\0';
			CHECK_EQ(fdt_parent(&f, deepest), fdt_path_offset(&f, path[0] ? path : "/"));
		} else {
			CHECK_EQ(err, -EINVAL);
		}
		blob_free(&bl);
	}
}

/* Small deterministic PRNG (xorshift64*), so failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1d;
}

/* Init a damaged copy; if it is accepted, everything must still stay in bounds. */
static unsigned int try_damaged(const struct blob *b)
{
	struct fdt f;

	if (fdt_init(&f, b->p, b->size) != 0)
		return 0;
	CHECK(f.totalsize <= b->size, "totalsize %u > %zu", f.totalsize, b->size);
	exercise_all(&f);
	return 1;
}

static void test_mutations(void)
{
	static const uint8_t xors[] = { 0x01, 0x80, 0xff };
	unsigned int accepted = 0, tried = 0;

	/* Every byte, flipped three ways. */
	for (size_t i = 0; i < sizeof(fdt_test_dtb); i++) {
		for (size_t x = 0; x < sizeof(xors); x++) {
			struct blob b = real_blob();
			b.p[i] ^= xors[x];
			accepted += try_damaged(&b);
			tried++;
			blob_free(&b);
		}
	}
	/* Every aligned word set to values that stress the arithmetic. */
	static const uint32_t words[] = { 0, 1, 3, 9, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff };
	for (size_t i = 0; i + 4 <= sizeof(fdt_test_dtb); i += 4) {
		for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
			struct blob b = real_blob();
			put_be32(b.p + i, words[w]);
			accepted += try_damaged(&b);
			tried++;
			blob_free(&b);
		}
	}
	/* Random multi-byte damage. */
	for (int n = 0; n < 20000; n++) {
		struct blob b = real_blob();
		int k = 1 + (int)(rng() % 8);
		for (int j = 0; j < k; j++)
			b.p[rng() % b.size] = (uint8_t)rng();
		accepted += try_damaged(&b);
		tried++;
		blob_free(&b);
	}
	/* A header that claims exactly what a truncated buffer holds. */
	for (size_t len = FDT_V17_HEADER_SIZE; len < sizeof(fdt_test_dtb); len++) {
		struct blob b = blob_copy(fdt_test_dtb, len);
		put_be32(b.p + H_TOTALSIZE, (uint32_t)len);
		accepted += try_damaged(&b);
		tried++;
		blob_free(&b);
	}
	printf("# %u damaged blobs, %u accepted and walked in bounds\n", tried, accepted);
}

struct unit_test {
	const char *name;
	void (*fn)(void);
};

static const struct unit_test tests[] = {
	{ "header", test_header },
	{ "paths", test_paths },
	{ "aliases", test_aliases },
	{ "children_and_parent", test_children_and_parent },
	{ "props", test_props },
	{ "compatible", test_compatible },
	{ "reg_and_cells", test_reg_and_cells },
	{ "mem_rsv", test_mem_rsv },
	{ "v16_and_nops", test_v16_and_nops },
	{ "truncated", test_truncated },
	{ "bad_header", test_bad_header },
	{ "bad_struct", test_bad_struct },
	{ "too_deep", test_too_deep },
	{ "mutations", test_mutations },
};

int main(void)
{
	char name[64];

	tap_start();
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		snprintf(name, sizeof(name), "fdt.%s", tests[i].name);
		tap_run(name, tests[i].fn);
	}
	return tap_done();
}
