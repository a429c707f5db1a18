#!/usr/bin/env python3
"""Detection quality of the safe-pip scanner on a malicious and a benign corpus.

The scanner runs as a subprocess, ``CMD scan --format json FILE...`` in batches
(``--batch``, default 200 files per call); exit codes 0 (all allowed) and 1 (something
blocked) are success, anything else is a scanner failure, in which case the batch is
re-run one file at a time so one bad file does not hide 199 results.  The JSON output
follows schema version 1 (see bench/README.md).

Malicious side (``--malicious``, default ``/work/shared/corpus/malicious``, i.e.
``../shared/corpus/malicious`` from the repo): ``MANIFEST.tsv`` there gives each file's
name, version and ``ext_ok`` (whether the file's bytes match its extension).  A package
is one (name, version); it is *detected* when any of its files is blocked.
This script never opens the malicious files: it only passes their paths to the scanner.

Benign side (``--benign``, default ``bench/cache/benign`` as filled by fetch_benign.py):
``manifest.tsv`` there lists each project's sdist and wheel.  A package is one project;
it is *falsely blocked* when any of its files is blocked.

Printed: recall (all files, and only ext_ok=yes files), false-block rate per benign
package and per benign file, warn rates on both sides, scan errors, a per-alert-id
table, the missed malicious packages with their top alerts, and the blocked benign
packages with the alerts, file:line and evidence that blocked them.  ``--json OUT``
writes all of it (plus each file's result) machine-readable.

Tune / validate (issue 11): ``--families`` (default ``bench/data/malware-families.tsv``
when present, made by bench/families.py) gives each malicious sample its part, by
family; benign projects get theirs from ``families.benign_split`` (sha256 of the
name).  Every headline figure is printed for all, tune and validate, and ``--json``
gives each file's ``split``.  ``--split tune`` (or ``validate``) runs on that part of
both corpora only: tune detectors with ``--split tune`` and look at validate last.

Exit status: 0 when every file got a result; 2 on harness errors (bad arguments, a
missing corpus, files the scanner gave no result for).  Detection quality never
changes the exit status: this is a measurement, not a test.

Examples::

    python3 bench/evaluate.py --scanner target/release/safe-pip
    python3 bench/evaluate.py --scanner "python3 -m safe_pip" --limit 50 --json /tmp/eval.json
    python3 bench/evaluate.py --scanner "python3 bench/fake_scanner.py" --side malicious
    python3 bench/evaluate.py --scanner target/release/safe-pip --split tune
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from families import benign_split, read_families
from tsvfile import read_tsv

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MALICIOUS = (REPO.parent / "shared" / "corpus" / "malicious")
if not DEFAULT_MALICIOUS.exists():  # a git worktree such as /work/wt-bench sits beside shared/ too
    DEFAULT_MALICIOUS = Path("/work/shared/corpus/malicious")
DEFAULT_BENIGN = REPO / "bench" / "cache" / "benign"
DEFAULT_FAMILIES = REPO / "bench" / "data" / "malware-families.tsv"
SPLITS = ("tune", "validate")

SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0, "none": 0}
VERDICT_RANK = {"block": 2, "warn": 1, "allow": 0}
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip", ".whl", ".egg")


# --------------------------------------------------------------------------- corpus


@dataclass
class Item:
    side: str  # malicious | benign
    package: str  # "name version" (malicious) or "name" (benign)
    name: str
    version: str
    path: str  # absolute
    kind: str
    ext_ok: bool = True
    result: dict | None = None
    failure: str | None = None  # harness-level: no result from the scanner
    rel: str = ""  # path relative to the corpus root (the key of the families file)
    split: str | None = None  # tune | validate (None: not in the families file)


def walk_files(root: Path) -> list[Path]:
    out = []
    for dirpath, _dirs, files in os.walk(root):
        for fn in files:
            if fn.lower().endswith(ARCHIVE_SUFFIXES):
                out.append(Path(dirpath) / fn)
    return sorted(out)


def load_malicious(root: Path) -> list[Item]:
    manifest = root / "MANIFEST.tsv"
    items: list[Item] = []
    if manifest.exists():
        for r in read_tsv(manifest):
            p = root / r["local_path"]
            items.append(Item("malicious", f"{r['name']} {r['version']}", r["name"], r["version"],
                              str(p), r.get("kind", ""), r.get("ext_ok", "yes").strip().lower() == "yes",
                              rel=r["local_path"]))
    else:  # layout <name>/<version>/<file>
        for p in walk_files(root):
            rel = p.relative_to(root).parts
            name = rel[0] if len(rel) >= 2 else p.stem
            version = rel[1] if len(rel) >= 3 else ""
            items.append(Item("malicious", f"{name} {version}".strip(), name, version, str(p), "",
                              rel=p.relative_to(root).as_posix()))
    return items


def load_benign(root: Path) -> list[Item]:
    manifest = root / "manifest.tsv"
    items: list[Item] = []
    if manifest.exists():
        for r in read_tsv(manifest):
            p = root / r["name"] / r["filename"]
            items.append(Item("benign", r["name"], r["name"], r.get("version", ""), str(p), r.get("kind", ""),
                              split=benign_split(r["name"])))
    else:  # layout <name>/<file>
        for p in walk_files(root):
            rel = p.relative_to(root).parts
            name = rel[0] if len(rel) >= 2 else p.name
            items.append(Item("benign", name, name, "", str(p), "", split=benign_split(name)))
    return items


def apply_families(items: list[Item], families: dict[str, dict]) -> int:
    """Sets each malicious item's split from the families file; returns how many are not in it."""
    missing = 0
    for it in items:
        row = families.get(it.rel)
        it.split = row["split"] if row and row.get("split") in SPLITS else None
        missing += it.split is None
    return missing


