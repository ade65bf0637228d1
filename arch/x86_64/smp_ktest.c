// SPDX-License-Identifier: MIT
/*
 * ktest suite "x86_smp": what the x86_64 bring-up promises each CPU, checked on
 * every online CPU (through a cross-CPU call): the boot CPU's control registers,
 * EFER and PAT; the kernel root in CR3; its own GS base, GDT and TSS, the shared
 * IDT; its local APIC software-enabled with the spurious vector and answering to
 * the CPU's APIC id; an AP on its own guarded stack. The cross-CPU-call IPI
 * reaches every AP, round after round (a missing EOI would block the second).
 * The trampoline page is reserved. The MADT parser takes well-formed tables and
 * refuses each malformed shape without reporting a CPU.
 */
#include <kern/boot.h>
#include <kern/cpu.h>
#include <kern/errno.h>
#include <kern/ktest.h>
#include <kern/percpu.h>
#include <kern/smp.h>
#include <kern/string.h>
#include <kern/time.h>
#include <mm/init.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/x86.h>

#define MSR_PAT  0x277
#define MSR_EFER 0xc0000080
#define SEL_TSS  0x18

struct desc_reg {
	uint16_t limit;
	uint64_t base;
} __packed;

struct x86_cpu_snapshot {
	uint64_t cr0, cr3, cr4, efer, pat, gs_base;
	struct desc_reg gdt, idt;
	uint16_t tr;
	unsigned int apic_id;
	uint32_t svr;
	uintptr_t sp;
	bool seen;
};

/* Written by each CPU for its own index only, read by the test after the call. */
static struct x86_cpu_snapshot states[NCPUS];

static void snapshot(void *arg)
{
	struct x86_cpu_snapshot *s = &states[cpu_current()];
	volatile int here = 0;

	(void)arg;
	s->cr0 = read_cr0();
	s->cr3 = read_cr3();
	s->cr4 = read_cr4();
	s->efer = rdmsr(MSR_EFER);
	s->pat = rdmsr(MSR_PAT);
	s->gs_base = rdmsr(MSR_GS_BASE);
	__asm__ __volatile__("sgdt %0" : "=m"(s->gdt));
	__asm__ __volatile__("sidt %0" : "=m"(s->idt));
	__asm__ __volatile__("str %0" : "=r"(s->tr));
	s->apic_id = x86_lapic_id();
	s->svr = x86_lapic_svr();
	s->sp = (uintptr_t)&here;
	s->seen = true;
}

KTEST(x86_smp, cpu_state)
{
	unsigned int self = cpu_current();

	KT_ASSERT(t, x86_lapic_present(), "no local APIC");
	memset(states, 0, sizeof(states));
	for (unsigned int c = 0; c < NCPUS; c++)
		if (cpuset_has(&cpu_online_set, c))
			smp_call_cpu(c, snapshot, NULL, true);

	const struct x86_cpu_snapshot *b = &states[self];
	for (unsigned int c = 0; c < NCPUS; c++) {
		if (!cpuset_has(&cpu_online_set, c))
			continue;
		const struct x86_cpu_snapshot *s = &states[c];
		const struct percpu *pc = cpu_area(c);
		KT_ASSERT(t, s->seen, "CPU %u did not run the snapshot", c);
		KT_EXPECT(t, s->cr0 == b->cr0, "CPU %u CR0 %#llx, boot %#llx", c,
			  (unsigned long long)s->cr0, (unsigned long long)b->cr0);
		KT_EXPECT(t, s->cr4 == b->cr4, "CPU %u CR4 %#llx, boot %#llx", c,
			  (unsigned long long)s->cr4, (unsigned long long)b->cr4);
		KT_EXPECT(t, s->efer == b->efer, "CPU %u EFER %#llx, boot %#llx", c,
			  (unsigned long long)s->efer, (unsigned long long)b->efer);
		KT_EXPECT(t, s->pat == b->pat, "CPU %u PAT %#llx, boot %#llx", c,
			  (unsigned long long)s->pat, (unsigned long long)b->pat);
		KT_EXPECT(t, s->cr3 == mm_kernel_pt.root.raw, "CPU %u CR3 %#llx, kernel root %#llx",
			  c, (unsigned long long)s->cr3, (unsigned long long)mm_kernel_pt.root.raw);
		KT_EXPECT(t, s->gs_base == (uintptr_t)pc, "CPU %u GS base %#llx, its area %p", c,
			  (unsigned long long)s->gs_base, (const void *)pc);
		KT_EXPECT(t, s->idt.base == b->idt.base && s->idt.limit == 256 * 16 - 1,
			  "CPU %u IDT %#llx/%#x", c, (unsigned long long)s->idt.base, s->idt.limit);
		KT_EXPECT_EQ(t, s->tr, SEL_TSS);
		KT_EXPECT_EQ(t, s->apic_id, pc->hwid);
		KT_EXPECT(t, (s->svr & X86_LAPIC_SVR_ENABLE) && (s->svr & 0xff) == X86_VEC_SPURIOUS,
			  "CPU %u SVR %#x", c, s->svr);
		/* Every CPU its own GDT (and with it its own TSS descriptor). */
		for (unsigned int d = 0; d < c; d++)
			if (cpuset_has(&cpu_online_set, d))
				KT_EXPECT(t, states[d].gdt.base != s->gdt.base,
					  "CPUs %u and %u share the GDT at %#llx", d, c,
					  (unsigned long long)s->gdt.base);
		if (c != 0)
			KT_EXPECT(t, s->sp >= pc->stack_bottom && s->sp < pc->stack_top,
				  "CPU %u runs at %#lx, outside its stack [%#lx, %#lx)", c,
				  (unsigned long)s->sp, (unsigned long)pc->stack_bottom,
				  (unsigned long)pc->stack_top);
	}
}

