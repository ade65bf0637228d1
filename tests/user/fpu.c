// SPDX-License-Identifier: MIT
/*
 * User FP/vector state, on Linux 6.1: what a new program starts with, arithmetic
 * results in each rounding mode, registers and the control word kept per thread
 * across many switches, a thread's state copied from its creator at clone, and
 * signal delivery: the frame holds the interrupted code's state, a handler that
 * clobbers the registers leaves them intact behind it, a handler that edits the
 * frame's state changes what the interrupted code sees, and a frame whose FP state
 * the kernel cannot load is refused with SIGSEGV; floating-point errors (x86_64's
 * unmasked SSE and x87 exceptions: SIGFPE with Linux's si_code; riscv64's only
 * raise flags). Expected values are Linux's
 * (arch/x86/kernel/fpu/, arch/riscv/kernel/signal.c and process.c), checked by
 * running this program on it (scripts/linux-peer, --smp 1 and 4).
 *
 * The only program of tests/user built with FP enabled (x86_64 SSE2, riscv64
 * rv64imafdc/lp64d); the registers are read and written in single asm statements
 * (user/fpu_arch.h), around a system call where the kernel may switch or signal, so
 * that no compiled code touches them in between. The switch test starts twice as
 * many threads as CPUs plus one, so that threads share CPUs and every sched_yield()
 * can switch: a kernel that does not save the registers at a switch fails it.
 * Nothing printed depends on the CPU count or on timing.
 */
#include "rt/rt.h"

/* The FP-error cases each arch lists in <user/fpu_arch.h> (arch_fp_trap_case[]). */
struct arch_fp_trap_case {
	const char *name;
	bool signals;            /* SIGFPE, FPE_FLTDIV at r.at; else no signal and flag in r.flags */
	uint32_t flag;
	bool inf;                /* the result is +inf */
};

/* What arch_fp_trap_run() saw: the instruction taking the error, the result, the flags. */
struct arch_fp_trap_result {
	uintptr_t at;
	uint64_t bits;
	uint32_t flags;
};

#include <user/fpu_arch.h>

/* uapi asm-generic/siginfo.h: sent by the kernel (force_sig()). */
#define SI_KERNEL 0x80
#define SEGV_ACCERR 2

#define MAX_THREADS 33
#define ROUNDS 300
#define MS (1000 * 1000L)
#define SEC (1000 * MS)
#define JOIN_TIMEOUT (60 * SEC)

/* A register pattern: distinct words derived from seed. */
static void pattern(uint64_t *w, uint64_t seed)
{
	for (unsigned int i = 0; i < ARCH_FP_WORDS; i++)
		w[i] = (seed * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)(i + 1) << 56) ^ (i * 0x0101010101ull);
}

static bool same_words(const uint64_t *a, const uint64_t *b, unsigned int *first)
{
	for (unsigned int i = 0; i < ARCH_FP_WORDS; i++) {
		if (a[i] != b[i]) {
			*first = i;
			return false;
		}
	}
	return true;
}

static bool all_zero(const uint64_t *a, unsigned int *first)
{
	for (unsigned int i = 0; i < ARCH_FP_WORDS; i++) {
		if (a[i]) {
			*first = i;
			return false;
		}
	}
	return true;
}

static uint64_t dbits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u;
}

/*
 * Three quotients whose rounding tells the four modes apart (IEEE 754 binary64):
 * 1/3 rounds up only toward +inf, -1/3 only toward -inf changes magnitude, 1/10
 * is ...9a to nearest and up, ...99 down and toward zero.
 */
static const uint64_t want_q[4][3] = {
	[FP_ROUND_NEAREST] = { 0x3fd5555555555555ull, 0xbfd5555555555555ull, 0x3fb999999999999aull },
	[FP_ROUND_DOWN] = { 0x3fd5555555555555ull, 0xbfd5555555555556ull, 0x3fb9999999999999ull },
	[FP_ROUND_UP] = { 0x3fd5555555555556ull, 0xbfd5555555555555ull, 0x3fb999999999999aull },
	[FP_ROUND_ZERO] = { 0x3fd5555555555555ull, 0xbfd5555555555555ull, 0x3fb9999999999999ull },
};
static const char *const mode_name[4] = { "to nearest", "down", "up", "toward zero" };

