// SPDX-License-Identifier: MIT
/*
 * x86_64 ACPI: just enough to list the CPUs. The RSDP (the copy the boot loader put
 * in the multiboot2 information) leads to the RSDT or XSDT, which lists the tables;
 * the MADT describes the interrupt controllers, one entry per local APIC.
 *
 * Every table is checked before use: its signature, a length that covers its
 * header and fits what we map, and its checksum (the bytes of the whole table sum
 * to zero). A table that fails is refused with a log line, never half used.
 *
 * Tables are read through the direct map when the normalised memory map says
 * their bytes are direct-mapped RAM (ACPI reclaim and NVS memory are, see
 * mm_type_is_direct_mapped()), through a temporary ioremap() otherwise (SeaBIOS
 * keeps them in memory the e820 map calls reserved). Boot CPU only, from
 * arch_smp_enumerate(), after mm_init().
 *
 * Section numbers are the ACPI specification's (6.x).
 */
#include <kern/boot.h>
#include <kern/errno.h>
#include <kern/printk.h>
#include <kern/smp.h>
#include <kern/string.h>
#include <mm/init.h>
#include <mm/mmio.h>
#include <mm/types.h>
#include <arch/x86.h>

#define SDT_HEADER_SIZE  36          /* 5.2.6, table 5.4 */
#define SDT_LENGTH       4           /* offset of the u32 Length */
#define ACPI_TABLE_MAX   (1u << 20)  /* larger than any MADT, RSDT or XSDT; a sanity bound */

/* RSDP (5.2.5.3, table 5.3): offsets. */
#define RSDP_V1_SIZE     20          /* the part the first checksum covers */
#define RSDP_V2_SIZE     36
#define RSDP_REVISION    15
#define RSDP_RSDT        16          /* u32 RsdtAddress */
#define RSDP_LENGTH      20          /* u32 Length (revision 2 on) */
#define RSDP_XSDT        24          /* u64 XsdtAddress */

/* MADT (5.2.12, table 5.43): after the header, the local APIC address and flags. */
#define MADT_LAPIC_ADDR  36
#define MADT_ENTRIES     44
/* Interrupt controller structure types and their sizes (5.2.12, table 5.45). */
#define MADT_LAPIC           0        /* 5.2.12.2: 8 bytes */
#define MADT_LAPIC_OVERRIDE  5        /* 5.2.12.8: 12 bytes */
#define MADT_X2APIC          9        /* 5.2.12.12: 16 bytes */
#define MADT_LAPIC_ENABLED   (1u << 0)   /* Local APIC Flags (table 5.47): Enabled */

struct acpi_map {
	const uint8_t *p;
	void *io;          /* the ioremap() mapping to undo, or NULL (direct map) */
};

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Does the normalised memory map say all of [base, base + len) is direct mapped? */
static bool direct_mapped(uint64_t base, uint64_t len)
{
	const struct memmap *map = boot_info->memmap;
	uint64_t cur = base, end = base + len;

	/* Sorted, disjoint, adjacent same types merged: one pass. */
	for (size_t i = 0; i < map->count && cur < end; i++) {
		const struct mem_region *r = &map->regions[i];
		if (r->base <= cur && cur < r->base + r->size && mm_type_is_direct_mapped(r->type))
			cur = r->base + r->size;
	}
	return cur >= end;
}

static int acpi_map(uint64_t phys, size_t len, struct acpi_map *m)
{
	if (len == 0 || phys + len < phys)
		return -EINVAL;
	m->io = NULL;
	if (direct_mapped(phys, len)) {
		m->p = phys_to_virt(paddr(phys));
		return 0;
	}
	/* Firmware tables are ordinary memory: write-back, like the direct map's. */
	m->io = ioremap(paddr(phys), len, MMU_CACHE_WB);
	m->p = m->io;
	return m->io ? 0 : -ENOMEM;
}

static void acpi_unmap(struct acpi_map *m)
{
	if (m->io)
		iounmap(m->io);
	m->io = NULL;
	m->p = NULL;
}

static bool checksum_ok(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum == 0;
}

/*
 * Map the system description table at @phys whose signature must be @sig, checked
 * (length, checksum). Returns 0 and the mapping and length, -ENOENT if the
 * signature differs (quietly: the caller may be looking for another table), or
 * -EINVAL / -ENOMEM (said in the log).
 */
