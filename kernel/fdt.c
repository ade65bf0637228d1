// SPDX-License-Identifier: MIT
/*
 * The flattened device tree reader (see <kern/fdt.h>).
 *
 * Format (Devicetree Specification v0.4, chapter 5): a header of big-endian u32
 * fields, a memory-reservation block of (u64 address, u64 size) pairs ended by
 * (0, 0), a structure block of 4-byte aligned tokens (FDT_BEGIN_NODE + NUL-ended
 * name, FDT_PROP + len + nameoff + value, FDT_END_NODE, FDT_NOP, FDT_END) and a
 * strings block holding property names.
 *
 * Every access goes through the few helpers below that check the offset against
 * the block it belongs to, so the only trust placed in the blob is that @avail
 * bytes are readable; all arithmetic on blob values is done in 64 bits so it
 * cannot wrap. Offsets the API hands out are structure-block offsets < 2^31.
 */
#include <kern/errno.h>
#include <kern/fdt.h>
#include <kern/string.h>

/* Structure-block tokens (DT spec 5.4.1). */
#define FDT_BEGIN_NODE 0x1
#define FDT_END_NODE   0x2
#define FDT_PROP       0x3
#define FDT_NOP        0x4
#define FDT_END        0x9

/* Header field offsets (DT spec 5.2). */
#define HDR_MAGIC             0
#define HDR_TOTALSIZE         4
#define HDR_OFF_DT_STRUCT     8
#define HDR_OFF_DT_STRINGS   12
#define HDR_OFF_MEM_RSVMAP   16
#define HDR_VERSION          20
#define HDR_LAST_COMP        24
#define HDR_BOOT_CPUID       28
#define HDR_SIZE_DT_STRINGS  32
#define HDR_SIZE_DT_STRUCT   36

/* The newest format we read; a blob readable by version-17 readers says so in last_comp_version. */
#define FDT_VERSION_READ 17

uint32_t fdt_read_u32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint64_t fdt_read_cells(const void *p, int cells)
{
	const uint8_t *b = p;

	switch (cells) {
	case 1:
		return fdt_read_u32(b);
	case 2:
		return (uint64_t)fdt_read_u32(b) << 32 | fdt_read_u32(b + 4);
	default:
		return 0;
	}
}

static uint32_t hdr_u32(const uint8_t *blob, unsigned int field)
{
	return fdt_read_u32(blob + field);
}

/* Length of the NUL-terminated string at @s within @max bytes, or -1 if unterminated. */
static int64_t bounded_strlen(const char *s, uint64_t max)
{
	for (uint64_t i = 0; i < max; i++)
		if (!s[i])
			return (int64_t)i;
	return -1;
}

/* ---- structure-block tokens ---- */

struct token {
	uint32_t tag;
	uint32_t next;       /* offset of the following token */
	/* FDT_BEGIN_NODE */
	const char *name;
	/* FDT_PROP */
	uint32_t len;
	uint32_t nameoff;
	const uint8_t *value;
};

static uint64_t align4(uint64_t x)
{
	return (x + 3) & ~(uint64_t)3;
}

/*
 * Decode the token at structure offset @off. Returns 0, or -EINVAL if it is not a
 * whole, known token inside the structure block.
 */
static int token_at(const struct fdt *fdt, int64_t off, struct token *t)
{
	const uint8_t *base = fdt->blob + fdt->struct_off;
	uint64_t size = fdt->struct_size;

	if (off < 0 || (off & 3) || (uint64_t)off + 4 > size)
		return -EINVAL;
	t->tag = fdt_read_u32(base + off);
	uint64_t next = (uint64_t)off + 4;
	switch (t->tag) {
	case FDT_BEGIN_NODE: {
		int64_t n = bounded_strlen((const char *)base + next, size - next);
		if (n < 0)
			return -EINVAL;
		t->name = (const char *)base + next;
		next = align4(next + (uint64_t)n + 1);
		break;
	}
	case FDT_PROP:
		if (next + 8 > size)
			return -EINVAL;
		t->len = fdt_read_u32(base + next);
		t->nameoff = fdt_read_u32(base + next + 4);
		next += 8;
		if (t->len > size - next)
			return -EINVAL;
		t->value = base + next;
		next = align4(next + t->len);
		break;
	case FDT_END_NODE:
	case FDT_NOP:
	case FDT_END:
		break;
	default:
		return -EINVAL;
	}
	/* Padding may only run past a block whose size is not a multiple of 4. */
	if (next > align4(size))
		return -EINVAL;
	t->next = (uint32_t)next;
	return 0;
}

