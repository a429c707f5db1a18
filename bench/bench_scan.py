#!/usr/bin/env python3
"""Benchmark (not a test): how long the scanner takes per file, and in bulk.

Two measurements, both through the real command line, ``CMD scan --format json``:

1. **per file** — one process per file, over a sample (default: every malicious and
   every benign file); wall time and CPU time (user+sys of the child) per file, reported
   as median / p90 / p99 / max per side, plus the slowest files.  Each of these includes
   process start-up; the median of a few ``CMD --help`` runs is printed as the start-up
   baseline so it can be told apart.  This is the number to hold against GuardDog's
   ~0.7 s median per package.
2. **bulk** — all sampled files in one process (split only if the argument list would be
   too long): wall and CPU seconds, files/second and MB/second of archive bytes.

Exit codes 0 and 1 of the scanner are success (1 = something blocked); any other exit
is counted as an error and listed.  Files are only passed by path: this script never
opens the malicious corpus itself.  Runs are sequential on purpose.

Trustworthy timings: this machine is shared and noisy, so one pass is indicative only.
For numbers to quote, time the bulk command as a whole process several times after a
warm-up and quote the median (and the min–max spread), e.g. repeat
``/usr/bin/time -v target/release/safe-pip scan --format json FILES > /dev/null``
5 times after one warm-up run, and compare two builds run alternately (A B A B …), taking
the ratio pair by pair.  ``--print-bulk-cmd`` prints the exact bulk command line for that.

Examples::

    python3 bench/bench_scan.py --scanner target/release/safe-pip
    python3 bench/bench_scan.py --scanner target/release/safe-pip --sample 200 --json /tmp/bench.json
    python3 bench/bench_scan.py --scanner target/release/safe-pip --side benign --no-per-file
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import evaluate  # noqa: E402  (corpus loading is shared)

ARG_BUDGET = 1_500_000  # bytes of file arguments per bulk process (Linux ARG_MAX is 2 MB)


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_once(argv: list[str], timeout: float) -> tuple[float, float, int | None, str]:
    """Return (wall seconds, cpu seconds, exit code or None on timeout, stderr tail)."""
    cpu0 = children_cpu()
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, timeout=timeout, env=evaluate.fresh_db_env())
        rc, err = proc.returncode, proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
    except subprocess.TimeoutExpired:
        rc, err = None, [f"timeout after {timeout:.0f}s"]
    except FileNotFoundError:
        raise SystemExit(f"error: scanner not found: {argv[0]!r}")
    wall = time.perf_counter() - t0
    return wall, children_cpu() - cpu0, rc, " | ".join(err)


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def stats(xs: list[float]) -> dict:
    return {"n": len(xs), "median": pct(xs, 0.5), "p90": pct(xs, 0.9), "p99": pct(xs, 0.99),
            "max": max(xs) if xs else float("nan"), "mean": statistics.fmean(xs) if xs else float("nan")}


def ms(x: float) -> str:
    return f"{1000 * x:8.1f}"


def chunks_by_arg_budget(paths: list[str]) -> list[list[str]]:
    out, cur, size = [], [], 0
    for p in paths:
        n = len(os.fsencode(p)) + 1
        if cur and size + n > ARG_BUDGET:
            out.append(cur)
            cur, size = [], 0
        cur.append(p)
        size += n
    if cur:
        out.append(cur)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Per-file and bulk timing of `safe-pip scan --format json`.")
    ap.add_argument("--scanner", default="safe-pip", help="scanner command, split like a shell (default: safe-pip)")
    ap.add_argument("--malicious", type=Path, default=evaluate.DEFAULT_MALICIOUS)
    ap.add_argument("--benign", type=Path, default=evaluate.DEFAULT_BENIGN)
    ap.add_argument("--side", choices=("both", "malicious", "benign"), default="both")
    ap.add_argument("--sample", type=int, default=0, help="random sample of N files per side (0 = all)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-per-file", action="store_true", help="skip the one-process-per-file pass")
    ap.add_argument("--no-bulk", action="store_true", help="skip the all-files-in-one-process pass")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per scanner process")
    ap.add_argument("--slowest", type=int, default=10, help="list the N slowest files (default 10)")
    ap.add_argument("--print-bulk-cmd", action="store_true", help="print the bulk command line and exit")
    ap.add_argument("--json", dest="json_out", type=Path, help="write all timings here")
    args = ap.parse_args(argv)
    cmd = shlex.split(args.scanner)

    sides: dict[str, list[evaluate.Item]] = {}
    if args.side in ("both", "malicious"):
        sides["malicious"] = evaluate.load_malicious(args.malicious) if args.malicious.is_dir() else []
    if args.side in ("both", "benign"):
        sides["benign"] = evaluate.load_benign(args.benign) if args.benign.is_dir() else []
    rng = random.Random(args.seed)
    for side, items in sides.items():
        items = [it for it in items if os.path.isfile(it.path)]
        if args.sample and len(items) > args.sample:
            items = sorted(rng.sample(items, args.sample), key=lambda it: it.path)
        sides[side] = items
        if not items:
            print(f"warning: no {side} files found", file=sys.stderr)
    all_items = [it for items in sides.values() for it in items]
    if not all_items:
        print("error: nothing to scan", file=sys.stderr)
        return 2
    sizes = {it.path: os.path.getsize(it.path) for it in all_items}

    if args.print_bulk_cmd:
        print(shlex.join([*cmd, "scan", "--format", "json", *(it.path for it in all_items)]))
        return 0

    report: dict = {"scanner": shlex.join(cmd), "files": {k: len(v) for k, v in sides.items()},
                    "bytes": {k: sum(sizes[it.path] for it in v) for k, v in sides.items()}}
    errors: list[dict] = []

    # start-up baseline
    base = [run_once([*cmd, "--help"], 60)[0] for _ in range(5)]
    report["startup_median_s"] = statistics.median(base)
    print(f"scanner: {shlex.join(cmd)}")
    print(f"files: " + ", ".join(f"{k} {len(v)} ({report['bytes'][k] / 1e6:.1f} MB)" for k, v in sides.items()))
    print(f"process start-up baseline (`--help`, median of 5): {1000 * report['startup_median_s']:.1f} ms\n")

    if not args.no_per_file:
        per: dict[str, list[dict]] = {}
        total = len(all_items)
        done = 0
        t0 = time.monotonic()
        for side, items in sides.items():
            per[side] = []
            for it in items:
                wall, cpu, rc, err = run_once([*cmd, "scan", "--format", "json", it.path], args.timeout)
                rec = {"path": it.path, "bytes": sizes[it.path], "wall_s": wall, "cpu_s": cpu, "exit": rc}
                per[side].append(rec)
                if rc not in (0, 1):
                    errors.append({**rec, "side": side, "stderr": err})
                done += 1
                if done % 50 == 0 or done == total:
                    print(f"  per-file: {done}/{total} ({time.monotonic() - t0:.0f}s)", file=sys.stderr, flush=True)
        print("== per file: one process per file (ms) ==")
        print(f"{'side':<10} {'files':>6} {'median':>8} {'p90':>8} {'p99':>8} {'max':>8} {'mean':>8}"
              f"   {'cpu med':>8} {'cpu p90':>8}")
        report["per_file"] = {}
        rows = list(per.items()) + ([("all", [r for v in per.values() for r in v])] if len(per) > 1 else [])
        for side, recs in rows:
            w = stats([r["wall_s"] for r in recs])
            c = stats([r["cpu_s"] for r in recs])
            report["per_file"][side] = {"wall": w, "cpu": c}
            print(f"{side:<10} {w['n']:>6} {ms(w['median'])} {ms(w['p90'])} {ms(w['p99'])} {ms(w['max'])} "
                  f"{ms(w['mean'])}   {ms(c['median'])} {ms(c['p90'])}")
        allrecs = sorted((r for v in per.values() for r in v), key=lambda r: -r["wall_s"])
        if args.slowest and allrecs:
            print(f"\nslowest {min(args.slowest, len(allrecs))} files:")
            for r in allrecs[: args.slowest]:
                print(f"  {ms(r['wall_s'])} ms  {r['bytes'] / 1e6:7.2f} MB  {r['path']}")
        report["per_file_records"] = per
        print()

    if not args.no_bulk:
        paths = [it.path for it in all_items]
        parts = chunks_by_arg_budget(paths)
        wall = cpu = 0.0
        for part in parts:
            w, c, rc, err = run_once([*cmd, "scan", "--format", "json", *part], max(args.timeout, 3600))
            wall += w
            cpu += c
            if rc not in (0, 1):
                errors.append({"path": f"<bulk run of {len(part)} files>", "exit": rc, "stderr": err})
        nbytes = sum(sizes.values())
        report["bulk"] = {"files": len(paths), "processes": len(parts), "wall_s": wall, "cpu_s": cpu,
                          "files_per_s": len(paths) / wall if wall else None,
                          "mb_per_s": nbytes / 1e6 / wall if wall else None, "bytes": nbytes}
        b = report["bulk"]
        print(f"== bulk: {len(paths)} files in {len(parts)} process(es) ==")
        print(f"wall {wall:.2f} s, cpu {cpu:.2f} s (cpu/wall {cpu / wall if wall else 0:.2f}), "
              f"{b['files_per_s']:.1f} files/s, {b['mb_per_s']:.1f} MB/s of archives ({nbytes / 1e6:.1f} MB)")
        print()

    report["errors"] = errors
    if errors:
        print(f"== scanner errors ({len(errors)}) ==")
        for e in errors[:20]:
            print(f"- exit {e['exit']}: {e['path']}: {e.get('stderr', '')}")
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(report, indent=1))
        print(f"wrote {args.json_out}")
    print("(one pass on a shared machine: indicative only; see the docstring for quotable timings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
