#!/usr/bin/env python3
"""Families of the malicious corpus, and the tune / validate split (issue 11).

Detectors are tuned on one part of the data and reported on a part nobody looked at
while tuning.  A random split per sample would leak: malware comes in campaigns of
near-identical siblings (the same setup.py under 40 names), and tuning on one sibling
is tuning on all of them.  So the split is made *by family*: samples are clustered by
code similarity and whole families go to one side.

Method (all in memory; the corpus is live malware, read as bytes only):

1. Read each archive of ``MANIFEST.tsv``.  The real format comes from the magic bytes
   (gzip / bzip2 / xz tar, plain tar, zip), not from the extension.  Compressed tars are
   inflated into memory up to ``MAX_INFLATE`` bytes (a bomb is cut, and what was read
   before the cut is used); at most ``MAX_MEMBERS`` members are looked at, at most
   ``MAX_MEMBER`` bytes are read from one member and ``MAX_TOTAL`` from one archive.
   Nothing is extracted to disk, imported or run.
2. Code members: ``*.py``, ``*.pyw``, ``*.pth``, ``setup.cfg``, ``pyproject.toml``.
   PKG-INFO / METADATA are left out: they mostly name the package.
3. Normalise: the package's own name (any mix of ``-_.`` and case) becomes ``PKGNAME``,
   its version ``PKGVER``; comments are dropped; the code is cut into tokens
   (identifiers, numbers, string literals, operators), so whitespace and layout do not
   count; a string literal longer than 64 characters becomes ``<LONGSTR>`` (payload
   blobs differ between siblings, the code around them does not).
4. Fingerprint: the set of hashed 5-token shingles of every code file (a file with
   fewer tokens gives one shingle of all of them).
5. Boilerplate is not evidence: a shingle found in more than ``DF_MAX`` (5 %) of the
   distinct fingerprints (``from setuptools import setup``, ``setup(name=...``) is
   dropped before comparing, so two unrelated tiny setup.py files do not look alike.
6. Edges: exact Jaccard >= ``THRESHOLD`` (0.5) between the filtered sets, found with
   prefix filtering (an exact all-pairs similarity join: two sets with Jaccard >= t
   must share a token among the first ``|A| - ceil(t*|A|) + 1`` of their rarest
   tokens), plus identical raw fingerprints, plus every version of one name.
   Families are the connected components (union-find).
7. No code (an empty or metadata-only archive, or no shingle left after step 5) or
   unreadable archive: the sample is a family of its own, joined only with the other
   versions of its name.  (Grouping these by a structure key would merge unrelated
   placeholder packages; they carry no code a detector could be tuned on anyway.)
8. Split: families sorted by size (largest first; ties by sha256 of the family's
   smallest member path) and dealt greedily to whichever side is further below its
   target share (70 % tune / 30 % validate of samples).  Big families therefore
   alternate between the sides instead of landing on one by chance, and the totals
   end near 70/30.  Deterministic: no random seed, same input → same file.

The family id is the alphabetically first package name in the family.

Benign side: :func:`benign_split` assigns a project name to tune / validate by the
sha256 of its PEP 503 normalised name (70 / 30); no file is needed.

Usage::

    python3 bench/families.py                       # writes bench/data/malware-families.tsv
    python3 bench/families.py --check               # recompute and compare to the committed file
    python3 bench/families.py --show-family NAME    # the family of NAME, from the committed file
    python3 bench/families.py --benign bench/cache/benign   # also print the benign split sizes
"""

from __future__ import annotations

import argparse
import bz2
import hashlib
import io
import keyword
import lzma
import math
import re
import sys
import tarfile
import time
import zipfile
import zlib
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tsvfile import read_tsv  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MALICIOUS = REPO.parent / "shared" / "corpus" / "malicious"
if not DEFAULT_MALICIOUS.exists():
    DEFAULT_MALICIOUS = Path("/work/shared/corpus/malicious")
DEFAULT_OUT = REPO / "bench" / "data" / "malware-families.tsv"

MAX_MEMBER = 2 << 20  # bytes read from one member
MAX_TOTAL = 50 << 20  # bytes read from one archive's members
MAX_INFLATE = 64 << 20  # bytes of tar inflated from one compressed archive
MAX_MEMBERS = 20000  # members looked at per archive
MAX_FILE = 64 << 20  # archives bigger than this on disk are not read at all

