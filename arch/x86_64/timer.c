// SPDX-License-Identifier: MIT
/*
 * x86_64 time source: the TSC, its frequency measured against the 8254 PIT
 * (channel 2, gated through port 0x61, as on every PC and in QEMU), which ticks at
 * a fixed 1.193182 MHz. CPUID leaf 0x15 would name the frequency directly, but QEMU's
 * default CPUs do not report it. Boot CPU, once, interrupts off. And the per-CPU
 * tick, from the local APIC timer (below).
 */
#include <kern/cpu.h>
#include <kern/printk.h>
#include <kern/time.h>
#include <kern/timer.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/x86.h>

#define PIT_HZ          1193182
#define PIT_CH2_DATA    0x42
#define PIT_COMMAND     0x43
#define PORT_B          0x61       /* bit 0: channel 2 gate, bit 1: speaker, bit 5: OUT2 */
#define CALIBRATE_MS    10
#define PIT_LATCH       (PIT_HZ * CALIBRATE_MS / 1000)

/* Returns the TSC frequency in Hz, or 0 if the PIT never counted down. */
static uint64_t tsc_calibrate_pit(void)
{
	/* Gate high, speaker off; channel 2, lo/hi byte, mode 0 (interrupt on terminal count). */
	outb(PORT_B, (uint8_t)((inb(PORT_B) & ~0x02) | 0x01));
	outb(PIT_COMMAND, 0xb0);
	outb(PIT_CH2_DATA, PIT_LATCH & 0xff);
	outb(PIT_CH2_DATA, PIT_LATCH >> 8);

	uint64_t start = arch_counter_read();
	/* OUT2 rises when the count reaches zero; bounded in case there is no PIT. */
	for (unsigned long i = 0; !(inb(PORT_B) & 0x20); i++)
		if (i > 100000000ul)
			return 0;
	uint64_t ticks = arch_counter_read() - start;
	return ticks * PIT_HZ / PIT_LATCH;
}

void x86_time_init(uint64_t entry_tsc)
{
	uint64_t hz = tsc_calibrate_pit();

	if (!hz) {
		/* Nothing to measure against: time_ns() stays 0, and boot figures say so. */
		pr_warn("time: no PIT to calibrate the TSC against; no time source\n");
		return;
	}
	time_init(entry_tsc, hz);
}

/*
 * The per-CPU tick (<kern/timer.h>): each CPU's local APIC timer, one-shot and
 * re-armed by each of its interrupts (apic.c). Not periodic mode: QEMU keeps a
 * periodic timer on its grid and delivers the expiries it ran late for in a burst,
 * so a CPU could count more ticks than the period allows; a re-armed one-shot
 * only falls behind. Its rate (the bus clock / 16; QEMU: 1 GHz / 16) is measured once on
 * the boot CPU against time_ns() (the TSC, measured against the PIT above) over
 * TIMER_CALIBRATE_MS, with the timer masked. No TSC-deadline mode: QEMU's TCG
 * lacks it.
 *
 * lapic_period: timer counts per tick, written by the boot CPU in its
 * arch_timer_init_cpu() (smp_init(), before any AP starts), read-only afterwards:
 * every local APIC timer runs from the same clock.
 */
#define TIMER_CALIBRATE_MS 10

static uint32_t lapic_period;

static uint32_t lapic_timer_calibrate(void)
{
	if (!time_counter_hz())
		return 0;
	unsigned long flags = arch_irq_save();
	x86_lapic_timer_start(0xffffffff, false);
	uint64_t t0 = time_ns();
	uint32_t c0 = x86_lapic_timer_count();
	while (time_ns() - t0 < TIMER_CALIBRATE_MS * 1000000ull)
		arch_cpu_relax();
	uint32_t c1 = x86_lapic_timer_count();
	uint64_t t1 = time_ns();
	x86_lapic_timer_stop();
	arch_irq_restore(flags);

	uint64_t per_second = (uint64_t)(c0 - c1) * 1000000000ull / (t1 - t0);
	uint64_t period = per_second / TIMER_HZ;
	if (period == 0 || period > UINT32_MAX)
		return 0;
	pr_info("timer: local APIC timer at %llu kHz (divided by 16)\n",
		(unsigned long long)(per_second / 1000));
	return (uint32_t)period;
}

const char *arch_timer_init_cpu(void)
{
	if (!x86_lapic_present())
		return NULL;
	if (cpu_current() == 0)
		lapic_period = lapic_timer_calibrate();
	if (!lapic_period)
		return NULL;
	x86_lapic_timer_start(lapic_period, true);
	return "the local APIC timer";
}

void x86_timer_interrupt(void)
{
	x86_lapic_timer_restart(lapic_period);
	timer_tick();
}
