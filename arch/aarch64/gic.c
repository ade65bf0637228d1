// SPDX-License-Identifier: MIT
/*
 * The Arm Generic Interrupt Controller, v2 or v3, from the device tree (binding
 * interrupt-controller/arm,gic.yaml and arm,gic-v3.yaml): QEMU virt has a GICv2 by
 * default (at most 8 CPUs) and a GICv3 with gic-version=3. The kernel uses two
 * interrupts per CPU: SGI 0, the cross-CPU call, and the generic timer's PPI; both
 * are Group 1 (the only group a non-secure EL1 can take as IRQ) with one priority,
 * and every other interrupt stays disabled.
 *
 * References: Arm IHI 0048B (GICv2) 4.3 (distributor) and 4.4 (CPU interface);
 * Arm IHI 0069 (GICv3) 12.9 (GICD), 12.10-12.11 (GICR), 12.2 (ICC_* registers).
 */
#include <kern/fdt.h>
#include <kern/panic.h>
#include <kern/percpu.h>
#include <kern/printk.h>
#include <kern/cpu.h>
#include <mm/mmio.h>
#include <mm/types.h>
#include <arch/aarch64.h>
#include <arch/cpu.h>

#define PRIORITY 0xa0              /* above the priority mask */
#define PRIORITY_MASK 0xf0

/* GICv2 distributor and CPU interface registers. */
#define GICD_CTLR        0x000
#define GICD_ISENABLER   0x100
#define GICD_IPRIORITYR  0x400
#define GICD_ITARGETSR   0x800
#define GICD_SGIR        0xf00
#define GICC_CTLR        0x000
#define GICC_PMR         0x004
#define GICC_BPR         0x008
#define GICC_IAR         0x00c
#define GICC_EOIR        0x010

/* GICv3. */
#define GICD_CTLR_RWP    (1u << 31)
#define GICD_CTLR_ARE    (1u << 4)
#define GICD_CTLR_GRP1   (1u << 1)
#define GICD_CTLR_GRP0   (1u << 0)
#define GICR_TYPER       0x0008
#define GICR_WAKER       0x0014
#define GICR_SGI_BASE    0x10000
#define GICR_IGROUPR0    0x0080
#define GICR_ISENABLER0  0x0100
#define GICR_IPRIORITYR  0x0400
#define GICR_FRAME_SIZE  0x20000   /* RD_base and SGI_base, 64 KiB each */
#define WAKER_PROCESSOR_SLEEP (1u << 1)
#define WAKER_CHILDREN_ASLEEP (1u << 2)
#define TYPER_LAST       (1u << 4)

static unsigned int version;            /* 2 or 3; 0: none found */
static volatile uint8_t *gicd, *gicc;   /* v2: distributor, CPU interface */
static volatile uint8_t *gicr;          /* v3: the redistributor region */
static size_t gicr_size;
static volatile uint8_t *my_rd[NCPUS];  /* v3: each CPU's redistributor */
static uint8_t v2_target[NCPUS];        /* v2: each CPU's interface bit (ITARGETSR) */

static uint32_t rd32(volatile uint8_t *b, size_t off) { return ioread32(b + off); }
static void wr32(volatile uint8_t *b, size_t off, uint32_t v) { iowrite32(b + off, v); }

static volatile uint8_t *map_reg(const struct fdt *fdt, int node, unsigned int i, size_t *size)
{
	uint64_t base, len;

	if (fdt_reg(fdt, node, i, &base, &len) != 0)
		return NULL;
	if (size)
		*size = (size_t)len;
	return ioremap(paddr(base), (size_t)len, MMU_CACHE_UC);
}

void gic_init(const struct fdt *fdt)
{
	int node = fdt_find_compatible(fdt, -1, "arm,gic-v3");

	if (node >= 0 && fdt_node_is_enabled(fdt, node)) {
		gicd = map_reg(fdt, node, 0, NULL);
		gicr = map_reg(fdt, node, 1, &gicr_size);
		if (!gicd || !gicr)
			panic("gic: cannot map the GICv3 distributor and redistributors");
		version = 3;
		/* Affinity routing, both groups on (one security state on QEMU virt). */
		wr32(gicd, GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_GRP1 | GICD_CTLR_GRP0);
		for (int i = 0; i < 1000000 && (rd32(gicd, GICD_CTLR) & GICD_CTLR_RWP); i++)
			arch_cpu_relax();
		return;
	}
	static const char *const v2[] = { "arm,cortex-a15-gic", "arm,gic-400", "arm,cortex-a9-gic" };
	for (size_t i = 0; i < ARRAY_SIZE(v2) && node < 0; i++)
		node = fdt_find_compatible(fdt, -1, v2[i]);
	if (node < 0 || !fdt_node_is_enabled(fdt, node))
		panic("gic: no GICv2 or GICv3 in the device tree: no timer, no cross-CPU calls");
	gicd = map_reg(fdt, node, 0, NULL);
	gicc = map_reg(fdt, node, 1, NULL);
	if (!gicd || !gicc)
		panic("gic: cannot map the GICv2 distributor and CPU interface");
	version = 2;
	wr32(gicd, GICD_CTLR, 1);
}

const char *gic_name(void)
{
	return version == 3 ? "GICv3" : version == 2 ? "GICv2" : "no GIC";
}