def limit_packages(items: list[Item], n: int) -> list[Item]:
    if not n:
        return items
    keep: list[str] = []
    seen: set[str] = set()
    for it in items:
        if it.package not in seen:
            seen.add(it.package)
            keep.append(it.package)
    chosen = set(keep[:n])
    return [it for it in items if it.package in chosen]


# --------------------------------------------------------------------------- scanner

TOOL_SEEN: dict = {}  # the "tool" object of the first good scanner answer

_DB_DIR = tempfile.TemporaryDirectory(prefix="safe-pip-bench-db-")
_DB_COUNT = itertools.count()


def fresh_db_env() -> dict[str, str]:
    """The environment for one scanner process with its own empty verdict DB: every file
    is analysed (no verdict cached by an earlier run or build) and the user's DB is
    never touched."""
    return {**os.environ, "SAFE_PIP_DB": os.path.join(_DB_DIR.name, f"v{next(_DB_COUNT)}.sqlite3")}


def run_scanner(cmd: list[str], paths: list[str], timeout: float) -> tuple[list[dict] | None, str]:
    """Return (packages, error). packages is None when the call failed as a whole."""
    argv = [*cmd, "scan", "--format", "json", *paths]
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, env=fresh_db_env())
    except FileNotFoundError:
        return None, f"scanner not found: {cmd[0]!r}"
    except subprocess.TimeoutExpired:
        return None, f"timeout after {timeout:.0f}s"
    stderr_tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
    if proc.returncode not in (0, 1):
        return None, f"exit {proc.returncode}: " + " | ".join(stderr_tail)
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        return None, f"output is not JSON ({e}); stderr: " + " | ".join(stderr_tail)
    if not isinstance(doc, dict) or not isinstance(doc.get("packages"), list):
        return None, "JSON has no 'packages' list"
    # 2 added each package's verdict basis; nothing read here changed
    if doc.get("schema_version") not in (1, 2):
        print(f"warning: schema_version {doc.get('schema_version')!r}, expected 1 or 2", file=sys.stderr)
    if isinstance(doc.get("tool"), dict):
        TOOL_SEEN.setdefault("tool", doc["tool"])
    return doc["packages"], ""


