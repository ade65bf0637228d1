/* SPDX-License-Identifier: MIT */
/*
 * The parts of the Multiboot2 boot information format (Multiboot2 specification,
 * section 3.6) that the kernel reads.
 */
#ifndef ARCH_MULTIBOOT2_H
#define ARCH_MULTIBOOT2_H

#include <kern/types.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289

enum mb2_tag_type {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER_NAME = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_MMAP = 6,
	MB2_TAG_EFI64 = 12,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
	MB2_TAG_EFI_MMAP = 17,
	MB2_TAG_EFI_BS = 18,
};

struct mb2_info {
	uint32_t total_size;
	uint32_t reserved;
};

struct mb2_tag {
	uint32_t type;
	uint32_t size;
};

struct mb2_tag_module {
	struct mb2_tag tag;
	uint32_t mod_start, mod_end;
	char string[];
};

struct mb2_tag_mmap {
	struct mb2_tag tag;
	uint32_t entry_size;
	uint32_t entry_version;
};

struct mb2_mmap_entry {
	uint64_t base;
	uint64_t length;
	uint32_t type;        /* 1 usable, 3 ACPI reclaimable, 4 NVS, 5 bad, other reserved */
	uint32_t reserved;
};

struct mb2_tag_efi_mmap {
	struct mb2_tag tag;
	uint32_t descr_size;
	uint32_t descr_version;
};

/* UEFI 2.x EFI_MEMORY_DESCRIPTOR. */
struct efi_memory_desc {
	uint32_t type;
	uint32_t pad;
	uint64_t phys_start;
	uint64_t virt_start;
	uint64_t num_pages;   /* 4 KiB pages */
	uint64_t attribute;
};

#endif