static void nothing(void *arg)
{
	(void)arg;
}

/*
 * Each round's call raises the IPI; the AP takes it sooner or later (its idle
 * loop may serve the mailbox first, then takes the pending interrupt at its next
 * sti; hlt). Without the EOI the in-service bit would block every later IPI of
 * that priority class and the next rounds would never be counted.
 */
KTEST(x86_smp, ipi_reaches_every_cpu)
{
	unsigned int self = cpu_current(), n = 0;

	for (unsigned int c = 0; c < NCPUS; c++) {
		if (c == self || !cpuset_has(&cpu_online_set, c))
			continue;
		n++;
		for (int round = 0; round < 4; round++) {
			uint64_t before = __atomic_load_n(&cpu_area(c)->ipis_received, __ATOMIC_RELAXED);
			smp_call_cpu(c, nothing, NULL, true);
			uint64_t start = time_ns();
			while (__atomic_load_n(&cpu_area(c)->ipis_received, __ATOMIC_RELAXED) == before &&
			       time_ns() - start < 2000000000ull)
				cpu_relax();
			KT_ASSERT(t, __atomic_load_n(&cpu_area(c)->ipis_received, __ATOMIC_RELAXED) > before,
				  "CPU %u took no IPI in round %d", c, round);
		}
	}
	if (!n)
		ktest_skip(t, "one CPU online");
}

KTEST(x86_smp, trampoline_reserved)
{
	uint64_t p = x86_trampoline_page;
	const struct memmap *map = boot_info->memmap;
	bool reserved = false;

	if (smp_possible_count() < 2 && !p) {
		ktest_skip(t, "one CPU, no trampoline");
		return;
	}
	KT_ASSERT(t, p != 0, "no trampoline page");
	KT_EXPECT(t, p >= PAGE_SIZE && p + PAGE_SIZE <= 0xa0000 && (p & (PAGE_SIZE - 1)) == 0,
		  "trampoline page %#llx", (unsigned long long)p);
	for (size_t i = 0; i < map->count; i++) {
		const struct mem_region *r = &map->regions[i];
		if (r->base <= p && p + PAGE_SIZE <= r->base + r->size)
			reserved = r->type == MEM_RESERVED;
	}
	KT_EXPECT(t, reserved, "the trampoline page %#llx is not reserved in the memory map",
		  (unsigned long long)p);
}

/* ---- the MADT parser, on tables built here ---- */

struct madt_buf {
	uint8_t b[256];
	uint32_t len;
};

static void madt_start(struct madt_buf *m, uint32_t lapic)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->b, "APIC", 4);
	memcpy(m->b + 36, &lapic, 4);
	m->len = 44;
}

static void madt_add(struct madt_buf *m, const uint8_t *e, unsigned int n)
{
	memcpy(m->b + m->len, e, n);
	m->len += n;
}

static void madt_lapic(struct madt_buf *m, uint8_t id, uint32_t flags)
{
	uint8_t e[8] = { 0, 8, id, id };

	memcpy(e + 4, &flags, 4);
	madt_add(m, e, sizeof(e));
}

static void madt_x2apic(struct madt_buf *m, uint32_t id, uint32_t flags)
{
	uint8_t e[16] = { 9, 16 };

	memcpy(e + 4, &id, 4);
	memcpy(e + 8, &flags, 4);
	madt_add(m, e, sizeof(e));
}

struct seen {
	unsigned int n;
	uint32_t ids[8];
};