K = 5  # tokens per shingle
THRESHOLD = 0.5  # Jaccard for an edge
MIN_SHARED = 5  # an edge needs this many shared shingles that are not generic setup boilerplate
TUNE_SHARE = 0.7
LONG_STRING = 64

CODE_SUFFIXES = (".py", ".pyw", ".pth")
CODE_NAMES = ("setup.cfg", "pyproject.toml")


# --------------------------------------------------------------------------- reading


def sniff(data: bytes) -> str:
    if data[:2] == b"\x1f\x8b":
        return "gz"
    if data[:3] == b"BZh":
        return "bz2"
    if data[:6] == b"\xfd7zXZ\x00":
        return "xz"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return "zip"
    if data[257:262] == b"ustar":
        return "tar"
    return "unknown"


def inflate(data: bytes, fmt: str, cap: int = MAX_INFLATE) -> bytes:
    """Decompress at most ``cap`` bytes (a bomb is cut, not refused)."""
    out = bytearray()
    if fmt == "gz":
        rest = data
        while rest and len(out) < cap:  # concatenated gzip members
            d = zlib.decompressobj(wbits=47)
            try:
                out += d.decompress(rest, cap - len(out))
            except zlib.error:
                break
            if d.unconsumed_tail:  # hit the cap
                break
            rest = d.unused_data
            if rest[:2] != b"\x1f\x8b":
                break
    elif fmt == "bz2":
        try:
            out += bz2.BZ2Decompressor().decompress(data, cap)
        except (OSError, EOFError, ValueError):
            pass
    elif fmt == "xz":
        try:
            out += lzma.LZMADecompressor().decompress(data, cap)
        except (lzma.LZMAError, EOFError, ValueError):
            pass
    return bytes(out)


def wanted(member: str) -> bool:
    base = member.rsplit("/", 1)[-1].lower()
    return base.endswith(CODE_SUFFIXES) or base in CODE_NAMES


def read_code_members(data: bytes) -> tuple[str, list[tuple[str, bytes]], int]:
    """(status, [(member path, bytes)], number of members seen).  status: ok | unreadable:<why>."""
    fmt = sniff(data)
    out: list[tuple[str, bytes]] = []
    total = 0
    seen = 0
    if fmt == "zip":
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
            infos = zf.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as e:
            return f"unreadable:zip:{type(e).__name__}", [], 0
        for info in infos[:MAX_MEMBERS]:
            seen += 1
            if info.is_dir() or not wanted(info.filename) or total >= MAX_TOTAL:
                continue
            try:
                with zf.open(info) as fh:
                    b = fh.read(min(MAX_MEMBER, MAX_TOTAL - total))
            except Exception:  # encrypted, bad CRC, unsupported method, truncated …
                continue
            total += len(b)
            out.append((info.filename, b))
        return "ok", out, seen
    if fmt in ("gz", "bz2", "xz"):
        raw = inflate(data, fmt)
    elif fmt == "tar":
        raw = data
    else:
        return f"unreadable:{fmt}", [], 0
    if not raw.strip(b"\0"):
        return f"unreadable:{fmt}-empty", [], 0
    try:
        tf = tarfile.open(fileobj=io.BytesIO(raw), mode="r:")
    except (tarfile.TarError, OSError, EOFError, ValueError) as e:
        return f"unreadable:{fmt}-tar:{type(e).__name__}", [], 0
    while seen < MAX_MEMBERS and total < MAX_TOTAL:
        try:
            m = tf.next()
        except (tarfile.TarError, OSError, EOFError, ValueError, zlib.error):
            break  # truncated (or cut by MAX_INFLATE): keep what was read
        if m is None:
            break
        seen += 1
        if not m.isreg() or not wanted(m.name):
            continue
        try:
            fh = tf.extractfile(m)  # a view on the in-memory bytes, never a file on disk
            b = fh.read(min(MAX_MEMBER, MAX_TOTAL - total)) if fh else b""
        except (tarfile.TarError, OSError, EOFError, ValueError):
            continue
        total += len(b)
        out.append((m.name, b))
    return "ok", out, seen


