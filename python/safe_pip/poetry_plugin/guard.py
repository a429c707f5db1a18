"""One guarded Poetry command, from before it reads an index to the report after it.

1. before (COMMAND, before Poetry's listeners): the names given to `add` are checked
   offline; path/URL/VCS dependencies are scanned (no index serves them); the Rust proxy
   starts in front of the project's sources and the pool is routed through it.
2. installer_ready (COMMAND, after Poetry built the installer): the installer's two exits —
   executing operations and writing the lock — are wrapped with the pre-flight.
3. on_error / finish (ERROR, TERMINATE): a block becomes a Poetry-style error, the project
   files are as they were, the report is written and the proxy stops.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from cleo.io.outputs.output import Verbosity

from safe_pip.poetry_plugin import preflight, report
from safe_pip.poetry_plugin.direct import DirectChecks
from safe_pip.poetry_plugin.sources import SourceError, Upstream, is_routed, route_pool, upstreams_of

if TYPE_CHECKING:
    from cleo.events.console_error_event import ConsoleErrorEvent
    from cleo.events.console_terminate_event import ConsoleTerminateEvent
    from cleo.io.io import IO
    from poetry.poetry import Poetry
    from poetry.repositories import RepositoryPool

#: A stable port keeps Poetry's URL-keyed artifact cache useful between runs; any free
#: port is used when it is taken.
PORT_BASE, PORT_SPAN = 20000, 30000


class GuardedRun:
    def __init__(self, command: Any, io: IO) -> None:
        self.command = command
        self.io = io
        self.base = command.name.split(" ")[-1]
        self.proxy: Any = None
        self.upstreams: list[Upstream] = []
        self.outcomes: list[preflight.Outcome] = []
        self.error: Exception | None = None  # the error this run raised
        self.snapshot: dict[Path, bytes | None] = {}
        self.direct: DirectChecks | None = None
        self.locked_before: dict[str, str] = {}
        self.summary_written = False

    # ---- 1. before Poetry reads any index ---------------------------------------------

    def before(self) -> None:
        poetry = self.command.poetry
        self.snapshot = _snapshot(poetry)
        try:
            self.locked_before = preflight.locked_versions(poetry.locker)
        except Exception:  # an unreadable lock: Poetry says so itself
            self.locked_before = {}
        requested = self._requested()
        if self.base == "add":
            from safe_pip.poetry_plugin.names import check_names

            squats = check_names(requested)
            if any(f.block for f in squats):
                self._fail(report.squat_error([f for f in squats if f.block]))
            for f in squats:
                self.io.write_error_line(
                    f"<warning>safe-pip: {report.esc(f.name)} looks like {report.esc(f.similar_to)}"
                    f" ({report.esc(f.message)})</>"
                )
        self.direct = DirectChecks(poetry)
        rows = self.direct.declared(requested if self.base == "add" else [], self.io)
        if any(r.verdict in ("block", "unchecked") for r in rows):
            self._fail(report.blocked_error(rows, self.command.name))
        try:
            self._start_proxy(poetry)
            self._route(poetry.pool, poetry)
        except SourceError as e:
            self._fail(report.source_error(str(e), e.hint))
        self._keep_routing_after_reset()

    def _requested(self) -> list[str]:
        from cleo.exceptions import CleoError

        try:
            value = self.io.input.argument("name")
        except CleoError:  # commands without a `name` argument
            return []
        return list(value) if isinstance(value, (list, tuple)) else []

    def _start_proxy(self, poetry: Poetry) -> None:
        from safe_pip import _core

        self.upstreams = upstreams_of(poetry.pool)
        urls = [u.url for u in self.upstreams]
        project_dir = str(poetry.pyproject_path.parent)
        _bypass_env_proxies()
        port = PORT_BASE + zlib.crc32("\n".join([project_dir, *urls]).encode()) % PORT_SPAN
        try:
            self.proxy = _core.Proxy(urls, port=port, project_dir=project_dir)
        except Exception:
            try:  # the stable port is taken (another Poetry run): any port will do
                self.proxy = _core.Proxy(urls, port=0, project_dir=project_dir)
            except _core.SafePipError as e:
                self._fail(report.source_error(f"could not start the checking proxy: {e.message}", e.hint or _NO_HINT))
            except Exception as e:
                self._fail(report.source_error(f"could not start the checking proxy: {e}", _NO_HINT))
        if self.io.is_debug():
            for k, u in enumerate(self.upstreams):
                self.io.write_line(f"safe-pip: source {u.name} through {self.proxy.index_url(k)}")

    def _route(self, pool: RepositoryPool, poetry: Poetry) -> None:
        if is_routed(pool):
            return
        known = {(u.name.lower(), u.url) for u in self.upstreams}
        for u in upstreams_of(pool):
            if (u.name.lower(), u.url) not in known:
                raise SourceError(f"source {u.name} appeared after safe-pip started its proxy", "run the command again")
        route_pool(pool, self.upstreams, self.proxy.index_url, poetry.config)

    def _keep_routing_after_reset(self) -> None:
        """`poetry self …` rebuilds its Poetry (and pool) inside handle(); route that one too."""
        original: Callable[[], None] = self.command.reset_poetry

        def reset_poetry() -> None:
            original()
            poetry = self.command.poetry
            try:
                self._route(poetry.pool, poetry)
            except SourceError as e:
                self._fail(report.source_error(str(e), e.hint))

        self.command.reset_poetry = reset_poetry

    # ---- 2. before the installer touches anything -------------------------------------

    def installer_ready(self) -> None:
        installer = getattr(self.command, "_installer", None)
        if installer is None:
            self._fail(report.source_error("Poetry created no installer for this command", _UNSUPPORTED))
        execute = getattr(installer, "_execute", None)
        write_lock = getattr(installer, "_write_lock_file", None)
        if execute is None or write_lock is None:
            self._fail(report.source_error("this Poetry version's installer cannot be guarded", _UNSUPPORTED))

        def guarded_execute(operations: list[Any]) -> int:
            planned = preflight.plan_operations(operations, self._direct_names(), self.locked_before)
            self._preflight(installer, planned, lenient=False)
            code = int(execute(operations))
            if code == 0:
                # Before Poetry goes on ("Installing the current project"), so the report
                # sits under the operations it is about.
                report.write_summary(self.io, self._rows(), blocks=True)
                self.summary_written = True
            return code

        def guarded_write_lock(packages: Any, force: bool = False) -> None:
            if not installer.executor.enabled:  # lock only: nothing else checks these files
                locked = preflight.locked_versions(self.command.poetry.locker)
                planned = preflight.plan_lock(list(packages), locked, self._direct_names())
                self._preflight(installer, planned, lenient=True)
            write_lock(packages, force=force)

        installer._execute = guarded_execute
        installer._write_lock_file = guarded_write_lock

    def _preflight(self, installer: Any, planned: list[preflight.Planned], *, lenient: bool) -> None:
        from poetry.installation.chooser import Chooser

        poetry = self.command.poetry
        pool = getattr(installer, "_pool", None) or poetry.pool
        if not is_routed(pool):
            self._fail(report.source_error("the installer's sources are not routed through safe-pip", _UNSUPPORTED))
        chooser = Chooser(pool, self.command.env, poetry.config)
        try:
            planned = preflight.choose_files(planned, chooser.choose_for, self.proxy.url, lenient=lenient)
        except preflight.BypassError as e:
            self._fail(report.source_error(str(e), _UNSUPPORTED))
        index_files = [p for p in planned if p.url]
        others = [p for p in planned if not p.url]
        if index_files:
            self.io.write_line(
                f"<info>safe-pip</info>: checking {len(index_files)} file{'s' if len(index_files) != 1 else ''}"
                " before anything is installed",
                verbosity=Verbosity.VERBOSE,
            )
        outcomes = preflight.fetch_all(index_files, poetry.config.installer_max_workers)
        self.outcomes.extend(outcomes)
        assert self.direct is not None
        local = self.direct.planned(others, self.io)
        events = self._events()
        rows = report.join(outcomes, preflight.lookup(events), local)
        if any(r.verdict in ("block", "unchecked") for r in rows):
            self._suggest_older(rows, events)
            self._fail(report.blocked_error(rows, self.command.name))

    def _suggest_older(self, rows: list[report.Checked], events: list[dict[str, Any]]) -> None:
        """An older release that is not blocked, for each blocked file the proxy judged."""
        upstream_of = {str(e.get("filename")): e.get("upstream") for e in events}
        for row in rows:
            upstream = upstream_of.get(row.filename)
            if row.verdict != "block" or upstream is None or self.proxy is None:
                continue
            try:
                row.older = self.proxy.older_release(int(upstream), row.name, row.filename) or ""
            except Exception:  # a suggestion only: never in the way of the block itself
                row.older = ""

    def _direct_names(self) -> set[str]:
        return preflight.main_dependency_names(self.command.poetry.package)

    # ---- 3. after ------------------------------------------------------------------

    def on_error(self, event: ConsoleErrorEvent) -> None:
        if event.error is not self.error:
            rows = self._rows()
            if any(r.verdict == "block" for r in rows):
                # Poetry met a 403 while resolving: say what was blocked, not the HTTP error.
                self.error = report.blocked_error([r for r in rows if r.verdict == "block"], self.command.name)
                event.set_error(self.error)
        if self.error is not None:
            _restore(self.snapshot)

    def finish(self, event: ConsoleTerminateEvent) -> None:
        try:
            rows = self._rows()
            # The error lists what was blocked; with --quiet Poetry prints no error, so the
            # summary does.
            details = self.error is None or self.io.output.is_quiet()
            if not self.summary_written or self.error is not None:
                report.write_summary(self.io, rows, blocks=details)
            if self.error is not None and event.exit_code != 0:
                _restore(self.snapshot)
        finally:
            if self.proxy is not None:
                self.proxy.stop()
                self.proxy = None

    def _rows(self) -> list[report.Checked]:
        local = self.direct.rows() if self.direct is not None else []
        rows = report.join(self.outcomes, preflight.lookup(self._events()), local)
        try:
            direct_names = self._direct_names()
        except Exception:  # no readable project: leave direct/transitive unknown
            return rows
        from packaging.utils import canonicalize_name

        for row in rows:
            if row.direct is None and row.name != "?":
                row.direct = canonicalize_name(row.name) in direct_names
        return rows

    def _events(self) -> list[dict[str, Any]]:
        return list(self.proxy.events()) if self.proxy is not None else []

    def _fail(self, error: Exception) -> None:
        self.error = error
        raise error


_UNSUPPORTED = "update the safe-pip plugin (`poetry self add` a newer installwarden wheel); until then nothing is installed"


def _snapshot(poetry: Poetry) -> dict[Path, bytes | None]:
    """pyproject.toml and poetry.lock as they are, to put back should a block leave them
    changed (Poetry itself writes neither when the command fails; this is the safety net)."""
    files = {}
    for path in (Path(poetry.pyproject_path), Path(poetry.locker.lock)):
        try:
            files[path] = path.read_bytes()
        except FileNotFoundError:
            files[path] = None
    return files


def _restore(snapshot: dict[Path, bytes | None]) -> None:
    for path, data in snapshot.items():
        try:
            current: bytes | None = path.read_bytes()
        except FileNotFoundError:
            current = None
        if current == data:
            continue
        if data is None:
            path.unlink()
        else:
            path.write_bytes(data)


def _bypass_env_proxies() -> None:
    """HTTP(S)_PROXY would capture Poetry's requests to the loopback proxy."""
    for key in ("NO_PROXY", "no_proxy"):
        current = [h for h in os.environ.get(key, "").split(",") if h.strip()]
        for host in ("127.0.0.1", "localhost"):
            if host not in current:
                current.append(host)
        os.environ[key] = ",".join(current)


_NO_HINT = "safe-pip installs nothing it cannot check; see the message above"
