#!/usr/bin/env python3
"""Load test (not a test; bounded): requests/s and latency of ``safe-pip serve``.

A local upstream index (tests/python/fixtures_index.IndexServer, 127.0.0.1) serves
synthetic wheels; ``safe-pip serve`` runs in front of it on 127.0.0.1 with a token file
and a verdict store (SQLite in a temp dir, or ``--db postgres://…``). Every file is
fetched once first (download + analysis: the cold path). Then ``--clients`` threads send
requests for at most ``--requests`` requests or ``--seconds`` seconds per phase,
whichever ends first:

* **direct** — the upstream's own pages, without the gateway (what the fixture index
  costs: Python's http.server, listen backlog 5);
* **pages** — ``/u/0/simple/<project>/``: the gateway asks upstream for the page each
  time (pages are not cached), rewrites it and marks known-blocked files;
* **files** — vetted files: verdict from the store (one lookup, decisions applied),
  bytes from the gateway's memory.

It prints the machine, then per phase: requests, errors, requests/s, p50, p99 and max.
Python standard library only; nothing is installed or run.

    cargo build --profile eval --bin safe-pip
    python3 bench/bench_gateway.py --scanner target/eval/safe-pip
    python3 bench/bench_gateway.py --scanner target/eval/safe-pip --db postgres://user@127.0.0.1:5432/gw --clients 32
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))
sys.path.insert(0, str(ROOT / "bench"))
from bench_proxy import PIP_ACCEPT, free_port, synthetic  # noqa: E402
from fixtures_index import IndexServer, isolated_env  # noqa: E402

TOKEN = "bench-token-0123456789abcdef"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def get(url: str, accept: str | None = None) -> tuple[float, int]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if accept:
        headers["Accept"] = accept
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        status = e.code
    except OSError:
        status = 0
    return time.perf_counter() - t, status


def phase(name: str, urls: list[str], accept: str | None, clients: int, max_requests: int, max_seconds: float) -> None:
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0
    issued = 0
    deadline = time.perf_counter() + max_seconds

    def worker(seed: int) -> None:
        nonlocal errors, issued
        rnd = random.Random(seed)
        while time.perf_counter() < deadline:
            with lock:
                if issued >= max_requests:
                    return
                issued += 1
            dt, status = get(rnd.choice(urls), accept)
            with lock:
                latencies.append(dt)
                errors += status != 200

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - start
    xs = sorted(latencies)
    if not xs:
        print(f"{name:>6}: no requests")
        return
    p = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))] * 1000  # noqa: E731
    print(f"{name:>6}: {len(xs)} requests, {errors} errors, {len(xs) / took:8.1f} req/s, "
          f"p50 {p(0.50):7.2f} ms, p99 {p(0.99):7.2f} ms, max {xs[-1] * 1000:7.2f} ms ({took:.1f} s, {clients} clients)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scanner", default=str(ROOT / "target" / "eval" / "safe-pip"))
    ap.add_argument("--db", help="verdict store (default: sqlite in a temp dir)")
    ap.add_argument("-n", type=int, default=20, help="synthetic wheels")
    ap.add_argument("--kb", type=int, default=50, help="size of each synthetic wheel's module")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--requests", type=int, default=5000, help="at most this many requests per phase")
    ap.add_argument("--seconds", type=float, default=20.0, help="at most this long per phase")
    ap.add_argument("--page-ttl", type=int, default=60, help="serve --page-ttl (0: every page asks upstream)")
    ap.add_argument("--disk-cache", action="store_true",
                    help="serve --cache-dir in the temp dir; then a second replica on the same store and folder "
                         "fetches every file once (no upstream download)")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        files = tmp / "files"
        files.mkdir()
        synthetic(files, args.n, args.kb)
        tokens = tmp / "tokens"
        tokens.write_text(f"bench {TOKEN}\n")
        db = args.db or f"sqlite:{tmp / 'gateway.sqlite3'}"
        env = isolated_env(tmp / "home")
        with IndexServer(files) as index:
            cache = ["--cache-dir", str(tmp / "artifacts")] if args.disk_cache else []

            def start(port: int) -> subprocess.Popen:
                p = subprocess.Popen(
                    [args.scanner, "serve", "--bind", f"127.0.0.1:{port}", "--upstream", index.url, "--db", db,
                     "--token-file", str(tokens), "--no-access-log", "--page-ttl", str(args.page_ttl), *cache],
                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
                p.stdout.readline()
                return p

            port = free_port()
            serve = start(port)
            try:
                base = f"http://127.0.0.1:{port}"
                projects = sorted({p.name.split("-")[0] for p in files.iterdir()})
                pages = [f"{base}/u/0/simple/{p}/" for p in projects]
                file_urls = []
                cold = []
                for page in pages:
                    req = urllib.request.Request(page, headers={"Accept": PIP_ACCEPT, "Authorization": f"Bearer {TOKEN}"})
                    with urllib.request.urlopen(req) as r:
                        for f in json.load(r)["files"]:
                            url = base + f["url"]
                            file_urls.append(url)
                            cold.append(get(url)[0])
                cold.sort()
                print(f"  cold: {len(cold)} files analysed once each, p50 {cold[len(cold) // 2] * 1000:7.2f} ms, max {cold[-1] * 1000:7.2f} ms "
                      f"({args.n} wheels of ~{args.kb} KB of code, store {db.split(':', 1)[0]})")
                direct = [f"{index.url}{p}/" for p in projects]
                phase("direct", direct, PIP_ACCEPT, args.clients, args.requests, args.seconds)
                phase("pages", pages, PIP_ACCEPT, args.clients, args.requests, args.seconds)
                phase("files", file_urls, None, args.clients, args.requests, args.seconds)
                if args.disk_cache:
                    port2 = free_port()
                    second = start(port2)
                    try:
                        base2 = f"http://127.0.0.1:{port2}"
                        warm = sorted(get(base2 + u[len(base):])[0] for u in file_urls)
                        print(f"  replica 2, first fetch of each file (verdict in the store, bytes from the disk cache): "
                              f"p50 {warm[len(warm) // 2] * 1000:7.2f} ms, max {warm[-1] * 1000:7.2f} ms")
                    finally:
                        second.terminate()
                        second.wait(timeout=30)
            finally:
                serve.terminate()
                serve.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
