/* SPDX-License-Identifier: MIT */
/* x86_64 console set-up (console.c). */
#ifndef ARCH_CONSOLE_H
#define ARCH_CONSOLE_H

/* Program COM1; arch_console_putc() prints nothing until this ran. */
void x86_console_init(void);

#endif
