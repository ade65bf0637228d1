// SPDX-License-Identifier: MIT
/* The TAP harness of the host unit tests (see tap.h). */
#include <stdio.h>

#include "tap.h"

unsigned int tap_failures;
static unsigned int tap_points, tap_failed;

void tap_start(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
}

void tap_run(const char *name, void (*fn)(void))
{
	tap_failures = 0;
	fn();
	tap_points++;
	if (tap_failures)
		tap_failed++;
	printf("%s %u - %s\n", tap_failures ? "not ok" : "ok", tap_points, name);
	fflush(stdout);
}

int tap_done(void)
{
	printf("1..%u\n", tap_points);
	printf("# %u passed, %u failed\n", tap_points - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}
