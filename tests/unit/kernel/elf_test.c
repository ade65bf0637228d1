// SPDX-License-Identifier: MIT
/*
 * Host tests of the ELF loader (kernel/elf.c), built once per arch format, for
 * that arch's e_machine (<arch/elf_machine.h>), over the fake frame allocator
 * and kmalloc of tests/unit/mm/vm_fake.c.
 *
 * The images are built here (build_good() and friends): a typical static ET_EXEC
 * (text with the headers, data with a .bss tail, PT_TLS, PT_NOTE, PT_GNU_STACK)
 * and a static-PIE (ET_DYN with PT_DYNAMIC and PT_PHDR). Every file byte is a
 * pattern that is never zero, so a byte copied where zero belongs shows.
 *
 * elf_check(): each refusal on both sides of its limit, with the exact errno and
 * reason. elf_load(): the VMAs and their protections, every byte of every
 * segment page read back through the address space, the leaf protections, the
 * break. elf_stack_setup(): the stack read back word by word against the layout
 * of Linux's create_elf_tables(). Every frame_alloc() and kmalloc() of a load and
 * of a stack setup failed in turn: -ENOMEM, nothing left mapped, nothing leaked.
 */
#include <kern/elf.h>
#include <mm/as.h>
#include <mm/mman.h>
#include <mm/vma.h>

#include <arch/elf_machine.h>

#include "../mm/vm_fake.h"

#define MACHINE ((uint16_t)ARCH_ELF_MACHINE)
#define OTHER_MACHINE ((uint16_t)(MACHINE + 1))     /* any machine but this one */

static struct pagetable kpt;
static size_t kframes;
static uintptr_t task_size;       /* of the paging mode under test */

static void setup_kernel(void)
{
	struct as_params p;

	fake_mem_init(24 << 20);
	fake_tlb_reset();
	host_cpu_set(0);
	CHECK_EQ(mapper_init_kernel(&kpt, test_levels), 0);
	kframes = fake_frames_used();
	as_default_params(test_levels, &p);
	task_size = p.task_size;
}

static void teardown_kernel(void)
{
	struct tlb_batch b;

	tlb_batch_init(&b, &tlb_kernel_cpus);
	mapper_destroy(&kpt, 0, &b);
	tlb_batch_flush(&b);
	CHECK_EQ(fake_frames_used(), 0);
	CHECK_EQ(fake_kmalloc_live(), 0);
}

/* ---- the image builder ---- */

#define IMG_MAX 0x8000
static uint8_t img[IMG_MAX];
static size_t img_size;

static uint8_t pattern(size_t off)
{
	return (uint8_t)(off * 7 + 3) | 1;        /* never zero */
}

static Elf64_Ehdr *ehdr(void)
{
	return (Elf64_Ehdr *)img;
}

static Elf64_Phdr *phdr(unsigned int i)
{
	return (Elf64_Phdr *)(img + ehdr()->e_phoff) + i;
}

/* An image of @size pattern bytes with a header and @n program headers at @phoff. */
static void build(uint16_t type, uint64_t entry, const Elf64_Phdr *ph, unsigned int n,
		  size_t size, uint64_t phoff)
{
	for (size_t i = 0; i < IMG_MAX; i++)
		img[i] = pattern(i);
	Elf64_Ehdr h = { .e_type = type, .e_machine = MACHINE, .e_version = EV_CURRENT,
			 .e_entry = entry, .e_phoff = phoff, .e_ehsize = sizeof(Elf64_Ehdr),
			 .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = (uint16_t)n };
	memcpy(h.e_ident, ELFMAG, SELFMAG);
	h.e_ident[EI_CLASS] = ELFCLASS64;
	h.e_ident[EI_DATA] = ELFDATA2LSB;
	h.e_ident[EI_VERSION] = EV_CURRENT;
	memcpy(img, &h, sizeof(h));
	memcpy(img + phoff, ph, n * sizeof(*ph));
	img_size = size;
}

/*
 * The good ET_EXEC:
 *   0 PT_LOAD R+X  off 0       vaddr 0x400000 filesz 0x1800 memsz 0x1800 (headers + text)
 *   1 PT_LOAD RW   off 0x2100  vaddr 0x402100 filesz 0x900  memsz 0x3000 (data + .bss)
 *   2 PT_TLS, 3 PT_NOTE, 4 PT_GNU_STACK RW
 * File 0x2a00 bytes, entry 0x400100, program headers at 64 (inside segment 0).
 */
#define EXEC_NPH 5
static void build_good(void)
{
	const Elf64_Phdr ph[EXEC_NPH] = {
		{ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0, .p_vaddr = 0x400000,
		  .p_filesz = 0x1800, .p_memsz = 0x1800, .p_align = 0x1000 },
		{ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x2100, .p_vaddr = 0x402100,
		  .p_filesz = 0x900, .p_memsz = 0x3000, .p_align = 0x1000 },
		{ .p_type = PT_TLS, .p_flags = PF_R, .p_offset = 0x2100, .p_vaddr = 0x402100,
		  .p_filesz = 0x10, .p_memsz = 0x20, .p_align = 8 },
		{ .p_type = PT_NOTE, .p_flags = PF_R, .p_offset = 0x200, .p_vaddr = 0x400200,
		  .p_filesz = 0x20, .p_memsz = 0x20, .p_align = 4 },
		{ .p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W },
	};
	build(ET_EXEC, 0x400100, ph, EXEC_NPH, 0x2a00, sizeof(Elf64_Ehdr));
}

