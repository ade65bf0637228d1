# SPDX-License-Identifier: MIT
# kestrel-pt's x86_64 page-table decoder (Intel SDM vol. 3A, chapter 4; AMD APM
# vol. 2, 5.3): 4- and 5-level paging as the CPU is set up (CR0, CR3, CR4.LA57,
# EFER), each entry read by physical address. Loaded by scripts/gdb-kestrel.py by
# arch name; every arch/<arch>/gdb.py defines the same two names:
#
#   GDB_ARCHITECTURE   the start of gdb's architecture name for this arch (`show
#                      architecture`): kestrel-pt checks the attached target is one
#                      and, when sourced by hand, picks the module by it
#   walk(va, out, k)   walk the selected CPU's active page table for va, passing each
#                      line to out(); the first is "VA <va>, <mode> ...", one per level
#                      follows and the last is "result: VA <va> -> PA <pa>, ... prot=rwx
#                      user|kernel global|nonglobal cache=TYPE" (tests/boot/gdb-check
#                      reads them), or a "result:" line naming the fault. Returns the
#                      PA or None. k holds the generic helpers: k.reg(name) (a
#                      register or None), k.PhysReader() (a context manager with
#                      read64(pa)), k.size_name(shift), k.KestrelError (raise it for a
#                      state the decoder cannot read)
import os
import re

GDB_ARCHITECTURE = "i386:x86-64"

X86_LEVEL_NAMES = {4: "PML5", 3: "PML4", 2: "PDPT", 1: "PD", 0: "PT"}
# IA32_PAT memory-type encodings (SDM vol. 3A, table 11-10).
X86_MEMTYPES = {0: "UC", 1: "WC", 4: "WT", 5: "WP", 6: "WB", 7: "UC-"}


def pat_layout():
    """
    The eight PAT entries the kernel programs, taken from X86_PAT_VALUE in
    arch/x86_64/mmu.c (the one definition): the stub cannot read IA32_PAT. Before
    arch_mmu_cpu_init() the CPU still has its power-on PAT; the kernel only uses
    index 0 (WB in both) until then. None if the source is not there.
    """
    try:
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "mmu.c")) as f:
            m = re.search(r"#define\s+X86_PAT_VALUE\s+(0x[0-9a-fA-F]+)", f.read())
    except OSError:
        return None
    if not m:
        return None
    v = int(m.group(1), 16)
    return [X86_MEMTYPES.get((v >> (8 * i)) & 0xff, "reserved") for i in range(8)]


def walk(va, out, k):
    cr0, cr3, cr4, efer = k.reg("cr0"), k.reg("cr3"), k.reg("cr4"), k.reg("efer")
    if None in (cr0, cr3, cr4, efer):
        raise k.KestrelError("the gdb stub does not expose cr0/cr3/cr4/efer")
    if not cr0 & (1 << 31):
        out("paging is off (CR0.PG = 0): VA = PA")
        return None
    if not efer & (1 << 10):
        raise k.KestrelError("the CPU is not in long mode (EFER.LMA = 0): 32-bit paging is not decoded")
    la57 = bool(cr4 & (1 << 12))
    levels = 5 if la57 else 4
    va_bits = 12 + 9 * levels
    nxe = bool(efer & (1 << 11))
    wp = bool(cr0 & (1 << 16))
    pge = bool(cr4 & (1 << 7))
    cd = bool(cr0 & (1 << 30))
    top = va >> (va_bits - 1)
    out("VA %#x, %d-level paging (CR4.LA57 = %d), CR3 %#x" % (va, levels, int(la57), cr3))
    if top not in (0, (1 << (65 - va_bits)) - 1):
        out("result: VA %#x is not canonical for %d-bit addresses: #GP, no walk" % (va, va_bits))
        return None
    pat = pat_layout()
    addr_mask = ((1 << 52) - 1) & ~0xfff    # bits 12..MAXPHYADDR-1, at most 51
    table = cr3 & addr_mask
    writable = user = True
    nx = False
    with k.PhysReader() as mem:
        for level in range(levels - 1, -1, -1):
            idx = (va >> (12 + 9 * level)) & 511
            slot = table + 8 * idx
            e = mem.read64(slot)
            name = "%s[%d]" % (X86_LEVEL_NAMES[level], idx)
            where = "%-9s at PA %#014x = %#018x" % (name, slot, e)
            if not e & 1:
                soft = ", kestrel keeps an inaccessible leaf here (bit 9)" if e & (1 << 9) else ""
                out("  %s  not present%s" % (where, soft))
                out("result: VA %#x not mapped (not present at %s): #PF" % (va, X86_LEVEL_NAMES[level]))
                return None
            rw, us = bool(e & 2), bool(e & 4)
            pwt, pcd, ps = bool(e & 8), bool(e & 16), bool(e & 128)
            e_nx = bool(e >> 63)
            flags = ["P", "RW" if rw else "RO", "U" if us else "S"]
            flags += [n for n, b in (("PWT", 3), ("PCD", 4), ("A", 5)) if e & (1 << b)]
            if e_nx:
                flags.append("NX")
            if e_nx and not nxe:
                out("  %s  NX set while EFER.NXE = 0: reserved bit, #PF" % where)
                return None
            writable &= rw
            user &= us
            nx |= e_nx
            is_leaf = level == 0 or ps
            if ps and level >= 3:
                out("  %s  PS set in a %s entry: reserved bit, #PF" % (where, X86_LEVEL_NAMES[level]))
                return None
            if not is_leaf:
                table = e & addr_mask
                out("  %s  table -> PA %#x  [%s]" % (where, table, " ".join(flags)))
                continue
            shift = 12 + 9 * level
            pat_bit = bool(e & (1 << 7)) if level == 0 else bool(e & (1 << 12))
            flags += [n for n, b in (("D", 6), ("G", 8)) if e & (1 << b)]
            if level > 0:
                flags.insert(3, "PS")
            if pat_bit:
                flags.append("PAT")
            frame = e & addr_mask & ~((1 << shift) - 1)
            if level > 0 and e & addr_mask & ((1 << shift) - 1) & ~(1 << 12):
                out("  %s  %s leaf with address bits below its size: reserved, #PF" % (where, k.size_name(shift)))
                return None
            pa = frame | (va & ((1 << shift) - 1))
            index = (pat_bit << 2) | (pcd << 1) | pwt
            if cd:
                cache = "UC (CR0.CD set)"
            elif pat is None:
                cache = "PAT%d (layout unknown)" % index
            else:
                cache = pat[index]
            prot = "r" + ("w" if writable else "-") + ("-" if nx else "x")
            glob = bool(e & (1 << 8)) and pge
            out("  %s  leaf %s -> PA %#x  [%s] PAT index %d" % (where, k.size_name(shift), frame,
                                                             " ".join(flags), index))
            notes = []
            if writable is False and not wp:
                notes.append("CR0.WP = 0: supervisor writes allowed anyway")
            out("result: VA %#x -> PA %#x, %s leaf at %s, prot=%s %s %s cache=%s%s" % (
                va, pa, k.size_name(shift), X86_LEVEL_NAMES[level], prot,
                "user" if user else "kernel", "global" if glob else "nonglobal", cache,
                ("; " + "; ".join(notes)) if notes else ""))
            return pa
    return None
