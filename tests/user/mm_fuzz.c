// SPDX-License-Identifier: MIT
/*
 * A fuzzer of the memory-mapping calls against a model of Linux 6.1: eight threads
 * (at least one per CPU up to eight CPUs; threads are not pinned) each make
 * thousands of random mmap, munmap, mprotect, mremap, madvise and mincore calls
 * inside an arena of address space of their own, with random page-granular and
 * unaligned arguments, and hostile ones: kernel and non-canonical addresses,
 * lengths of 0, huge and wrapping lengths, undefined prot bits, map types, flags
 * and advice, overlapping mremap ranges, NULL, kernel and read-only mincore
 * vectors. Each thread keeps a per-page model of its arena (mapped, protection,
 * private or shared, resident, the page's contents) and checks every result
 * against it: the exact value or errno, and after each call mincore of the pages
 * it changed and reads and writes of random pages (a SIGSEGV with its si_code and
 * si_addr where the model says the access faults, the contents where it says it
 * succeeds); now and then mincore of a random range (step() has the mix). brk,
 * which is process-wide, runs on the main thread alone first, with its own model;
 * after the join the main thread reads every arena once more, and the whole run
 * makes at least 100 000 calls.
 *
 * Forks at random points: after one step in FORK_ODDS a thread forks while the
 * others go on. The child, the forking thread alone, has its own copy of the model
 * (the model is in the process's private memory), brought to what a fork leaves
 * (fork_model(): the MADV_DONTFORK pages gone, the MADV_WIPEONFORK ones empty); it
 * checks its arena against it, unmaps the shared pages (the parent's model could
 * not know its writes to them), makes CHILD_STEPS steps of its own and checks the
 * arena again, and says through its exit status whether all held. The parent
 * thread waits for it, then checks its own arena against its own model.
 *
 * The model follows Linux's code (mm/mmap.c do_mmap, get_unmapped_area,
 * do_mas_munmap; mm/mprotect.c do_mprotect_pkey; mm/mremap.c, its syscall,
 * mremap_to, vma_to_resize, vma_expandable; mm/madvise.c do_madvise,
 * madvise_walk_vmas and each advice; mm/mincore.c; arch/x86/mm/fault.c,
 * arch/riscv/mm/fault.c), and was checked by running this program on it
 * (scripts/linux-peer, --smp 1 and 4). Where Linux's answer depends on something
 * the model does not know exactly, the model either knows a weaker property that
 * holds on both kernels or the call is not made:
 *
 * - VMA boundaries. Linux does not always merge adjacent VMAs with the same
 *   protection (different flags from madvise hints or accounting, anon_vma and
 *   page offsets after a move), kestrel always does, and mremap's results depend on
 *   them (vma_to_resize()'s "can't remap across vm area boundaries", growth in
 *   place only from a VMA's end). Each page carries a VMA id: a run of pages with
 *   one id lies inside one VMA on both kernels (a mapping gets a new id, and every
 *   call that can split one gives the pages it touched new ids, per old id), and
 *   pages whose protection or kind differ are in different VMAs on both. mremap is
 *   made only where those two rules decide its answer.
 * - Placement. Nothing here may let a kernel choose an address: a thread's calls
 *   never reach outside its arena (and the guard pages around it, which stay
 *   unmapped: calls that cannot map anything may touch them), so that no thread's
 *   result depends on another's. A call whose Linux answer would be a mapping
 *   placed by the kernel (mmap without MAP_FIXED, mremap moving without
 *   MREMAP_FIXED) is not made; the hostile ones are made only where an error comes
 *   first. Thread stacks are mapped before any thread starts, the only mapping
 *   made while they run.
 * - MADV_FREE. Linux frees lazily, kestrel at once: until written again a freed
 *   page reads either its old contents or zeros, and mincore may say either.
 *   MADV_PAGEOUT may drop a clean page (a lazily freed one, or a shared page never
 *   written) on Linux: mincore may say either.
 * - Shared memory. A shared mapping is never grown (Linux's object keeps its size:
 *   past it a touch is SIGBUS, below it pages unmapped earlier come back) and
 *   never moved with MREMAP_DONTUNMAP (both views would share the object's pages:
 *   kestrel refuses, docs/vm.md), so each page of an object is reachable from one
 *   place at most and its contents live in the model's page.
 * - What docs/vm.md lists as deliberate differences is left out: MAP_GROWSDOWN
 *   mappings, MAP_HUGETLB, MAP_LOCKED, mremap duplicating a shared mapping (old
 *   length 0), MADV_HWPOISON and MADV_SOFT_OFFLINE (root on Linux may poison),
 *   fixed addresses below 64 KiB (root on Linux may map there).
 *
 * A page's contents are all zero, or a tag (a 64-bit value unique in the run) in
 * word 0 and in word tag_word(tag) and zero elsewhere; a write probe rewrites the
 * page that way (clearing the old tag's word first), so it stays known even after
 * MADV_FREE. Addresses: every user range ends at or below 2^56 (x86_64 five-level,
 * riscv64 Sv57) and the arenas lie far below any of them, so an address or length
 * of 2^57 or more is past every user top; nothing in between is used.
 *
 * TAP: a fixed plan whatever the CPU count, with nothing in a description that
 * differs between kernels or runs (counts are the same when every result is the
 * model's). On a mismatch a thread prints the call, its arguments (A+x: x bytes
 * into its arena), the result and the expectation, its last calls and a map of its
 * arena, and stops: its point and the final count fail.
 */
#include "rt/rt.h"

#define PG PAGE_SIZE
#define NSLOTS		8		/* threads, whatever the CPU count */
#define ARENA		128		/* pages per thread, between guard pages */
#define STEPS		2400		/* steps per thread (step()) */
#define BRK_PAGES	48		/* the heap the brk phase may grow to */
#define BRK_STEPS	800
#define STACK_SIZE	(128 * 1024)
#define RING		16		/* calls kept for a diagnostic */
#define MIN_CALLS	100000UL
#define HIGH		(1UL << 57)	/* at and past every user top */
#define PROT_RWX	(PROT_READ | PROT_WRITE | PROT_EXEC)
#define FORK_ODDS	300		/* a thread forks after one step in this many */
#define CHILD_STEPS	100		/* steps of a fork's child */

enum { RES_NO, RES_YES, RES_ANY };

struct page {
	uint64_t tag;		/* contents: 0 all zero, else the tag's words */
	uint32_t vid;		/* VMA id: one run of one id lies in one VMA */
	uint32_t obj, pgoff;	/* shared: the object (nonzero) and the page's offset */
	uint8_t mapped, prot, res;
	uint8_t fork;		/* F_DONTFORK | F_WIPEONFORK, from the fork advices */
	bool maybe;		/* the tag's contents or all zero (MADV_FREE) */
};

/* page->fork */
#define F_DONTFORK	1	/* MADV_DONTFORK: not in a fork's child */
#define F_WIPEONFORK	2	/* MADV_WIPEONFORK: empty in a fork's child */

/* The hostile argument classes, one TAP point each. */
enum hclass { H_MMAP, H_MUNMAP, H_MPROTECT, H_MREMAP, H_MADVISE, H_MINCORE, H_PROBE, NHCLASS };

static const char *const hclass_desc[NHCLASS] = {
	"mmap with hostile arguments (kernel and unaligned addresses, lengths 0, huge and "
	"wrapping, undefined types, prot bits and flags, no MAP_ANONYMOUS, bad offsets)",
	"munmap with hostile arguments (kernel and unaligned addresses, lengths 0, huge and "
	"wrapping)",
	"mprotect with hostile arguments (kernel and unaligned addresses, wrapping lengths, "
	"undefined prot bits, PROT_GROWSDOWN and PROT_GROWSUP)",
	"mremap with hostile arguments (undefined and conflicting flags, kernel and unaligned "
	"addresses, lengths 0, huge and wrapping, overlapping ranges)",
	"madvise with hostile arguments (undefined advice, kernel and unaligned addresses, "
	"wrapping lengths)",
	"mincore with hostile arguments (kernel and unaligned addresses, huge lengths, NULL, "
	"kernel and read-only vectors)",
	"reads and writes of kernel and non-canonical addresses",
};

struct call {
	const char *name;
	unsigned long a[6];
	unsigned int nargs;
	long ret;
};

struct fz {
	unsigned int idx;
	uint64_t rng;
	uintptr_t base;			/* page 0 of the arena (brk phase: the heap) */
	struct page pg[ARENA];
	uint32_t next_vid, next_obj;
	uint64_t next_tag;
	unsigned long calls, step;
	unsigned long kinds[3];		/* calls that may change mappings, mincore, hostile */
	unsigned long hcalls[NHCLASS];
	bool hfailed[NHCLASS];
	enum hclass cur;		/* the class of the hostile call running, or NHCLASS */
	long chk_s, chk_n;		/* the pages the last call changed, to check */
	bool failed;
	bool child;			/* this copy runs in a fork's child */
	unsigned long forks;		/* children forked, each checked */
	volatile uintptr_t fault_addr;	/* si_addr of the last SIGSEGV on this thread */
	struct call ring[RING];
	unsigned char vec[ARENA + 16];
	struct rt_thread t;
};

