"""`poetry safe-pip check|vet|allow`: the safe-pip commands, run for the current Poetry
project. Each delegates to the safe-pip command line (in-process, through the Rust
extension), so they behave exactly as `safe-pip check|vet|allow` do."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable, ClassVar

from cleo.helpers import argument, option
from poetry.console.commands.command import Command


class _SafePipCommand(Command):
    def run_safe_pip(self, args: list[str], cwd: Path | None = None) -> int:
        from safe_pip import _core

        sys.stdout.flush()
        sys.stderr.flush()
        with _chdir(cwd):
            return int(_core.run_cli(["safe-pip", *args]))

    def _index_args(self) -> list[str]:
        """The project's sources in Poetry's search order, as index flags (credentials stay
        in this process). Outside a project: none, so the command's own defaults apply."""
        if self.project_dir() is None:
            return []
        from safe_pip.poetry_plugin.sources import upstreams_of

        pool = self.poetry.pool
        urls = [u.url for u in upstreams_of(pool) if pool.get_priority(u.name).name != "EXPLICIT"]
        args: list[str] = []
        for k, url in enumerate(urls):
            args += ["--index-url" if k == 0 else "--extra-index-url", url]
        return args

    def project_dir(self) -> Path | None:
        try:
            return Path(self.poetry.pyproject_path).parent
        except RuntimeError:  # "Poetry could not find a pyproject.toml file"
            return None


class CheckCommand(_SafePipCommand):
    name = "safe-pip check"
    description = (
        "Checks the files of poetry.lock that the project's environment installs against safe-pip's verdicts,"
        " offline (as <c1>safe-pip check poetry.lock</>)."
    )
    options: ClassVar[list[Any]] = [
        option(
            "fetch",
            None,
            "Fetch the files the verdict database does not know from the project's sources and scan them.",
        ),
        option("all-platforms", None, "Judge every locked file, for every platform and Python."),
        option("allow-unverified", None, "Report unverified files without failing."),
        option("format", None, "Output format: terminal or json.", flag=False, default=None),
    ]

    def handle(self) -> int:
        lock = Path(self.poetry.locker.lock)
        if not lock.exists():
            self.line_error(f"<error>error: no lock file at {lock}</>\nhint: run <c1>poetry lock</c1> first")
            return 2
        args = ["check", str(lock), "--invoked-as", "poetry safe-pip check"]
        if self.option("all-platforms"):
            args.append("--all-platforms")
        else:
            python = self._env_python()
            if python:
                args += ["--python", python]
        if self.option("allow-unverified"):
            args.append("--allow-unverified")
        if self.option("format"):
            args += ["--format", self.option("format")]
        if self.io.is_verbose():
            args.append("--verbose")
        if self.option("fetch"):
            args += ["--fetch", *self._index_args()]
        return self.run_safe_pip(args, lock.parent)


    def _env_python(self) -> str | None:
        """The interpreter of the project's environment as Poetry finds it (never creating one);
        None when Poetry cannot tell, and safe-pip's own default applies."""
        try:
            from poetry.utils.env import EnvManager

            return str(EnvManager(self.poetry, io=self.io).get().python)
        except Exception:
            return None


class VetCommand(_SafePipCommand):
    name = "safe-pip vet"
    description = "Vets packages before you add them: name, registry facts and code (as <c1>safe-pip vet</>)."
    arguments: ClassVar[list[Any]] = [argument("names", "NAME or NAME==VERSION to vet.", multiple=True)]
    options: ClassVar[list[Any]] = [
        option("offline", None, "Check the name only; no network."),
        option("format", None, "Output format: terminal or json.", flag=False, default=None),
    ]

    def handle(self) -> int:
        args = ["vet", *self.argument("names")]
        if self.option("offline"):
            args.append("--offline")
        if self.option("format"):
            args += ["--format", self.option("format")]
        if not self.option("offline"):
            args += self._index_args()
        return self.run_safe_pip(args, self.project_dir())


class AllowCommand(_SafePipCommand):
    name = "safe-pip allow"
    description = "Documents a decision to accept a package's alerts in pyproject.toml (as <c1>safe-pip allow</>)."
    arguments: ClassVar[list[Any]] = [argument("name", "NAME or NAME==VERSION (or another version specifier).")]
    options: ClassVar[list[Any]] = [
        option("alert", None, "The alert id accepted (repeat for several).", flag=False, multiple=True),
        option("reason", None, "Why it is acceptable (recorded with who and when).", flag=False),
        option("until", None, "Last day (YYYY-MM-DD) the decision applies.", flag=False),
        option("by", None, "Who decides (default: git user, else $USER).", flag=False),
    ]

    def handle(self) -> int:
        args = ["allow", self.argument("name")]
        for alert in self.option("alert") or []:
            args += ["--alert", alert]
        if self.option("reason") is not None:
            args += ["--reason", self.option("reason")]
        for flag in ("until", "by"):
            if self.option(flag):
                args += [f"--{flag}", self.option(flag)]
        return self.run_safe_pip(args, self.project_dir())


FACTORIES: dict[str, Callable[[], Command]] = {
    CheckCommand.name: CheckCommand,
    VetCommand.name: VetCommand,
    AllowCommand.name: AllowCommand,
}


@contextlib.contextmanager
def _chdir(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    previous = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)