/* The property name of a FDT_PROP token, or NULL if outside the strings block. */
static const char *prop_name(const struct fdt *fdt, const struct token *t)
{
	if (t->nameoff >= fdt->strings_size)
		return NULL;
	const char *s = (const char *)fdt->blob + fdt->strings_off + t->nameoff;
	if (bounded_strlen(s, fdt->strings_size - t->nameoff) < 0)
		return NULL;
	return s;
}

/* Skip FDT_NOP tokens from @off; the first other token is decoded into @t. */
static int skip_nops(const struct fdt *fdt, int64_t off, struct token *t, int64_t *at)
{
	for (;;) {
		int err = token_at(fdt, off, t);
		if (err)
			return err;
		if (t->tag != FDT_NOP) {
			*at = off;
			return 0;
		}
		off = t->next;
	}
}

/* ---- validation ---- */

static int check_rsvmap(struct fdt *fdt)
{
	uint64_t off = fdt->rsvmap_off;

	for (uint32_t i = 0;; i++, off += 16) {
		if (off + 16 > fdt->totalsize)
			return -EINVAL;
		uint64_t a = fdt_read_cells(fdt->blob + off, 2);
		uint64_t s = fdt_read_cells(fdt->blob + off + 8, 2);
		if (a == 0 && s == 0) {
			fdt->rsvmap_count = i;
			return 0;
		}
	}
}

/* Walk every token once: known tokens, balanced nodes, named properties, one root, FDT_END. */
static int check_struct(const struct fdt *fdt)
{
	struct token t;
	int64_t off;
	int depth = 0;

	if (skip_nops(fdt, 0, &t, &off) || t.tag != FDT_BEGIN_NODE)
		return -EINVAL;
	for (;;) {
		if (token_at(fdt, off, &t))
			return -EINVAL;
		switch (t.tag) {
		case FDT_BEGIN_NODE:
			if (++depth > FDT_MAX_DEPTH)
				return -EINVAL;
			break;
		case FDT_END_NODE:
			if (--depth == 0) {
				/* The root is closed: only NOPs and FDT_END may follow. */
				if (skip_nops(fdt, t.next, &t, &off) || t.tag != FDT_END)
					return -EINVAL;
				return 0;
			}
			break;
		case FDT_PROP:
			if (!prop_name(fdt, &t))
				return -EINVAL;
			break;
		case FDT_NOP:
			break;
		default:        /* FDT_END inside a node */
			return -EINVAL;
		}
		off = t.next;
	}
}

uint32_t fdt_header_totalsize(const void *blob, size_t avail)
{
	if (!blob || avail < 8 || hdr_u32(blob, HDR_MAGIC) != FDT_MAGIC)
		return 0;
	return hdr_u32(blob, HDR_TOTALSIZE);
}

