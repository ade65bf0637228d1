// SPDX-License-Identifier: MIT
/*
 * Host tests of the kernel command line (kernel/cmdline.c): the kernel's own
 * parameters end at "--", and init's argv and envp are built as Linux 6.1's
 * init/main.c builds them (unknown_bootoption(), set_init_arg()).
 */
#include <string.h>

#include <kern/cmdline.h>
#include <kern/errno.h>

#include "../host/tap.h"

static char buf[CMDLINE_MAX];
static const char *argv[8], *envp[8];

static int build(const char *line)
{
	memset(argv, 0, sizeof(argv));
	memset(envp, 0, sizeof(envp));
	return cmdline_init_args(line, "/init", buf, sizeof(buf), argv, 8, envp, 8);
}

static bool strs_are(const char *const *got, const char *const *want)
{
	for (size_t i = 0;; i++) {
		if (!got[i] || !want[i])
			return !got[i] && !want[i];
		if (strcmp(got[i], want[i]))
			return false;
	}
}

#define ARGV_IS(...) CHECK(strs_are(argv, (const char *[]){ __VA_ARGS__, NULL }), "argv")
#define ENVP_IS(...) CHECK(strs_are(envp, (const char *[]){ __VA_ARGS__, NULL }), "envp")

static void test_defaults(void)
{
	CHECK_EQ(build(""), 0);
	ARGV_IS("/init");
	ENVP_IS("HOME=/", "TERM=linux");
	CHECK_EQ(build(NULL), 0);
	ARGV_IS("/init");
}

static void test_kernel_params_dropped(void)
{
	CHECK_EQ(build("loglevel=7 ktest ktest=user smp=4 nosmp init=/bin/x mmu=sv39 timer=sbi "
		       "tlb_remote=ipi smp_start_ms=9 smp_timeout_ms=9"), 0);
	ARGV_IS("/init");
	ENVP_IS("HOME=/", "TERM=linux");
	/* A '.' in the name: a module parameter, never init's (with or without a value). */
	CHECK_EQ(build("ktest.ram=128M smp.expect=4 foo.bar quiet.x=1"), 0);
	ARGV_IS("/init");
	ENVP_IS("HOME=/", "TERM=linux");
}

static void test_unknown_words(void)
{
	CHECK_EQ(build("single FOO=bar loglevel=3 x=1=2 verbose"), 0);
	ARGV_IS("/init", "single", "verbose");
	ENVP_IS("HOME=/", "TERM=linux", "FOO=bar", "x=1=2");
	/* The same name replaces, the defaults included; a prefix is another name. */
	CHECK_EQ(build("TERM=vt100 A=1 AB=2 A=3 HOME=/root"), 0);
	ENVP_IS("HOME=/root", "TERM=vt100", "A=3", "AB=2");
}

static void test_after_dashdash(void)
{
	CHECK_EQ(build("loglevel=7 FOO=1 -- a ktest B=2 -- x.y=1"), 0);
	ARGV_IS("/init", "a", "ktest", "B=2", "--", "x.y=1");
	ENVP_IS("HOME=/", "TERM=linux", "FOO=1");
	/* The kernel's own parameters stop at "--". */
	cmdline_set("smp=2 -- smp=4 ktest");
	char v[8];
	CHECK_EQ(cmdline_get_value("smp", v, sizeof(v)), 1);
	CHECK(!strcmp(v, "2"), "smp=%s", v);
	CHECK(!cmdline_has("ktest"), "ktest after --");
	cmdline_set("");
}

static void test_limits(void)
{
	/* 8 entries with the NULL: 7 arguments, /init included. */
	CHECK_EQ(build("-- 1 2 3 4 5 6"), 0);
	ARGV_IS("/init", "1", "2", "3", "4", "5", "6");
	CHECK_EQ(build("-- 1 2 3 4 5 6 7"), -E2BIG);
	CHECK_EQ(build("A=1 B=2 C=3 D=4 E=5"), 0);
	CHECK_EQ(build("A=1 B=2 C=3 D=4 E=5 F=6"), -E2BIG);
	char small[8];
	CHECK_EQ(cmdline_init_args("-- abc def", "/init", small, sizeof(small), argv, 8, envp, 8), 0);
	CHECK_EQ(cmdline_init_args("-- abc defg", "/init", small, sizeof(small), argv, 8, envp, 8), -E2BIG);
}

int main(void)
{
	tap_start();
	RUN(test_defaults);
	RUN(test_kernel_params_dropped);
	RUN(test_unknown_words);
	RUN(test_after_dashdash);
	RUN(test_limits);
	return tap_done();
}
