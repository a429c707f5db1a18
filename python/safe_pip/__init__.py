"""safe-pip: keeps malicious and risky Python packages off your machine.

The engine is Rust (``safe_pip._core``); this package is a thin front for it.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, Optional

from safe_pip import _core

__version__: str = _core.__version__

SafePipError = _core.SafePipError
PathNotFoundError = _core.PathNotFoundError

__all__ = ["__version__", "PathNotFoundError", "SafePipError", "explain", "scan", "run_cli"]


def scan(paths: Iterable["str | os.PathLike[str]"]) -> dict[str, Any]:
    """Scan package files or directories statically and return the JSON report as a dict.

    The report follows docs/json-report.md (``schema_version`` 2). Raises
    ``FileNotFoundError`` (``safe_pip.PathNotFoundError``) when a path does not exist and
    ``safe_pip.SafePipError`` (``.message``, ``.hint``) for config or verdict DB problems.
    """
    return json.loads(_core.scan_json([os.fspath(p) for p in paths]))


def explain(alert_id: str) -> Optional[dict[str, str]]:
    """The catalogue entry for an alert id, or None when the id is unknown."""
    return _core.explain(alert_id)


def run_cli(argv: list[str]) -> int:
    """Run the command line with ``argv`` (``argv[0]`` is the program name)."""
    return _core.run_cli(argv)
