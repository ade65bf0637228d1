// SPDX-License-Identifier: MIT
/*
 * Demand paging and user faults, as Linux 6.1 handles them: what mincore() says
 * before and after a touch, reads of untouched memory (the shared zero page) and
 * writes after them (copy-on-write), SIGSEGV delivered to an SA_SIGINFO handler with
 * the siginfo Linux fills in (si_signo, si_code SEGV_MAPERR or SEGV_ACCERR, si_addr
 * the faulting byte, never the page), the retry of the faulting access after the
 * handler has fixed the mapping, a handler that resumes elsewhere by editing the
 * saved context, the alternate signal stack, system calls that meet a bad buffer
 * (-EFAULT, no signal), MADV_DONTNEED on private and shared anonymous memory, brk
 * shrinking and growing, stack growth and a fetch from a non-executable page.
 * Expected values are Linux's (mm/memory.c, mm/mincore.c, mm/madvise.c, mm/mmap.c,
 * kernel/signal.c, arch/x86/mm/fault.c, arch/riscv/mm/fault.c), checked by running
 * this program on it (scripts/linux-peer).
 *
 * The SIGSEGV handler records what it saw in `fl` and then applies the fix the case
 * armed (mprotect or map the page) and returns, so the access runs again; a fault
 * nobody armed, or one that repeats after its fix, ends the program with a
 * diagnostic (the missing points fail it). Descriptions hold no addresses.
 */
#include "rt/rt.h"

#define PG PAGE_SIZE
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
/* Faults are taken at a byte inside the page, so si_addr must be that byte. */
#define OFF 0x123
/* Code goes at an offset every arch can fetch from (riscv64: 4-byte aligned). */
#define CODE_OFF 0x124
#define ALTSTACK_SIZE (64 * 1024)

#define BARRIER() __asm__ volatile("" ::: "memory")

enum fix { FIX_NONE, FIX_PROTECT, FIX_MAP };

/* What the last SIGSEGV handler run saw, and what it is to do. */
static struct {
	int count;
	int signo, code;
	void *addr;
	uintptr_t local;		/* the address of a local of the handler */
	long ss_query;			/* sigaltstack(NULL, &old) from the handler */
	int ss_flags;
	bool try_ss_change;
	long ss_change;			/* sigaltstack(&new, NULL) from the handler */
	linux_sigset_t blocked;		/* the mask while the handler runs */
	linux_sigset_t uc_mask;		/* the mask rt_sigreturn will restore */
	enum fix fix;
	void *fix_page;
	int fix_prot;
} fl;

static void on_segv(int sig, linux_siginfo_t *si, void *uc)
{
	volatile char here = 0;
	linux_stack_t ss;

	(void)sig;
	fl.count++;
	fl.signo = si->si_signo;
	fl.code = si->si_code;
	fl.addr = si->u.fault.addr;
	fl.local = (uintptr_t)&here;
	memset(&ss, 0, sizeof(ss));
	fl.ss_query = sys_sigaltstack(NULL, &ss);
	fl.ss_flags = ss.ss_flags;
	if (fl.try_ss_change) {
		linux_stack_t other = { ss.ss_sp, 0, ss.ss_size };

		fl.ss_change = sys_sigaltstack(&other, NULL);
	}
	sys_rt_sigprocmask(SIG_BLOCK, NULL, &fl.blocked, SIGSET_SIZE);
	fl.uc_mask = *arch_uc_sigmask(uc);
	if (rt_probe_fixup(uc, si))
		return;
	if (fl.count > 3) {
		tap_diag("SIGSEGV at %p (si_code %d) repeats after the handler's fix", fl.addr, fl.code);
		rt_drain_stdout();
		sys_exit_group(1);
	}
	switch (fl.fix) {
	case FIX_PROTECT:
		sys_mprotect(fl.fix_page, PG, fl.fix_prot);
		break;
	case FIX_MAP:
		sys_mmap(fl.fix_page, PG, RW, ANON | MAP_FIXED, -1, 0);
		break;
	case FIX_NONE:
		tap_diag("unexpected SIGSEGV at %p (si_code %d)", fl.addr, fl.code);
		rt_drain_stdout();
		sys_exit_group(1);
	}
}