static struct fz slots[NSLOTS];
static struct fz mainz;			/* the main thread: brk phase and final sweep */
static struct rt_tls main_tls;
static volatile int go;
static int forked;			/* set before the first fork (fork_case()) */
static const struct page guard;		/* what every page outside an arena is */

/* ---- randomness, pages, addresses ---- */

static uint64_t rnd(struct fz *z)
{
	uint64_t x = z->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	z->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static unsigned long below(struct fz *z, unsigned long n)
{
	return n ? rnd(z) % n : 0;
}

static bool chance(struct fz *z, unsigned int percent)
{
	return below(z, 100) < percent;
}

static void seed(struct fz *z, uint64_t s)
{
	/* splitmix64 of the index, so that no two generators start alike (never 0) */
	s += 0x9e3779b97f4a7c15ULL;
	s = (s ^ (s >> 30)) * 0xbf58476d1ce4e5b9ULL;
	s = (s ^ (s >> 27)) * 0x94d049bb133111ebULL;
	z->rng = (s ^ (s >> 31)) | 1;
}

static size_t page_up(size_t len)
{
	return (len + PG - 1) & ~(PG - 1);	/* 0 if it wraps, as PAGE_ALIGN() */
}

static uintptr_t pa(const struct fz *z, long i)
{
	return z->base + (uintptr_t)(i * (long)PG);
}

/* The page at index i, or the guard (never mapped) outside the arena. */
static const struct page *pg_get(const struct fz *z, long i)
{
	return i >= 0 && i < ARENA ? &z->pg[i] : &guard;
}

static struct page *pg_at(struct fz *z, long i)
{
	return i >= 0 && i < ARENA ? &z->pg[i] : NULL;
}

/* The page index of an address in the arena or its guard pages. */
static bool page_of(const struct fz *z, uintptr_t a, long *i)
{
	if (a < z->base - PG || a >= z->base + (ARENA + 1) * PG)
		return false;
	*i = (long)((a - (z->base - PG)) / PG) - 1;
	return true;
}

/* Past every user top: the range [a, a + len) certainly is (see the header). */
static bool over_top(uintptr_t a, size_t len)
{
	return a >= HIGH || len >= HIGH || a + len >= HIGH || a + len < a;
}

static void unmap_pages(struct fz *z, long s, long n)
{
	for (long i = s; i < s + n; i++) {
		struct page *p = pg_at(z, i);

		if (p)
			memset(p, 0, sizeof(*p));
	}
}

static bool any_mapped(const struct fz *z, long s, long n)
{
	for (long i = s; i < s + n; i++)
		if (pg_get(z, i)->mapped)
			return true;
	return false;
}

/* Pages from s on that are mapped, at most n. */
static long mapped_run(const struct fz *z, long s, long n)
{
	long k = 0;

	while (k < n && pg_get(z, s + k)->mapped)
		k++;
	return k;
}

/* Certainly different VMAs on both kernels: what kestrel never merges, Linux neither. */
static bool attrs_differ(const struct page *a, const struct page *b)
{
	return a->prot != b->prot || a->obj != b->obj || (a->obj && b->pgoff != a->pgoff + 1);
}

/* Gives the mapped pages of [s, s + n) new VMA ids, one per run of an old id. */
static void renumber(struct fz *z, long s, long n)
{
	uint32_t old = 0, cur = 0;

	for (long i = s; i < s + n; i++) {
		struct page *p = pg_at(z, i);

		if (!p || !p->mapped) {
			old = 0;
			continue;
		}
		if (!old || p->vid != old) {
			old = p->vid;
			cur = z->next_vid++;
		}
		p->vid = cur;
	}
}

static unsigned int tag_word(uint64_t tag)
{
	return 1 + (unsigned int)(((tag * 0x9e3779b97f4a7c15ULL) >> 40) % 511);
}

/* ---- calls, diagnostics ---- */

static long rec(struct fz *z, const char *name, unsigned int n, const unsigned long *a, long r)
{
	struct call *c = &z->ring[z->calls++ % RING];

	z->kinds[z->cur != NHCLASS ? 2 : name[1] == 'i' ? 1 : 0]++;	/* mincore: 1 */
	c->name = name;
	c->nargs = n;
	memcpy(c->a, a, n * sizeof(*a));
	c->ret = r;
	return r;
}

static long x_mmap(struct fz *z, uintptr_t a, size_t len, unsigned int prot, unsigned int flags,
		   int fd, long off)
{
	unsigned long v[6] = { a, len, prot, flags, (unsigned long)fd, (unsigned long)off };

	return rec(z, "mmap", 6, v, sys_mmap((void *)a, len, (int)prot, (int)flags, fd, off));
}

static long x_munmap(struct fz *z, uintptr_t a, size_t len)
{
	unsigned long v[2] = { a, len };

	return rec(z, "munmap", 2, v, sys_munmap((void *)a, len));
}

static long x_mprotect(struct fz *z, uintptr_t a, size_t len, unsigned int prot)
{
	unsigned long v[3] = { a, len, prot };

	return rec(z, "mprotect", 3, v, sys_mprotect((void *)a, len, (int)prot));
}

static long x_mremap(struct fz *z, uintptr_t a, size_t old_len, size_t new_len, unsigned int flags,
		     uintptr_t new_addr)
{
	unsigned long v[5] = { a, old_len, new_len, flags, new_addr };

	return rec(z, "mremap", 5, v,
		   sys_mremap((void *)a, old_len, new_len, (int)flags, (void *)new_addr));
}

static long x_madvise(struct fz *z, uintptr_t a, size_t len, int advice)
{
	unsigned long v[3] = { a, len, (unsigned long)(long)advice };

	return rec(z, "madvise", 3, v, sys_madvise((void *)a, len, advice));
}

static long x_mincore(struct fz *z, uintptr_t a, size_t len, uintptr_t vec)
{
	unsigned long v[3] = { a, len, vec };

	return rec(z, "mincore", 3, v, sys_mincore((void *)a, len, (unsigned char *)vec));
}

static long x_brk(struct fz *z, uintptr_t a)
{
	unsigned long v[1] = { a };

	return rec(z, "brk", 1, v, sys_brk((void *)a));
}

/* A value as a diagnostic shows it: -EINVAL, A+0x3000 (in z's arena), or hex. */
static void show(const struct fz *z, char *buf, size_t size, long v)
{
	uintptr_t u = (uintptr_t)v;
	const char *name = sys_is_err(v) ? rt_errno_name((int)-v) : NULL;

	if (name)
		rt_snprintf(buf, size, "-%s", name);
	else if (z->base && u >= z->base - PG && u <= z->base + (ARENA + 1) * PG)
		rt_snprintf(buf, size, u >= z->base ? "A+0x%lx" : "A-0x%lx",
			    u >= z->base ? u - z->base : z->base - u);
	else
		rt_snprintf(buf, size, "0x%lx", u);
}

static void show_call(const struct fz *z, const struct call *c)
{
	char line[320], v[40];
	int n = rt_snprintf(line, sizeof(line), "%s(", c->name);

	for (unsigned int i = 0; i < c->nargs && n < (int)sizeof(line); i++) {
		show(z, v, sizeof(v), (long)c->a[i]);
		n += rt_snprintf(line + n, sizeof(line) - (size_t)n, "%s%s", i ? ", " : "", v);
	}
	show(z, v, sizeof(v), c->ret);
	if (n < (int)sizeof(line))
		rt_snprintf(line + n, sizeof(line) - (size_t)n, ") = %s", v);
	tap_diag("    %s", line);
}

/* The arena as one character per page: '.' unmapped, the protection 0-7 for private
 * pages, a-h for shared ones. */
static void show_arena(const struct fz *z)
{
	char line[ARENA / 2 + 1];

	for (int half = 0; half < 2; half++) {
		for (int i = 0; i < ARENA / 2; i++) {
			const struct page *p = &z->pg[half * ARENA / 2 + i];

			line[i] = !p->mapped ? '.' : (char)((p->obj ? 'a' : '0') + p->prot);
		}
		line[ARENA / 2] = 0;
		tap_diag("  pages %3d..%3d: %s", half * ARENA / 2, half * ARENA / 2 + ARENA / 2 - 1, line);
	}
}

/* A result that is not the model's: says so with the context, and stops the thread. */
static bool PRINTF_LIKE(3, 4) fail(struct fz *r, const struct fz *z, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	rt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r == &mainz)
		tap_diag("main thread, step %lu: %s", r->step, msg);
	else
		tap_diag("thread %u%s, step %lu: %s", r->idx, r->child ? " (a fork's child)" : "",
			 r->step, msg);
	tap_diag("  arena A = %p (%d pages between guard pages); the last calls:", (void *)z->base,
		 ARENA);
	for (unsigned long i = r->calls > RING ? r->calls - RING : 0; i < r->calls; i++)
		show_call(z, &r->ring[i % RING]);
	if (z != &mainz)
		show_arena(z);
	r->failed = true;
	if (r->cur != NHCLASS)
		r->hfailed[r->cur] = true;
	return false;
}

