// SPDX-License-Identifier: MIT
/*
 * x86_64 SMP hooks (<kern/arch.h>): the CPUs from the ACPI MADT, application
 * processors started with INIT-SIPI-SIPI through a real-mode trampoline
 * (trampoline.S, <arch/trampoline.h>), cross-CPU calls as a fixed IPI
 * (X86_VEC_IPI) and panic stops as NMIs, both through the local APIC (apic.c).
 *
 * Start-up of one AP (boot CPU, from smp_init(), one AP at a time):
 *   1. once: copy the trampoline to the page bootinfo.c reserved below 1 MiB
 *      (x86_trampoline_page), fill its parameter block with the boot CPU's
 *      CR0/CR4/EFER, and build the temporary page tables below 4 GiB that the AP
 *      enables paging on (CR3 is loaded in 32-bit mode): they identity map the
 *      trampoline page and share the kernel root's kernel-half entries, so the
 *      jump to the kernel's link address works before the AP loads the real root;
 *   2. x86_ap_percpu[APIC id] = the CPU's area (the AP finds its stack there);
 *   3. INIT, 10 ms, SIPI, 200 us, SIPI (SDM vol. 3A 8.4.4.1, "Typical BSP
 *      Initialization Sequence"; the second SIPI is ignored by an AP that took the
 *      first one).
 * The AP then runs x86_ap_main(): its own GDT and TSS (its IST1 double-fault
 * stack), the shared IDT, the PAT, its local APIC, and smp_ap_entry().
 *
 * The trampoline page and the temporary tables stay for good (five pages at most):
 * an AP that smp_init() gave up on may still be running through them.
 */
#include <kern/arch.h>
#include <kern/boot.h>
#include <kern/cpuset.h>
#include <kern/errno.h>
#include <kern/panic.h>
#include <kern/percpu.h>
#include <kern/printk.h>
#include <kern/smp.h>
#include <kern/string.h>
#include <kern/time.h>
#include <mm/frame.h>
#include <mm/init.h>
#include <mm/mmio.h>
#include <mm/mmu.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/trampoline.h>
#include <arch/trap.h>
#include <arch/x86.h>

#define MSR_EFER  0xc0000080
#define EFER_LMA  (1ull << 10)   /* read-only: set by the CPU when IA-32e mode is active */

#define XAPIC_MAX_ID 0xfe        /* 0xff is the broadcast destination (SDM 10.6.2.1) */

_Static_assert(__builtin_offsetof(struct x86_tramp_params, gdt_limit) == TP_GDTR, "tramp");
_Static_assert(__builtin_offsetof(struct x86_tramp_params, far32_offset) == TP_FAR32, "tramp");
_Static_assert(__builtin_offsetof(struct x86_tramp_params, far64_offset) == TP_FAR64, "tramp");
_Static_assert(__builtin_offsetof(struct x86_tramp_params, cr0) == TP_CR0, "tramp");
_Static_assert(__builtin_offsetof(struct x86_tramp_params, cr4) == TP_CR4, "tramp");
_Static_assert(__builtin_offsetof(struct x86_tramp_params, cr3_low) == TP_CR3_LOW, "tramp");
_Static_assert(__builtin_offsetof(struct x86_tramp_params, efer_lo) == TP_EFER, "tramp");
_Static_assert(__builtin_offsetof(struct x86_tramp_params, cr3) == TP_CR3, "tramp");
_Static_assert(__builtin_offsetof(struct x86_tramp_params, entry) == TP_ENTRY, "tramp");
_Static_assert(__builtin_offsetof(struct x86_tramp_params, gdt) == TP_GDT, "tramp");
_Static_assert(sizeof(struct x86_tramp_params) == TP_SIZE, "tramp");

/* See <arch/trampoline.h>: written by the boot CPU before each INIT, read by the AP. */
struct percpu *x86_ap_percpu[256];

/* The trampoline is installed (step 1 above). Boot CPU only, in smp_init(). */
static bool tramp_ready;

void arch_smp_enumerate(void)
{
	unsigned long boot = percpu_areas[0].hwid;
	uint64_t madt_lapic;
	unsigned int found;

	if (!x86_lapic_present()) {
		pr_info("smp: no usable local APIC: boot CPU only\n");
		smp_cpu_found(boot);
		return;
	}
	if (x86_acpi_enumerate_cpus(&madt_lapic, &found) != 0 || found == 0) {
		pr_info("smp: no usable ACPI MADT: boot CPU only\n");
		smp_cpu_found(boot);
		return;
	}
	smp_cpu_found(boot);    /* index 0 already; counted even if the MADT left it out */
	if (madt_lapic != x86_lapic_phys())
		pr_warn("smp: the MADT puts the local APIC at %#llx, IA32_APIC_BASE at %#llx; "
			"using IA32_APIC_BASE\n", (unsigned long long)madt_lapic,
			(unsigned long long)x86_lapic_phys());
	if (smp_possible_count() > 1) {
		if (x86_trampoline_page)
			pr_info("smp: AP start-up code at %#llx\n",
				(unsigned long long)x86_trampoline_page);
		else
			pr_warn("smp: no free page below 1 MiB in the boot memory map for the AP "
				"start-up code: boot CPU only\n");
	}
}

