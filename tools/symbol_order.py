#!/usr/bin/env python3
"""Writes tools/symbol-order.txt: the functions of the `ferrous` binary that run in
`ferrous -e ""`, then those that run in the benchmark programs (at their small sizes),
each group most instructions first, as mangled symbol names for LLD's
--symbol-ordering-file (see build.rs). Start-up code first keeps what every run touches
in the fewest pages.

Linking the code that runs next to each other keeps it in few pages: the kernel maps a
file-backed page together with its cached neighbours when one of them faults, so the
resident size of the binary follows how spread out the executed code is.

Usage: cargo build --release && python3 tools/symbol_order.py   (needs valgrind)
"""

import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "ferrous"
PROGRAMS = ROOT / "benches" / "lua"
OUT = ROOT / "tools" / "symbol-order.txt"

sys.path.insert(0, str(ROOT / "benches"))
from compare import parse_header  # noqa: E402  (the harness's reading of `-- small:`)


def self_costs(profile: Path, binary: Path, costs: Counter) -> None:
    """Adds each function's own instruction count in `binary` from a callgrind profile."""
    objects: dict[str, str] = {}
    functions: dict[str, str] = {}
    in_binary = False
    current = None
    skip_next = False
    for line in profile.read_text(errors="replace").splitlines():
        m = re.match(r"(c?)ob=\((\d+)\)(?: (.*))?", line)
        if m:
            if m.group(3):
                objects[m.group(2)] = m.group(3)
            if not m.group(1):
                in_binary = objects.get(m.group(2)) == str(binary)
            continue
        m = re.match(r"(c?)fn=\((\d+)\)(?: (.*))?", line)
        if m:
            if m.group(3):
                functions[m.group(2)] = m.group(3)
            if not m.group(1):
                current = functions.get(m.group(2))
            continue
        if line.startswith("calls="):
            skip_next = True  # the next cost line is the call's inclusive cost
            continue
        if not line or line[0] not in "0123456789+-*":
            continue
        if skip_next:
            skip_next = False
            continue
        parts = line.split()
        if in_binary and current and len(parts) >= 2 and parts[1].isdigit():
            # callgrind marks recursion levels with 'N; the symbol is the same
            costs[re.sub(r"'\d+$", "", current)] += int(parts[1])


def main() -> int:
    if not BINARY.exists():
        print(f"{BINARY} missing: run cargo build --release first", file=sys.stderr)
        return 1
    runs: list[list[str]] = [["-e", ""]]
    for prog in sorted(PROGRAMS.glob("*.lua")):
        size, _ = parse_header(prog)
        runs.append([str(prog)] + ([size] if size else []))
    startup: Counter = Counter()
    costs: Counter = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for i, args in enumerate(runs):
            profile = Path(tmp) / f"{i}.out"
            subprocess.run(
                ["valgrind", "--tool=callgrind", "--demangle=no",
                 f"--callgrind-out-file={profile}", str(BINARY), *args],
                cwd=PROGRAMS, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                check=True,
            )
            self_costs(profile, BINARY.resolve(), startup if i == 0 else costs)
    nm = subprocess.run(["nm", str(BINARY)], capture_output=True, text=True, check=True)
    code = {p[2] for p in (l.split() for l in nm.stdout.splitlines())
            if len(p) == 3 and p[1] in "tTwW"}
    # The C runtime's start-up and exit code runs in every process; callgrind does not
    # attribute it to the binary, so it is named here.
    crt = ["_start", "deregister_tm_clones", "register_tm_clones", "__do_global_dtors_aux",
           "frame_dummy"]
    first = [n for n in crt if n in code]
    first += [n for n, _ in startup.most_common() if n in code and n not in crt]
    names = first + [n for n, _ in costs.most_common() if n in code and n not in startup]
    OUT.write_text("".join(n + "\n" for n in names))
    print(f"wrote {len(names)} symbols to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
