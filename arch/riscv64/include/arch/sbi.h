/* SPDX-License-Identifier: MIT */
/*
 * Calls into the Supervisor Binary Interface (the M-mode firmware, OpenSBI).
 * RISC-V SBI specification v1.0: an ECALL from S-mode with the extension id (EID)
 * in a7, the function id (FID) in a6 and arguments in a0..a5; the firmware
 * returns an error code in a0 and a value in a1 (chapter 3, "Binary Encoding").
 * Any hart may call at any time; the firmware serialises what needs it. The
 * constants are usable from assembly.
 */
#ifndef ARCH_SBI_H
#define ARCH_SBI_H

/* Extension ids (SBI spec v1.0, chapters 4-10). */
#define SBI_EXT_LEGACY_CONSOLE_PUTCHAR 0x01        /* legacy (v0.1), chapter 5 */
#define SBI_EXT_BASE                   0x10
#define SBI_EXT_HSM                    0x48534D    /* "HSM" */
#define SBI_EXT_SRST                   0x53525354  /* "SRST" */
#define SBI_EXT_IPI                    0x735049    /* "sPI", chapter 7 */
#define SBI_EXT_RFENCE                 0x52464E43  /* "RFNC", chapter 8 */

/* HSM (chapter 9): hart_start(hartid, start_addr, opaque). */
#define SBI_HSM_HART_START        0
/* IPI (chapter 7): send_ipi(hart_mask, hart_mask_base). */
#define SBI_IPI_SEND_IPI          0
/* RFENCE (chapter 8): remote_sfence_vma(hart_mask, hart_mask_base, start, size). */
#define SBI_RFENCE_SFENCE_VMA     1

/* Base extension functions (chapter 4). */
#define SBI_BASE_GET_SPEC_VERSION  0
#define SBI_BASE_GET_IMPL_ID       1
#define SBI_BASE_GET_IMPL_VERSION  2
#define SBI_BASE_PROBE_EXTENSION   3

/* Implementation ids (chapter 4.9); OpenSBI encodes its version as major << 16 | minor. */
#define SBI_IMPL_OPENSBI 1

/* System reset (chapter 10): function 0, types and reasons. */
#define SBI_SRST_RESET            0
#define SBI_SRST_TYPE_SHUTDOWN    0
#define SBI_SRST_REASON_NONE      0
#define SBI_SRST_REASON_FAILURE   1

/* Standard error codes (chapter 3, table 1). */
#define SBI_SUCCESS                0
#define SBI_ERR_NOT_SUPPORTED     -2

#ifndef __ASSEMBLER__
#include <kern/types.h>

struct sbiret {
	long error;   /* SBI_SUCCESS or a negative SBI_ERR_* */
	long value;
};

/* One SBI call with up to three arguments (sbi_call4() with a3 = 0). */
struct sbiret sbi_call(unsigned long eid, unsigned long fid, unsigned long arg0,
		       unsigned long arg1, unsigned long arg2);

/* The same with four arguments (RFENCE). */
struct sbiret sbi_call4(unsigned long eid, unsigned long fid, unsigned long arg0,
			unsigned long arg1, unsigned long arg2, unsigned long arg3);

/* True if the firmware implements extension @eid (base extension probe). */
bool sbi_has_extension(unsigned long eid);

/*
 * Write one byte to the firmware console with the legacy console_putchar call.
 * OpenSBI v1.1 implements it; it predates the debug console extension (DBCN, SBI
 * v2.0) and is the only firmware console there.
 */
void sbi_console_putchar(char c);

/* Ask the firmware to power the machine off; returns only if it refuses. */
void sbi_shutdown(bool failure);
#endif

#endif