def match_results(paths: list[str], packages: list[dict]) -> dict[str, dict]:
    by_path: dict[str, dict] = {}
    for p in packages:
        if not isinstance(p, dict):
            continue
        for key in (p.get("path"), os.path.realpath(p["path"]) if p.get("path") else None):
            if key:
                by_path.setdefault(key, p)
    out: dict[str, dict] = {}
    for path in paths:
        r = by_path.get(path) or by_path.get(os.path.realpath(path))
        if r is not None:
            out[path] = r
    if len(out) < len(paths) and len(packages) == len(paths):
        # Paths rewritten by the scanner: fall back to order, checked by file name.
        for path, p in zip(paths, packages):
            if path not in out and isinstance(p, dict) and p.get("filename") in (None, os.path.basename(path)):
                out[path] = p
    return out


def scan_batch(cmd: list[str], batch: list[Item], timeout: float) -> None:
    paths = [it.path for it in batch]
    packages, err = run_scanner(cmd, paths, timeout)
    results = match_results(paths, packages) if packages is not None else {}
    missing = [it for it in batch if it.path not in results]
    for it in batch:
        if it.path in results:
            it.result = results[it.path]
    if not missing:
        return
    if len(batch) == 1:
        batch[0].failure = err or "no result for this file in the scanner's output"
        return
    if packages is None:
        print(f"warning: batch of {len(batch)} failed ({err}); re-running one file at a time", file=sys.stderr)
    for it in missing:
        scan_batch(cmd, [it], timeout)


def scan_all(cmd: list[str], items: list[Item], batch_size: int, jobs: int, timeout: float, label: str) -> float:
    batches = [items[i:i + batch_size] for i in range(0, len(items), batch_size)]
    t0 = time.monotonic()
    done = 0

    def work(b: list[Item]) -> int:
        scan_batch(cmd, b, timeout)
        return len(b)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        for n in ex.map(work, batches):
            done += n
            print(f"  {label}: {done}/{len(items)} files scanned ({time.monotonic() - t0:.1f}s)",
                  file=sys.stderr, flush=True)
    return time.monotonic() - t0


# --------------------------------------------------------------------------- metrics


def verdict_of(it: Item) -> str | None:
    if it.result is None:
        return None
    v = it.result.get("verdict")
    return v if v in VERDICT_RANK else None


def alerts_of(it: Item) -> list[dict]:
    if it.result is None:
        return []
    return [a for a in (it.result.get("alerts") or []) if isinstance(a, dict)]


def sev(a: dict) -> int:
    return SEVERITY_RANK.get(str(a.get("severity", "")).lower(), 0)


def without_alerts(it: Item, ignored: set[str]) -> None:
    """Drops the ignored alert ids from a result and re-derives its verdict with the
    default policy (critical → block, high → warn, else allow). Unreadable files keep
    their verdict: they are blocked for having no analysis, not for an alert."""
    if it.result is None or it.result.get("error"):
        return
    kept = [a for a in alerts_of(it) if a.get("id") not in ignored]
    it.result["alerts"] = kept
    worst = max((sev(a) for a in kept), default=0)
    it.result["verdict"] = "block" if worst >= SEVERITY_RANK["critical"] else "warn" if worst >= SEVERITY_RANK["high"] else "allow"


def package_verdict(files: list[Item]) -> str | None:
    vs = [verdict_of(f) for f in files]
    vs = [v for v in vs if v]
    return max(vs, key=lambda v: VERDICT_RANK[v]) if vs else None


def group(items: list[Item]) -> dict[str, list[Item]]:
    g: dict[str, list[Item]] = defaultdict(list)
    for it in items:
        g[it.package].append(it)
    return dict(g)


def rate(n: int, d: int) -> dict:
    return {"count": n, "total": d, "rate": (n / d) if d else None}


def fmt_rate(r: dict) -> str:
    if not r["total"]:
        return "n/a (0)"
    return f"{100 * r['rate']:6.2f}%  ({r['count']}/{r['total']})"


def short(s, n: int = 160) -> str:
    s = " ".join(str(s or "").split())
    return s if len(s) <= n else s[: n - 1] + "…"


def loc(a: dict) -> str:
    f = a.get("file") or "?"
    return f"{f}:{a['line']}" if a.get("line") not in (None, "") else f


def blocking_alerts(it: Item) -> list[dict]:
    """The alerts that most plausibly made this file blocked: critical ones, else the top severity."""
    al = alerts_of(it)
    if not al:
        return []
    top = max(sev(a) for a in al)
    crit = [a for a in al if sev(a) == SEVERITY_RANK["critical"]]
    return crit or [a for a in al if sev(a) == top]


