#!/usr/bin/env python3
"""Checks that two scanner builds report the same thing for every file.

Runs `A scan --no-db --format json FILES...` and `B scan ...` over every package file of
the given corpora, in batches, and compares file by file the verdict, the score, the
error and the full alert list (id, file, line, message, evidence, context …). For a
change that must not alter any result (memory, speed): A is the old build, B the new.
Nothing is unpacked, imported or run here: the script passes paths to the scanners and
reads their JSON.

    python3 bench/scanners_equal.py --a /tmp/safe-pip-main --b target/release/safe-pip \\
        ../shared/corpus/malicious /work/cache/benign --json /tmp/equal.json

Two reports already written (`scan --format json` of the same files) can be compared
without scanning:

    python3 bench/scanners_equal.py --reports /tmp/old.json /tmp/new.json

Exit status: 0 when every file has the same result, 1 when some differ or a report
lacks a file, 2 when a batch could not be scanned.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from evaluate import walk_files


def results(doc) -> dict:
    """path -> what must not change."""
    res = {}
    for pkg in doc["packages"]:
        alerts = sorted(json.dumps(a, sort_keys=True) for a in pkg.get("alerts", []))
        res[pkg["path"]] = {"verdict": pkg.get("verdict"), "score": pkg.get("score"), "error": pkg.get("error"),
                            "name": pkg.get("name"), "version": pkg.get("version"), "sha256": pkg.get("sha256"),
                            "alerts": alerts}
    return res


def scan(scanner, files, timeout: int, env: dict | None = None):
    """`scanner scan --no-db --format json FILES` -> (results, wall seconds)."""
    t0 = time.monotonic()
    p = subprocess.run([scanner, "scan", "--no-db", "--format", "json", *map(str, files)], capture_output=True, timeout=timeout, env=env)
    dt = time.monotonic() - t0
    if p.returncode not in (0, 1):
        raise RuntimeError(f"exit {p.returncode}: {p.stderr.decode(errors='replace')[-500:]}")
    return results(json.loads(p.stdout)), dt


def compare(a: dict, b: dict, diffs: list) -> tuple[int, int]:
    same = differ = 0
    for path in sorted(set(a) | set(b)):
        x, y = a.get(path), b.get(path)
        if x == y:
            same += 1
            continue
        differ += 1
        d = {"path": path}
        if x is None or y is None:
            d["missing_in"] = "a" if x is None else "b"
        else:
            d["only_a"] = sorted(set(x["alerts"]) - set(y["alerts"]))
            d["only_b"] = sorted(set(y["alerts"]) - set(x["alerts"]))
            d.update({k: [x[k], y[k]] for k in x if k != "alerts" and x[k] != y[k]})
        diffs.append(d)
        print(f"DIFF {path}: {json.dumps(d)[:600]}", file=sys.stderr)
    return same, differ


def compare_corpus(root: Path, scan_a, scan_b, batch_size: int, limit: int = 0, labels: tuple[str, str] = ("a", "b")) -> tuple[dict, int]:
    """Scans every package file under `root` in batches with both scanners and compares
    them; returns the corpus's report entry and its exit status (0 same, 1 differ, 2 a
    batch could not be scanned)."""
    files = walk_files(root)
    if limit:
        files = files[:limit]
    same = differ = failed = 0
    wall = [0.0, 0.0]
    diffs: list = []
    for i in range(0, len(files), batch_size):
        batch = files[i : i + batch_size]
        try:
            a, t_a = scan_a(batch)
            b, t_b = scan_b(batch)
        except Exception as e:  # noqa: BLE001 - a failed batch is reported, never hidden
            print(f"batch {i // batch_size} of {root}: {e}", file=sys.stderr)
            failed += len(batch)
            continue
        wall[0] += t_a
        wall[1] += t_b
        s, d = compare(a, b, diffs)
        same, differ = same + s, differ + d
        print(f"{root}: {min(i + batch_size, len(files))}/{len(files)} files, {differ} differ", file=sys.stderr)
    print(f"{root}: {len(files)} files, {same + differ} compared, {same} identical, {differ} differ, {failed} not scanned; "
          f"wall {labels[0]} {wall[0]:.1f} s, {labels[1]} {wall[1]:.1f} s")
    entry = {"files": len(files), "compared": same + differ, "same": same, "differ": differ, "failed": failed,
             f"wall_{labels[0]}_s": round(wall[0], 1), f"wall_{labels[1]}_s": round(wall[1], 1), "diffs": diffs}
    return entry, 2 if failed else (1 if differ else 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpora", nargs="*", type=Path)
    ap.add_argument("--a", help="the reference scanner (e.g. a build of main)")
    ap.add_argument("--b", help="the scanner under test")
    ap.add_argument("--reports", nargs=2, type=Path, metavar=("A_JSON", "B_JSON"), help="compare two saved reports instead")
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--timeout", type=int, default=3600)
    ap.add_argument("--json", type=Path, help="write counts and every difference here")
    args = ap.parse_args()
    report = {}
    status = 0
    if args.reports:
        a, b = (results(json.loads(p.read_text())) for p in args.reports)
        diffs = []
        same, differ = compare(a, b, diffs)
        print(f"{args.reports[0]} vs {args.reports[1]}: {same + differ} files, {same} identical, {differ} differ")
        report["reports"] = {"compared": same + differ, "same": same, "differ": differ, "diffs": diffs}
        status = 1 if differ else 0
    elif not (args.a and args.b and args.corpora):
        ap.error("give --a, --b and corpora, or --reports")
    for root in args.corpora:
        report[str(root)], st = compare_corpus(root, lambda fs: scan(args.a, fs, args.timeout), lambda fs: scan(args.b, fs, args.timeout), args.batch)
        status = max(status, st)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return status


if __name__ == "__main__":
    sys.exit(main())