/*
 * The good static-PIE:
 *   0 PT_PHDR vaddr 0x40, 1 PT_LOAD R+X off 0 vaddr 0 filesz 0x1200 memsz 0x1200,
 *   2 PT_LOAD RW off 0x1e00 vaddr 0x2e00 filesz 0x300 memsz 0x1000,
 *   3 PT_DYNAMIC, 4 PT_GNU_STACK RWX (an executable stack)
 * File 0x2100 bytes, entry 0x80.
 */
#define PIE_NPH 5
static void build_pie(void)
{
	const Elf64_Phdr ph[PIE_NPH] = {
		{ .p_type = PT_PHDR, .p_flags = PF_R, .p_offset = 0x40, .p_vaddr = 0x40,
		  .p_filesz = PIE_NPH * sizeof(Elf64_Phdr), .p_memsz = PIE_NPH * sizeof(Elf64_Phdr) },
		{ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0, .p_vaddr = 0,
		  .p_filesz = 0x1200, .p_memsz = 0x1200, .p_align = 0x1000 },
		{ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x1e00, .p_vaddr = 0x2e00,
		  .p_filesz = 0x300, .p_memsz = 0x1000, .p_align = 0x1000 },
		{ .p_type = PT_DYNAMIC, .p_flags = PF_R | PF_W, .p_offset = 0x1e00, .p_vaddr = 0x2e00,
		  .p_filesz = 0x100, .p_memsz = 0x100, .p_align = 8 },
		{ .p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W | PF_X },
	};
	build(ET_DYN, 0x80, ph, PIE_NPH, 0x2100, sizeof(Elf64_Ehdr));
}

static char why[160];

static int check(struct elf_info *info)
{
	return elf_check(img, img_size, MACHINE, task_size, info, why, sizeof(why));
}

/* elf_check() of the current image: @err, and when refused exactly the reason @reason. */
#define EXPECT(err, reason)                                                              \
	({                                                                               \
		struct elf_info i_;                                                      \
		int e_ = check(&i_);                                                     \
		CHECK_EQ(e_, (err));                                                     \
		if ((err) != 0)                                                          \
			CHECK(strcmp(why, (reason)) == 0, "reason \"%s\", expected \"%s\"", why, \
			      (reason));                                                 \
		else                                                                     \
			CHECK(why[0] == '\0', "no reason on success, got \"%s\"", why);  \
		e_;                                                                      \
	})

/* ---- elf_check() ---- */

static void test_check_good(void)
{
	struct elf_info info;

	setup_kernel();
	build_good();
	CHECK_EQ(check(&info), 0);
	CHECK_EQ(info.type, ET_EXEC);
	CHECK_EQ(info.entry, 0x400100);
	CHECK_EQ(info.phdr_vaddr, 0x400040);
	CHECK_EQ(info.phnum, EXEC_NPH);
	CHECK_EQ(info.phentsize, 56);
	CHECK_EQ(info.nsegs, 2);
	CHECK_EQ(info.segs[0].vaddr, 0x400000);
	CHECK_EQ(info.segs[0].prot, PROT_READ | PROT_EXEC);
	CHECK_EQ(info.segs[1].vaddr, 0x402100);
	CHECK_EQ(info.segs[1].offset, 0x2100);
	CHECK_EQ(info.segs[1].filesz, 0x900);
	CHECK_EQ(info.segs[1].memsz, 0x3000);
	CHECK_EQ(info.segs[1].prot, PROT_READ | PROT_WRITE);
	CHECK_EQ(info.end, 0x405100);
	CHECK(!info.exec_stack, "PT_GNU_STACK RW");

	/* PT_GNU_STACK with PF_X; absent: not executable (Linux 6.1, both arches). */
	phdr(4)->p_flags |= PF_X;
	CHECK_EQ(check(&info), 0);
	CHECK(info.exec_stack, "PT_GNU_STACK RWX");
	phdr(4)->p_type = PT_NULL;
	CHECK_EQ(check(&info), 0);
	CHECK(!info.exec_stack, "no PT_GNU_STACK");

	build_pie();
	CHECK_EQ(check(&info), 0);
	CHECK_EQ(info.type, ET_DYN);
	CHECK_EQ(info.phdr_vaddr, 0x40);
	CHECK(info.exec_stack, "PIE: PT_GNU_STACK RWX");
	CHECK_EQ(info.end, 0x3e00);

	/*
	 * AT_PHDR when no PT_LOAD holds the table: PT_PHDR's vaddr, else 0. The table
	 * moves to the end of the file, past segment 1's file bytes.
	 */
	build_pie();
	img_size = 0x2300;
	uint64_t at = 0x2300 - PIE_NPH * sizeof(Elf64_Phdr);
	memmove(img + at, img + 64, PIE_NPH * sizeof(Elf64_Phdr));
	ehdr()->e_phoff = at;
	phdr(0)->p_vaddr = 0x3f00;
	CHECK_EQ(check(&info), 0);
	CHECK_EQ(info.phdr_vaddr, 0x3f00);
	phdr(0)->p_type = PT_NULL;
	CHECK_EQ(check(&info), 0);
	CHECK_EQ(info.phdr_vaddr, 0);
	/* ...and the program headers end exactly at the end of the file, one byte more is out. */
	img_size = 0x2300;
	EXPECT(0, "");
	img_size = 0x22ff;
	EXPECT(-ENOEXEC, "program headers beyond the file");
	teardown_kernel();
}