/* The last call's result against the model's. */
static bool expect(struct fz *z, long got, long want)
{
	char g[40], w[40];

	if (got == want)
		return true;
	show(z, g, sizeof(g), got);
	show(z, w, sizeof(w), want);
	return fail(z, z, "%s returned %s, the model says %s", z->ring[(z->calls - 1) % RING].name,
		    g, w);
}

/* ---- probes ---- */

/* The calling thread's fault slot: its TLS block's user pointer. */
static volatile uintptr_t *fault_slot(void)
{
	return (volatile uintptr_t *)((struct rt_tls *)arch_tls_load0())->user;
}

static void on_segv(int sig, linux_siginfo_t *si, void *uc)
{
	(void)sig;
	*fault_slot() = (uintptr_t)si->u.fault.addr;
	if (rt_probe_fixup(uc, si))
		return;
	tap_diag("unexpected SIGSEGV at %p (si_code %d) in thread %ld", si->u.fault.addr,
		 si->si_code, sys_gettid());
	rt_drain_stdout();
	sys_exit_group(1);
}

static int rd(uintptr_t a, uint64_t *v, uintptr_t *where)
{
	volatile uintptr_t *slot = fault_slot();
	int code;

	*slot = 0;
	code = arch_probe_read((const volatile void *)a, v);
	*where = *slot;
	return code;
}

static int wr(uintptr_t a, uint64_t v, uintptr_t *where)
{
	volatile uintptr_t *slot = fault_slot();
	int code;

	*slot = 0;
	code = arch_probe_write((volatile void *)a, v);
	*where = *slot;
	return code;
}

static int read_code(const struct page *p)
{
	return !p->mapped ? SEGV_MAPERR : !(p->prot & PROT_RWX) ? SEGV_ACCERR : 0;
}

static int write_code(const struct page *p)
{
	return !p->mapped ? SEGV_MAPERR : !(p->prot & PROT_WRITE) ? SEGV_ACCERR : 0;
}

/* An access the model says faults: the SIGSEGV's si_code and si_addr, exactly. */
static bool fault_probe(struct fz *r, const struct fz *z, uintptr_t a, bool write, int want,
			uintptr_t want_addr)
{
	uint64_t v = 0;
	uintptr_t where;
	int code = write ? wr(a, 0x5a5a5a5a5a5a5a5aULL, &where) : rd(a, &v, &where);

	if (code == want && where == want_addr)
		return true;
	return fail(r, z, "%s of %p: si_code %d, si_addr %p; the model says si_code %d, si_addr %p",
		    write ? "write" : "read", (void *)a, code, (void *)where, want, (void *)want_addr);
}

/* Reads page i of z's arena (r is the thread doing it): a fault exactly where the
 * model says, else its contents. */
static bool probe_read(struct fz *r, struct fz *z, long i)
{
	const struct page *p = pg_get(z, i);
	struct page *mp = pg_at(z, i);
	uintptr_t a = pa(z, i), where;
	int want = read_code(p);

	if (want) {
		uintptr_t at = a + 8 * below(r, PG / 8);

		return fault_probe(r, z, at, false, want, at);
	}
	unsigned int k = p->tag ? tag_word(p->tag) : 0;
	unsigned int o = 1 + (unsigned int)below(r, 510);

	if (k && o >= k)
		o++;
	uint64_t w0 = 0, wk = 0, wo = 0;
	int c0 = rd(a, &w0, &where);
	int ck = k ? rd(a + 8 * k, &wk, &where) : 0;
	int co = rd(a + 8 * o, &wo, &where);

	if (c0 || ck || co)
		return fail(r, z, "read of page %p faulted (si_code %d %d %d); the model says "
			    "readable (prot %u)", (void *)a, c0, ck, co, p->prot);
	bool ok;

	if (!p->tag)
		ok = w0 == 0 && wo == 0;
	else if (p->maybe)
		ok = wo == 0 && ((w0 == p->tag && wk == p->tag) || (w0 == 0 && wk == 0));
	else
		ok = w0 == p->tag && wk == p->tag && wo == 0;
	if (!ok)
		return fail(r, z, "page %p holds words 0, %u, %u = 0x%lx 0x%lx 0x%lx; the model "
			    "says tag 0x%lx%s", (void *)a, k, o, (unsigned long)w0,
			    (unsigned long)wk, (unsigned long)wo, (unsigned long)p->tag,
			    p->maybe ? " or all zero" : "");
	if (mp)
		mp->res = RES_YES;	/* a read maps the page (Linux: the zero page) */
	return true;
}

/* Writes page i of z's own arena: a fault exactly where the model says, else a new
 * tag, with the old tag's word cleared so that the contents are known again. */
static bool probe_write(struct fz *z, long i)
{
	const struct page *p = pg_get(z, i);
	struct page *mp = pg_at(z, i);
	uintptr_t a = pa(z, i), where;
	int want = write_code(p);

	if (want) {
		uintptr_t at = a + 8 * below(z, PG / 8);

		return fault_probe(z, z, at, true, want, at);
	}
	uint64_t t = ((uint64_t)(z->idx + 1) << 56) | ++z->next_tag;
	unsigned int k = tag_word(t), old = p->tag ? tag_word(p->tag) : 0;
	int c = 0;

	if (old && old != k)
		c |= wr(a + 8 * old, 0, &where);
	c |= wr(a, t, &where);
	c |= wr(a + 8 * k, t, &where);
	if (c)
		return fail(z, z, "write to page %p faulted (si_code %d); the model says writable "
			    "(prot %u)", (void *)a, c, p->prot);
	mp->tag = t;
	mp->maybe = false;
	mp->res = RES_YES;
	return true;
}

/*
 * kestrel gives every page of every shared VMA a frame when the process forks
 * (docs/vm.md); Linux's page cache holds only the pages touched. So once a thread
 * has begun a fork, a shared page never touched may be resident. The flag is set
 * before the fork and read after the mincore that saw the frames, so a mincore
 * that saw them sees it set.
 */
static bool shared_populated(void)
{
	return __atomic_load_n(&forked, __ATOMIC_ACQUIRE);
}

/*
 * mincore of n pages from page s of z's arena, len bytes (rounding up to n pages),
 * by thread r: Linux's sys_mincore() copies each VMA's bytes out before it looks
 * at the next, so up to the first unmapped page the bytes are the model's, the call
 * fails with -ENOMEM there, and nothing after it is written.
 */
static bool mincore_check(struct fz *r, struct fz *z, long s, long n, size_t len)
{
	long k = mapped_run(z, s, n);
	long want = k == n ? 0 : -ENOMEM;

	memset(r->vec, 0xaa, (size_t)n + 8);
	if (!expect(r, x_mincore(r, pa(z, s), len, (uintptr_t)r->vec), want))
		return false;
	for (long j = 0; j < n + 8; j++) {
		unsigned char v = r->vec[j];
		const struct page *p = pg_get(z, s + j);
		bool any = p->res == RES_ANY || (p->res == RES_NO && p->obj && shared_populated());
		bool ok = j >= k ? v == 0xaa : any ? v <= 1 : v == (p->res == RES_YES);

		if (!ok)
			return fail(r, z, "mincore byte %ld (page %p) is 0x%x; the model says %s",
				    j, (void *)pa(z, s + j), v,
				    j >= k ? "not written (0xaa)" :
				    any ? "0 or 1" : p->res == RES_YES ? "1" : "0");
	}
	return true;
}

/* ---- argument generators ---- */

/* Pages [*s, *s + *n): inside the arena, or with edge reaching either guard page. */
static void pick_range(struct fz *z, bool edge, long *s, long *n)
{
	long lo = edge ? -1 : 0, hi = edge ? ARENA + 1 : ARENA;
	long start = lo + (long)below(z, (unsigned long)(hi - lo));
	long max = hi - start, len;
	unsigned long c = below(z, 20);

	len = c < 10 ? 1 + (long)below(z, 4) : c < 17 ? 1 + (long)below(z, 16) :
	      1 + (long)below(z, (unsigned long)max);
	*s = start;
	*n = len < max ? len : max;
}

/* n pages in bytes, sometimes short of the last page's end (the kernel rounds up). */
static size_t bytes(struct fz *z, long n)
{
	size_t b = (size_t)n * PG;

	if (chance(z, 30))
		b -= below(z, PG);
	return b;
}

static unsigned int rprot(struct fz *z)
{
	static const unsigned int p[] = {
		PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE,
		PROT_WRITE, PROT_EXEC, PROT_READ | PROT_EXEC, PROT_WRITE | PROT_EXEC, PROT_RWX,
	};
	unsigned int v = p[below(z, ARRAY_SIZE(p))];

	return chance(z, 10) ? v | PROT_SEM : v;
}

/* Flags mmap ignores for anonymous memory (MAP_32BIT is 0x40 on x86_64 and means
 * nothing to a MAP_FIXED request; riscv64 has no such flag). */
static unsigned int rflags_extra(struct fz *z)
{
	static const unsigned int f[] = {
		0, 0, 0, 0, MAP_NORESERVE, MAP_POPULATE, MAP_POPULATE | MAP_NONBLOCK,
		MAP_NONBLOCK, MAP_STACK, 0x40, MAP_DENYWRITE, MAP_EXECUTABLE, 0x200000,
		0x800000, 1u << 26, 1u << 30,
	};

	return f[below(z, ARRAY_SIZE(f))];
}

