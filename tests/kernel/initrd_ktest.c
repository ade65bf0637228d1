// SPDX-License-Identifier: MIT
/*
 * The initramfs as the kernel receives it (scripts/run --initrd: a multiboot2
 * module on x86_64, QEMU's -initrd through the device tree on riscv64): the whole
 * archive reads as newc cpio up to its trailer, and with "initrd.check=PATH" on
 * the command line PATH is in it and starts with "kestrel initrd test" (the boot
 * test tests/boot/meson.build runs builds such an archive). Without an initrd both
 * skip, unless initrd.check asks for one.
 */
#include <kern/boot.h>
#include <kern/cmdline.h>
#include <kern/cpio.h>
#include <kern/errno.h>
#include <kern/ktest.h>
#include <kern/string.h>

KTEST(initrd, archive_reads_to_its_trailer)
{
	size_t size;
	const void *a = boot_initrd(&size);
	struct cpio_iter it;
	struct cpio_entry e;
	char why[128] = "";
	unsigned int n = 0;
	int r;

	if (!a) {
		KT_EXPECT(t, !cmdline_has("initrd.check"), "initrd.check given, but no initrd");
		ktest_skip(t, "no initrd (scripts/run --initrd)");
		return;
	}
	cpio_iter_init(&it, a, size);
	while ((r = cpio_next(&it, &e, why, sizeof(why))) == 1)
		n++;
	KT_EXPECT(t, r == 0, "the archive is malformed: %s", why);
	ktest_log(t, "%u members in %zu bytes", n, size);
}

KTEST(initrd, lookup)
{
	char path[128];
	size_t size;
	const void *a = boot_initrd(&size);
	struct cpio_entry e;
	char why[128] = "";
	static const char want[] = "kestrel initrd test";

	if (cmdline_get_value("initrd.check", path, sizeof(path)) <= 0) {
		ktest_skip(t, "no initrd.check=PATH");
		return;
	}
	KT_ASSERT(t, a, "initrd.check=%s, but no initrd", path);
	int r = cpio_find(a, size, path, &e, why, sizeof(why));
	KT_ASSERT(t, r == 0, "%s: %d %s", path, r, why);
	KT_EXPECT(t, (e.mode & CPIO_S_IFMT) == CPIO_S_IFREG, "%s: mode %#o", path, e.mode);
	KT_EXPECT(t, e.size >= sizeof(want) - 1 && memcmp(e.data, want, sizeof(want) - 1) == 0,
		  "%s does not start with \"%s\"", path, want);
	KT_EXPECT_EQ(t, cpio_find(a, size, "/no/such/file", &e, why, sizeof(why)), -ENOENT);
}