static void test_check_header(void)
{
	char r[160];

	setup_kernel();
	build_good();
	img_size = 3;
	EXPECT(-ENOEXEC, "not an ELF file (bad magic)");
	img_size = 63;
	EXPECT(-ENOEXEC, "truncated ELF header (63 of 64 bytes)");
	img_size = 64;
	EXPECT(-ENOEXEC, "program headers beyond the file");
	build_good();
	img[1] = 'e';
	EXPECT(-ENOEXEC, "not an ELF file (bad magic)");
	build_good();
	img[EI_CLASS] = 1;
	EXPECT(-ENOEXEC, "not a 64-bit ELF file (EI_CLASS 1)");
	build_good();
	img[EI_DATA] = 2;
	EXPECT(-ENOEXEC, "not a little-endian ELF file (EI_DATA 2)");
	build_good();
	img[EI_VERSION] = 0;
	EXPECT(-ENOEXEC, "unknown ELF version");
	build_good();
	ehdr()->e_type = 1;              /* ET_REL */
	EXPECT(-ENOEXEC, "not an executable (e_type 1)");
	build_good();
	ehdr()->e_machine = OTHER_MACHINE;
	snprintf(r, sizeof(r), "wrong machine %u (this kernel runs %u)", OTHER_MACHINE, MACHINE);
	EXPECT(-ENOEXEC, r);
	build_good();
	ehdr()->e_phentsize = 55;
	EXPECT(-ENOEXEC, "e_phentsize 55 (expected 56)");
	build_good();
	ehdr()->e_phnum = 0;
	EXPECT(-ENOEXEC, "e_phnum 0 (1 to 73 program headers)");
	build_good();
	ehdr()->e_phoff = UINT64_MAX - 100;          /* the sum overflows */
	EXPECT(-ENOEXEC, "program headers beyond the file");

	/* The table's size limit (load_elf_phdrs(): ELF_MIN_ALIGN = 4096 bytes): 73 yes, 74 no. */
	Elf64_Phdr many[74];
	memset(many, 0, sizeof(many));
	many[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_vaddr = 0x400000,
				.p_filesz = 0x100, .p_memsz = 0x100 };
	for (unsigned int i = 1; i < 74; i++)
		many[i].p_type = PT_NOTE;
	build(ET_EXEC, 0x400000, many, 73, 0x2000, 0x100);
	EXPECT(0, "");
	build(ET_EXEC, 0x400000, many, 74, 0x2000, 0x100);
	EXPECT(-ENOEXEC, "e_phnum 74 (1 to 73 program headers)");
	/* A truncated table: one byte short. */
	build(ET_EXEC, 0x400000, many, 73, 0x100 + 73 * 56, 0x100);
	EXPECT(0, "");
	img_size--;
	EXPECT(-ENOEXEC, "program headers beyond the file");

	/* ELF_MAX_LOADS segments, and one more. */
	for (unsigned int i = 0; i <= ELF_MAX_LOADS; i++)
		many[i] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
					.p_vaddr = 0x400000 + i * 0x1000, .p_memsz = 0x10 };
	build(ET_EXEC, 0x400000, many, ELF_MAX_LOADS, 0x2000, 0x100);
	EXPECT(0, "");
	build(ET_EXEC, 0x400000, many, ELF_MAX_LOADS + 1, 0x2000, 0x100);
	snprintf(r, sizeof(r), "segment %u: more than %u PT_LOAD segments", ELF_MAX_LOADS,
		 ELF_MAX_LOADS);
	EXPECT(-ENOEXEC, r);
	teardown_kernel();
}

