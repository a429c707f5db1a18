"""Shared fixtures for end-to-end tests with real installers (pip, uv, Poetry).

Everything here is built and served by the tests themselves, on 127.0.0.1 only:

- ``build_wheel`` / ``build_sdist`` write package files from a dict of members (no build
  backend ever runs; wheels get METADATA, WHEEL and a correct RECORD);
- ``IndexServer`` serves a directory of package files as a PEP 503 HTML index with
  ``#sha256=`` fragments (optionally PEP 691 JSON and PEP 658 metadata), recording every
  request;
- ``isolated_env`` gives an environment in which pip and uv read no user or system
  configuration and send loopback traffic to no proxy;
- ``make_venv`` creates a fresh virtual environment with pip.

Malicious fixtures built with these helpers must stay canaries: if they ever ran they
would only write a marker file in the test's temporary directory or talk to 127.0.0.1.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import os
import pathlib
import re
import subprocess
import sys
import tarfile
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Mapping, Optional, Union

Content = Union[str, bytes]


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _bytes(c: Content) -> bytes:
    return c.encode() if isinstance(c, str) else c


def build_wheel(
    directory: pathlib.Path,
    name: str,
    version: str,
    files: Mapping[str, Content],
    *,
    requires: tuple[str, ...] = (),
    summary: str = "test fixture",
) -> pathlib.Path:
    """Writes ``{name}-{version}-py3-none-any.whl`` with ``files`` (paths inside the wheel)."""
    dist_name = re.sub(r"[-_.]+", "_", name)
    dist_info = f"{dist_name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: {summary}\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    members = {path: _bytes(c) for path, c in files.items()}
    members[f"{dist_info}/METADATA"] = metadata.encode()
    members[f"{dist_info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: fixtures_index\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = []
    for path, data in members.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    members[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    path = directory / f"{dist_name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for member, data in members.items():
            z.writestr(member, data)
    return path


def build_sdist(directory: pathlib.Path, name: str, version: str, files: Mapping[str, Content]) -> pathlib.Path:
    """Writes ``{name}-{version}.tar.gz`` with ``files`` under ``{name}-{version}/`` (PKG-INFO added)."""
    root = f"{name}-{version}"
    members = {"PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", **files}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for rel, content in members.items():
            data = _bytes(content)
            info = tarfile.TarInfo(f"{root}/{rel}")
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    path = directory / f"{root}.tar.gz"
    path.write_bytes(buf.getvalue())
    return path


def project_of(filename: str) -> str:
    """The normalized project name of a distribution filename."""
    if filename.endswith(".whl"):
        return normalize(filename.split("-")[0])
    stem = re.sub(r"\.(tar\.gz|tar\.bz2|tar\.xz|zip|tgz|tar)$", "", filename)
    m = re.match(r"^(.*?)-\d", stem)
    return normalize(m.group(1) if m else stem)


def _wheel_metadata(path: pathlib.Path) -> Optional[bytes]:
    with zipfile.ZipFile(path) as z:
        for n in z.namelist():
            parts = n.split("/")
            if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
                return z.read(n)
    return None


class IndexServer:
    """A Simple API index for the package files in ``root`` (re-read on every request).

    ``/simple/<project>/`` lists the files of that project with ``#sha256=`` fragments;
    ``/files/<filename>`` serves them. With ``json=True`` it answers PEP 691 JSON when the
    client prefers it; with ``metadata=True`` wheels advertise and serve PEP 658 metadata.
    ``upload_times`` maps filenames to PEP 700 upload times (JSON only). With ``auth``
    (user, password) every request needs that HTTP Basic authorization (else 401). Files
    named in ``failing`` stay listed but are answered with 500. Every request is recorded in
    ``requests`` as ``(method, path, headers)``.
    """

    def __init__(
        self,
        root: pathlib.Path,
        *,
        json: bool = False,
        metadata: bool = False,
        upload_times: Optional[Mapping[str, str]] = None,
        auth: Optional[tuple[str, str]] = None,
    ) -> None:
        self.root = root
        self.authorization = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode() if auth else None
        self.failing: set[str] = set()
        self.json = json
        self.metadata = metadata
        self.upload_times = dict(upload_times or {})
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                server._answer(self, head=False)

            def do_HEAD(self) -> None:  # noqa: N802
                server._answer(self, head=True)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/simple/"

    def start(self) -> "IndexServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "IndexServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def file_requests(self, filename: str) -> int:
        """How many times a file (not its metadata) was requested."""
        return sum(1 for _, p, _ in self.requests if p == f"/files/{filename}")

    def _files_of(self, project: str) -> list[pathlib.Path]:
        return sorted(p for p in self.root.iterdir() if p.is_file() and project_of(p.name) == project)

    def _answer(self, h: BaseHTTPRequestHandler, head: bool) -> None:
        path = h.path.split("?")[0]
        self.requests.append((h.command, path, {k.lower(): v for k, v in h.headers.items()}))
        if self.authorization and h.headers.get("Authorization") != self.authorization:
            return self._send(h, 401, "text/plain", b"unauthorized", head, {"WWW-Authenticate": 'Basic realm="fixture"'})
        m = re.fullmatch(r"/simple/([^/]+)/?", path)
        if m:
            files = self._files_of(normalize(m.group(1)))
            if not files:
                return self._send(h, 404, "text/plain", b"not found", head)
            accept = h.headers.get("Accept", "")
            if self.json and "application/vnd.pypi.simple.v1+json" in accept:
                return self._send(h, 200, "application/vnd.pypi.simple.v1+json", self._json_page(m.group(1), files), head)
            return self._send(h, 200, "text/html", self._html_page(files), head)
        m = re.fullmatch(r"/files/([^/]+)", path)
        if m:
            name = m.group(1)
            if name in self.failing:
                return self._send(h, 500, "text/plain", b"storage error", head)
            if name.endswith(".metadata") and self.metadata:
                target = self.root / name[: -len(".metadata")]
                meta = _wheel_metadata(target) if target.is_file() else None
                if meta is not None:
                    return self._send(h, 200, "application/octet-stream", meta, head)
            target = self.root / name
            if target.is_file() and "/" not in name:
                return self._send(h, 200, "application/octet-stream", target.read_bytes(), head)
        return self._send(h, 404, "text/plain", b"not found", head)

    def _meta_hash(self, f: pathlib.Path) -> Optional[str]:
        if not (self.metadata and f.name.endswith(".whl")):
            return None
        meta = _wheel_metadata(f)
        return hashlib.sha256(meta).hexdigest() if meta is not None else None

    def _html_page(self, files: list[pathlib.Path]) -> bytes:
        links = []
        for f in files:
            sha = hashlib.sha256(f.read_bytes()).hexdigest()
            meta = self._meta_hash(f)
            attr = f' data-core-metadata="sha256={meta}" data-dist-info-metadata="sha256={meta}"' if meta else ""
            links.append(f'<a href="/files/{html.escape(f.name)}#sha256={sha}"{attr}>{html.escape(f.name)}</a><br/>')
        return ("<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n").encode()

    def _json_page(self, name: str, files: list[pathlib.Path]) -> bytes:
        out = []
        for f in files:
            data = f.read_bytes()
            entry: dict[str, object] = {
                "filename": f.name,
                "url": f"/files/{f.name}",
                "hashes": {"sha256": hashlib.sha256(data).hexdigest()},
                "size": len(data),
            }
            if f.name in self.upload_times:
                entry["upload-time"] = self.upload_times[f.name]
            meta = self._meta_hash(f)
            if meta:
                entry["core-metadata"] = {"sha256": meta}
            out.append(entry)
        return json.dumps({"meta": {"api-version": "1.1"}, "name": normalize(name), "files": out}).encode()

    @staticmethod
    def _send(
        h: BaseHTTPRequestHandler, status: int, ctype: str, body: bytes, head: bool, headers: Optional[Mapping[str, str]] = None
    ) -> None:
        h.send_response(status)
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if not head:
            h.wfile.write(body)


def isolated_env(home: pathlib.Path, **extra: str) -> dict[str, str]:
    """The environment for an installer run: no user/system pip or uv configuration, no
    HTTP proxy for loopback, no colour, HOME and XDG directories inside ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("PIP_", "UV_", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "SAFE_PIP_", "XDG_"))}
    env = {k: v for k, v in env.items() if k.upper() not in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "VIRTUAL_ENV")}
    for d in ("config", "cache", "data"):
        (home / d).mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_DATA_HOME=str(home / "data"),
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        UV_NO_CONFIG="1",
        UV_CACHE_DIR=str(home / "cache" / "uv"),
        UV_PYTHON_DOWNLOADS="never",
        NO_PROXY="127.0.0.1,localhost,::1",
        NO_COLOR="1",
        SAFE_PIP_DB=str(home / "safe-pip.db"),
    )
    env.update(extra)
    return env


def venv_python(venv: pathlib.Path) -> pathlib.Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / ("python.exe" if os.name == "nt" else "python")


def make_venv(venv: pathlib.Path) -> pathlib.Path:
    """A fresh virtual environment with the bundled pip; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    return venv_python(venv)


def run(cmd: list[str], env: Mapping[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, env=dict(env), timeout=timeout)