def headline(mal: list[Item], ben: list[Item]) -> dict:
    """The headline figures (recall, warn and false-block rates) of one part of the data."""
    out: dict = {}
    mal_pk, ben_pk = group(mal), group(ben)

    # ---- malicious
    def detect_stats(pk: dict[str, list[Item]], file_filter) -> dict:
        pk = {k: [f for f in v if file_filter(f)] for k, v in pk.items()}
        pk = {k: v for k, v in pk.items() if v}
        scanned = {k: v for k, v in pk.items() if package_verdict(v) is not None}
        blocked = [k for k, v in scanned.items() if package_verdict(v) == "block"]
        warned = [k for k, v in scanned.items() if package_verdict(v) == "warn"]
        files = [f for v in pk.values() for f in v if verdict_of(f)]
        return {
            "packages": len(pk),
            "packages_scanned": len(scanned),
            "recall": rate(len(blocked), len(scanned)),
            "warn_rate": rate(len(warned), len(scanned)),
            "blocked_or_warned": rate(len(blocked) + len(warned), len(scanned)),
            "file_recall": rate(sum(verdict_of(f) == "block" for f in files), len(files)),
        }

    out["malicious"] = {
        "all": detect_stats(mal_pk, lambda f: True),
        "ext_ok": detect_stats(mal_pk, lambda f: f.ext_ok),
        "files": len(mal),
        "scan_errors": sum(1 for f in mal if f.result and f.result.get("error")),
        "harness_failures": sum(1 for f in mal if f.failure),
    }

    # ---- benign
    ben_scanned = {k: v for k, v in ben_pk.items() if package_verdict(v) is not None}
    ben_files = [f for f in ben if verdict_of(f)]
    out["benign"] = {
        "packages": len(ben_pk),
        "packages_scanned": len(ben_scanned),
        "false_block_packages": rate(sum(package_verdict(v) == "block" for v in ben_scanned.values()), len(ben_scanned)),
        "false_block_files": rate(sum(verdict_of(f) == "block" for f in ben_files), len(ben_files)),
        "warn_packages": rate(sum(package_verdict(v) == "warn" for v in ben_scanned.values()), len(ben_scanned)),
        "warn_files": rate(sum(verdict_of(f) == "warn" for f in ben_files), len(ben_files)),
        "files": len(ben),
        "scan_errors": sum(1 for f in ben if f.result and f.result.get("error")),
        "harness_failures": sum(1 for f in ben if f.failure),
    }
    return out


