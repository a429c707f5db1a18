"""The Poetry 2.x application plugin: every package Poetry resolves or installs passes
safe-pip's gate first.

This package is imported only inside Poetry's own environment (entry point group
``poetry.application.plugin``); Poetry is not a dependency of safe-pip. The modules:
``plugin`` (event listeners and commands, nothing else at start-up), ``guard`` (one guarded
command from start to report), ``sources`` (Poetry's repositories routed through the proxy),
``preflight`` (every file an operation will install, checked before the installer starts),
``direct`` (path, URL and VCS dependencies, which no index serves), ``names`` (the names
given to ``poetry add``), ``report`` (output in Poetry's style) and ``commands``
(``poetry safe-pip check|vet|allow``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["SafePipPlugin"]


def __getattr__(name: str) -> Any:
    # Lazy, so the Poetry-free modules (names, preflight) import without Poetry installed.
    if name == "SafePipPlugin":
        from safe_pip.poetry_plugin.plugin import SafePipPlugin

        return SafePipPlugin
    raise AttributeError(name)
