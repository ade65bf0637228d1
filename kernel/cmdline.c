// SPDX-License-Identifier: MIT
/*
 * The kernel command line (see <kern/cmdline.h>). One static copy, written once by
 * the boot CPU before anything reads it.
 */
#include <kern/cmdline.h>
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

bool cmdline_has(const char *name)
{
	const char *pos = cmdline, *w, *v;
	size_t len, vlen;

	while ((w = next_word(&pos, &len)))
		if (word_is(w, len, name, &v, &vlen))
			return true;
	return false;
}

int cmdline_get_value(const char *name, char *buf, size_t size)
{
	const char *pos = cmdline, *w, *v, *found = NULL;
	size_t len, vlen, flen = 0;

	while ((w = next_word(&pos, &len))) {
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
