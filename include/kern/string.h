/* SPDX-License-Identifier: MIT */
/*
 * The freestanding string and memory routines (kernel/string.c). The compiler may
 * emit calls to memcpy/memset/memmove/memcmp itself, so these keep the C names.
 */
#ifndef KERN_STRING_H
#define KERN_STRING_H

#include <kern/types.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
void *memchr(const void *s, int c, size_t n);
/* Copies at most size-1 bytes and always NUL-terminates (if size > 0); returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

#endif
