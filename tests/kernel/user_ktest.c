// SPDX-License-Identifier: MIT
/*
 * User mode: small programs (arch/<arch>/user_ktest.S, the same on every arch)
 * copied into a fresh address space and run in a thread at user level: write(2)
 * reaches the console and exit(2) its status; a null pointer, an illegal
 * instruction end the thread with SIGSEGV / SIGILL while the kernel goes on; a
 * kernel address passed to write() is -EFAULT, an unknown call -ENOSYS; stack
 * pages are faulted in on first touch. Every frame is back afterwards (the
 * suite's end-of-suite check).
 */
#include <kern/arch.h>
#include <kern/errno.h>
#include <kern/fault.h>
#include <kern/ktest.h>
#include <kern/sched.h>
#include <kern/syscall.h>
#include <kern/uaccess.h>
#include <mm/as.h>
#include <mm/init.h>
#include <mm/mman.h>

#define CODE_ADDR  0x400000ul
#define STACK_SIZE (16 * PAGE_SIZE)

struct uprog {
	uintptr_t pc, sp;
};

static void enter(void *arg)
{
	const struct uprog *p = arg;

	arch_user_enter(p->pc, p->sp);
}

struct uresult {
	int status, sig;
};

/* Run the program [@start, @end) in a new address space; false if it could not start. */
static bool run(struct ktest_ctx *t, const char *start, const char *end, struct uresult *r)
{
	static struct as as;
	static struct uprog p;
	uintptr_t stack;

	if (!ARCH_HAS_USER_MODE) {
		ktest_skip(t, "this arch has no user mode yet");
		return false;
	}
	if (!KT_EXPECT(t, as_create(&as, &mm_kernel_pt, NULL) == 0, "as_create"))
		return false;
	bool ok = KT_EXPECT(t, as_mmap(&as, CODE_ADDR, PAGE_SIZE, PROT_READ | PROT_EXEC,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0, &p.pc) == 0, "mmap code") &&
		  KT_EXPECT(t, as_copy_to(&as, CODE_ADDR, start, (size_t)(end - start)) == 0, "copy code") &&
		  KT_EXPECT(t, as_mmap(&as, 0, STACK_SIZE, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &stack) == 0, "mmap stack");
	if (ok) {
		p.sp = stack + STACK_SIZE;
		struct thread *th = thread_create_in(&as, enter, &p, -1, "utest", NULL);
		ok = KT_EXPECT(t, th != NULL, "no thread");
		if (ok)
			thread_join_result(th, &r->status, &r->sig);
	}
	as_destroy(&as);
	return ok;
}

extern const char ublob_hello[], ublob_hello_end[], ublob_null[], ublob_null_end[];
extern const char ublob_ill[], ublob_ill_end[], ublob_kptr[], ublob_kptr_end[];
extern const char ublob_nosys[], ublob_nosys_end[], ublob_touch[], ublob_touch_end[];

KTEST(user, write_and_exit)
{
	struct uresult r;

	if (run(t, ublob_hello, ublob_hello_end, &r)) {
		KT_EXPECT_EQ(t, r.sig, 0);
		KT_EXPECT_EQ(t, r.status, 7);
	}
}

KTEST(user, null_pointer_is_sigsegv)
{
	struct uresult r;

	if (run(t, ublob_null, ublob_null_end, &r))
		KT_EXPECT_EQ(t, r.sig, SIGSEGV);
}

KTEST(user, illegal_instruction_is_sigill)
{
	struct uresult r;

	if (run(t, ublob_ill, ublob_ill_end, &r))
		KT_EXPECT_EQ(t, r.sig, SIGILL);
}

KTEST(user, kernel_pointer_is_efault)
{
	struct uresult r;

	if (run(t, ublob_kptr, ublob_kptr_end, &r)) {
		KT_EXPECT_EQ(t, r.sig, 0);
		KT_EXPECT_EQ(t, r.status, EFAULT);
	}
}

KTEST(user, unknown_call_is_enosys)
{
	struct uresult r;

	if (run(t, ublob_nosys, ublob_nosys_end, &r)) {
		KT_EXPECT_EQ(t, r.sig, 0);
		KT_EXPECT_EQ(t, r.status, ENOSYS);
	}
}

KTEST(user, stack_pages_fault_in)
{
	struct uresult r;

	if (run(t, ublob_touch, ublob_touch_end, &r)) {
		KT_EXPECT_EQ(t, r.sig, 0);
		KT_EXPECT_EQ(t, r.status, 4 + 3 + 2 + 1);
	}
}

/*
 * The kernel reaches user pages only through the user copies: a plain
 * copy_nofault() of a user address faults where the hardware guards user pages
 * (riscv64 without SUM; x86_64 with SMAP), copy_from_user() reads it; executing a
 * user page from the kernel faults (riscv64 always; x86_64 with SMEP).
 */
struct probe {
	uintptr_t addr;
	int raw, via, exec;
	uint64_t val;
};

static void probe_user(void *arg)
{
	struct probe *p = arg;
	uint64_t v = 0;
	struct fault_info fi;

	p->raw = copy_nofault(&v, (const void *)p->addr, sizeof(v));
	p->via = copy_from_user(&p->val, p->addr, sizeof(p->val));
	/*
	 * Call into the user page (the test program's code) only where that must
	 * fault: without SMEP the kernel would run it, system calls and all.
	 */
	if (arch_user_pages_guarded())
		p->exec = fault_catch_call((void (*)(void *))(p->addr + PAGE_SIZE), NULL, &fi);
}

KTEST(user, kernel_uses_user_pages_only_through_copies)
{
	static struct as as;
	static struct probe p;
	static const uint64_t magic = 0x5eed5eed0badf00dull;
	uintptr_t a;

	KT_ASSERT(t, as_create(&as, &mm_kernel_pt, NULL) == 0, "as_create");
	KT_ASSERT(t, as_mmap(&as, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0, &a) == 0, "mmap");
	KT_ASSERT(t, as_copy_to(&as, a, &magic, sizeof(magic)) == 0, "copy");
	KT_ASSERT(t, as_copy_to(&as, a + PAGE_SIZE, ublob_hello, (size_t)(ublob_hello_end - ublob_hello)) == 0,
		  "copy code");
	p.addr = a;
	struct thread *th = thread_create_in(&as, probe_user, &p, -1, "probe", NULL);
	KT_ASSERT(t, th, "no thread");
	thread_join(th);
	as_destroy(&as);
	KT_EXPECT_EQ(t, p.via, 0);
	KT_EXPECT_EQ(t, p.val, magic);
	if (!arch_user_pages_guarded()) {
		ktest_log(t, "this CPU does not guard user pages (no SMEP/SMAP): only the copy is checked");
		return;
	}
	KT_EXPECT(t, p.raw == -EFAULT, "a plain kernel read of a user page gave %d", p.raw);
	KT_EXPECT(t, p.exec != 0, "the kernel executed a user page");
}