int fdt_init(struct fdt *fdt, const void *blob, size_t avail)
{
	const uint8_t *b = blob;
	struct fdt f = { .blob = b };

	if (!b || avail < 4)
		return -EOVERFLOW;
	if (hdr_u32(b, HDR_MAGIC) != FDT_MAGIC)
		return -EINVAL;
	if (avail < FDT_V16_HEADER_SIZE)
		return -EOVERFLOW;
	f.version = hdr_u32(b, HDR_VERSION);
	/* DT spec 5.2: version 17 blobs say last_comp_version 16; both are readable. */
	if (f.version < 16 || hdr_u32(b, HDR_LAST_COMP) > FDT_VERSION_READ)
		return -EINVAL;
	uint32_t hdr_size = f.version >= 17 ? FDT_V17_HEADER_SIZE : FDT_V16_HEADER_SIZE;
	f.totalsize = hdr_u32(b, HDR_TOTALSIZE);
	if (f.totalsize < hdr_size || f.totalsize > INT32_MAX)
		return -EINVAL;
	if (f.totalsize > avail)
		return -EOVERFLOW;

	f.boot_cpuid = hdr_u32(b, HDR_BOOT_CPUID);
	f.struct_off = hdr_u32(b, HDR_OFF_DT_STRUCT);
	f.strings_off = hdr_u32(b, HDR_OFF_DT_STRINGS);
	f.strings_size = hdr_u32(b, HDR_SIZE_DT_STRINGS);
	f.rsvmap_off = hdr_u32(b, HDR_OFF_MEM_RSVMAP);
	if (f.struct_off < hdr_size || f.struct_off > f.totalsize || (f.struct_off & 3))
		return -EINVAL;
	/* Version 16 has no size_dt_struct: the block may run to the end of the blob. */
	f.struct_size = f.version >= 17 ? hdr_u32(b, HDR_SIZE_DT_STRUCT)
					: f.totalsize - f.struct_off;
	if ((uint64_t)f.struct_off + f.struct_size > f.totalsize)
		return -EINVAL;
	if (f.strings_off < hdr_size ||
	    (uint64_t)f.strings_off + f.strings_size > f.totalsize)
		return -EINVAL;
	/* DT spec 5.3: the reservation block is 8-byte aligned. */
	if (f.rsvmap_off < hdr_size || (f.rsvmap_off & 7))
		return -EINVAL;

	int err = check_rsvmap(&f);
	if (!err)
		err = check_struct(&f);
	if (err)
		return err;
	*fdt = f;
	return 0;
}

/* ---- nodes ---- */

int fdt_root(const struct fdt *fdt)
{
	struct token t;
	int64_t off;

	if (skip_nops(fdt, 0, &t, &off) || t.tag != FDT_BEGIN_NODE)
		return -EINVAL;
	return (int)off;
}

/* Decode the FDT_BEGIN_NODE token at @node; -EINVAL if @node is not one. */
static int node_token(const struct fdt *fdt, int node, struct token *t)
{
	if (token_at(fdt, node, t) || t->tag != FDT_BEGIN_NODE)
		return -EINVAL;
	return 0;
}

const char *fdt_node_name(const struct fdt *fdt, int node)
{
	struct token t;

	return node_token(fdt, node, &t) ? NULL : t.name;
}

/* Does the node name @name (NUL-terminated) answer to the path component @s (@len bytes)? */
static bool name_matches(const char *name, const char *s, size_t len)
{
	if (strncmp(name, s, len) != 0 || strnlen(name, len) != len)
		return false;
	if (name[len] == '\0')
		return true;
	/* "serial" names "serial@10000000" too (DT spec 2.2.1: unit address omitted). */
	for (size_t i = 0; i < len; i++)
		if (s[i] == '@')
			return false;
	return name[len] == '@';
}

bool fdt_node_name_is(const struct fdt *fdt, int node, const char *base)
{
	const char *name = fdt_node_name(fdt, node);

	return name && name_matches(name, base, strlen(base));
}

int fdt_first_child(const struct fdt *fdt, int node)
{
	struct token t;
	int64_t off;

	if (node_token(fdt, node, &t))
		return -EINVAL;
	/* DT spec 5.4.2: a node's properties precede its children. */
	for (off = t.next;; off = t.next) {
		if (token_at(fdt, off, &t))
			return -EINVAL;
		if (t.tag == FDT_BEGIN_NODE)
			return (int)off;
		if (t.tag == FDT_END_NODE)
			return -ENOENT;
		if (t.tag != FDT_PROP && t.tag != FDT_NOP)
			return -EINVAL;
	}
}

/* The offset just past @node's FDT_END_NODE. */
static int64_t node_end(const struct fdt *fdt, int node)
{
	struct token t;
	int depth = 0;
	int64_t off = node;

	if (node_token(fdt, node, &t))
		return -EINVAL;
	for (;;) {
		if (token_at(fdt, off, &t))
			return -EINVAL;
		if (t.tag == FDT_BEGIN_NODE)
			depth++;
		else if (t.tag == FDT_END_NODE && --depth == 0)
			return t.next;
		else if (t.tag == FDT_END)
			return -EINVAL;
		off = t.next;
	}
}

int fdt_next_sibling(const struct fdt *fdt, int node)
{
	struct token t;
	int64_t off = node_end(fdt, node);

	if (off < 0)
		return (int)off;
	if (skip_nops(fdt, off, &t, &off))
		return -EINVAL;
	if (t.tag == FDT_BEGIN_NODE)
		return (int)off;
	/* The parent's FDT_END_NODE, or FDT_END after the root. */
	return t.tag == FDT_END_NODE || t.tag == FDT_END ? -ENOENT : -EINVAL;
}

