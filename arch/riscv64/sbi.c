// SPDX-License-Identifier: MIT
/*
 * SBI calls (see <arch/sbi.h>). Usable from the first instruction of C on, with
 * or without paging: the firmware takes no pointers from us here.
 */
#include <arch/sbi.h>

struct sbiret sbi_call4(unsigned long eid, unsigned long fid, unsigned long arg0,
			unsigned long arg1, unsigned long arg2, unsigned long arg3)
{
	register unsigned long a0 __asm__("a0") = arg0;
	register unsigned long a1 __asm__("a1") = arg1;
	register unsigned long a2 __asm__("a2") = arg2;
	register unsigned long a3 __asm__("a3") = arg3;
	register unsigned long a6 __asm__("a6") = fid;
	register unsigned long a7 __asm__("a7") = eid;

	/* SBI spec 3: every register but a0 and a1 is preserved across the call. */
	__asm__ __volatile__("ecall"
			     : "+r"(a0), "+r"(a1)
			     : "r"(a2), "r"(a3), "r"(a6), "r"(a7)
			     : "memory");
	return (struct sbiret){ .error = (long)a0, .value = (long)a1 };
}

struct sbiret sbi_call(unsigned long eid, unsigned long fid, unsigned long arg0,
		       unsigned long arg1, unsigned long arg2)
{
	return sbi_call4(eid, fid, arg0, arg1, arg2, 0);
}

bool sbi_has_extension(unsigned long eid)
{
	struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, eid, 0, 0);

	/* Probe returns 0 for an absent extension, usually 1 (or an id) otherwise. */
	return r.error == SBI_SUCCESS && r.value != 0;
}

void sbi_console_putchar(char c)
{
	/* Legacy extensions take no FID and return only an error in a0 (SBI spec 5). */
	sbi_call(SBI_EXT_LEGACY_CONSOLE_PUTCHAR, 0, (unsigned char)c, 0, 0);
}

void sbi_shutdown(bool failure)
{
	sbi_call(SBI_EXT_SRST, SBI_SRST_RESET, SBI_SRST_TYPE_SHUTDOWN,
		 failure ? SBI_SRST_REASON_FAILURE : SBI_SRST_REASON_NONE, 0);
}
