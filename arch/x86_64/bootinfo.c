// SPDX-License-Identifier: MIT
/*
 * x86_64 boot information: multiboot2 -> struct boot_info.
 *
 * Reads the command line, the loader name, the memory map (the EFI memory map tag
 * when booted from UEFI, which is finer than the multiboot2 one; else the
 * multiboot2 memory map tag), boot modules and the ACPI RSDP (the copy GRUB puts in
 * tag 14 or 15), and adds the ranges that must stay reserved: the kernel image,
 * the boot information itself and every module; then it picks and reserves the
 * page for the AP start-up code (x86_trampoline_page). Runs once on the boot CPU. The
 * boot information lies below 4 GiB (EBX is 32-bit) and so in the boot direct map,
 * which mm_direct_map_base already points at.
 */
#include <kern/boot.h>
#include <kern/cmdline.h>
#include <kern/panic.h>
#include <kern/printk.h>
#include <kern/string.h>
#include <mm/types.h>
#include <arch/multiboot2.h>
#include <arch/page.h>
#include <arch/x86.h>

static struct memmap boot_memmap;
uint64_t x86_trampoline_page;
/* Kernel copies: the boot information is only reachable through the boot tables. */
static char cmdline_copy[CMDLINE_MAX], loader_copy[64];

static void add(uint64_t base, uint64_t size, enum mem_type type)
{
	if (memmap_add(&boot_memmap, base, size, type) != 0)
		pr_warn("boot: memory map full, dropped %#llx+%#llx\n",
			(unsigned long long)base, (unsigned long long)size);
}

/* Copy the string in @tag's payload, which need not be NUL-terminated, into @dst. */
static const char *copy_tag_string(char *dst, size_t size, const struct mb2_tag *tag)
{
	size_t n = strnlen((const char *)(tag + 1), tag->size - sizeof(*tag));

	n = MIN(n, size - 1);
	memcpy(dst, tag + 1, n);
	dst[n] = '\0';
	return dst;
}

/*
 * May the page at @p hold the AP start-up code? Only if the raw map (before
 * normalising, so regions may overlap and be unaligned) has it inside one usable
 * region and no other region touches it: every reservation beats RAM.
 */
static bool page_is_free(uint64_t p)
{
	bool usable = false;

	for (size_t i = 0; i < boot_memmap.count; i++) {
		const struct mem_region *r = &boot_memmap.regions[i];
		uint64_t end = r->base + r->size < r->base ? UINT64_MAX : r->base + r->size;
		if (r->type == MEM_USABLE)
			usable |= r->base <= p && p + PAGE_SIZE <= end;
		else if (r->base < p + PAGE_SIZE && p < end)
			return false;
	}
	return usable;
}

/*
 * The page a start-up IPI sends the APs to: its vector is the page number, so
 * the page lies below 1 MiB, and vectors 0xa0-0xbf are not to be used (Intel SDM
 * vol. 3A 8.4.4.1, 10.6.1): below 0xa0000. Page 0 holds the real-mode IVT. The
 * highest free page is taken, and reserved; none: x86_trampoline_page stays 0
 * (the other CPUs then stay down, smp.c says so).
 */
static void reserve_trampoline(void)
{
	for (uint64_t p = 0xa0000 - PAGE_SIZE; p >= PAGE_SIZE; p -= PAGE_SIZE) {
		if (!page_is_free(p))
			continue;
		if (memmap_add(&boot_memmap, p, PAGE_SIZE, MEM_RESERVED) == 0)
			x86_trampoline_page = p;
		return;
	}
}

static enum mem_type mb2_type(uint32_t t)
{
	switch (t) {
	case 1: return MEM_USABLE;
	case 3: return MEM_ACPI_RECLAIM;
	case 4: return MEM_ACPI_NVS;
	case 5: return MEM_BAD;
	default: return MEM_RESERVED;
	}
}

/* UEFI spec 7.2, EFI_MEMORY_TYPE; boot services have exited, so their memory is free. */
static enum mem_type efi_type(uint32_t t)
{
	switch (t) {
	case 1:  /* EfiLoaderCode */
	case 2:  /* EfiLoaderData: GRUB's; our image, info and modules are reserved apart */
	case 3:  /* EfiBootServicesCode */
	case 4:  /* EfiBootServicesData */
	case 7:  /* EfiConventionalMemory */
		return MEM_USABLE;
	case 5:  /* EfiRuntimeServicesCode */
	case 6:  /* EfiRuntimeServicesData */
		return MEM_FIRMWARE;
	case 8:  /* EfiUnusableMemory */
		return MEM_BAD;
	case 9:  /* EfiACPIReclaimMemory */
		return MEM_ACPI_RECLAIM;
	case 10: /* EfiACPIMemoryNVS */
		return MEM_ACPI_NVS;
	case 11: /* EfiMemoryMappedIO */
	case 12: /* EfiMemoryMappedIOPortSpace */
		return MEM_MMIO;
	default: /* EfiReservedMemoryType, EfiPalCode, EfiPersistentMemory, unknown */
		return MEM_RESERVED;
	}
}

