#!/usr/bin/env python3
"""Benchmark (not a test): plain `pip install` vs `safe-pip install` of the same packages
from the same local index, whole-process wall time, median of N, in one run.

The script builds a small dependency tree of pure-Python wheels (an app and its
dependencies, each with a few modules of ordinary code; no build backend, no setup.py),
serves them from a PEP 691/503 index with PEP 658 metadata, as PyPI does, on 127.0.0.1
(tests/python/fixtures_index.py), and
installs them into a fresh ``--target`` folder each time with:

* ``plain``: ``python -m pip install``;
* ``cold``: ``safe-pip install`` with an empty verdict DB (every file analysed);
* ``warm``: ``safe-pip install`` with the DB of an earlier run (verdicts known).

Runs are interleaved (plain, cold, warm, plain, …) so machine noise hits all three
alike; CPU time (user + system of the whole process tree) is shown too, as it moves less
than wall time on a busy machine. pip's cache is off for all three (``--no-cache-dir``): every run downloads every
file, through the proxy for safe-pip. Nothing but 127.0.0.1 is contacted.

    python3 bench/bench_install.py --safe-pip target/release/safe-pip -n 7
"""

from __future__ import annotations

import argparse
import os
import pathlib
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "python"))
from fixtures_index import IndexServer, build_wheel  # noqa: E402

MODULE = '''"""Module {i} of {name}: ordinary library code, the kind every wheel carries."""

import json
import os
import re
from dataclasses import dataclass, field


@dataclass
class Record{i}:
    key: str
    values: list = field(default_factory=list)

    def total(self) -> int:
        return sum(v for v in self.values if isinstance(v, int))

    def to_json(self) -> str:
        return json.dumps({{"key": self.key, "values": self.values}})


def parse_{i}(text: str) -> list:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"(\\w+)\\s*=\\s*(.*)", line)
        if m:
            out.append(Record{i}(m.group(1), [m.group(2)]))
    return out


def config_path_{i}() -> str:
    return os.path.join(os.path.expanduser("~"), ".config", "{name}", "settings.ini")
'''


def build(root: pathlib.Path, n_deps: int, modules: int) -> list[pathlib.Path]:
    """The app wheel and its dependency wheels, written into ``root``."""
    deps = [f"qqbench-dep{i:02d}" for i in range(n_deps)]
    paths = []
    for name in deps:
        pkg = name.replace("-", "_")
        files = {f"{pkg}/__init__.py": f'"""{name}."""\n__version__ = "1.0"\n'}
        for i in range(modules):
            files[f"{pkg}/mod{i}.py"] = MODULE.format(i=i, name=name)
        paths.append(build_wheel(root, name, "1.0", files))
    app_files = {"qqbench_app/__init__.py": "".join(f"import {d.replace('-', '_')}\n" for d in deps)}
    paths.append(build_wheel(root, "qqbench-app", "1.0", app_files, requires=tuple(deps)))
    return paths


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--safe-pip", default="safe-pip", help="the safe-pip executable (use a release build)")
    ap.add_argument("--python", default=sys.executable, help="interpreter whose pip installs (default: this one)")
    ap.add_argument("-n", "--runs", type=int, default=7, help="runs per mode (median reported)")
    ap.add_argument("--deps", type=int, default=14, help="number of dependency wheels (plus the app)")
    ap.add_argument("--modules", type=int, default=12, help="modules per wheel")
    args = ap.parse_args()

    safe_pip = shutil.which(args.safe_pip) or args.safe_pip
    work = pathlib.Path(tempfile.mkdtemp(prefix="bench-install-"))
    home = work / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "SAFE_PIP_")) and k != "VIRTUAL_ENV"}
    env.update(HOME=str(home), XDG_STATE_HOME=str(home / "state"), XDG_DATA_HOME=str(home / "data"), XDG_CACHE_HOME=str(home / "cache"),
               PIP_CONFIG_FILE=os.devnull, PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1", NO_COLOR="1")
    index_root = work / "index"
    index_root.mkdir()
    dists = build(index_root, args.deps, args.modules)
    size = sum(d.stat().st_size for d in dists)
    print(f"{len(dists)} wheels, {size / 1024:.0f} KiB; pip: {args.python}; safe-pip: {safe_pip}; {args.runs} runs per mode")

    times: dict[str, list[float]] = {"plain": [], "cold": [], "warm": []}
    cpu: dict[str, list[float]] = {"plain": [], "cold": [], "warm": []}
    warm_db = work / "warm.sqlite3"
    # Like PyPI: PEP 691 JSON and PEP 658 metadata, so pip reads .metadata files during
    # resolution and downloads each wheel once, with or without the proxy.
    with IndexServer(index_root, json=True, metadata=True) as idx:
        def run(mode: str, k: int) -> tuple[float, float]:
            target = work / f"t-{mode}-{k}"
            common = ["--target", str(target), "-q", "--index-url", idx.url, "qqbench-app"]
            e = dict(env)
            if mode == "plain":
                cmd = [args.python, "-m", "pip", "install", *common]
            else:
                db = warm_db if mode == "warm" else work / f"cold-{k}.sqlite3"
                e["SAFE_PIP_DB"] = str(db)
                cmd = [safe_pip, "install", "--python", args.python, *common]
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, env=e, capture_output=True, text=True)
            dt = time.perf_counter() - t0
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            used = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
            if proc.returncode != 0:
                sys.exit(f"{mode} run failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
            shutil.rmtree(target, ignore_errors=True)
            return dt, used

        run("warm", -1)  # fills the warm DB
        for k in range(args.runs):
            for mode in times:
                wall, used = run(mode, k)
                times[mode].append(wall)
                cpu[mode].append(used)

    med = {m: statistics.median(v) for m, v in times.items()}
    mcpu = {m: statistics.median(v) for m, v in cpu.items()}
    print(f"{'mode':<6} {'median s':>9} {'min s':>7} {'max s':>7}  {'wall ratio':>10}  {'CPU s':>6}  {'CPU ratio':>9}")
    for m, v in times.items():
        print(f"{m:<6} {med[m]:>9.3f} {min(v):>7.3f} {max(v):>7.3f}  {med[m] / med['plain']:>9.3f}x  {mcpu[m]:>6.3f}  {mcpu[m] / mcpu['plain']:>8.3f}x")
    print(f"warm/plain = {med['warm'] / med['plain']:.3f}x (goal <= 1.05x), cold/plain = {med['cold'] / med['plain']:.3f}x")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