def compute(mal: list[Item], ben: list[Item]) -> dict:
    out = headline(mal, ben)
    mal_pk, ben_pk = group(mal), group(ben)
    # the same figures per part (families file on the malicious side, benign_split on the other)
    out["splits"] = {s: headline([f for f in mal if f.split == s], [f for f in ben if f.split == s])
                     for s in SPLITS}
    out["unsplit_files"] = {"malicious": sum(1 for f in mal if f.split is None),
                            "benign": sum(1 for f in ben if f.split is None)}

    # ---- per alert id
    table: dict[str, dict] = {}

    def entry(a: dict) -> dict:
        aid = str(a.get("id", "?"))
        e = table.setdefault(aid, {"id": aid, "severity": a.get("severity", "?"), "malicious_packages": set(),
                                   "malicious_files": set(), "benign_packages": set(), "benign_files": set()})
        if sev(a) > SEVERITY_RANK.get(str(e["severity"]).lower(), 0):
            e["severity"] = a.get("severity")
        return e

    for side, items in (("malicious", mal), ("benign", ben)):
        for it in items:
            for a in alerts_of(it):
                e = entry(a)
                e[f"{side}_packages"].add(it.package)
                e[f"{side}_files"].add(it.path)
    rows = []
    for e in table.values():
        rows.append({k: (len(v) if isinstance(v, set) else v) for k, v in e.items()})
    rows.sort(key=lambda r: (-SEVERITY_RANK.get(str(r["severity"]).lower(), 0), -r["malicious_packages"],
                             r["benign_packages"], r["id"]))
    out["alerts"] = rows

    # ---- missed malicious
    missed = []
    for k, files in sorted(mal_pk.items()):
        v = package_verdict(files)
        if v == "block":
            continue
        al = sorted((a for f in files for a in alerts_of(f)), key=lambda a: -sev(a))
        missed.append({
            "package": k, "name": files[0].name, "version": files[0].version, "split": files[0].split,
            "verdict": v, "score": max((f.result or {}).get("score") or 0 for f in files),
            "ext_ok": all(f.ext_ok for f in files),
            "errors": [f.failure or (f.result or {}).get("error") for f in files
                       if f.failure or (f.result or {}).get("error")],
            "files": [os.path.basename(f.path) for f in files],
            "top_alerts": [{"id": a.get("id"), "severity": a.get("severity"), "where": loc(a),
                            "evidence": short(a.get("evidence"), 300)} for a in al[:5]],
        })
    out["missed_malicious"] = missed

    # ---- blocked benign
    fb = []
    for k, files in sorted(ben_pk.items()):
        blocked = [f for f in files if verdict_of(f) == "block"]
        if not blocked:
            continue
        fb.append({
            "package": k, "split": files[0].split,
            "files": [{
                "filename": os.path.basename(f.path), "kind": f.kind,
                "score": (f.result or {}).get("score"), "error": (f.result or {}).get("error"),
                "alerts": [{"id": a.get("id"), "severity": a.get("severity"), "where": loc(a),
                            "context": a.get("context"), "evidence": short(a.get("evidence"), 300)}
                           for a in blocking_alerts(f)],
            } for f in blocked],
        })
    out["blocked_benign"] = fb

    out["failures"] = [{"side": f.side, "path": f.path, "error": f.failure} for f in mal + ben if f.failure]
    return out


# --------------------------------------------------------------------------- report


MAL_LINES = (("recall (blocked packages)", ("all", "recall")),
             ("recall, ext_ok=yes files only", ("ext_ok", "recall")),
             ("recall per file", ("all", "file_recall")),
             ("warned (not blocked) packages", ("all", "warn_rate")),
             ("blocked or warned packages", ("all", "blocked_or_warned")))
BEN_LINES = (("false-block rate per package", ("false_block_packages",)),
             ("false-block rate per file", ("false_block_files",)),
             ("warn rate per package", ("warn_packages",)),
             ("warn rate per file", ("warn_files",)))


def dig(d: dict, keys: tuple) -> dict:
    for k in keys:
        d = d[k]
    return d


def print_headlines(p, m: dict, side: str, lines: tuple, splits: list[str]) -> None:
    """One line per figure: all, then each part (tune / validate) that has data."""
    if splits:
        p(f"{'':<35}  {'all':<24}" + "".join(f"{s:<24}" for s in splits).rstrip())
    for label, keys in lines:
        cols = [fmt_rate(dig(m[side], keys))] + [fmt_rate(dig(m["splits"][s][side], keys)) for s in splits]
        p(f"{label:<35}: " + "".join(f"{c.strip():<24}" for c in cols).rstrip())


