/* SPDX-License-Identifier: MIT */
/*
 * The initramfs: a "newc" cpio archive (the format Linux's initramfs uses,
 * Documentation/driver-api/early-userspace/buffer-format.rst), read in place
 * (kernel/cpio.c). Each member is a 110-byte ASCII header of thirteen 8-digit hex
 * fields after the magic "070701", the NUL-terminated name, padding to 4 bytes,
 * the data, padding to 4 bytes; the member named "TRAILER!!!" ends the archive.
 *
 * Everything is checked against the archive's size: a truncated or malformed
 * archive is an error with a reason, never a read past its end. Generic: builds
 * into the kernel and into host tests.
 */
#ifndef KERN_CPIO_H
#define KERN_CPIO_H

#include <kern/types.h>

/* File types from the mode field (the st_mode bits of Linux). */
#define CPIO_S_IFMT  0170000
#define CPIO_S_IFREG 0100000
#define CPIO_S_IFDIR 0040000
#define CPIO_S_IFLNK 0120000

struct cpio_entry {
	const char *name;        /* as stored: no leading "/" (cpio strips it), NUL-terminated */
	size_t name_len;         /* without the NUL */
	uint32_t mode;           /* type and permission bits */
	const void *data;        /* the file's bytes (a symlink's target), in the archive */
	size_t size;
};

/* A position in an archive: start with cpio_iter_init(). */
struct cpio_iter {
	const uint8_t *base;
	size_t size;
	size_t off;
};

void cpio_iter_init(struct cpio_iter *it, const void *archive, size_t size);

/*
 * The next member: returns 1 and fills @e, 0 at the trailer, or -EINVAL for a
 * malformed or truncated archive (then @why, if not NULL, holds a reason of at
 * most @why_len bytes, e.g. "member at 0x1f4: name runs past the archive").
 */
int cpio_next(struct cpio_iter *it, struct cpio_entry *e, char *why, size_t why_len);

/*
 * Look @path up ("/init", "init", "./bin/x" all name the same member; "." and ".."
 * components are not resolved beyond a leading "./"). Returns 0 and fills @e, -ENOENT
 * if no member has that name, -EINVAL for a malformed archive (reason in @why).
 */
int cpio_find(const void *archive, size_t size, const char *path, struct cpio_entry *e,
	      char *why, size_t why_len);

#endif