/* Addresses above every user range: the kernel half, the last page, non-canonical ones. */
static uintptr_t kaddr(struct fz *z)
{
	static const uintptr_t k[] = {
		0xffff800000000000UL, 0xffffffff80000000UL, 0xfffffffffffff000UL,
		0x8000000000000000UL, 1UL << 60, HIGH,
	};

	return k[below(z, ARRAY_SIZE(k))];
}

static size_t huge_len(struct fz *z)
{
	static const size_t l[] = {
		(size_t)-1, (size_t)-PG, (size_t)-2 * PG + 1, 1UL << 60, 1UL << 62, HIGH,
	};

	return l[below(z, ARRAY_SIZE(l))];
}

/* ---- the calls and their model ---- */

/*
 * mmap as do_mmap() orders its checks for anonymous memory (after the arch's
 * offset check and ksys_mmap_pgoff()'s fd look-up without MAP_ANONYMOUS): length,
 * get_unmapped_area() (a length past the top; for MAP_FIXED an address past it,
 * then an unaligned one), MAP_FIXED_NOREPLACE over a mapping, then the map type.
 * prot bits mmap does not know are ignored (calc_vm_prot_bits()). A call that
 * would succeed is made only at a fixed address in the arena.
 */
static void mmap_case(struct fz *z, uintptr_t addr, size_t len, unsigned int prot,
		      unsigned int flags, int fd, long off)
{
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	unsigned int type = flags & 0x0f;
	long want, s = 0, n = 0;

	if (off & (long)(PG - 1))
		want = -EINVAL;
	else if (!(flags & MAP_ANONYMOUS))
		want = -EBADF;		/* fd is -1 or never opened */
	else if (len == 0)
		want = -EINVAL;
	else if (page_up(len) == 0)
		want = -ENOMEM;
	else if (over_top(fixed ? addr : 0, len))
		want = -ENOMEM;
	else if (fixed && (addr & (PG - 1)))
		want = -EINVAL;
	else {
		if (fixed) {
			n = (long)(page_up(len) / PG);
			if (!page_of(z, addr, &s) || s < 0 || s + n > ARENA)
				return;		/* not generated */
		}
		if (fixed && (flags & MAP_FIXED_NOREPLACE) && any_mapped(z, s, n))
			want = -EEXIST;
		else if (type == MAP_SHARED && (flags & MAP_GROWSDOWN))
			want = -EINVAL;
		else if (type == MAP_PRIVATE && (flags & MAP_GROWSDOWN))
			return;			/* a growable VMA: docs/vm.md */
		else if (type != MAP_SHARED && type != MAP_PRIVATE)
			want = -EINVAL;
		else if (!fixed)
			return;			/* the kernel would place it */
		else
			want = (long)addr;
	}
	if (!expect(z, x_mmap(z, addr, len, prot, flags, fd, off), want) || want != (long)addr)
		return;
	/* MAP_POPULATE populates what is accessible (mm_populate(): PROT_NONE is
	 * skipped), unless MAP_NONBLOCK (do_mmap()'s *populate). */
	bool populate = (flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE && (prot & PROT_RWX);
	uint32_t vid = z->next_vid++, obj = type == MAP_SHARED ? z->next_obj++ : 0;

	z->chk_s = s;
	z->chk_n = n;
	for (long i = 0; i < n; i++)
		z->pg[s + i] = (struct page){ .mapped = 1, .prot = (uint8_t)(prot & PROT_RWX),
					      .vid = vid, .obj = obj, .pgoff = obj ? (uint32_t)i : 0,
					      .res = populate ? RES_YES : RES_NO };
}

/* munmap (do_mas_munmap()): any range inside the user range is fine. */
static void munmap_case(struct fz *z, uintptr_t addr, size_t len)
{
	long s, want = 0;

	if ((addr & (PG - 1)) || over_top(addr, len) || page_up(len) == 0)
		want = -EINVAL;
	else if (!page_of(z, addr, &s) || s + (long)(page_up(len) / PG) > ARENA + 1)
		return;
	if (expect(z, x_munmap(z, addr, len), want) && want == 0) {
		unmap_pages(z, s, (long)(page_up(len) / PG));
		z->chk_s = s;
		z->chk_n = (long)(page_up(len) / PG);
	}
}

/*
 * mprotect (do_mprotect_pkey()): both GROWS bits, an unaligned start, length 0 (0),
 * a wrapping end (ENOMEM), undefined bits, then the VMAs: PROT_GROWSDOWN looks at
 * the first VMA ending above start (EINVAL unless it starts at or past the end:
 * nothing grows down here); otherwise start must be mapped, PROT_GROWSUP is
 * EINVAL, and each page up to the first hole (ENOMEM) takes the protection.
 */
static void mprotect_case(struct fz *z, uintptr_t addr, size_t len, unsigned int prot)
{
	unsigned int grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	long want, s = 0, n = 0, done = 0;

	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP) || (addr & (PG - 1)))
		want = -EINVAL;
	else if (len == 0)
		want = 0;
	else if (page_up(len) == 0 || addr + page_up(len) <= addr)
		want = -ENOMEM;
	else if (prot & ~(PROT_RWX | PROT_SEM | grows))
		want = -EINVAL;
	else if (!page_of(z, addr, &s)) {
		if (!over_top(addr, len))
			return;
		want = -ENOMEM;			/* no VMA up there */
	} else {
		n = (long)(page_up(len) / PG);
		if (s + n > ARENA + 1)
			return;
		if (grows & PROT_GROWSDOWN)
			want = any_mapped(z, s, n) ? -EINVAL : -ENOMEM;
		else if (!pg_get(z, s)->mapped)
			want = -ENOMEM;
		else if (grows & PROT_GROWSUP)
			want = -EINVAL;
		else {
			done = mapped_run(z, s, n);
			want = done == n ? 0 : -ENOMEM;
		}
	}
	if (!expect(z, x_mprotect(z, addr, len, prot), want))
		return;
	for (long i = 0; i < done; i++)
		z->pg[s + i].prot = (uint8_t)(prot & PROT_RWX);
	renumber(z, s, done);
	z->chk_s = s;
	z->chk_n = n;
}

enum { RC_OK, RC_EFAULT, RC_UNSURE };

/* vma_to_resize()'s "old_len > vma->vm_end - addr": is [s, s + m) (page s mapped)
 * inside one VMA on both kernels, certainly not, or unknown? */
static int resize_check(const struct fz *z, long s, long m)
{
	const struct page *first = pg_get(z, s);

	for (long i = 1; i < m; i++) {
		const struct page *p = pg_get(z, s + i);

		if (!p->mapped)
			return RC_EFAULT;
		if (p->vid != first->vid)
			return attrs_differ(pg_get(z, s + i - 1), p) ? RC_EFAULT : RC_UNSURE;
	}
	return RC_OK;
}

/*
 * mremap in the order of Linux 6.1's syscall: the flag checks, an unaligned address,
 * a new length of 0, then vma_lookup() (EFAULT) before anything else; with
 * MREMAP_FIXED or MREMAP_DONTUNMAP mremap_to(): the new address unaligned or past
 * the top, the ranges overlapping, then the target unmapped and the tail of a
 * shrink unmapped (both stay so if a later check fails), vma_to_resize() and the
 * move; else a shrink in place (the tail unmapped, no VMA check), or growth: in
 * place when the old range ends its VMA and the pages after are free, else -ENOMEM
 * (with MREMAP_MAYMOVE the kernel would place it: not made).
 */