def print_report(m: dict, show: int) -> None:
    p = print
    splits = [s for s in SPLITS if m.get("splits") and (m["splits"][s]["malicious"]["files"]
                                                          or m["splits"][s]["benign"]["files"])]
    if m.get("split_filter") not in (None, "all"):
        p(f"(only the {m['split_filter']} part: every figure below is {m['split_filter']})")
        splits = []
    if m["malicious"]["files"]:
        mm = m["malicious"]
        p("== malicious ==")
        p(f"packages: {mm['all']['packages']} ({mm['files']} files), scan errors reported by the scanner: "
          f"{mm['scan_errors']}, files without a result: {mm['harness_failures']}")
        if splits:
            p("parts: " + ", ".join(f"{s} {m['splits'][s]['malicious']['all']['packages']} packages" for s in splits)
              + (f", not in the families file {m['unsplit_files']['malicious']} files"
                 if m["unsplit_files"]["malicious"] else ""))
        print_headlines(p, m, "malicious", MAL_LINES, splits)
        p("")
    if m["benign"]["files"]:
        b = m["benign"]
        p("== benign ==")
        p(f"packages: {b['packages']} ({b['files']} files), scan errors reported by the scanner: "
          f"{b['scan_errors']}, files without a result: {b['harness_failures']}")
        if splits:
            p("parts: " + ", ".join(f"{s} {m['splits'][s]['benign']['packages']} packages" for s in splits))
        print_headlines(p, m, "benign", BEN_LINES, splits)
        p("")
    if m["alerts"]:
        p("== alerts ==")
        w = max(12, max(len(r["id"]) for r in m["alerts"]))
        p(f"{'id':<{w}}  {'severity':<8}  {'mal pkgs':>8}  {'ben pkgs':>8}  {'ben files':>9}")
        for r in m["alerts"]:
            p(f"{r['id']:<{w}}  {str(r['severity']):<8}  {r['malicious_packages']:>8}  "
              f"{r['benign_packages']:>8}  {r['benign_files']:>9}")
        p("")
    if m["missed_malicious"]:
        miss = m["missed_malicious"]
        p(f"== missed malicious packages ({len(miss)}) ==")
        for x in miss[:show]:
            tags = [x["verdict"] or "no result", f"score {x['score']}"] + ([x["split"]] if x.get("split") else [])
            if not x["ext_ok"]:
                tags.append("ext_ok=no")
            p(f"- {x['name']} {x['version']} [{', '.join(tags)}]")
            for e in x["errors"]:
                p(f"    error: {short(e)}")
            for a in x["top_alerts"][:3]:
                p(f"    {a['severity']:<8} {a['id']}  {a['where']}  {short(a['evidence'], 100)}")
        if len(miss) > show:
            p(f"  … {len(miss) - show} more (--show N, or --json)")
        p("")
    if m["blocked_benign"]:
        fb = m["blocked_benign"]
        p(f"== blocked benign packages ({len(fb)}) ==")
        for x in fb[:show]:
            p(f"- {x['package']}" + (f" [{x['split']}]" if x.get("split") else ""))
            for f in x["files"]:
                p(f"    {f['filename']} (score {f['score']}){'  error: ' + short(f['error']) if f['error'] else ''}")
                for a in f["alerts"][:5]:
                    p(f"      {a['severity']:<8} {a['id']}  {a['where']}  {short(a['evidence'], 120)}")
                if len(f["alerts"]) > 5:
                    p(f"      … {len(f['alerts']) - 5} more blocking alerts")
        if len(fb) > show:
            p(f"  … {len(fb) - show} more (--show N, or --json)")
        p("")
    if m["failures"]:
        p(f"== files without a result ({len(m['failures'])}) ==")
        for f in m["failures"][:show]:
            p(f"- [{f['side']}] {f['path']}: {short(f['error'], 200)}")
        p("")


