"""What a guarded command tells the user, in Poetry's output style (cleo tags).

Errors are Poetry's own error type (`PoetryRuntimeError`; a cleo user error on Poetry 2.0),
which Poetry prints like its own errors. The summary after a
command: one line normally, warnings with their serious alerts, every file and every alert
with `-v`, and only blocks with `--quiet`.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cleo.io.outputs.output import Verbosity

if TYPE_CHECKING:
    from cleo.io.io import IO

    from safe_pip.poetry_plugin.names import SquatFinding
    from safe_pip.poetry_plugin.preflight import Outcome

SERIOUS = ("critical", "high")
_SEVERITY_STYLE = {"critical": "error", "high": "warning", "medium": "comment", "low": "debug"}


@dataclass
class Checked:
    """One file and the gate's answer, joined with what the command did with it."""

    name: str
    version: str
    filename: str
    verdict: str  # "allow" | "warn" | "block" | "unchecked"
    reason: str = ""
    risk: int | None = None
    level: str = ""
    alerts: tuple[dict[str, Any], ...] = ()
    kind: str = ""  # "new" | "updated" | "unchanged" | "" (not planned: read while resolving)
    direct: bool | None = None
    local: bool = False  # a path, URL or VCS dependency scanned here, not by the proxy
    from_db: bool = False  # the verdict came from the verdict DB (checked before)
    older: str = ""  # NAME==VERSION of an older release that is not blocked


def verdict_of(event: dict[str, Any]) -> str:
    """The proxy's outcome for a file (``safe_pip._types.Event``): a file it could not check
    (upstream unreachable, hash mismatch, unreadable) is refused too, but it is "unchecked",
    not judged."""
    basis = event.get("basis") or {}
    if event.get("error") or basis.get("kind") == "unverified":
        return "unchecked"
    verdict = event.get("verdict")
    if verdict == "block" or event.get("served") is False:
        return "block"
    if verdict in ("warn", "allow"):
        return str(verdict)
    return "unchecked"


def from_event(event: dict[str, Any]) -> Checked:
    return Checked(
        name=str(event.get("name") or event.get("project") or "?"),
        version=str(event.get("version") or "?"),
        filename=str(event.get("filename", "")),
        verdict=verdict_of(event),
        reason=str(event.get("reason") or ""),
        risk=event.get("risk"),
        level=str(event.get("level") or ""),
        alerts=tuple(event.get("alerts") or ()),
        from_db=bool(event.get("from_db")),
    )


def join(outcomes: list[Outcome], events: dict[str, dict[str, Any]], others: list[Checked]) -> list[Checked]:
    """Pre-flight outcomes enriched with the proxy's verdicts, then the files the proxy
    judged while Poetry resolved (lazy wheel reads) that no outcome covers, then `others`
    (path, URL and VCS dependencies scanned locally)."""
    rows: list[Checked] = []
    seen = set()
    for outcome in outcomes:
        item = outcome.planned
        event = events.get(item.filename)
        row = from_event(event) if event else Checked(item.name, item.version, item.filename, "unchecked")
        row.name, row.version = item.name, item.version
        if outcome.state == "blocked":
            row.verdict = "unchecked" if event and row.verdict == "unchecked" else "block"
            row.reason = outcome.reason or row.reason
        elif outcome.state == "unchecked":
            row.verdict = "unchecked"
            row.reason = outcome.reason
        elif row.verdict == "unchecked" and not event:
            row.verdict = "allow"  # served by the gate; its event was not kept
        row.kind, row.direct = item.kind, item.direct
        rows.append(row)
        seen.add(item.filename)
    for filename, event in events.items():
        if filename not in seen:
            rows.append(from_event(event))
    rows.extend(others)
    return rows


# ---- errors -------------------------------------------------------------------------


def squat_error(findings: list[SquatFinding]) -> Exception:
    names = esc(", ".join(f.name for f in findings))
    lines = []
    for f in findings:
        lines.append(f"  - <c1>{esc(f.name)}</c1>: {esc(f.message or 'looks like ' + f.similar_to)}")
        if f.similar_to:
            lines.append(f"    Did you mean <c1>{esc(f.similar_to)}</c1>?")
    remedy = (
        "Nothing was resolved or downloaded. Correct the name; if the name is really what you want,"
        " document it first:\n    " + "\n    ".join(_allow_command(f.name, [f.alert]) for f in findings)
    )
    return poetry_error(
        f"<error>safe-pip refused to add {names}: the name imitates a popular project (typosquatting).</>",
        ["\n".join(lines), remedy],
    )


