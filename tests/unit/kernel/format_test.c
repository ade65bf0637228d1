// SPDX-License-Identifier: MIT
/*
 * Host tests of the kernel's vsnprintf (kernel/format.c): every conversion, flag,
 * width, precision and length modifier the kernel uses, checked against the host C
 * library's snprintf, plus truncation and the kernel-specific %p. The kernel file is
 * included under other names, so both implementations live in one program.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define snprintf ksnprintf
#define vsnprintf kvsnprintf
#include "../../../kernel/format.c"
#undef snprintf
#undef vsnprintf

#include "../host/tap.h"

/* Format with both and compare text and returned length. */
#define SAME(...)                                                                    \
	do {                                                                         \
		char k_[256], h_[256];                                               \
		int kn_ = ksnprintf(k_, sizeof(k_), __VA_ARGS__);                    \
		int hn_ = snprintf(h_, sizeof(h_), __VA_ARGS__);                     \
		CHECK(kn_ == hn_ && strcmp(k_, h_) == 0, "%s: kernel \"%s\" (%d), libc \"%s\" (%d)", \
		      #__VA_ARGS__, k_, kn_, h_, hn_);                               \
	} while (0)

static void test_integers(void)
{
	SAME("%d %i %u", 0, -1, 4000000000u);
	SAME("%d", -2147483647 - 1);
	SAME("%ld %lu %lld %llu", -5l, 5ul, -9223372036854775807ll - 1, 18446744073709551615ull);
	SAME("%zu %zx", (size_t)12345, (size_t)0xabcdef);
	/*
	 * h and hh must narrow the promoted int they receive; passing values that do
	 * not fit is the point, so the format check is off for this line.
	 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
	SAME("%hd %hu %hhd %hhu", 70000, 70000, 300, 300);
#pragma GCC diagnostic pop
	SAME("%x %X %o", 0xdeadbeefu, 0xdeadbeefu, 0755u);
	SAME("%llx %#llx %#x %#X %#o", 0x123456789abcdefull, 0xffull, 0u, 0x1fu, 8u);
	SAME("%#o %#x %#5x %#05x", 0u, 0u, 0x1fu, 0x1fu);
}

static void test_width_and_flags(void)
{
	SAME("[%5d] [%-5d] [%05d] [%5u]", 42, 42, 42, 7u);
	SAME("[%5d] [%05d] [%-6d]", -42, -42, -42);
	SAME("[%016llx] [%#018llx] [%8x] [%-8x]", 0xabcull, 0xabcull, 0x1fu, 0x1fu);
	SAME("[%*d] [%-*d] [%*d]", 6, 1, 6, 1, -6, 1);
	SAME("[%1d] [%0d] [%3c] [%-3c]", 12345, 7, 'x', 'y');
}

static void test_strings(void)
{
	SAME("[%s] [%10s] [%-10s]", "abc", "abc", "abc");
	SAME("[%.2s] [%.*s] [%.0s]", "abcdef", 3, "abcdef", "abc");
	SAME("[%5.2s] [%-5.1s]", "abcdef", "abcdef");
	SAME("100%% [%c]", 'z');
	SAME("%s", "");
}

static void test_truncation(void)
{
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	CHECK_EQ(ksnprintf(buf, sizeof(buf), "%s", "0123456789"), 10);
	CHECK(strcmp(buf, "0123456") == 0, "got \"%s\"", buf);
	CHECK_EQ(ksnprintf(buf, 1, "abc"), 3);
	CHECK(buf[0] == '\0', "size 1 must hold just the terminator");
	buf[0] = 'Q';
	CHECK_EQ(ksnprintf(buf, 0, "abc"), 3);
	CHECK(buf[0] == 'Q', "size 0 must write nothing");
}

static void test_pointer_and_null(void)
{
	char buf[64];

	ksnprintf(buf, sizeof(buf), "%p", (void *)0x1234);
	CHECK(strcmp(buf, "0x0000000000001234") == 0, "%%p gave \"%s\"", buf);
	/*
	 * NULL for %s is what this checks; a volatile copy keeps gcc from proving the
	 * argument null at compile time (-Wformat-overflow), without silencing it.
	 */
	const char *volatile null_str = NULL;
	ksnprintf(buf, sizeof(buf), "%s", null_str);
	CHECK(strcmp(buf, "(null)") == 0, "%%s of NULL gave \"%s\"", buf);
	/* An unknown conversion is printed as it stands (checked on purpose). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
	ksnprintf(buf, sizeof(buf), "%q %");
#pragma GCC diagnostic pop
	CHECK(strcmp(buf, "%q ") == 0, "unknown conversion gave \"%s\"", buf);
}

int main(void)
{
	tap_start();
	RUN(test_integers);
	RUN(test_width_and_flags);
	RUN(test_strings);
	RUN(test_truncation);
	RUN(test_pointer_and_null);
	return tap_done();
}
