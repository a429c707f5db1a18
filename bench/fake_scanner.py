#!/usr/bin/env python3
"""A stand-in for ``safe-pip scan --format json`` used to test bench/evaluate.py.

It never opens the files it is given (the malicious corpus must only be read by the
real scanner): the verdict comes from the file *name*:

* a name containing ``crash`` makes the whole call exit 2 (a scanner failure);
* ``blockme`` → block (critical ``install-network`` alert in setup.py);
* ``warnme`` → warn (high ``obfuscation-base64`` alert);
* ``errme`` → a per-package ``error`` (fail closed: block, no alerts);
* ``allowme`` → allow with a low ``few-releases`` alert;
* any other name → a verdict drawn from crc32(name): ~70 % block, 10 % warn, 20 % allow,
  so the harness can be exercised on a real corpus.

Exit 1 when something is blocked, else 0, like the real scanner.
Usage: fake_scanner.py scan --format json FILE...
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import zlib

ALERTS = {
    "block": {"id": "install-network", "severity": "critical", "category": "install-script",
              "title": "Install-time code reaches the network", "file": "{stem}/setup.py", "line": 12,
              "message": "setup.py calls urllib at install time", "evidence": "urllib.request.urlopen('http://x')",
              "context": "install"},
    "warn": {"id": "obfuscation-base64", "severity": "high", "category": "obfuscation",
             "title": "Base64-decoded string", "file": "{stem}/pkg/__init__.py", "line": 3,
             "message": "a decoded literal", "evidence": "base64.b64decode('aGVsbG8=')", "context": "import"},
    "allow": {"id": "few-releases", "severity": "low", "category": "metadata", "title": "Few releases",
              "file": None, "line": None, "message": "", "evidence": "", "context": "runtime"},
}
LEVEL = {"block": ("critical", 90), "warn": ("high", 60), "allow": ("low", 5)}


def split_name(fn: str) -> tuple[str, str, str]:
    if fn.endswith(".whl"):
        parts = fn[:-4].split("-")
        return parts[0], parts[1] if len(parts) > 1 else "", "wheel"
    stem = re.sub(r"\.(tar\.gz|tgz|zip|tar\.bz2|tar)$", "", fn)
    name, _, ver = stem.rpartition("-")
    return (name or stem), ver, "sdist"


def verdict_for(fn: str) -> str:
    for tok, v in (("blockme", "block"), ("warnme", "warn"), ("errme", "error"), ("allowme", "allow")):
        if tok in fn:
            return v
    x = zlib.crc32(fn.encode()) % 10
    return "block" if x < 7 else "warn" if x < 8 else "allow"


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] != "scan" or argv[1:3] != ["--format", "json"]:
        print("usage: fake_scanner.py scan --format json FILE...", file=sys.stderr)
        return 2
    files = argv[3:]
    if any("crash" in os.path.basename(f) for f in files):
        print("fake scanner: simulated crash", file=sys.stderr)
        return 2
    pkgs = []
    for f in files:
        fn = os.path.basename(f)
        name, ver, kind = split_name(fn)
        v = verdict_for(fn)
        stem = fn.rsplit(".tar.gz", 1)[0]
        rec = {"path": f, "filename": fn, "name": name, "version": ver, "kind": kind,
               "sha256": hashlib.sha256(f.encode()).hexdigest(),  # of the path: the file is never read
               "verdict": "block" if v == "error" else v, "score": 100 if v == "error" else LEVEL[v][1],
               "level": "critical" if v == "error" else LEVEL[v][0], "alerts": [], "error": None}
        if v == "error":
            rec["error"] = "simulated: cannot read archive"
        else:
            a = dict(ALERTS[v])
            if a["file"]:
                a["file"] = a["file"].format(stem=stem)
            rec["alerts"].append(a)
        pkgs.append(rec)
    summary = {"packages": len(pkgs), "allowed": sum(p["verdict"] == "allow" for p in pkgs),
               "warned": sum(p["verdict"] == "warn" for p in pkgs),
               "blocked": sum(p["verdict"] == "block" for p in pkgs), "errors": sum(bool(p["error"]) for p in pkgs)}
    json.dump({"schema_version": 1, "tool": {"name": "safe-pip", "version": "0.0.0-fake"},
               "packages": pkgs, "summary": summary}, sys.stdout)
    return 1 if summary["blocked"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