static void test_check_segments(void)
{
	char r[160];

	setup_kernel();
	/* A dynamic executable. */
	build_good();
	phdr(3)->p_type = PT_INTERP;
	EXPECT(-ENOEXEC, "dynamic executables are not supported (PT_INTERP)");

	/* p_filesz <= p_memsz. */
	build_good();
	phdr(1)->p_memsz = phdr(1)->p_filesz;
	EXPECT(0, "");
	phdr(1)->p_filesz = phdr(1)->p_memsz + 1;
	EXPECT(-EINVAL, "segment 1: p_filesz > p_memsz");

	/* The file range: ending at the end of the file, one byte more, overflowing. */
	build_good();
	phdr(1)->p_filesz = 0x900;     /* 0x2100 + 0x900 = the file size */
	EXPECT(0, "");
	phdr(1)->p_filesz = 0x901;
	EXPECT(-ENOEXEC, "segment 1: p_offset + p_filesz beyond the file");
	phdr(1)->p_offset = UINT64_MAX - 0x100;
	phdr(1)->p_filesz = 0x101;
	EXPECT(-ENOEXEC, "segment 1: p_offset + p_filesz overflows");
	phdr(1)->p_filesz = 0x100;     /* ends at UINT64_MAX: no overflow, beyond the file */
	EXPECT(-ENOEXEC, "segment 1: p_offset + p_filesz beyond the file");

	/* p_vaddr == p_offset modulo the page size: a page apart is fine, a byte is not. */
	build_good();
	phdr(1)->p_vaddr += PAGE_SIZE;
	EXPECT(0, "");
	phdr(1)->p_vaddr += 1;
	EXPECT(-EINVAL, "segment 1: p_vaddr and p_offset differ modulo the page size");

	/* Page-rounded overlap: starting in segment 0's last page (same offset in the page). */
	build_good();
	phdr(1)->p_vaddr = 0x401100;
	EXPECT(-ENOEXEC, "segment 1: overlaps or precedes the previous PT_LOAD (page-rounded)");
	/* Out of order. */
	build_good();
	Elf64_Phdr t = *phdr(0);
	*phdr(0) = *phdr(1);
	*phdr(1) = t;
	EXPECT(-ENOEXEC, "segment 1: overlaps or precedes the previous PT_LOAD (page-rounded)");

	/* p_vaddr + p_memsz overflows. */
	build_good();
	phdr(1)->p_vaddr = 0xfffffffffffff100ull;
	phdr(1)->p_memsz = 0xf00;      /* ends at 2^64 exactly */
	EXPECT(-EINVAL, "segment 1: p_vaddr + p_memsz overflows");
	phdr(1)->p_memsz = 0xeff;      /* does not overflow, but is far above the user range */
	EXPECT(-EINVAL, "segment 1: beyond the user address range");

	/* The top of the user range: ending at task_size is fine, one byte more is not. */
	build_good();
	phdr(1)->p_vaddr = task_size - 0x1000 + 0x100;
	phdr(1)->p_memsz = 0xf00;
	EXPECT(0, "");
	phdr(1)->p_memsz = 0xf01;
	EXPECT(-EINVAL, "segment 1: beyond the user address range");
	phdr(1)->p_vaddr = task_size + 0x100;
	phdr(1)->p_memsz = 0x900;
	EXPECT(-EINVAL, "segment 1: beyond the user address range");

	/* No PT_LOAD at all. */
	build_good();
	phdr(0)->p_type = PT_NOTE;
	phdr(1)->p_type = PT_NOTE;
	EXPECT(-EINVAL, "no PT_LOAD segment");

	/* The entry: the last byte of the text, one past it, in data, beyond the user range. */
	build_good();
	ehdr()->e_entry = 0x401fff - 0x800;
	EXPECT(0, "");
	ehdr()->e_entry = 0x401800;
	snprintf(r, sizeof(r), "entry point %#x is not in an executable PT_LOAD segment", 0x401800);
	EXPECT(-ENOEXEC, r);
	ehdr()->e_entry = 0x402200;
	snprintf(r, sizeof(r), "entry point %#x is not in an executable PT_LOAD segment", 0x402200);
	EXPECT(-ENOEXEC, r);
	ehdr()->e_entry = 0x3fffff;
	snprintf(r, sizeof(r), "entry point %#x is not in an executable PT_LOAD segment", 0x3fffff);
	EXPECT(-ENOEXEC, r);
	ehdr()->e_entry = task_size;
	snprintf(r, sizeof(r), "entry point %#llx beyond the user address range",
		 (unsigned long long)task_size);
	EXPECT(-EINVAL, r);
	teardown_kernel();
}

/* ---- elf_load() ---- */

