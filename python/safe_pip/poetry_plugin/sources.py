"""Poetry's repositories, routed through the safe-pip proxy.

Every HTTP source of the pool (PyPI included) is replaced, in place, by a
`ProxiedRepository`: a `LegacyRepository` that reads the proxy's route for that source
(`/u/<k>/simple/`). Only the Simple API is used, so any mirror works. The lock file keeps
what Poetry would write without the plugin: no `[package.source]` for PyPI, the real URL
for other sources — never the loopback address.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from poetry.core.packages.package import Package
from poetry.repositories.legacy_repository import LegacyRepository

if TYPE_CHECKING:
    from packaging.utils import NormalizedName
    from poetry.config.config import Config
    from poetry.core.constraints.version import Version
    from poetry.repositories import RepositoryPool

#: Upstream for Poetry's implicit PyPI source; an organisation mirror can stand in for it.
PYPI_URL_ENV = "SAFE_PIP_POETRY_PYPI_URL"
PYPI_SIMPLE = "https://pypi.org/simple/"


class SourceError(Exception):
    """A source that cannot be routed through the gate (the command must not run)."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Upstream:
    """One source of the pool as the proxy must reach it."""

    name: str
    url: str  # may carry credentials: goes to the proxy only, never printed
    lock_url: str | None  # what poetry.lock records; None for PyPI (no [package.source])


class ProxiedRepository(LegacyRepository):
    """A source read through the proxy, recorded in the lock as the source itself."""

    def __init__(self, name: str, proxy_url: str, lock_url: str | None, config: Config) -> None:
        # Poetry's page/release caches are keyed by name and URL; the proxy's port and
        # routes differ between projects, so a cached page could belong to another index.
        super().__init__(name, proxy_url, config=config, disable_cache=True, pool_size=config.installer_max_workers)
        self._lock_url = lock_url

    def _package(self, name: NormalizedName, version: Version, yanked: str | bool) -> Package:
        if self._lock_url is None:
            return Package(name, version, yanked=yanked)
        return Package(
            name, version, source_type="legacy", source_reference=self.name, source_url=self._lock_url, yanked=yanked
        )

    def _log(self, msg: str, level: str = "info") -> None:
        # A metadata file the gate refused is a 403 that Poetry retries and logs each time;
        # the plugin's own error says what was blocked and why.
        if msg.startswith("Failed to retrieve metadata at"):
            level = "debug"
        super()._log(msg, level=level)

    def package(self, name: str, version: Version, *args: Any, **kwargs: Any) -> Package:
        # Poetry 2.0 passes `extras`; later versions do not.
        package = super().package(name, version, *args, **kwargs)
        if self._lock_url is None:
            package._source_type = None
            package._source_url = None
            package._source_reference = None
        else:
            package._source_url = self._lock_url
        return package


def upstreams_of(pool: RepositoryPool) -> list[Upstream]:
    """The sources in pool order, with credentials resolved the way Poetry resolves them
    (http-basic config, `POETRY_HTTP_BASIC_<SOURCE>_*`, keyring, URL userinfo)."""
    from poetry.repositories.http_repository import HTTPRepository
    from poetry.repositories.pypi_repository import PyPiRepository
    from poetry.repositories.single_page_repository import SinglePageRepository

    found = []
    for repo in pool.all_repositories:
        if isinstance(repo, ProxiedRepository):
            raise SourceError(
                f"source {repo.name} is already routed through safe-pip", "this is a bug; please report it"
            )
        if isinstance(repo, SinglePageRepository):
            raise SourceError(
                f"source {repo.name} is a single HTML page of links, which safe-pip cannot serve through its gate",
                "serve these files from a PEP 503 simple index, or run `poetry --no-plugins …` knowingly",
            )
        if isinstance(repo, PyPiRepository):
            found.append(Upstream(repo.name, os.environ.get(PYPI_URL_ENV) or PYPI_SIMPLE, None))
        elif isinstance(repo, HTTPRepository):
            found.append(Upstream(repo.name, _with_slash(repo.authenticated_url), repo.url))
        else:
            raise SourceError(
                f"source {repo.name} ({type(repo).__name__}) is not an HTTP index:"
                " safe-pip cannot check what it serves",
                "remove the plugin that adds it, or run `poetry --no-plugins …` knowingly",
            )
    return found


def route_pool(pool: RepositoryPool, upstreams: list[Upstream], index_url: Any, config: Config) -> None:
    """Replaces every repository of `pool` (same object, so the installer and solver that
    hold it see the change) by its proxied twin, keeping names, priorities and order.
    `index_url(k)` is the proxy's route for upstream k. Raises SourceError if anything
    is left unrouted: a source that bypasses the gate must not be used."""
    by_name = {u.name.lower(): k for k, u in enumerate(upstreams)}
    current = [(repo, pool.get_priority(repo.name)) for repo in pool.all_repositories]
    replaced = []
    for repo, priority in current:
        k = by_name.get(repo.name.lower())
        if k is None:
            raise SourceError(f"source {repo.name} appeared after safe-pip started its proxy", "run the command again")
        up = upstreams[k]
        replaced.append((ProxiedRepository(repo.name, index_url(k), up.lock_url, config), priority))
    for repo, _ in current:
        pool.remove_repository(repo.name)
    for repo, priority in replaced:
        pool.add_repository(repo, priority=priority)
    unrouted = [r.name for r in pool.all_repositories if not isinstance(r, ProxiedRepository)]
    if unrouted or len(pool.all_repositories) != len(current):
        raise SourceError(
            f"could not route source(s) {', '.join(unrouted) or '?'} through safe-pip", "run the command again"
        )


def is_routed(pool: RepositoryPool) -> bool:
    repos = pool.all_repositories
    return bool(repos) and all(isinstance(r, ProxiedRepository) for r in repos)


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"