/* Clears the record; the next fault gets `fix` applied to page. */
static void arm(enum fix fix, void *page, int prot)
{
	memset(&fl, 0, sizeof(fl));
	fl.fix = fix;
	fl.fix_page = page;
	fl.fix_prot = prot;
	BARRIER();
}

/* A point: one SIGSEGV with this si_code at exactly addr (and `also`); a diagnostic
 * otherwise. */
static bool fault_is(int code, const void *addr, bool also, const char *desc)
{
	BARRIER();
	bool pass = fl.count == 1 && fl.signo == SIGSEGV && fl.code == code && fl.addr == addr;

	tap_ok(pass && also, "%s", desc);
	if (!pass)
		tap_diag("handler ran %d times; last: si_signo %d si_code %d si_addr %p; want one "
			 "SIGSEGV, si_code %d, si_addr %p", fl.count, fl.signo, fl.code, fl.addr,
			 code, addr);
	return pass;
}

static char *map(size_t pages, int prot, int flags)
{
	long r = sys_mmap(NULL, pages * PG, prot, flags, -1, 0);

	return sys_is_err(r) ? NULL : (char *)r;
}

/* A range of free address space: mapped, then unmapped again. */
static char *hole(size_t pages)
{
	char *p = map(pages, RW, ANON);

	if (p)
		sys_munmap(p, pages * PG);
	return p;
}

