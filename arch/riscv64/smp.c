// SPDX-License-Identifier: MIT
/*
 * riscv64 SMP hooks (<kern/arch.h>): harts from the device tree, started through
 * SBI HSM; cross-CPU-call interrupts through the ACLINT SSWI when the machine has
 * one the kernel may write (QEMU virt with aclint=on), else through SBI sPI.
 * Both set the target's sip.SSIP, which the trap handler clears before it serves
 * the mailbox (so a request that arrives meanwhile raises it again).
 *
 * A hart started by hart_start() enters riscv_secondary_entry (boot.S) in S-mode
 * with the MMU off, a0 = hart id, a1 = the opaque value: its struct percpu. It
 * loads the kernel's satp (riscv_smp_satp) and continues at its link address.
 *
 * There is no NMI: a hart that spins with interrupts masked stops for a panic
 * only when it next polls its mailbox (every cpu_relax() does).
 */
#include <kern/arch.h>
#include <kern/boot.h>
#include <kern/cmdline.h>
#include <kern/cpuset.h>
#include <kern/errno.h>
#include <kern/fdt.h>
#include <kern/panic.h>
#include <kern/percpu.h>
#include <kern/printk.h>
#include <kern/smp.h>
#include <kern/string.h>
#include <mm/mmio.h>
#include <mm/types.h>
#include <arch/cpu.h>
#include <arch/riscv.h>
#include <arch/sbi.h>

#define SIE_SSIE  0x2   /* sie bit 1: supervisor software interrupts (privileged spec 4.1.3) */
#define SIP_SSIP  0x2

/* Each hart's stack for a trap that overflowed its kernel stack (traps.S). */
#define OVERFLOW_STACK_SIZE 8192
static uint8_t overflow_stacks[NCPUS][OVERFLOW_STACK_SIZE] __aligned(16);

/* satp of the kernel page table, read by riscv_secondary_entry with the MMU off. */
uint64_t riscv_smp_satp;
extern char riscv_secondary_entry[];
extern char _start[];

/*
 * The hart being started and its struct percpu, for a hart that the firmware sends
 * to the kernel's entry (_start) instead of riscv_secondary_entry (boot.S): it
 * finds its opaque value here. Written by the boot hart before each hart_start
 * (harts are started one at a time); read with the MMU off. The hart id starts as
 * one no hart has, in .data: a hart may read it while the boot hart is still
 * zeroing .bss.
 */
unsigned long riscv_smp_start_hart = ~0ul;
unsigned long riscv_smp_start_percpu;

/*
 * The ACLINT SSWI (ACLINT spec 1.0, chapter 4): one 32-bit SETSSIP register per
 * hart; writing 1 raises that hart's sip.SSIP. sswi_slot[cpu] is the register's
 * index (the hart's position in the node's interrupts-extended list). Written
 * once by arch_smp_enumerate() before any other hart starts.
 */
static volatile uint32_t *sswi;
static int sswi_slot[NCPUS];

void riscv_percpu_init(unsigned int cpu)
{
	percpu_areas[cpu].scratch[0] = (uintptr_t)(overflow_stacks[cpu] + OVERFLOW_STACK_SIZE);
}

/* The hart id of the cpu node owning the interrupt controller with @phandle, or -1. */
static long hart_of_intc(const struct fdt *fdt, int cpus, uint32_t phandle)
{
	int cpu;

	fdt_for_each_child(fdt, cpus, cpu) {
		int intc;
		fdt_for_each_child(fdt, cpu, intc) {
			uint32_t ph;
			uint64_t hart, unused;
			if (fdt_prop_u32(fdt, intc, "phandle", &ph) && ph == phandle &&
			    fdt_reg(fdt, cpu, 0, &hart, &unused) == 0)
				return (long)hart;
		}
	}
	return -1;
}

static void sswi_init(const struct fdt *fdt, int cpus)
{
	int node = fdt_find_compatible(fdt, -1, "riscv,aclint-sswi");
	uint64_t base, size;
	uint32_t len;

	if (node < 0 || !fdt_node_is_enabled(fdt, node) || fdt_reg(fdt, node, 0, &base, &size))
		return;
	const uint8_t *ie = fdt_prop(fdt, node, "interrupts-extended", &len);
	if (!ie || len % 8)
		return;
	for (unsigned int i = 0; i < NCPUS; i++)
		sswi_slot[i] = -1;
	/* Pairs of <intc phandle, irq>: irq 1 is the supervisor software interrupt. */
	for (uint32_t i = 0; i < len / 8; i++) {
		long hart = hart_of_intc(fdt, cpus, fdt_read_u32(ie + 8 * i));
		int cpu = hart < 0 ? -1 : smp_cpu_of_hwid((unsigned long)hart);
		if (cpu >= 0 && fdt_read_u32(ie + 8 * i + 4) == 1 && (uint64_t)i * 4 + 4 <= size)
			sswi_slot[cpu] = (int)i;
	}
	for (unsigned int c = 0; c < smp_possible_count(); c++)
		if (sswi_slot[c] < 0) {
			pr_warn("smp: the ACLINT SSWI does not reach CPU %u; using SBI IPIs\n", c);
			return;
		}
	sswi = ioremap(paddr(base), (size_t)size, MMU_CACHE_UC);
	if (!sswi)
		pr_warn("smp: cannot map the ACLINT SSWI at %#llx; using SBI IPIs\n",
			(unsigned long long)base);
}

