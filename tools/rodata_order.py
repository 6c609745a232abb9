#!/usr/bin/env python3
"""Writes tools/rodata-order.ld: a linker script that puts the read-only data a short run
of `ferrous` reads into one output section ahead of the rest (see build.rs and
docs/internals.md, "Code layout").

Why: under fat LTO the interpreter's constants (library names, jump tables, number
formatting tables) end up interleaved with the JIT's 450 KB of Cranelift tables, and a
start-up that reads a few bytes each from seven 64 KB windows keeps all seven resident.
Gathered, they fit in one or two.

The data is found by tracing every load of a short run with valgrind's lackey tool and
naming the input section each one falls in from a link map. Section names of anonymous
constants (`.rodata..Lanon.<hash>.<n>`) shift when the code changes; a stale name matches
nothing and that constant stays where LLD puts it by default, so the script degrades
gracefully and only needs writing again after larger changes. The jump tables of the
interpreter's own functions are named after them and are added by pattern.

Usage: cargo build --release && python3 tools/rodata_order.py   (needs valgrind; relinks)
"""

import bisect
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "ferrous"
OUT = ROOT / "tools" / "rodata-order.ld"

# A start-up, a little of everything the interpreter does in every program (tables,
# string conversion and formatting, calls, a collection), and exit.
RUNS = [
    ["-e", ""],
    ["-e", "local t = {} for i = 1, 200 do t[i] = i * 2.5 .. '' end "
           "local s = string.format('%5.2f %d %s', t[3], #t, tostring(t)) "
           "collectgarbage() print(s:sub(1, 4))"],
]

# Jump tables of the interpreter's functions, wherever the trace did not reach.
PATTERNS = [
    ".rodata._ZN*ferrous_runtime*",
    ".rodata._ZN*ferrous_interp*",
    ".rodata..Lswitch.table._ZN*ferrous_runtime*",
    ".rodata..Lswitch.table._ZN*ferrous_interp*",
]

ENTRY = re.compile(r"\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\d+\s+\S*:\((\.rodata[^)]*)\)")
ACCESS = re.compile(r"\s*[LSM]\s+([0-9a-f]+),")


def link_map(path: Path) -> list[tuple[int, int, str]]:
    """Relinks the binary with a link map; returns its read-only data input sections."""
    subprocess.run(
        ["cargo", "rustc", "--release", "--quiet", "--bin", "ferrous", "--",
         "-C", f"link-arg=-Wl,-Map={path}"],
        cwd=ROOT, check=True,
    )
    sections = []
    for line in path.read_text(errors="replace").splitlines():
        m = ENTRY.match(line)
        if m:
            sections.append((int(m.group(1), 16), int(m.group(2), 16), m.group(3)))
    return sorted(sections)


def touched(sections: list[tuple[int, int, str]], trace: Path, order: list[str]) -> None:
    """Appends to `order` each section a lackey trace reads, in the order first read."""
    starts = [s[0] for s in sections]
    seen = set(order)
    with trace.open(errors="replace") as f:
        for line in f:
            m = ACCESS.match(line)
            if not m:
                continue
            addr = int(m.group(1), 16)
            i = bisect.bisect_right(starts, addr) - 1
            if i < 0 or addr >= sections[i][0] + sections[i][1]:
                continue
            name = sections[i][2]
            if name not in seen:
                seen.add(name)
                order.append(name)


def main() -> int:
    order: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        sections = link_map(Path(tmp) / "ferrous.map")
        for i, args in enumerate(RUNS):
            trace = Path(tmp) / f"{i}.trace"
            subprocess.run(
                ["valgrind", "--tool=lackey", "--trace-mem=yes", f"--log-file={trace}",
                 str(BINARY), *args],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
            )
            touched(sections, trace, order)
    lines = [f"    *({name})" for name in order + PATTERNS]
    OUT.write_text(
        "/* Written by tools/rodata_order.py: the read-only data a short run reads, first. */\n"
        "SECTIONS {\n"
        # `main` reads a byte of this one so that it is kept (for gdb's pretty-printers)
        "  .debug_gdb_scripts : { *(.debug_gdb_scripts) }\n"
        "  .rodata.hot : {\n" + "\n".join(lines) + "\n  }\n}\n"
        "INSERT BEFORE .gcc_except_table;\n"
    )
    print(f"wrote {len(order)} sections and {len(PATTERNS)} patterns to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
