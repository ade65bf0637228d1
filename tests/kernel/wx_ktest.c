// SPDX-License-Identifier: MIT
/*
 * The "wx" suite: the kernel's own page table enforces W^X and its holes. Each
 * forbidden access runs under fault_catch_call() and must fault with the right
 * kind at exactly the address tried: stores to text and read-only data, calls
 * into data, bss, the stack and the direct map, any access at address 0, a load
 * from the boot stack's guard page and from the boot identity mapping. Every leaf
 * of the table is also checked: none writable and executable, none executable
 * outside the kernel text, each image section mapped with its rights.
 *
 * Stores write back the byte that is there, so a store that wrongly succeeds
 * changes nothing. The buffers a call jumps into hold 0xff bytes: on x86_64 and
 * riscv64 alike an illegal instruction, so if one ever ran the boot would end in
 * an exception report instead of running on.
 */
#include <kern/boot.h>
#include <kern/errno.h>
#include <kern/fault.h>
#include <kern/ktest.h>
#include <kern/string.h>
#include <mm/init.h>
#include <mm/mapper.h>
#include <mm/mmu.h>


/* ---- what each probe does ---- */

static void do_rewrite(void *p)
{
	volatile uint8_t *b = p;

	*b = *b;
}

static void do_load(void *p)
{
	(void)*(volatile uint64_t *)p;
}

static void do_store(void *p)
{
	*(volatile uint64_t *)p = 0;
}

static void do_call(void *p)
{
	((void (*)(void))p)();
}

/* Run @fn(@addr): it must fault as @kind at @addr (and for a call, at that pc). */
static void expect_fault_at(struct ktest_ctx *t, void (*fn)(void *), uintptr_t addr,
			    enum fault_access kind, const char *what)
{
	struct fault_info fi;
	int err = fault_catch_call(fn, (void *)addr, &fi);

	if (!KT_EXPECT(t, err == -EFAULT, "%s at %#lx did not fault", what, (unsigned long)addr))
		return;
	KT_EXPECT(t, fi.addr == addr && fi.access == kind && !fi.user,
		  "%s at %#lx: %s fault at %#lx (user %d), want %s at the address", what,
		  (unsigned long)addr, fault_access_name(fi.access), (unsigned long)fi.addr, fi.user,
		  fault_access_name(kind));
	if (kind == FAULT_EXEC)
		KT_EXPECT(t, fi.pc == addr, "%s: fault pc %#lx, want %#lx", what, (unsigned long)fi.pc,
			  (unsigned long)addr);
}

static bool inside(const void *p, const char *start, const char *end)
{
	return (const char *)p >= start && (const char *)p < end;
}

/* Hide a pointer's value from the compiler (address 0 is not a null-pointer trap here). */
static uintptr_t launder(uintptr_t v)
{
	__asm__ __volatile__("" : "+r"(v));
	return v;
}

/* ---- probes ---- */

static __attribute__((noinline)) int wx_text_victim(int x)
{
	return x * 3 + 1;
}

static const uint64_t wx_rodata_probe[2] = { 0x0123456789abcdefull, 0xfedcba9876543210ull };

static uint8_t wx_data_buf[64] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

static uint8_t wx_bss_buf[64];
static volatile uint64_t wx_data_word = 1;

KTEST(wx, text_not_writable)
{
	uintptr_t fn = launder((uintptr_t)&wx_text_victim);

	KT_ASSERT(t, inside((const void *)fn, __text_start, __text_end), "victim %#lx not in .text",
		  (unsigned long)fn);
	expect_fault_at(t, do_rewrite, fn, FAULT_WRITE, "store to kernel text");
	expect_fault_at(t, do_rewrite, (uintptr_t)__text_start, FAULT_WRITE, "store to the first text page");
	expect_fault_at(t, do_rewrite, (uintptr_t)__text_end - 1, FAULT_WRITE, "store to the last text byte");
	/* Text still runs after all that. */
	KT_EXPECT_EQ(t, ((int (*)(int))fn)(4), 13);
}

