// SPDX-License-Identifier: MIT
/*
 * The user-mode benchmark (not a test): the cost of the system calls and faults a
 * static Linux program makes, run as /init on kestrel and on Linux 6.1 under the same
 * QEMU with -icount shift=0 (one tick of the guest's clock per guest instruction),
 * so that the figures are instruction counts that repeat run to run. scripts/bench-user
 * runs it on both kernels and prints them side by side; docs/user-bench.md has the table.
 *
 * Prints one line per case, "bench NAME TICKS_X10 OPS": ticks per operation times
 * ten (the runtime prints no floats), over OPS operations after a warm-up. Ticks are
 * read from the arch's user-readable counter (rdtsc, rdtime), scaled to the guest
 * clock's nanoseconds by a calibration against CLOCK_MONOTONIC at start (x86_64's
 * TSC under icount counts instructions; riscv64's time CSR counts one per 100 ns of
 * QEMU virt's 10 MHz timebase). Then "boot NAME VALUE" lines: the counter and
 * CLOCK_MONOTONIC when main() began, i.e. at the first user instructions.
 *
 * fork_exit_wait_16m and cow_first_write measure processes that fork: a fork of a process
 * with 16 MiB touched, with its exit and wait4, and a child's first write to a page
 * it shares copy-on-write. vfork_exit_wait_16m is the vfork of the same process
 * (posix_spawn's way): no copy at all, whatever the memory.
 *
 * Each case measures only what its name says: the mappings it needs are made before
 * the counter is read and removed after, except where making or removing them is
 * the case.
 */
#include "rt/rt.h"

#define PG PAGE_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

#define BARRIER() __asm__ volatile("" ::: "memory")

static uint64_t scale = 1;	/* guest nanoseconds per counter unit */

static uint64_t now(void)
{
	return arch_cycles() * scale;
}

static void report(const char *name, uint64_t ticks, uint64_t ops)
{
	rt_printf("bench %s %llu %llu\n", name, (unsigned long long)(ticks * 10 / ops),
		  (unsigned long long)ops);
}

static _Noreturn void fail(const char *what, long r)
{
	rt_printf("bench-error %s: %ld\n", what, r);
	rt_drain_stdout();
	sys_exit_group(1);
}

static void *map(size_t len)
{
	long r = sys_mmap(NULL, len, RW, ANON, -1, 0);

	if (sys_is_err(r))
		fail("mmap", r);
	return (void *)r;
}

static void unmap(void *p, size_t len)
{
	long r = sys_munmap(p, len);

	if (r)
		fail("munmap", r);
}

static void touch(void *p, size_t len)
{
	for (size_t off = 0; off < len; off += PG)
		((volatile char *)p)[off] = 1;
}

/* The counter's unit in guest nanoseconds, a whole number: 1 on x86_64 (the TSC runs
 * at the guest clock's rate under icount), 100 on riscv64 (10 MHz). */
static void calibrate(void)
{
	int64_t m0 = rt_clock_ns(CLOCK_MONOTONIC);
	uint64_t c0 = arch_cycles();
	volatile uint64_t spin = 0;

	for (int i = 0; i < 2000000; i++)
		spin = spin + (uint64_t)i;
	(void)spin;
	int64_t m1 = rt_clock_ns(CLOCK_MONOTONIC);
	uint64_t c1 = arch_cycles();
	uint64_t dm = (uint64_t)(m1 - m0), dc = c1 - c0;

	if (m0 < 0 || m1 <= m0 || dc == 0)
		fail("calibrate", (long)m1);
	scale = (dm + dc / 2) / dc;
	if (scale == 0)
		scale = 1;
}

static void bench_null_syscall(void)
{
	enum { N = 20000 };

	for (int i = 0; i < 1000; i++)
		sys_getppid();
	uint64_t t0 = now();
	for (int i = 0; i < N; i++)
		sys_getppid();
	report("null_syscall", now() - t0, N);
}

/* First write to each page of a fresh anonymous mapping: the fault, a zeroed frame,
 * the leaf entry, the return. */
static void bench_fault(void)
{
	enum { PAGES = 1024, ROUNDS = 4 };
	uint64_t sum = 0;

	for (int r = 0; r <= ROUNDS; r++) {
		char *p = map(PAGES * PG);
		uint64_t t0 = now();

		touch(p, PAGES * PG);
		uint64_t t = now() - t0;
		if (r > 0)	/* round 0 warms up */
			sum += t;
		unmap(p, PAGES * PG);
	}
	report("fault_first_touch", sum, (uint64_t)PAGES * ROUNDS);
}

static void bench_mmap_munmap(bool touched)
{
	enum { N = 2000 };

	for (int i = 0; i < 100; i++) {
		char *p = map(PG);

		if (touched)
			touch(p, PG);
		unmap(p, PG);
	}
	uint64_t t0 = now();
	for (int i = 0; i < N; i++) {
		char *p = map(PG);

		if (touched)
			touch(p, PG);
		unmap(p, PG);
	}
	report(touched ? "mmap_munmap_touched" : "mmap_munmap", now() - t0, N);
}

/* mprotect of 16 populated pages, alternating read-only and read-write: every leaf
 * changes, and the downgrade flushes. */
