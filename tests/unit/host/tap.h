/* SPDX-License-Identifier: MIT */
/*
 * The TAP version 13 harness every host unit test uses: CHECK() records a failed
 * check and goes on; tap_run() runs one test function and prints its "ok"/"not ok"
 * line; tap_done() prints the plan and returns the exit status. The state lives in
 * tap.c (linked into every unit test), so a test may span several files.
 */
#ifndef TESTS_TAP_H
#define TESTS_TAP_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

extern unsigned int tap_failures;   /* failed checks in the current test */

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

/* Like CHECK, for two integers, printing both (signed, for errnos, and hex). */
#define CHECK_EQ(a, b)                                                             \
	({                                                                         \
		int64_t a_ = (int64_t)(a), b_ = (int64_t)(b);                      \
		CHECK(a_ == b_, "%s == %s: %" PRId64 " (0x%" PRIx64 ") != %" PRId64 \
		      " (0x%" PRIx64 ")", #a, #b, a_, (uint64_t)a_, b_, (uint64_t)b_); \
	})

/* Print the TAP header; stdout becomes line buffered, so a sanitizer abort loses nothing. */
void tap_start(void);
/* Run @fn as one TAP point named @name. */
void tap_run(const char *name, void (*fn)(void));
/* Print the plan and a summary; returns the exit status (0 if every point passed). */
int tap_done(void);

#define RUN(fn) tap_run(#fn, fn)

#endif