/* Every byte of [start, end) of @as as the loader must have left it for segment @s at @bias. */
static void check_seg_bytes(struct as *as, const struct elf_seg *s, uintptr_t bias)
{
	uintptr_t start = (bias + s->vaddr) & ~(PAGE_SIZE - 1);
	uintptr_t end = (bias + s->vaddr + s->memsz + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint8_t *got = malloc(end - start);
	size_t bad = 0;

	CHECK_EQ(as_copy_from(as, got, start, end - start), 0);
	for (uintptr_t a = start; a < end; a++) {
		/* The file's bytes from the page holding p_offset to p_offset + p_filesz. */
		uint64_t off = s->offset - ((bias + s->vaddr) - start) + (a - start);
		uint8_t want = a < bias + s->vaddr + s->filesz ? img[off] : 0;
		if (got[a - start] != want && bad++ < 4)
			CHECK(false, "byte at %#lx: %#x, expected %#x", (unsigned long)a,
			      got[a - start], want);
	}
	CHECK_EQ(bad, 0);
	free(got);
}

/* The VMA covering [start, end) exactly, with @prot. */
static void check_vma(struct as *as, uintptr_t start, uintptr_t end, unsigned int prot)
{
	struct vma *v = vma_find(&as->vmas, start);

	if (!CHECK(v != NULL, "no VMA at %#lx", (unsigned long)start))
		return;
	CHECK_EQ(v->start, start);
	CHECK_EQ(v->end, end);
	CHECK_EQ(v->prot, prot);
}

/* The leaf at @va: mapped with exactly the MMU protection of @prot. */
static void check_leaf(struct as *as, uintptr_t va, unsigned int mmu)
{
	struct mapper_leaf l;

	if (CHECK_EQ(mapper_translate(&as->pt, vaddr(va), &l), 0))
		CHECK_EQ(l.prot, mmu);
}

static void test_load_exec(void)
{
	struct elf_info info;
	struct elf_loaded ld;
	struct as as;
	uintptr_t bias;

	setup_kernel();
	build_good();
	CHECK_EQ(check(&info), 0);
	CHECK_EQ(as_create(&as, &kpt, NULL), 0);
	CHECK_EQ(elf_choose_bias(&as, &info, &bias), 0);
	CHECK_EQ(bias, 0);
	CHECK_EQ(elf_load(&as, img, img_size, &info, bias, &ld), 0);
	CHECK_EQ(as_vma_count(&as), 2);
	check_vma(&as, 0x400000, 0x402000, PROT_READ | PROT_EXEC);
	check_vma(&as, 0x402000, 0x406000, PROT_READ | PROT_WRITE);
	check_seg_bytes(&as, &info.segs[0], 0);
	check_seg_bytes(&as, &info.segs[1], 0);
	/* The kernel filled the text without making it writable. */
	check_leaf(&as, 0x400000, MMU_USER | MMU_READ | MMU_EXEC);
	check_leaf(&as, 0x402000, MMU_USER | MMU_READ | MMU_WRITE);
	CHECK_EQ(ld.bias, 0);
	CHECK_EQ(ld.entry, 0x400100);
	CHECK_EQ(ld.phdr, 0x400040);
	CHECK_EQ(ld.phnum, EXEC_NPH);
	CHECK_EQ(ld.phent, 56);
	CHECK_EQ(ld.base, 0);
	CHECK_EQ(ld.brk, 0x406000);
	CHECK_EQ(as.brk_start, 0x406000);
	CHECK_EQ(as.brk, 0x406000);
	/* AT_PHDR points at the program headers in memory. */
	uint8_t tab[EXEC_NPH * sizeof(Elf64_Phdr)];
	CHECK_EQ(as_copy_from(&as, tab, ld.phdr, sizeof(tab)), 0);
	CHECK(memcmp(tab, img + 64, sizeof(tab)) == 0, "program headers at AT_PHDR");
	/* The break grows from there. */
	CHECK_EQ(as_brk(&as, 0x408000), 0x408000);
	/* Loading it again over itself: -EEXIST, and the first copy is untouched. */
	CHECK_EQ(elf_load(&as, img, img_size, &info, 0, &ld), -EEXIST);
	CHECK_EQ(as_vma_count(&as), 2);          /* the heap merged with the data */
	check_seg_bytes(&as, &info.segs[1], 0);
	as_destroy(&as);
	CHECK_EQ(fake_frames_used(), kframes);
	teardown_kernel();
}

static void test_load_pie(void)
{
	struct elf_info info;
	struct elf_loaded ld;
	struct as as;
	uintptr_t bias;

	setup_kernel();
	build_pie();
	CHECK_EQ(check(&info), 0);
	CHECK_EQ(as_create(&as, &kpt, NULL), 0);
	CHECK_EQ(elf_choose_bias(&as, &info, &bias), 0);
	/* Linux 6.1: where mmap(NULL, span) goes: the top of the gap below mmap_base. */
	CHECK_EQ(bias, as.mmap_base - 0x4000);
	CHECK_EQ(as_vma_count(&as), 0);          /* the probe left nothing behind */
	CHECK_EQ(elf_load(&as, img, img_size, &info, bias, &ld), 0);
	check_vma(&as, bias, bias + 0x2000, PROT_READ | PROT_EXEC);
	check_vma(&as, bias + 0x2000, bias + 0x4000, PROT_READ | PROT_WRITE);
	check_seg_bytes(&as, &info.segs[0], bias);
	check_seg_bytes(&as, &info.segs[1], bias);
	CHECK_EQ(ld.entry, bias + 0x80);
	CHECK_EQ(ld.phdr, bias + 0x40);
	CHECK_EQ(ld.brk, bias + 0x4000);
	CHECK_EQ(as.brk_start, bias + 0x4000);
	/* An unaligned bias, a bias pushing the image past the top: -EINVAL, nothing mapped. */
	CHECK_EQ(elf_load(&as, img, img_size, &info, 0x10800, &ld), -EINVAL);
	CHECK_EQ(elf_load(&as, img, img_size, &info, as.task_size - 0x3000, &ld), -EINVAL);
	/* Below mmap_min_addr: -EPERM from mmap, nothing left mapped. */
	CHECK_EQ(elf_load(&as, img, img_size, &info, 0, &ld), -EPERM);
	CHECK_EQ(as_vma_count(&as), 2);
	as_destroy(&as);
	CHECK_EQ(fake_frames_used(), kframes);
	teardown_kernel();
}

/* Fail every frame_alloc() (then every kmalloc()) of a load in turn. */
static void test_load_enomem(void)
{
	struct elf_info info;
	struct elf_loaded ld;
	struct as as;
	unsigned int failures = 0;

	setup_kernel();
	build_good();
	CHECK_EQ(check(&info), 0);
	for (int kind = 0; kind < 2; kind++) {
		for (unsigned long n = 1;; n++) {
			CHECK_EQ(as_create(&as, &kpt, NULL), 0);
			size_t base = fake_frames_used();
			long live = fake_kmalloc_live();
			if (kind == 0)
				fake_fail_nth_alloc(n);
			else
				fake_kmalloc_fail_nth(n);
			int err = elf_load(&as, img, img_size, &info, 0, &ld);
			fake_fail_nth_alloc(0);
			fake_kmalloc_fail_nth(0);
			if (err == 0) {
				check_seg_bytes(&as, &info.segs[1], 0);
				as_destroy(&as);
				break;
			}
			failures++;
			CHECK_EQ(err, -ENOMEM);
			CHECK_EQ(as_vma_count(&as), 0);
			CHECK_EQ(fake_frames_used(), base);
			CHECK_EQ(fake_kmalloc_live(), live);
			CHECK_EQ(as.brk_start, as.brk);
			as_destroy(&as);
			CHECK_EQ(fake_frames_used(), kframes);
			if (!CHECK(n < 200, "a load that never succeeds"))
				break;
		}
	}
	/* The text, the data page and the table pages: several frames; two VMAs. */
	CHECK(failures >= 4, "%u failure points", failures);
	teardown_kernel();
}

/* ---- elf_stack_setup() ---- */

static uint64_t rd64(struct as *as, uintptr_t a)
{
	uint64_t v = 0xdeadbeef;

	CHECK_EQ(as_copy_from(as, &v, a, 8), 0);
	return v;
}

/* The string at @a equals @want (NUL included). */
static void check_str(struct as *as, uintptr_t a, const char *want)
{
	char got[256];
	size_t n = strlen(want) + 1;

	if (!CHECK(n <= sizeof(got), "string too long for the test"))
		return;
	CHECK_EQ(as_copy_from(as, got, a, n), 0);
	CHECK(memcmp(got, want, n) == 0, "string at %#lx: \"%.*s\", expected \"%s\"",
	      (unsigned long)a, (int)n, got, want);
}

static const uint8_t rnd16[16] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
				   0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xf0, 0x0f };