static void mremap_case(struct fz *z, uintptr_t addr, size_t old_len, size_t new_len,
			unsigned int flags, uintptr_t new_addr)
{
	size_t ol = page_up(old_len), nl = page_up(new_len);
	long want, s = 0, t = 0, on = (long)(ol / PG), nn = (long)(nl / PG);
	long unmap_t = 0, unmap_tail = 0, moved = 0, grow = 0;
	bool move = false;

	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
		want = -EINVAL;
	else if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		want = -EINVAL;
	else if ((flags & MREMAP_DONTUNMAP) &&
		 (!(flags & MREMAP_MAYMOVE) || old_len != new_len))
		want = -EINVAL;
	else if (addr & (PG - 1))
		want = -EINVAL;
	else if (nl == 0)
		want = -EINVAL;
	else if (!page_of(z, addr, &s)) {
		if (!over_top(addr, 0))
			return;
		want = -EFAULT;
	} else if (!pg_get(z, s)->mapped)
		want = -EFAULT;
	else if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) {
		const struct page *p = pg_get(z, s);
		long m;
		int rc;

		if (new_addr & (PG - 1))
			want = -EINVAL;
		else if (over_top(new_addr, nl))
			want = -EINVAL;
		else if (addr + ol > new_addr && new_addr + nl > addr)
			want = -EINVAL;
		else {
			if (flags & MREMAP_FIXED) {
				if (!page_of(z, new_addr, &t) || t < 0 || t + nn > ARENA)
					return;
				unmap_t = nn;
			}
			if (ol > nl) {
				if (s + on > ARENA + 1)
					return;
				unmap_tail = on - nn;
			}
			m = on < nn ? on : nn;
			rc = m ? resize_check(z, s, m) : RC_OK;
			if (rc == RC_UNSURE || (m == 0 && p->obj))
				return;
			if (m == 0)
				want = -EINVAL;	/* duplicating a private mapping */
			else if (rc == RC_EFAULT)
				want = -EFAULT;
			else if ((p->obj && nn > m) || (p->obj && (flags & MREMAP_DONTUNMAP)) ||
				 !(flags & MREMAP_FIXED))
				return;		/* see the header */
			else {
				want = (long)new_addr;
				move = true;
				moved = m;
			}
		}
	} else if (ol >= nl) {
		if (ol == nl)
			want = (long)addr;
		else if (over_top(addr + nl, ol - nl))
			want = -EINVAL;
		else if (s + on > ARENA + 1)
			return;
		else {
			want = (long)addr;
			unmap_tail = on - nn;
		}
	} else {
		const struct page *p = pg_get(z, s);
		int rc = on ? resize_check(z, s, on) : RC_OK;

		if (rc == RC_UNSURE || (on == 0 && p->obj))
			return;
		if (on == 0)
			want = -EINVAL;
		else if (rc == RC_EFAULT)
			want = -EFAULT;
		else if (over_top(addr, nl))
			want = -ENOMEM;		/* nothing that large is free, nor placeable */
		else if (p->obj || s + nn > ARENA)
			return;
		else if (!pg_get(z, s + on)->mapped && !any_mapped(z, s + on, nn - on)) {
			want = (long)addr;
			grow = nn - on;
		} else if (flags & MREMAP_MAYMOVE)
			return;
		else
			want = -ENOMEM;
	}
	long got = x_mremap(z, addr, old_len, new_len, flags, new_addr);

	/* The side effects Linux leaves even when it then fails. */
	if (unmap_t)
		unmap_pages(z, t, unmap_t);
	if (unmap_tail)
		unmap_pages(z, s + nn, unmap_tail);
	if (!expect(z, got, want))
		return;
	z->chk_s = s;
	z->chk_n = on;
	if (grow) {
		const struct page *p = pg_get(z, s);

		for (long i = s + on; i < s + nn; i++)
			z->pg[i] = (struct page){ .mapped = 1, .prot = p->prot, .vid = p->vid,
						  .fork = p->fork };
	}
	if (move) {
		struct page tmp[ARENA];
		uint32_t vid = z->next_vid++;

		memcpy(tmp, &z->pg[s], (size_t)moved * sizeof(tmp[0]));
		for (long j = 0; j < nn; j++) {
			struct page *d = &z->pg[t + j];

			if (j < moved)
				*d = tmp[j];
			else
				*d = (struct page){ .mapped = 1, .prot = tmp[0].prot,
						    .fork = tmp[0].fork };
			d->vid = vid;
		}
		z->chk_s = t;
		z->chk_n = nn;
		for (long j = 0; j < moved; j++) {
			struct page *o = &z->pg[s + j];

			if (flags & MREMAP_DONTUNMAP)	/* private: kept, empty */
				*o = (struct page){ .mapped = 1, .prot = o->prot, .vid = o->vid,
						    .fork = o->fork };
			else
				memset(o, 0, sizeof(*o));
		}
	}
}

static bool advice_is_valid(int a)
{
	return (a >= MADV_NORMAL && a <= MADV_DONTNEED) || (a >= MADV_FREE && a <= MADV_COLLAPSE) ||
	       a == 100 || a == 101;
}

/* What advice a does to one page of a VMA that took it, or the VMA's refusal. */
static int advise_page(struct page *p, int a)
{
	bool shared = p->obj;

	switch (a) {
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED:
		/* shared: the object keeps the pages, the next touch maps them again */
		if (!shared)
			*p = (struct page){ .mapped = 1, .prot = p->prot, .vid = p->vid,
					    .fork = p->fork };
		return 0;
	case MADV_FREE:
		if (shared)
			return -EINVAL;		/* madvise_free_single_vma(): not anonymous */
		p->maybe = p->tag != 0;
		if (p->res == RES_YES)
			p->res = RES_ANY;
		return 0;
	case MADV_REMOVE:
		if (!shared)
			return -EINVAL;		/* madvise_remove(): no file */
		/* a hole punched in the object: any protection (shmem is VM_MAYWRITE) */
		p->tag = 0;
		p->maybe = false;
		p->res = RES_NO;
		return 0;
	case MADV_WIPEONFORK:
		if (shared)
			return -EINVAL;
		p->fork |= F_WIPEONFORK;
		return 0;
	case MADV_KEEPONFORK:
		p->fork &= (uint8_t)~F_WIPEONFORK;
		return 0;
	case MADV_DONTFORK:
		p->fork |= F_DONTFORK;
		return 0;
	case MADV_DOFORK:
		p->fork &= (uint8_t)~F_DONTFORK;
		return 0;
	case MADV_POPULATE_READ:
		if (!(p->prot & PROT_READ))
			return -EINVAL;		/* check_vma_flags(): VM_READ itself */
		p->res = RES_YES;
		return 0;
	case MADV_POPULATE_WRITE:
		if (!(p->prot & PROT_WRITE))
			return -EINVAL;
		p->res = RES_YES;
		return 0;
	case MADV_COLLAPSE:
		return -EINVAL;			/* no VMA here holds an aligned 2 MiB page */
	case MADV_PAGEOUT:
		/* reclaim drops clean pages: a lazily freed one, or shared never written */
		if ((shared ? p->tag == 0 : p->maybe) && p->res == RES_YES)
			p->res = RES_ANY;
		return 0;
	default:
		return 0;
	}
}

/*
 * madvise (do_madvise()): undefined advice, an unaligned start, a length rounding
 * up to 0 from above 0 or a wrapping end (EINVAL), length 0 (0); then
 * madvise_walk_vmas(): holes are skipped and make the result ENOMEM at the end, a
 * VMA that refuses the advice stops the walk with its errno, what came before it
 * keeps the advice.
 */
static void madvise_case(struct fz *z, uintptr_t addr, size_t len, int advice)
{
	size_t pl = page_up(len);
	long want, s = 0, n = 0;

	if (!advice_is_valid(advice) || (addr & (PG - 1)) || (len && !pl) || addr + pl < addr)
		want = -EINVAL;
	else if (pl == 0)
		want = 0;
	else if (!page_of(z, addr, &s)) {
		if (!over_top(addr, 0))
			return;
		want = -ENOMEM;
	} else {
		n = (long)(pl / PG);
		if (s + n > ARENA + 1 || advice == 100 || advice == 101)
			return;
		want = 0;
		/* the model of the walk, on a copy until the call has answered */
		for (long i = s; i < s + n; i++) {
			struct page *p = pg_at(z, i);

			if (!p || !p->mapped) {
				want = -ENOMEM;
				continue;
			}
			struct page q = *p;
			int e = advise_page(&q, advice);

			if (e) {
				want = e;
				n = i - s;
				break;
			}
		}
	}
	if (!expect(z, x_madvise(z, addr, len, advice), want))
		return;
	for (long i = s; i < s + n; i++) {
		struct page *p = pg_at(z, i);

		if (p && p->mapped)
			advise_page(p, advice);
	}
	renumber(z, s, n);
	z->chk_s = s;
	z->chk_n = n;
}

/* ---- the random calls ---- */

static void op_mmap(struct fz *z)
{
	static const unsigned int bad_prot[] = { 0x10, 0x20, 0x80, PROT_GROWSDOWN, PROT_GROWSUP };
	long s, n;
	unsigned int prot, flags;

	pick_range(z, false, &s, &n);
	prot = rprot(z);
	if (chance(z, 5))
		prot |= bad_prot[below(z, ARRAY_SIZE(bad_prot))];	/* ignored by mmap */
	flags = MAP_ANONYMOUS | (chance(z, 30) ? MAP_SHARED : MAP_PRIVATE) | rflags_extra(z);
	flags |= chance(z, 15) ? MAP_FIXED_NOREPLACE | (chance(z, 50) ? MAP_FIXED : 0) : MAP_FIXED;
	mmap_case(z, pa(z, s), bytes(z, n), prot, flags, -1,
		  chance(z, 10) ? (long)(below(z, 1UL << 20) * PG) : 0);
}

static void op_munmap(struct fz *z)
{
	long s, n;

	pick_range(z, true, &s, &n);
	munmap_case(z, pa(z, s), bytes(z, n));
}

static void op_mprotect(struct fz *z)
{
	long s, n;

	pick_range(z, true, &s, &n);
	mprotect_case(z, pa(z, s), bytes(z, n), rprot(z));
}