/*
 * Temporary tables for the AP's first paging (step 1): a chain from a root below
 * 4 GiB down to a 4 KiB leaf that maps @page at @page, executable; the root's
 * kernel-half entries copied from the kernel root (they never change: the mapper
 * pre-allocates them, <mm/mapper.h>). Returns 0 and the root, or -ENOMEM.
 */
static int tramp_tables(uint64_t page, paddr_t *root_out)
{
	unsigned int levels = mm_kernel_pt.levels;
	paddr_t t[MMU_LEVELS_MAX];

	KASSERT(levels <= MMU_LEVELS_MAX, "%u levels", levels);
	for (unsigned int l = 0; l < levels; l++) {
		/* FRAME_DMA: below 4 GiB, and so in the direct map. */
		if (frame_alloc(0, FRAME_ZERO | FRAME_DMA, &t[l]) != 0) {
			while (l--)
				frame_free(t[l], 0);
			return -ENOMEM;
		}
	}
	for (unsigned int l = levels - 1; l >= 1; l--) {
		pte_t *table = phys_to_virt(t[l]);
		unsigned int i = (unsigned int)(page >> mmu_level_shift(l)) & (MMU_PT_ENTRIES - 1);
		mmu_pte_write(&table[i], mmu_pte_make_table(t[l - 1], l));
	}
	pte_t *pt = phys_to_virt(t[0]);
	mmu_pte_write(&pt[(page >> PAGE_SHIFT) & (MMU_PT_ENTRIES - 1)],
		      mmu_pte_make_leaf(paddr(page), MMU_READ | MMU_WRITE | MMU_EXEC, MMU_CACHE_WB, 0));

	pte_t *root = phys_to_virt(t[levels - 1]);
	const pte_t *kroot = phys_to_virt(mm_kernel_pt.root);
	for (unsigned int i = mmu_root_kernel_first(levels); i < MMU_PT_ENTRIES; i++)
		mmu_pte_write(&root[i], mmu_pte_read(&kroot[i]));
	*root_out = t[levels - 1];
	return 0;
}

/* Step 1: install the trampoline. Returns 0 or a negative errno (said in the log). */
static int tramp_setup(void)
{
	uint64_t page = x86_trampoline_page;
	size_t size = (size_t)(x86_tramp_end - x86_tramp_start);
	size_t params = (size_t)(x86_tramp_params - x86_tramp_start);
	paddr_t root;

	KASSERT(size <= PAGE_SIZE, "trampoline of %zu bytes", size);
	if (tramp_tables(page, &root) != 0) {
		pr_err("smp: no memory for the AP start-up page tables\n");
		return -ENOMEM;
	}
	/* Reserved, so not in the direct map: a temporary mapping to write it. */
	uint8_t *p = ioremap(paddr(page), PAGE_SIZE, MMU_CACHE_WB);
	if (!p) {
		pr_err("smp: cannot map the AP start-up page at %#llx\n", (unsigned long long)page);
		return -ENOMEM;
	}
	memcpy(p, x86_tramp_start, size);

	struct x86_tramp_params *tp = (struct x86_tramp_params *)(p + params);
	/* Flat 4 GiB segments (SDM 3.4.5): the same descriptors as the kernel GDT's. */
	tp->gdt[0] = 0;
	tp->gdt[1] = 0x00af9a000000ffff;    /* TRAMP_SEL_CODE64: 64-bit code, DPL 0 */
	tp->gdt[2] = 0x00cf92000000ffff;    /* TRAMP_SEL_DATA: data, DPL 0 */
	tp->gdt[3] = 0x00cf9a000000ffff;    /* TRAMP_SEL_CODE32: 32-bit code, DPL 0 */
	tp->gdt_limit = sizeof(tp->gdt) - 1;
	tp->gdt_base = (uint32_t)(page + params + TP_GDT);
	tp->far32_offset = (uint32_t)(page + (size_t)(x86_tramp_32 - x86_tramp_start));
	tp->far32_selector = TRAMP_SEL_CODE32;
	tp->far64_offset = (uint32_t)(page + (size_t)(x86_tramp_64 - x86_tramp_start));
	tp->far64_selector = TRAMP_SEL_CODE64;

	/* The boot CPU's control state, as boot.S, paging.c and mmu.c left it. */
	uint64_t cr0 = read_cr0(), cr4 = read_cr4(), efer = rdmsr(MSR_EFER) & ~EFER_LMA;
	KASSERT(!(cr0 >> 32) && !(cr4 >> 32), "CR0 %#llx CR4 %#llx", (unsigned long long)cr0,
		(unsigned long long)cr4);
	KASSERT(root.raw < ZONE_DMA_LIMIT, "temporary root at %#llx", (unsigned long long)root.raw);
	tp->cr0 = (uint32_t)cr0;
	tp->cr4 = (uint32_t)cr4;
	tp->cr3_low = (uint32_t)root.raw;
	tp->efer_lo = (uint32_t)efer;
	tp->efer_hi = (uint32_t)(efer >> 32);
	tp->cr3 = mm_kernel_pt.root.raw;
	tp->entry = (uint64_t)(uintptr_t)x86_ap_start64;
	/* The APs read the page physically; the write-back alias is coherent with that. */
	iounmap(p);
	tramp_ready = true;
	pr_debug("smp: trampoline at %#llx, temporary root %#llx, kernel root %#llx\n",
		 (unsigned long long)page, (unsigned long long)root.raw,
		 (unsigned long long)mm_kernel_pt.root.raw);
	return 0;
}