/* The arch's Linux extras: x86_64 has AT_PLATFORM "x86_64" and AT_HWCAP2; riscv64 neither. */
static void arch_args(struct elf_stack_args *a)
{
	static const struct elf_auxv extra[] = { { AT_MINSIGSTKSZ, 0x1230 } };

	a->platform = MACHINE == EM_X86_64 ? "x86_64" : NULL;
	a->has_hwcap2 = MACHINE == EM_X86_64;
	a->hwcap2 = 0x2;
	a->hwcap = 0x178bfbff;
	a->random = rnd16;
	a->arch_aux = extra;
	a->arch_naux = 1;
}

/*
 * Read the stack at st->sp back and check it against create_elf_tables(): argc,
 * argv, envp (pointing at the strings, which ascend argv..., envp..., the
 * filename, then the zero end marker at the top), the auxiliary vector in order.
 */
static void check_stack(struct as *as, uintptr_t top, const struct elf_stack *st,
			const struct elf_loaded *ld, const struct elf_stack_args *a,
			const char *const *argv, size_t argc, const char *const *envp, size_t envc)
{
	CHECK_EQ(st->sp % 16, 0);
	CHECK_EQ(st->vma_end, top);
	CHECK_EQ(st->vma_start, top - ELF_STACK_SIZE);
	CHECK(st->sp > st->vma_start && st->sp < top, "sp inside the stack");
	uintptr_t w = st->sp;
	CHECK_EQ(rd64(as, w), argc);
	w += 8;
	uintptr_t s = st->arg_start;
	for (size_t i = 0; i < argc; i++, w += 8) {
		CHECK_EQ(rd64(as, w), s);
		check_str(as, s, argv[i]);
		s += strlen(argv[i]) + 1;
	}
	CHECK_EQ(rd64(as, w), 0);
	w += 8;
	CHECK_EQ(st->arg_end, s);
	CHECK_EQ(st->env_start, s);
	for (size_t i = 0; i < envc; i++, w += 8) {
		CHECK_EQ(rd64(as, w), s);
		check_str(as, s, envp[i]);
		s += strlen(envp[i]) + 1;
	}
	CHECK_EQ(rd64(as, w), 0);
	w += 8;
	CHECK_EQ(st->env_end, s);
	CHECK_EQ(st->execfn, s);
	check_str(as, s, a->execfn);
	s += strlen(a->execfn) + 1;
	CHECK_EQ(s, top - 8);            /* the end marker: the top word */
	CHECK_EQ(rd64(as, top - 8), 0);

	/* Below the strings (16-byte aligned): the platform string, then the random bytes. */
	uintptr_t p = st->arg_start & ~(uintptr_t)15;
	if (a->platform) {
		p -= strlen(a->platform) + 1;
		CHECK_EQ(st->platform, p);
		check_str(as, p, a->platform);
	}
	p -= 16;
	CHECK_EQ(st->random, p);
	uint8_t r[16];
	CHECK_EQ(as_copy_from(as, r, st->random, 16), 0);
	CHECK(memcmp(r, a->random, 16) == 0, "AT_RANDOM bytes");

	/* The auxiliary vector right after envp's NULL, in Linux's order. */
	struct elf_auxv want[40];
	size_t n = 0;
	for (size_t i = 0; i < a->arch_naux; i++)
		want[n++] = a->arch_aux[i];
	want[n++] = (struct elf_auxv){ AT_HWCAP, a->hwcap };
	want[n++] = (struct elf_auxv){ AT_PAGESZ, 4096 };
	want[n++] = (struct elf_auxv){ AT_CLKTCK, 100 };
	want[n++] = (struct elf_auxv){ AT_PHDR, ld->phdr };
	want[n++] = (struct elf_auxv){ AT_PHENT, 56 };
	want[n++] = (struct elf_auxv){ AT_PHNUM, ld->phnum };
	want[n++] = (struct elf_auxv){ AT_BASE, 0 };
	want[n++] = (struct elf_auxv){ AT_FLAGS, 0 };
	want[n++] = (struct elf_auxv){ AT_ENTRY, ld->entry };
	want[n++] = (struct elf_auxv){ AT_UID, 0 };
	want[n++] = (struct elf_auxv){ AT_EUID, 0 };
	want[n++] = (struct elf_auxv){ AT_GID, 0 };
	want[n++] = (struct elf_auxv){ AT_EGID, 0 };
	want[n++] = (struct elf_auxv){ AT_SECURE, 0 };
	want[n++] = (struct elf_auxv){ AT_RANDOM, p };
	if (a->has_hwcap2)
		want[n++] = (struct elf_auxv){ AT_HWCAP2, a->hwcap2 };
	want[n++] = (struct elf_auxv){ AT_EXECFN, st->execfn };
	if (a->platform)
		want[n++] = (struct elf_auxv){ AT_PLATFORM, st->platform };
	want[n++] = (struct elf_auxv){ AT_NULL, 0 };
	for (size_t i = 0; i < n; i++, w += 16) {
		uint64_t t = rd64(as, w), v = rd64(as, w + 8);
		CHECK(t == want[i].type && v == want[i].val, "auxv[%zu] = (%" PRIu64 ", %#" PRIx64
		      "), expected (%" PRIu64 ", %#" PRIx64 ")", i, t, v, want[i].type, want[i].val);
	}
	/* STACK_ROUND(): only the rounding of sp separates the vector from the random bytes. */
	CHECK(w <= p && p - w < 16, "gap of %lu bytes above the vector", (unsigned long)(p - w));
}

