"""Type stubs for the Rust extension module ``safe_pip._core``."""

from os import PathLike
from typing import Optional, Sequence, Union

from safe_pip._types import Event

__version__: str

class SafePipError(RuntimeError):
    """A safe-pip error (config, verdict DB, index, proxy). ``str()`` is
    ``message (hint: remedy)``."""

    message: str
    """What went wrong (several problems: one per line)."""
    hint: str
    """What to do about it (may be empty)."""

class PathNotFoundError(SafePipError, FileNotFoundError):
    """A path given to :func:`scan_json` does not exist."""

def run_cli(argv: Sequence[str]) -> int:
    """Run the safe-pip command line; returns the exit code (0 allowed, 1 blocked, 2 error)."""

def scan_json(paths: Sequence[Union[str, PathLike[str]]]) -> str:
    """Scan files or directories; returns the JSON report (schema_version 2).

    Raises :class:`PathNotFoundError` for a path that does not exist and
    :class:`SafePipError` for config or verdict DB problems."""

def explain(alert_id: str) -> Optional[dict[str, str]]:
    """Catalogue entry (id, severity, category, title, explanation, remediation) or None."""

class Proxy:
    """The gating proxy, running in this process (background threads) on 127.0.0.1.

    Every file is checked before it is served; a blocked file answers 403 with a reason
    phrase that pip, uv and Poetry print. Credentials in ``index_urls`` stay inside the
    proxy. An empty ``index_urls`` uses pip's configured index(es). The settings of
    ``project_dir`` (default: the current directory) apply as ``safe-pip install`` applies
    them, dependency confusion included: names of ``[[internal]]`` rules and of
    ``SAFE_PIP_INTERNAL`` are served only from their own index. Raises
    :class:`SafePipError` when the proxy cannot start (index settings, config, verdict DB,
    port).
    """

    def __init__(
        self,
        index_urls: list[str],
        *,
        port: int = 0,
        db: Optional[str] = None,
        project_dir: Optional[str] = None,
    ) -> None: ...
    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
    def index_url(self, upstream: int = 0) -> str:
        """The Simple API root for ``index_urls[upstream]``: ``http://127.0.0.1:PORT/u/<k>/simple/``."""
    def events(self) -> list[Event]:
        """Every file verdict so far: ``{upstream, filename, project, name, version, sha256,
        verdict, reason, basis, risk, level, served, from_db, error, alerts: [{id, severity,
        title, message, location}]}``; ``basis`` is the reason as data
        (``safe_pip._types.Basis``)."""
    def older_release(self, upstream: int, project: str, filename: str) -> Optional[str]:
        """`NAME==VERSION` of the newest older release whose matching file is not blocked
        (judging up to a few older files), or None."""
    def problems(self) -> list[str]:
        """Upstream problems so far (project pages that could not be read), one line each.
        pip does not show why a page failed; print these when the installer fails."""
    def stop(self) -> None:
        """Stops the proxy and frees its port (idempotent)."""
    def __enter__(self) -> "Proxy": ...
    def __exit__(self, *args: object) -> None: ...

def check_name(name: str) -> Optional[dict[str, str]]:
    """Typosquatting check: ``{alert, severity, similar_to, message}`` or None."""