static void op_mremap(struct fz *z)
{
	unsigned long kind = below(z, 10);
	long s, on, nn, t;
	unsigned int flags;

	if (kind < 3) {
		/* shrink or keep, in place */
		s = (long)below(z, ARENA);
		on = 1 + (long)below(z, (unsigned long)(ARENA + 1 - s) < 16 ? (unsigned long)(ARENA + 1 - s) : 16);
		nn = 1 + (long)below(z, (unsigned long)on);
		mremap_case(z, pa(z, s), bytes(z, on), bytes(z, nn), chance(z, 50) ? MREMAP_MAYMOVE : 0, 0);
	} else if (kind < 6) {
		/* grow in place */
		s = (long)below(z, ARENA - 1);
		on = 1 + (long)below(z, (unsigned long)(ARENA - 1 - s) < 12 ? (unsigned long)(ARENA - 1 - s) : 12);
		nn = on + 1 + (long)below(z, (unsigned long)(ARENA - s - on) < 8 ? (unsigned long)(ARENA - s - on) : 8);
		mremap_case(z, pa(z, s), bytes(z, on), bytes(z, nn), chance(z, 50) ? MREMAP_MAYMOVE : 0, 0);
	} else {
		/* move to a fixed address in the arena, maybe leaving the old range mapped */
		flags = MREMAP_MAYMOVE | MREMAP_FIXED | (chance(z, 25) ? MREMAP_DONTUNMAP : 0);
		on = 1 + (long)below(z, 12);
		nn = flags & MREMAP_DONTUNMAP ? on : 1 + (long)below(z, 12);
		s = (long)below(z, (unsigned long)(ARENA - on));
		for (int tries = 0; tries < 4; tries++) {
			t = (long)below(z, (unsigned long)(ARENA - nn + 1));
			if (t + nn <= s || t >= s + on) {
				size_t ob = bytes(z, on);

				mremap_case(z, pa(z, s), ob, flags & MREMAP_DONTUNMAP ? ob : bytes(z, nn),
					    flags, pa(z, t));
				return;
			}
		}
	}
}

static void op_madvise(struct fz *z)
{
	static const int advice[] = {
		MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED,
		MADV_DONTNEED, MADV_DONTNEED, MADV_FREE, MADV_FREE, MADV_FREE, MADV_REMOVE,
		MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK, MADV_MERGEABLE, MADV_UNMERGEABLE,
		MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP, MADV_WIPEONFORK,
		MADV_KEEPONFORK, MADV_COLD, MADV_PAGEOUT, MADV_PAGEOUT, MADV_POPULATE_READ,
		MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_POPULATE_WRITE,
		MADV_DONTNEED_LOCKED, MADV_COLLAPSE,
	};
	long s, n;

	pick_range(z, true, &s, &n);
	madvise_case(z, pa(z, s), bytes(z, n), advice[below(z, ARRAY_SIZE(advice))]);
}

static void op_mincore(struct fz *z)
{
	long s, n;

	pick_range(z, true, &s, &n);
	mincore_check(z, z, s, n, bytes(z, n));
}

/* ---- the hostile calls ---- */

static uintptr_t arena_addr(struct fz *z, bool unaligned)
{
	return pa(z, (long)below(z, ARENA)) + (unaligned ? 1 + below(z, PG - 1) : 0);
}

static void hostile_mmap(struct fz *z)
{
	static const unsigned int types[] = { 0, 1, 2, 3, 4, 5, 7, 8, 0x0f, 1, 2 };
	unsigned int flags = types[below(z, ARRAY_SIZE(types))];
	unsigned int prot = rprot(z) | (chance(z, 30) ? 0x10u << below(z, 8) : 0);
	unsigned long how = below(z, 4);
	uintptr_t addr;
	size_t len;
	long off = 0;
	int fd = -1;

	if (chance(z, 88))
		flags |= MAP_ANONYMOUS;
	else if (chance(z, 50))
		fd = 999;
	if (how == 1)
		flags |= MAP_FIXED;
	else if (how == 2)
		flags |= MAP_FIXED_NOREPLACE;
	else if (how == 3)
		flags |= MAP_FIXED | MAP_FIXED_NOREPLACE;
	if (chance(z, 10))
		flags |= MAP_GROWSDOWN;
	flags |= rflags_extra(z) & ~(MAP_POPULATE | MAP_NONBLOCK);
	switch (below(z, 5)) {
	case 0:
		/* not in the top page: get_unmapped_area() passes a MAP_FIXED address
		 * through, and one there reads as an error value (IS_ERR_VALUE()) */
		addr = kaddr(z);
		if (addr != 0xfffffffffffff000UL && chance(z, 20))
			addr += 1 + below(z, PG - 1);
		break;
	case 1:
		addr = arena_addr(z, true);
		break;
	case 2:
		addr = how ? arena_addr(z, false) : 0;
		break;
	default:
		addr = chance(z, 50) ? arena_addr(z, false) : 0;
		break;
	}
	switch (below(z, 4)) {
	case 0:
		len = 0;
		break;
	case 1:
	case 2:
		len = huge_len(z);
		break;
	default: {
		long i;

		len = bytes(z, 1 + (long)below(z, 4));
		if (page_of(z, addr, &i) && i + (long)(page_up(len) / PG) > ARENA)
			len = PG;	/* a fixed range stays in the arena */
		break;
	}
	}
	if (chance(z, 15))
		off = chance(z, 50) ? (long)(1 + below(z, PG - 1)) : (long)((size_t)-PG);
	mmap_case(z, addr, len, prot, flags, fd, off);
}

static void hostile_munmap(struct fz *z)
{
	switch (below(z, 4)) {
	case 0:
		munmap_case(z, arena_addr(z, true), bytes(z, 1 + (long)below(z, 4)));
		break;
	case 1:
		munmap_case(z, chance(z, 50) ? arena_addr(z, false) : kaddr(z), 0);
		break;
	case 2:
		munmap_case(z, kaddr(z), chance(z, 50) ? PG : huge_len(z));
		break;
	default:
		munmap_case(z, arena_addr(z, chance(z, 30)), huge_len(z));
		break;
	}
}

static void hostile_mprotect(struct fz *z)
{
	static const unsigned int bad[] = { 0x10, 0x20, 0x40, 0x80, 0x100, 0x10000, 0x80000000 };
	unsigned int prot = rprot(z);
	long s, n;

	pick_range(z, true, &s, &n);
	switch (below(z, 7)) {
	case 0:
		mprotect_case(z, pa(z, s), bytes(z, n), prot | PROT_GROWSDOWN | PROT_GROWSUP);
		break;
	case 1:
		mprotect_case(z, pa(z, s) + 1 + below(z, PG - 1), bytes(z, n), prot);
		break;
	case 2:
		mprotect_case(z, chance(z, 50) ? kaddr(z) : pa(z, s), 0, prot | bad[below(z, ARRAY_SIZE(bad))]);
		break;
	case 3:
		mprotect_case(z, pa(z, s), huge_len(z) & ~(PG - 1), prot);
		break;
	case 4:
		mprotect_case(z, pa(z, s), bytes(z, n), prot | bad[below(z, ARRAY_SIZE(bad))]);
		break;
	case 5:
		mprotect_case(z, kaddr(z), bytes(z, 1 + (long)below(z, 4)), prot);
		break;
	default:
		mprotect_case(z, pa(z, s), bytes(z, n),
			      prot | (chance(z, 50) ? PROT_GROWSDOWN : PROT_GROWSUP));
		break;
	}
}

static void hostile_mremap(struct fz *z)
{
	long s = (long)below(z, ARENA - 8), t;
	size_t ol = bytes(z, 1 + (long)below(z, 4)), nl = bytes(z, 1 + (long)below(z, 4));
	uintptr_t a = pa(z, s);

	/* a target of up to 4 pages after the old range's largest extent (8 pages) */
	t = ARENA - (s + 8) - 4 >= 0 ? s + 8 + (long)below(z, (unsigned long)(ARENA - (s + 8) - 3)) : -1;
	switch (below(z, 12)) {
	case 0:
		mremap_case(z, a, ol, nl, MREMAP_MAYMOVE | (8u << below(z, 4)), 0);
		break;
	case 1:
		mremap_case(z, a, ol, nl, chance(z, 50) ? 0x80000000u : 0x40u | MREMAP_FIXED, 0);
		break;
	case 2:
		mremap_case(z, a, ol, ol, MREMAP_FIXED, t >= 0 ? pa(z, t) : 0);
		break;
	case 3:
		mremap_case(z, a, ol, chance(z, 50) ? ol : ol + 1, MREMAP_DONTUNMAP, 0);
		break;
	case 4:
		mremap_case(z, a, ol, ol - 1 > 0 ? ol - 1 : ol + 1,
			    MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED, t >= 0 ? pa(z, t) : 0);
		break;
	case 5:
		mremap_case(z, a + 1 + below(z, PG - 1), ol, nl, below(z, 2) ? MREMAP_MAYMOVE : 0, 0);
		break;
	case 6:
		mremap_case(z, a, ol, chance(z, 50) ? 0 : (size_t)-PG + 1 + below(z, PG - 1),
			    below(z, 2) ? MREMAP_MAYMOVE : 0, 0);
		break;
	case 7:
		mremap_case(z, kaddr(z) & ~(PG - 1), ol, nl, chance(z, 50) ? MREMAP_MAYMOVE : 0, 0);
		break;
	case 8: {
		/* MREMAP_FIXED to a kernel or unaligned address, or a huge length */
		unsigned long w = below(z, 3);

		mremap_case(z, a, ol, w == 2 ? huge_len(z) & ~(PG - 1) : nl,
			    MREMAP_MAYMOVE | MREMAP_FIXED,
			    w == 0 ? kaddr(z) : t >= 0 ? pa(z, t) + (w == 1 ? 1 + below(z, PG - 1) : 0) : 0);
		break;
	}
	case 9:
		/* overlapping old and new ranges */
		mremap_case(z, a, bytes(z, 4), nl, MREMAP_MAYMOVE | MREMAP_FIXED,
			    pa(z, s + (long)below(z, 4)) + (chance(z, 20) ? PG : 0));
		break;
	case 10:
		/* old length 0 (or rounding up to 0) moved to a fixed target */
		if (t >= 0)
			mremap_case(z, a, chance(z, 50) ? 0 : (size_t)-1, nl,
				    MREMAP_MAYMOVE | MREMAP_FIXED, pa(z, t));
		break;
	default:
		/* huge old length shrunk, or one page grown to a huge length */
		if (chance(z, 50))
			mremap_case(z, a, huge_len(z) & ~(PG - 1), nl, chance(z, 50) ? MREMAP_MAYMOVE : 0, 0);
		else
			mremap_case(z, a, PG, (huge_len(z) & ~(PG - 1)) | PG, chance(z, 50) ? MREMAP_MAYMOVE : 0, 0);
		break;
	}
}