def blocked_error(rows: list[Checked], command: str) -> Exception:
    blocked = [r for r in rows if r.verdict == "block"]
    unchecked = [r for r in rows if r.verdict == "unchecked"]
    said = []
    if blocked:
        said.append("blocked " + ", ".join(_label(r) for r in blocked))
    if unchecked:
        said.append("could not check " + ", ".join(_label(r) for r in unchecked))
    details = "\n".join(line for r in blocked + unchecked for line in _row_lines(r, all_alerts=False))
    messages = [details, _left_alone(command)]
    if blocked:
        why = ", ".join(sorted({f"<c1>safe-pip explain {esc(a)}</c1>" for r in blocked for a in _blocking_alerts(r)}))
        messages.append(f"Why: {why}.")
        older = [r for r in blocked if r.older]
        if older:
            messages.append(
                "Not blocked: "
                + ", ".join(f"<c1>{esc(r.older)}</c1> (instead of {esc(r.version)})" for r in older)
                + ": pin it, e.g. <c1>poetry add "
                + esc(shlex.quote(older[0].older))
                + "</c1>."
            )
        commands = "\n    ".join(_allow_command(r.name, _blocking_alerts(r), r.version) for r in blocked)
        messages.append(
            "Otherwise choose another package or version. If you have reviewed it and accept"
            f" the risk, document that decision and run the command again:\n    {commands}"
        )
    if unchecked:
        messages.append(
            "What safe-pip cannot check is not installed. Make sure the index is reachable and run the"
            " command again (`poetry safe-pip vet NAME` shows what is known)."
        )
    return poetry_error(f"<error>safe-pip {esc('; '.join(said))}.</>", messages)


def source_error(message: str, hint: str) -> Exception:
    return poetry_error(f"<error>safe-pip: {esc(message)}</>", [f"hint: {esc(hint)}"])


def poetry_error(headline: str, paragraphs: list[str]) -> Exception:
    """An error Poetry prints as its own: a headline and paragraphs (cleo tags allowed)."""
    try:
        from poetry.console.exceptions import ConsoleMessage, PoetryRuntimeError
    except ImportError:  # Poetry 2.0: cleo prints a user error's text, without a traceback
        from cleo.exceptions import CleoUserError

        return CleoUserError("\n\n".join([headline, *paragraphs]))
    return PoetryRuntimeError(headline, [ConsoleMessage(p) for p in paragraphs])


def _left_alone(command: str) -> str:
    base = command.split(" ")[-1]
    if base == "lock":
        return "poetry.lock was not written; nothing was installed."
    if base in ("add", "remove", "update"):
        return "Nothing was installed; pyproject.toml and poetry.lock are unchanged."
    return "Nothing was installed (the check runs before the installer starts)."


def _label(row: Checked) -> str:
    """`name (version)`; a source tree from a path or VCS may have no version to show."""
    return f"{row.name} ({row.version})" if row.version != "?" else row.name


def _blocking_alerts(row: Checked) -> list[str]:
    ids = [str(a.get("id")) for a in row.alerts if str(a.get("severity", "")).lower() == "critical"]
    return ids or [str(a.get("id")) for a in row.alerts][:3] or ["ALERT_ID"]


def _allow_command(name: str, alerts: list[str], version: str | None = None) -> str:
    spec = f"{name}=={version}" if version and version != "?" else name
    flags = " ".join(f"--alert {shlex.quote(a)}" for a in alerts)
    return f'<c1>poetry safe-pip allow {esc(shlex.quote(spec))} {esc(flags)} --reason "…"</c1>'


# ---- summary ------------------------------------------------------------------------