/* Wait at least @us microseconds, serving this CPU's mailbox (<kern/smp.h> rule 2). */
static void delay_us(uint64_t us)
{
	if (!time_counter_hz()) {
		/* No time source: a pause is at least a few ns on any x86 or QEMU. */
		for (uint64_t i = 0; i < us * 1000; i++)
			cpu_relax();
		return;
	}
	uint64_t start = time_ns();
	while (time_ns() - start < us * 1000)
		cpu_relax();
}

int arch_cpu_start(unsigned int cpu)
{
	struct percpu *pc = cpu_area(cpu);
	unsigned int id = (unsigned int)pc->hwid;

	if (!x86_lapic_present() || !x86_trampoline_page)
		return -ENODEV;     /* said once by arch_smp_enumerate() */
	if (pc->hwid > XAPIC_MAX_ID) {
		pr_err("smp: CPU %u has APIC id %lu, beyond what xAPIC mode can address\n", cpu,
		       pc->hwid);
		return -ENODEV;
	}
	if (!tramp_ready) {
		int err = tramp_setup();
		if (err)
			return err;
	}
	x86_ap_percpu[id] = pc;
	/* The area, the stack and the trampoline are in memory before the AP can look. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	if (!x86_lapic_send_ipi(id, X86_ICR_INIT | X86_ICR_ASSERT))
		return -EIO;
	delay_us(10000);
	for (int i = 0; i < 2; i++) {
		/* The vector is the start-up page number (SDM 10.6.1: "Start-Up"). */
		if (!x86_lapic_send_ipi(id, X86_ICR_STARTUP | X86_ICR_ASSERT |
					    (uint32_t)(x86_trampoline_page >> PAGE_SHIFT)))
			return -EIO;
		if (i == 0)
			delay_us(200);
	}
	return 0;
}

__noreturn void x86_ap_main(void)
{
	/* Nothing may fault before the IDT is loaded: the descriptor tables first. */
	x86_cpu_init_ap(cpu_current());
	arch_mmu_cpu_init();      /* the PAT, before any access through a UC mapping */
	x86_lapic_cpu_init();
	smp_ap_entry();
}

void arch_smp_send_ipi(const struct cpuset *cpus)
{
	unsigned int self = cpu_current();

	for (unsigned int i = 0; i < NCPUS; i++) {
		if (i == self || !cpuset_has(cpus, i))
			continue;
		/* Fixed delivery, edge (10.6.1); the handler EOIs (trap.c). */
		if (!x86_lapic_send_ipi((unsigned int)percpu_areas[i].hwid,
					X86_ICR_FIXED | X86_ICR_ASSERT | X86_VEC_IPI))
			pr_warn("smp: the local APIC stayed busy: no IPI sent to CPU %u\n", i);
	}
}

void arch_smp_send_stop(const struct cpuset *cpus)
{
	unsigned int self = cpu_current();

	/* An NMI is taken even with interrupts masked: a CPU spinning with IF = 0 stops too. */
	for (unsigned int i = 0; i < NCPUS; i++)
		if (i != self && cpuset_has(cpus, i))
			x86_lapic_send_ipi((unsigned int)percpu_areas[i].hwid,
					   X86_ICR_NMI | X86_ICR_ASSERT);
}

void arch_cpu_idle(void)
{
	/* STI's shadow covers HLT (SDM vol. 2B, STI): no interrupt slips in between. */
	__asm__ __volatile__("sti; hlt; cli" ::: "memory");
}