static bool is_zero(const volatile char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* mincore's answer for each page as a bit string, bit i for page i; -1 if it failed. */
static long resident_bits(void *p, size_t pages)
{
	unsigned char vec[64];
	long bits = 0;

	if (pages > sizeof(vec) || sys_mincore(p, pages * PG, vec) != 0)
		return -1;
	for (size_t i = 0; i < pages; i++)
		bits |= (long)(vec[i] & 1) << i;	/* the other bits are reserved */
	return bits;
}

#define SETUP(cond, name)                                                        \
	do {                                                                     \
		if (!(cond)) {                                                   \
			tap_ok(false, "%s", name);                              \
			tap_diag("set-up failed: %s", #cond);                    \
			return;                                                  \
		}                                                                \
	} while (0)

/* ---- demand paging (mm/memory.c handle_pte_fault, do_anonymous_page) ---- */

static void demand_paging(void)
{
	char *p = map(8, RW, ANON);
	long bits;
	bool exact = true;

	SETUP(p, "mincore: an untouched 8-page anonymous mapping has no page resident");
	tap_expect(resident_bits(p, 8), 0,
		   "mincore: an untouched 8-page anonymous mapping has no page resident");
	for (int i = 0; i < 8 && exact; i++) {
		((volatile char *)p)[i * PG + OFF] = (char)(i + 1);
		bits = resident_bits(p, 8);
		if (bits != (2L << i) - 1) {
			tap_diag("after writing page %d: resident bits 0x%lx", i, bits);
			exact = false;
		}
	}
	tap_ok(exact, "writing page by page makes exactly the written pages resident");
	sys_munmap(p, 8 * PG);
}

static void zero_page(void)
{
	char *q = map(8, RW, ANON);
	bool others_zero = true;

	SETUP(q, "reads of untouched anonymous pages give zeros");
	tap_ok(is_zero(q, 8 * PG), "reads of untouched anonymous pages give zeros");
	/* do_anonymous_page: a read fault maps the shared zero page, a present PTE, and
	 * mincore_pte_range counts any present PTE as resident */
	tap_expect(resident_bits(q, 8), 0xff,
		   "after a read mincore says resident (Linux maps the zero page)");
	/* A write now copies the zero page (do_wp_page); the zero page itself, which
	 * every other page still maps, must stay zero. */
	((volatile char *)q)[3 * PG + OFF] = 'x';
	for (int i = 0; i < 8; i++) {
		const char *pg = q + i * PG;

		if (i == 3)
			others_zero &= is_zero(pg, OFF) && pg[OFF] == 'x' &&
				       is_zero(pg + OFF + 1, PG - OFF - 1);
		else
			others_zero &= is_zero(pg, PG);
	}
	tap_ok(others_zero, "a write after a read gets a private copy: every other page still reads zero");
	sys_munmap(q, 8 * PG);
}

static void kernel_fills_untouched(void)
{
	char *p = map(1, RW, ANON);

	SETUP(p, "the kernel's copy-out faults an untouched page in (clock_gettime into it)");
	long r = sys_clock_gettime(CLOCK_MONOTONIC, (struct linux_timespec *)(p + 64));

	tap_ok(r == 0 && resident_bits(p, 1) == 1 && ((struct linux_timespec *)(p + 64))->tv_nsec < NSEC_PER_SEC,
	       "the kernel's copy-out faults an untouched page in (clock_gettime into it)");
	sys_munmap(p, PG);
}

/* ---- SIGSEGV with the retry (arch/<arch>/mm/fault.c: bad_area, access_error) ---- */

static void read_prot_none(void)
{
	char *p = map(1, PROT_NONE, ANON);
	char v;

	SETUP(p, "a read of a PROT_NONE page raises SIGSEGV SEGV_ACCERR at the faulting byte");
	arm(FIX_PROTECT, p, PROT_READ);
	v = ((volatile char *)p)[OFF];
	fault_is(SEGV_ACCERR, p + OFF, true,
		 "a read of a PROT_NONE page raises SIGSEGV SEGV_ACCERR at the faulting byte");
	tap_ok(fl.count == 1 && v == 0, "the read is retried after the handler's mprotect: it reads zero");
	sys_munmap(p, PG);
}

static void write_prot_read(void)
{
	char *p = map(1, PROT_READ, ANON);

	SETUP(p, "a write to an untouched PROT_READ page raises SIGSEGV SEGV_ACCERR at the byte");
	arm(FIX_PROTECT, p, RW);
	((volatile char *)p)[OFF] = 'w';
	fault_is(SEGV_ACCERR, p + OFF, true,
		 "a write to an untouched PROT_READ page raises SIGSEGV SEGV_ACCERR at the byte");
	tap_ok(fl.count == 1 && p[OFF] == 'w' && is_zero(p, OFF),
	       "the write is retried after the handler's mprotect: it sticks");
	sys_munmap(p, PG);
}

static void write_read_mapped(void)
{
	char *p = map(1, PROT_READ, ANON);

	SETUP(p, "a write to a PROT_READ page mapped by an earlier read raises SEGV_ACCERR, then sticks");
	char before = ((volatile char *)p)[OFF];	/* a present, read-only PTE now */

	arm(FIX_PROTECT, p, RW);
	((volatile char *)p)[OFF + 1] = 'w';
	fault_is(SEGV_ACCERR, p + OFF + 1, before == 0 && p[OFF + 1] == 'w',
		 "a write to a PROT_READ page mapped by an earlier read raises SEGV_ACCERR, then sticks");
	sys_munmap(p, PG);
}

static void unmapped(void)
{
	char *h = hole(1);
	char v = 1;

	SETUP(h, "a read of an unmapped address raises SIGSEGV SEGV_MAPERR at the byte");
	arm(FIX_MAP, h, RW);
	v = ((volatile char *)h)[OFF];
	fault_is(SEGV_MAPERR, h + OFF, true, "a read of an unmapped address raises SIGSEGV SEGV_MAPERR at the byte");
	tap_ok(fl.count == 1 && v == 0, "the read is retried after the handler maps the page: it reads zero");
	sys_munmap(h, PG);
}

static void downgrade(void)
{
	char *p = map(1, RW, ANON);

	SETUP(p, "after mprotect(PROT_READ) a written page still reads its data, without a fault");
	((volatile char *)p)[OFF] = 'a';
	arm(FIX_PROTECT, p, RW);
	tap_ok(sys_mprotect(p, PG, PROT_READ) == 0 && ((volatile char *)p)[OFF] == 'a' && fl.count == 0,
	       "after mprotect(PROT_READ) a written page still reads its data, without a fault");
	((volatile char *)p)[OFF] = 'b';
	fault_is(SEGV_ACCERR, p + OFF, true, "a write after the downgrade faults SEGV_ACCERR at the byte");
	tap_ok(fl.count == 1 && p[OFF] == 'b', "the write is retried after the handler's mprotect: it sticks");
	sys_munmap(p, PG);
}

/* Read-only data of the program itself: its own page in the PT_LOAD segment of
 * .rodata (PF_R), which the loader maps PROT_READ. */
static const volatile char ro_data[2 * PG] __attribute__((aligned(4096))) = { 'r' };

static void write_rodata(void)
{
	char *page = (char *)(uintptr_t)ro_data;

	arm(FIX_PROTECT, page, RW);
	((volatile char *)page)[OFF] = 'w';
	fault_is(SEGV_ACCERR, page + OFF, true, "a write to the program's read-only data raises SEGV_ACCERR");
	tap_ok(fl.count == 1 && ro_data[OFF] == 'w' && ro_data[0] == 'r' &&
	       sys_mprotect(page, PG, PROT_READ) == 0,
	       "made writable by the handler, the program's read-only page takes the write");
}

static void exec_noexec(void)
{
	static const unsigned char code[] = ARCH_CODE_RETURN_42;
	char *p = map(1, RW, ANON);

	SETUP(p, "a fetch from a PROT_READ|PROT_WRITE page raises SEGV_ACCERR at the instruction");
	memcpy(p + CODE_OFF, code, sizeof(code));
	arch_sync_icache();
	long (*fn)(void) = (long (*)(void))(uintptr_t)(p + CODE_OFF);

	/* x86_64: the PTE has NX (EFER.NXE, which Linux sets when the CPU has it);
	 * riscv64: no X bit. Either way the VMA lacks VM_EXEC: access_error() ->
	 * SEGV_ACCERR, si_addr the fetch address. The handler makes it R-X. */
	arm(FIX_PROTECT, p, PROT_READ | PROT_EXEC);
	long r = fn();

	fault_is(SEGV_ACCERR, p + CODE_OFF, true,
		 "a fetch from a PROT_READ|PROT_WRITE page raises SEGV_ACCERR at the instruction");
	tap_ok(fl.count == 1 && r == 42, "made executable by the handler, the code runs and returns 42");
	sys_munmap(p, PG);
}

/* ---- the handler's context: masks, a moved pc (kernel/signal.c, arch signal.c) ---- */

static void masks(void)
{
	linux_sigset_t after = ~0ULL;

	/* the faults above ran with the action's mask (SIGUSR2) and the signal itself
	 * (no SA_NODEFER) added; the ucontext holds the mask of before */
	char *p = map(1, PROT_NONE, ANON);

	SETUP(p, "while the handler runs, SIGSEGV and the action's sa_mask are blocked");
	arm(FIX_PROTECT, p, PROT_READ);
	(void)((volatile char *)p)[OFF];
	BARRIER();
	tap_ok(fl.count == 1 && (fl.blocked & SIGMASK(SIGSEGV)) && (fl.blocked & SIGMASK(SIGUSR2)),
	       "while the handler runs, SIGSEGV and the action's sa_mask are blocked");
	tap_ok(fl.uc_mask == 0 && sys_rt_sigprocmask(SIG_BLOCK, NULL, &after, SIGSET_SIZE) == 0 &&
	       after == 0,
	       "the ucontext holds the mask of before the signal, and rt_sigreturn restores it");
	sys_munmap(p, PG);
}

static void moved_pc(void)
{
	char *n = map(1, PROT_NONE, ANON);
	char *h = hole(1);	/* after n, or n would be mapped in the hole */
	uint64_t v = 7;

	SETUP(h && n, "a handler that moves the saved pc resumes there: SEGV_MAPERR seen");
	arm(FIX_NONE, NULL, 0);
	int code = arch_probe_read(h + OFF, &v);

	tap_ok(code == SEGV_MAPERR && fl.count == 1 && fl.addr == h + OFF && v == 7,
	       "a handler that moves the saved pc resumes there: SEGV_MAPERR seen");
	arm(FIX_NONE, NULL, 0);
	code = arch_probe_read(n + OFF, &v);
	tap_ok(code == SEGV_ACCERR && fl.count == 1 && fl.addr == n + OFF && v == 7,
	       "a handler that moves the saved pc resumes there: SEGV_ACCERR seen");
	sys_munmap(n, PG);
}

/* ---- the alternate signal stack (kernel/signal.c do_sigaltstack, sigsp) ---- */

static void altstack(void)
{
	char *st = map(ALTSTACK_SIZE / PG, RW, ANON);
	char *p = map(1, PROT_NONE, ANON);
	linux_stack_t ss, old;
	volatile char here = 0;

	SETUP(st && p, "sigaltstack smaller than MINSIGSTKSZ is ENOMEM");
	ss = (linux_stack_t){ st, 0, MINSIGSTKSZ - 1 };
	tap_expect(sys_sigaltstack(&ss, NULL), -ENOMEM, "sigaltstack smaller than MINSIGSTKSZ is ENOMEM");
	ss = (linux_stack_t){ st, 4, ALTSTACK_SIZE };
	tap_expect(sys_sigaltstack(&ss, NULL), -EINVAL, "sigaltstack with an undefined flag is EINVAL");
	ss = (linux_stack_t){ st, 0, ALTSTACK_SIZE };
	memset(&old, 0xff, sizeof(old));
	tap_ok(sys_sigaltstack(&ss, NULL) == 0 && sys_sigaltstack(NULL, &old) == 0 && old.ss_sp == st &&
	       old.ss_size == ALTSTACK_SIZE && old.ss_flags == 0,
	       "sigaltstack sets a stack and reads it back, not in use");

	rt_sigaction_install(SIGSEGV, on_segv, SA_ONSTACK, SIGMASK(SIGUSR2));
	arm(FIX_PROTECT, p, PROT_READ);
	fl.try_ss_change = true;
	(void)((volatile char *)p)[OFF];
	BARRIER();
	tap_ok(fl.count == 1 && fl.local >= (uintptr_t)st && fl.local < (uintptr_t)st + ALTSTACK_SIZE,
	       "an SA_ONSTACK handler runs on the alternate stack");
	tap_ok(fl.ss_query == 0 && fl.ss_flags == SS_ONSTACK,
	       "sigaltstack in that handler reports SS_ONSTACK");
	tap_expect(fl.ss_change, -EPERM, "changing the alternate stack while on it is EPERM");
	memset(&old, 0xff, sizeof(old));
	tap_ok(sys_sigaltstack(NULL, &old) == 0 && old.ss_flags == 0 && old.ss_sp == st,
	       "back from the handler, the alternate stack is not in use and unchanged");

	rt_sigaction_install(SIGSEGV, on_segv, 0, SIGMASK(SIGUSR2));
	sys_mprotect(p, PG, PROT_NONE);
	arm(FIX_PROTECT, p, PROT_READ);
	(void)((volatile char *)p)[OFF];
	BARRIER();
	uintptr_t mine = (uintptr_t)&here;

	tap_ok(fl.count == 1 && !(fl.local >= (uintptr_t)st && fl.local < (uintptr_t)st + ALTSTACK_SIZE) &&
	       fl.local < mine && mine - fl.local < 64 * 1024,
	       "without SA_ONSTACK the handler runs on the interrupted stack, below its frame");

	ss = (linux_stack_t){ NULL, SS_DISABLE, 0 };
	memset(&old, 0, sizeof(old));
	tap_ok(sys_sigaltstack(&ss, NULL) == 0 && sys_sigaltstack(NULL, &old) == 0 &&
	       old.ss_flags == SS_DISABLE,
	       "sigaltstack SS_DISABLE removes it");
	sys_munmap(p, PG);
	sys_munmap(st, ALTSTACK_SIZE);
}

/* ---- system calls on bad buffers: -EFAULT, no signal (lib/usercopy, access_ok) ---- */

static void efault(void)
{
	char *n = map(1, PROT_NONE, ANON);
	char *r = map(1, PROT_READ, ANON);
	char *h = hole(1);

	SETUP(n && r && h, "write() from a PROT_NONE buffer is EFAULT, without a signal");
	arm(FIX_NONE, NULL, 0);
	tap_ok(sys_write(1, n + OFF, 16) == -EFAULT && fl.count == 0,
	       "write() from a PROT_NONE buffer is EFAULT, without a signal");
	tap_ok(sys_write(1, h + OFF, 16) == -EFAULT && fl.count == 0,
	       "write() from an unmapped buffer is EFAULT, without a signal");
	tap_ok(sys_write(1, (void *)-(16 * PG), 16) == -EFAULT && fl.count == 0,
	       "write() from a kernel address is EFAULT, without a signal");
	tap_ok(sys_clock_gettime(CLOCK_MONOTONIC, (struct linux_timespec *)(r + 64)) == -EFAULT &&
	       fl.count == 0 && is_zero(r, PG),
	       "clock_gettime() into a PROT_READ page is EFAULT and writes nothing");
	sys_munmap(n, PG);
	sys_munmap(r, PG);
}

/* A write() whose buffer runs from a mapped page into an unmapped one. On Linux's
 * console (a tty: drivers/tty/tty_io.c iterate_tty_write) the whole request, up to
 * a 2 KiB chunk, is copied in before anything is written, so the short copy fails
 * the chunk: -EFAULT, nothing on the console. The bytes are a TAP comment, so if a
 * kernel writes them anyway the output still parses and this point says why. */
static void efault_straddle(void)
{
	static const char line[] = "# the first part of a write() that runs into a hole\n";
	char *p = map(2, RW, ANON);

	SETUP(p && sys_munmap(p + PG, PG) == 0,
	      "write() to the console of a buffer running into a hole is EFAULT, nothing written");
	char *start = p + PG - (sizeof(line) - 1);

	memcpy(start, line, sizeof(line) - 1);
	arm(FIX_NONE, NULL, 0);
	long w = sys_write(1, start, sizeof(line) - 1 + 16);

	tap_ok(w == -EFAULT && fl.count == 0,
	       "write() to the console of a buffer running into a hole is EFAULT, nothing written");
	if (w != -EFAULT)
		tap_diag("write() returned %ld", w);
	sys_munmap(p, PG);
}

/* ---- MADV_DONTNEED (mm/madvise.c madvise_dontneed_single_vma, zap_page_range) ---- */

static void dontneed(void)
{
	char *p = map(4, RW, ANON);
	char *s = map(4, RW, MAP_SHARED | MAP_ANONYMOUS);

	SETUP(p && s, "MADV_DONTNEED on private anonymous memory: no page resident after it");
	memset(p, 'd', 4 * PG);
	memset(s, 's', 4 * PG);
	tap_ok(sys_madvise(p, 4 * PG, MADV_DONTNEED) == 0 && resident_bits(p, 4) == 0,
	       "MADV_DONTNEED on private anonymous memory: no page resident after it");
	tap_ok(is_zero(p, 4 * PG), "MADV_DONTNEED on private anonymous memory: the pages read zero");
	/* shared anonymous memory is a shmem file: zapping the PTEs leaves its pages in
	 * the page cache, which mincore_page() finds */
	tap_ok(sys_madvise(s, 4 * PG, MADV_DONTNEED) == 0 && resident_bits(s, 4) == 0xf,
	       "MADV_DONTNEED on MAP_SHARED|MAP_ANONYMOUS: mincore still says resident");
	bool kept = true;

	for (size_t i = 0; i < 4 * PG; i++)
		kept &= s[i] == 's';
	tap_ok(kept, "MADV_DONTNEED on MAP_SHARED|MAP_ANONYMOUS: the data is kept");
	sys_munmap(p, 4 * PG);
	sys_munmap(s, 4 * PG);
}

/* ---- brk (mm/mmap.c sys_brk, do_brk_munmap, do_brk_flags) ---- */

static void brk_cycle(void)
{
	char *base = (char *)(((uintptr_t)sys_brk(NULL) + PG - 1) & ~(PG - 1));
	unsigned char vec;

	SETUP(sys_brk(base) == (long)base, "brk grows by 4 pages that read zero and take writes");
	bool grown = sys_brk(base + 4 * PG) == (long)(base + 4 * PG) && is_zero(base, 4 * PG);

	if (grown)
		memset(base, 'b', 4 * PG);
	tap_ok(grown && base[4 * PG - 1] == 'b', "brk grows by 4 pages that read zero and take writes");
	/* shrink to the middle of page 1: do_brk_munmap() unmaps from PAGE_ALIGN(brk) */
	tap_ok(sys_brk(base + PG + 100) == (long)(base + PG + 100) &&
	       sys_mincore(base + 2 * PG, PG, &vec) == -ENOMEM && sys_mincore(base + PG, PG, &vec) == 0,
	       "brk shrunk to the middle of a page unmaps the pages above that page only");
	bool kept = true;

	tap_ok(sys_brk(base + 4 * PG) == (long)(base + 4 * PG), "brk grows again");
	for (size_t i = 0; i < 2 * PG; i++)
		kept &= base[i] == 'b';
	tap_ok(kept, "the page holding the old break kept every byte, above the break too");
	tap_ok(is_zero(base + 2 * PG, 2 * PG), "the re-grown pages read zero");
	sys_brk(base);
}

/* ---- stack growth (mm/mmap.c expand_stack; x86 has no %rsp check since 4.20) ---- */

static void stack_growth(void)
{
	volatile char here = 0;
	char *low = (char *)(((uintptr_t)&here & ~(PG - 1)) - 512 * 1024);
	uint64_t v = 1;

	/* the probe, so that a kernel that does not grow the stack fails one point
	 * instead of ending the program */
	arm(FIX_NONE, NULL, 0);
	int code = arch_probe_read(low, &v);

	if (code == 0)
		((volatile char *)low)[OFF] = 'g';
	tap_ok(code == 0 && v == 0 && low[OFF] == 'g' && resident_bits(low, 1) == 1,
	       "an access 512 KiB below the stack pointer grows the stack");
	if (code)
		tap_diag("the probe read faulted with si_code %d", code);
}

int main(void)
{
	tap_plan(49);

	demand_paging();
	zero_page();
	kernel_fills_untouched();

	tap_expect(rt_sigaction_install(SIGSEGV, on_segv, 0, SIGMASK(SIGUSR2)), 0,
		   "rt_sigaction installs an SA_SIGINFO handler for SIGSEGV");
	read_prot_none();
	write_prot_read();
	write_read_mapped();
	unmapped();
	downgrade();
	write_rodata();
	exec_noexec();
	masks();
	moved_pc();
	altstack();
	efault();
	efault_straddle();
	dontneed();
	brk_cycle();
	stack_growth();
	return tap_done();
}
