// SPDX-License-Identifier: MIT
/*
 * kernel_main: the generic half of boot, entered once on the boot CPU from the arch
 * entry code with paging on, traps installed and the console up.
 *
 * The first line printed is the banner: scripts/run treats everything before it as
 * firmware output.
 */
#include <kern/arch.h>
#include <kern/boot.h>
#include <kern/cmdline.h>
#include <kern/ktest.h>
#include <kern/panic.h>
#include <kern/printk.h>
#include <kern/proc.h>
#include <kern/sched.h>
#include <kern/smp.h>
#include <kern/string.h>
#include <kern/time.h>
#include <mm/init.h>
#include <mm/memmap.h>
#include <mm/types.h>

static void apply_loglevel(void)
{
	char buf[8];

	if (cmdline_get_value("loglevel", buf, sizeof(buf)) > 0 && buf[0] >= '0' && buf[0] <= '7' && !buf[1])
		printk_set_level((enum log_level)(buf[0] - '0'));
}

/* Runs the ktests the command line asked for; returns the verdict for shutdown. */
static bool run_requested_tests(void)
{
	char spec[CMDLINE_MAX];

	if (!cmdline_has("ktest"))
		return true;
	if (cmdline_get_value("ktest", spec, sizeof(spec)) < 0)
		spec[0] = '\0';
	if (!CONFIG_KTEST) {
		pr_err("ktest: the command line asks for tests, but this kernel was built "
		       "without them (meson option ktest=false)\n");
		return false;
	}
	return ktest_run(spec);
}

const struct boot_info *boot_info;

const void *boot_initrd(size_t *size)
{
	*size = 0;
	if (!boot_info || !boot_info->initrd_phys)
		return NULL;
	/* Modules are RAM the direct map covers (mm_type_is_direct_mapped()). */
	*size = (size_t)boot_info->initrd_size;
	return phys_to_virt(paddr(boot_info->initrd_phys));
}

void kernel_main(struct boot_info *bi)
{
	boot_info = bi;
	cmdline_set(bi->cmdline);
	apply_loglevel();

	pr_notice("%s %s (%s) booting\n", KERNEL_NAME, KERNEL_VERSION, KERNEL_ARCH);
	pr_info("boot: loader %s, firmware %s, boot cpu %u\n",
		bi->loader ? bi->loader : "unknown", bi->firmware ? bi->firmware : "unknown",
		bi->boot_cpu);
	pr_info("boot: command line \"%s\"\n", cmdline_get());
	pr_info("boot: paging %s\n", bi->paging ? bi->paging : "unknown");
	if (bi->acpi_rsdp)
		pr_info("boot: ACPI RSDP at %#llx (revision %u)\n",
			(unsigned long long)bi->acpi_rsdp, bi->acpi_revision);
	if (bi->devicetree)
		pr_info("boot: device tree at %#llx\n", (unsigned long long)bi->devicetree);
	if (bi->initrd_phys)
		pr_info("boot: initrd at %#llx, %llu bytes\n", (unsigned long long)bi->initrd_phys,
			(unsigned long long)bi->initrd_size);
	if (time_counter_hz())
		pr_info("boot: time source %llu kHz, kernel_main after %llu us\n",
			(unsigned long long)(time_counter_hz() / 1000),
			(unsigned long long)(time_ns() / 1000));

	if (memmap_normalise(bi->memmap, PAGE_SIZE) != 0)
		panic("boot memory map: cannot normalise");
	memmap_print(bi->memmap);
	if (memmap_total(bi->memmap, MEM_USABLE) == 0)
		panic("boot memory map: no usable memory");

	mm_init(bi);
	mm_print_summary(bi);
	sched_init();
	smp_init();
	/* The wall clock's RTC read (and its MMIO mapping) belongs to the boot, not to
	 * the first program that asks for the time: /init's frame check counts from here. */
	(void)time_realtime_base();

	bool ok = run_requested_tests();
	bool ran;
	bool init_ok = proc_run_init(&ran);
	ok = ok && init_ok;

	pr_notice("%s: nothing left to run, powering off (%s)\n", KERNEL_NAME,
		  ok ? "success" : "failure");
	arch_shutdown(ok);
}
