#!/usr/bin/env python3
"""Checks that the byte-level pre-pass changes no alert.

Runs `SCANNER scan --no-db --format json FILES...` twice over every package file of the
given corpora, once as is (pre-pass on) and once with SAFE_PIP_NO_PREPASS=1 (every
module gets the full model), and compares, file by file, the verdict, the score and the
full alert list (id, file, line, message, evidence, context …). Nothing is unpacked,
imported or run here: the script passes paths to the scanner and reads its JSON.

    python3 bench/prepass_equal.py --scanner target/eval/safe-pip \\
        /work/shared/corpus/malicious /work/cache/benign --json /tmp/prepass.json

Exit status: 0 when every file has the same result both ways, 1 when some differ, 2
when a batch could not be scanned. Wall time of each mode is printed too (same files,
same process count), so the run doubles as an on/off timing.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from evaluate import walk_files

def scan(scanner, files, prepass: bool, timeout: int):
    env = dict(os.environ)
    env.pop("SAFE_PIP_NO_PREPASS", None)
    if not prepass:
        env["SAFE_PIP_NO_PREPASS"] = "1"
    t0 = time.monotonic()
    p = subprocess.run([scanner, "scan", "--no-db", "--format", "json", *map(str, files)], capture_output=True, env=env, timeout=timeout)
    dt = time.monotonic() - t0
    if p.returncode not in (0, 1):
        raise RuntimeError(f"exit {p.returncode}: {p.stderr.decode(errors='replace')[-500:]}")
    doc = json.loads(p.stdout)
    res = {}
    for pkg in doc["packages"]:
        alerts = sorted(json.dumps(a, sort_keys=True) for a in pkg.get("alerts", []))
        res[pkg["path"]] = {"verdict": pkg.get("verdict"), "score": pkg.get("score"), "error": pkg.get("error"), "alerts": alerts}
    return res, dt


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpora", nargs="+", type=Path)
    ap.add_argument("--scanner", default="target/eval/safe-pip")
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--timeout", type=int, default=1800)
    ap.add_argument("--limit", type=int, default=0, help="first N files per corpus (0: all)")
    ap.add_argument("--json", type=Path, help="write per-corpus counts and every difference here")
    args = ap.parse_args()
    report = {}
    status = 0
    for root in args.corpora:
        files = walk_files(root)
        if args.limit:
            files = files[: args.limit]
        same = differ = failed = 0
        wall = {"on": 0.0, "off": 0.0}
        diffs = []
        for i in range(0, len(files), args.batch):
            batch = files[i : i + args.batch]
            try:
                on, t_on = scan(args.scanner, batch, True, args.timeout)
                off, t_off = scan(args.scanner, batch, False, args.timeout)
            except Exception as e:  # noqa: BLE001 - a failed batch is reported, never hidden
                print(f"batch {i // args.batch} of {root}: {e}", file=sys.stderr)
                failed += len(batch)
                continue
            wall["on"] += t_on
            wall["off"] += t_off
            for path in sorted(set(on) | set(off)):
                a, b = on.get(path), off.get(path)
                if a == b:
                    same += 1
                    continue
                differ += 1
                d = {"path": path}
                if a is None or b is None:
                    d["missing"] = "on" if a is None else "off"
                else:
                    d["only_on"] = sorted(set(a["alerts"]) - set(b["alerts"]))
                    d["only_off"] = sorted(set(b["alerts"]) - set(a["alerts"]))
                    d["verdict"] = [a["verdict"], b["verdict"]]
                    d["score"] = [a["score"], b["score"]]
                diffs.append(d)
                print(f"DIFF {path}: {json.dumps(d)[:600]}", file=sys.stderr)
            print(f"{root}: {min(i + args.batch, len(files))}/{len(files)} files, {differ} differ", file=sys.stderr)
        report[str(root)] = {"files": len(files), "compared": same + differ, "same": same, "differ": differ, "failed": failed,
                             "wall_on_s": round(wall["on"], 1), "wall_off_s": round(wall["off"], 1), "diffs": diffs}
        print(f"{root}: {len(files)} files, {same + differ} compared, {same} identical, {differ} differ, {failed} not scanned; "
              f"wall pre-pass on {wall['on']:.1f} s, off {wall['off']:.1f} s")
        if differ:
            status = max(status, 1)
        if failed:
            status = 2
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return status


if __name__ == "__main__":
    sys.exit(main())
