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
import sys
from pathlib import Path

from scanners_equal import compare_corpus, scan


def env_with_prepass(on: bool) -> dict:
    env = dict(os.environ)
    env.pop("SAFE_PIP_NO_PREPASS", None)
    if not on:
        env["SAFE_PIP_NO_PREPASS"] = "1"
    return env


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpora", nargs="+", type=Path)
    ap.add_argument("--scanner", default="target/eval/safe-pip")
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--timeout", type=int, default=1800)
    ap.add_argument("--limit", type=int, default=0, help="first N files per corpus (0: all)")
    ap.add_argument("--json", type=Path, help="write per-corpus counts and every difference here")
    args = ap.parse_args()
    on, off = env_with_prepass(True), env_with_prepass(False)
    report = {}
    status = 0
    for root in args.corpora:
        report[str(root)], st = compare_corpus(
            root,
            lambda fs: scan(args.scanner, fs, args.timeout, on),
            lambda fs: scan(args.scanner, fs, args.timeout, off),
            args.batch,
            args.limit,
            labels=("on", "off"),
        )
        status = max(status, st)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return status


if __name__ == "__main__":
    sys.exit(main())
