#!/usr/bin/env python3
"""Typosquat detector quality on real campaign names (Python 3.11 stdlib only).

Runs the real detector (`check_typosquat`, through the `typosquat_batch` example binary,
one process for all names) on
  (a) every hand-labelled squat in bench/data/typosquat-labels.tsv -> recall, overall and
      per split (tuning / validation, split by target family), and per kind;
  (b) every name of the bundled top list -> must be 0 flags (a popular name is never a squat);
  (b') the same names checked as if they were new (`--as-new`: not established, compared
      with the more popular names only) -> the legitimate names the rules would report:
      the precision figure that (b) cannot give, since established names are exempt;
  (c) with --corpus, every other corpus name (not labelled) -> what else is flagged.

    cargo build --example typosquat_batch
    python3 bench/eval_typosquat.py                     # (a) + (b)
    python3 bench/eval_typosquat.py --corpus --show 50  # + (c), listing 50 extra flags

Only names are read from the corpus MANIFEST.tsv; no archive is opened.
Exit status 1 when a popular name is flagged, 0 otherwise (recall never changes it).
"""
import argparse
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from typosquat_shortlist import MANIFEST, ROOT, norm, read_names, read_top  # noqa: E402

from tsvfile import read_tsv  # noqa: E402

LABELS = ROOT / "bench/data/typosquat-labels.tsv"
DEFAULT_BIN = ROOT / "target/debug/examples/typosquat_batch"


def read_labels(path):
    return read_tsv(path)


def run(binary, names, *flags):
    out = subprocess.run([str(binary), *flags, "-"], input="\n".join(names) + "\n", capture_output=True, text=True, check=True).stdout
    res = {}
    for line in out.splitlines():
        name, target, rank, reason = line.split("\t")
        res[name] = (target, reason) if target else None
    missing = [n for n in names if n not in res]
    if missing:
        sys.exit(f"detector gave no answer for {len(missing)} names, e.g. {missing[:5]}")
    return res


def pct(a, b):
    return f"{a}/{b} = {100 * a / b:.1f} %" if b else "0/0"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", type=Path, default=DEFAULT_BIN, help="typosquat_batch binary (default: %(default)s)")
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--manifest", type=Path, default=MANIFEST)
    ap.add_argument("--corpus", action="store_true", help="(c) also run every unlabelled corpus name")
    ap.add_argument("--show", type=int, default=30, help="how many misses / extra flags to list")
    args = ap.parse_args()
    if not args.bin.exists():
        sys.exit(f"{args.bin} not found: cargo build --example typosquat_batch")

    labels = read_labels(args.labels)
    names = [norm(r["name"]) for r in labels]
    res = run(args.bin, names)
    by_split = defaultdict(lambda: [0, 0, 0])
    by_kind = defaultdict(lambda: [0, 0])
    misses, other_target = [], []
    for r, n in zip(labels, names):
        got = res[n]
        for key in ("all", r["split"]):
            by_split[key][1] += 1
            if got:
                by_split[key][0] += 1
                by_split[key][2] += got[0] == r["target"]
        by_kind[r["kind"]][1] += 1
        by_kind[r["kind"]][0] += bool(got)
        if not got:
            misses.append(r)
        elif got[0] != r["target"]:
            other_target.append((r, got))
    print(f"(a) labelled squats ({args.labels.relative_to(ROOT)}): {len(labels)}")
    for key in ("tuning", "validation", "all"):
        hit, tot, same = by_split[key]
        print(f"    recall {key:<10} {pct(hit, tot):<22} (same target as the label: {same})")
    print("    per kind: " + ", ".join(f"{k} {h}/{t}" for k, (h, t) in sorted(by_kind.items())))
    for r in misses[: args.show]:
        print(f"    missed  {r['name']:<24} {r['target']} (#{r['target_rank']}, {r['kind']}, {r['split']})")
    for r, got in other_target[: args.show]:
        print(f"    other target  {r['name']:<24} label {r['target']}, detector {got[0]}: {got[1]}")

    top = [n for _, n in read_top()]
    tres = run(args.bin, top)
    flagged = [(n, tres[n]) for n in top if tres[n]]
    print(f"(b) popular names flagged: {len(flagged)} of {len(top)}")
    for n, got in flagged[: args.show]:
        print(f"    {n} -> {got[0]}: {got[1]}")

    nres = run(args.bin, top, "--as-new")
    as_new = [(n, nres[n]) for n in top if nres[n]]
    print(f"(b') popular names that would be flagged were they new (checked against more popular names only): {len(as_new)} of {len(top)}")
    for n, got in as_new[: args.show]:
        print(f"    {n} -> {got[0]}: {got[1]}")

    if args.corpus:
        labelled = set(names)
        rest = [n for n in read_names(args.manifest) if n not in labelled]
        cres = run(args.bin, rest)
        extra = [(n, cres[n]) for n in rest if cres[n]]
        popular = set(top)
        print(f"(c) unlabelled corpus names flagged: {len(extra)} of {len(rest)} ({sum(n in popular for n in rest)} of them are popular names)")
        reasons = Counter(got[1].split(" '")[0].split(" of ")[0] for _, got in extra)
        print("    by reason: " + ", ".join(f"{k} {v}" for k, v in reasons.most_common(8)))
        for n, got in extra[: args.show]:
            print(f"    {n:<28} -> {got[0]}: {got[1]}")
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