int fdt_parent(const struct fdt *fdt, int node)
{
	int stack[FDT_MAX_DEPTH];
	int depth = 0;
	struct token t;
	int64_t off = fdt_root(fdt);

	if (off < 0)
		return (int)off;
	if (node_token(fdt, node, &t))
		return -EINVAL;
	for (;;) {
		if (token_at(fdt, off, &t))
			return -EINVAL;
		if (t.tag == FDT_BEGIN_NODE) {
			if (off == node)
				return depth ? stack[depth - 1] : -ENOENT;
			if (depth == FDT_MAX_DEPTH)
				return -EINVAL;
			stack[depth++] = (int)off;
		} else if (t.tag == FDT_END_NODE) {
			if (depth-- == 0)
				return -EINVAL;
		} else if (t.tag == FDT_END) {
			return -EINVAL;       /* @node is not a node start */
		}
		off = t.next;
	}
}

/* The child of @parent named by the path component @s (@len bytes). */
static int child_named(const struct fdt *fdt, int parent, const char *s, size_t len)
{
	int child;

	fdt_for_each_child(fdt, parent, child) {
		const char *name = fdt_node_name(fdt, child);
		if (name && name_matches(name, s, len))
			return child;
	}
	return child == -ENOENT ? -ENOENT : -EINVAL;
}

/* Resolve the components of @path (@len bytes) below @node. */
static int walk_path(const struct fdt *fdt, int node, const char *path, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (path[i] == '/') {
			i++;
			continue;
		}
		size_t start = i;
		while (i < len && path[i] != '/')
			i++;
		node = child_named(fdt, node, path + start, i - start);
		if (node < 0)
			return node;
	}
	return node;
}

int fdt_path_offset_len(const struct fdt *fdt, const char *path, size_t len)
{
	int root = fdt_root(fdt);

	if (root < 0)
		return root;
	len = strnlen(path, len);
	if (len == 0)
		return -ENOENT;
	if (path[0] == '/')
		return walk_path(fdt, root, path, len);

	/* DT spec 3.3: an alias names a full path in /aliases; the rest is relative to it. */
	size_t alen = 0;
	while (alen < len && path[alen] != '/')
		alen++;
	int aliases = child_named(fdt, root, "aliases", 7);
	if (aliases < 0)
		return aliases;
	char name[64];
	if (alen >= sizeof(name))
		return -ENOENT;
	memcpy(name, path, alen);
	name[alen] = '\0';
	const char *target = fdt_prop_string(fdt, aliases, name);
	if (!target || target[0] != '/')
		return -ENOENT;
	int node = walk_path(fdt, root, target, strlen(target));
	if (node < 0)
		return node;
	return walk_path(fdt, node, path + alen, len - alen);
}

int fdt_path_offset(const struct fdt *fdt, const char *path)
{
	return fdt_path_offset_len(fdt, path, SIZE_MAX);
}

/* ---- properties ---- */

const void *fdt_prop(const struct fdt *fdt, int node, const char *name, uint32_t *len)
{
	struct token t;
	int64_t off;

	if (node_token(fdt, node, &t))
		return NULL;
	for (off = t.next;; off = t.next) {
		if (token_at(fdt, off, &t))
			return NULL;
		if (t.tag == FDT_NOP)
			continue;
		if (t.tag != FDT_PROP)
			return NULL;
		const char *pname = prop_name(fdt, &t);
		if (pname && strcmp(pname, name) == 0) {
			if (len)
				*len = t.len;
			return t.value;
		}
	}
}

const char *fdt_prop_string(const struct fdt *fdt, int node, const char *name)
{
	uint32_t len;
	const char *s = fdt_prop(fdt, node, name, &len);

	if (!s || len == 0 || bounded_strlen(s, len) < 0)
		return NULL;
	return s;
}

bool fdt_prop_u32(const struct fdt *fdt, int node, const char *name, uint32_t *val)
{
	uint32_t len;
	const void *p = fdt_prop(fdt, node, name, &len);

	if (!p || len != 4)
		return false;
	*val = fdt_read_u32(p);
	return true;
}

