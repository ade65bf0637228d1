// SPDX-License-Identifier: MIT
/*
 * fork when memory has run out: the program takes every free frame the kernel has
 * (MADV_POPULATE_WRITE of a mapping far larger than the machine's memory, which
 * stops with ENOMEM once no frame is left), then forks. Each fork must fail with
 * ENOMEM and leave the parent as it was: its data, its mappings, its ability to go
 * on. Once some memory is given back, a fork works again and its child sees the
 * parent's data; after the program, the kernel checks that every frame is back
 * (a frame missing once /init is reaped fails the boot: proc_run_init()).
 *
 * kestrel only: Linux has no such clean failure to compare with. Its overcommit
 * lets the populate succeed or its OOM killer end a process, so this program's
 * expectations are the ("a fork under memory pressure failing cleanly"),
 * not Linux's output. It is left out of the boot matrix: populating all of an
 * 8 GiB row's memory under TCG takes minutes.
 */
#include "rt/rt.h"

#define PG PAGE_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define HUGE_LEN (64UL << 30)		/* more than any machine this runs on has */
#define GIVE_BACK (16UL << 20)		/* what is freed before the fork that works */
#define TRIES 5

/* The stack this program will need, touched while memory is there. */
static void __attribute__((noinline)) touch_stack(void)
{
	volatile char buf[64 * 1024];

	for (size_t i = 0; i < sizeof(buf); i += PG)
		buf[i] = 1;
}

int main(void)
{
	tap_plan(5);
	touch_stack();
	volatile unsigned int *mark = (void *)sys_mmap(NULL, 4 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long r = sys_mmap(NULL, HUGE_LEN, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (sys_is_err((long)mark) || sys_is_err(r)) {
		tap_ok(false, "mappings for the test (%ld)", r);
		return tap_done();
	}
	for (unsigned int i = 0; i < 4; i++)
		mark[i * PG / 4] = 0xa000 + i;
	char *huge = (char *)r;

	/* Every free frame: the populate stops at the first page it cannot get. */
	long adv = sys_madvise(huge, HUGE_LEN, MADV_POPULATE_WRITE);
	tap_expect(adv, -ENOMEM, "MADV_POPULATE_WRITE of 64 GiB runs out of memory");

	/* Forks now: each fails cleanly. */
	int enomem = 0, other = 0;
	long last = 0;
	for (int i = 0; i < TRIES; i++) {
		long pid = sys_fork();
		if (pid == 0)
			sys_exit_group(0);	/* should not happen: no memory for it */
		if (pid == -ENOMEM)
			enomem++;
		else {
			other++;
			last = pid;
			if (pid > 0)
				sys_wait4((int)pid, NULL, 0, NULL);
		}
	}
	tap_ok(enomem == TRIES, "%d forks with no memory left: each fails with ENOMEM (%d did not: last %ld)",
	       TRIES, other, last);
	bool intact = true;
	for (unsigned int i = 0; i < 4; i++)
		intact &= mark[i * PG / 4] == 0xa000 + i;
	mark[0] = 0xb000;		/* still writable: no copy-on-write left behind */
	intact &= mark[0] == 0xb000 && huge[0] == 0 && huge[PG] == 0;
	tap_ok(intact, "the parent's data is as it was, its pages writable, after the failed forks");

	/* Some memory back: a fork works, and its child sees the parent's data. */
	tap_expect(sys_munmap(huge, GIVE_BACK), 0, "munmap of 16 MiB of it gives memory back");
	long pid = sys_fork();
	if (pid == 0) {
		int ok = mark[0] == 0xb000 && mark[PG / 4] == 0xa001;
		mark[0] = 0xc000;	/* a copy: a frame of its own */
		sys_exit_group(ok && mark[0] == 0xc000 ? 0 : 1);
	}
	int status = -1;
	long w = pid > 0 ? sys_wait4((int)pid, &status, 0, NULL) : pid;
	tap_ok(pid > 0 && w == pid && status == 0 && mark[0] == 0xb000,
	       "then a fork works: the child sees the parent's data and its write stays its own (fork %ld, status %d)",
	       pid, status);
	sys_munmap(huge, HUGE_LEN);
	sys_munmap((void *)mark, 4 * PG);
	return tap_done();
}
