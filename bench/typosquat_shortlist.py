#!/usr/bin/env python3
"""Shortlists typosquat *candidates* among the malware corpus names, for manual labelling.

Reads only the `name` column of the corpus MANIFEST.tsv (never an archive). For every
distinct PEP 503 name it prints the closest popular project(s) under a generous rule, so
that a person can read each (name, target) pair and decide. The printed pairs are NOT
labels: bench/data/typosquat-labels.tsv holds the decisions.

Rule (generous on purpose): compare the name without separators, and each of its
hyphen-separated parts / runs of parts, and the name with a `py`/`python` affix removed,
against the 15,000 popular names (also without separators). A pair is a candidate when
the optimal-string-alignment (Damerau) distance is <= 2, or <= 3 against the top 2,000,
or the two are equal after folding look-alike characters (0/o, 1/l/i, rn/m, vv/w, 5/s).
Within one name the candidate with the smallest distance, then the most popular, wins.

    python3 bench/typosquat_shortlist.py > /tmp/candidates.tsv
"""
import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOP = ROOT / "python/safe_pip/data/top_packages.tsv"
MANIFEST = Path("/work/shared/corpus/malicious/MANIFEST.tsv")


def norm(n):
    return re.sub(r"[-_.]+", "-", n.strip()).lower()


def compact(n):
    return re.sub(r"[-_.]", "", n)


def fold(n):
    s = compact(n).replace("rn", "m").replace("vv", "w")
    return s.translate(str.maketrans("01i53", "ollse"))


def osa(a, b, k):
    if abs(len(a) - len(b)) > k:
        return k + 1
    prev2 = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        if min(cur) > k:
            return k + 1
        prev2, prev = prev, cur
    return prev[-1]


def deletes(w, k):
    out = {w}
    frontier = {w}
    for _ in range(k):
        nxt = set()
        for x in frontier:
            for i in range(len(x)):
                nxt.add(x[:i] + x[i + 1:])
        out |= nxt
        frontier = nxt
    return out


def read_top():
    top = []
    for line in TOP.read_text().splitlines():
        if line.startswith("#") or line.startswith("rank\t"):
            continue
        r, n, *_ = line.split("\t")
        top.append((int(r), norm(n)))
    top.sort()
    return top


def read_names(path):
    names = set()
    cols = None
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            continue
        f = line.split("\t")
        if cols is None:
            cols = f
            continue
        names.add(norm(f[cols.index("name")]))
    return sorted(names)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", type=Path, default=MANIFEST)
    args = ap.parse_args()
    top = read_top()
    rank = {n: r for r, n in top}
    index = {}
    for r, n in top:
        for d in deletes(compact(n), 2):
            index.setdefault(d, []).append((r, n))
    folded = {}
    for r, n in top:
        folded.setdefault(fold(n), (r, n))
    head = [(r, n, compact(n)) for r, n in top if r <= 2000]

    print("name\tin_top\tpart\ttarget\trank\tdistance")
    for name in read_names(args.manifest):
        parts = name.split("-")
        pieces = {compact(name)}
        for i in range(len(parts)):
            for j in range(i + 1, len(parts) + 1):
                pieces.add("".join(parts[i:j]))
        c = compact(name)
        for a in ("python", "py"):
            if c.startswith(a) and len(c) - len(a) >= 4:
                pieces.add(c[len(a):])
            if c.endswith(a) and len(c) - len(a) >= 4:
                pieces.add(c[: -len(a)])
        best = []
        for p in pieces:
            if len(p) < 4:
                continue
            cands = set()
            for d in deletes(p, 2):
                for r, n in index.get(d, ()):
                    cands.add((r, n))
            for r, n in cands:
                dist = osa(p, compact(n), 2)
                if dist <= 2:
                    best.append((dist, r, n, p))
            for r, n, cn in head:
                if abs(len(cn) - len(p)) <= 3:
                    dist = osa(p, cn, 3)
                    if dist == 3:
                        best.append((dist, r, n, p))
            if fold(p) in folded:
                r, n = folded[fold(p)]
                best.append((0.5 if compact(n) != p else 0, r, n, p))
        best = [b for b in best if b[2] != name]
        if not best:
            continue
        best.sort(key=lambda b: (b[0], b[1]))
        dist, r, n, p = best[0]
        print(f"{name}\t{'yes' if name in rank else 'no'}\t{p}\t{n}\t{r}\t{dist}")


if __name__ == "__main__":
    sys.exit(main())
