// SPDX-License-Identifier: MIT
/* The direct-map base (see <mm/types.h>): set once at boot by arch code. */
#include <mm/types.h>

uintptr_t mm_direct_map_base;
