# SPDX-License-Identifier: MIT
# kestrel commands for gdb (loaded by scripts/gdb; `source scripts/gdb-kestrel.py` by
# hand works too). Attached to QEMU's gdb stub with kernel.elf's symbols:
#
#   kestrel-pt VA   walk the page table the selected CPU is using for VA, in the paging
#                   mode the CPU is in (read from CR3/CR4/EFER or satp, not from the
#                   kernel's variables), one line per level with the entry decoded as the
#                   hardware reads it, then one "result:" line
#   kestrel-mem     the buddy allocator's zones and free blocks per order, read from its
#                   data structures (mm/buddy.c) by symbol
#
# Both only read: no guest state is changed, except QEMU's gdb-stub memory mode for
# the duration of a page-table read (see PhysReader).
import os
import re

import gdb

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


class KestrelError(Exception):
    pass


def u64(v):
    return int(v.cast(gdb.lookup_type("unsigned long long"))) & ((1 << 64) - 1)


def reg(name):
    """The selected CPU's register NAME as an integer, or None if the stub lacks it."""
    try:
        return u64(gdb.newest_frame().read_register(name))
    except (gdb.error, ValueError):
        return None


def require_target(command):
    """Stop with a clear message when gdb is not attached to a live CPU."""
    if gdb.selected_thread() is None:
        raise gdb.GdbError("%s: no target: attach to QEMU first (scripts/gdb does, or "
                           "`target remote HOST:PORT`)" % command)


def arch_name():
    name = gdb.selected_inferior().architecture().name()
    if "x86-64" in name:
        return "x86_64"
    if name.startswith("riscv"):
        return "riscv64"
    raise KestrelError("unsupported gdb architecture '%s' (kestrel: x86_64, riscv64)" % name)


def size_name(shift):
    for unit, s in (("T", 40), ("G", 30), ("M", 20), ("K", 10)):
        if shift >= s:
            return "%d%s" % (1 << (shift - s), unit)
    return "%dB" % (1 << shift)


def maint_packet(packet):
    """Send a raw remote packet; the stub's reply ('' if it does not know the packet)."""
    out = gdb.execute("maintenance packet " + packet, to_string=True)
    m = re.search(r'received: "(.*)"', out)
    return m.group(1) if m else ""


class PhysReader:
    """
    Reads guest physical memory. Page tables are read by physical address through
    QEMU's gdb-stub physical-memory mode (Qqemu.PhyMemMode:1), because that is what
    the hardware walker reads: it works whatever the kernel's own mappings are (before
    paging, on the boot tables, on a direct map that is itself broken, or for tables
    outside RAM the direct map covers). Only when the stub does not offer that mode
    does it fall back to the kernel's direct map (mm_direct_map_base + PA), which
    assumes the kernel's direct map is set up and correct.

    The mode is switched on only around the reads and restored in every case, and
    gdb's memory cache is flushed afterwards, so that nothing read physically is later
    taken for virtual memory.
    """

    def __init__(self):
        self.how = None
        self.saved = None

    def __enter__(self):
        state = maint_packet("qqemu.PhyMemMode")
        if state in ("0", "1") and maint_packet("Qqemu.PhyMemMode:1") == "OK":
            self.saved = state
            self.how = "physical (QEMU gdb-stub PhyMemMode)"
        else:
            try:
                self.base = u64(gdb.parse_and_eval("mm_direct_map_base"))
            except gdb.error:
                raise KestrelError("the gdb stub cannot read physical memory and there is no "
                                   "mm_direct_map_base symbol to read it through")
            if self.base == 0:
                raise KestrelError("the gdb stub cannot read physical memory and the kernel's "
                                   "direct map is not set up yet (mm_direct_map_base is 0)")
            self.how = "the kernel's direct map at %#x" % self.base
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            maint_packet("Qqemu.PhyMemMode:" + self.saved)
            try:
                gdb.execute("maintenance flush dcache", to_string=True)
            except gdb.error:
                pass
        return False

    def read64(self, pa):
        addr = pa if self.saved is not None else self.base + pa
        try:
            mem = gdb.selected_inferior().read_memory(addr, 8)
        except gdb.MemoryError:
            raise KestrelError("cannot read physical address %#x" % pa)
        return int.from_bytes(bytes(mem), "little")


# ---- x86_64 (Intel SDM vol. 3A, chapter 4; AMD APM vol. 2, 5.3) ----

X86_LEVEL_NAMES = {4: "PML5", 3: "PML4", 2: "PDPT", 1: "PD", 0: "PT"}
# IA32_PAT memory-type encodings (SDM vol. 3A, table 11-10).
X86_MEMTYPES = {0: "UC", 1: "WC", 4: "WT", 5: "WP", 6: "WB", 7: "UC-"}


