# SPDX-License-Identifier: MIT
# kestrel-pt's riscv64 page-table decoder (privileged spec 1.12, 4.3-4.6; Svpbmt,
# Svnapot): Sv39, Sv48 and Sv57 as satp selects, each entry read by physical
# address. Loaded by scripts/gdb-kestrel.py by arch name; the names it defines are
# described in arch/x86_64/gdb.py, and every arch/<arch>/gdb.py defines the same ones.

GDB_ARCHITECTURE = "riscv:rv64"

RISCV_MODES = {8: ("Sv39", 3), 9: ("Sv48", 4), 10: ("Sv57", 5)}
RISCV_PBMT = {0: "PMA", 1: "NC", 2: "IO"}


def walk(va, out, k):
    satp = k.reg("satp")
    if satp is None:
        raise k.KestrelError("the gdb stub does not expose the satp CSR")
    mode, asid, ppn = satp >> 60, (satp >> 44) & 0xffff, satp & ((1 << 44) - 1)
    priv = k.reg("priv")
    if priv == 3:
        out("note: the hart is in M-mode (the firmware, or a hart not started yet), "
            "where satp does not translate its own accesses")
    if mode == 0:
        out("satp.MODE = Bare (%#x): no translation, VA = PA" % satp)
        return None
    if mode not in RISCV_MODES:
        raise k.KestrelError("satp.MODE = %d is not a paging mode this decoder knows" % mode)
    name, levels = RISCV_MODES[mode]
    va_bits = 12 + 9 * levels
    # Without Svpbmt enabled for S-mode (menvcfg.PBMTE, bit 62), bits 62:61 are reserved.
    menvcfg = k.reg("menvcfg")
    pbmte = None if menvcfg is None else bool(menvcfg >> 62 & 1)
    out("VA %#x, %s (satp %#x: ASID %d, root PPN %#x)" % (va, name, satp, asid, ppn))
    top = va >> (va_bits - 1)
    if top not in (0, (1 << (65 - va_bits)) - 1):
        out("result: VA %#x is not a valid %s address (bits 63..%d differ): page fault" % (va, name, va_bits - 1))
        return None
    table = ppn << 12
    glob = False
    with k.PhysReader() as mem:
        for level in range(levels - 1, -1, -1):
            idx = (va >> (12 + 9 * level)) & 511
            slot = table + 8 * idx
            e = mem.read64(slot)
            lname = "L%d[%d]" % (level, idx)
            where = "%-8s at PA %#014x = %#018x" % (lname, slot, e)
            v, r, w, x = e & 1, e >> 1 & 1, e >> 2 & 1, e >> 3 & 1
            u, g, a, d = e >> 4 & 1, e >> 5 & 1, e >> 6 & 1, e >> 7 & 1
            pbmt, n = e >> 61 & 3, e >> 63
            e_ppn = (e >> 10) & ((1 << 44) - 1)
            flags = [f for f, b in (("V", v), ("R", r), ("W", w), ("X", x), ("U", u),
                                    ("G", g), ("A", a), ("D", d)) if b]
            if n:
                flags.append("N")
            if pbmt:
                flags.append("PBMT=%s" % RISCV_PBMT.get(pbmt, "3"))
            fl = " ".join(flags)
            # 4.3.2 step 3: V clear, or W without R, ends the walk with a page fault.
            if not v:
                soft = ", kestrel keeps an inaccessible leaf here (RSW bit 8)" if e & (1 << 8) else ""
                out("  %s  invalid (V = 0)%s" % (where, soft))
                out("result: VA %#x not mapped (invalid at L%d): page fault" % (va, level))
                return None
            if w and not r:
                out("  %s  W without R: reserved, page fault  [%s]" % (where, fl))
                return None
            if e >> 54 & 0x7f:
                out("  %s  reserved bits 60:54 set: page fault  [%s]" % (where, fl))
                return None
            glob |= bool(g)   # 4.3.1: G on a non-leaf makes everything below it global
            if not (r or x):
                if level == 0:
                    out("  %s  pointer at the last level: page fault  [%s]" % (where, fl))
                    return None
                if pbmt or n:
                    out("  %s  PBMT/N set in a non-leaf entry: reserved, page fault  [%s]" % (where, fl))
                    return None
                table = e_ppn << 12
                note = "  (U/A/D set: reserved in a non-leaf)" if (u or a or d) else ""
                out("  %s  table -> PA %#x  [%s]%s" % (where, table, fl, note))
                continue
            shift = 12 + 9 * level
            if e_ppn & ((1 << (9 * level)) - 1):
                out("  %s  misaligned %s superpage (low PPN bits set): page fault  [%s]"
                    % (where, k.size_name(shift), fl))
                return None
            if pbmt and (pbmte is False or pbmt == 3):
                out("  %s  PBMT %d with %s: reserved, page fault  [%s]" % (
                    where, pbmt, "menvcfg.PBMTE = 0" if pbmte is False else "value 3", fl))
                return None
            if n and not (level == 0 and e_ppn & 0xf == 0b1000):
                out("  %s  N set without a 64 KiB NAPOT PPN: reserved, page fault  [%s]" % (where, fl))
                return None
            frame = e_ppn << 12
            pa = frame | (va & ((1 << shift) - 1))
            # Svnapot: the low 16 address bits come from the VA.
            if n:
                frame &= ~0xffff
                pa = frame | (va & 0xffff)
            size = "64K NAPOT" if n else k.size_name(shift)
            out("  %s  leaf %s -> PA %#x  [%s]" % (where, size, frame, fl))
            # PBMT 0: the physical region's PMAs decide (RAM on QEMU virt: cacheable).
            cache = RISCV_PBMT[pbmt]
            notes = []
            if not a or (w and not d):
                notes.append("A/D clear: an access may fault or set them")
            prot = ("r" if r else "-") + ("w" if w else "-") + ("x" if x else "-")
            out("result: VA %#x -> PA %#x, %s leaf at L%d, prot=%s %s %s cache=%s%s" % (
                va, pa, size, level, prot, "user" if u else "kernel",
                "global" if glob else "nonglobal", cache,
                ("; " + "; ".join(notes)) if notes else ""))
            return pa
    return None