static void hostile_madvise(struct fz *z)
{
	static const int bad[] = { 5, 6, 7, 26, 27, 64, 99, 102, 103, 255, 1000, -1, 0x7fffffff,
				   (int)0x80000000 };
	static const int good[] = { MADV_NORMAL, MADV_DONTNEED, MADV_FREE, MADV_REMOVE,
				    MADV_POPULATE_READ, MADV_COLD };
	int advice = good[below(z, ARRAY_SIZE(good))];
	long s, n;

	pick_range(z, true, &s, &n);
	switch (below(z, 5)) {
	case 0:
		madvise_case(z, chance(z, 50) ? pa(z, s) : kaddr(z), bytes(z, n), bad[below(z, ARRAY_SIZE(bad))]);
		break;
	case 1:
		madvise_case(z, pa(z, s) + 1 + below(z, PG - 1), bytes(z, n), advice);
		break;
	case 2:
		madvise_case(z, chance(z, 50) ? pa(z, s) : kaddr(z) & ~(PG - 1),
			     chance(z, 50) ? (size_t)-1 - below(z, PG - 1) : (size_t)-PG * (1 + below(z, 4)),
			     advice);
		break;
	case 3:
		madvise_case(z, kaddr(z) & ~(PG - 1), chance(z, 30) ? 0 : bytes(z, 1 + (long)below(z, 4)), advice);
		break;
	default:
		madvise_case(z, pa(z, s), 0, advice);
		break;
	}
}

/*
 * mincore (sys_mincore()): an unaligned start (EINVAL), a range access_ok() refuses
 * (ENOMEM, also for length 0 up there), then the vector: access_ok(vec, pages)
 * (EFAULT for a kernel vector, even before a hole), then the walk: the first page
 * unmapped is ENOMEM, else the first copy-out fails (EFAULT) for a NULL vector or
 * one in a page of the arena the model says is not writable; that page is left
 * as it was.
 */
static void hostile_mincore(struct fz *z)
{
	long s, n, v = -1;
	uintptr_t addr, vec;
	size_t len;
	long want;

	pick_range(z, true, &s, &n);
	addr = pa(z, s);
	len = bytes(z, n);
	switch (below(z, 6)) {
	case 0:
		addr += 1 + below(z, PG - 1);
		break;
	case 1:
		addr = kaddr(z) & ~(PG - 1);
		len = chance(z, 30) ? 0 : len;
		break;
	case 2:
		len = huge_len(z);
		break;
	default:
		break;
	}
	switch (below(z, 4)) {
	case 0:
		vec = 0;
		break;
	case 1:
		vec = kaddr(z) + below(z, PG);
		break;
	case 2:
		v = (long)below(z, ARENA);
		if (write_code(pg_get(z, v)) == 0)
			v = -1;		/* the kernel would write it */
		vec = pa(z, v < 0 ? 0 : v);
		if (v < 0)
			vec = 0;
		break;
	default:
		vec = 0;
		len = 0;
		break;
	}
	if (addr & (PG - 1))
		want = -EINVAL;
	else if (over_top(addr, len))
		want = -ENOMEM;
	else if (vec >= HIGH)
		want = -EFAULT;
	else if (len == 0)
		want = 0;
	else if (!pg_get(z, s)->mapped)
		want = -ENOMEM;
	else
		want = -EFAULT;
	if (!expect(z, x_mincore(z, addr, len, vec), want))
		return;
	if (v >= 0 && read_code(pg_get(z, v)) == 0)
		probe_read(z, z, v);	/* the vector's page still holds what it held */
}

static void hostile_probe(struct fz *z)
{
	uintptr_t a = kaddr(z);
	bool write = chance(z, 50);

	/* below the kernel half of any mode, above every user top: non-canonical */
	if (a < 0xff00000000000000UL) {
		a = ARCH_NONCANONICAL_ADDR + 8 * below(z, 1UL << 20);
		fault_probe(z, z, a, write, ARCH_NONCANONICAL_SI_CODE, ARCH_NONCANONICAL_SI_ADDR(a));
	} else {
		a += 8 * below(z, PG / 8);
		fault_probe(z, z, a, write, SEGV_MAPERR, a);
	}
}

static void op_hostile(struct fz *z)
{
	static void (*const fn[NHCLASS])(struct fz *) = {
		hostile_mmap, hostile_munmap, hostile_mprotect, hostile_mremap, hostile_madvise,
		hostile_mincore, hostile_probe,
	};
	enum hclass c = (enum hclass)below(z, NHCLASS);
	unsigned long before = z->calls;

	z->cur = c;
	fn[c](z);
	if (z->calls != before || c == H_PROBE)
		z->hcalls[c]++;
	z->cur = NHCLASS;
}

/* ---- the threads ---- */

/*
 * One step: a random call, then mincore of the pages it changed, two probes of
 * random pages, now and then mincore of a random range, and four hostile calls.
 * The mix is for time: under QEMU TCG with several CPUs, every call that takes
 * the address space's lock (the calls that change mappings, mincore, faults)
 * waits milliseconds for the others' TLB flushes and lock hand-overs (riscv64
 * longer than x86_64), nearly all of the run's time, while hostile calls mostly
 * fail their argument checks before any lock.
 */
static void step(struct fz *z)
{
	unsigned long c = below(z, 100);

	z->chk_n = 0;
	if (c < 20)
		op_mmap(z);
	else if (c < 29)
		op_munmap(z);
	else if (c < 48)
		op_mprotect(z);
	else if (c < 68)
		op_mremap(z);
	else if (c < 85)
		op_madvise(z);
	else if (c < 90)
		op_mincore(z);
	else
		op_hostile(z);
	if (!z->failed && z->chk_n) {
		long e = z->chk_s + z->chk_n;

		if (z->chk_s < -1)
			z->chk_s = -1;
		if (e > ARENA + 1)
			e = ARENA + 1;
		mincore_check(z, z, z->chk_s, e - z->chk_s, (size_t)(e - z->chk_s) * PG);
	}
	for (int i = 0; i < 2 && !z->failed; i++) {
		long p = -1 + (long)below(z, ARENA + 2);

		if (chance(z, 50))
			probe_read(z, z, p);
		else
			probe_write(z, p);
	}
	if (!z->failed && chance(z, 25))
		op_mincore(z);
	for (int i = 0; i < 4 && !z->failed; i++)
		op_hostile(z);
}

/* ---- fork at random points ---- */

/* Every page of z's arena and its guard pages as its model says (mincore, contents,
 * faults), read by thread r. */
static bool check_arena(struct fz *r, struct fz *z)
{
	for (long p = -1; p <= ARENA && !r->failed; p++)
		if (mincore_check(r, z, p, 1, PG))
			probe_read(r, z, p);
	return !r->failed;
}

/*
 * What a fork does to the child's copy of a model (Linux's dup_mmap() and
 * copy_page_range()). A DONTFORK page is not in the child; a WIPEONFORK page is
 * there, with its flag, empty. Linux copies no page-table entries of a VMA without
 * an anon_vma, such as private memory only ever read (the zero page), and kestrel
 * copies every entry: a private page that holds zeros and is resident may so be
 * either in the child. (Shared pages never touched: shared_populated().)
 */
static void fork_model(struct fz *z)
{
	for (long i = 0; i < ARENA; i++) {
		struct page *p = &z->pg[i];

		if (!p->mapped)
			continue;
		if (p->fork & F_DONTFORK) {
			memset(p, 0, sizeof(*p));
		} else if (p->fork & F_WIPEONFORK) {
			p->tag = 0;
			p->maybe = false;
			p->res = RES_NO;
		} else if (!p->obj && p->tag == 0 && p->res == RES_YES) {
			p->res = RES_ANY;
		}
	}
}

/*
 * The child of a fork at a random point: only the forking thread, with its copy of
 * the model. It checks its arena, unmaps the shared pages (their writes would be
 * the parent's too, whose model cannot know them), makes CHILD_STEPS steps of its
 * own and checks the arena again; its exit status says whether all held.
 */
