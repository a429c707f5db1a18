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


def _site_with(tmp_path: pathlib.Path, dists: dict[str, str]) -> pathlib.Path:
    """A site-packages folder written by hand: one dist-info (METADATA, RECORD) per name → version."""
    import base64
    import hashlib

    site = tmp_path / "site-packages"
    for name, version in dists.items():
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nLicense-Expression: MIT\n".encode()
        (info / "METADATA").write_bytes(meta)
        digest = base64.urlsafe_b64encode(hashlib.sha256(meta).digest()).rstrip(b"=").decode()
        (info / "RECORD").write_text(f"{info.name}/METADATA,sha256={digest},{len(meta)}\n{info.name}/RECORD,,\n")
    return site


def test_audit_online_asks_a_local_index_for_status_and_vulnerabilities(tmp_path: pathlib.Path) -> None:
    import http.server
    import threading
    import time

    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 40 * 86400))
    docs = {
        "/simple/old-lib/": {"meta": {"api-version": "1.1"}, "name": "old-lib", "versions": ["1.0"], "project-status": {"status": "deprecated"},
                             "files": [{"filename": "old-lib-1.0.tar.gz", "url": "/f/old-lib-1.0.tar.gz", "hashes": {"sha256": "0" * 64}, "upload-time": now}]},
        "/simple/vuln-lib/": {"meta": {"api-version": "1.1"}, "name": "vuln-lib", "versions": ["2.0"],
                              "files": [{"filename": "vuln-lib-2.0.tar.gz", "url": "/f/vuln-lib-2.0.tar.gz", "hashes": {"sha256": "0" * 64}, "upload-time": now}]},
    }
    for name, version in (("old-lib", "1.0"), ("vuln-lib", "2.0")):
        docs[f"/pypi/{name}/json"] = {
            "info": {"name": name, "version": version, "summary": "x", "description": "A library.", "license_expression": "MIT", "classifiers": [], "project_urls": {}, "requires_dist": [], "yanked": False},
            "releases": {version: [{"upload_time_iso_8601": now, "yanked": False, "packagetype": "sdist", "filename": f"{name}-{version}.tar.gz"}]},
            "urls": [{"upload_time_iso_8601": now, "yanked": False, "packagetype": "sdist", "filename": f"{name}-{version}.tar.gz"}],
            "vulnerabilities": [{"id": "PYSEC-2099-1", "aliases": [], "summary": "bad", "fixed_in": ["2.1"], "link": None, "withdrawn": None}] if name == "vuln-lib" else [],
        }

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            doc = docs.get(self.path)
            body = json.dumps(doc).encode() if doc is not None else b"not found"
            self.send_response(200 if doc is not None else 404)
            self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json" if self.path.startswith("/simple/") else "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    index = f"http://127.0.0.1:{server.server_address[1]}/simple/"
    site = _site_with(tmp_path, {"old-lib": "1.0", "vuln-lib": "2.0", "private-thing": "0.1"})
    try:
        proc = run_cli("audit", "--site-packages", str(site), "--online", "-i", index, "--format", "json")
    finally:
        server.shutdown()
        server.server_close()
    report = json.loads(proc.stdout)
    by_name = {d["name"]: d for d in report["distributions"]}
    assert report["online"] == [index]
    assert by_name["old-lib"]["registry"] == {"state": "checked", "alerts": ["project-deprecated"]}, by_name["old-lib"]
    assert "known-vulnerability" in [a["id"] for a in by_name["vuln-lib"]["alerts"]]
    assert by_name["private-thing"]["registry"]["state"] == "not_found"
    assert proc.returncode == 3, proc.stderr  # nothing blocked; the releases are unknown to the verdict DB

    # Offline by default: no index flag without --online, and nothing asked.
    proc = run_cli("audit", "--site-packages", str(site), "-i", index)
    assert proc.returncode == 2 and "--online" in proc.stderr, proc.stderr

    # The index is gone now: fail closed, with what to do.
    proc = run_cli("audit", "--site-packages", str(site), "--online", "-i", index)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "audit --online could not ask http://127.0.0.1:" in proc.stderr and "audit without --online" in proc.stderr, proc.stderr
