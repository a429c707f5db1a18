#!/usr/bin/env python3
"""Benchmark (not a test): what the gating proxy adds per file.

A local upstream index (tests/python/fixtures_index.IndexServer, 127.0.0.1) serves a set
of package files; ``safe-pip proxy`` runs in front of it. For every file it times one GET:

* **direct** — from the upstream itself;
* **cold** — through a fresh proxy: download, sha256 check, analysis, serve;
* **warm verdict** — through a proxy that already judged the file but keeps no bytes
  (``--cache-size 0``): download, sha256 check, verdict from memory, serve. This is what a
  verdict-DB hit costs;
* **hot** — the same file again from a proxy that keeps vetted bytes (HEAD then GET,
  range reads, retries).

It prints the median and p90 per mode and the overhead against *direct*. Files: the
package files in ``--dir`` (e.g. bench/cache/benign/*/ from fetch_benign.py), else
synthetic wheels. Python standard library only; nothing is installed or run.

    python3 bench/bench_proxy.py --scanner target/release/safe-pip
    python3 bench/bench_proxy.py --scanner target/release/safe-pip --dir bench/cache/benign --limit 100
"""

from __future__ import annotations

import argparse
import json
import pathlib
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from fixtures_index import IndexServer, build_wheel, isolated_env, project_of  # noqa: E402

PIP_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
SUFFIXES = (".whl", ".tar.gz", ".zip")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def synthetic(directory: pathlib.Path, n: int, kb: int) -> None:
    rnd = random.Random(7)
    for i in range(n):
        lines = []
        while sum(len(x) for x in lines) < kb * 1024:
            a, b = rnd.randrange(1000), rnd.randrange(1000)
            lines.append(f"def f_{len(lines)}(x):\n    return x * {a} + {b}  # {rnd.random()}\n\n")
        build_wheel(directory, f"benchpkg{i}", "1.0", {f"benchpkg{i}/__init__.py": "".join(lines)})


def collect(src: pathlib.Path, dst: pathlib.Path, limit: int) -> None:
    files = sorted(p for p in src.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES))
    seen = set()
    for p in files:
        if len(seen) >= limit:
            break
        if p.name not in seen:
            seen.add(p.name)
            shutil.copy(p, dst / p.name)


def timed_get(url: str) -> tuple[float, int, int]:
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=300) as r:
            n = len(r.read())
            status = r.status
    except urllib.error.HTTPError as e:
        n, status = 0, e.code
    return time.perf_counter() - t, n, status


def start_proxy(scanner: str, upstream: str, env: dict, *extra: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    p = subprocess.Popen([scanner, "proxy", "--port", str(port), "-i", upstream, *extra],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    for line in p.stdout:
        if line.startswith("Press Ctrl-C"):
            break
    return p, f"http://127.0.0.1:{port}"


def proxy_urls(base: str, names: list[str]) -> dict[str, str]:
    out = {}
    for project in sorted({project_of(n) for n in names}):
        req = urllib.request.Request(f"{base}/u/0/simple/{project}/", headers={"Accept": PIP_ACCEPT})
        with urllib.request.urlopen(req) as r:
            for f in json.load(r)["files"]:
                out[f["filename"]] = base + f["url"]
    return out


def stats(xs: list[float]) -> str:
    xs = sorted(xs)
    p90 = xs[min(len(xs) - 1, int(0.9 * len(xs)))]
    return f"median {statistics.median(xs) * 1000:8.2f} ms   p90 {p90 * 1000:8.2f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scanner", default=str(ROOT / "target" / "release" / "safe-pip"))
    ap.add_argument("--dir", type=pathlib.Path, help="take package files from here (recursively)")
    ap.add_argument("--limit", type=int, default=50, help="at most this many files from --dir")
    ap.add_argument("-n", type=int, default=30, help="synthetic wheels when no --dir")
    ap.add_argument("--kb", type=int, default=200, help="size of each synthetic wheel's module")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        files = tmp / "files"
        files.mkdir()
        if args.dir:
            collect(args.dir, files, args.limit)
        else:
            synthetic(files, args.n, args.kb)
        names = sorted(p.name for p in files.iterdir())
        total_mb = sum(p.stat().st_size for p in files.iterdir()) / 1e6
        env = isolated_env(tmp / "home")
        times: dict[str, list[float]] = {"direct": [], "cold": [], "warm verdict": [], "hot": []}
        with IndexServer(files) as index:
            base_up = index.url.rsplit("/simple/", 1)[0]
            for n in names:
                timed_get(f"{base_up}/files/{n}")  # warm the OS page cache
                times["direct"].append(timed_get(f"{base_up}/files/{n}")[0])
            cached, cached_base = start_proxy(args.scanner, index.url, env)
            nocache, nocache_base = start_proxy(args.scanner, index.url, env, "--cache-size", "0")
            try:
                a, b = proxy_urls(cached_base, names), proxy_urls(nocache_base, names)
                refused = 0
                for n in names:
                    dt, _, status = timed_get(a[n])
                    refused += status != 200
                    times["cold"].append(dt)
                    times["hot"].append(timed_get(a[n])[0])
                    timed_get(b[n])  # first: analysed
                    times["warm verdict"].append(timed_get(b[n])[0])
            finally:
                for p in (cached, nocache):
                    p.terminate()
                    p.wait(timeout=30)
        print(f"{len(names)} files, {total_mb:.1f} MB ({refused} refused by the gate)")
        direct = statistics.median(times["direct"])
        for mode, xs in times.items():
            extra = "" if mode == "direct" else f"   overhead (median) {(statistics.median(xs) - direct) * 1000:+8.2f} ms"
            print(f"{mode:>13}: {stats(xs)}{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
