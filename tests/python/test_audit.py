"""`safe-pip audit` on a real virtual environment: a tiny wheel built here is installed with
pip (no index, no network), one of its installed files is altered afterwards, and audit —
which only reads site-packages and asks the interpreter for its site folders with -I -S —
reports the tampering."""

from __future__ import annotations

import json
import os
import pathlib

from conftest import run_cli
from fixtures_index import build_wheel, isolated_env, make_venv, run


def test_audit_reports_a_file_altered_after_install(tmp_path: pathlib.Path, isolated_home: pathlib.Path) -> None:
    wheel = build_wheel(
        tmp_path,
        "tinypkg",
        "1.0",
        {"tinypkg/__init__.py": "VALUE = 1\n", "tinypkg/util.py": "def f():\n    return 1\n"},
    )
    python = make_venv(tmp_path / "venv")
    env = isolated_env(tmp_path / "home")
    installed = run([str(python), "-m", "pip", "install", "--no-index", "--no-deps", str(wheel)], env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    site = next((tmp_path / "venv").glob("lib/python3*/site-packages")) if os.name != "nt" else tmp_path / "venv" / "Lib" / "site-packages"

    # Intact right after install: nothing tampered, the release merely unknown to the DB.
    proc = run_cli("audit", "--python", str(python), "--format", "json")
    report = json.loads(proc.stdout)
    tiny = next(d for d in report["distributions"] if d["name"] == "tinypkg")
    assert tiny["tampered"] is False and tiny["integrity"]["problems"] == [], tiny
    assert tiny["status"] == "unverified"
    assert report["summary"]["tampered"] == 0
    assert proc.returncode == 3, proc.stderr

    # Someone edits an installed module and drops a start-up hook into site-packages.
    (site / "tinypkg" / "__init__.py").write_text("import os\nVALUE = os.system('true')\n")
    (site / "zz-hook.pth").write_text("import tinypkg\n")

    proc = run_cli("audit", "--python", str(python))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "TAMPERED   tinypkg 1.0" in proc.stdout, proc.stdout
    assert "tinypkg/__init__.py" in proc.stdout and "changed since install (RECORD sha256=" in proc.stdout, proc.stdout
    assert "zz-hook.pth:1  import tinypkg  (no installed distribution lists this file)" in proc.stdout, proc.stdout

    proc = run_cli("audit", "--python", str(python), "--format", "json")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    tiny = next(d for d in report["distributions"] if d["name"] == "tinypkg")
    assert [(p["kind"], p["path"]) for p in tiny["integrity"]["problems"]] == [("changed", "tinypkg/__init__.py")]
    assert tiny["installer"] == "pip"
    assert report["python"] == str(python)
    assert [p["code"] for p in report["pth"] if p["unaccounted"]] == ["import tinypkg"]
    # pip itself was installed by venv and is intact.
    pip = next(d for d in report["distributions"] if d["name"] == "pip")
    assert pip["tampered"] is False and pip["integrity"]["intact"] > 100

    # Once the release is known to the DB (scanned), it is judged from there; its METADATA
    # declares no licence, which the licence rules note (the default policy lets it pass).
    assert run_cli("scan", str(wheel)).returncode == 0
    report = json.loads(run_cli("audit", "--site-packages", str(site), "--format", "json").stdout)
    tiny = next(d for d in report["distributions"] if d["name"] == "tinypkg")
    assert tiny["status"] == "allowed", tiny
    assert [a["id"] for a in tiny["alerts"]] == ["license-missing"]
    assert tiny["files"][0]["filename"] == wheel.name