static int map_table(uint64_t phys, const char sig[4], struct acpi_map *m, uint32_t *len_out)
{
	struct acpi_map h;
	int err;

	if ((err = acpi_map(phys, SDT_HEADER_SIZE, &h)) != 0) {
		pr_err("acpi: cannot map the table at %#llx\n", (unsigned long long)phys);
		return err;
	}
	bool match = memcmp(h.p, sig, 4) == 0;
	uint32_t len = get32(h.p + SDT_LENGTH);
	acpi_unmap(&h);
	if (!match)
		return -ENOENT;
	if (len < SDT_HEADER_SIZE || len > ACPI_TABLE_MAX) {
		pr_err("acpi: %.4s at %#llx has length %u; refused\n", sig, (unsigned long long)phys, len);
		return -EINVAL;
	}
	if ((err = acpi_map(phys, len, m)) != 0) {
		pr_err("acpi: cannot map %.4s at %#llx (%u bytes)\n", sig, (unsigned long long)phys, len);
		return err;
	}
	if (!checksum_ok(m->p, len)) {
		pr_err("acpi: %.4s at %#llx (%u bytes) fails its checksum; refused\n", sig,
		       (unsigned long long)phys, len);
		acpi_unmap(m);
		return -EINVAL;
	}
	*len_out = len;
	return 0;
}

/* The RSDT's or XSDT's physical address from the RSDP at @rsdp; 0 if unusable. */
static uint64_t root_table(uint64_t rsdp, bool *xsdt)
{
	struct acpi_map m;
	uint64_t root = 0;

	if (acpi_map(rsdp, RSDP_V1_SIZE, &m) != 0) {
		pr_err("acpi: cannot map the RSDP at %#llx\n", (unsigned long long)rsdp);
		return 0;
	}
	if (memcmp(m.p, "RSD PTR ", 8) != 0 || !checksum_ok(m.p, RSDP_V1_SIZE)) {
		pr_err("acpi: the RSDP at %#llx has a bad signature or checksum; refused\n",
		       (unsigned long long)rsdp);
		acpi_unmap(&m);
		return 0;
	}
	unsigned int rev = m.p[RSDP_REVISION];
	root = get32(m.p + RSDP_RSDT);
	*xsdt = false;
	acpi_unmap(&m);
	if (rev == 0)
		return root;    /* ACPI 1.0: RSDT only */

	/* Revision 2 on: the extended checksum covers Length bytes, and the XSDT rules. */
	if (acpi_map(rsdp, RSDP_V2_SIZE, &m) != 0)
		return 0;
	uint32_t len = get32(m.p + RSDP_LENGTH);
	acpi_unmap(&m);
	if (len < RSDP_V2_SIZE || len > 4096 || acpi_map(rsdp, len, &m) != 0) {
		pr_err("acpi: the RSDP at %#llx (revision %u) has length %u; refused\n",
		       (unsigned long long)rsdp, rev, len);
		return 0;
	}
	bool ok = checksum_ok(m.p, len);
	uint64_t x = get64(m.p + RSDP_XSDT);
	acpi_unmap(&m);
	if (!ok) {
		pr_err("acpi: the RSDP at %#llx fails its extended checksum; refused\n",
		       (unsigned long long)rsdp);
		return 0;
	}
	if (x) {
		*xsdt = true;
		return x;
	}
	pr_warn("acpi: RSDP revision %u without an XSDT address; using the RSDT\n", rev);
	return root;
}

