#!/usr/bin/env python3
"""Renders `safe-pip check --format html` for a 100-package project in headless Chromium
(Debian's `chromium`) and writes screenshots, to look at the HTML report as a user sees it;
then the same project's `diff --format html` against an older lock (eight clean 0.9
releases updated to 1.0 releases that call the network at install time, two packages
removed) and `scan --format html` of the files.

Everything is built here, in a temporary folder, and stays offline: 100 small sdists (most
clean, some with an obfuscated call, some canaries that would call 127.0.0.1 at install,
a few typosquatted names, a few never scanned), scanned into a private verdict DB, pinned
by hash in a requirements.txt, checked to HTML, opened from a file:// URL. Nothing is
installed or run but safe-pip and the browser.

    python3 scripts/html_report_screenshot.py [--bin target/debug/safe-pip] [--out DIR]

Writes DIR/report.html, DIR/overview.png (the table), DIR/details.png and
DIR/details-canary.png (blocked packages opened through the page's #pkg=NAME link),
DIR/diff.html with DIR/diff.png and DIR/diff-details.png (an update's behaviour change),
and DIR/scan.html with DIR/scan.png.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile

REPO = pathlib.Path(__file__).resolve().parents[1]

CLEAN = "def mean(xs):\n    xs = list(xs)\n    return sum(xs) / len(xs) if xs else 0.0\n"
OBFUSCATED = "import builtins\nrun = getattr(builtins, 'ev' + 'al')\nVALUE = run('1 + 1')\n"
CANARY_SETUP = (
    "import urllib.request\nfrom setuptools import setup\n"
    "urllib.request.urlopen('http://127.0.0.1:9/canary')\nsetup(name='{name}', version='1.0')\n"
)
SETUP = "from setuptools import setup\nsetup(name='{name}', version='1.0', packages=['{module}'])\n"
TYPOSQUATS = ["reqeusts", "numpyy", "djang0", "pandsa"]
WORDS = ["tidy", "brisk", "amber", "cobalt", "delta", "ember", "fable", "garnet", "harbor", "ivory"]


def sdist(folder: pathlib.Path, name: str, files: dict[str, str], version: str = "1.0") -> pathlib.Path:
    root = f"{name}-{version}"
    path = folder / f"{root}.tar.gz"
    members = {"PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nLicense-Expression: MIT\n", **files}
    with tarfile.open(path, "w:gz") as tar:
        for member, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{root}/{member}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def packages(folder: pathlib.Path) -> list[tuple[str, pathlib.Path | None]]:
    """(name, sdist) for 100 packages; sdist None: never scanned (unverified)."""
    out: list[tuple[str, pathlib.Path | None]] = []
    for i in range(100):
        if i < len(TYPOSQUATS):
            name = TYPOSQUATS[i]
        else:
            name = f"{WORDS[i % len(WORDS)]}-utils-{i:02d}"
        module = name.replace("-", "_")
        if i >= 97:
            out.append((name, None))
            continue
        if 10 <= i < 18:
            files = {"setup.py": CANARY_SETUP.format(name=name)}
        elif 18 <= i < 30:
            files = {"setup.py": SETUP.format(name=name, module=module), f"{module}/__init__.py": OBFUSCATED}
        else:
            files = {"setup.py": SETUP.format(name=name, module=module), f"{module}/__init__.py": CLEAN}
        out.append((name, sdist(folder, name, files)))
    return out


def run(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(REPO / "target" / "debug" / "safe-pip"))
    ap.add_argument("--out", default=str(REPO / "target" / "html-report"))
    ap.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser") or "chromium")
    args = ap.parse_args()
    out = pathlib.Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = pathlib.Path(tmp_name)
        (tmp / "dist").mkdir()
        empty = tmp / "empty.toml"
        empty.write_text("")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SAFE_PIP_")},
            "SAFE_PIP_DB": str(tmp / "verdicts.sqlite3"),
            "SAFE_PIP_ORG_CONFIG": str(empty),
            "SAFE_PIP_CONFIG": str(empty),
            "HOME": str(tmp),
            "NO_COLOR": "1",
        }
        pkgs = packages(tmp / "dist")
        scan = run([args.bin, "scan", str(tmp / "dist")], env)
        if scan.returncode not in (0, 1):
            sys.exit(f"scan failed ({scan.returncode}): {scan.stderr}")
        lines = []
        for name, path in pkgs:
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path else hashlib.sha256(name.encode()).hexdigest()
            lines.append(f"{name}==1.0 --hash=sha256:{digest}")
        project = tmp / "project"
        project.mkdir()
        (project / "requirements.txt").write_text("\n".join(lines) + "\n")
        check = run([args.bin, "check", "--format", "html", str(project / "requirements.txt")], env)
        if check.returncode not in (0, 1, 3) or not check.stdout.startswith("<!DOCTYPE html>"):
            sys.exit(f"check failed ({check.returncode}): {check.stderr}")
        report = out / "report.html"
        report.write_text(check.stdout)
        print(f"{report}: {len(check.stdout)} bytes, check exit {check.returncode}")

        # The older lock: the canaries (10..17) at a clean 0.9, two more packages that the
        # new lock drops; everything else as now.
        (tmp / "old").mkdir()
        base = []
        for i, (name, path) in enumerate(pkgs):
            module = name.replace("-", "_")
            if 10 <= i < 18:
                old = sdist(tmp / "old", name, {"setup.py": SETUP.format(name=name, module=module), f"{module}/__init__.py": CLEAN}, "0.9")
                base.append(f"{name}==0.9 --hash=sha256:{hashlib.sha256(old.read_bytes()).hexdigest()}")
            else:
                base.append(lines[i])
        base += [f"retired-lib-{k}==2.0 --hash=sha256:{hashlib.sha256(str(k).encode()).hexdigest()}" for k in (1, 2)]
        scan_old = run([args.bin, "scan", str(tmp / "old")], env)
        if scan_old.returncode not in (0, 1):
            sys.exit(f"scan failed ({scan_old.returncode}): {scan_old.stderr}")
        (tmp / "base.txt").write_text("\n".join(base) + "\n")
        diff = run([args.bin, "diff", "--format", "html", str(tmp / "base.txt"), str(project / "requirements.txt")], env)
        if diff.returncode not in (0, 1, 3) or not diff.stdout.startswith("<!DOCTYPE html>"):
            sys.exit(f"diff failed ({diff.returncode}): {diff.stderr}")
        diff_page = out / "diff.html"
        diff_page.write_text(diff.stdout)
        print(f"{diff_page}: {len(diff.stdout)} bytes, diff exit {diff.returncode}")

        scan_html = run([args.bin, "scan", "--format", "html", str(tmp / "dist")], env)
        if scan_html.returncode not in (0, 1) or not scan_html.stdout.startswith("<!DOCTYPE html>"):
            sys.exit(f"scan failed ({scan_html.returncode}): {scan_html.stderr}")
        scan_page = out / "scan.html"
        scan_page.write_text(scan_html.stdout)
        print(f"{scan_page}: {len(scan_html.stdout)} bytes, scan exit {scan_html.returncode}")
    chrome = [
        args.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions",
    ]
    for shot, url, size in [
        ("overview.png", report.as_uri(), "1400,1500"),
        ("details.png", report.as_uri() + "#pkg=" + TYPOSQUATS[0], "1400,1000"),
        ("details-canary.png", report.as_uri() + "#pkg=brisk-utils-11", "1400,1000"),
        ("diff.png", diff_page.as_uri(), "1400,1000"),
        ("diff-details.png", diff_page.as_uri() + "#pkg=cobalt-utils-13", "1400,1000"),
        ("scan.png", scan_page.as_uri(), "1400,1000"),
    ]:
        proc = subprocess.run(chrome + [f"--window-size={size}", f"--screenshot={out / shot}", url], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0 or not (out / shot).exists():
            sys.exit(f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}")
        print(out / shot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
