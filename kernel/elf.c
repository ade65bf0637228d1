// SPDX-License-Identifier: MIT
/*
 * The ELF loader (see <kern/elf.h>, docs/exec.md): elf_check() validates an image
 * completely before anything is mapped, elf_load() maps and fills its segments,
 * elf_stack_setup() builds the initial stack. Generic: builds into the kernel and
 * into host tests (tests/unit/kernel/elf_test.c, once per arch format).
 *
 * The image is untrusted (it comes from the initramfs, later from files): every
 * header is copied out with memcpy (the image may be unaligned) and every sum of
 * two file or address fields is checked for overflow before it is used.
 */
#include <kern/elf.h>
#include <kern/errno.h>
#include <kern/printk.h>
#include <kern/string.h>
#include <mm/as.h>
#include <mm/mman.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the headers are read in place: only little-endian hosts and targets");

static inline uint64_t page_down(uint64_t x)
{
	return x & ~(uint64_t)(PAGE_SIZE - 1);
}

/* Round up; false if that overflows. */
static inline bool page_up(uint64_t x, uint64_t *out)
{
	if (x > UINT64_MAX - (PAGE_SIZE - 1))
		return false;
	*out = page_down(x + PAGE_SIZE - 1);
	return true;
}

/* Refuse with @err and a reason. */
__printf(4, 5) static int refuse(int err, char *why, size_t why_len, const char *fmt, ...)
{
	if (why && why_len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

#define REFUSE(err, ...) refuse(err, why, why_len, __VA_ARGS__)

static unsigned int prot_of(uint32_t p_flags)
{
	return (p_flags & PF_R ? PROT_READ : 0) | (p_flags & PF_W ? PROT_WRITE : 0) |
	       (p_flags & PF_X ? PROT_EXEC : 0);
}

/* Check one PT_LOAD (number @i in the table) and append it to @out. */
static int check_load(const Elf64_Phdr *ph, unsigned int i, size_t size, uintptr_t task_size,
		      struct elf_info *out, char *why, size_t why_len)
{
	uint64_t fend, mend, start, end;

	/* load_elf_binary(): "p_filesz must always be <= p_memsz"; -EINVAL there. */
	if (ph->p_filesz > ph->p_memsz)
		return REFUSE(-EINVAL, "segment %u: p_filesz > p_memsz", i);
	if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &fend))
		return REFUSE(-ENOEXEC, "segment %u: p_offset + p_filesz overflows", i);
	/*
	 * Linux maps the file and lets a page beyond its end SIGBUS later; the loader
	 * copies from the image, so a range outside it is a malformed image.
	 */
	if (fend > size)
		return REFUSE(-ENOEXEC, "segment %u: p_offset + p_filesz beyond the file", i);
	/*
	 * elf_map() mmaps the file at p_offset - (p_vaddr % page): mmap refuses an
	 * unaligned offset with -EINVAL, so the two must agree modulo the page size.
	 */
	if ((ph->p_vaddr - ph->p_offset) & (PAGE_SIZE - 1))
		return REFUSE(-EINVAL, "segment %u: p_vaddr and p_offset differ modulo the page size",
			      i);
	if (__builtin_add_overflow(ph->p_vaddr, ph->p_memsz, &mend))
		return REFUSE(-EINVAL, "segment %u: p_vaddr + p_memsz overflows", i);
	/* load_elf_binary(): BAD_ADDR(p_vaddr) or TASK_SIZE - p_memsz < p_vaddr: -EINVAL. */
	if (ph->p_vaddr >= task_size || mend > task_size)
		return REFUSE(-EINVAL, "segment %u: beyond the user address range", i);
	if (ph->p_memsz == 0)
		return 0;                  /* elf_map(): nothing to map */
	start = page_down(ph->p_vaddr);
	if (!page_up(mend, &end))      /* cannot fail below task_size; kept for the rule */
		return REFUSE(-EINVAL, "segment %u: p_vaddr + p_memsz overflows", i);
	/*
	 * gABI: "loadable segment entries ... appear in ascending order, sorted on
	 * p_vaddr". And page-disjoint, since each one becomes its own mapping: a
	 * later one sharing a page would replace part of an earlier one.
	 */
	if (out->nsegs) {
		const struct elf_seg *prev = &out->segs[out->nsegs - 1];
		uint64_t prev_end = 0;
		(void)page_up(prev->vaddr + prev->memsz, &prev_end);
		if (start < prev_end)
			return REFUSE(-ENOEXEC, "segment %u: overlaps or precedes the previous PT_LOAD "
				      "(page-rounded)", i);
	}
	if (out->nsegs == ELF_MAX_LOADS)
		return REFUSE(-ENOEXEC, "segment %u: more than %u PT_LOAD segments", i, ELF_MAX_LOADS);
	out->segs[out->nsegs++] = (struct elf_seg){ .vaddr = ph->p_vaddr, .memsz = ph->p_memsz,
						    .offset = ph->p_offset, .filesz = ph->p_filesz,
						    .prot = prot_of(ph->p_flags) };
	out->end = mend;
	return 0;
}

