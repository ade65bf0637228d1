// SPDX-License-Identifier: MIT
/*
 * x86_64 local APIC in xAPIC mode: its registers through ioremap(), enabling it on
 * each CPU, EOI and sending IPIs (see <arch/apic.h>). The x2APIC's MSR interface is
 * not used: QEMU's TCG has no x2APIC, and xAPIC mode reaches every APIC id below
 * 255, which is as far as an 8-bit ICR destination goes.
 *
 * Section numbers are the Intel SDM vol. 3A's, chapter 10 (11 from 2023 on).
 */
#include <kern/panic.h>
#include <kern/printk.h>
#include <kern/time.h>
#include <mm/mmio.h>
#include <arch/apic.h>
#include <arch/cpu.h>

/* IA32_APIC_BASE (10.4.4, figure 10-5). */
#define MSR_APIC_BASE        0x1b
#define APIC_BASE_X2APIC     (1ull << 10)   /* EXTD: x2APIC mode */
#define APIC_BASE_ENABLE     (1ull << 11)   /* global enable */
#define APIC_BASE_ADDR_MASK  0x000ffffffffff000ull   /* bits 12..51 (MAXPHYADDR at most 52) */

/* Register offsets from the base (10.4.1, table 10-1); each a 32-bit word, 16-byte aligned. */
#define LAPIC_ID        0x020
#define LAPIC_VERSION   0x030
#define LAPIC_TPR       0x080
#define LAPIC_EOI       0x0b0
#define LAPIC_SVR       0x0f0
#define LAPIC_ESR       0x280
#define LAPIC_LVT_CMCI  0x2f0
#define LAPIC_ICR_LOW   0x300
#define LAPIC_ICR_HIGH  0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_THERM 0x330
#define LAPIC_LVT_PERF  0x340
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT  0x380
#define LAPIC_TIMER_CUR   0x390
#define LAPIC_TIMER_DIV   0x3e0

#define SVR_ENABLE      X86_LAPIC_SVR_ENABLE   /* APIC software enable (10.9, figure 10-23) */
#define LVT_MASKED      (1u << 16)    /* figure 10-8 */
#define TIMER_DIV_16    0x3           /* divide configuration bits 3,1,0 = 0,1,1 (figure 10-10) */

/*
 * The local APIC's registers, mapped once by the boot CPU in x86_lapic_init()
 * before any other CPU starts, read-only afterwards. Every CPU's APIC answers at
 * the same physical (so virtual) address: each access reaches the caller's own.
 */
static volatile uint32_t *lapic;
static uint64_t lapic_base;

static inline uint32_t lapic_read(unsigned int reg)
{
	return lapic[reg / 4];
}

static inline void lapic_write(unsigned int reg, uint32_t v)
{
	lapic[reg / 4] = v;
}

bool x86_lapic_present(void)
{
	return lapic != NULL;
}

uint64_t x86_lapic_phys(void)
{
	return lapic_base;
}

void x86_lapic_init(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(d & (1u << 9))) {     /* CPUID.1:EDX[9]: on-chip APIC (10.4.2) */
		pr_warn("apic: this CPU has no local APIC; no other CPU can be started\n");
		return;
	}
	uint64_t msr = rdmsr(MSR_APIC_BASE);
	if (msr & APIC_BASE_X2APIC) {
		/* Leaving x2APIC mode needs a full disable first (10.12.5): not ours to undo. */
		pr_warn("apic: the firmware left the local APIC in x2APIC mode, which this kernel "
			"does not drive; no other CPU can be started\n");
		return;
	}
	if (!(msr & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, msr | APIC_BASE_ENABLE);
	lapic_base = msr & APIC_BASE_ADDR_MASK;
	/* Strong uncacheable: register accesses must reach the APIC in program order. */
	lapic = ioremap(paddr(lapic_base), 4096, MMU_CACHE_UC);
	if (!lapic) {
		pr_err("apic: cannot map the local APIC at %#llx; no other CPU can be started\n",
		       (unsigned long long)lapic_base);
		return;
	}
	x86_lapic_cpu_init();
}

