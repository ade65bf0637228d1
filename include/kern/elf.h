/* SPDX-License-Identifier: MIT */
/*
 * Static ELF64 executables for user processes on the Linux ABI (kernel/elf.c):
 * checking an image, loading its PT_LOAD segments into an address space
 * (<mm/as.h>), and building the initial stack (argc, argv, envp, the auxiliary
 * vector) as Linux's fs/binfmt_elf.c and fs/exec.c do. Generic: builds into the
 * kernel and into host tests. The rules, and where they follow Linux 6.1, are in
 * docs/exec.md.
 *
 * The definitions below are the ELF-64 object file format (System V gABI, "ELF-64
 * Object File Format" 1.5) for what the loader reads; little-endian only, as both
 * arches are.
 *
 * Nothing here locks: the address space's own lock serialises each call into it.
 * The caller (exec) owns the fresh address space while it loads it.
 */
#ifndef KERN_ELF_H
#define KERN_ELF_H

#include <kern/types.h>

struct as;

/* ---- ELF-64 (gABI ch. 4 "ELF Header", ch. 5 "Program Header") ---- */

#define EI_NIDENT   16
#define EI_MAG0     0
#define EI_CLASS    4
#define EI_DATA     5
#define EI_VERSION  6
#define ELFMAG      "\177ELF"
#define SELFMAG     4
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define EV_CURRENT  1

#define ET_EXEC 2
#define ET_DYN  3

#define EM_X86_64 62
#define EM_RISCV  243

typedef struct {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
} Elf64_Ehdr;

typedef struct {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
} Elf64_Phdr;

_Static_assert(sizeof(Elf64_Ehdr) == 64, "gABI: the ELF-64 header is 64 bytes");
_Static_assert(sizeof(Elf64_Phdr) == 56, "gABI: an ELF-64 program header is 56 bytes");

#define PT_NULL         0
#define PT_LOAD         1
#define PT_DYNAMIC      2
#define PT_INTERP       3
#define PT_NOTE         4
#define PT_SHLIB        5
#define PT_PHDR         6
#define PT_TLS          7
#define PT_GNU_EH_FRAME 0x6474e550
#define PT_GNU_STACK    0x6474e551
#define PT_GNU_RELRO    0x6474e552
#define PT_GNU_PROPERTY 0x6474e553

#define PF_X 0x1
#define PF_W 0x2
#define PF_R 0x4

/* Auxiliary vector types (Linux include/uapi/linux/auxvec.h; the same on both arches). */
#define AT_NULL         0
#define AT_IGNORE       1
#define AT_PHDR         3
#define AT_PHENT        4
#define AT_PHNUM        5
#define AT_PAGESZ       6
#define AT_BASE         7
#define AT_FLAGS        8
#define AT_ENTRY        9
#define AT_UID          11
#define AT_EUID         12
#define AT_GID          13
#define AT_EGID         14
#define AT_PLATFORM     15
#define AT_HWCAP        16
#define AT_CLKTCK       17
#define AT_SECURE       23
#define AT_RANDOM       25
#define AT_HWCAP2       26
#define AT_EXECFN       31
#define AT_SYSINFO_EHDR 33
#define AT_MINSIGSTKSZ  51

/* ---- checking ---- */

/* PT_LOAD segments an image may have (a kestrel limit; static binaries have 2-5). */
#define ELF_MAX_LOADS 16

/* One PT_LOAD segment with p_memsz > 0, as in the file (not biased). */
struct elf_seg {
	uint64_t vaddr, memsz;
	uint64_t offset, filesz;
	unsigned int prot;          /* PROT_* from p_flags */
};

struct elf_info {
	uint16_t type;              /* ET_EXEC or ET_DYN (static-PIE) */
	uint64_t entry;             /* e_entry (not biased) */
	uint64_t phdr_vaddr;        /* where the program headers are in memory (not biased) */
	uint16_t phnum, phentsize;  /* for AT_PHNUM, AT_PHENT */
	unsigned int nsegs;
	struct elf_seg segs[ELF_MAX_LOADS];   /* sorted by vaddr, page-disjoint */
	uint64_t end;               /* highest vaddr + memsz (not biased): the break follows */
	bool exec_stack;            /* PT_GNU_STACK with PF_X */
};

/*
 * Check that @image (@size bytes, any alignment) is a static little-endian ELF64
 * executable for @machine (EM_X86_64, EM_RISCV) whose segments fit below
 * @task_size, and describe it in *@out. Returns 0, or on refusal -ENOEXEC (not an
 * ELF for this machine, truncated, malformed, dynamic) or -EINVAL (where Linux's
 * load_elf_binary() says -EINVAL: p_filesz > p_memsz, a segment beyond the user
 * range or overflowing, p_vaddr and p_offset not congruent modulo the page size,
 * no PT_LOAD, an entry beyond the user range), with a one-line reason in @why
 * (@why_len bytes, always NUL-terminated; NULL or 0: no reason).
 */