def x86_pat_layout():
    """
    The eight PAT entries the kernel programs, taken from X86_PAT_VALUE in
    arch/x86_64/mmu.c (the one definition): the stub cannot read IA32_PAT. Before
    arch_mmu_cpu_init() the CPU still has its power-on PAT; the kernel only uses
    index 0 (WB in both) until then. None if the source is not there.
    """
    try:
        with open(os.path.join(ROOT, "arch", "x86_64", "mmu.c")) as f:
            m = re.search(r"#define\s+X86_PAT_VALUE\s+(0x[0-9a-fA-F]+)", f.read())
    except OSError:
        return None
    if not m:
        return None
    v = int(m.group(1), 16)
    return [X86_MEMTYPES.get((v >> (8 * i)) & 0xff, "reserved") for i in range(8)]


def x86_walk(va, out):
    cr0, cr3, cr4, efer = reg("cr0"), reg("cr3"), reg("cr4"), reg("efer")
    if None in (cr0, cr3, cr4, efer):
        raise KestrelError("the gdb stub does not expose cr0/cr3/cr4/efer")
    if not cr0 & (1 << 31):
        out("paging is off (CR0.PG = 0): VA = PA")
        return None
    if not efer & (1 << 10):
        raise KestrelError("the CPU is not in long mode (EFER.LMA = 0): 32-bit paging is not decoded")
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
    pat = x86_pat_layout()
    addr_mask = ((1 << 52) - 1) & ~0xfff    # bits 12..MAXPHYADDR-1, at most 51
    table = cr3 & addr_mask
    writable = user = True
    nx = False
    with PhysReader() as mem:
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
                out("  %s  %s leaf with address bits below its size: reserved, #PF" % (where, size_name(shift)))
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
            out("  %s  leaf %s -> PA %#x  [%s] PAT index %d" % (where, size_name(shift), frame,
                                                             " ".join(flags), index))
            notes = []
            if writable is False and not wp:
                notes.append("CR0.WP = 0: supervisor writes allowed anyway")
            out("result: VA %#x -> PA %#x, %s leaf at %s, prot=%s %s %s cache=%s%s" % (
                va, pa, size_name(shift), X86_LEVEL_NAMES[level], prot,
                "user" if user else "kernel", "global" if glob else "nonglobal", cache,
                ("; " + "; ".join(notes)) if notes else ""))
            return pa
    return None


# ---- riscv64 (privileged spec 1.12, 4.3-4.6; Svpbmt, Svnapot) ----

RISCV_MODES = {8: ("Sv39", 3), 9: ("Sv48", 4), 10: ("Sv57", 5)}
RISCV_PBMT = {0: "PMA", 1: "NC", 2: "IO"}


def riscv_walk(va, out):
    satp = reg("satp")
    if satp is None:
        raise KestrelError("the gdb stub does not expose the satp CSR")
    mode, asid, ppn = satp >> 60, (satp >> 44) & 0xffff, satp & ((1 << 44) - 1)
    priv = reg("priv")
    if priv == 3:
        out("note: the hart is in M-mode (the firmware, or a hart not started yet), "
            "where satp does not translate its own accesses")
    if mode == 0:
        out("satp.MODE = Bare (%#x): no translation, VA = PA" % satp)
        return None
    if mode not in RISCV_MODES:
        raise KestrelError("satp.MODE = %d is not a paging mode this decoder knows" % mode)
    name, levels = RISCV_MODES[mode]
    va_bits = 12 + 9 * levels
    # Without Svpbmt enabled for S-mode (menvcfg.PBMTE, bit 62), bits 62:61 are reserved.
    menvcfg = reg("menvcfg")
    pbmte = None if menvcfg is None else bool(menvcfg >> 62 & 1)
    out("VA %#x, %s (satp %#x: ASID %d, root PPN %#x)" % (va, name, satp, asid, ppn))
    top = va >> (va_bits - 1)
    if top not in (0, (1 << (65 - va_bits)) - 1):
        out("result: VA %#x is not a valid %s address (bits 63..%d differ): page fault" % (va, name, va_bits - 1))
        return None
    table = ppn << 12
    glob = False
    with PhysReader() as mem:
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
                    % (where, size_name(shift), fl))
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
            size = "64K NAPOT" if n else size_name(shift)
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


