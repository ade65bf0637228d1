/* SPDX-License-Identifier: MIT */
/*
 * ktest: in-kernel test suites, registered from any file and run at boot.
 *
 *   KTEST(memmap, no_overlap) {
 *       KT_EXPECT(t, a < b, "regions %u and %u overlap", i, j);
 *   }
 *
 * KTEST() places a descriptor in the "ktests" linker section, so adding a test is
 * adding a file (or a function) to the build: there is no central list. Tests are
 * compiled in when the meson option ktest is on (the default) and run when the
 * kernel command line holds "ktest" (every suite except "selftest") or
 * "ktest=PATTERN[,PATTERN...]" where a pattern is "suite" or "suite.name" (and
 * may end in '*'). Results are printed as TAP version 13 on the console; the
 * machine then powers off with the verdict (arch_shutdown()).
 *
 * The "selftest" suite holds deliberately failing, panicking and hanging tests that
 * prove the harness catches each failure mode; it only runs when named. So does the
 * "bench" suite: measurements (docs/smp.md), meant for a deterministic QEMU
 * (-icount), whose figures it prints as TAP comments.
 */
#ifndef KERN_KTEST_H
#define KERN_KTEST_H

#include <kern/types.h>

struct ktest_ctx;

struct ktest {
	const char *suite;
	const char *name;
	void (*fn)(struct ktest_ctx *t);
	const char *file;
	int line;
};

#define KTEST(suite_, name_)                                                        \
	static void ktest_fn_##suite_##_##name_(struct ktest_ctx *t);              \
	static const struct ktest ktest_desc_##suite_##_##name_                     \
		__used __section("ktests") __aligned(8) = {                         \
		.suite = #suite_, .name = #name_,                                   \
		.fn = ktest_fn_##suite_##_##name_,                                  \
		.file = __FILE__, .line = __LINE__,                                 \
	};                                                                          \
	static void ktest_fn_##suite_##_##name_(struct ktest_ctx *t)

/* Record a failure with a message (the test goes on). */
__printf(4, 5) void ktest_fail(struct ktest_ctx *t, const char *file, int line,
			       const char *fmt, ...);
/* Print a TAP diagnostic line ("# ...") under the current test. */
__printf(2, 3) void ktest_log(struct ktest_ctx *t, const char *fmt, ...);
/* Mark the current test skipped (it still counts as not failed). */
void ktest_skip(struct ktest_ctx *t, const char *reason);
bool ktest_failed(const struct ktest_ctx *t);

#define KT_EXPECT(t, cond, ...)                                                     \
	({                                                                          \
		bool ok_ = !!(cond);                                                \
		if (!ok_)                                                           \
			ktest_fail((t), __FILE__, __LINE__, "expected " #cond ": "  \
				   __VA_ARGS__);                                    \
		ok_;                                                                \
	})

/* Like KT_EXPECT, but ends the test (returns from the test function) on failure. */
#define KT_ASSERT(t, cond, ...)                                                     \
	do {                                                                        \
		if (!KT_EXPECT(t, cond, __VA_ARGS__))                               \
			return;                                                     \
	} while (0)

#define KT_EXPECT_EQ(t, a, b)                                                       \
	({                                                                          \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                    \
		if (a_ != b_)                                                       \
			ktest_fail((t), __FILE__, __LINE__,                         \
				   "expected %s == %s: 0x%llx != 0x%llx", #a, #b,   \
				   (unsigned long long)a_, (unsigned long long)b_); \
		a_ == b_;                                                           \
	})

/*
 * Run the tests selected by @spec (NULL or "" = every suite but selftest).
 * Prints TAP; returns true if none failed and at least one ran.
 */
bool ktest_run(const char *spec);

#endif
