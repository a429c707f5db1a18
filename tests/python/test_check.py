"""`safe-pip check` end to end: lockfiles judged offline from the verdict DB that `scan`
filled; the JSON report validates against docs/check-report.schema.json."""

from __future__ import annotations

import hashlib
import json
import os
import pathlib

import jsonschema
from referencing import Registry, Resource

from conftest import REPO, SCHEMA, run_cli

CHECK_SCHEMA = json.loads((REPO / "docs" / "check-report.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(
    CHECK_SCHEMA, registry=Registry().with_resource(SCHEMA["$id"], Resource.from_contents(SCHEMA))
)


def sha256(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_check_judges_pinned_files_from_what_scan_recorded(tmp_path, canary, benign) -> None:
    assert run_cli("scan", str(canary), str(benign)).returncode == 1
    reqs = tmp_path / "requirements.txt"
    reqs.write_text(
        f"tidy-numbers==1.0 --hash=sha256:{sha256(benign)}\n"
        f"canary-pkg==1.0 --hash=sha256:{sha256(canary)}\n"
        "never-seen==2.0\n"
    )
    uv_lock = tmp_path / "uv.lock"
    uv_lock.write_text(
        'version = 1\nrequires-python = ">=3.9"\n\n[[package]]\nname = "tidy-numbers"\nversion = "1.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
        f'sdist = {{ url = "https://files.example/tidy-numbers-1.0.tar.gz", hash = "sha256:{sha256(benign)}" }}\n'
    )
    proc = run_cli("check", "--format", "json", str(reqs), str(uv_lock))
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    VALIDATOR.validate(report)
    status = {(p["lockfile"].rsplit(os.sep, 1)[-1], p["name"]): p["status"] for p in report["packages"]}
    assert status == {
        ("requirements.txt", "tidy-numbers"): "allowed",
        ("requirements.txt", "canary-pkg"): "blocked",
        ("requirements.txt", "never-seen"): "unverified",
        ("uv.lock", "tidy-numbers"): "allowed",
    }
    canary_entry = next(p for p in report["packages"] if p["name"] == "canary-pkg")
    assert any(a["id"] == "install-network" for a in canary_entry["alerts"])
    assert report["summary"] == {"packages": 4, "allowed": 2, "warned": 0, "blocked": 1, "unverified": 1, "errors": 0, "skipped": 0, "files_not_checked": 0}

    proc = run_cli("check", str(uv_lock))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ALLOWED" in proc.stdout and "tidy-numbers 1.0" in proc.stdout


def test_check_with_a_corrupt_db_fails_closed(tmp_path, isolated_home) -> None:
    db = pathlib.Path(os.environ["SAFE_PIP_DB"])
    db.write_bytes(b"garbage, not SQLite" * 50)
    reqs = tmp_path / "requirements.txt"
    reqs.write_text(f"tidy-numbers==1.0 --hash=sha256:{'0' * 64}\n")
    proc = run_cli("check", str(reqs))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "corrupt" in proc.stderr and "hint:" in proc.stderr
    assert db.read_bytes() == b"garbage, not SQLite" * 50
