// SPDX-License-Identifier: MIT
/*
 * The "fault" suite: the kernel survives the faults it expects. copy_nofault()
 * recovers through the exception table, fault_catch_call() through a catcher, and
 * the fault reported matches what was done (address, access, kernel mode, and
 * whether a translation was there, where the arch says). The unmapped target is
 * 1 GiB below the kernel image, which no arch maps.
 */
#include <kern/boot.h>
#include <kern/errno.h>
#include <kern/fault.h>
#include <kern/ktest.h>
#include <kern/string.h>

static uintptr_t unmapped_address(void)
{
	return (uintptr_t)__kernel_start - (1ul << 30);
}

KTEST(fault, copy_nofault_copies)
{
	char src[37], dst[37];

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (char)(i * 7 + 1);
	memset(dst, 0, sizeof(dst));
	KT_EXPECT_EQ(t, copy_nofault(dst, src, sizeof(src)), 0);
	KT_EXPECT(t, memcmp(dst, src, sizeof(src)) == 0, "bytes differ after the copy");
	KT_EXPECT_EQ(t, copy_nofault(dst, src, 0), 0);
}

KTEST(fault, copy_nofault_read_fault)
{
	char dst[8];

	KT_EXPECT_EQ(t, copy_nofault(dst, (const void *)unmapped_address(), sizeof(dst)), -EFAULT);
}

KTEST(fault, copy_nofault_write_fault)
{
	char src[8] = "abcdefg";

	KT_EXPECT_EQ(t, copy_nofault((void *)unmapped_address(), src, sizeof(src)), -EFAULT);
}

static void do_read(void *p)
{
	(void)*(volatile uint64_t *)p;
}

static void do_write(void *p)
{
	*(volatile uint64_t *)p = 0x5a5a;
}

static void do_exec(void *p)
{
	((void (*)(void))p)();
}

static void do_nothing(void *p)
{
	*(int *)p = 42;
}

KTEST(fault, catch_read)
{
	struct fault_info fi;
	uintptr_t a = unmapped_address() + 0x123;

	KT_ASSERT(t, fault_catch_call(do_read, (void *)a, &fi) == -EFAULT, "the read did not fault");
	KT_EXPECT_EQ(t, fi.addr, a);
	KT_EXPECT_EQ(t, fi.access, FAULT_READ);
	KT_EXPECT(t, !fi.user, "reported as a user fault");
}

KTEST(fault, catch_write)
{
	struct fault_info fi;
	uintptr_t a = unmapped_address() + 0x40;

	KT_ASSERT(t, fault_catch_call(do_write, (void *)a, &fi) == -EFAULT, "the write did not fault");
	KT_EXPECT_EQ(t, fi.addr, a);
	KT_EXPECT_EQ(t, fi.access, FAULT_WRITE);
}

KTEST(fault, catch_exec)
{
	struct fault_info fi;
	uintptr_t a = unmapped_address();

	KT_ASSERT(t, fault_catch_call(do_exec, (void *)a, &fi) == -EFAULT, "the call did not fault");
	KT_EXPECT_EQ(t, fi.addr, a);
	KT_EXPECT_EQ(t, fi.pc, a);
	KT_EXPECT_EQ(t, fi.access, FAULT_EXEC);
}

/* Read-only data, for a write that finds a translation and is refused. */
static const volatile uint64_t fault_rodata_probe = 0x0123456789abcdefull;

/*
 * The present/protection hint is never wrong: an address nothing maps is never a
 * protection fault, a store to mapped read-only data never a missing page. An arch
 * that cannot tell (riscv64) reports FAULT_CAUSE_UNKNOWN, which passes both.
 */
KTEST(fault, cause_matches_the_page_table)
{
	struct fault_info fi;
	uintptr_t ro = (uintptr_t)&fault_rodata_probe;

	KT_ASSERT(t, fault_catch_call(do_read, (void *)unmapped_address(), &fi) == -EFAULT,
		  "the read did not fault");
	KT_EXPECT(t, fi.cause != FAULT_PROTECTION, "an unmapped address reported as a protection fault");
	KT_ASSERT(t, fault_catch_call(do_write, (void *)ro, &fi) == -EFAULT,
		  "the store to .rodata did not fault");
	KT_EXPECT_EQ(t, fi.addr, ro);
	KT_EXPECT(t, fi.cause != FAULT_NOT_PRESENT, "mapped read-only data reported as not present");
	KT_EXPECT_EQ(t, fault_rodata_probe, 0x0123456789abcdefull);
}

KTEST(fault, catch_no_fault)
{
	int v = 0;

	KT_EXPECT_EQ(t, fault_catch_call(do_nothing, &v, NULL), 0);
	KT_EXPECT_EQ(t, v, 42);
}

static void nested_inner(void *p)
{
	struct fault_info fi;
	int *ret = p;

	*ret = fault_catch_call(do_read, (void *)unmapped_address(), &fi);
	/* The inner catcher is gone: this fault belongs to the outer one. */
	do_write((void *)unmapped_address());
}

KTEST(fault, catch_nests)
{
	struct fault_info fi;
	int inner = 1;

	KT_EXPECT_EQ(t, fault_catch_call(nested_inner, &inner, &fi), -EFAULT);
	KT_EXPECT_EQ(t, inner, -EFAULT);
	KT_EXPECT_EQ(t, fi.access, FAULT_WRITE);
}