/* Find and map the MADT. Returns 0, -ENOENT (none), or another negative errno. */
static int find_madt(struct acpi_map *madt, uint32_t *madt_len, uint64_t *madt_phys)
{
	uint64_t rsdp = boot_info->acpi_rsdp;
	bool xsdt;
	struct acpi_map root;
	uint32_t len;
	int err;

	if (!rsdp) {
		pr_info("acpi: the boot loader passed no RSDP\n");
		return -ENOENT;
	}
	uint64_t root_phys = root_table(rsdp, &xsdt);
	if (!root_phys)
		return -EINVAL;
	const char *sig = xsdt ? "XSDT" : "RSDT";
	err = map_table(root_phys, sig, &root, &len);
	if (err == -ENOENT)
		pr_err("acpi: no %s signature at %#llx; refused\n", sig, (unsigned long long)root_phys);
	if (err)
		return err == -ENOENT ? -EINVAL : err;

	/* Entries follow the header: u32 addresses (RSDT, 5.2.7), u64 (XSDT, 5.2.8). */
	size_t esize = xsdt ? 8 : 4, n = (len - SDT_HEADER_SIZE) / esize;
	if ((len - SDT_HEADER_SIZE) % esize) {
		pr_err("acpi: %s length %u is not a whole number of entries; refused\n", sig, len);
		acpi_unmap(&root);
		return -EINVAL;
	}
	err = -ENOENT;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *e = root.p + SDT_HEADER_SIZE + i * esize;
		uint64_t phys = xsdt ? get64(e) : get32(e);
		if (!phys)
			continue;
		err = map_table(phys, "APIC", madt, madt_len);
		if (err != -ENOENT) {
			*madt_phys = phys;
			break;
		}
	}
	acpi_unmap(&root);
	return err;
}

int x86_madt_parse(const uint8_t *madt, uint32_t len, uint64_t phys, uint64_t *lapic_phys,
		   void (*cpu)(uint32_t apic_id, void *ctx), void *ctx)
{
	if (len < MADT_ENTRIES) {
		pr_err("acpi: MADT at %#llx is %u bytes, shorter than its fixed part; refused\n",
		       (unsigned long long)phys, len);
		return -EINVAL;
	}

	/* First pass: every entry well formed, or none is used. */
	uint64_t lapic = get32(madt + MADT_LAPIC_ADDR);
	for (uint32_t off = MADT_ENTRIES; off < len;) {
		unsigned int type = madt[off], elen = len - off >= 2 ? madt[off + 1] : 0;
		unsigned int need = type == MADT_LAPIC ? 8 : type == MADT_X2APIC ? 16 :
				    type == MADT_LAPIC_OVERRIDE ? 12 : 2;
		if (elen < need || elen > len - off) {
			pr_err("acpi: MADT at %#llx: entry at offset %u (type %u, length %u) is "
			       "malformed; refused\n", (unsigned long long)phys, off, type, elen);
			return -EINVAL;
		}
		if (type == MADT_LAPIC_OVERRIDE)
			lapic = get64(madt + off + 4);
		off += elen;
	}

	/* Second pass: the enabled processors, in the firmware's order. */
	for (uint32_t off = MADT_ENTRIES; off < len; off += madt[off + 1]) {
		const uint8_t *e = madt + off;
		uint32_t id, flags;
		if (e[0] == MADT_LAPIC) {
			id = e[3];
			flags = get32(e + 4);
		} else if (e[0] == MADT_X2APIC) {
			id = get32(e + 4);
			flags = get32(e + 8);
		} else {
			continue;
		}
		/* Clear: not present, or only online capable (hot plug, not handled). */
		if (flags & MADT_LAPIC_ENABLED)
			cpu(id, ctx);
	}
	*lapic_phys = lapic;
	return 0;
}

struct enum_ctx {
	unsigned int found;
	bool boot_seen;
};

static void enum_cpu(uint32_t id, void *arg)
{
	struct enum_ctx *c = arg;

	pr_debug("acpi: MADT: enabled CPU with APIC id %u\n", id);
	c->boot_seen |= id == boot_info->boot_cpu;
	c->found++;
	smp_cpu_found(id);
}

int x86_acpi_enumerate_cpus(uint64_t *lapic_phys, unsigned int *found)
{
	struct acpi_map m;
	struct enum_ctx c = { 0, false };
	uint32_t len;
	uint64_t phys = 0;
	int err;

	*found = 0;
	if ((err = find_madt(&m, &len, &phys)) != 0)
		return err;
	err = x86_madt_parse(m.p, len, phys, lapic_phys, enum_cpu, &c);
	acpi_unmap(&m);
	if (err)
		return err;
	pr_info("acpi: MADT at %#llx (%u bytes): %u enabled CPUs, local APIC at %#llx\n",
		(unsigned long long)phys, len, c.found, (unsigned long long)*lapic_phys);
	if (!c.boot_seen)
		pr_warn("acpi: the MADT does not list the boot CPU (APIC id %u)\n", boot_info->boot_cpu);
	*found = c.found;
	return 0;
}
