// SPDX-License-Identifier: MIT
/*
 * x86_64 time source: the TSC, its frequency measured against the 8254 PIT
 * (channel 2, gated through port 0x61, as on every PC and in QEMU), which ticks at
 * a fixed 1.193182 MHz. CPUID leaf 0x15 would name the frequency directly, but QEMU's
 * default CPUs do not report it. Boot CPU, once, interrupts off.
 */
#include <kern/printk.h>
#include <kern/time.h>
#include <kern/timer.h>
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
 * The per-CPU tick (<kern/timer.h>) will come from the LAPIC timer, calibrated
 * against the TSC above; not there yet: no CPU ticks on x86_64.
 */
const char *arch_timer_init_cpu(void)
{
	return NULL;
}