int elf_check(const void *image, size_t size, uint16_t machine, uintptr_t task_size,
	      struct elf_info *out, char *why, size_t why_len)
{
	const uint8_t *img = image;
	Elf64_Ehdr eh;
	bool have_pt_phdr = false, phdr_in_load = false, have_gnu_stack = false;
	uint64_t pt_phdr_vaddr = 0;
	int err;

	if (why && why_len)
		why[0] = '\0';
	if (size < SELFMAG || memcmp(img, ELFMAG, SELFMAG) != 0)
		return REFUSE(-ENOEXEC, "not an ELF file (bad magic)");
	if (size < sizeof(eh))
		return REFUSE(-ENOEXEC, "truncated ELF header (%zu of %zu bytes)", size, sizeof(eh));
	memcpy(&eh, img, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return REFUSE(-ENOEXEC, "not a 64-bit ELF file (EI_CLASS %u)", eh.e_ident[EI_CLASS]);
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return REFUSE(-ENOEXEC, "not a little-endian ELF file (EI_DATA %u)", eh.e_ident[EI_DATA]);
	if (eh.e_ident[EI_VERSION] != EV_CURRENT || eh.e_version != EV_CURRENT)
		return REFUSE(-ENOEXEC, "unknown ELF version");
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return REFUSE(-ENOEXEC, "not an executable (e_type %u)", eh.e_type);
	if (eh.e_machine != machine)
		return REFUSE(-ENOEXEC, "wrong machine %u (this kernel runs %u)", eh.e_machine, machine);
	/* load_elf_phdrs(): e_phentsize must be ours, the table 1..ELF_MIN_ALIGN bytes. */
	if (eh.e_phentsize != sizeof(Elf64_Phdr))
		return REFUSE(-ENOEXEC, "e_phentsize %u (expected %zu)", eh.e_phentsize,
			      sizeof(Elf64_Phdr));
	size_t phsize = (size_t)eh.e_phnum * sizeof(Elf64_Phdr);
	if (eh.e_phnum == 0 || phsize > PAGE_SIZE)
		return REFUSE(-ENOEXEC, "e_phnum %u (1 to %zu program headers)", eh.e_phnum,
			      (size_t)(PAGE_SIZE / sizeof(Elf64_Phdr)));
	uint64_t phend;
	if (__builtin_add_overflow(eh.e_phoff, (uint64_t)phsize, &phend) || phend > size)
		return REFUSE(-ENOEXEC, "program headers beyond the file");

	*out = (struct elf_info){ .type = eh.e_type, .entry = eh.e_entry, .phnum = eh.e_phnum,
				  .phentsize = eh.e_phentsize };
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, img + eh.e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
		switch (ph.p_type) {
		case PT_INTERP:
			return REFUSE(-ENOEXEC, "dynamic executables are not supported (PT_INTERP)");
		case PT_GNU_STACK:
			/*
			 * load_elf_binary(): the first PT_GNU_STACK decides. Without one
			 * (EXSTACK_DEFAULT) the stack is not executable on x86_64 and
			 * riscv64 alike: VM_DATA_DEFAULT_FLAGS has no VM_EXEC, and
			 * elf_read_implies_exec() is false for 64-bit programs (x86 since
			 * Linux 5.8; always on riscv64). So exec_stack stays false.
			 */
			if (!have_gnu_stack)
				out->exec_stack = ph.p_flags & PF_X;
			have_gnu_stack = true;
			break;
		case PT_PHDR:
			have_pt_phdr = true;
			pt_phdr_vaddr = ph.p_vaddr;
			break;
		case PT_LOAD:
			err = check_load(&ph, i, size, task_size, out, why, why_len);
			if (err)
				return err;
			/*
			 * Linux 5.18+ load_elf_binary(): AT_PHDR is where the PT_LOAD holding
			 * e_phoff in the file maps it (the last such segment wins).
			 */
			if (ph.p_offset <= eh.e_phoff && eh.e_phoff - ph.p_offset < ph.p_filesz) {
				out->phdr_vaddr = eh.e_phoff - ph.p_offset + ph.p_vaddr;
				phdr_in_load = true;
			}
			break;
		default:
			break;     /* PT_DYNAMIC, PT_NOTE, PT_TLS, PT_GNU_*: nothing to do */
		}
	}
	/*
	 * Linux leaves AT_PHDR at the bias alone when no PT_LOAD holds the table; a
	 * PT_PHDR says where it is, so it is used then (the only difference).
	 */
	if (!phdr_in_load && have_pt_phdr)
		out->phdr_vaddr = pt_phdr_vaddr;
	/* total_mapping_size() == 0 makes load_elf_binary() return -EINVAL. */
	if (out->nsegs == 0)
		return REFUSE(-EINVAL, "no PT_LOAD segment");
	/* load_elf_binary(): BAD_ADDR(e_entry) is -EINVAL. */
	if (eh.e_entry >= task_size)
		return REFUSE(-EINVAL, "entry point %#llx beyond the user address range",
			      (unsigned long long)eh.e_entry);
	for (unsigned int i = 0; i < out->nsegs; i++) {
		const struct elf_seg *s = &out->segs[i];
		if ((s->prot & PROT_EXEC) && eh.e_entry >= s->vaddr && eh.e_entry - s->vaddr < s->memsz)
			return 0;
	}
	return REFUSE(-ENOEXEC, "entry point %#llx is not in an executable PT_LOAD segment",
		      (unsigned long long)eh.e_entry);
}