# --------------------------------------------------------------------------- normalising

TOKEN_RE = re.compile(
    r'''(?P<comment>\#[^\n]*)'''
    r'''|(?P<str>[rRbBuUfF]{0,2}(?:"""[\s\S]*?(?:"""|\Z)|\'\'\'[\s\S]*?(?:\'\'\'|\Z)|"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?))'''
    r'''|(?P<name>[^\W\d]\w*)'''
    r'''|(?P<num>\d[\w.]*)'''
    r'''|(?P<op>[^\s\w])'''
)


def name_pattern(name: str) -> re.Pattern | None:
    parts = [p for p in re.split(r"[-_.]+", name) if p]
    if not parts or len("".join(parts)) < 3:
        return None
    body = r"[-_.]*".join(re.escape(p) for p in parts)
    return re.compile(r"(?<![A-Za-z0-9])" + body + r"(?![A-Za-z0-9])", re.IGNORECASE)


def normalise(text: str, name: str, version: str) -> list[str]:
    pat = name_pattern(name)
    if pat:
        text = pat.sub("PKGNAME", text)
    if len(version) >= 3:
        text = re.sub(r"(?<![\w.])" + re.escape(version) + r"(?![\w])", "PKGVER", text)
    toks: list[str] = []
    for m in TOKEN_RE.finditer(text):
        kind = m.lastgroup
        if kind == "comment":
            continue
        s = m.group()
        if kind == "str":
            s = "<LONGSTR>" if len(s) > LONG_STRING else s
        toks.append(s)
    return toks


