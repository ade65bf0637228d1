// SPDX-License-Identifier: MIT
/*
 * The ktest runner (see <kern/ktest.h>): walks the "ktests" linker section, picks
 * the tests the command line selected and prints TAP version 13.
 *
 * Tests run one after another on the boot CPU. After the last test of each suite,
 * one more TAP point checks that the suite left memory where it found it: the free
 * frames (caches settled, mm_settled_free_frames()) equal their count before the
 * suite's first test. A test that panics or hangs ends
 * the run: the TAP stream stops short, the machine powers off with a failure
 * status (panic) or the runner's timeout fires (hang); either way scripts/run
 * reports a failure.
 */
#include <kern/ktest.h>
#include <kern/printk.h>
#include <kern/string.h>
#include <mm/init.h>

extern const struct ktest __ktests_start[], __ktests_end[];

struct ktest_ctx {
	const struct ktest *test;
	unsigned int failures;
	const char *skip_reason;
};

void ktest_fail(struct ktest_ctx *t, const char *file, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t->failures++;
	pr_info("# %s:%d: %s\n", file, line, msg);
}

void ktest_log(struct ktest_ctx *t, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	(void)t;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_info("# %s\n", msg);
}

void ktest_skip(struct ktest_ctx *t, const char *reason)
{
	t->skip_reason = reason;
}

bool ktest_failed(const struct ktest_ctx *t)
{
	return t->failures != 0;
}

/* Does @pat (a "suite", "suite.name" or either ending in '*') match @t? */
static bool pattern_matches(const char *pat, size_t len, const struct ktest *t)
{
	char full[96];
	size_t n = (size_t)snprintf(full, sizeof(full), "%s.%s", t->suite, t->name);

	if (len && pat[len - 1] == '*')
		return n >= len - 1 && memcmp(full, pat, len - 1) == 0;
	size_t slen = strlen(t->suite);
	if (len == slen && memcmp(pat, t->suite, slen) == 0)
		return true;
	return len == n && memcmp(pat, full, n) == 0;
}

static bool selected(const char *spec, const struct ktest *t)
{
	if (!spec || !*spec)
		return strcmp(t->suite, "selftest") != 0 && strcmp(t->suite, "bench") != 0;
	for (const char *p = spec; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len && pattern_matches(p, len, t))
			return true;
		p += len + (end ? 1 : 0);
	}
	return false;
}

/* Is @t the last selected test of its suite (the next selected one is another suite)? */
static bool last_of_suite(const char *spec, const struct ktest *t)
{
	for (const struct ktest *n = t + 1; n < __ktests_end; n++)
		if (selected(spec, n))
			return strcmp(n->suite, t->suite) != 0;
	return true;
}

bool ktest_run(const char *spec)
{
	unsigned int planned = 0, n = 0, passed = 0, failed = 0, skipped = 0;
	uint64_t baseline = 0;
	bool suite_start = true;

	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++)
		if (selected(spec, t))
			planned += last_of_suite(spec, t) ? 2 : 1;
	pr_info("TAP version 13\n");
	pr_info("1..%u\n", planned);
	for (const struct ktest *t = __ktests_start; t < __ktests_end; t++) {
		if (!selected(spec, t))
			continue;
		if (suite_start)
			baseline = mm_settled_free_frames();
		struct ktest_ctx ctx = { .test = t };
		n++;
		t->fn(&ctx);
		if (ctx.failures) {
			failed++;
			pr_info("not ok %u %s.%s\n", n, t->suite, t->name);
		} else if (ctx.skip_reason) {
			skipped++;
			pr_info("ok %u %s.%s # SKIP %s\n", n, t->suite, t->name, ctx.skip_reason);
		} else {
			passed++;
			pr_info("ok %u %s.%s\n", n, t->suite, t->name);
		}
		suite_start = last_of_suite(spec, t);
		if (suite_start) {
			uint64_t now = mm_settled_free_frames();
			n++;
			if (now == baseline) {
				passed++;
				pr_info("ok %u %s.memory_back_at_baseline\n", n, t->suite);
			} else {
				failed++;
				pr_info("# %s: %llu free frames before the suite, %llu after\n", t->suite,
					(unsigned long long)baseline, (unsigned long long)now);
				pr_info("not ok %u %s.memory_back_at_baseline\n", n, t->suite);
			}
		}
	}
	pr_info("# ktest: %u passed, %u failed, %u skipped\n", passed, failed, skipped);
	if (planned == 0)
		pr_info("# ktest: no test matched \"%s\"\n", spec ? spec : "");
	return failed == 0 && planned > 0;
}
