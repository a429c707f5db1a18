"""Pre-flight: every file an operation will install is fetched through the proxy before the
installer starts.

Poetry installs in parallel batches, so a file refused half-way would leave a
half-installed environment. A GET through the proxy is the gate's question: the proxy
answers from the verdict DB or downloads, analyses and records the file, then serves it
(and keeps the vetted bytes, so Poetry's own download moments later is cheap) or answers
403 with the reason. Nothing touches the environment until every answer is in.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from poetry.core.packages.package import Package

# What a proxy needs for a large file: download, hash check, analysis. No timeout would
# hang forever on a dead upstream; the proxy's own upstream timeouts come first.
FETCH_TIMEOUT = 900.0
INDEX_SOURCES = (None, "", "legacy")


@dataclass
class Planned:
    """One package the command will install (or lock), and the file chosen for it."""

    name: str
    version: str
    kind: str  # "new" | "updated" | "unchanged"
    direct: bool  # a dependency of the project itself (else transitive)
    package: Any = field(repr=False)
    filename: str = ""
    url: str = ""  # the proxy URL of the file; empty for path/URL/VCS dependencies


@dataclass
class Outcome:
    """The gate's answer for one planned file."""

    planned: Planned
    state: str  # "served" | "blocked" | "unchecked"
    reason: str = ""


def plan_operations(operations: Iterable[Any], direct_names: set[str], locked_before: dict[str, str]) -> list[Planned]:
    """The installs and updates (not skipped: those are installed already) of a run.
    `kind` is what changes for the project, judged against the lock as it was before the
    command: installing what the lock already pinned (`poetry install` on a fresh
    environment) is "unchanged", not "new"."""
    planned = []
    for op in operations:
        if op.job_type not in ("install", "update") or op.skipped:
            continue
        package = op.package
        before = locked_before.get(package.name)
        if before is None:
            kind = "updated" if op.job_type == "update" else "new"
        else:
            kind = "unchanged" if before == package.version.text else "updated"
        planned.append(_planned(package, kind, direct_names))
    return planned


def plan_lock(packages: Iterable[Package], locked: dict[str, str], direct_names: set[str]) -> list[Planned]:
    """The packages of a lock about to be written; `locked` maps name → version of the old lock."""
    planned = []
    for package in packages:
        before = locked.get(package.name)
        kind = "new" if before is None else ("unchanged" if before == package.version.text else "updated")
        planned.append(_planned(package, kind, direct_names))
    return planned


def _planned(package: Package, kind: str, direct_names: set[str]) -> Planned:
    return Planned(package.name, package.version.text, kind, package.name in direct_names, package)


def choose_files(
    planned: list[Planned], choose: Callable[[Package], Any], proxy_url: str, *, lenient: bool
) -> list[Planned]:
    """Fills in the file Poetry's chooser picks for this environment. Index files must be
    served by the proxy (the pool was routed); anything else is a bypass and an error.
    `lenient` (lock only) skips packages with no file for this environment: they are
    checked where they are installed."""
    chosen = []
    for item in planned:
        if item.package.source_type not in INDEX_SOURCES:
            chosen.append(item)  # path/URL/VCS: see direct.py
            continue
        try:
            link = choose(item.package)
        except Exception:
            if lenient:
                continue
            raise
        url = link.url_without_fragment
        if not url.startswith(proxy_url.rstrip("/") + "/"):
            raise BypassError(
                f"{item.name} ({item.version}) would be downloaded from {link.show_url}, not through safe-pip"
            )
        item.filename = link.filename
        item.url = url
        chosen.append(item)
    return chosen


class BypassError(Exception):
    """A file that would reach the installer without passing the gate."""


def fetch_all(planned: list[Planned], workers: int) -> list[Outcome]:
    """Asks the proxy for every planned index file, concurrently; answers in input order."""
    index_files = [p for p in planned if p.url]
    if not index_files:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(index_files)))) as pool:
        return list(pool.map(fetch_one, index_files))


def fetch_one(item: Planned) -> Outcome:
    status, reason = _get(item.url)
    if status == 200:
        return Outcome(item, "served")
    if status == 403:
        return Outcome(item, "blocked", _strip_prefix(reason))
    what = f"HTTP {status} {reason}".strip() if status else reason
    return Outcome(item, "unchecked", f"the proxy could not check it ({what})")


def _get(url: str) -> tuple[int, str]:
    # No environment proxies: HTTP_PROXY would capture loopback traffic.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers={"Accept": "*/*", "Accept-Encoding": "identity"})
    try:
        with opener.open(request, timeout=FETCH_TIMEOUT) as response:
            while response.read(1 << 20):
                pass
            return response.status, str(response.reason or "")
    except urllib.error.HTTPError as e:
        return e.code, str(e.reason or "")
    except (urllib.error.URLError, OSError) as e:
        return 0, str(getattr(e, "reason", e))


def _strip_prefix(reason: str) -> str:
    prefix = "Forbidden by safe-pip:"
    return reason[len(prefix) :].strip() if reason.startswith(prefix) else reason


def lookup(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The proxy's latest event per file name (a file asked twice is judged once)."""
    by_file: dict[str, dict[str, Any]] = {}
    for event in events:
        name = str(event.get("filename", ""))
        if name:
            by_file[name] = event
    return by_file


def main_dependency_names(project_package: Any) -> set[str]:
    return {dep.name for dep in project_package.all_requires}


def locked_versions(locker: Any) -> dict[str, str]:
    if not locker.is_locked():
        return {}
    return {p.name: p.version.text for p in locker.locked_repository().packages}
