#!/usr/bin/env python3
"""Benchmark (not a test): peak memory (max RSS) of `safe-pip scan`.

Builds synthetic wheels of about 1 GB uncompressed in a temporary directory (harmless
content only: random bytes, generated Python classes), scans each with the given binary
under `/usr/bin/time -v`, and prints the peak RSS and CPU time. With `--corpus DIR` it
also scans the whole directory in one process the same way (the corpus is only passed
to the scanner by path; this script never opens its files).

Wheels built (`--only` picks some):

* `binary-1g`: 10 x 100 MiB native-looking blobs (`.so` with an ELF header, `.dat`)
  plus 2,000 small modules (~20 MB) and the dist-info: the shape of a large ML wheel.
* `python-300m`: 3,000 generated modules of 100 KiB (~300 MB of `.py`) plus 7 x 100 MiB
  blobs: the shape of a generated cloud SDK with bundled binaries, the worst case for
  a scanner that keeps code members in memory.

    python3 bench/bench_memory.py --scanner target/release/safe-pip
    python3 bench/bench_memory.py --scanner target/release/safe-pip --corpus /work/cache/benign
    python3 bench/bench_memory.py --scanner target/release/safe-pip --only binary-1g --keep /tmp/wheels

Exit status: 0 when every scan finished (exit 0 or 1) and, with `--max-rss-mb`, stayed
under it; 1 otherwise.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

MIB = 1024 * 1024
BLOB = 100 * MIB


def module_text(i: int, size: int) -> str:
    """A plausible generated-SDK module of about `size` bytes: classes with typed
    attributes and small methods, nothing that imports or runs anything."""
    parts = [f'"""Generated models, part {i}."""\n\nfrom typing import Optional\n\n']
    n = 0
    while sum(map(len, parts)) < size:
        parts.append(
            f"class Model{i}_{n}:\n"
            f'    """A data model ({n})."""\n\n'
            f"    def __init__(self, name: Optional[str] = None, count: int = {n}):\n"
            f"        self.name = name\n"
            f"        self.count = count\n\n"
            f"    def as_dict(self):\n"
            f"        return {{'name': self.name, 'count': self.count, 'kind': 'model_{n}'}}\n\n\n"
        )
        n += 1
    return "".join(parts)


def record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}\n"


def build_wheel(out: Path, modules: int, module_bytes: int, blobs: int) -> Path:
    """Writes `demo_big-1.0-cp311-cp311-manylinux_2_17_x86_64.whl` into `out`."""
    name = "demo_big-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"
    path = out / name
    rng = random.Random(13)
    record = []
    with zipfile.ZipFile(path, "w") as z:
        def add(member: str, data: bytes, compress: bool) -> None:
            z.writestr(zipfile.ZipInfo(member, date_time=(2026, 1, 1, 0, 0, 0)), data,
                       compress_type=zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED, compresslevel=1)
            record.append(record_line(member, data))

        add("demo_big/__init__.py", b'"""Demo package."""\n__version__ = "1.0"\n', True)
        for i in range(modules):
            add(f"demo_big/models/m{i:05d}.py", module_text(i, module_bytes).encode(), True)
        for i in range(blobs):
            head = b"\x7fELF\x02\x01\x01" + bytes(9) if i % 2 == 0 else b"DATA"
            data = head + rng.randbytes(BLOB - len(head))
            member = f"demo_big/_native/lib{i}.so" if i % 2 == 0 else f"demo_big/data/table{i}.dat"
            add(member, data, False)
        meta = b"Metadata-Version: 2.1\nName: demo-big\nVersion: 1.0\nSummary: Synthetic large wheel for memory benchmarks\n"
        add("demo_big-1.0.dist-info/METADATA", meta, True)
        add("demo_big-1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: false\nTag: cp311-cp311-manylinux_2_17_x86_64\n", True)
        record.append("demo_big-1.0.dist-info/RECORD,,\n")
        z.writestr("demo_big-1.0.dist-info/RECORD", "".join(record), compress_type=zipfile.ZIP_DEFLATED)
    return path


WHEELS = {
    "binary-1g": dict(modules=2000, module_bytes=10_000, blobs=10),
    "python-300m": dict(modules=3000, module_bytes=100 * 1024, blobs=7),
}


def measure(scanner: str, paths: list[str], extra: list[str]) -> dict:
    """Runs `scanner scan --no-db --format json PATHS` under /usr/bin/time -v."""
    argv = ["/usr/bin/time", "-v", scanner, "scan", "--no-db", "--format", "json", *extra, *paths]
    t0 = time.monotonic()
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.monotonic() - t0
    err = p.stderr.decode(errors="replace")

    def field(label: str) -> float:
        m = re.search(rf"{re.escape(label)}: ([0-9.]+)", err)
        return float(m.group(1)) if m else float("nan")

    packages = None
    try:
        import json
        packages = len(json.loads(p.stdout)["packages"])
    except Exception:  # noqa: BLE001 - reported as missing
        pass
    return {
        "exit": p.returncode,
        "peak_rss_mb": field("Maximum resident set size (kbytes)") / 1024,
        "cpu_s": field("User time (seconds)") + field("System time (seconds)"),
        "wall_s": round(wall, 1),
        "packages": packages,
        "stderr_tail": "" if p.returncode in (0, 1) else err[-800:],
    }


def report(label: str, r: dict, limit: float | None) -> bool:
    ok = r["exit"] in (0, 1) and (limit is None or r["peak_rss_mb"] <= limit)
    print(f"{label}: peak RSS {r['peak_rss_mb']:.1f} MB, CPU {r['cpu_s']:.1f} s, wall {r['wall_s']} s, "
          f"exit {r['exit']}, {r['packages']} packages reported{'' if ok else '  <-- FAIL'}")
    if r["stderr_tail"]:
        print(r["stderr_tail"], file=sys.stderr)
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scanner", default="target/release/safe-pip")
    ap.add_argument("--corpus", type=Path, help="also scan this directory in one process")
    ap.add_argument("--only", action="append", choices=sorted(WHEELS), help="build and scan only these wheels")
    ap.add_argument("--no-wheels", action="store_true", help="skip the synthetic wheels")
    ap.add_argument("--keep", type=Path, help="build the wheels here (reused when present) instead of a temp dir")
    ap.add_argument("--max-rss-mb", type=float, help="fail when a scan peaks above this")
    ap.add_argument("--jobs", type=int, help="pass --jobs to the scanner")
    args = ap.parse_args()
    extra = ["--jobs", str(args.jobs)] if args.jobs else []
    ok = True
    if not args.no_wheels:
        with tempfile.TemporaryDirectory(prefix="safe-pip-mem-") as tmp:
            out = args.keep or Path(tmp)
            out.mkdir(parents=True, exist_ok=True)
            for label in args.only or sorted(WHEELS):
                sub = out / label
                sub.mkdir(exist_ok=True)
                found = list(sub.glob("*.whl"))
                if found:
                    wheel = found[0]
                else:
                    t0 = time.monotonic()
                    wheel = build_wheel(sub, **WHEELS[label])
                    print(f"built {label}: {wheel.stat().st_size / MIB:.0f} MiB on disk in {time.monotonic() - t0:.0f} s", file=sys.stderr)
                ok &= report(label, measure(args.scanner, [str(wheel)], extra), args.max_rss_mb)
    if args.corpus:
        files = sum(1 for p in args.corpus.rglob("*") if p.is_file() and re.search(r"\.(whl|zip|egg|tar\.gz|tgz|tar\.bz2|tar\.xz|tar)$", p.name, re.I))
        ok &= report(f"corpus {args.corpus} ({files} package files)", measure(args.scanner, [str(args.corpus)], extra), args.max_rss_mb)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
