#!/usr/bin/env python3
"""Download a benign corpus: the latest sdist and one wheel of the top-N PyPI projects.

Project names come from the project's own copy of the top-packages list,
``python/safe_pip/data/top_packages.tsv`` (rank, name, download_count).  For each
project the PyPI JSON API (``https://pypi.org/pypi/<name>/json``) gives the files of
the latest version (``urls``); we take

* the sdist (``.tar.gz`` preferred over ``.zip`` etc.), and
* one wheel, chosen in this order: pure ``py3-none-any`` / ``py2.py3-none-any``;
  a ``cp311`` manylinux x86_64 wheel; any manylinux x86_64 wheel (abi3 first, then
  the newest CPython tag); any wheel.

Every file is verified against the sha256 the API publishes.  Files already present
with the right hash are skipped, so the script can be stopped and re-run at will.
Downloads go to ``<cache>/<name>/<filename>`` (default cache: ``bench/cache/benign``)
and a ``manifest.tsv`` (name, version, filename, kind, sha256, size) is kept in the
cache; it is rewritten as files complete, so a partial cache is usable.

Network: only pypi.org and files.pythonhosted.org.  Python 3.11 stdlib only.

Examples::

    python3 bench/fetch_benign.py                      # top 300, no size cap
    python3 bench/fetch_benign.py -n 50 --max-file-mb 100
    python3 bench/fetch_benign.py --cache /tmp/benign -n 1000 -j 8
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from tsvfile import read_tsv

REPO = Path(__file__).resolve().parent.parent
DEFAULT_LIST = REPO / "python" / "safe_pip" / "data" / "top_packages.tsv"
DEFAULT_CACHE = REPO / "bench" / "cache" / "benign"
ALLOWED_HOSTS = {"pypi.org", "files.pythonhosted.org"}
USER_AGENT = "safe-pip-bench/0.1 (benign corpus fetcher; python-urllib)"
MANIFEST_COLUMNS = ("name", "version", "filename", "kind", "sha256", "size")
CHUNK = 1 << 20

_print_lock = threading.Lock()


def log(msg: str, *, err: bool = False) -> None:
    with _print_lock:
        print(msg, file=sys.stderr if err else sys.stdout, flush=True)


# --------------------------------------------------------------------------- list


def read_top_list(path: Path, n: int) -> list[str]:
    """The first ``n`` project names of a top-packages TSV (rank, name, download_count); 0 = all."""
    names = [row["name"] for row in read_tsv(path)]
    return names[:n] if n else names


def read_names_file(path: Path) -> list[str]:
    """Names from a headerless ``rank<TAB>name`` list (``#`` comments), such as
    ``shared/data/benign-dev-names.txt``; a line with one column is just a name."""
    names: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        names.append(line.split("\t")[-1].strip())
    return names


# --------------------------------------------------------------------------- http


class FetchError(Exception):
    """A failure worth reporting; ``retry`` says whether trying again may help."""

    def __init__(self, msg: str, retry: bool = True):
        super().__init__(msg)
        self.retry = retry


def check_host(url: str) -> None:
    host = urllib.parse.urlsplit(url).hostname or ""
    if urllib.parse.urlsplit(url).scheme != "https" or host not in ALLOWED_HOSTS:
        raise FetchError(f"refusing URL outside pypi.org/files.pythonhosted.org: {url}", retry=False)


def open_url(url: str, timeout: float):
    check_host(url)
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
    try:
        resp = urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as e:
        retry = e.code == 429 or e.code >= 500
        raise FetchError(f"HTTP {e.code} {e.reason} for {url}", retry=retry) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as e:
        raise FetchError(f"{type(e).__name__}: {getattr(e, 'reason', e)} for {url}") from None
    # A redirect must stay on the allowed hosts too.
    check_host(resp.geturl())
    return resp


def with_retries(what: str, fn, retries: int):
    delay = 1.0
    for attempt in range(retries + 1):
        try:
            return fn()
        except FetchError as e:
            if not e.retry or attempt == retries:
                raise
            wait = delay * (1 + random.random() * 0.5)
            log(f"  retry {attempt + 1}/{retries} for {what} in {wait:.1f}s: {e}", err=True)
            time.sleep(wait)
            delay = min(delay * 2, 60.0)
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- choice


WHEEL_RE = re.compile(r"^(?P<stem>.+)\.whl$")


def wheel_tags(filename: str) -> tuple[set[str], set[str], set[str]] | None:
    m = WHEEL_RE.match(filename)
    if not m:
        return None
    parts = m.group("stem").split("-")
    if len(parts) < 5:
        return None
    py, abi, plat = parts[-3], parts[-2], parts[-1]
    return set(py.split(".")), set(abi.split(".")), set(plat.split("."))


def is_manylinux_x86_64(plats: set[str]) -> bool:
    return any(p.startswith("manylinux") and p.endswith("_x86_64") for p in plats)


def cp_version(pys: set[str]) -> int:
    best = 0
    for p in pys:
        m = re.fullmatch(r"cp(\d)(\d+)", p)
        if m:
            best = max(best, int(m.group(1)) * 100 + int(m.group(2)))
    return best


def choose_wheel(files: list[dict]) -> dict | None:
    wheels = [f for f in files if f.get("packagetype") == "bdist_wheel" and not f.get("yanked")]
    if not wheels:
        return None
    tagged = [(f, wheel_tags(f["filename"])) for f in wheels]
    tagged = [(f, t) for f, t in tagged if t]

    def pure(t, exact: bool) -> bool:
        pys, abis, plats = t
        if abis != {"none"} or plats != {"any"}:
            return False
        return pys in ({"py3"}, {"py2", "py3"}) if exact else any(p.startswith("py3") for p in pys)

    for exact in (True, False):
        cand = [f for f, t in tagged if pure(t, exact)]
        if cand:
            return cand[0]
    cand = [f for f, t in tagged if "cp311" in t[0] and is_manylinux_x86_64(t[2])]
    if cand:
        return cand[0]
    cand = [(f, t) for f, t in tagged if is_manylinux_x86_64(t[2])]
    if cand:
        # abi3 first, then regular (not free-threaded "t") builds, then the CPython tag
        # closest to 3.11, newer before older at the same distance.
        def key(ft):
            pys, abis, _ = ft[1]
            v = cp_version(pys)
            free_threaded = any(a.endswith("t") and a.startswith("cp") for a in abis)
            return ("abi3" not in abis, free_threaded, abs(v - 311) if v else 999, -v)
        cand.sort(key=key)
        return cand[0][0]
    return wheels[0]


def choose_sdist(files: list[dict]) -> dict | None:
    sd = [f for f in files if f.get("packagetype") == "sdist" and not f.get("yanked")]
    if not sd:
        return None
    sd.sort(key=lambda f: (not f["filename"].endswith(".tar.gz"), not f["filename"].endswith(".zip")))
    return sd[0]


# --------------------------------------------------------------------------- tasks


@dataclass
class FileTask:
    name: str
    version: str
    kind: str  # sdist | wheel
    filename: str
    url: str
    sha256: str
    size: int


@dataclass
class Stats:
    projects_ok: int = 0
    files_downloaded: int = 0
    files_present: int = 0
    bytes_downloaded: int = 0
    bytes_total: int = 0
    failures: list[str] = field(default_factory=list)
    skipped_size: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def fetch_project(name: str, timeout: float, retries: int) -> tuple[str, list[FileTask], list[str]]:
    url = f"https://pypi.org/pypi/{urllib.parse.quote(name)}/json"

    def get():
        with open_url(url, timeout) as resp:
            try:
                return json.load(resp)
            except (json.JSONDecodeError, OSError) as e:
                raise FetchError(f"bad JSON from {url}: {e}") from None

    data = with_retries(f"{name} metadata", get, retries)
    version = data["info"]["version"]
    files = data.get("urls") or []
    tasks: list[FileTask] = []
    notes: list[str] = []
    for kind, chosen in (("sdist", choose_sdist(files)), ("wheel", choose_wheel(files))):
        if chosen is None:
            notes.append(f"{name} {version}: no {kind} in latest release")
            continue
        # Real PyPI gives absolute URLs; some mirrors give ones relative to the JSON URL.
        file_url = urllib.parse.urljoin(url, chosen["url"])
        tasks.append(
            FileTask(name, version, kind, chosen["filename"], file_url,
                     chosen["digests"]["sha256"], int(chosen.get("size") or 0))
        )
    return version, tasks, notes


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def safe_filename(fn: str) -> str:
    if "/" in fn or "\\" in fn or fn in ("", ".", "..") or fn.startswith("."):
        raise FetchError(f"unsafe filename {fn!r}", retry=False)
    return fn


def download(task: FileTask, cache: Path, timeout: float, retries: int) -> tuple[str, int]:
    """Return ("present"|"downloaded", size)."""
    dest_dir = cache / task.name
    dest = dest_dir / safe_filename(task.filename)
    if dest.exists() and (task.size == 0 or dest.stat().st_size == task.size):
        if sha256_file(dest) == task.sha256:
            return "present", dest.stat().st_size
    dest_dir.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")

    def get():
        h = hashlib.sha256()
        n = 0
        try:
            with open_url(task.url, timeout) as resp, open(part, "wb") as out:
                while True:
                    try:
                        chunk = resp.read(CHUNK)
                    except (OSError, TimeoutError) as e:
                        raise FetchError(f"read error after {n} bytes: {e} for {task.url}") from None
                    if not chunk:
                        break
                    h.update(chunk)
                    out.write(chunk)
                    n += len(chunk)
        except FetchError:
            part.unlink(missing_ok=True)
            raise
        if h.hexdigest() != task.sha256:
            part.unlink(missing_ok=True)
            raise FetchError(f"sha256 mismatch for {task.filename}: got {h.hexdigest()}, want {task.sha256}")
        os.replace(part, dest)
        return n

    n = with_retries(task.filename, get, retries)
    return "downloaded", n


# --------------------------------------------------------------------------- manifest


class Manifest:
    def __init__(self, path: Path):
        self.path = path
        self.rows: dict[tuple[str, str], dict] = {}
        self.lock = threading.Lock()
        if path.exists():
            for row in read_tsv(path):
                if (path.parent / row["name"] / row["filename"]).exists():
                    self.rows[(row["name"], row["filename"])] = row
        self._dirty = 0

    def forget_project(self, name: str) -> None:
        """Drop a project's rows before its current files are (re)verified."""
        with self.lock:
            for key in [k for k in self.rows if k[0] == name]:
                del self.rows[key]

    def add(self, t: FileTask, size: int) -> None:
        with self.lock:
            self.rows[(t.name, t.filename)] = {
                "name": t.name, "version": t.version, "filename": t.filename,
                "kind": t.kind, "sha256": t.sha256, "size": str(size),
            }
            self._dirty += 1
            if self._dirty >= 10:
                self._write_locked()

    def write(self) -> None:
        with self.lock:
            self._write_locked()

    def _write_locked(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write("\t".join(MANIFEST_COLUMNS) + "\n")
            for key in sorted(self.rows):
                r = self.rows[key]
                fh.write("\t".join(r[c] for c in MANIFEST_COLUMNS) + "\n")
        os.replace(tmp, self.path)
        self._dirty = 0


# --------------------------------------------------------------------------- main


def human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return str(n)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--top", type=int, default=300, help="number of top projects (default 300; 0 = all)")
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help=f"cache folder (default {DEFAULT_CACHE})")
    ap.add_argument("--list", type=Path, default=DEFAULT_LIST, help="top-packages TSV (rank, name, download_count)")
    ap.add_argument("--names", type=Path, action="append", default=[],
                    help="also fetch the names of this headerless 'rank<TAB>name' list (repeatable), "
                         "e.g. ../shared/data/benign-dev-names.txt for the development corpus")
    ap.add_argument("--max-file-mb", type=float, default=0, help="skip files larger than this (0 = no cap)")
    ap.add_argument("-j", "--jobs", type=int, default=8, help="parallel downloads (default 8)")
    ap.add_argument("--retries", type=int, default=4, help="retries per request with exponential backoff")
    ap.add_argument("--timeout", type=float, default=60, help="socket timeout in seconds")
    ap.add_argument("--prune", action="store_true", help="delete cached files that are not in the manifest")
    args = ap.parse_args(argv)

    names = read_top_list(args.list, args.top)
    for extra in args.names:
        seen = set(names)
        names += [n for n in read_names_file(extra) if n not in seen]
    cache: Path = args.cache
    cache.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(cache / "manifest.tsv")
    stats = Stats()
    cap = int(args.max_file_mb * 1024 * 1024) if args.max_file_mb > 0 else 0
    t0 = time.monotonic()
    log(f"fetching latest sdist + wheel of {len(names)} projects into {cache} "
        f"({args.jobs} workers, cap {'none' if not cap else human(cap)})")

    # Stage 1: metadata for every project.
    tasks: list[FileTask] = []
    with ThreadPoolExecutor(max_workers=args.jobs) as ex:
        futs = {ex.submit(fetch_project, n, args.timeout, args.retries): n for n in names}
        for fut in as_completed(futs):
            name = futs[fut]
            try:
                _version, ts, notes = fut.result()
            except FetchError as e:
                stats.failures.append(f"{name}: metadata: {e}")
                log(f"ERROR {name}: metadata: {e}", err=True)
                continue
            except Exception as e:  # malformed API answer
                stats.failures.append(f"{name}: metadata: {type(e).__name__}: {e}")
                log(f"ERROR {name}: metadata: {type(e).__name__}: {e}", err=True)
                continue
            stats.notes.extend(notes)
            manifest.forget_project(name)
            for t in ts:
                if cap and t.size > cap:
                    stats.skipped_size.append(f"{t.name}/{t.filename} ({human(t.size)})")
                else:
                    tasks.append(t)
    planned = sum(t.size for t in tasks)
    log(f"metadata done in {time.monotonic() - t0:.1f}s: {len(tasks)} files to check/fetch, {human(planned)} total")

    # Stage 2: files, small first so a partial cache is already broad.
    tasks.sort(key=lambda t: t.size)
    projects_with_failure: set[str] = set()
    done = 0
    with ThreadPoolExecutor(max_workers=args.jobs) as ex:
        futs = {ex.submit(download, t, cache, args.timeout, args.retries): t for t in tasks}
        for fut in as_completed(futs):
            t = futs[fut]
            done += 1
            try:
                how, size = fut.result()
            except Exception as e:
                msg = str(e) if isinstance(e, FetchError) else f"{type(e).__name__}: {e}"
                stats.failures.append(f"{t.name}/{t.filename}: {msg}")
                projects_with_failure.add(t.name)
                log(f"ERROR [{done}/{len(tasks)}] {t.name}/{t.filename}: {msg}", err=True)
                continue
            manifest.add(t, size)
            stats.bytes_total += size
            if how == "downloaded":
                stats.files_downloaded += 1
                stats.bytes_downloaded += size
            else:
                stats.files_present += 1
            log(f"[{done}/{len(tasks)}] {how:10} {t.name}/{t.filename} {human(size)} "
                f"(fetched {human(stats.bytes_downloaded)}, {time.monotonic() - t0:.0f}s)")
    manifest.write()

    listed = {cache / n / f for n, f in manifest.rows}
    stale = sorted(p for p in cache.glob("*/*") if p.is_file() and p not in listed)
    if stale and args.prune:
        for p in stale:
            p.unlink()
        log(f"pruned {len(stale)} files not in the manifest (older versions, partial downloads)")
    elif stale:
        log(f"{len(stale)} files in the cache are not in the manifest (older versions?); --prune deletes them")

    got_projects = {t.name for t in tasks} - projects_with_failure
    elapsed = time.monotonic() - t0
    print("\n=== summary ===")
    print(f"projects requested : {len(names)}")
    print(f"projects complete  : {len(got_projects)}")
    print(f"files downloaded   : {stats.files_downloaded} ({human(stats.bytes_downloaded)})")
    print(f"files already there: {stats.files_present}")
    print(f"files in cache run : {stats.files_downloaded + stats.files_present} ({human(stats.bytes_total)})")
    print(f"manifest           : {manifest.path} ({len(manifest.rows)} rows)")
    print(f"elapsed            : {elapsed:.0f}s")
    if stats.notes:
        print(f"notes ({len(stats.notes)}):")
        for n in sorted(stats.notes):
            print(f"  {n}")
    if stats.skipped_size:
        print(f"skipped for size > {args.max_file_mb:g} MB ({len(stats.skipped_size)}):")
        for s in sorted(stats.skipped_size):
            print(f"  {s}")
    if stats.failures:
        print(f"FAILURES ({len(stats.failures)}):")
        for f in sorted(stats.failures):
            print(f"  {f}")
    return 1 if stats.failures else 0


if __name__ == "__main__":
    sys.exit(main())
