"""Path, URL and VCS dependencies: no index serves them, so the proxy never sees them.

Poetry inspects them while it resolves (an sdist or a source tree may be *built* to learn
its metadata, which runs its setup.py) and builds or unpacks them when it installs. So they
are scanned statically here first: before resolution for what pyproject.toml declares and
what `poetry add` was given, and again in the pre-flight for what the installer will use.
URL archives are fetched into Poetry's own artifact cache, so the file scanned is the file
Poetry uses (and the lock's hash is checked against it).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cleo.io.outputs.output import Verbosity

from safe_pip.poetry_plugin.report import Checked, esc

if TYPE_CHECKING:
    from cleo.io.io import IO
    from poetry.poetry import Poetry

    from safe_pip.poetry_plugin.preflight import Planned


@dataclass(frozen=True)
class Target:
    kind: str  # "file" | "directory" | "url" | "git"
    where: str  # path or URL
    name: str = ""
    version: str = ""
    revision: str | None = None
    subdirectory: str | None = None

    @property
    def key(self) -> tuple[str, str, str | None, str | None]:
        """What is scanned (the same dependency seen declared and planned is one scan)."""
        return (self.kind, self.where, self.revision, self.subdirectory)


class DirectChecks:
    """Scans each target once per command (declared first, then in the pre-flight)."""

    def __init__(self, poetry: Poetry) -> None:
        self._poetry = poetry
        self._done: dict[tuple[str, str, str | None, str | None], Checked] = {}

    def declared(self, requested: list[str], io: IO) -> list[Checked]:
        """The project's own path/URL/VCS dependencies (every group) and the `poetry add`
        arguments that are paths or URLs."""
        poetry = self._poetry
        targets = [t for t in (target_of_dependency(d) for d in poetry.package.all_requires) if t]
        cwd = Path(poetry.pyproject_path).parent
        targets += [t for t in (target_of_argument(r, cwd) for r in requested) if t]
        rows = [self._check(t, io) for t in targets]
        for row in rows:
            row.direct = True
        return rows

    def planned(self, planned: list[Planned], io: IO) -> list[Checked]:
        """Planned installs from a path, URL or VCS (the pre-flight's share)."""
        rows = []
        for item in planned:
            target = target_of_package(item.package)
            if target is None:
                kind = item.package.source_type
                target = Target(str(kind), "", item.name, item.version)
                self._done[target.key] = Checked(
                    item.name, item.version, "", "unchecked", f"{kind} sources cannot be checked", local=True
                )
            row = self._check(target, io)
            row.kind, row.direct = item.kind, item.direct
            rows.append(row)
        return rows

    def rows(self) -> list[Checked]:
        """Every path, URL or VCS dependency checked in this command, once each."""
        return list(self._done.values())

    def _check(self, target: Target, io: IO) -> Checked:
        if target.key not in self._done:
            io.write_line(
                f"<info>safe-pip</info>: scanning {target.kind} dependency {esc(target.where)}",
                verbosity=Verbosity.VERBOSE,
            )
            self._done[target.key] = _scan_target(target, self._poetry)
        return self._done[target.key]


def target_of_dependency(dep: Any) -> Target | None:
    if dep.is_file():
        return Target("file", str(dep.full_path), dep.name)
    if dep.is_directory():
        return Target("directory", str(dep.full_path), dep.name)
    if dep.is_url():
        return Target("url", dep.url, dep.name)
    if dep.is_vcs():
        return Target("git", dep.source, dep.name, revision=dep.reference or None, subdirectory=dep.directory)
    return None


def target_of_package(package: Any) -> Target | None:
    kind, url = package.source_type, package.source_url
    if kind in ("file", "directory"):
        path = Path(url)
        if not path.is_absolute() and package.root_dir:
            path = Path(package.root_dir) / path
        if package.source_subdirectory:
            path = path / package.source_subdirectory
        return Target(kind, str(path), package.name, package.version.text)
    if kind == "url":
        return Target("url", url, package.name, package.version.text)
    if kind == "git":
        revision = package.source_resolved_reference or package.source_reference
        return Target("git", url, package.name, package.version.text, revision, package.source_subdirectory)
    return None


def target_of_argument(requirement: str, cwd: Path) -> Target | None:
    text = requirement.strip()
    if " @ " in text:  # PEP 508 `name @ url`
        text = text.split(" @ ", 1)[1].strip()
    if text.startswith(("git+", "git@")):
        from poetry.core.vcs.git import Git, ParsedUrl

        parsed = ParsedUrl.parse(text)
        url = Git.normalize_url(text)
        return Target(
            "git", url.url, parsed.name or "", revision=url.revision or None, subdirectory=parsed.subdirectory
        )
    if text.startswith(("http://", "https://")):
        return Target("url", text.split("#", 1)[0])
    path = Path(text).expanduser()
    if ("/" in text or "\\" in text) and (cwd / path).exists():
        full = (cwd / path).resolve()
        return Target("file" if full.is_file() else "directory", str(full))
    return None


def _scan_target(target: Target, poetry: Poetry) -> Checked:
    name, version = target.name or Path(target.where.rstrip("/")).name, target.version or "?"
    try:
        if target.kind in ("file", "directory"):
            if not Path(target.where).exists():
                return Checked(name, version, target.where, "unchecked", f"{target.where} does not exist", local=True)
            return _scan_path(Path(target.where), name, version)
        if target.kind == "url":
            return _scan_path(_fetch_into_cache(target.where, poetry), name, version)
        with tempfile.TemporaryDirectory(prefix="safe-pip-vcs-") as tmp:
            tree = _clone(target, Path(tmp))
            return _scan_path(tree, name, version)
    except Exception as e:  # what cannot be checked is not allowed
        return Checked(name, version, target.where, "unchecked", f"could not check it: {e}", local=True)


def _scan_path(path: Path, name: str, version: str) -> Checked:
    from safe_pip import _core

    document = json.loads(_core.scan_json([str(path)]))
    packages = document.get("packages") or []
    if not packages:
        return Checked(name, version, path.name, "unchecked", "no package found to scan", local=True)
    # A directory searched recursively may yield several packages: the worst decides.
    order = {"block": 3, "unchecked": 2, "warn": 1, "allow": 0}
    worst = max(packages, key=lambda p: order.get(str(p.get("verdict")), 2))
    alerts = tuple(
        {
            "id": a.get("id"),
            "severity": a.get("severity"),
            "title": a.get("title"),
            "location": f"{a['file']}:{a['line']}" if a.get("file") and a.get("line") else (a.get("file") or ""),
        }
        for p in packages
        for a in p.get("alerts") or ()
    )
    verdict = str(worst.get("verdict") or "unchecked")
    reason = str(worst.get("error") or worst.get("reason") or "")
    return Checked(
        local=True,
        name=str(worst.get("name") or name),
        version=str(worst.get("version") or version),
        filename=path.name,
        verdict=verdict if verdict in order else "unchecked",
        reason=reason,
        risk=worst.get("score"),
        level=str(worst.get("level") or ""),
        alerts=alerts,
    )


def _fetch_into_cache(url: str, poetry: Poetry) -> Path:
    """The archive Poetry will use for this URL: its artifact cache entry, downloaded with
    Poetry's credentials if it is not there yet."""
    from poetry.core.packages.utils.link import Link
    from poetry.utils.authenticator import Authenticator
    from poetry.utils.download import download_file

    authenticator = Authenticator(poetry.config)

    def download(link_url: str, dest: Path) -> None:
        download_file(link_url, dest, session=authenticator)

    return Path(poetry.pool.artifact_cache.get_cached_archive_for_link(Link(url), strict=True, download_func=download))


def _clone(target: Target, root: Path) -> Path:
    """A checkout to read (cloning runs nothing from the repository)."""
    from poetry.vcs.git import Git

    repo = Git.clone(url=target.where, source_root=root, revision=target.revision)
    tree = Path(repo.path)
    return tree / target.subdirectory if target.subdirectory else tree
