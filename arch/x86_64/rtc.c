// SPDX-License-Identifier: MIT
/*
 * x86_64's real-time clock for <kern/time.h>: the PC's CMOS RTC (the Motorola
 * MC146818 register set every PC chipset and QEMU's "mc146818rtc" keep), read
 * through the index/data ports 0x70/0x71. Called once, by time_realtime_base();
 * nothing else in the kernel touches the CMOS, so the port pair needs no lock.
 *
 * The RTC keeps local time or UTC as the firmware was told; QEMU's default (and
 * Linux's assumption for a machine without another OS) is UTC. One-second
 * resolution: the wall clock is what the RTC said, to within that second.
 */
#include <kern/errno.h>
#include <kern/time.h>
#include <arch/cpu.h>

#define CMOS_INDEX 0x70
#define CMOS_DATA  0x71

/* MC146818 registers and bits. */
#define RTC_SECONDS 0x00
#define RTC_MINUTES 0x02
#define RTC_HOURS   0x04
#define RTC_DAY     0x07
#define RTC_MONTH   0x08
#define RTC_YEAR    0x09
#define RTC_REG_A   0x0a
#define RTC_REG_B   0x0b
#define RTC_UIP     0x80     /* register A: an update is in progress (lasts < 2 ms) */
#define RTC_24H     0x02     /* register B: 24-hour mode */
#define RTC_BINARY  0x04     /* register B: binary, not BCD */
#define RTC_PM      0x80     /* the hours register in 12-hour mode */

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

struct rtc_fields {
	uint8_t sec, min, hour, day, mon, year;
};

static void rtc_fields_read(struct rtc_fields *f)
{
	f->sec = cmos_read(RTC_SECONDS);
	f->min = cmos_read(RTC_MINUTES);
	f->hour = cmos_read(RTC_HOURS);
	f->day = cmos_read(RTC_DAY);
	f->mon = cmos_read(RTC_MONTH);
	f->year = cmos_read(RTC_YEAR);
}

static bool rtc_fields_equal(const struct rtc_fields *a, const struct rtc_fields *b)
{
	return a->sec == b->sec && a->min == b->min && a->hour == b->hour && a->day == b->day &&
	       a->mon == b->mon && a->year == b->year;
}

static unsigned int bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 0xf);
}

/* Days from 1970-01-01 to @y-@m-@d (proleptic Gregorian; H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned int yoe = (unsigned int)(y - era * 400);
	unsigned int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

int arch_rtc_read(uint64_t *ns)
{
	struct rtc_fields a, b;
	int tries;

	/*
	 * The registers change during an update: read outside one (UIP clear), and
	 * twice, until both reads agree (the MC146818 datasheet's method, and Linux's
	 * mc146818_get_time()). Bounded: an RTC stuck in an update is no RTC.
	 */
	for (tries = 0; tries < 1000; tries++) {
		uint64_t t0 = time_ns();
		while (cmos_read(RTC_REG_A) & RTC_UIP)
			if (time_ns() - t0 > 10 * 1000 * 1000ull)
				return -ENODEV;
		rtc_fields_read(&a);
		if (cmos_read(RTC_REG_A) & RTC_UIP)
			continue;
		rtc_fields_read(&b);
		if (rtc_fields_equal(&a, &b))
			break;
	}
	if (tries == 1000)
		return -ENODEV;

	uint8_t regb = cmos_read(RTC_REG_B);
	bool pm = !(regb & RTC_24H) && (a.hour & RTC_PM);
	unsigned int sec = a.sec, min = a.min, hour = a.hour & 0x7f, day = a.day, mon = a.mon,
		     year = a.year;

	if (!(regb & RTC_BINARY)) {
		sec = bcd(a.sec);
		min = bcd(a.min);
		hour = bcd(a.hour & 0x7f);
		day = bcd(a.day);
		mon = bcd(a.mon);
		year = bcd(a.year);
	}
	if (!(regb & RTC_24H))
		hour = hour % 12 + (pm ? 12 : 0);
	/*
	 * The century: the register holding it is named by the ACPI FADT (QEMU's is
	 * 0x32), which is not parsed here; two-digit years below 70 are this century,
	 * as Linux's mc146818_get_time() reads them without a century register.
	 */
	year += year < 70 ? 2000 : 1900;
	if (sec > 59 || min > 59 || hour > 23 || day < 1 || day > 31 || mon < 1 || mon > 12)
		return -ENODEV;
	int64_t days = days_from_civil(year, mon, day);
	*ns = ((uint64_t)days * 86400 + hour * 3600 + min * 60 + sec) * 1000000000ull;
	return 0;
}
