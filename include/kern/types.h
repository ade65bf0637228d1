/* SPDX-License-Identifier: MIT */
/*
 * Basic types. The kernel uses the compiler's freestanding headers (never a libc's),
 * so this file compiles unchanged in the kernel and in host unit tests.
 */
#ifndef KERN_TYPES_H
#define KERN_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#include <kern/compiler.h>

#endif