bool fdt_prop_uint(const struct fdt *fdt, int node, const char *name, uint64_t *val)
{
	uint32_t len;
	const void *p = fdt_prop(fdt, node, name, &len);

	if (!p || (len != 4 && len != 8))
		return false;
	*val = fdt_read_cells(p, (int)(len / 4));
	return true;
}

bool fdt_stringlist_contains(const char *list, uint32_t len, const char *s)
{
	size_t slen = strlen(s);

	while (len > 0) {
		int64_t n = bounded_strlen(list, len);
		if (n < 0)
			return false;    /* an unterminated tail names nothing */
		if ((size_t)n == slen && memcmp(list, s, slen) == 0)
			return true;
		list += n + 1;
		len -= (uint32_t)n + 1;
	}
	return false;
}

bool fdt_node_is_compatible(const struct fdt *fdt, int node, const char *compat)
{
	uint32_t len;
	const char *list = fdt_prop(fdt, node, "compatible", &len);

	return list && fdt_stringlist_contains(list, len, compat);
}

int fdt_find_compatible(const struct fdt *fdt, int from, const char *compat)
{
	struct token t;
	int64_t off = fdt_root(fdt);

	if (off < 0)
		return (int)off;
	for (;; off = t.next) {
		if (token_at(fdt, off, &t))
			return -EINVAL;
		if (t.tag == FDT_END)
			return -ENOENT;
		if (t.tag == FDT_BEGIN_NODE && off > from &&
		    fdt_node_is_compatible(fdt, (int)off, compat))
			return (int)off;
	}
}

bool fdt_node_is_enabled(const struct fdt *fdt, int node)
{
	uint32_t len;
	const char *status = fdt_prop(fdt, node, "status", &len);

	if (!status)
		return true;
	return fdt_stringlist_contains(status, len, "okay") ||
	       fdt_stringlist_contains(status, len, "ok");
}

static int cells_prop(const struct fdt *fdt, int node, const char *name, uint32_t dflt,
		      uint32_t min, uint32_t max)
{
	uint32_t v = dflt;
	uint32_t len;

	if (fdt_prop(fdt, node, name, &len) && !fdt_prop_u32(fdt, node, name, &v))
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	return (int)v;
}

int fdt_address_cells(const struct fdt *fdt, int node)
{
	return cells_prop(fdt, node, "#address-cells", 2, 1, 2);
}

int fdt_size_cells(const struct fdt *fdt, int node)
{
	return cells_prop(fdt, node, "#size-cells", 1, 0, 2);
}

int fdt_reg_cells(const struct fdt *fdt, int node, unsigned int index, int address_cells,
		  int size_cells, uint64_t *base, uint64_t *size)
{
	uint32_t len;
	const uint8_t *reg = fdt_prop(fdt, node, "reg", &len);

	if (address_cells < 1 || address_cells > 2 || size_cells < 0 || size_cells > 2)
		return -EINVAL;
	if (!reg)
		return -ENOENT;
	uint32_t entry = (uint32_t)(address_cells + size_cells) * 4;
	if (len % entry)
		return -EINVAL;
	if (index >= len / entry)
		return -ENOENT;
	reg += (size_t)index * entry;
	*base = fdt_read_cells(reg, address_cells);
	*size = size_cells ? fdt_read_cells(reg + address_cells * 4, size_cells) : 0;
	return 0;
}

int fdt_reg(const struct fdt *fdt, int node, unsigned int index, uint64_t *base, uint64_t *size)
{
	int parent = fdt_parent(fdt, node);

	if (parent < 0)
		return -EINVAL;   /* the root has no "reg" */
	int ac = fdt_address_cells(fdt, parent);
	int sc = fdt_size_cells(fdt, parent);
	if (ac < 0 || sc < 0)
		return -EINVAL;
	return fdt_reg_cells(fdt, node, index, ac, sc, base, size);
}

int fdt_mem_rsv(const struct fdt *fdt, unsigned int index, uint64_t *base, uint64_t *size)
{
	if (index >= fdt->rsvmap_count)
		return -ENOENT;
	/* fdt_init() checked that the whole block, terminator included, is in bounds. */
	const uint8_t *e = fdt->blob + fdt->rsvmap_off + (size_t)index * 16;
	*base = fdt_read_cells(e, 2);
	*size = fdt_read_cells(e + 8, 2);
	return 0;
}
