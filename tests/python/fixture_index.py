"""A package index for tests, served on 127.0.0.1 by the test itself.

Packages are built here from a dict of files (wheels and sdists are zip/tar files written
directly; no build backend ever runs). The index speaks PEP 691 JSON (with PEP 700
``upload-time``) and PEP 503 HTML by the client's Accept header, serves files with their
sha256, and records every request so tests can assert what was (not) fetched.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import io
import json
import pathlib
import re
import tarfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from typing import Optional


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Dist:
    filename: str
    data: bytes
    upload_time: float = field(default_factory=lambda: time.time() - 400 * 86400)

    @property
    def project(self) -> str:
        stem = self.filename.split("-")[0]
        return normalize(stem)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def wheel(name: str, version: str, files: dict[str, str], requires: tuple[str, ...] = (), upload_time: Optional[float] = None) -> Dist:
    """A pure-Python wheel with METADATA, WHEEL and a correct RECORD."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(f"Requires-Dist: {r}\n" for r in requires)
    members = dict(files)
    members[f"{info}/METADATA"] = meta
    members[f"{info}/WHEEL"] = "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = "".join(f"{path},{_record_hash(text.encode())},{len(text.encode())}\n" for path, text in members.items())
    record += f"{info}/RECORD,,\n"
    members[f"{info}/RECORD"] = record
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path, text in members.items():
            z.writestr(path, text)
    d = Dist(f"{dist}-{version}-py3-none-any.whl", buf.getvalue())
    if upload_time is not None:
        d.upload_time = upload_time
    return d


def sdist(name: str, version: str, files: dict[str, str], upload_time: Optional[float] = None, root: Optional[str] = None) -> Dist:
    """A .tar.gz sdist with PKG-INFO and the given files under ``root/`` (default
    ``name_version/``, the normalised form build backends write)."""
    root = root or f"{name.replace('-', '_')}-{version}"
    members = {"PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", **files}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for rel, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{root}/{rel}")
            info.size = len(data)
            info.mtime = 1_600_000_000
            tar.addfile(info, io.BytesIO(data))
    d = Dist(f"{root}.tar.gz", buf.getvalue())
    if upload_time is not None:
        d.upload_time = upload_time
    return d


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(t))


class FixtureIndex:
    """``with FixtureIndex([dist, …]) as idx: idx.url`` → ``http://127.0.0.1:PORT/simple/``."""

    def __init__(self, dists: list[Dist]):
        self.dists = list(dists)
        self.requests: list[str] = []
        self._lock = threading.Lock()
        index = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                with index._lock:
                    index.requests.append(self.path)
                index._answer(self)

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def root(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        return self.root + "/simple/"

    def __enter__(self) -> "FixtureIndex":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def file_requests(self) -> list[str]:
        return [p for p in self.requests if p.startswith("/files/")]

    def _answer(self, h: http.server.BaseHTTPRequestHandler) -> None:
        path = h.path.split("?")[0]
        m = re.fullmatch(r"/simple/([^/]+)/?", path)
        if m:
            project = normalize(m.group(1))
            files = [d for d in self.dists if d.project == project]
            if not files:
                return self._send(h, 404, "text/plain", b"not found")
            if "application/vnd.pypi.simple.v1+json" in (h.headers.get("Accept") or ""):
                doc = {
                    "meta": {"api-version": "1.1"},
                    "name": project,
                    "files": [
                        {
                            "filename": d.filename,
                            "url": f"../../files/{d.filename}",
                            "hashes": {"sha256": d.sha256},
                            "upload-time": _iso(d.upload_time),
                            "size": len(d.data),
                        }
                        for d in files
                    ],
                }
                return self._send(h, 200, "application/vnd.pypi.simple.v1+json", json.dumps(doc).encode())
            links = "".join(f'<a href="../../files/{d.filename}#sha256={d.sha256}">{d.filename}</a>\n' for d in files)
            return self._send(h, 200, "text/html", f"<!DOCTYPE html><html><body>{links}</body></html>".encode())
        m = re.fullmatch(r"/files/([^/]+)", path)
        if m:
            for d in self.dists:
                if d.filename == m.group(1):
                    return self._send(h, 200, "application/octet-stream", d.data)
        return self._send(h, 404, "text/plain", b"not found")

    @staticmethod
    def _send(h: http.server.BaseHTTPRequestHandler, status: int, ctype: str, body: bytes) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)


def write_dists(directory: pathlib.Path, dists: list[Dist]) -> list[pathlib.Path]:
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for d in dists:
        p = directory / d.filename
        p.write_bytes(d.data)
        out.append(p)
    return out
