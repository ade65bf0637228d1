// SPDX-License-Identifier: MIT
/*
 * The kernel command line (see <kern/cmdline.h>). One static copy, written once by
 * the boot CPU before anything reads it.
 */
#include <kern/cmdline.h>
#include <kern/errno.h>
#include <kern/string.h>

static char cmdline[CMDLINE_MAX];

void cmdline_set(const char *s)
{
	strlcpy(cmdline, s ? s : "", sizeof(cmdline));
}

const char *cmdline_get(void)
{
	return cmdline;
}

/*
 * Find the next word starting at *pos; returns its start and length, advancing
 * *pos past it. NULL at the end.
 */
static const char *next_word(const char **pos, size_t *len)
{
	const char *p = *pos;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return NULL;
	const char *start = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	*len = (size_t)(p - start);
	*pos = p;
	return start;
}

/* Does @word (of @len bytes) name @name, alone or as name=...? Sets *value. */
static bool word_is(const char *word, size_t len, const char *name, const char **value, size_t *vlen)
{
	size_t n = strlen(name);

	if (len < n || memcmp(word, name, n) != 0)
		return false;
	if (len == n) {
		*value = NULL;
		return true;
	}
	if (word[n] != '=')
		return false;
	*value = word + n + 1;
	*vlen = len - n - 1;
	return true;
}

/* "--" ends the kernel's parameters: what follows is init's (Linux's parse_args()). */
static bool is_dashdash(const char *w, size_t len)
{
	return len == 2 && w[0] == '-' && w[1] == '-';
}

bool cmdline_has(const char *name)
{
	const char *pos = cmdline, *w, *v;
	size_t len, vlen;

	while ((w = next_word(&pos, &len)) && !is_dashdash(w, len))
		if (word_is(w, len, name, &v, &vlen))
			return true;
	return false;
}

int cmdline_get_value(const char *name, char *buf, size_t size)
{
	const char *pos = cmdline, *w, *v, *found = NULL;
	size_t len, vlen, flen = 0;

	while ((w = next_word(&pos, &len)) && !is_dashdash(w, len)) {
		if (word_is(w, len, name, &v, &vlen)) {
			found = v;
			flen = v ? vlen : 0;
		}
	}
	if (!found)
		return -1;
	if (size) {
		size_t n = flen < size - 1 ? flen : size - 1;
		memcpy(buf, found, n);
		buf[n] = '\0';
	}
	return (int)flen;
}

/*
 * The kernel's own parameters: never passed to init. Every name the kernel reads
 * with cmdline_has() or cmdline_get_value() is here, or has a '.' in it (those are
 * never passed either, as Linux drops unused module parameters).
 */
static const char *const kernel_params[] = {
	"init", "ktest", "loglevel", "mmu", "nosmp", "smp", "smp_start_ms", "smp_timeout_ms",
	"timer", "tlb_remote",
};

static bool is_kernel_param(const char *w, size_t name_len)
{
	for (size_t i = 0; i < sizeof(kernel_params) / sizeof(kernel_params[0]); i++)
		if (strlen(kernel_params[i]) == name_len && !memcmp(kernel_params[i], w, name_len))
			return true;
	return false;
}

int cmdline_init_args(const char *line, const char *init_path, char *buf, size_t buf_size,
		      const char **argv, size_t argv_max, const char **envp, size_t envp_max)
{
	const char *pos = line ? line : "", *w;
	size_t len, used = 0, argc = 0, envc = 0;
	bool after_dashdash = false;

	if (argv_max < 2 || envp_max < 3)
		return -E2BIG;
	argv[argc++] = init_path;
	envp[envc++] = "HOME=/";
	envp[envc++] = "TERM=linux";
	while ((w = next_word(&pos, &len))) {
		if (!after_dashdash && is_dashdash(w, len)) {
			after_dashdash = true;
			continue;
		}
		const char *eq = memchr(w, '=', len);
		size_t name_len = eq ? (size_t)(eq - w) : len;
		if (!after_dashdash && (is_kernel_param(w, name_len) || memchr(w, '.', name_len)))
			continue;
		if (used + len + 1 > buf_size)
			return -E2BIG;
		char *copy = buf + used;
		memcpy(copy, w, len);
		copy[len] = '\0';
		used += len + 1;
		if (after_dashdash || !eq) {
			if (argc + 1 >= argv_max)
				return -E2BIG;
			argv[argc++] = copy;
			continue;
		}
		/* An environment word replaces one with the same name (HOME=, TERM= too). */
		size_t i;
		for (i = 0; i < envc; i++)
			if (!strncmp(envp[i], copy, name_len + 1))
				break;
		if (i == envc) {
			if (envc + 1 >= envp_max)
				return -E2BIG;
			envc++;
		}
		envp[i] = copy;
	}
	argv[argc] = NULL;
	envp[envc] = NULL;
	return 0;
}