void arch_smp_enumerate(void)
{
	const struct fdt *fdt = riscv_open_devicetree(boot_info->devicetree);
	int cpus = fdt_path_offset(fdt, "/cpus");
	int node;

	if (cpus < 0) {
		pr_warn("smp: no /cpus in the device tree; boot hart only\n");
		return;
	}
	fdt_for_each_child(fdt, cpus, node) {
		const char *type = fdt_prop_string(fdt, node, "device_type");
		uint64_t hart, unused;
		if (!type || strcmp(type, "cpu") || fdt_reg(fdt, node, 0, &hart, &unused))
			continue;
		/* status "okay" or absent (devicetree spec 2.3.4); "disabled" harts stay out. */
		if (!fdt_node_is_enabled(fdt, node))
			continue;
		smp_cpu_found((unsigned long)hart);
	}
	sswi_init(fdt, cpus);
	csr_set(sie, SIE_SSIE);
	pr_info("smp: cross-CPU interrupts through %s\n",
		sswi ? "the ACLINT SSWI" : sbi_has_extension(SBI_EXT_IPI) ? "SBI sPI" : "nothing (no SBI IPI extension)");
	if (riscv_ap_entry_is_start())
		pr_info("smp: harts started at the kernel entry (riscv.ap_entry=start)\n");
}

bool riscv_ap_entry_is_start(void)
{
	static int on = -1;
	char want[8];

	if (on < 0)
		on = cmdline_get_value("riscv.ap_entry", want, sizeof(want)) > 0 && !strcmp(want, "start");
	return on;
}

int arch_cpu_start(unsigned int cpu)
{
	struct percpu *pc = &percpu_areas[cpu];
	unsigned long entry = image_virt_to_phys(riscv_secondary_entry), opaque = (unsigned long)pc;

	if (!sbi_has_extension(SBI_EXT_HSM))
		return -ENOSYS;
	riscv_percpu_init(cpu);
	riscv_smp_satp = csr_read(satp);
	riscv_smp_start_percpu = (unsigned long)pc;
	riscv_smp_start_hart = pc->hwid;
	if (riscv_ap_entry_is_start()) {
		entry = image_virt_to_phys(_start);
		opaque = (unsigned long)boot_info->devicetree;
	}
	/*
	 * What the hart reads before it can synchronize (the variables above, its
	 * per-CPU area) is in memory before the firmware can mark it START_PENDING:
	 * the SBI spec promises no ordering across the call. The hart's entry code
	 * fences once it left the firmware's wait (boot.S), which pairs with this.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* hart_start's start address is physical (SBI spec 9.1); opaque lands in a1. */
	struct sbiret r = sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, pc->hwid, entry, opaque);
	return r.error == SBI_SUCCESS ? 0 : -EIO;
}

unsigned int riscv_smp_entry_detours;

/*
 * A hart the firmware sent to _start, which sent it on (OpenSBI 1.1's hart_start
 * race, boot.S), says so: a boot that depends on that path should show it.
 */
__noreturn void riscv_secondary_main(unsigned long hartid, struct percpu *self,
				     unsigned long via_kernel_entry)
{
	if (via_kernel_entry) {
		__atomic_fetch_add(&riscv_smp_entry_detours, 1, __ATOMIC_RELAXED);
		pr_info("smp: hart %lu (CPU %u) came in at the kernel entry, not where hart_start "
			"said; started all the same\n", hartid, self->index);
	}
	csr_write(sie, SIE_SSIE);
	smp_ap_entry();
}

/*
 * The hart mask (SBI spec 3.1: bit i is hart @base + i) of up to 64 CPUs of
 * @left, from its lowest hart id; removes them from @left.
 */
unsigned long riscv_hart_mask(struct cpuset *left, unsigned long *base)
{
	unsigned long b = ~0ul, mask = 0;

	for (unsigned int i = 0; i < NCPUS; i++)
		if (cpuset_has(left, i) && percpu_areas[i].hwid < b)
			b = percpu_areas[i].hwid;
	for (unsigned int i = 0; i < NCPUS; i++) {
		unsigned long h = percpu_areas[i].hwid;
		if (cpuset_has(left, i) && h - b < 64) {
			mask |= 1ul << (h - b);
			cpuset_del(left, i);
		}
	}
	*base = b;
	return mask;
}

/* Send the interrupt to @cpus through SBI sPI: one call per 64 harts from a base. */
static void sbi_send(const struct cpuset *cpus)
{
	struct cpuset left = *cpus;

	while (!cpuset_is_empty(&left)) {
		unsigned long base;
		unsigned long mask = riscv_hart_mask(&left, &base);
		struct sbiret r = sbi_call(SBI_EXT_IPI, SBI_IPI_SEND_IPI, mask, base, 0);
		KASSERT(r.error == SBI_SUCCESS, "SBI send_ipi(%#lx, %lu): error %ld", mask, base, r.error);
	}
}

void arch_smp_send_ipi(const struct cpuset *cpus)
{
	if (!sswi) {
		sbi_send(cpus);
		return;
	}
	for (unsigned int i = 0; i < NCPUS; i++)
		if (cpuset_has(cpus, i))
			iowrite32((volatile void *)&sswi[sswi_slot[i]], 1);
}

void arch_smp_send_stop(const struct cpuset *cpus)
{
	arch_smp_send_ipi(cpus);
}

void riscv_ipi_interrupt(void)
{
	/* Clear first: a request sent after this raises it again, none is lost. */
	csr_clear(sip, SIP_SSIP);
	smp_ipi_interrupt();
}

void arch_cpu_idle(void)
{
	/*
	 * WFI wakes on an interrupt pending and enabled in sie even while sstatus.SIE
	 * is clear (privileged spec 3.3.3); opening SIE for a moment then takes it.
	 */
	__asm__ __volatile__("wfi" ::: "memory");
	csr_set(sstatus, SSTATUS_SIE);
	csr_clear(sstatus, SSTATUS_SIE);
}
