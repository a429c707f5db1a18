"""Hostile archives end to end: alerts or clean errors, never a crash or a hang."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile

import jsonschema

from conftest import SCHEMA, build_sdist, run_cli


def scan_json(path) -> tuple[int, dict]:
    proc = run_cli("scan", "--format", "json", str(path))
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    jsonschema.validate(report, SCHEMA)
    return proc.returncode, report["packages"][0]


def alert_ids(pkg: dict) -> set[str]:
    return {a["id"] for a in pkg["alerts"]}


def test_path_traversal_and_symlink_are_reported(tmp_path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in [
            ("evil-1.0/PKG-INFO", b"Name: evil\nVersion: 1.0\n"),
            ("evil-1.0/../../.bashrc", b"echo pwned\n"),
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("evil-1.0/passwd")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
    path = tmp_path / "evil-1.0.tar.gz"
    path.write_bytes(buf.getvalue())
    _, pkg = scan_json(path)
    assert {"archive-path-traversal", "archive-link-escape"} <= alert_ids(pkg)


def test_gzip_bomb_is_stopped_and_blocked(tmp_path) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("bomb-1.0/zeros.txt")
        info.size = 300 * 1024 * 1024
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    path = tmp_path / "bomb-1.0.tar.gz"
    path.write_bytes(gzip.compress(raw.getvalue(), compresslevel=9))
    code, pkg = scan_json(path)
    assert code == 1 and pkg["verdict"] == "block"
    assert "archive-limit-exceeded" in alert_ids(pkg)


def test_truncated_gzip_fails_closed(tmp_path) -> None:
    good = build_sdist(tmp_path, "cut", "1.0", {"setup.py": "from setuptools import setup\nsetup()\n" * 200})
    cut = tmp_path / "cut-1.0-truncated.tar.gz"
    cut.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    code, pkg = scan_json(cut)
    assert code == 1 and pkg["verdict"] == "block"
    assert "archive-unreadable" in alert_ids(pkg)


def test_lying_extension_is_low_and_read_by_content(tmp_path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("liar/__init__.py", "X = 1\n")
        z.writestr("liar-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: liar\nVersion: 1.0\n")
        z.writestr("liar-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n")
    path = tmp_path / "liar-1.0.tar.gz"
    path.write_bytes(buf.getvalue())
    code, pkg = scan_json(path)
    mismatch = [a for a in pkg["alerts"] if a["id"] == "archive-extension-mismatch"]
    assert mismatch and mismatch[0]["severity"] == "low"
    assert pkg["kind"] == "wheel" and pkg["verdict"] != "block"


def test_garbage_is_a_clean_block_not_a_crash(tmp_path) -> None:
    path = tmp_path / "noise-1.0.tar.gz"
    path.write_bytes(bytes(range(256)) * 64)
    code, pkg = scan_json(path)
    assert code == 1 and pkg["error"]