/* ---- loading ---- */

/* The page-rounded span [*start, *end) segment @s takes at @bias (checked by the caller). */
static void seg_span(const struct elf_seg *s, uintptr_t bias, uintptr_t *start, uintptr_t *end)
{
	uint64_t e = 0;

	*start = page_down(bias + s->vaddr);
	(void)page_up(bias + s->vaddr + s->memsz, &e);
	*end = e;
}

int elf_choose_bias(struct as *as, const struct elf_info *info, uintptr_t *bias)
{
	uintptr_t addr, start, end;
	uint64_t span_end = 0;

	if (info->type == ET_EXEC) {
		*bias = 0;
		return 0;
	}
	/*
	 * load_elf_binary() for ET_DYN without an interpreter: load_bias 0, the first
	 * segment mapped without MAP_FIXED with total_mapping_size() (from the first
	 * segment's page to the last one's end), so mmap's top-down placement decides.
	 * Do the same search: reserve the span, read where it went, give it back.
	 */
	start = page_down(info->segs[0].vaddr);
	(void)page_up(info->end, &span_end);
	end = span_end;
	int err = as_mmap(as, 0, end - start, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0, &addr);
	if (err)
		return err;
	err = as_munmap(as, addr, end - start);
	if (err)
		return err;
	*bias = addr - start;
	return 0;
}

static void unmap_segs(struct as *as, const struct elf_info *info, unsigned int n, uintptr_t bias)
{
	for (unsigned int i = 0; i < n; i++) {
		uintptr_t start, end;
		seg_span(&info->segs[i], bias, &start, &end);
		(void)as_munmap(as, start, end - start);
	}
}

