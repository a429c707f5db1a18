"""Type stubs for the Rust extension module ``safe_pip._core``."""

from os import PathLike
from typing import Optional, Sequence, Union

__version__: str

def run_cli(argv: Sequence[str]) -> int:
    """Run the safe-pip command line; returns the exit code (0 allowed, 1 blocked, 2 error)."""

def scan_json(paths: Sequence[Union[str, PathLike[str]]]) -> str:
    """Scan files or directories; returns the JSON report (schema_version 1)."""

def explain(alert_id: str) -> Optional[dict[str, str]]:
    """Catalogue entry (id, severity, category, title, explanation, remediation) or None."""