static volatile double one = 1.0, minus_one = -1.0, three = 3.0, ten = 10.0;

/* Are the three quotients, computed now, those of rounding mode @mode? */
static bool quotients_are(int mode)
{
	uint64_t q[3] = { dbits(one / three), dbits(minus_one / three), dbits(one / ten) };

	return q[0] == want_q[mode][0] && q[1] == want_q[mode][1] && q[2] == want_q[mode][2];
}

/* ---- a new program's state ---- */

static uint64_t start_regs[ARCH_FP_WORDS];
static uint32_t start_ctl;
static bool start_extra;

static void test_initial_state(void)
{
	unsigned int i = 0;

	tap_ok(all_zero(start_regs, &i), "a new program's %s are 0", ARCH_FP_REGS_NAME);
	if (!all_zero(start_regs, &i))
		tap_diag("word %u is 0x%llx", i, (unsigned long long)start_regs[i]);
	tap_expect(start_ctl, ARCH_FP_CTL_INIT, "a new program's %s is 0x%x", ARCH_FP_CTL_NAME,
		   ARCH_FP_CTL_INIT);
	tap_ok(start_extra, "a new program: %s", ARCH_FP_EXTRA_NAME);
}

/* ---- arithmetic ---- */

static void test_arithmetic(void)
{
	volatile double a = 0.1, b = 0.2, big = 1e308, x = 7.0;
	volatile float fa = 1.0f, fb = 3.0f;
	volatile long n = -1234567;
	uint32_t ctl = arch_fp_ctl_get();
	float fq;

	tap_ok(dbits(a + b) == 0x3fd3333333333334ull, "0.1 + 0.2 is 0x3fd3333333333334");
	tap_ok(dbits(big * ten) == 0x7ff0000000000000ull, "1e308 * 10 overflows to +inf");
	tap_ok((long)(x * (double)n) == -8641969 && (double)n == -1234567.0,
	       "integer conversions both ways");
	fq = fa / fb;
	uint32_t fbits;
	memcpy(&fbits, &fq, sizeof(fbits));
	tap_ok(fbits == 0x3eaaaaabu, "single precision 1/3 is 0x3eaaaaab");
	bool all = true;
	for (int m = 0; m < 4; m++) {
		arch_fp_ctl_set(arch_fp_ctl_rounding(ctl, m));
		if (!quotients_are(m)) {
			all = false;
			tap_diag("rounding %s: 1/3 0x%llx, -1/3 0x%llx, 1/10 0x%llx", mode_name[m],
				 (unsigned long long)dbits(one / three),
				 (unsigned long long)dbits(minus_one / three),
				 (unsigned long long)dbits(one / ten));
		}
	}
	arch_fp_ctl_set(ctl);
	tap_ok(all, "1/3, -1/3 and 1/10 round as each of the four modes says");
}

/* ---- per-thread state across switches ---- */

struct worker {
	struct rt_thread t;
	unsigned int index;
	int mode;
	uint32_t ctl_at_start;     /* the control word as the thread started */
	volatile int ready;
	int reg_errors, ctl_errors, round_errors;
	unsigned int bad_round, bad_word;
	uint64_t bad_got, bad_want;
};

static struct worker workers[MAX_THREADS];
static volatile int go;

/* Each round: the thread's pattern for that round in the registers across a
 * sched_yield(), then its rounding mode checked by arithmetic and by reading it. */