/* v3: the redistributor whose GICR_TYPER affinity is this CPU's MPIDR. */
static volatile uint8_t *find_rd(void)
{
	uint64_t mpidr = sysreg_read(mpidr_el1);
	uint64_t aff = (mpidr & 0xffffff) | (mpidr >> 32 & 0xff) << 24;

	for (size_t off = 0; off + GICR_FRAME_SIZE <= gicr_size; off += GICR_FRAME_SIZE) {
		uint64_t typer = ioread64(gicr + off + GICR_TYPER);
		if ((typer >> 32) == aff)
			return gicr + off;
		if (typer & TYPER_LAST)
			break;
	}
	return NULL;
}

#define ICC_SRE_EL1      s3_0_c12_c12_5
#define ICC_PMR_EL1      s3_0_c4_c6_0
#define ICC_BPR1_EL1     s3_0_c12_c12_3
#define ICC_CTLR_EL1     s3_0_c12_c12_4
#define ICC_IGRPEN1_EL1  s3_0_c12_c12_7
#define ICC_IAR1_EL1     s3_0_c12_c12_0
#define ICC_EOIR1_EL1    s3_0_c12_c12_1
#define ICC_SGI1R_EL1    s3_0_c12_c11_5

void gic_init_cpu(void)
{
	unsigned int cpu = cpu_current();

	if (version == 3) {
		volatile uint8_t *rd = find_rd();
		if (!rd)
			panic("gic: no redistributor for CPU %u (MPIDR %#llx)", cpu,
			      (unsigned long long)sysreg_read(mpidr_el1));
		my_rd[cpu] = rd;
		/* Wake the redistributor (12.11.41 GICR_WAKER). */
		wr32(rd, GICR_WAKER, rd32(rd, GICR_WAKER) & ~WAKER_PROCESSOR_SLEEP);
		for (int i = 0; i < 1000000 && (rd32(rd, GICR_WAKER) & WAKER_CHILDREN_ASLEEP); i++)
			arch_cpu_relax();
		/* SGIs and PPIs in Group 1 (they reset to Group 0, which EL1 takes as FIQ). */
		wr32(rd + GICR_SGI_BASE, GICR_IGROUPR0, 0xffffffff);
		/* The system-register interface (ICC_SRE_EL1.SRE), then the CPU interface. */
		sysreg_write(ICC_SRE_EL1, sysreg_read(ICC_SRE_EL1) | 1);
		isb();
		sysreg_write(ICC_PMR_EL1, PRIORITY_MASK);
		sysreg_write(ICC_BPR1_EL1, 0);
		sysreg_write(ICC_CTLR_EL1, 0);     /* EOImode 0: EOIR also deactivates */
		sysreg_write(ICC_IGRPEN1_EL1, 1);
		isb();
	} else {
		/* ITARGETSR0..7 read back this CPU's interface bit (IHI 0048B 4.3.12). */
		v2_target[cpu] = (uint8_t)(rd32(gicd, GICD_ITARGETSR) & 0xff);
		wr32(gicc, GICC_PMR, PRIORITY_MASK);
		wr32(gicc, GICC_BPR, 0);
		wr32(gicc, GICC_CTLR, 1);
	}
	gic_enable_ppi(SGI_CALL);
}

/* Enable SGI or PPI @intid (< 32) on this CPU, at the kernel's priority. */
void gic_enable_ppi(unsigned int intid)
{
	volatile uint8_t *base = version == 3 ? my_rd[cpu_current()] + GICR_SGI_BASE : gicd;
	size_t prio = version == 3 ? GICR_IPRIORITYR : GICD_IPRIORITYR;
	size_t en = version == 3 ? GICR_ISENABLER0 : GICD_ISENABLER;

	iowrite8(base + prio + intid, PRIORITY);
	wr32(base, en, 1u << intid);
}

unsigned int gic_ack(unsigned int *raw)
{
	if (version == 3) {
		*raw = (unsigned int)sysreg_read(ICC_IAR1_EL1) & 0xffffff;
		/* Order the acknowledgement before the handler's reads of the device. */
		__asm__ __volatile__("dsb sy" ::: "memory");
		return *raw;
	}
	/* v2: an SGI's IAR also names its sender (CPUID, bits 12..10), which EOIR wants back. */
	*raw = rd32(gicc, GICC_IAR) & 0x1fff;
	return *raw & 0x3ff;
}

void gic_eoi(unsigned int raw)
{
	if (version == 3) {
		sysreg_write(ICC_EOIR1_EL1, raw);
		isb();
	} else {
		wr32(gicc, GICC_EOIR, raw);
	}
}

void gic_send_sgi(unsigned int cpu, unsigned int sgi)
{
	/* The SGI goes after the caller's stores that the target will read (the mailbox). */
	__asm__ __volatile__("dsb ishst" ::: "memory");
	if (version == 3) {
		uint64_t mpidr = percpu_areas[cpu].hwid;
		uint64_t aff0 = mpidr & 0xff, aff1 = mpidr >> 8 & 0xff, aff2 = mpidr >> 16 & 0xff,
			 aff3 = mpidr >> 32 & 0xff;
		/* 12.2.23 ICC_SGI1R_EL1: target list bit Aff0 (RS selects the block of 16). */
		uint64_t v = aff3 << 48 | aff2 << 32 | (aff0 / 16) << 44 | aff1 << 16 |
			     (uint64_t)sgi << 24 | 1ull << (aff0 % 16);
		sysreg_write(ICC_SGI1R_EL1, v);
		isb();
	} else {
		wr32(gicd, GICD_SGIR, (uint32_t)v2_target[cpu] << 16 | sgi);
	}
}