KTEST(wx, rodata_not_writable)
{
	uintptr_t p = launder((uintptr_t)&wx_rodata_probe[1]);

	KT_ASSERT(t, inside((const void *)p, __rodata_start, __rodata_end), "probe %#lx not in .rodata",
		  (unsigned long)p);
	expect_fault_at(t, do_rewrite, p, FAULT_WRITE, "store to .rodata");
	expect_fault_at(t, do_rewrite, (uintptr_t)__rodata_end - 1, FAULT_WRITE,
			"store to the last .rodata byte");
	KT_EXPECT_EQ(t, *(volatile const uint64_t *)p, 0xfedcba9876543210ull);
}

/* The direct-map aliases of text and read-only data are read-only as well. */
KTEST(wx, image_alias_not_writable)
{
	uintptr_t text = (uintptr_t)phys_to_virt(paddr(image_virt_to_phys(__text_start)));
	uintptr_t ro = (uintptr_t)phys_to_virt(paddr(image_virt_to_phys(__rodata_end - 8)));
	uintptr_t data = (uintptr_t)phys_to_virt(paddr(image_virt_to_phys((const void *)&wx_data_word)));

	expect_fault_at(t, do_rewrite, text, FAULT_WRITE, "store to text through the direct map");
	expect_fault_at(t, do_rewrite, ro, FAULT_WRITE, "store to .rodata through the direct map");
	/* Data stays writable through its alias. */
	*(volatile uint64_t *)data = 0x77;
	KT_EXPECT_EQ(t, wx_data_word, 0x77);
}

KTEST(wx, data_not_executable)
{
	KT_ASSERT(t, inside(wx_data_buf, __data_start, __data_end), "buffer %p not in .data",
		  (void *)wx_data_buf);
	expect_fault_at(t, do_call, launder((uintptr_t)wx_data_buf), FAULT_EXEC, "call into .data");
}

KTEST(wx, bss_not_executable)
{
	KT_ASSERT(t, inside(wx_bss_buf, __bss_start, __bss_end), "buffer %p not in .bss",
		  (void *)wx_bss_buf);
	memset(wx_bss_buf, 0xff, sizeof(wx_bss_buf));
	expect_fault_at(t, do_call, launder((uintptr_t)wx_bss_buf), FAULT_EXEC, "call into .bss");
}

KTEST(wx, stack_not_executable)
{
	uint8_t buf[64];

	memset(buf, 0xff, sizeof(buf));
	expect_fault_at(t, do_call, launder((uintptr_t)buf), FAULT_EXEC, "call into the stack");
}

/* The direct-map alias of kernel text is data: calling into it faults. */
KTEST(wx, direct_map_not_executable)
{
	uintptr_t fn = (uintptr_t)&wx_text_victim;
	uintptr_t alias = (uintptr_t)phys_to_virt(paddr(image_virt_to_phys((const void *)fn)));

	KT_ASSERT(t, alias != fn, "the alias is the text address itself");
	KT_EXPECT(t, memcmp((const void *)alias, (const void *)fn, 16) == 0,
		  "the alias does not show the text's bytes");
	expect_fault_at(t, do_call, launder(alias), FAULT_EXEC, "call into the direct map");
}

KTEST(wx, address_zero_faults)
{
	uintptr_t zero = launder(0);

	expect_fault_at(t, do_load, zero, FAULT_READ, "load from address 0");
	expect_fault_at(t, do_store, zero, FAULT_WRITE, "store to address 0");
	expect_fault_at(t, do_call, zero, FAULT_EXEC, "call to address 0");
	expect_fault_at(t, do_load, launder(PAGE_SIZE - 8), FAULT_READ, "load from the first page's end");
}

/* The page under the boot stack is unmapped; the stack itself is not. */
KTEST(wx, boot_stack_guard_faults)
{
	uintptr_t guard = (uintptr_t)boot_stack_guard;

	KT_ASSERT(t, IS_ALIGNED(guard, PAGE_SIZE) && (uintptr_t)boot_stack_bottom == guard + PAGE_SIZE,
		  "guard %#lx, stack bottom %#lx", (unsigned long)guard,
		  (unsigned long)(uintptr_t)boot_stack_bottom);
	KT_EXPECT(t, inside(boot_stack_guard, __bss_start, __bss_end), "guard not in .bss");
	expect_fault_at(t, do_load, launder(guard), FAULT_READ, "load from the guard page");
	expect_fault_at(t, do_store, launder((uintptr_t)boot_stack_bottom - 8), FAULT_WRITE,
			"store just below the stack");
	KT_EXPECT(t, fault_catch_call(do_load, boot_stack_bottom, NULL) == 0,
		  "the stack's lowest word does not load");
}