static void worker_rounds(struct worker *w)
{
	uint64_t in[ARCH_FP_WORDS], out[ARCH_FP_WORDS];
	uint32_t ctl = arch_fp_ctl_rounding(ARCH_FP_CTL_INIT, w->mode);
	unsigned int i;

	arch_fp_ctl_set(ctl);
	for (unsigned int r = 0; r < ROUNDS; r++) {
		pattern(in, (uint64_t)w->index << 32 | r);
		arch_fp_across_syscall(in, out, SYS_sched_yield, 0, 0, 0);
		if (!same_words(in, out, &i)) {
			if (!w->reg_errors++) {
				w->bad_round = r;
				w->bad_word = i;
				w->bad_got = out[i];
				w->bad_want = in[i];
			}
		}
		/* The exception flags are sticky: the quotients set the inexact one. */
		if (arch_fp_ctl_control(arch_fp_ctl_get()) != ctl)
			w->ctl_errors++;
		if (!quotients_are(w->mode))
			w->round_errors++;
	}
}

static int worker_main(void *arg)
{
	struct worker *w = arg;

	w->ctl_at_start = arch_fp_ctl_get();
	__atomic_store_n(&w->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		sys_sched_yield();
	worker_rounds(w);
	return 0;
}

static void test_threads(void)
{
	unsigned int cpus = rt_cpu_count();
	unsigned int n = 2 * cpus + 1;
	/* The creator's control word at clone: round up, a flag the threads must not have. */
	uint32_t clone_ctl = arch_fp_ctl_rounding(ARCH_FP_CTL_INIT, FP_ROUND_UP);
	unsigned int started = 0;

	if (n > MAX_THREADS - 1)
		n = MAX_THREADS - 1;
	arch_fp_ctl_set(clone_ctl);
	for (unsigned int k = 1; k < n; k++) {
		struct worker *w = &workers[k];
		w->index = k;
		w->mode = (int)(k % 4);
		if (rt_thread_start(&w->t, worker_main, w, 0, NULL) < 0)
			break;
		started++;
	}
	arch_fp_ctl_set(ARCH_FP_CTL_INIT);
	bool all_ready = started == n - 1;
	for (unsigned int k = 1; k <= started; k++) {
		int64_t end = rt_clock_ns(CLOCK_MONOTONIC) + 10 * SEC;
		while (!__atomic_load_n(&workers[k].ready, __ATOMIC_ACQUIRE) &&
		       rt_clock_ns(CLOCK_MONOTONIC) < end)
			sys_sched_yield();
		all_ready &= workers[k].ready;
	}
	tap_ok(all_ready, "twice as many threads as CPUs started");
	if (!all_ready)
		tap_diag("%u of %u", started, n - 1);
	bool copied = true;
	for (unsigned int k = 1; k <= started; k++) {
		if (workers[k].ready && workers[k].ctl_at_start != clone_ctl) {
			if (copied)
				tap_diag("thread %u started with %s 0x%x, its creator had 0x%x", k,
					 ARCH_FP_CTL_NAME, workers[k].ctl_at_start, clone_ctl);
			copied = false;
		}
	}
	tap_ok(copied, "a cloned thread starts with its creator's %s", ARCH_FP_CTL_NAME);

	/* This thread takes part too, in round-to-nearest mode. */
	workers[0].index = 0;
	workers[0].mode = FP_ROUND_NEAREST;
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	worker_rounds(&workers[0]);
	bool joined = true;
	for (unsigned int k = 1; k <= started; k++)
		joined &= rt_thread_join(&workers[k].t, JOIN_TIMEOUT) == 0;
	arch_fp_ctl_set(ARCH_FP_CTL_INIT);

	int regs = 0, ctls = 0, rounding = 0;
	for (unsigned int k = 0; k <= started; k++) {
		struct worker *w = &workers[k];
		regs += w->reg_errors;
		ctls += w->ctl_errors;
		rounding += w->round_errors;
		if (w->reg_errors)
			tap_diag("thread %u: %d rounds lost registers; first round %u word %u: 0x%llx, "
				 "not 0x%llx", k, w->reg_errors, w->bad_round, w->bad_word,
				 (unsigned long long)w->bad_got, (unsigned long long)w->bad_want);
	}
	tap_ok(joined, "every thread ran %u rounds and was joined", ROUNDS);
	tap_ok(regs == 0, "each thread's %s kept its values across %u sched_yield()s",
	       ARCH_FP_REGS_NAME, ROUNDS);
	tap_ok(ctls == 0, "each thread's %s kept its own rounding mode", ARCH_FP_CTL_NAME);
	tap_ok(rounding == 0, "each thread's arithmetic rounded in its own mode");
}

/* ---- signals ---- */

enum handler_kind { H_CLOBBER, H_EDIT, H_SPOIL };

static volatile int handler_kind;
static uint64_t h_entry[ARCH_FP_WORDS], h_frame[ARCH_FP_WORDS];
static uint32_t h_entry_ctl, h_frame_ctl;
static bool h_layout;
static char h_why[128];
static uint64_t clobber[ARCH_FP_WORDS], edited[ARCH_FP_WORDS];
static uint32_t edited_ctl;
static volatile int segv_count, segv_code;
static uint64_t segv_frame[ARCH_FP_WORDS];
static uint32_t segv_frame_ctl;

static void on_usr1(int sig, linux_siginfo_t *si, void *uc)
{
	(void)sig;
	/* First, before any compiled code can use them. */
	arch_fp_store(h_entry);
	h_entry_ctl = arch_fp_ctl_get();
	memcpy(h_frame, arch_uc_fp_regs(uc), sizeof(h_frame));
	h_frame_ctl = *arch_uc_fp_ctl(uc);
	h_layout = arch_uc_fp_layout_ok(uc, si, h_why, sizeof(h_why));
	switch (handler_kind) {
	case H_CLOBBER:
		arch_fp_load(clobber);
		arch_fp_ctl_set(arch_fp_ctl_rounding(ARCH_FP_CTL_INIT, FP_ROUND_ZERO));
		break;
	case H_EDIT:
		memcpy(arch_uc_fp_regs(uc), edited, sizeof(edited));
		*arch_uc_fp_ctl(uc) = edited_ctl;
		break;
	case H_SPOIL:
		arch_uc_fp_spoil(uc);
		break;
	}
}

/* The refused rt_sigreturn's SIGSEGV: returning resumes where SIGUSR1 came. */
static void on_segv(int sig, linux_siginfo_t *si, void *uc)
{
	(void)sig;
	segv_count++;
	segv_code = si->si_code;
	memcpy(segv_frame, arch_uc_fp_regs(uc), sizeof(segv_frame));
	segv_frame_ctl = *arch_uc_fp_ctl(uc);
}

/* Raises SIGUSR1 at this thread with in[] in the registers; out[] as it returned. */
static long raise_with(const uint64_t *in, uint64_t *out)
{
	return arch_fp_across_syscall(in, out, SYS_tgkill, sys_getpid(), sys_gettid(), SIGUSR1);
}

static void test_signals(void)
{
	uint64_t in[ARCH_FP_WORDS], out[ARCH_FP_WORDS];
	uint32_t ctl = arch_fp_ctl_rounding(ARCH_FP_CTL_INIT, FP_ROUND_DOWN);
	unsigned int i = 0;
	linux_sigset_t none = 0;

	if (rt_sigaction_install(SIGUSR1, on_usr1, 0, 0) != 0 ||
	    rt_sigaction_install(SIGSEGV, on_segv, 0, 0) != 0) {
		tap_ok(false, "signal handlers installed");
		return;
	}

	/* A handler that clobbers everything. */
	pattern(in, 0x5151);
	pattern(clobber, 0xc10b);
	handler_kind = H_CLOBBER;
	arch_fp_ctl_set(ctl);
	long r = raise_with(in, out);
	uint32_t after_ctl = arch_fp_ctl_get();
	arch_fp_ctl_set(ARCH_FP_CTL_INIT);
	tap_expect(r, 0, "tgkill(SIGUSR1) with %s loaded", ARCH_FP_REGS_NAME);
	bool ok = same_words(h_frame, in, &i);
	tap_ok(ok, "the frame holds the interrupted %s", ARCH_FP_REGS_NAME);
	if (!ok)
		tap_diag("word %u: 0x%llx, not 0x%llx", i, (unsigned long long)h_frame[i],
			 (unsigned long long)in[i]);
	tap_expect(h_frame_ctl, ctl, "the frame holds the interrupted %s", ARCH_FP_CTL_NAME);
	tap_ok(h_layout, "the frame's FP state is laid out as Linux's");
	if (!h_layout)
		tap_diag("%s", h_why);
	if (ARCH_FP_HANDLER_CLEAN) {
		ok = all_zero(h_entry, &i) && h_entry_ctl == ARCH_FP_CTL_INIT;
		tap_ok(ok, "the handler starts with a clean FP state");
	} else {
		ok = same_words(h_entry, in, &i) && h_entry_ctl == ctl;
		tap_ok(ok, "the handler starts with the interrupted code's FP state");
	}
	if (!ok)
		tap_diag("word %u 0x%llx, %s 0x%x", i, (unsigned long long)h_entry[i],
			 ARCH_FP_CTL_NAME, h_entry_ctl);
	ok = same_words(out, in, &i);
	tap_ok(ok, "the interrupted %s survive a handler that clobbers them", ARCH_FP_REGS_NAME);
	if (!ok)
		tap_diag("word %u: 0x%llx, not 0x%llx", i, (unsigned long long)out[i],
			 (unsigned long long)in[i]);
	tap_expect(after_ctl, ctl, "the interrupted %s survives it too", ARCH_FP_CTL_NAME);

	/* A handler that edits the frame: rt_sigreturn loads what it holds. */
	pattern(in, 0xed17);
	pattern(edited, 0xabcd);
	edited_ctl = arch_fp_ctl_rounding(ARCH_FP_CTL_INIT, FP_ROUND_UP);
	handler_kind = H_EDIT;
	r = raise_with(in, out);
	after_ctl = arch_fp_ctl_get();
	bool rounds_up = quotients_are(FP_ROUND_UP);
	arch_fp_ctl_set(ARCH_FP_CTL_INIT);
	ok = r == 0 && same_words(out, edited, &i);
	tap_ok(ok, "rt_sigreturn loads the %s the handler wrote into the frame", ARCH_FP_REGS_NAME);
	if (!ok)
		tap_diag("word %u: 0x%llx, not 0x%llx", i, (unsigned long long)out[i],
			 (unsigned long long)edited[i]);
	tap_ok(after_ctl == edited_ctl && rounds_up,
	       "and the frame's %s: arithmetic rounds up after it", ARCH_FP_CTL_NAME);

	/* A frame whose FP state cannot be loaded: SIGSEGV, si_code ARCH_FP_BAD_FRAME_CODE. */
	pattern(in, 0xbad);
	handler_kind = H_SPOIL;
	segv_count = 0;
	arch_fp_ctl_set(ctl);
	r = raise_with(in, out);
	after_ctl = arch_fp_ctl_get();
	arch_fp_ctl_set(ARCH_FP_CTL_INIT);
	/*
	 * Linux sets the frame's signal mask before it restores the context, so the
	 * SIGSEGV handler's saved mask need not be this thread's; put it back.
	 */
	sys_rt_sigprocmask(SIG_SETMASK, &none, NULL, sizeof(none));
	tap_ok(segv_count == 1 && segv_code == ARCH_FP_BAD_FRAME_CODE,
	       "rt_sigreturn refuses a frame with an FP state it cannot load: SIGSEGV, %s",
	       ARCH_FP_BAD_FRAME_CODE == SI_KERNEL ? "SI_KERNEL" : "SEGV_ACCERR");
	if (segv_count != 1 || segv_code != ARCH_FP_BAD_FRAME_CODE)
		tap_diag("%d SIGSEGVs, si_code %d", segv_count, segv_code);
	if (ARCH_FP_BAD_FRAME_LOADS == 1) {
		ok = same_words(out, in, &i) && same_words(segv_frame, in, &i) && after_ctl == ctl;
		tap_ok(ok, "the refused frame's registers were loaded before the check (as Linux)");
	} else if (ARCH_FP_BAD_FRAME_LOADS == 2) {
		/*
		 * Nothing is loaded from the refused frame: the thread keeps what the
		 * handler left, whose compiled code may use the registers but not the
		 * control word, which stays the interrupted code's.
		 */
		ok = segv_frame_ctl == ctl && after_ctl == ctl;
		i = 0;
		tap_ok(ok, "the refused frame's FP state is not loaded: the handler's %s stays (as Linux)",
		       ARCH_FP_CTL_NAME);
	} else {
		ok = all_zero(out, &i) && all_zero(segv_frame, &i) && segv_frame_ctl == ARCH_FP_CTL_INIT &&
		     after_ctl == ARCH_FP_CTL_INIT;
		tap_ok(ok, "after the refused frame the thread has the initial FP state (as Linux)");
	}
	if (!ok)
		tap_diag("word %u: out 0x%llx, SIGSEGV frame 0x%llx; %s after 0x%x, in that frame 0x%x", i,
			 (unsigned long long)out[i], (unsigned long long)segv_frame[i],
			 ARCH_FP_CTL_NAME, after_ctl, segv_frame_ctl);
	rt_sigaction_default(SIGUSR1);
	rt_sigaction_default(SIGSEGV);
}

/* ---- floating-point errors (x86_64 #MF, and #XM where the CPU raises it; none trap on riscv64) ---- */

#define FPE_FLTDIV 3

static volatile int fpe_count, fpe_code;
static volatile uintptr_t fpe_addr;

static void on_fpe(int sig, linux_siginfo_t *si, void *uc)
{
	(void)sig;
	fpe_count++;
	fpe_code = si->si_code;
	fpe_addr = (uintptr_t)si->u.fault.addr;
	arch_uc_fp_trap_fix(uc);    /* masked now: the instruction runs again */
}

static void test_fp_traps(void)
{
	static const double inf = __builtin_inf();
	uint64_t inf_bits;

	memcpy(&inf_bits, &inf, sizeof(inf));
	rt_sigaction_install(SIGFPE, on_fpe, 0, 0);
	for (int n = 0; n < ARCH_FP_TRAP_CASES; n++) {
		struct arch_fp_trap_result r;

		memset(&r, 0, sizeof(r));
		fpe_count = 0;
		fpe_code = 0;
		fpe_addr = 0;
		arch_fp_trap_run(n, &r);
		arch_fp_ctl_set(ARCH_FP_CTL_INIT);
		const struct arch_fp_trap_case *c = &arch_fp_trap_case[n];
		bool ok = !c->inf || r.bits == inf_bits;
		if (c->signals)
			ok = ok && fpe_count == 1 && fpe_code == FPE_FLTDIV && fpe_addr == r.at;
		else
			ok = ok && fpe_count == 0 && (r.flags & c->flag);
		tap_ok(ok, "%s%s", c->name, c->signals ? ", and the instruction runs again once the handler masks it" :
		       ", and no signal");
		if (!ok)
			tap_diag("%d SIGFPEs, si_code %d, si_addr %p (the instruction %p), result 0x%llx, flags 0x%x",
				 fpe_count, fpe_code, (void *)fpe_addr, (void *)r.at,
				 (unsigned long long)r.bits, r.flags);
	}
	rt_sigaction_default(SIGFPE);
}

int main(void)
{
	/* First, before any compiled code can have used the registers. */
	arch_fp_store(start_regs);
	start_ctl = arch_fp_ctl_get();
	start_extra = arch_fp_extra_initial();

	tap_plan(25 + ARCH_FP_TRAP_CASES);
	test_initial_state();
	test_arithmetic();
	test_threads();
	test_signals();
	test_fp_traps();
	return tap_done();
}
