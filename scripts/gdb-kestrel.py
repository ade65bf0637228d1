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
#   set kestrel-arch ARCH
#                   which arch/<ARCH>/gdb.py decodes the page tables (scripts/gdb sets
#                   it); empty (the default): the one whose GDB_ARCHITECTURE matches
#                   gdb's architecture
#
# The commands only read: no guest state is changed, except QEMU's gdb-stub memory mode for
# the duration of a page-table read (see PhysReader). This file holds what every arch
# shares; each arch's page-table decoder is arch/<arch>/gdb.py, loaded on first use.
import glob
import importlib.util
import os
import re
import types

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


# ---- the per-arch decoders: arch/<arch>/gdb.py (the interface: arch/x86_64/gdb.py) ----

# What an arch module gets to work with (its walk()'s third argument).
HELPERS = types.SimpleNamespace(reg=reg, PhysReader=PhysReader, size_name=size_name,
                                KestrelError=KestrelError)
arch_modules = {}


def arch_module(arch):
    """arch/ARCH/gdb.py, loaded once from the source tree (it is not a package)."""
    if arch in arch_modules:
        return arch_modules[arch]
    path = os.path.join(ROOT, "arch", arch, "gdb.py")
    if not os.path.isfile(path):
        raise KestrelError("arch/%s/gdb.py is missing: it decodes %s's page tables for "
                           "kestrel-pt (see docs/porting.md and arch/x86_64/gdb.py)" % (arch, arch))
    try:
        spec = importlib.util.spec_from_file_location("kestrel_arch_" + arch, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception as e:
        raise KestrelError("arch/%s/gdb.py did not load: %s: %s" % (arch, type(e).__name__, e))
    for name in ("GDB_ARCHITECTURE", "walk"):
        if not hasattr(module, name):
            raise KestrelError("arch/%s/gdb.py defines no %s (see arch/x86_64/gdb.py)" % (arch, name))
    arch_modules[arch] = module
    return module


def current_arch_module():
    """The decoder for the arch kestrel-arch names, else the one matching gdb's architecture."""
    gdb_arch = gdb.selected_inferior().architecture().name()
    arch = KestrelArch.value
    if arch:
        module = arch_module(arch)
        if not gdb_arch.startswith(module.GDB_ARCHITECTURE):
            raise KestrelError("gdb's architecture is %s, but kestrel-arch %s expects %s "
                               "(arch/%s/gdb.py): `set kestrel-arch` to the kernel's arch"
                               % (gdb_arch, arch, module.GDB_ARCHITECTURE, arch))
        return module
    known = []
    for path in sorted(glob.glob(os.path.join(ROOT, "arch", "*", "gdb.py"))):
        module = arch_module(os.path.basename(os.path.dirname(path)))
        if gdb_arch.startswith(module.GDB_ARCHITECTURE):
            return module
        known.append("%s (%s)" % (os.path.relpath(path, ROOT), module.GDB_ARCHITECTURE))
    raise KestrelError("no arch/<arch>/gdb.py decodes gdb's architecture %s (there are: %s); "
                       "`set kestrel-arch ARCH` names one" % (gdb_arch, ", ".join(known) or "none"))


class KestrelArchParameter(gdb.Parameter):
    """Which arch/<arch>/gdb.py kestrel-pt decodes the page tables with (scripts/gdb sets
it). Empty: the one whose GDB_ARCHITECTURE matches gdb's architecture."""

    set_doc = "Set the kestrel arch whose page-table decoder kestrel-pt uses."
    show_doc = "Show the kestrel arch whose page-table decoder kestrel-pt uses."

    def __init__(self):
        super().__init__("kestrel-arch", gdb.COMMAND_DATA, gdb.PARAM_STRING)
        self.value = ""

    def get_set_string(self):
        # Not checked here: kestrel-pt names a missing or broken arch/<arch>/gdb.py
        # each time it runs, which is where the message is seen.
        return ""

    def get_show_string(self, svalue):
        return svalue or "(from gdb's architecture)"


class KestrelPt(gdb.Command):
    """Walk the active page table for a virtual address.

Usage: kestrel-pt VA     (VA: any gdb expression, e.g. kernel_main, &boot_info, 0xffff800000000000)

Reads the paging mode and root from the selected CPU (x86_64: CR0, CR3, CR4.LA57,
EFER; riscv64: satp; each arch's decoder is arch/<arch>/gdb.py, chosen by
kestrel-arch), reads each level's entry by physical address, and prints one
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
            current_arch_module().walk(va, lines.append, HELPERS)
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
        # pcps: one flat array of per-CPU stacks, CPU by CPU, then zone, then order
        # (pcp_of() in mm/buddy.c); the CPU count is the length of percpu_areas.
        areas = gdb.lookup_global_symbol("percpu_areas")
        ncpus = areas.type.range()[1] + 1 if areas is not None and pcps is not None else 0
        nstacks = pcps.type.range()[1] + 1 if ncpus else 0
        pcp_orders = nstacks // (ncpus * nzones) if ncpus else 0
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
                    cached[o] += int(pcps[(cpu * nzones + zi) * pcp_orders + o]["count"])
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


KestrelArch = KestrelArchParameter()
KestrelPt()
KestrelMem()
