// SPDX-License-Identifier: MIT
/*
 * PSCI (Arm DEN 0022, Power State Coordination Interface 1.1) through the conduit
 * the device tree names (/psci method = "hvc" or "smc", binding arm/psci.yaml):
 * QEMU virt serves it itself, by HVC when the guest starts at EL1 and by SMC with
 * virtualization=on. SMC Calling Convention: function id in w0, arguments in
 * x1..x3, result in x0.
 */
#include <kern/fdt.h>
#include <kern/printk.h>
#include <kern/string.h>
#include <arch/aarch64.h>

#define PSCI_VERSION     0x84000000
#define PSCI_CPU_ON      0xc4000003   /* SMC64 */
#define PSCI_SYSTEM_OFF  0x84000008

static enum { NONE, HVC, SMC } conduit;

static long psci_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	if (conduit == HVC)
		__asm__ __volatile__("hvc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
	else if (conduit == SMC)
		__asm__ __volatile__("smc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
	else
		return -1;   /* NOT_SUPPORTED */
	return (long)x0;
}

void psci_init(const struct fdt *fdt)
{
	int node = fdt_path_offset(fdt, "/psci");
	const char *method;

	if (node < 0)
		node = fdt_find_compatible(fdt, -1, "arm,psci-1.0");
	if (node < 0)
		node = fdt_find_compatible(fdt, -1, "arm,psci-0.2");
	method = node >= 0 ? fdt_prop_string(fdt, node, "method") : NULL;
	if (method && !strcmp(method, "hvc"))
		conduit = HVC;
	else if (method && !strcmp(method, "smc"))
		conduit = SMC;
	else
		pr_warn("psci: no /psci node with a method; no secondary CPUs, no power-off\n");
}

bool psci_present(void)
{
	return conduit != NONE;
}

/* "PSCI 1.1 (hvc)", for the boot banner's firmware name. */
const char *psci_describe(void)
{
	static char buf[32];

	if (conduit == NONE)
		return "none";
	long v = psci_call(PSCI_VERSION, 0, 0, 0);
	snprintf(buf, sizeof(buf), "PSCI %ld.%ld (%s)", v >> 16 & 0xffff, v & 0xffff,
		 conduit == HVC ? "hvc" : "smc");
	return buf;
}

long psci_cpu_on(uint64_t mpidr, uint64_t entry_phys, uint64_t context)
{
	return psci_call(PSCI_CPU_ON, mpidr, entry_phys, context);
}

void psci_system_off(void)
{
	psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
}