int elf_load(struct as *as, const void *image, size_t size, const struct elf_info *info,
	     uintptr_t bias, struct elf_loaded *out)
{
	const uint8_t *img = image;
	unsigned int i;
	int err = 0;

	if (bias & (PAGE_SIZE - 1))
		return -EINVAL;
	/* Every biased segment inside the user range before anything is mapped. */
	for (i = 0; i < info->nsegs; i++) {
		const struct elf_seg *s = &info->segs[i];
		uint64_t start, end;
		if (__builtin_add_overflow((uint64_t)bias, s->vaddr, &start) ||
		    __builtin_add_overflow(start, s->memsz, &end) || !page_up(end, &end) ||
		    end > as->task_size || s->offset + s->filesz > size)
			return -EINVAL;
	}
	for (i = 0; i < info->nsegs; i++) {
		const struct elf_seg *s = &info->segs[i];
		uintptr_t start, end, got;
		seg_span(s, bias, &start, &end);
		err = as_mmap(as, start, end - start, s->prot,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0, &got);
		if (err)
			goto fail;
		/*
		 * Linux maps the file from the page holding p_offset, so the bytes before
		 * p_vaddr in the first page are the file's (often the ELF header). The
		 * rest of the page after p_filesz stays zero: the frames come zeroed, and
		 * that is padzero()'s .bss tail. A segment with p_filesz 0 copies nothing.
		 */
		if (s->filesz) {
			uint64_t lead = (bias + s->vaddr) - start;
			err = as_copy_to(as, start, img + (s->offset - lead), lead + s->filesz);
			if (err) {
				i++;     /* this one is mapped too */
				goto fail;
			}
		}
	}
	uint64_t brk = 0;
	(void)page_up(bias + info->end, &brk);
	/* load_elf_binary(): mm->start_brk = mm->brk = ELF_PAGEALIGN(elf_brk). */
	spin_lock(&as->lock);
	as->brk_start = as->brk = brk;
	spin_unlock(&as->lock);
	*out = (struct elf_loaded){ .bias = bias, .entry = bias + info->entry,
				    .phdr = bias + info->phdr_vaddr, .phnum = info->phnum,
				    .phent = info->phentsize, .base = 0, .brk = brk };
	return 0;
fail:
	unmap_segs(as, info, i, bias);
	return err;
}

/* ---- the initial stack ---- */

/* A downward cursor over the stack being built, and the first error. */
struct stk {
	struct as *as;
	uintptr_t p;
	int err;
};

static uintptr_t push_bytes(struct stk *k, const void *src, size_t n)
{
	k->p -= n;
	if (!k->err)
		k->err = as_copy_to(k->as, k->p, src, n);
	return k->p;
}

static void put_word(struct stk *k, uintptr_t at, uint64_t val)
{
	if (!k->err)
		k->err = as_copy_to(k->as, at, &val, sizeof(val));
}

