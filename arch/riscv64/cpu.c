// SPDX-License-Identifier: MIT
/*
 * riscv64 implementations of the generic kernel's CPU hooks (<kern/arch.h>):
 * halting, powering off and frame-pointer unwinding. Boot hart only for now.
 */
#include <kern/arch.h>
#include <kern/boot.h>
#include <arch/cpu.h>
#include <mm/mmio.h>
#include <mm/types.h>
#include <arch/console.h>
#include <arch/page.h>
#include <arch/riscv.h>
#include <arch/sbi.h>

void arch_halt(void)
{
	local_irq_disable();
	csr_write(sie, 0);
	/* WFI may return at any time (privileged spec 3.3.3): keep waiting. */
	for (;;)
		__asm__ __volatile__("wfi");
}

/*
 * QEMU virt's test device ("sifive,test0", hw/misc/sifive_test.c): a 32-bit write
 * of 0x5555 ends QEMU with status 0, 0x3333 | code << 16 with status @code.
 * SBI SRST cannot carry a verdict (QEMU exits 0 whatever the reason), so the
 * test device is preferred when the device tree has one.
 */
#define TEST_FINISHER_PASS 0x5555
#define TEST_FINISHER_FAIL 0x3333
#define TEST_FAIL_STATUS   1

static uint64_t test_device_phys;
static bool test_device_present;
static bool devices_mapped;              /* arch_devices_init() ran: no boot mappings */
static volatile uint32_t *test_device;   /* ioremap()ed then (NULL if that failed) */

void riscv_set_test_device(uint64_t phys)
{
	test_device_phys = phys;
	test_device_present = true;
}

void arch_devices_init(void)
{
	devices_mapped = true;
	riscv_console_ioremap();
	if (test_device_present)
		test_device = ioremap(paddr(test_device_phys), sizeof(uint32_t), MMU_CACHE_UC);
}

void arch_shutdown(bool success)
{
	/* Before arch_devices_init() the boot direct map reaches it; after, only ioremap(). */
	volatile uint32_t *dev = devices_mapped ? test_device :
				 test_device_present ? phys_to_virt(paddr(test_device_phys)) : NULL;
	if (dev)
		iowrite32(dev,
			  success ? TEST_FINISHER_PASS
				  : TEST_FINISHER_FAIL | TEST_FAIL_STATUS << 16);
	/* SBI spec 10.1: returns only on failure. */
	if (sbi_has_extension(SBI_EXT_SRST))
		sbi_shutdown(!success);
	arch_halt();
}

/*
 * riscv frames with -fno-omit-frame-pointer (psABI; the layout LLVM emits):
 * s0 points just above the frame record, [s0 - 8] = return address,
 * [s0 - 16] = caller's s0. Stacks live in the kernel image (the boot stack is in
 * .bss) for now, so a record outside it ends the walk; nothing else is read.
 */
bool arch_unwind_frame(uintptr_t *fp, uintptr_t *pc)
{
	uintptr_t f = *fp;

	if ((f & 7) || f < (uintptr_t)__kernel_start + 16 || f > (uintptr_t)__kernel_end)
		return false;
	*pc = ((const uintptr_t *)f)[-1];
	*fp = ((const uintptr_t *)f)[-2];
	return true;
}

/*
 * A new thread's stack for arch_switch() (lib.S): the 112-byte frame of ra and
 * s0-s11 with ra = arch_thread_entry, s1 = @fn, s2 = @arg, the rest 0, ending
 * 16-byte aligned (psABI).
 */
uintptr_t arch_thread_stack_init(uintptr_t top, void (*fn)(void *), void *arg)
{
	extern char arch_thread_entry[];
	uintptr_t a = top & ~(uintptr_t)15;
	uint64_t *f = (uint64_t *)(a - 112);

	for (int i = 0; i < 14; i++)
		f[i] = 0;
	f[0] = (uint64_t)(uintptr_t)arch_thread_entry;   /* ra */
	f[2] = (uint64_t)(uintptr_t)fn;                  /* s1 */
	f[3] = (uint64_t)(uintptr_t)arg;                 /* s2 */
	return (uintptr_t)f;
}

/* Traps from U-mode find the thread's stack in the per-CPU area: nothing to do. */
void arch_set_kernel_stack(uintptr_t top)
{
	(void)top;
}