static void test_stack(void)
{
	static const char *const argv[] = { "/init", "-v", "", "a longer argument", NULL };
	static const char *const envp[] = { "HOME=/", "TERM=linux", NULL };
	struct elf_info info;
	struct elf_loaded ld;
	struct elf_stack st;
	struct elf_stack_args a = { .argv = argv, .envp = envp, .execfn = "/init" };
	struct as as;

	setup_kernel();
	build_good();
	CHECK_EQ(check(&info), 0);
	CHECK_EQ(as_create(&as, &kpt, NULL), 0);
	CHECK_EQ(elf_load(&as, img, img_size, &info, 0, &ld), 0);
	arch_args(&a);
	uintptr_t top = as.task_size;
	CHECK_EQ(elf_stack_setup(&as, top, info.exec_stack, &ld, &a, &st), 0);
	check_stack(&as, top, &st, &ld, &a, argv, 4, envp, 2);
	check_vma(&as, top - ELF_STACK_SIZE, top, PROT_READ | PROT_WRITE);
	/* A second stack there: -EEXIST. */
	CHECK_EQ(elf_stack_setup(&as, top, false, &ld, &a, &st), -EEXIST);
	as_destroy(&as);
	CHECK_EQ(fake_frames_used(), kframes);

	/* Empty argv becomes { "" }; no environment; an executable stack; below the top. */
	static const char *const none[] = { NULL };
	static const char *const empty[] = { "" };
	CHECK_EQ(as_create(&as, &kpt, NULL), 0);
	build_pie();
	CHECK_EQ(check(&info), 0);
	uintptr_t bias;
	CHECK_EQ(elf_choose_bias(&as, &info, &bias), 0);
	CHECK_EQ(elf_load(&as, img, img_size, &info, bias, &ld), 0);
	a.argv = none;
	a.envp = NULL;
	a.execfn = "/bin/a-much-longer-path-name";
	a.arch_naux = 0;
	top = as.task_size - 0x10000;
	CHECK_EQ(elf_stack_setup(&as, top, info.exec_stack, &ld, &a, &st), 0);
	check_stack(&as, top, &st, &ld, &a, empty, 1, NULL, 0);
	check_vma(&as, top - ELF_STACK_SIZE, top, PROT_READ | PROT_WRITE | PROT_EXEC);
	as_destroy(&as);

	/* Bad tops: unaligned, above the user range. */
	CHECK_EQ(as_create(&as, &kpt, NULL), 0);
	a.argv = argv;
	CHECK_EQ(elf_stack_setup(&as, as.task_size - 8, false, &ld, &a, &st), -EINVAL);
	CHECK_EQ(elf_stack_setup(&as, as.task_size + PAGE_SIZE, false, &ld, &a, &st), -EINVAL);
	CHECK_EQ(as_vma_count(&as), 0);
	as_destroy(&as);
	CHECK_EQ(fake_frames_used(), kframes);
	teardown_kernel();
}