class KestrelPt(gdb.Command):
    """Walk the active page table for a virtual address.

Usage: kestrel-pt VA     (VA: any gdb expression, e.g. kernel_main, &boot_info, 0xffff800000000000)

Reads the paging mode and root from the selected CPU (x86_64: CR0, CR3, CR4.LA57,
EFER; riscv64: satp), reads each level's entry by physical address, and prints one
line per level (table or leaf, physical address, flags), then a "result:" line with
the translation: physical address, leaf size, effective protection (x86_64: R/W and
U/S of every level, NX of any), user or kernel, global, and caching (x86_64: the PAT
entry the PAT/PCD/PWT bits select in the layout the kernel programs; riscv64: the
Svpbmt type, PMA when the platform's attributes decide)."""

    def __init__(self):
        super().__init__("kestrel-pt", gdb.COMMAND_DATA, gdb.COMPLETE_EXPRESSION)

    def invoke(self, argument, from_tty):
        if not argument.strip():
            raise gdb.GdbError("usage: kestrel-pt VA")
        require_target("kestrel-pt")
        try:
            value = gdb.parse_and_eval(argument)
            if value.type.strip_typedefs().code == gdb.TYPE_CODE_FUNC:
                value = value.address
            va = u64(value)
            lines = []
            walk = x86_walk if arch_name() == "x86_64" else riscv_walk
            walk(va, lines.append)
        except KestrelError as e:
            raise gdb.GdbError("kestrel-pt: %s" % e)
        for line in lines:
            gdb.write(line + "\n")


def static_var(name, filename):
    """The static variable NAME defined in FILENAME (a path suffix), or None."""
    try:
        candidates = gdb.lookup_static_symbols(name)
    except AttributeError:    # gdb before 10
        candidates = [s for s in [gdb.lookup_static_symbol(name)] if s]
    for sym in candidates:
        if sym.symtab and sym.symtab.filename.endswith(filename):
            return sym.value()
    return None


class KestrelMem(gdb.Command):
    """Show the buddy allocator's zones and free blocks per order.

Usage: kestrel-mem

Reads mm/buddy.c's zones[] and per-CPU caches by symbol: for each zone its span,
managed and free frames, and per order the blocks on the free list, the frames they
hold and the blocks waiting in per-CPU caches. Says so when the buddy allocator is
not up yet (before buddy_init() in mm_init())."""

    def __init__(self):
        super().__init__("kestrel-mem", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        # Without a target gdb would read the ELF file's initial values.
        require_target("kestrel-mem")
        zones = static_var("zones", "mm/buddy.c")
        up = static_var("buddy_up", "mm/buddy.c")
        if zones is None:
            raise gdb.GdbError("kestrel-mem: no symbol zones in mm/buddy.c (is kernel.elf loaded?)")
        if up is not None and not bool(up):
            gdb.write("kestrel-mem: the buddy allocator is not up yet (buddy_up is false; "
                      "buddy_init() runs in mm_init())\n")
            return
        names = static_var("zone_names", "mm/buddy.c")
        pcps = static_var("pcps", "mm/buddy.c")
        nzones = zones.type.range()[1] + 1
        norders = zones[0]["nr_free"].type.range()[1] + 1
        ncpus = pcps.type.range()[1] + 1 if pcps is not None else 0
        pcp_orders = pcps[0]["list"][0].type.range()[1] + 1 if ncpus else 0
        kib = 4    # frames are 4 KiB (PAGE_SIZE), on every arch
        total_free = total_managed = 0
        for zi in range(nzones):
            z = zones[zi]
            zname = names[zi].string() if names is not None else "zone %d" % zi
            managed = int(z["managed_frames"])
            free = int(z["free_frames"])
            cached = [0] * norders
            for cpu in range(ncpus):
                for o in range(pcp_orders):
                    cached[o] += int(pcps[cpu]["list"][zi][o]["count"])
            cached_frames = sum(c << o for o, c in enumerate(cached))
            gdb.write("zone %s: [%#x, %#x) managed %d frames (%d KiB), free %d frames + %d in "
                      "per-CPU caches = %d KiB free\n" % (
                          zname, int(z["base"]), int(z["end"]), managed, managed * kib, free,
                          cached_frames, (free + cached_frames) * kib))
            total_free += free + cached_frames
            total_managed += managed
            if managed == 0:
                continue
            gdb.write("  order  block     free blocks  free frames  cached blocks\n")
            for o in range(norders):
                nb = int(z["nr_free"][o])
                if nb == 0 and cached[o] == 0:
                    continue
                gdb.write("  %5d  %-8s  %11d  %11d  %13d\n" % (
                    o, size_name(12 + o), nb, nb << o, cached[o]))
        gdb.write("total: %d of %d managed frames free (%d KiB)\n" % (
            total_free, total_managed, total_free * kib))


KestrelPt()
KestrelMem()