/* Nothing is left of the boot identity mapping: the image's physical address faults. */
KTEST(wx, identity_map_gone)
{
	uintptr_t phys = (uintptr_t)image_virt_to_phys(__text_start);

	expect_fault_at(t, do_load, launder(phys), FAULT_READ, "load from the identity address");
	expect_fault_at(t, do_call, launder(phys), FAULT_EXEC, "call to the identity address");
}

/*
 * Every leaf of the kernel table: none writable and executable, none executable
 * outside .text, none user-accessible.
 */
KTEST(wx, no_writable_executable_leaf)
{
	vaddr_t cur = vaddr(0);
	struct mapper_leaf l;
	unsigned long leaves = 0, wx = 0, x_outside = 0, user = 0;
	uintptr_t first_bad = 0;

	while (mapper_walk_next(&mm_kernel_pt, &cur, vaddr(0), &l) == 0) {
		uintptr_t end = l.va.raw + l.size;
		bool bad = false;

		leaves++;
		if ((l.prot & (MMU_WRITE | MMU_EXEC)) == (MMU_WRITE | MMU_EXEC))
			wx++, bad = true;
		if ((l.prot & MMU_EXEC) &&
		    (l.va.raw < (uintptr_t)__text_start || end > (uintptr_t)__text_end))
			x_outside++, bad = true;
		if (l.prot & MMU_USER)
			user++, bad = true;
		if (bad && !first_bad)
			first_bad = l.va.raw;
		if (cur.raw == 0)
			break;
	}
	KT_EXPECT(t, leaves > 0, "no leaves walked");
	KT_EXPECT(t, wx == 0, "%lu writable+executable leaves (first bad %#lx)", wx, (unsigned long)first_bad);
	KT_EXPECT(t, x_outside == 0, "%lu executable leaves outside .text (first bad %#lx)", x_outside,
		  (unsigned long)first_bad);
	KT_EXPECT(t, user == 0, "%lu user leaves in the kernel table (first bad %#lx)", user,
		  (unsigned long)first_bad);
	ktest_log(t, "%lu leaves in the kernel table", leaves);
}

/* Every page of the image maps its own physical page with its section's rights. */
KTEST(wx, image_sections_mapped_as_linked)
{
	static const struct {
		const char *name;
		char *start, *end;
		unsigned int rwx;
	} sections[] = {
		{ "text", __text_start, __text_end, MMU_READ | MMU_EXEC },
		{ "rodata", __rodata_start, __rodata_end, MMU_READ },
		{ "data", __data_start, __data_end, MMU_READ | MMU_WRITE },
		{ "bss", __bss_start, __bss_end, MMU_READ | MMU_WRITE },
	};

	for (size_t s = 0; s < ARRAY_SIZE(sections); s++) {
		unsigned long wrong = 0;
		uintptr_t first_wrong = 0;

		for (char *p = sections[s].start; p < sections[s].end; p += PAGE_SIZE) {
			struct mapper_leaf l;
			int err = mapper_translate(&mm_kernel_pt, ptr_vaddr(p), &l);
			bool ok;

			if (p == boot_stack_guard) {
				ok = err == -ENOENT;
			} else {
				ok = err == 0 && (l.prot & MMU_RWX) == sections[s].rwx &&
				     l.pa.raw + ((uintptr_t)p - l.va.raw) == image_virt_to_phys(p);
			}
			if (!ok && !wrong++)
				first_wrong = (uintptr_t)p;
		}
		KT_EXPECT(t, wrong == 0, ".%s: %lu pages mapped wrong (first %#lx)", sections[s].name,
			  wrong, (unsigned long)first_wrong);
	}
}
