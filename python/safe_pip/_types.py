"""Typed shapes of what ``safe_pip._core`` returns: the proxy's file events and the
``basis`` of a verdict (docs/json-report.md, ``packages[].basis``). Read ``basis`` by its
``kind`` instead of matching the words of ``reason``."""

from __future__ import annotations

from typing import List, Literal, Optional, TypedDict, Union

Action = Literal["allow", "warn", "block"]


class _OriginRequired(TypedDict):
    layer: Literal["default", "org", "user", "project", "flag"]


class Origin(_OriginRequired, total=False):
    """Where a rule or decision is written: a file ``path`` and ``line``, or a ``flag``."""

    path: str
    line: int
    flag: str


class DecisionDoesNotApply(TypedDict):
    kind: Literal["decision-does-not-apply"]
    origin: Origin


class DecisionExpired(TypedDict):
    kind: Literal["decision-expired"]
    origin: Origin
    until: str
    today: str


Note = Union[DecisionDoesNotApply, DecisionExpired]


class Cited(TypedDict):
    """A documented decision as a verdict cites it."""

    origin: Origin
    by: str
    date: str
    reason: str


class NoAlerts(TypedDict):
    kind: Literal["no-alerts"]


class _RuleRequired(TypedDict):
    kind: Literal["severity-rule", "override"]
    alert: str
    severity: Literal["critical", "high", "medium", "low"]
    action: Action
    origin: Origin


class Rule(_RuleRequired, total=False):
    """The severity rule or per-alert override that set the verdict."""

    note: Note


class DeniedByDecision(TypedDict):
    kind: Literal["denied-by-decision"]
    decision: Cited


class AllowedByDecisions(TypedDict):
    kind: Literal["allowed-by-decisions"]
    decisions: List[Cited]
    rest: Optional[Rule]


class Unverified(TypedDict):
    kind: Literal["unverified"]
    cause: str


class BlockedByGateway(TypedDict):
    """The organisation's safe-pip gateway (the upstream index) refused the file."""

    kind: Literal["blocked-by-gateway"]
    gateway: str
    reason: str


Basis = Union[NoAlerts, Rule, DeniedByDecision, AllowedByDecisions, Unverified, BlockedByGateway]


class EventAlert(TypedDict):
    id: str
    severity: str
    title: str
    message: str
    location: str


class Event(TypedDict):
    """One file the proxy judged."""

    upstream: int
    filename: str
    project: str
    name: Optional[str]
    version: Optional[str]
    sha256: Optional[str]
    verdict: Action
    reason: str
    basis: Basis
    risk: int
    level: str
    served: bool
    from_db: bool
    error: Optional[str]
    alerts: List[EventAlert]


__all__ = ["Action", "Basis", "Cited", "Event", "Note", "Origin", "Rule"]