static _Noreturn void fork_child(struct fz *z)
{
	z->child = true;
	z->rng ^= 0x6a09e667f3bcc909ULL;	/* a course of its own */
	fork_model(z);
	if (check_arena(z, z)) {
		for (long i = 0; i < ARENA && !z->failed; i++)
			if (z->pg[i].mapped && z->pg[i].obj)
				munmap_case(z, pa(z, i), PG);
	}
	for (unsigned int k = 0; k < CHILD_STEPS && !z->failed; k++, z->step++)
		step(z);
	if (!z->failed)
		check_arena(z, z);
	rt_drain_stdout();
	sys_exit_group(z->failed ? 1 : 0);
}

/*
 * fork from thread z while the other threads go on; z waits for the child, then
 * checks its own arena, which nothing of the child's may have changed.
 */
static void fork_case(struct fz *z)
{
	__atomic_store_n(&forked, 1, __ATOMIC_RELEASE);
	long pid = sys_fork();

	if (pid == 0)
		fork_child(z);
	if (pid < 0) {
		fail(z, z, "fork returned %ld", pid);
		return;
	}
	z->forks++;
	int status = -1;
	long r = sys_wait4((int)pid, &status, 0, NULL);

	if (r != pid || status != 0) {
		fail(z, z, "the child forked after step %lu: wait4 %ld, status 0x%x (0: its checks held)",
		     z->step, r, status);
		return;
	}
	check_arena(z, z);
}

static int fz_thread(void *arg)
{
	struct fz *z = arg;

	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		sys_futex(&go, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0);
	for (z->step = 0; z->step < STEPS && !z->failed; z->step++) {
		step(z);
		if (!z->failed && below(z, FORK_ODDS) == 0)
			fork_case(z);
	}
	return 0;
}

/* ---- brk, on the main thread ---- */

/*
 * brk (mm/mmap.c sys_brk()): below the start of the heap (NULL included) and past
 * the user range the break stays; else it moves to exactly the value asked for,
 * pages up to it mapped (zero) or unmapped. Nothing is mapped within BRK_PAGES
 * pages above the heap (the arenas come later, the mmap area is far above), so
 * growing never meets the next mapping. (A growth to far below the top would
 * depend on Linux's overcommit accounting, which kestrel does not have: not made.)
 */
static unsigned long brk_phase(void)
{
	struct fz *z = &mainz;
	uintptr_t base = (uintptr_t)x_brk(z, 0), cur = base;

	z->base = base;
	for (z->step = 0; z->step < BRK_STEPS && !z->failed; z->step++) {
		uintptr_t target, want;
		unsigned long c = below(z, 10);

		if (c < 7)
			target = base + below(z, BRK_PAGES * PG + 1);
		else if (c < 8)
			target = chance(z, 50) ? 0 : base - 1 - below(z, 4 * PG);
		else
			target = chance(z, 50) ? kaddr(z) : (uintptr_t)-1 - below(z, PG);
		want = target >= base && target <= base + BRK_PAGES * PG ? target : cur;
		if (!expect(z, x_brk(z, target), (long)want))
			break;
		if (want != cur) {
			long old_top = (long)(page_up(cur) - base) / (long)PG;
			long new_top = (long)(page_up(want) - base) / (long)PG;

			if (new_top > old_top) {
				for (long i = old_top; i < new_top; i++)
					z->pg[i] = (struct page){ .mapped = 1, .prot = PROT_READ | PROT_WRITE };
			} else {
				unmap_pages(z, new_top, old_top - new_top);
			}
			cur = want;
		}
		for (int i = 0; i < 2 && !z->failed; i++) {
			long p = (long)below(z, BRK_PAGES + 1);

			if (chance(z, 50))
				probe_read(z, z, p);
			else
				probe_write(z, p);
		}
		if (!z->failed && chance(z, 50)) {
			long s = (long)below(z, BRK_PAGES + 1), n = 1 + (long)below(z, 8);

			mincore_check(z, z, s, n, bytes(z, n));
		}
	}
	return z->calls;
}

/* ---- the main thread ---- */

/* After the join: every arena as its thread left it, seen from the main thread. */
static bool sweep(void)
{
	struct fz *m = &mainz;

	m->failed = false;
	for (unsigned int i = 0; i < NSLOTS && !m->failed; i++) {
		struct fz *z = &slots[i];

		if (z->failed)
			continue;
		for (long p = -1; p <= ARENA && !m->failed; p++)
			if (mincore_check(m, z, p, 1, PG))
				probe_read(m, z, p);
	}
	return !m->failed;
}

int main(void)
{
	unsigned long total, brk_calls, n;
	long r;

	main_tls.self = &main_tls;
	main_tls.user = (void *)&mainz.fault_addr;
	tap_plan(1 + NSLOTS + NHCLASS + 3);
	if (arch_tls_set(&main_tls) != 0 || rt_sigaction_install(SIGSEGV, on_segv, 0, 0) != 0) {
		tap_diag("set-up failed: the thread pointer or the SIGSEGV handler");
		return tap_done();
	}
	mainz.idx = NSLOTS;
	mainz.cur = NHCLASS;
	seed(&mainz, 1000);
	brk_calls = brk_phase();
	tap_ok(!mainz.failed, "brk on the main thread: %lu calls, every break, page and fault as "
	       "the model predicts", brk_calls);

	/*
	 * The arenas: one reservation, then the guard pages between them unmapped. A
	 * page at either end stays mapped (PROT_NONE, never touched), so that the free
	 * space next to the reservation does not run into the outer guard pages: a
	 * stack placed there would fill one.
	 */
	size_t span = ((size_t)NSLOTS * (ARENA + 1) + 3) * PG;

	r = sys_mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sys_is_err(r)) {
		tap_diag("set-up failed: no %lu bytes for the arenas", (unsigned long)span);
		return tap_done();
	}
	r += PG;
	for (unsigned int i = 0; i <= NSLOTS; i++)
		sys_munmap((void *)(r + (long)(i * (ARENA + 1) * PG)), PG);
	for (unsigned int i = 0; i < NSLOTS; i++) {
		struct fz *z = &slots[i];

		z->idx = i;
		z->cur = NHCLASS;
		z->base = (uintptr_t)r + (i * (ARENA + 1) + 1) * PG;
		z->next_vid = 2;
		z->next_obj = 1;
		seed(z, i);
		for (int p = 0; p < ARENA; p++)
			z->pg[p] = (struct page){ .mapped = 1, .prot = PROT_NONE, .vid = 1 };
	}
	/* Every stack is mapped before any thread runs (see the header). */
	n = 0;
	for (unsigned int i = 0; i < NSLOTS; i++)
		if (rt_thread_start(&slots[i].t, fz_thread, &slots[i], STACK_SIZE,
				    (void *)&slots[i].fault_addr) > 0)
			n++;
		else
			slots[i].failed = true;
	tap_diag("%u threads on %u CPUs", NSLOTS, rt_cpu_count());
	int64_t t0 = rt_clock_ns(CLOCK_MONOTONIC);

	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	sys_futex(&go, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, NSLOTS, NULL, NULL, 0);
	for (unsigned int i = 0; i < NSLOTS; i++)
		if (slots[i].t.stack)
			rt_thread_join(&slots[i].t, 0);
	tap_diag("the threads ran for %ld ms", (long)((rt_clock_ns(CLOCK_MONOTONIC) - t0) / 1000000));

	total = brk_calls;
	unsigned long kinds[3] = { 0, 0, 0 };

	for (unsigned int i = 0; i < NSLOTS; i++) {
		tap_ok(!slots[i].failed, "thread %u: %lu mm calls, every result as the model predicts",
		       i, slots[i].calls);
		total += slots[i].calls;
		for (int k = 0; k < 3; k++)
			kinds[k] += slots[i].kinds[k];
	}
	tap_diag("the threads' calls: %lu that may change mappings, %lu mincore, %lu hostile",
		 kinds[0], kinds[1], kinds[2]);
	for (unsigned int c = 0; c < NHCLASS; c++) {
		unsigned long calls = 0;
		bool ok = n == NSLOTS;

		for (unsigned int i = 0; i < NSLOTS; i++) {
			calls += slots[i].hcalls[c];
			ok &= !slots[i].hfailed[c];
		}
		tap_ok(ok && calls > 0, "%s: %lu, each as Linux answers", hclass_desc[c], calls);
	}
	unsigned long forks = 0;
	bool forks_ok = n == NSLOTS;

	for (unsigned int i = 0; i < NSLOTS; i++) {
		forks += slots[i].forks;
		forks_ok &= !slots[i].failed;
	}
	tap_ok(forks_ok && forks > 0, "forks at random points: %lu children, each saw its arena as its "
	       "copy of the model says, before and after %u steps of its own, and its parent's arena "
	       "was its model's after it ended", forks, CHILD_STEPS);
	unsigned long before = mainz.calls;

	tap_ok(sweep(), "after the join the main thread sees each arena as its thread's model says "
	       "(mincore, contents, faults)");
	total += mainz.calls - before;
	tap_ok(total >= MIN_CALLS, "%lu mm calls in all, at least %lu", total, MIN_CALLS);
	return tap_done();
}