static void parse_mmap(const struct mb2_tag_mmap *m)
{
	const uint8_t *p = (const uint8_t *)(m + 1), *end = (const uint8_t *)m + m->tag.size;

	if (m->entry_size < sizeof(struct mb2_mmap_entry))
		panic("multiboot2: memory map entry size %u too small", m->entry_size);
	for (; p + m->entry_size <= end; p += m->entry_size) {
		const struct mb2_mmap_entry *e = (const void *)p;
		add(e->base, e->length, mb2_type(e->type));
	}
}

static void parse_efi_mmap(const struct mb2_tag_efi_mmap *m)
{
	const uint8_t *p = (const uint8_t *)(m + 1), *end = (const uint8_t *)m + m->tag.size;

	if (m->descr_size < sizeof(struct efi_memory_desc))
		panic("multiboot2: EFI memory descriptor size %u too small", m->descr_size);
	for (; p + m->descr_size <= end; p += m->descr_size) {
		const struct efi_memory_desc *d = (const void *)p;
		/* num_pages * 4096 must not overflow; clip instead (the normaliser clips too). */
		uint64_t size = d->num_pages > (UINT64_MAX >> 12) ? UINT64_MAX : d->num_pages << 12;
		add(d->phys_start, size, efi_type(d->type));
	}
}

struct boot_info *x86_parse_multiboot2(uint32_t magic, uint32_t info_phys)
{
	static struct boot_info bi;
	const struct mb2_tag_mmap *mmap = NULL;
	const struct mb2_tag_efi_mmap *efi_mmap = NULL;
	bool efi = false;

	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("not booted by a multiboot2 loader (magic %#x, expected %#x)", magic,
		      MB2_BOOTLOADER_MAGIC);
	if (info_phys & 7)
		panic("multiboot2: boot information at %#x is not 8-byte aligned", info_phys);

	const struct mb2_info *info = phys_to_virt(paddr(info_phys));
	const uint8_t *p = (const uint8_t *)(info + 1);
	const uint8_t *end = (const uint8_t *)info + info->total_size;

	memmap_init(&boot_memmap);
	bi.memmap = &boot_memmap;

	for (;;) {
		const struct mb2_tag *tag = (const void *)p;
		if (p + sizeof(*tag) > end || tag->size < sizeof(*tag) || p + tag->size > end)
			panic("multiboot2: malformed tag list at %p", (const void *)p);
		if (tag->type == MB2_TAG_END)
			break;
		switch (tag->type) {
		case MB2_TAG_CMDLINE:
			bi.cmdline = copy_tag_string(cmdline_copy, sizeof(cmdline_copy), tag);
			break;
		case MB2_TAG_LOADER_NAME:
			bi.loader = copy_tag_string(loader_copy, sizeof(loader_copy), tag);
			break;
		case MB2_TAG_MODULE: {
			const struct mb2_tag_module *mod = (const void *)tag;
			if (tag->size < sizeof(*mod))
				panic("multiboot2: module tag of %u bytes", tag->size);
			if (mod->mod_end > mod->mod_start) {
				add(mod->mod_start, mod->mod_end - mod->mod_start, MEM_MODULE);
				/* The first module is the initramfs (scripts/run --initrd). */
				if (!bi.initrd_phys) {
					bi.initrd_phys = mod->mod_start;
					bi.initrd_size = mod->mod_end - mod->mod_start;
				}
			}
			break;
		}
		case MB2_TAG_MMAP:
			mmap = (const void *)tag;
			break;
		case MB2_TAG_EFI_MMAP:
			efi_mmap = (const void *)tag;
			efi = true;
			break;
		case MB2_TAG_EFI64:
			efi = true;
			break;
		case MB2_TAG_ACPI_OLD:
			/* The tag holds a copy of the RSDP (ACPI 5.2.5.3); prefer the v2 one. */
			if (!bi.acpi_rsdp && tag->size >= sizeof(*tag) + 20) {
				bi.acpi_rsdp = info_phys + (uint64_t)((const uint8_t *)(tag + 1) -
								      (const uint8_t *)info);
				bi.acpi_revision = 0;
			}
			break;
		case MB2_TAG_ACPI_NEW:
			/* The revision byte is at offset 15 of the RSDP (ACPI 5.2.5.3). */
			if (tag->size < sizeof(*tag) + 20)
				break;
			bi.acpi_rsdp = info_phys + (uint64_t)((const uint8_t *)(tag + 1) -
							      (const uint8_t *)info);
			bi.acpi_revision = ((const uint8_t *)(tag + 1))[15];
			break;
		default:
			break;
		}
		p += ALIGN_UP(tag->size, 8u);
	}

	if (efi_mmap)
		parse_efi_mmap(efi_mmap);
	else if (mmap)
		parse_mmap(mmap);
	else
		panic("multiboot2: the boot loader passed no memory map");

	/* The real-mode IVT and BIOS data area live in the first page. */
	add(0, PAGE_SIZE, MEM_FIRMWARE);
	add(kernel_virt_to_phys(__kernel_start),
	    (uint64_t)(__kernel_end - __kernel_start), MEM_KERNEL);
	add(info_phys, info->total_size, MEM_BOOTINFO);
	/* Last: every reservation above is known. */
	reserve_trampoline();

	bi.firmware = efi ? "UEFI" : "BIOS";
	return &bi;
}