void x86_lapic_cpu_init(void)
{
	KASSERT(lapic, "x86_lapic_cpu_init without a local APIC");
	/* Global enable is per CPU: an AP's MSR is back at its reset value after INIT. */
	uint64_t msr = rdmsr(MSR_APIC_BASE);
	if (!(msr & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, msr | APIC_BASE_ENABLE);

	/*
	 * Nothing but IPIs is wanted: mask every local source (10.5.1). The version
	 * register's bits 23:16 hold the number of LVT entries minus one (10.4.8): the
	 * performance-counter entry exists from 4, thermal from 5, CMCI from 6.
	 * LINT0 is masked too (the 8259's ExtINT path on the boot CPU); LINT1 keeps the
	 * firmware's NMI routing on the boot CPU and stays masked (its reset state,
	 * 10.4.7.1) on the others.
	 */
	unsigned int max_lvt = (lapic_read(LAPIC_VERSION) >> 16) & 0xff;
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	if (!(msr & (1ull << 8)))   /* IA32_APIC_BASE[8]: this is the BSP */
		lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	if (max_lvt >= 4)
		lapic_write(LAPIC_LVT_PERF, LVT_MASKED);
	if (max_lvt >= 5)
		lapic_write(LAPIC_LVT_THERM, LVT_MASKED);
	if (max_lvt >= 6)
		lapic_write(LAPIC_LVT_CMCI, LVT_MASKED);
	/* The ESR is cleared by writes (back to back, 10.5.3). */
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	/* Accept every priority class (10.8.3.1). */
	lapic_write(LAPIC_TPR, 0);
	/* Software enable, with the spurious vector (10.9): the reset state is disabled. */
	lapic_write(LAPIC_SVR, (lapic_read(LAPIC_SVR) & ~0xffu) | SVR_ENABLE | X86_VEC_SPURIOUS);
}

unsigned int x86_lapic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;   /* xAPIC: bits 31:24 (10.4.6) */
}

uint32_t x86_lapic_svr(void)
{
	return lapic_read(LAPIC_SVR);
}

void x86_lapic_timer_start(uint32_t count, bool interrupt)
{
	/*
	 * The divider and the LVT first (timer mode 00, one-shot: bits 18:17 clear),
	 * then the initial count, whose write starts the countdown.
	 */
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, interrupt ? X86_VEC_TIMER : LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, count);
}

void x86_lapic_timer_restart(uint32_t count)
{
	lapic_write(LAPIC_TIMER_INIT, count);    /* one-shot: a new count starts a new countdown */
}

uint32_t x86_lapic_timer_count(void)
{
	return lapic_read(LAPIC_TIMER_CUR);
}

void x86_lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0);     /* a zero initial count stops it (10.5.4) */
}

void x86_lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);   /* any value (10.8.5) */
}

/*
 * The delivery-status bit is set while the previous IPI is pending (10.6.1). QEMU
 * clears it at once; hardware within microseconds. Bounded by time, or by a spin
 * count where there is no time source; only pause in the loop: this runs with
 * interrupts masked, from smp_call_mask() and from panic() (which must not serve
 * the mailbox, see smp_relax()).
 */
static bool icr_wait_idle(void)
{
	uint64_t start = time_ns();

	for (unsigned long spins = 0; lapic_read(LAPIC_ICR_LOW) & X86_ICR_BUSY; spins++) {
		if ((spins & 1023) == 1023 &&
		    (time_ns() ? time_ns() - start > 100000000ull : spins > 100000000ul))
			return false;
		arch_cpu_relax();
	}
	return true;
}

bool x86_lapic_send_ipi(unsigned int apic_id, uint32_t icr_low)
{
	KASSERT(lapic, "IPI without a local APIC");
	KASSERT(apic_id < 0xff, "xAPIC destination %u", apic_id);

	unsigned long flags = arch_irq_save();
	bool idle = icr_wait_idle();
	if (idle) {
		/* The destination in ICR bits 63:56 (10.6.1); writing the low word sends. */
		lapic_write(LAPIC_ICR_HIGH, (uint32_t)apic_id << 24);
		lapic_write(LAPIC_ICR_LOW, icr_low);
	}
	arch_irq_restore(flags);
	return idle;
}