static void record(uint32_t id, void *arg)
{
	struct seen *s = arg;

	if (s->n < ARRAY_SIZE(s->ids))
		s->ids[s->n] = id;
	s->n++;
}

KTEST(x86_smp, madt_parse_well_formed)
{
	struct madt_buf m;
	struct seen s = { 0 };
	uint64_t lapic = 0;
	const uint8_t ioapic[12] = { 1, 12 };                       /* skipped: not a CPU */
	uint8_t override[12] = { 5, 12 };
	uint64_t high = 0x1fee00000ull;

	memcpy(override + 4, &high, 8);
	madt_start(&m, 0xfee00000);
	madt_lapic(&m, 0, 1);
	madt_lapic(&m, 1, 0);            /* not enabled */
	madt_lapic(&m, 2, 2);            /* online capable only: left out */
	madt_add(&m, ioapic, sizeof(ioapic));
	madt_x2apic(&m, 300, 1);
	madt_x2apic(&m, 301, 0);
	madt_lapic(&m, 3, 1);            /* the last entry ends exactly at the table's end */
	KT_ASSERT(t, x86_madt_parse(m.b, m.len, 0, &lapic, record, &s) == 0, "refused");
	KT_EXPECT_EQ(t, s.n, 3);
	KT_EXPECT_EQ(t, s.ids[0], 0);
	KT_EXPECT_EQ(t, s.ids[1], 300);
	KT_EXPECT_EQ(t, s.ids[2], 3);
	KT_EXPECT_EQ(t, lapic, 0xfee00000);

	madt_add(&m, override, sizeof(override));
	s.n = 0;
	KT_ASSERT(t, x86_madt_parse(m.b, m.len, 0, &lapic, record, &s) == 0, "refused");
	KT_EXPECT_EQ(t, lapic, high);

	/* No entries at all: well formed, no CPU. */
	madt_start(&m, 0xfee00000);
	s.n = 0;
	KT_EXPECT_EQ(t, x86_madt_parse(m.b, m.len, 0, &lapic, record, &s), 0);
	KT_EXPECT_EQ(t, s.n, 0);
}

/* Each malformed shape is refused, and no CPU of the table is reported. */
static void expect_refused(struct ktest_ctx *t, const struct madt_buf *m, const char *what)
{
	struct seen s = { 0 };
	uint64_t lapic = 0;

	ktest_log(t, "%s (an \"acpi: ... refused\" line is expected)", what);
	KT_EXPECT(t, x86_madt_parse(m->b, m->len, 0, &lapic, record, &s) == -EINVAL,
		  "%s: accepted", what);
	KT_EXPECT(t, s.n == 0, "%s: %u CPUs reported", what, s.n);
}

KTEST(x86_smp, madt_parse_refuses_malformed)
{
	struct madt_buf m;
	const uint8_t zero_len[2] = { 0, 0 };
	const uint8_t short_lapic[6] = { 0, 6, 1, 1, 1, 0 };
	const uint8_t short_x2apic[12] = { 9, 12 };
	const uint8_t short_override[8] = { 5, 8 };
	const uint8_t long_entry[4] = { 0x7f, 16, 0, 0 };       /* claims 16 bytes, has 4 */

	madt_start(&m, 0xfee00000);
	m.len = 43;
	expect_refused(t, &m, "shorter than the fixed part");

	madt_start(&m, 0xfee00000);
	madt_lapic(&m, 0, 1);
	madt_add(&m, zero_len, sizeof(zero_len));
	expect_refused(t, &m, "an entry of length 0");

	madt_start(&m, 0xfee00000);
	madt_lapic(&m, 0, 1);
	madt_add(&m, short_lapic, sizeof(short_lapic));
	expect_refused(t, &m, "a local APIC entry of 6 bytes");

	madt_start(&m, 0xfee00000);
	madt_lapic(&m, 0, 1);
	madt_add(&m, short_x2apic, sizeof(short_x2apic));
	expect_refused(t, &m, "an x2APIC entry of 12 bytes");

	madt_start(&m, 0xfee00000);
	madt_add(&m, short_override, sizeof(short_override));
	expect_refused(t, &m, "an address override of 8 bytes");

	madt_start(&m, 0xfee00000);
	madt_lapic(&m, 0, 1);
	madt_add(&m, long_entry, sizeof(long_entry));
	expect_refused(t, &m, "an entry running past the table's end");

	madt_start(&m, 0xfee00000);
	madt_lapic(&m, 0, 1);
	m.len += 1;                       /* one byte: not even an entry header */
	expect_refused(t, &m, "a trailing byte");
}