def h64(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


# Tokens of packaging boilerplate: a shingle made only of these (and of punctuation,
# numbers, short or classifier strings) says nothing about who wrote the package.
GENERIC = set(keyword.kwlist) | {
    "PKGNAME", "PKGVER", "<LONGSTR>", "setup", "setuptools", "distutils", "core", "find_packages",
    "find_namespace_packages", "name", "version", "author", "author_email", "maintainer", "maintainer_email",
    "description", "long_description", "long_description_content_type", "url", "download_url", "packages",
    "package_dir", "package_data", "py_modules", "install_requires", "extras_require", "setup_requires",
    "tests_require", "classifiers", "keywords", "license", "license_files", "platforms", "python_requires",
    "include_package_data", "zip_safe", "entry_points", "console_scripts", "project_urls", "cmdclass",
    "open", "read", "readlines", "encoding", "fh", "f", "os", "path", "join", "dirname", "abspath",
    "__file__", "here", "io", "codecs", "README", "md", "rst", "txt", "utf", "metadata", "options",
    "project", "requires", "build", "backend", "tool", "dependencies", "readme", "authors",
    "email", "text", "markdown", "install", "self", "run", "print", "__init__", "__name__", "__main__",
}
GENERIC_STRINGS = {"", "utf-8", "utf8", "r", "readme.md", "readme.rst", "readme.txt", "readme", "text/markdown",
                   "text/x-rst", "mit", "bsd", "apache", "license", "requirements.txt", ">=3.6", ">=3.7",
                   ">=3.8", "src", "tests", "setuptools", "wheel", "setuptools.build_meta"}
GENERIC_LOWER = {x.lower() for x in GENERIC}


def generic(tok: str) -> bool:
    if tok in GENERIC or not (tok[0].isalnum() or tok[0] in "_\"'") or tok[0].isdigit():
        return True
    if tok[-1] in "\"'":  # a string literal
        body = tok.lstrip("rRbBuUfF").strip("\"'").strip().lower()
        return len(body) <= 2 or "::" in body or body in GENERIC_STRINGS or body in GENERIC_LOWER
    return False


def fingerprint(members: list[tuple[str, bytes]], name: str, version: str,
                boiler: set[int] | None = None) -> set[int]:
    """The sample's shingle hashes.  Hashes of shingles made only of generic tokens are
    also added to ``boiler`` (shared by all samples: a shingle's tokens decide it)."""
    sh: set[int] = set()
    for _path, b in members:
        toks = normalise(b.decode("utf-8", "replace"), name, version)
        if not toks:
            continue
        gen = [generic(t) for t in toks]
        spans = [(0, len(toks))] if len(toks) < K else [(i, i + K) for i in range(len(toks) - K + 1)]
        for i, j in spans:
            x = h64("\x1f".join(toks[i:j]))
            sh.add(x)
            if boiler is not None and all(gen[i:j]):
                boiler.add(x)
    return sh


# --------------------------------------------------------------------------- clustering


class UnionFind:
    def __init__(self, n: int):
        self.p = list(range(n))

    def find(self, x: int) -> int:
        while self.p[x] != x:
            self.p[x] = self.p[self.p[x]]
            x = self.p[x]
        return x

    def union(self, a: int, b: int) -> None:
        a, b = self.find(a), self.find(b)
        if a != b:
            self.p[max(a, b)] = min(a, b)


def similar_pairs(sets: list[set[int]], t: float, ok=None) -> list[tuple[int, int]]:
    """All pairs (i, j) with Jaccard(sets[i], sets[j]) >= t, exactly (prefix filtering).

    Tokens are ordered by document frequency (rarest first, then by value); two sets with
    Jaccard >= t share at least one token within each one's prefix of
    ``|A| - ceil(t*|A|) + 1`` tokens.  Empty sets have no pairs.  ``ok(a, b)``, if given,
    must also hold for a pair to be kept."""
    df = Counter(x for s in sets for x in s)
    order = [sorted(s, key=lambda x: (df[x], x)) for s in sets]
    index: dict[int, list[int]] = defaultdict(list)
    pairs = []
    by_size = sorted((i for i in range(len(sets)) if sets[i]), key=lambda i: (len(sets[i]), i))
    for i in by_size:  # smaller sets first: every indexed set is no bigger than sets[i]
        a = sets[i]
        n = len(a)
        prefix = n - math.ceil(t * n - 1e-9) + 1
        cands: set[int] = set()
        for x in order[i][:prefix]:
            for j in index[x]:
                cands.add(j)
            index[x].append(i)
        for j in cands:
            b = sets[j]
            if len(b) < t * n - 1e-9:  # length filter
                continue
            inter = len(a & b)
            if inter >= t * (n + len(b) - inter) - 1e-9 and (ok is None or ok(a, b)):
                pairs.append((min(i, j), max(i, j)))
    return pairs


def assign_split(families: dict[str, list[int]], key_of: dict[str, str], share: float = TUNE_SHARE) -> dict[str, str]:
    """Deal whole families to tune / validate, largest first, to the side furthest below its share."""
    order = sorted(families, key=lambda f: (-len(families[f]), hashlib.sha256(key_of[f].encode()).hexdigest()))
    tune = val = 0
    out = {}
    for f in order:
        n = len(families[f])
        total = tune + val + n
        if share * total - tune >= (1 - share) * total - val:
            out[f] = "tune"
            tune += n
        else:
            out[f] = "validate"
            val += n
    return out


# --------------------------------------------------------------------------- benign


def normalise_project(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def benign_split(name: str, share: float = TUNE_SHARE) -> str:
    """tune / validate for a benign project, from the sha256 of its PEP 503 name (deterministic)."""
    h = int.from_bytes(hashlib.sha256(normalise_project(name).encode()).digest()[:8], "big")
    return "tune" if h < share * 2**64 else "validate"


def read_families(path: Path) -> dict[str, dict]:
    """local_path → {name, version, family, split} from a malware-families.tsv."""
    return {r["local_path"]: r for r in read_tsv(path)}


# --------------------------------------------------------------------------- main


def build(root: Path, log=print) -> tuple[list[dict], dict]:
    rows = read_tsv(root / "MANIFEST.tsv")
    t0 = time.monotonic()
    prints: list[set[int]] = []
    status: list[str] = []
    boiler: set[int] = set()
    for i, r in enumerate(rows):
        p = root / r["local_path"]
        st, fp = "ok", set()
        try:
            if p.stat().st_size > MAX_FILE:
                st = "unreadable:too-big"
            else:
                data = p.read_bytes()
                st, members, _ = read_code_members(data)
                if st == "ok":
                    fp = fingerprint(members, r["name"], r["version"], boiler)
                    if not fp:
                        st = "no-code"
        except OSError as e:
            st = f"unreadable:{type(e).__name__}"
        prints.append(fp)
        status.append(st)
        if (i + 1) % 500 == 0:
            log(f"  read {i + 1}/{len(rows)} ({time.monotonic() - t0:.0f}s)", file=sys.stderr)

    n = len(rows)
    uf = UnionFind(n)
    # identical raw fingerprints
    first: dict[frozenset, int] = {}
    for i, s in enumerate(prints):
        if s:
            key = frozenset(s)
            if key in first:
                uf.union(first[key], i)
            else:
                first[key] = i
    # same name
    by_name: dict[str, int] = {}
    for i, r in enumerate(rows):
        k = normalise_project(r["name"])
        if k in by_name:
            uf.union(by_name[k], i)
        else:
            by_name[k] = i
    # similarity between distinct fingerprints; the shared part must not be boilerplate only
    distinct = [set(k) for k in first]
    reps = list(first.values())
    boiler_only = sum(1 for s in prints if s and s <= boiler)

    def ok(a: set[int], b: set[int]) -> bool:
        return len((a & b) - boiler) >= MIN_SHARED

    pairs = [(reps[i], reps[j]) for i, j in similar_pairs(distinct, THRESHOLD, ok)]
    for i, j in pairs:
        uf.union(i, j)

    comp: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        comp[uf.find(i)].append(i)
    families: dict[str, list[int]] = {}
    for members in comp.values():
        fam = min(rows[i]["name"] for i in members)
        families[fam] = members
    key_of = {f: min(rows[i]["local_path"] for i in m) for f, m in families.items()}
    split = assign_split(families, key_of)
    out = []
    for f, members in families.items():
        for i in members:
            r = rows[i]
            out.append({"local_path": r["local_path"], "name": r["name"], "version": r["version"],
                        "family": f, "split": split[f], "status": status[i]})
    out.sort(key=lambda r: r["local_path"])
    stats = {
        "samples": n, "families": len(families), "seconds": time.monotonic() - t0,
        "status": Counter(s.split(":")[0] if s.startswith("unreadable") else s for s in status),
        "unreadable_detail": Counter(s for s in status if s.startswith("unreadable")),
        "distinct_fingerprints": len(distinct), "boilerplate_shingles": len(boiler),
        "boilerplate_only": boiler_only, "similar_pairs": len(pairs),
        "family_sizes": sorted(((len(m), f) for f, m in families.items()), key=lambda x: (-x[0], x[1])),
        "split": split, "family_members": families,
        "_prints": prints, "_boiler": boiler, "_pairs": pairs, "_rows": rows,  # for analysis, not printed
    }
    return out, stats


HEADER_FIELDS = ("local_path", "name", "version", "family", "split")


def write_tsv(path: Path, rows: list[dict], stats: dict, root: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    per = Counter(r["split"] for r in rows)
    fams = Counter(stats["split"].values())
    lines = [
        f"# Families of the malicious corpus ({root.name}/MANIFEST.tsv, {stats['samples']} samples) and the tune/validate split.",
        "# Made by: python3 bench/families.py   (method: bench/families.py docstring and bench/README.md, section 'Families').",
        f"# Code members (.py .pyw .pth setup.cfg pyproject.toml) read in memory, name/version replaced, tokenised; "
        f"{K}-token shingles;",
        f"# families = connected components of (Jaccard >= {THRESHOLD} with >= {MIN_SHARED} shared non-boilerplate shingles) "
        "+ identical fingerprints + same name. "
        f"Family id = alphabetically first name in it.",
        f"# {stats['families']} families; split by whole family, largest first, greedy to a {TUNE_SHARE:.0%} tune share: "
        f"tune {per['tune']} samples / {fams['tune']} families, validate {per['validate']} samples / {fams['validate']} families.",
        "\t".join(HEADER_FIELDS),
    ]
    lines += ["\t".join(r[k] for k in HEADER_FIELDS) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def print_stats(rows: list[dict], stats: dict, top: int = 20) -> None:
    sizes = [s for s, _ in stats["family_sizes"]]
    print(f"samples: {stats['samples']}, read in {stats['seconds']:.0f}s")
    print("status: " + ", ".join(f"{k} {v}" for k, v in sorted(stats["status"].items())))
    for k, v in sorted(stats["unreadable_detail"].items()):
        print(f"  {k}: {v}")
    print(f"distinct fingerprints: {stats['distinct_fingerprints']}, generic (boilerplate) shingles: "
          f"{stats['boilerplate_shingles']}, samples with only boilerplate: {stats['boilerplate_only']}, "
          f"similar pairs (Jaccard >= {THRESHOLD}): {stats['similar_pairs']}")
    print(f"families: {stats['families']}")
    buckets = [(1, 1), (2, 2), (3, 5), (6, 10), (11, 50), (51, 100), (101, 10**9)]
    print("family sizes: " + ", ".join(
        f"{lo if lo == hi else f'{lo}-{hi}' if hi < 10**9 else f'>{lo - 1}'}: "
        f"{sum(1 for s in sizes if lo <= s <= hi)} families / {sum(s for s in sizes if lo <= s <= hi)} samples"
        for lo, hi in buckets))
    print(f"largest {top} families:")
    for size, f in stats["family_sizes"][:top]:
        names = Counter(rows_by_path["name"] for rows_by_path in rows if rows_by_path["family"] == f)
        print(f"  {size:5d}  {stats['split'][f]:<8}  {f}  ({len(names)} names, e.g. {', '.join(sorted(names)[:4])})")
    per = Counter(r["split"] for r in rows)
    fams = Counter(stats["split"].values())
    n = len(rows)
    for s in ("tune", "validate"):
        print(f"{s:<8}: {per[s]} samples ({100 * per[s] / n:.1f} %), {fams[s]} families, "
              f"{len({r['name'] for r in rows if r['split'] == s})} names")


def show_family(path: Path, name: str) -> int:
    fams = read_families(path)
    want = normalise_project(name)
    hit = {r["family"] for r in fams.values() if normalise_project(r["name"]) == want or r["family"] == name}
    if not hit:
        print(f"{name}: not in {path}", file=sys.stderr)
        return 1
    for f in sorted(hit):
        members = sorted((r for r in fams.values() if r["family"] == f), key=lambda r: (r["name"], r["version"]))
        print(f"family {f} ({members[0]['split']}): {len(members)} samples")
        for r in members:
            print(f"  {r['name']} {r['version']}  {r['local_path']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Cluster the malicious corpus into families and split tune/validate.")
    ap.add_argument("--malicious", type=Path, default=DEFAULT_MALICIOUS, help=f"default {DEFAULT_MALICIOUS}")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default {DEFAULT_OUT.relative_to(REPO)}")
    ap.add_argument("--check", action="store_true", help="recompute and compare with --out instead of writing it")
    ap.add_argument("--show-family", metavar="NAME", help="print the family of NAME from --out and exit")
    ap.add_argument("--benign", type=Path, help="a benign cache (manifest.tsv): print its tune/validate split sizes")
    ap.add_argument("--top", type=int, default=20, help="largest families to list (default 20)")
    args = ap.parse_args(argv)

    if args.show_family:
        return show_family(args.out, args.show_family)
    if args.benign:
        names = sorted({r["name"] for r in read_tsv(args.benign / "manifest.tsv")})
        c = Counter(benign_split(x) for x in names)
        print(f"benign projects: {len(names)}: tune {c['tune']}, validate {c['validate']}")
    if not (args.malicious / "MANIFEST.tsv").exists():
        print(f"error: {args.malicious}/MANIFEST.tsv not found", file=sys.stderr)
        return 2
    rows, stats = build(args.malicious, log=print)
    print_stats(rows, stats, args.top)
    if args.check:
        old = read_families(args.out)
        diff = [r["local_path"] for r in rows
                if (old.get(r["local_path"]) or {}).get("split") != r["split"]
                or (old.get(r["local_path"]) or {}).get("family") != r["family"]]
        print(f"check: {len(diff)} samples differ from {args.out}" + (f", e.g. {diff[:5]}" if diff else ""))
        return 1 if diff or len(old) != len(rows) else 0
    write_tsv(args.out, rows, stats, args.malicious)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
