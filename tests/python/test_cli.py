"""The installed `safe-pip` command and `python -m safe_pip`, end to end."""

from __future__ import annotations

import json

import jsonschema
import pytest

from conftest import CORPUS, SCHEMA, run_cli, run_module


def test_console_script_and_module_agree_on_version() -> None:
    import safe_pip

    a = run_cli("--version")
    b = run_module("--version")
    assert a.returncode == 0 and b.returncode == 0
    assert safe_pip.__version__ in a.stdout
    assert a.stdout == b.stdout


def test_canary_is_blocked_and_json_validates(canary, benign) -> None:
    proc = run_cli("scan", "--format", "json", str(canary), str(benign))
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    jsonschema.validate(report, SCHEMA)
    verdicts = {p["filename"]: p["verdict"] for p in report["packages"]}
    assert verdicts == {canary.name: "block", benign.name: "allow"}
    alert = next(a for p in report["packages"] for a in p["alerts"] if a["id"] == "install-network")
    assert alert["file"].endswith("/setup.py") and alert["line"] and alert["context"] == "install"


def test_benign_only_exits_0_and_terminal_report_reads_well(benign) -> None:
    proc = run_cli("scan", str(benign))
    assert proc.returncode == 0, proc.stderr
    assert "ALLOW" in proc.stdout and "\x1b[" not in proc.stdout
    assert "1 scanned: 0 blocked, 0 warned, 1 allowed" in proc.stdout


def test_missing_path_is_a_usage_error_with_a_hint(tmp_path) -> None:
    proc = run_module("scan", str(tmp_path / "nope.tar.gz"))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "error:" in proc.stderr and "hint:" in proc.stderr


@pytest.mark.skipif(not CORPUS.is_dir(), reason="malware corpus not present (../shared/corpus/malicious)")
def test_malware_corpus_report_validates_against_schema() -> None:
    # The scanner only reads the corpus as bytes; nothing from it is ever installed or run.
    proc = run_cli("scan", "--format", "json", str(CORPUS))
    assert proc.returncode == 1, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    jsonschema.validate(report, SCHEMA)
    assert report["summary"]["packages"] >= 100
    assert report["summary"]["blocked"] > 0