/* MAX_ARG_STRLEN on both sides, and the total (rlimit / 4 with the pointers). */
static void test_stack_e2big(void)
{
	struct elf_loaded ld = { .entry = 0x400100, .phdr = 0x400040, .phnum = 1, .phent = 56 };
	struct elf_stack_args a = { .execfn = "/init" };
	struct elf_stack st;
	struct as as;

	setup_kernel();
	arch_args(&a);
	char *big = malloc(ELF_ARG_STRLEN_MAX + 1);
	memset(big, 'x', ELF_ARG_STRLEN_MAX);
	big[ELF_ARG_STRLEN_MAX] = '\0';
	const char *argv[] = { "/init", big, NULL };
	a.argv = argv;
	CHECK_EQ(as_create(&as, &kpt, NULL), 0);
	CHECK_EQ(elf_stack_setup(&as, as.task_size, false, &ld, &a, &st), -E2BIG);
	CHECK_EQ(as_vma_count(&as), 0);
	big[ELF_ARG_STRLEN_MAX - 1] = '\0';     /* with its NUL exactly MAX_ARG_STRLEN */
	CHECK_EQ(elf_stack_setup(&as, as.task_size, false, &ld, &a, &st), 0);
	CHECK_EQ(rd64(&as, st.sp), 2);
	CHECK_EQ(rd64(&as, st.sp + 16), st.arg_start + 6);
	as_destroy(&as);

	/* 16 strings of MAX_ARG_STRLEN are 2 MiB: with the filename and the pointers, too much. */
	const char *many[17];
	for (int i = 0; i < 16; i++)
		many[i] = big;
	many[16] = NULL;
	a.argv = many;
	CHECK_EQ(as_create(&as, &kpt, NULL), 0);
	CHECK_EQ(elf_stack_setup(&as, as.task_size, false, &ld, &a, &st), -E2BIG);
	many[15] = NULL;
	CHECK_EQ(elf_stack_setup(&as, as.task_size, false, &ld, &a, &st), 0);
	CHECK_EQ(rd64(&as, st.sp), 15);
	as_destroy(&as);
	free(big);
	CHECK_EQ(fake_frames_used(), kframes);
	teardown_kernel();
}

/* Fail every frame_alloc() and kmalloc() of a stack setup in turn. */
static void test_stack_enomem(void)
{
	static const char *const argv[] = { "/init", "x", NULL };
	struct elf_loaded ld = { .entry = 0x400100, .phdr = 0x400040, .phnum = 1, .phent = 56 };
	struct elf_stack_args a = { .argv = argv, .execfn = "/init" };
	struct elf_stack st;
	struct as as;
	unsigned int failures = 0;

	setup_kernel();
	arch_args(&a);
	for (int kind = 0; kind < 2; kind++) {
		for (unsigned long n = 1;; n++) {
			CHECK_EQ(as_create(&as, &kpt, NULL), 0);
			size_t base = fake_frames_used();
			long live = fake_kmalloc_live();
			if (kind == 0)
				fake_fail_nth_alloc(n);
			else
				fake_kmalloc_fail_nth(n);
			int err = elf_stack_setup(&as, as.task_size, false, &ld, &a, &st);
			fake_fail_nth_alloc(0);
			fake_kmalloc_fail_nth(0);
			if (err == 0) {
				CHECK_EQ(rd64(&as, st.sp), 2);
				as_destroy(&as);
				break;
			}
			failures++;
			CHECK_EQ(err, -ENOMEM);
			CHECK_EQ(as_vma_count(&as), 0);
			CHECK_EQ(fake_frames_used(), base);
			CHECK_EQ(fake_kmalloc_live(), live);
			as_destroy(&as);
			CHECK_EQ(fake_frames_used(), kframes);
			if (!CHECK(n < 200, "a stack setup that never succeeds"))
				break;
		}
	}
	CHECK(failures >= 3, "%u failure points", failures);
	teardown_kernel();
}

int main(void)
{
	tap_start();
	test_set_levels(MMU_LEVELS_MIN);
	tap_run("elf_check: good images, PT_GNU_STACK, AT_PHDR's sources", test_check_good);
	tap_run("elf_check: header refusals on both sides of each limit", test_check_header);
	tap_run("elf_check: segment refusals on both sides of each limit", test_check_segments);
	tap_run_modes("elf_load: ET_EXEC byte for byte, VMAs, leaves, break", test_load_exec);
	tap_run_modes("elf_load: static-PIE at Linux's bias", test_load_pie);
	tap_run_modes("elf_load: every allocation failed in turn", test_load_enomem);
	tap_run_modes("elf_stack_setup: the layout word by word", test_stack);
	tap_run_modes("elf_stack_setup: E2BIG limits", test_stack_e2big);
	tap_run_modes("elf_stack_setup: every allocation failed in turn", test_stack_enomem);
	fake_mem_fini();
	return tap_done();
}
