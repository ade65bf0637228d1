/* SPDX-License-Identifier: MIT */
/*
 * A minimal TAP version 13 harness for host unit tests: CHECK() records a failed
 * check and goes on; RUN() runs one test function and prints its "ok"/"not ok"
 * line; tap_done() prints the plan and returns the exit status.
 */
#ifndef TESTS_TAP_H
#define TESTS_TAP_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

static unsigned int tap_failures;   /* failed checks in the current test */
static unsigned int tap_tests, tap_failed_tests;

#define CHECK(cond, ...)                                                           \
	({                                                                         \
		bool ok_ = !!(cond);                                               \
		if (!ok_) {                                                        \
			tap_failures++;                                            \
			printf("# %s:%d: expected %s: ", __FILE__, __LINE__, #cond);  \
			printf(__VA_ARGS__);                                       \
			printf("\n");                                              \
		}                                                                  \
		ok_;                                                               \
	})

#define CHECK_EQ(a, b)                                                             \
	({                                                                         \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                   \
		CHECK(a_ == b_, "%s == %s: 0x%" PRIx64 " != 0x%" PRIx64, #a, #b,   \
		      a_, b_);                                                     \
	})

static inline void tap_start(void)
{
	printf("TAP version 13\n");
	fflush(stdout);
}

static inline void tap_run(const char *name, void (*fn)(void))
{
	tap_failures = 0;
	fn();
	tap_tests++;
	if (tap_failures)
		tap_failed_tests++;
	printf("%sok %u - %s\n", tap_failures ? "not " : "", tap_tests, name);
	fflush(stdout);
}

#define RUN(fn) tap_run(#fn, fn)

static inline int tap_done(void)
{
	printf("1..%u\n", tap_tests);
	return tap_failed_tests ? 1 : 0;
}

#endif