static size_t count_strings(const char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

int elf_stack_setup(struct as *as, uintptr_t stack_top, bool exec_stack,
		    const struct elf_loaded *ld, const struct elf_stack_args *args,
		    struct elf_stack *out)
{
	static const char *const empty_argv[] = { "", NULL };
	const char *const *argv = args->argv, *const *envp = args->envp;
	size_t argc = count_strings(argv), envc = count_strings(envp);
	size_t strbytes = 0;

	if ((stack_top & (PAGE_SIZE - 1)) || stack_top > as->task_size ||
	    stack_top < ELF_STACK_SIZE + as->min_addr || args->arch_naux > ELF_ARCH_AUX_MAX)
		return -EINVAL;
	/* Linux 5.18+ do_execveat_common(): an empty argv becomes { "" }. */
	if (argc == 0) {
		argv = empty_argv;
		argc = 1;
	}
	/*
	 * fs/exec.c bprm_stack_limits(): the pointers count against rlimit / 4, each
	 * string must fit MAX_ARG_STRLEN, and all of them (the filename included)
	 * the rest; -E2BIG otherwise.
	 */
	size_t ptrs = (argc + envc) * sizeof(uint64_t);
	if (ptrs >= ELF_ARG_TOTAL_MAX)
		return -E2BIG;
	const char *const *lists[3] = { &args->execfn, envp, argv };
	size_t counts[3] = { 1, envc, argc };
	for (unsigned int l = 0; l < 3; l++)
		for (size_t i = 0; i < counts[l]; i++) {
			size_t n = strnlen(lists[l][i], ELF_ARG_STRLEN_MAX) + 1;
			if (n > ELF_ARG_STRLEN_MAX)
				return -E2BIG;
			strbytes += n;
			if (strbytes > ELF_ARG_TOTAL_MAX - ptrs)
				return -E2BIG;
		}

	uintptr_t vma_start = stack_top - ELF_STACK_SIZE, got;
	int err = as_mmap(as, vma_start, ELF_STACK_SIZE,
			  PROT_READ | PROT_WRITE | (exec_stack ? PROT_EXEC : 0),
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0, &got);
	if (err)
		return err;

	/*
	 * fs/exec.c: the top word is left zero (__bprm_mm_init(): p = vm_end -
	 * sizeof(void *), the "end marker"), then copy_string_kernel() puts the
	 * filename, and copy_strings() the environment then the arguments, each list
	 * from its last string down, so the strings ascend argv[0]..., envp[0]...,
	 * filename.
	 */
	struct stk k = { .as = as, .p = stack_top - sizeof(uint64_t) };
	out->execfn = push_bytes(&k, args->execfn, strlen(args->execfn) + 1);
	out->env_end = k.p;
	for (size_t i = envc; i-- > 0;)
		push_bytes(&k, envp[i], strlen(envp[i]) + 1);
	out->env_start = out->arg_end = k.p;
	for (size_t i = argc; i-- > 0;)
		push_bytes(&k, argv[i], strlen(argv[i]) + 1);
	out->arg_start = k.p;

	/*
	 * create_elf_tables(): p = arch_align_stack(p) (x86_64: 16-byte aligned; we
	 * align on both arches), then the platform string, the 16 random bytes.
	 */
	k.p &= ~(uintptr_t)15;
	out->platform = 0;
	if (args->platform)
		out->platform = push_bytes(&k, args->platform, strlen(args->platform) + 1);
	out->random = push_bytes(&k, args->random, 16);

	/* The auxiliary vector, in create_elf_tables()'s order. */
	struct elf_auxv aux[ELF_ARCH_AUX_MAX + 19];
	size_t na = 0;
	for (size_t i = 0; i < args->arch_naux; i++)
		aux[na++] = args->arch_aux[i];
#define AUX(t, v) (aux[na++] = (struct elf_auxv){ (t), (v) })
	AUX(AT_HWCAP, args->hwcap);
	AUX(AT_PAGESZ, PAGE_SIZE);
	AUX(AT_CLKTCK, 100);          /* CLOCKS_PER_SEC = USER_HZ */
	AUX(AT_PHDR, ld->phdr);
	AUX(AT_PHENT, ld->phent);
	AUX(AT_PHNUM, ld->phnum);
	AUX(AT_BASE, ld->base);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, ld->entry);
	AUX(AT_UID, 0);
	AUX(AT_EUID, 0);
	AUX(AT_GID, 0);
	AUX(AT_EGID, 0);
	AUX(AT_SECURE, 0);
	AUX(AT_RANDOM, out->random);
	if (args->has_hwcap2)
		AUX(AT_HWCAP2, args->hwcap2);
	AUX(AT_EXECFN, out->execfn);
	if (args->platform)
		AUX(AT_PLATFORM, out->platform);
	AUX(AT_NULL, 0);
#undef AUX

	/*
	 * sp = p - the vector; then STACK_ROUND(sp, items): room for argc, argv + NULL,
	 * envp + NULL, rounded down to 16 bytes; argc is at the final sp and the
	 * vector follows envp's NULL directly (the padding is above it).
	 */
	size_t items = (argc + 1) + (envc + 1) + 1;
	uintptr_t sp = (k.p - na * sizeof(struct elf_auxv) - items * sizeof(uint64_t)) &
		       ~(uintptr_t)15;
	uintptr_t w = sp;
	put_word(&k, w, argc);
	w += 8;
	uintptr_t s = out->arg_start;
	for (size_t i = 0; i < argc; i++, w += 8) {
		put_word(&k, w, s);
		s += strlen(argv[i]) + 1;
	}
	put_word(&k, w, 0);
	w += 8;
	for (size_t i = 0; i < envc; i++, w += 8) {
		put_word(&k, w, s);
		s += strlen(envp[i]) + 1;
	}
	put_word(&k, w, 0);
	w += 8;
	if (!k.err)
		k.err = as_copy_to(as, w, aux, na * sizeof(struct elf_auxv));
	if (k.err) {
		(void)as_munmap(as, vma_start, ELF_STACK_SIZE);
		return k.err;
	}
	out->sp = sp;
	out->vma_start = vma_start;
	out->vma_end = stack_top;
	return 0;
}
