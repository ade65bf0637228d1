# SPDX-License-Identifier: MIT
# kestrel-pt's aarch64 page-table decoder (Arm ARM DDI 0487, D8.2 translation
# regimes, D8.3 descriptor formats, D8.4 attributes): the EL1&0 regime as TCR_EL1
# sets it up, 4 KiB granule, 48-bit (4 levels) or 52-bit with FEAT_LPA2 (TCR_EL1.DS,
# 5 levels), each entry read by physical address. Levels are named as kestrel's
# core numbers them (L0 = 4 KiB pages, the Arm ARM's lookup level 3). Loaded by
# scripts/gdb-kestrel.py by arch name; the names it defines are described in
# arch/x86_64/gdb.py, and every arch/<arch>/gdb.py defines the same ones.

GDB_ARCHITECTURE = "aarch64"

# MAIR_EL1 attribute bytes (D19.2.97) as the cache names kestrel-pt reports.
AARCH64_ATTRS = {0xff: "WB", 0x44: "WC", 0x04: "UC", 0xaa: "WT"}


def walk(va, out, k):
    tcr = k.reg("TCR_EL1")
    # QEMU 7.2's stub names SCTLR_EL1 by its AArch32 alias "SCTLR".
    sctlr = k.reg("SCTLR_EL1")
    if sctlr is None:
        sctlr = k.reg("SCTLR")
    mair = k.reg("MAIR_EL1")
    if tcr is None or sctlr is None or mair is None:
        raise k.KestrelError("the gdb stub does not expose TCR_EL1, SCTLR_EL1 and MAIR_EL1")
    if not sctlr & 1:
        out("SCTLR_EL1.M = 0 (%#x): the MMU is off, VA = PA" % sctlr)
        return None
    ds = bool(tcr >> 59 & 1)
    upper = bool(va >> 63)
    tsz = (tcr >> 16 & 0x3f) if upper else (tcr & 0x3f)
    va_bits = 64 - tsz
    ttbr = k.reg("TTBR1_EL1" if upper else "TTBR0_EL1")
    if ttbr is None:
        raise k.KestrelError("the gdb stub does not expose TTBR0_EL1/TTBR1_EL1")
    if va_bits == 48 and not ds:
        name, levels = "48-bit", 4
    elif va_bits == 52 and ds:
        name, levels = "52-bit", 5
    else:
        raise k.KestrelError("TCR_EL1 %#x: a %d-bit regime (DS %d) this decoder does not know"
                             % (tcr, va_bits, ds))
    asid = ttbr >> 48
    base = ttbr & 0xffffffffffc0 & ((1 << 48) - 1)
    if ds:
        base |= (ttbr >> 2 & 0xf) << 48
    out("VA %#x, %s (%s %#x: ASID %d, table at PA %#x; TCR_EL1 %#x)"
        % (va, name, "TTBR1_EL1" if upper else "TTBR0_EL1", ttbr, asid, base, tcr))
    top = va >> va_bits
    if top not in (0, (1 << (64 - va_bits)) - 1) or (top != 0) != upper:
        out("result: VA %#x is outside both %s halves: translation fault" % (va, name))
        return None

    def oa(e):
        if ds:
            return (e & ((1 << 50) - 1) & ~0xfff) | (e >> 8 & 3) << 50
        return e & ((1 << 48) - 1) & ~0xfff

    table = base
    with k.PhysReader() as mem:
        for level in range(levels - 1, -1, -1):
            shift = 12 + 9 * level
            bits = va_bits - shift if level == levels - 1 else 9
            idx = (va >> shift) & ((1 << bits) - 1)
            slot = table + 8 * idx
            e = mem.read64(slot)
            where = "%-8s at PA %#014x = %#018x" % ("L%d[%d]" % (level, idx), slot, e)
            if not e & 1:
                soft = ", kestrel keeps an inaccessible leaf here (bit 55)" if e >> 55 & 1 else ""
                out("  %s  invalid (bit 0 clear)%s" % (where, soft))
                out("result: VA %#x not mapped (invalid at L%d): translation fault" % (va, level))
                return None
            is_table = level > 0 and e & 2
            if is_table:
                table = oa(e)
                out("  %s  table -> PA %#x" % (where, table))
                continue
            if level == 0 and not e & 2:
                out("  %s  block encoding at the last level: reserved, translation fault" % where)
                return None
            if level > 2:
                out("  %s  block at L%d: kestrel maps none this large" % (where, level))
            frame = oa(e)
            pa = frame | (va & ((1 << shift) - 1))
            attr = (mair >> (8 * (e >> 2 & 7))) & 0xff
            cache = AARCH64_ATTRS.get(attr, "attr%#x" % attr)
            user = bool(e >> 6 & 1)
            ro = bool(e >> 7 & 1)
            xn = bool(e >> (54 if user else 53) & 1)
            prot = "r" + ("-" if ro else "w") + ("-" if xn else "x")
            flags = [f for f, b in (("AF", e >> 10 & 1), ("nG", e >> 11 & 1), ("PXN", e >> 53 & 1),
                                    ("UXN", e >> 54 & 1), ("EL0", user), ("RO", ro)) if b]
            out("  %s  %s %s -> PA %#x  [%s]" % (where, "page" if level == 0 else "block",
                                                k.size_name(shift), frame, " ".join(flags)))
            notes = []
            if not e >> 10 & 1:
                notes.append("AF clear: the first access faults")
            out("result: VA %#x -> PA %#x, %s leaf at L%d, prot=%s %s %s cache=%s%s" % (
                va, pa, k.size_name(shift), level, prot, "user" if user else "kernel",
                "nonglobal" if e >> 11 & 1 else "global", cache,
                ("; " + "; ".join(notes)) if notes else ""))
            return pa
    return None
