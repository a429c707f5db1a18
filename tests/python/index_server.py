"""A package index for tests: wheels built from a dict of files, served as a PEP 503 simple
index on 127.0.0.1, every request recorded. Fixture packages are written byte by byte here;
no build backend ever runs on them."""

from __future__ import annotations

import base64
import hashlib
import html
import pathlib
import re
import threading
import zipfile
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def build_wheel(
    directory: pathlib.Path, name: str, version: str, files: dict[str, str], requires: Iterable[str] = ()
) -> pathlib.Path:
    """A pure-Python wheel (py3-none-any) with METADATA, WHEEL and a correct RECORD."""
    dist = f"{re.sub(r'[-.]+', '_', name)}-{version}"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires
    )
    members = dict(files)
    members[f"{dist}.dist-info/METADATA"] = meta
    members[f"{dist}.dist-info/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: safe-pip-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = []
    for member, text in members.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{member},sha256={digest},{len(data)}")
    record.append(f"{dist}.dist-info/RECORD,,")
    members[f"{dist}.dist-info/RECORD"] = "\n".join(record) + "\n"
    path = directory / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, text in members.items():
            archive.writestr(zipfile.ZipInfo(member, (2024, 1, 1, 0, 0, 0)), text)
    return path


def project_of(filename: str) -> str:
    """The project a distribution file belongs to (wheel: first field; sdist: before the version)."""
    if filename.endswith(".whl"):
        return normalize(filename.split("-", 1)[0])
    stem = re.sub(r"\.(tar\.gz|zip|tar\.bz2)$", "", filename)
    return normalize(stem.rsplit("-", 1)[0])


class IndexServer:
    """Serves every file in `root` as a simple index: /simple/<project>/ and /files/<file>."""

    def __init__(self, root: pathlib.Path, auth: tuple[str, str] | None = None) -> None:
        self.root = root
        self.requests: list[str] = []
        self.unauthorized = 0
        self.failing: set[str] = set()  # files listed on their page but answered with 500
        expected = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode() if auth else None
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                self._answer(body=False)

            def do_GET(self) -> None:
                self._answer(body=True)

            def _answer(self, body: bool) -> None:
                with server._lock:
                    server.requests.append(self.path)
                    if expected and self.headers.get("Authorization") != expected:
                        server.unauthorized += 1
                        self.send_response(401)
                        self.send_header("WWW-Authenticate", 'Basic realm="fixture"')
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                status, ctype, data = server.respond(self.path.split("?", 1)[0])
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if body:
                    self.wfile.write(data)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def simple_url(self) -> str:
        return f"{self.url}/simple/"

    def requested(self, needle: str) -> list[str]:
        with self._lock:
            return [p for p in self.requests if needle in p]

    def respond(self, path: str) -> tuple[int, str, bytes]:
        parts = [p for p in path.split("/") if p]
        if len(parts) == 2 and parts[0] == "simple":
            links = []
            for file in sorted(self.root.iterdir()):
                if file.is_file() and project_of(file.name) == normalize(parts[1]):
                    digest = hashlib.sha256(file.read_bytes()).hexdigest()
                    links.append(
                        f'<a href="/files/{html.escape(file.name)}#sha256={digest}">{html.escape(file.name)}</a><br/>'
                    )
            if not links:
                return 404, "text/plain", b"not found"
            page = "<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n"
            return 200, "text/html", page.encode()
        if len(parts) == 1 and parts[0] == "simple":
            names = sorted({project_of(f.name) for f in self.root.iterdir() if f.is_file()})
            page = "".join(f'<a href="/simple/{n}/">{n}</a><br/>\n' for n in names)
            return 200, "text/html", page.encode()
        if len(parts) == 2 and parts[0] == "files":
            if parts[1] in self.failing:
                return 500, "text/plain", b"storage error"
            file = self.root / parts[1]
            if file.is_file():
                return 200, "application/octet-stream", file.read_bytes()
        return 404, "text/plain", b"not found"

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