int elf_check(const void *image, size_t size, uint16_t machine, uintptr_t task_size,
	      struct elf_info *out, char *why, size_t why_len);

/* ---- loading ---- */

struct elf_loaded {
	uintptr_t bias;             /* added to every vaddr (0 for ET_EXEC) */
	uintptr_t entry;            /* e_entry + bias: where the program starts */
	uintptr_t phdr;             /* AT_PHDR */
	uint64_t phnum, phent;      /* AT_PHNUM, AT_PHENT */
	uintptr_t base;             /* AT_BASE: 0, no interpreter */
	uintptr_t brk;              /* the initial break (as->brk_start) */
};

/*
 * The load bias for @info in @as, as Linux 6.1's load_elf_binary() picks it with
 * randomisation off: 0 for ET_EXEC; for ET_DYN without PT_INTERP (static-PIE, the
 * only ET_DYN kestrel runs) Linux uses load_bias 0 *without* MAP_FIXED, so the
 * whole image span goes where mmap(NULL, span) would put it (top-down below
 * as->mmap_base); ELF_ET_DYN_BASE (2/3 of the user range) is only for ET_DYN with
 * an interpreter. Returns 0 and *@bias, or -ENOMEM (no gap, no VMA struct).
 */
int elf_choose_bias(struct as *as, const struct elf_info *info, uintptr_t *bias);

/*
 * Map every segment of @info (checked by elf_check() on this @image) at @bias +
 * vaddr, page rounded, as private anonymous memory with the segment's protection
 * (MAP_FIXED_NOREPLACE: a segment over an existing mapping is -EEXIST), copy the
 * file bytes in (from the start of the page holding p_offset, as Linux's file
 * mapping shows them), leave everything after p_filesz zero (the .bss tail of the
 * last file page included, as Linux's padzero()), and set the break to the page
 * after the highest segment (as->brk_start = as->brk). Fills *@out.
 * Returns 0, -EINVAL (@bias unaligned, or a biased segment beyond the user range),
 * -EPERM (below as->min_addr), -EEXIST, -ENOMEM; on an error every segment mapped
 * so far is unmapped again (a failed unmap leaves VMAs that as_destroy() frees),
 * and the break is unchanged.
 */
int elf_load(struct as *as, const void *image, size_t size, const struct elf_info *info,
	     uintptr_t bias, struct elf_loaded *out);

/* ---- the initial stack ---- */

/* The stack VMA: the whole RLIMIT_STACK default (Linux's _STK_LIM, 8 MiB) up front. */
#define ELF_STACK_SIZE (8ul << 20)
/* Linux fs/exec.c: one string's limit (MAX_ARG_STRLEN) and the total (rlimit / 4). */
#define ELF_ARG_STRLEN_MAX (32ul * 4096)
#define ELF_ARG_TOTAL_MAX  (ELF_STACK_SIZE / 4)

struct elf_auxv {
	uint64_t type, val;
};

/* ARCH_DLINFO entries elf_stack_setup() takes (riscv64 Linux has up to 10). */
#define ELF_ARCH_AUX_MAX 16

struct elf_stack_args {
	const char *const *argv;    /* NULL-terminated; empty or NULL: argv = { "" } (Linux 5.18+) */
	const char *const *envp;    /* NULL-terminated; NULL: none */
	const char *execfn;         /* AT_EXECFN string: the path exec was given */
	const char *platform;       /* AT_PLATFORM string, or NULL (riscv64 Linux has none) */
	const uint8_t *random;      /* the 16 bytes AT_RANDOM points at */
	uint64_t hwcap;             /* AT_HWCAP */
	bool has_hwcap2;            /* AT_HWCAP2 (x86_64 Linux always has it) */
	uint64_t hwcap2;
	const struct elf_auxv *arch_aux;   /* ARCH_DLINFO entries, first in the vector */
	size_t arch_naux;
};

struct elf_stack {
	uintptr_t sp;               /* the initial stack pointer: argc is there */
	uintptr_t vma_start, vma_end;
	uintptr_t arg_start, arg_end, env_start, env_end;
	uintptr_t execfn, platform, random;   /* the strings' and bytes' addresses */
};

/*
 * Map the stack [@stack_top - ELF_STACK_SIZE, @stack_top) (private anonymous,
 * read/write, executable if @exec_stack) and build on it what Linux's
 * create_elf_tables() leaves for a static program @ld (docs/exec.md has the
 * picture). Returns 0 with *@out; -EINVAL (@stack_top unaligned or beyond the
 * user range, the range too low, more than ELF_ARCH_AUX_MAX arch entries), -E2BIG (a string longer than
 * ELF_ARG_STRLEN_MAX, or all of them more than ELF_ARG_TOTAL_MAX with the
 * pointers, as Linux counts them), -EEXIST (something mapped there), -ENOMEM
 * (nothing left mapped).
 */
int elf_stack_setup(struct as *as, uintptr_t stack_top, bool exec_stack,
		    const struct elf_loaded *ld, const struct elf_stack_args *args,
		    struct elf_stack *out);

#endif