static void bench_mprotect(void)
{
	enum { N = 2000, PAGES = 16 };
	char *p = map(PAGES * PG);

	touch(p, PAGES * PG);
	for (int i = 0; i < 100; i++)
		sys_mprotect(p, PAGES * PG, (i & 1) ? RW : PROT_READ);
	uint64_t t0 = now();
	for (int i = 0; i < N; i++) {
		long r = sys_mprotect(p, PAGES * PG, (i & 1) ? RW : PROT_READ);

		if (r)
			fail("mprotect", r);
	}
	report("mprotect_16_pages", now() - t0, N);
	unmap(p, PAGES * PG);
}

/* One brk call that grows the break by a page, one that shrinks it back. */
static void bench_brk(void)
{
	enum { N = 2000 };
	long base = sys_brk(NULL);

	for (int i = 0; i < 100; i++) {
		sys_brk((void *)(base + PG));
		sys_brk((void *)base);
	}
	uint64_t t0 = now();
	for (int i = 0; i < N; i++) {
		long r = sys_brk((void *)(base + PG));

		if (r != base + (long)PG)
			fail("brk grow", r);
		sys_brk((void *)base);
	}
	report("brk_grow_shrink", now() - t0, N);
}

/* mremap of a touched page to two pages in place (the page above is kept free), then
 * back to one. */
static void bench_mremap(void)
{
	enum { N = 2000 };
	char *p = map(2 * PG);

	unmap(p + PG, PG);
	touch(p, PG);
	for (int i = 0; i < 100; i++) {
		sys_mremap(p, PG, 2 * PG, 0, NULL);
		sys_mremap(p, 2 * PG, PG, 0, NULL);
	}
	uint64_t t0 = now();
	for (int i = 0; i < N; i++) {
		long r = sys_mremap(p, PG, 2 * PG, 0, NULL);

		if (r != (long)p)
			fail("mremap grow", r);
		r = sys_mremap(p, 2 * PG, PG, 0, NULL);
		if (r != (long)p)
			fail("mremap shrink", r);
	}
	report("mremap_grow_shrink", now() - t0, N);
	unmap(p, PG);
}

/* munmap of 2 MiB whose 512 pages are all populated: the leaves, the frames, the
 * page-table page, the flush. */
static void bench_munmap_2m(void)
{
	enum { ROUNDS = 20, LEN = 2 * 1024 * 1024 };
	uint64_t sum = 0;

	for (int r = 0; r <= ROUNDS; r++) {
		char *p = map(LEN);

		touch(p, LEN);
		uint64_t t0 = now();
		unmap(p, LEN);
		uint64_t t = now() - t0;
		if (r > 0)
			sum += t;
	}
	report("munmap_2m_populated", sum, ROUNDS);
}

/*
 * fork (or vfork) + exit + wait4 of a process with 16 MiB of private memory
 * touched: with fork, the page-table copy, the copy-on-write marking and the
 * teardown; with vfork, none of that (the child borrows the address space). The
 * call is made here, not through a helper: a vfork child returns into this frame.
 */
static void bench_fork_16m(bool vfork)
{
	enum { ROUNDS = 20, LEN = 16 * 1024 * 1024 };
	char *p = map(LEN);
	uint64_t sum = 0;

	touch(p, LEN);
	for (int r = 0; r <= ROUNDS; r++) {
		uint64_t t0 = now();
		long pid = vfork ? arch_vfork() : sys_fork();
		if (pid == 0)
			sys_exit_group(0);
		int st = -1;
		if (pid < 0 || sys_wait4((int)pid, &st, 0, NULL) != pid || st != 0)
			fail(vfork ? "vfork" : "fork", pid);
		uint64_t t = now() - t0;
		if (r > 0)
			sum += t;
	}
	report(vfork ? "vfork_exit_wait_16m" : "fork_exit_wait_16m", sum, ROUNDS);
	unmap(p, LEN);
}

/* The first write to a copy-on-write page, in a child, 1024 pages: the fault and
 * the 4 KiB copy. The child prints its own line. */
static void bench_cow_write(void)
{
	enum { PAGES = 1024 };
	char *p = map(PAGES * PG);

	touch(p, PAGES * PG);
	long pid = sys_fork();
	if (pid == 0) {
		uint64_t t0 = now();
		touch(p, PAGES * PG);
		report("cow_first_write", now() - t0, PAGES);
		sys_exit_group(0);
	}
	int st = -1;
	if (pid < 0 || sys_wait4((int)pid, &st, 0, NULL) != pid || st != 0)
		fail("fork", pid);
	unmap(p, PAGES * PG);
}

int main(int argc, char **argv)
{
	/* First: the counter as the program starts, before anything else ran. */
	uint64_t boot_count = arch_cycles();
	int64_t boot_mono = rt_clock_ns(CLOCK_MONOTONIC);

	(void)argc;
	(void)argv;
	calibrate();
	rt_printf("bench-scale %llu\n", (unsigned long long)scale);
	bench_null_syscall();
	bench_fault();
	bench_mmap_munmap(false);
	bench_mmap_munmap(true);
	bench_mprotect();
	bench_brk();
	bench_mremap();
	bench_munmap_2m();
	bench_fork_16m(false);
	bench_fork_16m(true);
	bench_cow_write();
	rt_printf("boot counter_at_main %llu\n", (unsigned long long)(boot_count * scale));
	rt_printf("boot monotonic_at_main %lld\n", (long long)boot_mono);
	rt_printf("bench-done\n");
	rt_drain_stdout();
	return 0;
}
