// SPDX-License-Identifier: MIT
/*
 * TAP version 13 for the user test programs: the plan first, then one ok/not ok line
 * per point, "# " comments for diagnostics. Descriptions must not hold addresses or
 * anything else that changes run to run: the output of a program on kestrel and on
 * Linux is compared byte for byte (the diagnostics of a failed point may).
 */
#include "rt.h"

static unsigned int tap_planned, tap_run, tap_failed;

void tap_plan(unsigned int n)
{
	tap_planned = n;
	rt_printf("TAP version 13\n1..%u\n", n);
}

static bool tap_vok(bool pass, const char *fmt, va_list ap)
{
	char desc[256];

	rt_vsnprintf(desc, sizeof(desc), fmt, ap);
	tap_run++;
	if (!pass)
		tap_failed++;
	rt_printf("%sok %u - %s\n", pass ? "" : "not ", tap_run, desc);
	return pass;
}

bool tap_ok(bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vok(pass, fmt, ap);
	va_end(ap);
	return pass;
}

/* "-EINVAL", "-errno 200", or the value in decimal and hex. */
static void describe(char *buf, size_t size, long r)
{
	const char *name = sys_is_err(r) ? rt_errno_name((int)-r) : NULL;

	if (name)
		rt_snprintf(buf, size, "-%s", name);
	else if (sys_is_err(r))
		rt_snprintf(buf, size, "-errno %ld", -r);
	else
		rt_snprintf(buf, size, "%ld (0x%lx)", r, (unsigned long)r);
}

bool tap_expect(long got, long want, const char *fmt, ...)
{
	char g[48], w[48];
	va_list ap;
	bool pass = got == want;

	va_start(ap, fmt);
	tap_vok(pass, fmt, ap);
	va_end(ap);
	if (!pass) {
		describe(g, sizeof(g), got);
		describe(w, sizeof(w), want);
		tap_diag("got %s, want %s", g, w);
	}
	return pass;
}

void tap_diag(const char *fmt, ...)
{
	char line[400];
	va_list ap;

	va_start(ap, fmt);
	rt_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	rt_printf("# %s\n", line);
}

int tap_done(void)
{
	if (tap_run != tap_planned)
		tap_diag("planned %u points, ran %u", tap_planned, tap_run);
	rt_drain_stdout();
	return tap_failed == 0 && tap_run == tap_planned ? 0 : 1;
}
