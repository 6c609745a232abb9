#!/usr/bin/env python3
"""Compare Ferrous with PUC Lua 5.4 and LuaJIT on the benchmark programs.

Runs every program in benches/lua/ under each virtual machine, checks its standard
output against the program's .expected file, and prints a table of median wall times,
speed ratios and peak memory, then a second table of median CPU times (user+sys of the
benchmark process) and CPU speed ratios. Raw results go to benches/results/latest.json
and .csv.

    python3 benches/compare.py                  # everything, 5 interleaved runs
    python3 benches/compare.py --runs 1 fib     # one program, one run
    python3 benches/compare.py --small          # quick correctness smoke test

Program conventions (benches/lua/<name>.lua):
  * <name>.expected holds the exact expected stdout at the default size (no argument);
    without it the output is not checked (a warning says so).
  * a header line `-- small: <N>` gives a small size, passed as arg[1] by --small.
  * a header line `-- luajit: skip` keeps the program off the luajit VMs (5.4-only code).
  (Both are looked for in the leading `--` comment lines; the convention is line 1 for
  the luajit marker and line 2 for the small size.)

Ratios: speed "vs X" = X's median time / Ferrous's median time, so a value above 1.00
means Ferrous is faster. "cpu vs X" is the same with median CPU times. Memory
"mem/lua5.4" = Ferrous peak RSS / lua5.4 peak RSS, so a value below 1.00 means Ferrous
uses less. Cells that failed (wrong output, nonzero exit, timeout) show FAIL and are left
out of medians, ratios and geometric means.

CPU time is the benchmark process's user+sys time from the rusage os.wait4 returns. On a
busy machine it varies much less than wall time. Under GNU time the rusage is the `time`
process's, which includes the program it waited for (plus about a millisecond of its own).

Exit status: 0 when every run that was made succeeded, 1 when any cell failed, 2 on a
usage error.

Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DIR = REPO / "benches" / "lua"
DEFAULT_OUT = REPO / "benches" / "results" / "latest.json"
DEFAULT_FERROUS = "target/release/ferrous"

# VM name -> (executable to look for, extra arguments, is a LuaJIT, is a Ferrous).
VM_SPECS: dict[str, tuple[str, list[str], bool, bool]] = {
    "ferrous": ("ferrous", ["--no-jit"], False, True),
    "ferrous-jit": ("ferrous", ["--jit"], False, True),
    "lua5.4": ("lua5.4", [], False, False),
    "luajit-joff": ("luajit", ["-joff"], True, False),
    "luajit": ("luajit", [], True, False),
}
DEFAULT_VMS = ["ferrous", "lua5.4", "luajit-joff", "luajit"]
# References the Ferrous VMs are compared with, in column order.
REFERENCES = ["lua5.4", "luajit-joff", "luajit"]
SHORT = {
    "ferrous": "ferrous",
    "ferrous-jit": "fer-jit",
    "lua5.4": "lua5.4",
    "luajit-joff": "lj-joff",
    "luajit": "luajit",
}


# --------------------------------------------------------------------------------------
# Programs
# --------------------------------------------------------------------------------------


@dataclass
class Program:
    name: str
    path: Path
    expected: bytes | None
    small: str | None
    luajit_skip: bool


def parse_header(path: Path) -> tuple[str | None, bool]:
    """The `-- small: N` value and whether `-- luajit: skip` is present."""
    small = None
    skip = False
    with path.open("rb") as f:
        for i, raw in enumerate(f):
            if i >= 10:
                break
            line = raw.decode("utf-8", "replace").strip()
            if i == 0 and line.startswith("#!"):
                continue
            if not line.startswith("--"):
                break
            body = line[2:].strip()
            key, sep, value = body.partition(":")
            if not sep:
                continue
            key = key.strip().lower()
            value = value.strip()
            if key == "small" and value:
                small = value.split()[0]
            elif key == "luajit" and value.lower().startswith("skip"):
                skip = True
    return small, skip


def discover(folder: Path, names: list[str], filters: list[str]) -> list[Program]:
    programs = []
    for path in sorted(folder.glob("*.lua")):
        name = path.stem
        if names or filters:
            wanted = name in names or any(f in name for f in filters)
            if not wanted:
                continue
        exp_path = path.with_suffix(".expected")
        expected = exp_path.read_bytes() if exp_path.exists() else None
        small, skip = parse_header(path)
        programs.append(Program(name, path, expected, small, skip))
    missing = [n for n in names if not any(p.name == n for p in programs)]
    for n in missing:
        print(f"warning: no program named {n!r} in {folder}", file=sys.stderr)
    return programs


# --------------------------------------------------------------------------------------
# Virtual machines
# --------------------------------------------------------------------------------------


@dataclass
class VM:
    name: str
    argv: list[str]
    is_luajit: bool
    is_ferrous: bool
    version: str = ""


def version_of(argv0: str) -> str:
    try:
        r = subprocess.run(
            [argv0, "-v"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unknown ({e})"
    text = (r.stdout + r.stderr).decode("utf-8", "replace").strip()
    return text.splitlines()[0] if text else "unknown"


def build_ferrous() -> bool:
    cmd = ["cargo", "build", "--release", "--bin", "ferrous"]
    print(f"building ferrous: {' '.join(cmd)}", file=sys.stderr)
    r = subprocess.run(cmd, cwd=REPO)
    if r.returncode != 0:
        print("error: cargo build failed", file=sys.stderr)
        return False
    return True


def resolve_vms(args: argparse.Namespace) -> list[VM]:
    if args.vms:
        names = [v.strip() for v in args.vms.split(",") if v.strip()]
        unknown = [n for n in names if n not in VM_SPECS]
        if unknown:
            sys.exit(
                f"error: unknown VM(s) {', '.join(unknown)}; choose from "
                f"{', '.join(VM_SPECS)}"
            )
    else:
        names = list(DEFAULT_VMS)
        if args.jit:
            names.insert(1, "ferrous-jit")

    ferrous_path = Path(args.ferrous)
    if not ferrous_path.is_absolute():
        ferrous_path = REPO / ferrous_path
    wants_ferrous = any(VM_SPECS[n][3] for n in names)
    if wants_ferrous and (args.build or not ferrous_path.exists()):
        if not build_ferrous() or not ferrous_path.exists():
            sys.exit(f"error: {ferrous_path} missing after build")

    vms = []
    versions: dict[str, str] = {}
    for n in names:
        exe, extra, is_lj, is_fer = VM_SPECS[n]
        if is_fer:
            argv0 = str(ferrous_path)
        else:
            found = shutil.which(exe)
            if found is None:
                print(f"skipping {n}: not installed", file=sys.stderr)
                continue
            argv0 = found
        if argv0 not in versions:
            versions[argv0] = version_of(argv0)
        vms.append(VM(n, [argv0, *extra], is_lj, is_fer, versions[argv0]))
    return vms


# --------------------------------------------------------------------------------------
# Running one program
# --------------------------------------------------------------------------------------


@dataclass
class RunResult:
    ok: bool
    seconds: float
    cpu_seconds: float  # user+sys of the child (and of its reaped descendants)
    rss_kib: int
    stdout: bytes
    stderr: bytes
    status: int
    timed_out: bool


def find_gnu_time() -> str | None:
    """GNU time, if installed (it measures the peak RSS of the program alone)."""
    path = shutil.which("time")
    if path is None:
        return None
    try:
        r = subprocess.run([path, "--version"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return path if b"GNU" in (r.stdout + r.stderr) else None


# How peak RSS is measured: ("time", path-to-GNU-time) or ("wait4", None). Set in main.
RSS_METHOD: tuple[str, str | None] = ("wait4", None)


def run_once(vm: VM, prog: Program, extra: list[str], timeout: float) -> RunResult:
    """Runs `vm prog.lua extra...` in the program's folder; times it and gets its peak RSS.

    Output goes to temporary files (no pipe to drain), and the child is reaped with
    os.wait4; Popen never waits for it. The peak RSS comes from GNU time (`-f %M`) when
    it is installed: the ru_maxrss that wait4 reports for a child of this Python process
    is at least this process's own RSS (Linux carries the pre-exec high-water mark into
    the child), which would hide the footprint of small programs. Without GNU time,
    wait4's number is used.

    The CPU time is ru_utime + ru_stime from the same wait4 rusage. For a terminated child
    Linux reports its own usage plus that of the descendants it waited for, so under GNU
    time it covers the Lua program as well (GNU time itself adds about a millisecond).
    """
    argv = [*vm.argv, prog.path.name, *extra]
    method, time_path = RSS_METHOD
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(prefix="rss-", suffix=".txt") as rssf:
        if method == "time":
            argv = [time_path, "-f", "%M", "-o", rssf.name, *argv]
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            cwd=prog.path.parent,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,  # own process group, so a timeout kills it all
        )
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, 9)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            while True:
                try:
                    _, wstatus, rusage = os.wait4(proc.pid, 0)
                    break
                except InterruptedError:
                    continue
        finally:
            timer.cancel()
        t1 = time.perf_counter()
        status = os.waitstatus_to_exitcode(wstatus)
        proc.returncode = status  # reaped by us: keep Popen from waiting again
        cpu_seconds = rusage.ru_utime + rusage.ru_stime
        rss_kib = int(rusage.ru_maxrss)
        if method == "time":
            lines = Path(rssf.name).read_text(errors="replace").split()
            rss_kib = int(lines[-1]) if lines and lines[-1].isdigit() else 0
        out.seek(0)
        err.seek(0)
        stdout = out.read()
        stderr = err.read()
    return RunResult(
        ok=status == 0 and not timed_out.is_set(),
        seconds=t1 - t0,
        cpu_seconds=cpu_seconds,
        rss_kib=rss_kib,
        stdout=stdout,
        stderr=stderr,
        status=status,
        timed_out=timed_out.is_set(),
    )


def first_difference(expected: bytes, got: bytes) -> str:
    exp_lines = expected.decode("utf-8", "replace").split("\n")
    got_lines = got.decode("utf-8", "replace").split("\n")
    for i in range(max(len(exp_lines), len(got_lines))):
        e = exp_lines[i] if i < len(exp_lines) else "<end of output>"
        g = got_lines[i] if i < len(got_lines) else "<end of output>"
        if e != g:
            return (
                f"first difference at line {i + 1}:\n"
                f"      expected: {e[:200]!r}\n"
                f"      got:      {g[:200]!r}"
            )
    return "outputs differ (line endings?)"


def failure_text(res: RunResult, expected: bytes | None) -> str | None:
    """Why this run failed, or None when it passed."""
    if res.timed_out:
        return "timed out"
    if res.status != 0:
        tail = res.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        return f"exit status {res.status}" + ("".join(f"\n      {t}" for t in tail))
    if expected is not None and res.stdout != expected:
        return "wrong output; " + first_difference(expected, res.stdout)
    return None


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


@dataclass
class Cell:
    status: str = "pending"  # pending | ok | FAIL | skip
    times: list[float] = field(default_factory=list)
    cpu_times: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    error: str | None = None

    @property
    def median_time(self) -> float | None:
        return statistics.median(self.times) if self.status == "ok" else None

    @property
    def median_cpu(self) -> float | None:
        return statistics.median(self.cpu_times) if self.status == "ok" else None

    @property
    def median_mib(self) -> float | None:
        return statistics.median(self.rss_kib) / 1024 if self.status == "ok" else None


def geomean(xs: list[float]) -> float | None:
    xs = [x for x in xs if x is not None and x > 0]
    if not xs:
        return None
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def fmt(x: float | None, spec: str = ".3f") -> str:
    return "-" if x is None else format(x, spec)


def csv_num(x: float | None, spec: str) -> str:
    """A CSV cell: `x` formatted, or empty when there is no value."""
    return "" if x is None else format(x, spec)


def ratio(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or den <= 0:
        return None
    return num / den


def compute_ratios(
    programs: list[Program], vms: list[VM], cells: dict[tuple[str, str], Cell]
) -> dict[str, dict[str, float | None]]:
    """program -> {"<ferrous vm> vs <ref>": speed, "<ferrous vm> cpu vs <ref>": CPU speed,
    "<ferrous vm> mem/lua5.4": ratio}."""
    names = [v.name for v in vms]
    out: dict[str, dict[str, float | None]] = {}
    for p in programs:
        r: dict[str, float | None] = {}
        for f in (v for v in vms if v.is_ferrous):
            fc = cells[(p.name, f.name)]
            for ref in (ref for ref in REFERENCES if ref in names):
                rc = cells[(p.name, ref)]
                r[f"{f.name} vs {ref}"] = ratio(rc.median_time, fc.median_time)
                r[f"{f.name} cpu vs {ref}"] = ratio(rc.median_cpu, fc.median_cpu)
            if "lua5.4" in names:
                rc = cells[(p.name, "lua5.4")]
                r[f"{f.name} mem/lua5.4"] = ratio(fc.median_mib, rc.median_mib)
        out[p.name] = r
    return out


def table_lines(header: list[str], rows: list[list[str]], geo_row: list[str]) -> list[str]:
    """A right-aligned text table (first column left-aligned) ending in a geomean row."""
    widths = [max(len(r[i]) for r in [header, *rows, geo_row]) for i in range(len(header))]

    def line(r: list[str]) -> str:
        parts = [r[0].ljust(widths[0])] + [r[i].rjust(widths[i]) for i in range(1, len(r))]
        return "  ".join(parts).rstrip()

    rule = line(["-" * w for w in widths])
    return [line(header), rule, *(line(r) for r in rows), rule, line(geo_row)]


def cell_text(c: Cell, value: float | None, spec: str = ".3f") -> str:
    return c.status if c.status in ("FAIL", "skip") else fmt(value, spec)


def print_table(
    programs: list[Program],
    vms: list[VM],
    cells: dict[tuple[str, str], Cell],
    ratios: dict[str, dict[str, float | None]],
    runs: int,
) -> dict:
    names = [v.name for v in vms]
    ferrous = [v.name for v in vms if v.is_ferrous]
    refs = [r for r in REFERENCES if r in names]
    multi = len(ferrous) > 1

    def rname(f: str, what: str) -> str:
        return f"{SHORT[f]} {what}" if multi else what

    # (header, key) for ratio columns
    speed_cols = [(rname(f, f"vs {SHORT[ref]}"), f"{f} vs {ref}") for f in ferrous for ref in refs]
    mem_cols = (
        [(rname(f, "mem/lua5.4"), f"{f} mem/lua5.4") for f in ferrous]
        if "lua5.4" in names
        else []
    )

    def cell_time(c: Cell) -> str:
        return cell_text(c, c.median_time)

    def cell_mem(c: Cell) -> str:
        return cell_text(c, c.median_mib, ".1f")

    header = (
        ["program"]
        + [f"{SHORT[n]} s" for n in names]
        + [h for h, _ in speed_cols]
        + [f"{SHORT[n]} MiB" for n in names]
        + [h for h, _ in mem_cols]
    )
    rows = []
    for p in programs:
        row = [p.name]
        row += [cell_time(cells[(p.name, n)]) for n in names]
        row += [fmt(ratios[p.name].get(k), ".2f") for _, k in speed_cols]
        row += [cell_mem(cells[(p.name, n)]) for n in names]
        row += [fmt(ratios[p.name].get(k), ".2f") for _, k in mem_cols]
        rows.append(row)

    geo: dict[str, float | None] = {}
    for _, k in speed_cols + mem_cols:
        geo[k] = geomean([ratios[p.name].get(k) for p in programs])
    geo_row = ["geomean"] + [""] * len(names)
    geo_row += [fmt(geo[k], ".2f") for _, k in speed_cols]
    geo_row += [""] * len(names)
    geo_row += [fmt(geo[k], ".2f") for _, k in mem_cols]

    print()
    print(
        f"Median wall time (s) and peak RSS (MiB) over {runs} run(s).\n"
        "Speed 'vs X' = X time / Ferrous time (>1.00 means Ferrous is faster); "
        "'mem/lua5.4' = Ferrous MiB / lua5.4 MiB (<1.00 means Ferrous uses less)."
    )
    if multi:
        print("Ferrous VMs: " + ", ".join(f"{SHORT[f]} = {f}" for f in ferrous))
    for text in table_lines(header, rows, geo_row):
        print(text)

    summary: dict = {
        "geomean": geo,
        "worst_speed_vs_lua5.4": {},
        "worst_mem_vs_lua5.4": {},
        "worst_cpu_speed_vs_lua5.4": {},
    }
    if "lua5.4" in names:
        for f in ferrous:
            record_worst(summary, "worst_speed_vs_lua5.4", "worst speed vs lua5.4", f,
                         ratios, programs, f"{f} vs lua5.4", min)
            record_worst(summary, "worst_mem_vs_lua5.4", "worst memory ratio vs lua5.4", f,
                         ratios, programs, f"{f} mem/lua5.4", max)

    print_cpu_table(programs, vms, cells, ratios, runs, summary)
    return summary


def print_cpu_table(
    programs: list[Program],
    vms: list[VM],
    cells: dict[tuple[str, str], Cell],
    ratios: dict[str, dict[str, float | None]],
    runs: int,
    summary: dict,
) -> None:
    """The CPU-time table (Ferrous and lua5.4 CPU seconds, CPU speed ratios, geomean) and
    the worst CPU speed vs lua5.4; adds its geomeans and worst ratios to `summary`."""
    names = [v.name for v in vms]
    ferrous = [v.name for v in vms if v.is_ferrous]
    refs = [r for r in REFERENCES if r in names]
    multi = len(ferrous) > 1
    shown = ferrous + (["lua5.4"] if "lua5.4" in names else [])

    def rname(f: str, what: str) -> str:
        return f"{SHORT[f]} {what}" if multi else what

    cpu_cols = [
        (rname(f, f"cpu vs {SHORT[ref]}"), f"{f} cpu vs {ref}") for f in ferrous for ref in refs
    ]
    header = ["program"] + [f"{SHORT[n]} cpu s" for n in shown] + [h for h, _ in cpu_cols]
    rows = []
    for p in programs:
        row = [p.name]
        row += [cell_text(c, c.median_cpu) for c in (cells[(p.name, n)] for n in shown)]
        row += [fmt(ratios[p.name].get(k), ".2f") for _, k in cpu_cols]
        rows.append(row)
    geo = summary["geomean"]
    for _, k in cpu_cols:
        geo[k] = geomean([ratios[p.name].get(k) for p in programs])
    geo_row = ["geomean"] + [""] * len(shown) + [fmt(geo[k], ".2f") for _, k in cpu_cols]

    print()
    print(
        f"Median CPU time (s) over {runs} run(s): user+sys of the benchmark process, "
        "steadier than wall time on a busy machine.\n"
        "'cpu vs X' = X CPU time / Ferrous CPU time (>1.00 means Ferrous is faster)."
    )
    for text in table_lines(header, rows, geo_row):
        print(text)
    if "lua5.4" in names:
        for f in ferrous:
            record_worst(summary, "worst_cpu_speed_vs_lua5.4", "worst CPU speed vs lua5.4", f,
                         ratios, programs, f"{f} cpu vs lua5.4", min)


def record_worst(
    summary: dict,
    field: str,
    label: str,
    ferrous: str,
    ratios: dict[str, dict[str, float | None]],
    programs: list[Program],
    key: str,
    pick,
) -> None:
    """Finds the worst ratio `key` over the programs (`pick` is min or max), prints it
    and records it in `summary[field]`."""
    vals = [(ratios[p.name][key], p.name) for p in programs if ratios[p.name].get(key)]
    if vals:
        v, pn = pick(vals)
        summary[field][ferrous] = {"ratio": v, "program": pn}
        print(f"{label} ({ferrous}): {v:.2f} ({pn})")


def machine_info() -> dict:
    u = platform.uname()
    info = {
        "uname": " ".join([u.system, u.node, u.release, u.version, u.machine]),
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return info


def write_results(
    out: Path,
    args: argparse.Namespace,
    folder: Path,
    programs: list[Program],
    vms: list[VM],
    cells: dict[tuple[str, str], Cell],
    ratios: dict[str, dict[str, float | None]],
    summary: dict,
) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "runs": args.runs,
        "rss_method": RSS_METHOD[0],
        "dir": str(folder),
        "speed_ratio": "other VM median time / ferrous median time (>1 = ferrous faster)",
        "memory_ratio": "ferrous median peak RSS / lua5.4 median peak RSS (<1 = smaller)",
        "cpu_time": "user+sys seconds of the benchmark process (os.wait4 rusage; under GNU "
        "time, the time process including the program it waited for)",
        "cpu_speed_ratio": "other VM median CPU time / ferrous median CPU time "
        "(>1 = ferrous faster)",
        "vms": {v.name: {"argv": v.argv, "version": v.version} for v in vms},
        "programs": {},
        "summary": summary,
    }
    for p in programs:
        entry = {"small": p.small, "luajit_skip": p.luajit_skip, "results": {}}
        for v in vms:
            c = cells[(p.name, v.name)]
            entry["results"][v.name] = {
                "status": c.status,
                "times_s": c.times,
                "peak_rss_kib": c.rss_kib,
                "median_s": c.median_time,
                "median_peak_rss_mib": c.median_mib,
                "error": c.error,
                "cpu_times_s": c.cpu_times,
                "median_cpu_s": c.median_cpu,
            }
        entry["ratios"] = ratios[p.name]
        data["programs"][p.name] = entry
    out.write_text(json.dumps(data, indent=2) + "\n")

    csv_path = out.with_suffix(".csv")
    with csv_path.open("w", newline="") as f:
        w = csv.writer(f)
        refs = [r for r in REFERENCES if any(v.name == r for v in vms)]
        w.writerow(
            ["program", "vm", "status", "runs", "median_s", "min_s", "max_s",
             "median_peak_rss_mib"]
            + [f"speed_vs_{r}" for r in refs]
            + ["mem_vs_lua5.4", "median_cpu_s"]
            + [f"cpu_speed_vs_{r}" for r in refs]
        )
        for p in programs:
            for v in vms:
                c = cells[(p.name, v.name)]
                ok = c.status == "ok"
                rs = ratios[p.name] if v.is_ferrous else {}
                w.writerow(
                    [
                        p.name, v.name, c.status, len(c.times),
                        csv_num(c.median_time, ".6f"),
                        csv_num(min(c.times) if ok else None, ".6f"),
                        csv_num(max(c.times) if ok else None, ".6f"),
                        csv_num(c.median_mib, ".3f"),
                    ]
                    + [csv_num(rs.get(f"{v.name} vs {r}"), ".4f") for r in refs]
                    + [csv_num(rs.get(f"{v.name} mem/lua5.4"), ".4f")]
                    + [csv_num(c.median_cpu, ".6f")]
                    + [csv_num(rs.get(f"{v.name} cpu vs {r}"), ".4f") for r in refs]
                )
    print(f"\nwrote {out} and {csv_path}")


# --------------------------------------------------------------------------------------
# Modes
# --------------------------------------------------------------------------------------


def applies(vm: VM, prog: Program) -> bool:
    return not (vm.is_luajit and prog.luajit_skip)


def timing_mode(args, folder, programs, vms) -> int:
    cells: dict[tuple[str, str], Cell] = {}
    for p in programs:
        if p.expected is None:
            print(f"warning: {p.name}: no .expected file; output not checked", file=sys.stderr)
        for v in vms:
            cells[(p.name, v.name)] = Cell() if applies(v, p) else Cell(status="skip")

    for run in range(args.runs):
        for p in programs:
            for v in vms:
                c = cells[(p.name, v.name)]
                if c.status in ("skip", "FAIL"):
                    continue
                res = run_once(v, p, [], args.timeout)
                why = failure_text(res, p.expected)
                c.times.append(res.seconds)
                c.cpu_times.append(res.cpu_seconds)
                c.rss_kib.append(res.rss_kib)
                if why is None:
                    c.status = "ok"
                    if not args.quiet:
                        print(
                            f"[run {run + 1}/{args.runs}] {p.name:<20} {v.name:<12} "
                            f"{res.seconds:8.3f}s {res.cpu_seconds:8.3f}s cpu "
                            f"{res.rss_kib / 1024:8.1f} MiB",
                            file=sys.stderr,
                        )
                else:
                    c.status = "FAIL"
                    c.error = why
                    print(f"FAIL {p.name} on {v.name}: {why}", file=sys.stderr)

    ratios = compute_ratios(programs, vms, cells)
    summary = print_table(programs, vms, cells, ratios, args.runs)
    failed = [k for k, c in cells.items() if c.status == "FAIL"]
    if failed:
        print("\nfailed: " + ", ".join(f"{p} on {v}" for p, v in failed))
    if not args.no_save:
        out = Path(args.out)
        if not out.is_absolute():
            out = Path.cwd() / out
        write_results(out, args, folder, programs, vms, cells, ratios, summary)
    return 1 if failed else 0


def small_mode(args, programs, vms) -> int:
    """Runs each program once per VM at its small size; compares with lua5.4's output."""
    ref_vm = next((v for v in vms if v.name == "lua5.4"), None)
    if ref_vm is None:
        path = shutil.which("lua5.4")
        if path is None:
            print("error: --small needs lua5.4 as the reference", file=sys.stderr)
            return 2
        ref_vm = VM("lua5.4", [path], False, False)
    failures = 0
    width = max((len(p.name) for p in programs), default=7)
    for p in programs:
        if p.small is None:
            print(f"{p.name:<{width}}  skipped: no `-- small:` header")
            continue
        ref = run_once(ref_vm, p, [p.small], args.timeout)
        if not ref.ok:
            why = failure_text(ref, None)
            print(f"{p.name:<{width}}  reference lua5.4 failed: {why}")
            failures += 1
            continue
        parts = []
        for v in vms:
            if not applies(v, p):
                parts.append(f"{v.name}=skip")
                continue
            if v is ref_vm:
                res = ref
            else:
                res = run_once(v, p, [p.small], args.timeout)
            why = failure_text(res, ref.stdout)
            if why is None:
                parts.append(f"{v.name}=ok({res.seconds:.2f}s)")
            else:
                parts.append(f"{v.name}=FAIL")
                print(f"FAIL {p.name} on {v.name} (small={p.small}): {why}", file=sys.stderr)
                failures += 1
        print(f"{p.name:<{width}}  small={p.small:<8} " + "  ".join(parts))
    print(f"\n{failures} failure(s)")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="compare.py",
        description=__doc__.split("\n\n", 1)[0]
        + " Programs live in benches/lua/ (see benches/README.md).",
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument(
        "names",
        nargs="*",
        help="program names (file stem, e.g. `fib`) to run; default: all",
    )
    ap.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="SUBSTR",
        help="run programs whose name contains SUBSTR (repeatable; ORed with names)",
    )
    ap.add_argument(
        "--dir",
        default=str(DEFAULT_DIR),
        help="folder of *.lua programs (default: benches/lua)",
    )
    ap.add_argument("--runs", type=int, default=5, help="runs per program and VM (default 5)")
    ap.add_argument(
        "--vms",
        help="comma-separated VMs to use, out of: " + ", ".join(VM_SPECS)
        + f" (default: {','.join(DEFAULT_VMS)}, plus ferrous-jit with --jit)."
        " ferrous = `ferrous --no-jit`, luajit-joff = `luajit -joff`",
    )
    ap.add_argument(
        "--jit",
        action="store_true",
        help="also run `ferrous --jit` (VM name ferrous-jit); off by default while "
        "the JIT is not built",
    )
    ap.add_argument(
        "--ferrous",
        default=DEFAULT_FERROUS,
        metavar="PATH",
        help=f"Ferrous binary, relative to the repository root unless absolute "
        f"(default: {DEFAULT_FERROUS}); built with `cargo build --release --bin "
        "ferrous` if missing",
    )
    ap.add_argument(
        "--build",
        action="store_true",
        help="run `cargo build --release --bin ferrous` first even if the binary exists",
    )
    ap.add_argument(
        "--small",
        action="store_true",
        help="smoke test: run each program once per VM with its `-- small:` size as "
        "arg[1], check output against lua5.4's at that size; no timing, no files",
    )
    ap.add_argument(
        "--out",
        default=str(DEFAULT_OUT),
        help="JSON results file (default: benches/results/latest.json in the "
        "repository); a CSV with the same stem is written beside it",
    )
    ap.add_argument("--no-save", action="store_true", help="do not write the JSON/CSV files")
    ap.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="kill a run after this long and mark it FAIL (default 600)",
    )
    ap.add_argument(
        "--rss",
        choices=["auto", "time", "wait4"],
        default="auto",
        help="how to measure peak RSS: GNU time's %%M (accurate; `auto` uses it when "
        "installed) or os.wait4's ru_maxrss (floored at this Python's own RSS)",
    )
    ap.add_argument("--list", action="store_true", help="list the programs found and exit")
    ap.add_argument("-q", "--quiet", action="store_true", help="no per-run progress lines")
    args = ap.parse_args(argv)
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    folder = Path(args.dir)
    if not folder.is_absolute():
        folder = (Path.cwd() / folder).resolve()
    if not folder.is_dir():
        print(f"error: no such folder {folder}", file=sys.stderr)
        return 2
    names = [n[:-4] if n.endswith(".lua") else n for n in args.names]
    programs = discover(folder, names, args.filter)
    if args.list:
        for p in programs:
            flags = []
            if p.small:
                flags.append(f"small={p.small}")
            if p.luajit_skip:
                flags.append("luajit: skip")
            if p.expected is None:
                flags.append("no .expected")
            print(f"{p.name:<24} {' '.join(flags)}")
        return 0
    if not programs:
        print(f"error: no programs selected in {folder}", file=sys.stderr)
        return 2

    global RSS_METHOD
    gnu_time = find_gnu_time() if args.rss != "wait4" else None
    if args.rss == "time" and gnu_time is None:
        print("error: --rss time: GNU time is not installed", file=sys.stderr)
        return 2
    if gnu_time:
        RSS_METHOD = ("time", gnu_time)
    else:
        RSS_METHOD = ("wait4", None)
        if not args.small:
            print(
                "note: GNU time not found; peak RSS comes from wait4 and includes this "
                "Python process's own RSS as a floor (install the `time` package)",
                file=sys.stderr,
            )

    vms = resolve_vms(args)
    if not vms:
        print("error: no VM available", file=sys.stderr)
        return 2
    for v in vms:
        print(f"{v.name:<12} {' '.join(v.argv)}  [{v.version}]", file=sys.stderr)

    if args.small:
        return small_mode(args, programs, vms)
    return timing_mode(args, folder, programs, vms)


if __name__ == "__main__":
    sys.exit(main())