def write_summary(io: IO, rows: list[Checked], *, blocks: bool) -> None:
    """The report after a guarded command (also after a failed one: it says what was seen).
    `blocks`: list the blocked files too (not when the error that follows lists them)."""
    blocked = [r for r in rows if r.verdict == "block"]
    warned = [r for r in rows if r.verdict == "warn"]
    quiet = Verbosity.QUIET
    if not rows:
        io.write_line("<info>safe-pip</info>: nothing to check", verbosity=Verbosity.VERBOSE)
        return
    io.write_line("")
    io.write_line(f"<info>safe-pip</info>: {_headline(rows)}")
    for row in blocked if blocks else []:
        for line in _row_lines(row, all_alerts=io.is_verbose()):
            io.write_error_line(line, verbosity=quiet)
    for row in warned:
        for line in _row_lines(row, all_alerts=io.is_verbose()):
            io.write_line(line)
    for row in rows:
        if row.verdict in ("allow", "unchecked"):
            for line in _row_lines(row, all_alerts=True):
                io.write_line(line, verbosity=Verbosity.VERBOSE)


def _headline(rows: list[Checked]) -> str:
    total = len(rows)
    parts = []
    for kind in ("new", "updated", "unchanged"):
        n = sum(1 for r in rows if r.kind == kind)
        if n:
            parts.append(f"{n} {kind}")
    transitive = sum(1 for r in rows if r.direct is False)
    if transitive:
        parts.append(f"{transitive} transitive")
    seen_only = sum(1 for r in rows if not r.kind and not r.local)
    if seen_only:
        parts.append(f"{seen_only} read while resolving")
    local = sum(1 for r in rows if r.local)
    if local:
        parts.append(f"{local} from a path, URL or VCS")
    known = sum(1 for r in rows if r.from_db)
    if known:
        parts.append(f"{known} known from the verdict DB")
    verdicts = []
    for verdict, label in (
        ("allow", "allowed"),
        ("warn", "with warnings"),
        ("block", "blocked"),
        ("unchecked", "not checked"),
    ):
        n = sum(1 for r in rows if r.verdict == verdict)
        if n or verdict in ("allow", "block"):
            verdicts.append(_style(verdict, f"{n} {label}") if n else f"{n} {label}")
    files = "file" if total == 1 else "files"
    detail = f" ({', '.join(parts)})" if parts else ""
    return f"checked {total} {files}{detail}: {', '.join(verdicts)}"


def _row_lines(row: Checked, *, all_alerts: bool) -> list[str]:
    label = {"allow": "allowed", "warn": "warning", "block": "blocked", "unchecked": "not checked"}[row.verdict]
    judged = row.risk is not None and row.verdict != "unchecked"
    risk = f", risk {row.risk}/100" + (f" ({row.level})" if row.level else "") if judged else ""
    where = []
    if row.kind:
        where.append(row.kind)
    if row.direct is not None:
        where.append("direct" if row.direct else "transitive")
    context = f" [{', '.join(where)}]" if where else ""
    version = f" (<c2>{esc(row.version)}</c2>)" if row.version != "?" else ""
    head = f"  - <c1>{esc(row.name)}</c1>{version} {esc(row.filename)}: {_style(row.verdict, label)}{risk}{context}"
    lines = [head]
    if row.reason and (row.verdict == "unchecked" or (row.verdict == "block" and not row.alerts)):
        lines.append(f"      {esc(row.reason)}")
    for alert in row.alerts:
        severity = str(alert.get("severity", "")).lower()
        if not all_alerts and severity not in SERIOUS:
            continue
        style = _SEVERITY_STYLE.get(severity, "comment")
        location = f" ({esc(alert['location'])})" if alert.get("location") else ""
        lines.append(f"      <{style}>{severity:<8}</> {esc(alert.get('id'))}  {esc(alert.get('title', ''))}{location}")
    return lines


_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(text: object) -> str:
    """Control characters (ESC, CR, LF, C1…), line separators and bidi overrides as visible
    escapes (`\\x1b`, `\\r`, `\\u{202e}`), as the Rust reports show them: a member name
    must not move the cursor or erase the line that says a file was blocked."""

    def one(m: re.Match[str]) -> str:
        c = m.group()
        return _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{{{ord(c):x}}}")

    return _INVISIBLE.sub(one, str(text))


def esc(text: object) -> str:
    """Text from packages and indexes: control characters made visible, and `<` escaped,
    which cleo would read as a tag."""
    from cleo.formatters.formatter import Formatter

    return Formatter.escape(visible(text))


def _style(verdict: str, text: str) -> str:
    tag = {"allow": "info", "warn": "warning", "block": "error", "unchecked": "error"}[verdict]
    return f"<{tag}>{text}</>"
