// SPDX-License-Identifier: MIT
/*
 * The user test programs (tests/user/) in every boot: when the initramfs has a
 * tests/ directory (the boot matrix gives every row one, tests/user/meson.build),
 * each regular file in it runs as /init would (pid 1, argv { path }, Linux's
 * initial environment), one after another, its output kept in memory
 * (struct proc_capture) rather than printed. A program passes when it printed a
 * TAP plan and exactly that many "ok" points and no "not ok", exited 0, and every
 * frame it held came back after it was reaped. The same binaries are compared with
 * Linux 6.1 by scripts/user-test; here they meet every paging mode, memory size,
 * firmware and CPU count of the matrix.
 */
#include <kern/boot.h>
#include <kern/cpio.h>
#include <kern/ktest.h>
#include <kern/printk.h>
#include <kern/proc.h>
#include <kern/string.h>
#include <kern/time.h>
#include <mm/init.h>
#include <mm/slab.h>

#define CAPTURE_SIZE (64u << 10)

struct tap_count {
	long plan;
	unsigned int ok, not_ok;
};

/* Count the plan and points of @len bytes of TAP; log each "not ok" line. */
static void tap_scan(struct ktest_ctx *t, const char *name, const char *buf, size_t len,
		     struct tap_count *c)
{
	*c = (struct tap_count){ .plan = -1 };
	for (size_t i = 0; i < len;) {
		const char *l = buf + i;
		size_t n = 0;
		while (i + n < len && l[n] != '\n')
			n++;
		i += n + 1;
		if (n >= 3 && !memcmp(l, "ok ", 3)) {
			c->ok++;
		} else if (n >= 7 && !memcmp(l, "not ok ", 7)) {
			c->not_ok++;
			ktest_log(t, "%s: %.*s", name, (int)(n > 200 ? 200 : n), l);
		} else if (n >= 3 && !memcmp(l, "1..", 3)) {
			long v = 0;
			for (size_t k = 3; k < n && l[k] >= '0' && l[k] <= '9'; k++)
				v = v * 10 + (l[k] - '0');
			c->plan = v;
		}
	}
}

static void run_one(struct ktest_ctx *t, const char *path, const struct cpio_entry *e,
		    struct proc_capture *cap)
{
	const char *argv[] = { path, NULL };
	const char *envp[] = { "HOME=/", "TERM=linux", NULL };
	struct proc *p;
	struct tap_count c;

	cap->len = 0;
	cap->truncated = false;
	uint64_t frames = mm_settled_free_frames(), start = time_ns();
	int err = proc_spawn_as_init(path, e->data, e->size, argv, envp, cap, &p);
	if (!KT_EXPECT(t, err == 0, "%s: cannot run it (%d)", path, err))
		return;
	proc_wait(p);
	int status = p->exit_status, sig = p->exit_signal;
	proc_reap(p);
	/* Children it left behind are orphans now: killed and reaped, and a failure. */
	unsigned int left = proc_reap_orphans();
	KT_EXPECT(t, left == 0, "%s: %u processes outlived it", path, left);
	uint64_t after = mm_settled_free_frames(), ms = (time_ns() - start) / 1000000;

	tap_scan(t, path, cap->buf, cap->len, &c);
	bool ok = KT_EXPECT(t, !sig && status == 0, "%s: exit status %d, signal %d", path, status, sig);
	ok &= KT_EXPECT(t, c.plan > 0 && c.ok == (unsigned long)c.plan && !c.not_ok,
			"%s: plan %ld, %u ok, %u not ok", path, c.plan, c.ok, c.not_ok);
	ok &= KT_EXPECT(t, !cap->truncated, "%s: more than %u bytes of output", path, CAPTURE_SIZE);
	ok &= KT_EXPECT(t, after == frames, "%s: %llu frames free before, %llu after", path,
			(unsigned long long)frames, (unsigned long long)after);
	if (ok)
		ktest_log(t, "%s: %u of %ld points, exit 0, every frame back, %llu ms", path, c.ok,
			  c.plan, (unsigned long long)ms);
	else if (cap->len)
		ktest_log(t, "%s: the end of its output: %.*s", path,
			  (int)(cap->len > 400 ? 400 : cap->len),
			  cap->buf + (cap->len > 400 ? cap->len - 400 : 0));
}

KTEST(userprog, every_test_program_passes)
{
	size_t size;
	const void *a = boot_initrd(&size);
	struct cpio_iter it;
	struct cpio_entry e;
	char why[128] = "", path[128];
	unsigned int n = 0;
	int r;

	if (!a) {
		ktest_skip(t, "no initrd (the boot matrix gives one with tests/)");
		return;
	}
	struct proc_capture cap = { .buf = kmalloc(CAPTURE_SIZE, 0), .cap = CAPTURE_SIZE };
	KT_ASSERT(t, cap.buf, "no memory for the output buffer");
	cpio_iter_init(&it, a, size);
	while ((r = cpio_next(&it, &e, why, sizeof(why))) == 1) {
		if (e.name_len <= 6 || memcmp(e.name, "tests/", 6) ||
		    (e.mode & CPIO_S_IFMT) != CPIO_S_IFREG || e.name_len + 2 > sizeof(path))
			continue;
		path[0] = '/';
		memcpy(path + 1, e.name, e.name_len + 1);
		run_one(t, path, &e, &cap);
		n++;
	}
	kfree(cap.buf);
	KT_EXPECT(t, r == 0, "the archive is malformed: %s", why);
	if (!n)
		ktest_skip(t, "the initrd has no tests/ programs");
}