def file_record(it: Item) -> dict:
    r = it.result or {}
    return {
        "side": it.side, "package": it.package, "path": it.path, "kind": it.kind, "ext_ok": it.ext_ok,
        "split": it.split,
        "verdict": r.get("verdict"), "score": r.get("score"), "level": r.get("level"), "error": r.get("error"),
        "failure": it.failure,
        "alerts": [{"id": a.get("id"), "severity": a.get("severity"), "where": loc(a), "context": a.get("context"),
                    "evidence": short(a.get("evidence"), 300)} for a in alerts_of(it)],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Detection quality of safe-pip on malicious and benign corpora.")
    ap.add_argument("--scanner", default="safe-pip", help="scanner command, split like a shell (default: safe-pip)")
    ap.add_argument("--malicious", type=Path, default=DEFAULT_MALICIOUS, help=f"default {DEFAULT_MALICIOUS}")
    ap.add_argument("--benign", type=Path, default=DEFAULT_BENIGN, help=f"default {DEFAULT_BENIGN}")
    ap.add_argument("--side", choices=("both", "malicious", "benign"), default="both")
    ap.add_argument("--limit", type=int, default=0, help="only the first N packages of each side (quick runs)")
    ap.add_argument("--batch", type=int, default=200, help="files per scanner call (default 200)")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="scanner calls in parallel (default 1)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per scanner call (default 900)")
    ap.add_argument("--show", type=int, default=50, help="how many missed / blocked packages to list (default 50)")
    ap.add_argument("--json", dest="json_out", type=Path, help="write the full results here")
    ap.add_argument("--ignore-alert", action="append", default=[], metavar="ID",
                    help="drop this alert id and re-derive verdicts with the default policy "
                         "(critical → block, high → warn), e.g. --ignore-alert typosquat for code-only recall")
    ap.add_argument("--families", default=None, metavar="TSV",
                    help=f"malicious families and their tune/validate split (default {DEFAULT_FAMILIES.relative_to(REPO)} "
                         "if present; 'none' for no split); the benign split is families.benign_split")
    ap.add_argument("--split", choices=("all", *SPLITS), default="all",
                    help="only this part of both corpora (tuning runs: --split tune); default all, with every "
                         "headline figure also given per part")
    args = ap.parse_args(argv)

    cmd = shlex.split(args.scanner)
    if not cmd:
        ap.error("--scanner is empty")

    mal: list[Item] = []
    ben: list[Item] = []
    if args.side in ("both", "malicious"):
        if not args.malicious.is_dir():
            print(f"error: malicious corpus {args.malicious} not found", file=sys.stderr)
            return 2
        mal = load_malicious(args.malicious)
    if args.side in ("both", "benign"):
        if not args.benign.is_dir():
            print(f"error: benign corpus {args.benign} not found (run bench/fetch_benign.py)", file=sys.stderr)
            return 2
        ben = load_benign(args.benign)

    fam_path = None
    if args.families is None:
        fam_path = DEFAULT_FAMILIES if DEFAULT_FAMILIES.is_file() else None
    elif args.families.lower() != "none":
        fam_path = Path(args.families)
        if not fam_path.is_file():
            print(f"error: families file {fam_path} not found", file=sys.stderr)
            return 2
    if mal:
        if fam_path:
            unsplit = apply_families(mal, read_families(fam_path))
            if unsplit:
                print(f"warning: {unsplit} malicious files are not in {fam_path}: they count in 'all' only",
                      file=sys.stderr)
        elif args.split != "all":
            print("error: --split needs a families file (--families)", file=sys.stderr)
            return 2
    if args.split != "all":
        mal = [it for it in mal if it.split == args.split]
        ben = [it for it in ben if it.split == args.split]
    mal = limit_packages(mal, args.limit)
    ben = limit_packages(ben, args.limit)

    gone = [it for it in mal + ben if not os.path.isfile(it.path)]
    for it in gone:
        it.failure = "file listed in the manifest is missing"
    todo_mal = [it for it in mal if not it.failure]
    todo_ben = [it for it in ben if not it.failure]

    print(f"scanner: {shlex.join(cmd)}", file=sys.stderr)
    times = {}
    if todo_mal:
        times["malicious_seconds"] = scan_all(cmd, todo_mal, args.batch, args.jobs, args.timeout, "malicious")
    if todo_ben:
        times["benign_seconds"] = scan_all(cmd, todo_ben, args.batch, args.jobs, args.timeout, "benign")

    if args.ignore_alert:
        ignored = set(args.ignore_alert)
        for it in mal + ben:
            without_alerts(it, ignored)
        print(f"ignoring alerts: {', '.join(sorted(ignored))} (verdicts re-derived with the default policy)", file=sys.stderr)

    metrics = compute(mal, ben)
    metrics["ignored_alerts"] = sorted(args.ignore_alert)
    metrics["families_file"] = str(fam_path) if fam_path else None
    metrics["split_filter"] = args.split
    metrics["scanner"] = shlex.join(cmd)
    metrics["timing"] = times
    if TOOL_SEEN:
        metrics["tool"] = TOOL_SEEN["tool"]
        print(f"tool: {TOOL_SEEN['tool'].get('name')} {TOOL_SEEN['tool'].get('version')}", file=sys.stderr)
    print_report(metrics, args.show)
    for k, v in times.items():
        print(f"{k.replace('_seconds', '')} side scanned in {v:.1f}s (wall, all batches)")

    if args.json_out:
        metrics["files"] = [file_record(it) for it in mal + ben]
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        with open(args.json_out, "w", encoding="utf-8") as fh:
            json.dump(metrics, fh, indent=1)
        print(f"wrote {args.json_out}")

    return 2 if metrics["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
