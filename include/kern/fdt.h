/* SPDX-License-Identifier: MIT */
/*
 * A small read-only reader for flattened device trees (the DTB format of the
 * Devicetree Specification v0.4, chapter 5). Generic: any arch whose firmware
 * hands over a device tree (riscv64 now, arm64 later) uses it, and it builds
 * unchanged for host unit tests.
 *
 * fdt_init() validates the whole blob once (header, block bounds, every token of
 * the structure block, every property name, the memory-reservation block), and
 * every later read is bounds-checked again against the blob's totalsize, so a
 * malformed or hostile blob yields an error, never a read outside the blob.
 *
 * A node is named by its offset: the position of its FDT_BEGIN_NODE token in the
 * structure block (as in libfdt). Functions returning an int give a node offset
 * (>= 0) or a negative errno: -ENOENT if there is no such node, -EINVAL if the
 * blob is malformed there. Nothing allocates, nothing is cached: the blob is
 * read in place (it must stay mapped and unchanged while in use). No locks: a
 * struct fdt is immutable after fdt_init() and may be shared between readers.
 *
 * Property values are big-endian and need not be aligned; read them with
 * fdt_read_u32() / fdt_read_cells().
 */
#ifndef KERN_FDT_H
#define KERN_FDT_H

#include <kern/types.h>

#define FDT_MAGIC           0xd00dfeed
#define FDT_V16_HEADER_SIZE 36   /* version 16 has no size_dt_struct */
#define FDT_V17_HEADER_SIZE 40
#define FDT_MAX_DEPTH       64   /* deeper nesting is refused as malformed */

struct fdt {
	const uint8_t *blob;
	uint32_t totalsize;     /* bytes of the blob, from its header */
	uint32_t version;
	uint32_t boot_cpuid;    /* boot_cpuid_phys from the header */
	uint32_t struct_off;    /* the structure block: [struct_off, +struct_size) */
	uint32_t struct_size;
	uint32_t strings_off;   /* the strings block */
	uint32_t strings_size;
	uint32_t rsvmap_off;    /* the memory-reservation block */
	uint32_t rsvmap_count;  /* entries before the terminating (0, 0) one */
};

/*
 * Check the blob at @blob, of which the caller guarantees @avail readable bytes,
 * and fill @fdt. Returns 0; -EINVAL for a bad magic, an unsupported version
 * (below 16, or not backwards compatible with 17), blocks out of bounds, or a
 * malformed structure or reservation block; -EOVERFLOW if the header's totalsize
 * exceeds @avail (a truncated blob).
 */
int fdt_init(struct fdt *fdt, const void *blob, size_t avail);

/* Read only the header's totalsize (0 if fewer than 8 bytes or a bad magic). */
uint32_t fdt_header_totalsize(const void *blob, size_t avail);

/* The root node's offset. */
int fdt_root(const struct fdt *fdt);

/*
 * The node at @path: absolute ("/soc/serial@10000000"; a component without a
 * unit address, "serial", matches "serial@..." too, first one wins) or starting
 * with an alias from /aliases ("serial0", "serial0/child"). Trailing '/' ignored.
 */
int fdt_path_offset(const struct fdt *fdt, const char *path);

/*
 * Like fdt_path_offset() for the first @len bytes of @path only (so callers can
 * cut options off, as in /chosen/stdout-path = "serial0:115200n8").
 */
int fdt_path_offset_len(const struct fdt *fdt, const char *path, size_t len);

/* The first child of @node, or its next sibling; -ENOENT when there is none. */
int fdt_first_child(const struct fdt *fdt, int node);
int fdt_next_sibling(const struct fdt *fdt, int node);

#define fdt_for_each_child(fdt, parent, child)                              \
	for ((child) = fdt_first_child((fdt), (parent)); (child) >= 0;      \
	     (child) = fdt_next_sibling((fdt), (child)))

/* The parent of @node (-ENOENT for the root). Walks from the root: O(blob). */
int fdt_parent(const struct fdt *fdt, int node);

/* The name of @node with its unit address ("memory@80000000"; "" for the root), or NULL. */
const char *fdt_node_name(const struct fdt *fdt, int node);

/* True if @node is called @base, with or without a unit address ("memory", "memory@0"). */
bool fdt_node_name_is(const struct fdt *fdt, int node, const char *base);

/*
 * The value of property @name of @node and its length in bytes (@len may be NULL),
 * or NULL if the node has no such property or @node is not a node.
 */
const void *fdt_prop(const struct fdt *fdt, int node, const char *name, uint32_t *len);

/* A property holding one string: the string, or NULL if absent or not NUL-terminated. */
const char *fdt_prop_string(const struct fdt *fdt, int node, const char *name);

/* A property holding one u32 cell: true and *@val set, or false if absent or not 4 bytes. */
bool fdt_prop_u32(const struct fdt *fdt, int node, const char *name, uint32_t *val);

/*
 * A property holding one number of one or two cells (linux,initrd-start, say):
 * true and *@val set, or false if absent or of another size.
 */
bool fdt_prop_uint(const struct fdt *fdt, int node, const char *name, uint64_t *val);

/* True if the string list @list (@len bytes, as in "compatible") contains @s. */
bool fdt_stringlist_contains(const char *list, uint32_t len, const char *s);

/* True if @node's "compatible" list contains @compat. */
bool fdt_node_is_compatible(const struct fdt *fdt, int node, const char *compat);

/*
 * The first node after offset @from (-1: from the start, root included) whose
 * "compatible" contains @compat, in structure-block (depth-first) order.
 */
int fdt_find_compatible(const struct fdt *fdt, int from, const char *compat);

/* False if @node has a "status" other than "okay" or "ok" (DT spec 2.3.4). */
bool fdt_node_is_enabled(const struct fdt *fdt, int node);

/*
 * @node's "#address-cells" / "#size-cells", which describe its children's "reg";
 * absent: the DT spec 2.3.5 defaults 2 and 1. Negative errno if out of the range
 * this reader handles (1..2 address cells, 0..2 size cells: 64-bit values).
 */
int fdt_address_cells(const struct fdt *fdt, int node);
int fdt_size_cells(const struct fdt *fdt, int node);

/*
 * Entry @index of @node's "reg", decoded with the cell counts of @node's parent.
 * Returns 0, -ENOENT if there is no such entry, -EINVAL if "reg" is malformed or
 * the parent's cell counts are out of range.
 */
int fdt_reg(const struct fdt *fdt, int node, unsigned int index, uint64_t *base, uint64_t *size);

/* Like fdt_reg(), with the cell counts given (for a walk that knows the parent). */
int fdt_reg_cells(const struct fdt *fdt, int node, unsigned int index, int address_cells,
		  int size_cells, uint64_t *base, uint64_t *size);

/*
 * Entry @index of the memory-reservation block (DT spec 5.3). Returns 0, or -ENOENT
 * when @index is at or past fdt->rsvmap_count.
 */
int fdt_mem_rsv(const struct fdt *fdt, unsigned int index, uint64_t *base, uint64_t *size);

/* Big-endian reads of unaligned property bytes; @cells is 1 or 2 (else 0 is returned). */
uint32_t fdt_read_u32(const void *p);
uint64_t fdt_read_cells(const void *p, int cells);

#endif
