"""The names given to `poetry add`, checked before Poetry asks any index about them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# A requirement that names a project: `name`, `name[extra]`, `name@^1.2`, `name>=1`,
# `name==1.0 ; marker`. URLs, VCS references and paths name files, not projects.
_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*(?:$|[@=<>!~^:;\s])")


@dataclass(frozen=True)
class SquatFinding:
    name: str
    similar_to: str
    message: str
    severity: str
    alert: str
    block: bool


def project_name(requirement: str) -> str | None:
    """The project a `poetry add` argument names, or None for URLs, VCS and paths."""
    text = requirement.strip()
    if "://" in text or text.startswith(("git+", "hg+", "svn+", "bzr+", ".", "/", "~")) or "\\" in text:
        return None
    if "/" in text.split("@", 1)[0]:
        return None
    match = _NAME.match(text)
    return match.group(1) if match else None


def check_names(requirements: list[str]) -> list[SquatFinding]:
    """Typosquat findings for the named projects (offline: the bundled list of popular
    projects). A finding blocks when its severity is critical, as the default policy does."""
    from safe_pip import _core

    findings = []
    for requirement in requirements:
        name = project_name(requirement)
        if name is None:
            continue
        hit: dict[str, Any] | None = _core.check_name(name)
        if not hit:
            continue
        severity = str(hit.get("severity", "critical")).lower()
        action = str(hit.get("action", "")).lower()
        block = action == "block" or (not action and severity == "critical")
        findings.append(
            SquatFinding(
                name=name,
                similar_to=str(hit.get("similar_to", "")),
                message=str(hit.get("message", "")),
                severity=severity,
                alert=str(hit.get("alert", "typosquat")),
                block=block,
            )
        )
    return findings
