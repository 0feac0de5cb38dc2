"""The flag lifecycle as pure functions: raise, confirm from a finding, move, and dismiss.

Statuses move open -> acknowledged -> resolved, and an acknowledged or resolved flag can be
reopened. Skipping acknowledgement (open -> resolved) is refused: someone has to own a conflict
before closing it. Every step appends a FlagEvent carrying its note. Ids are derived from what
the record holds and when, so two leads raising flags in the same millisecond still differ; the
store may replace them with its own ids. The store owns `version`; these functions never bump it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from cxtui.engine.conflicts import Finding
from cxtui.models import Dismissal, Flag, FlagEvent, FlagStatus, Settings

_TITLE_MAX = 160  # a Flag's title

ALLOWED: dict[str, tuple[FlagStatus, ...]] = {
    "open": ("acknowledged",),
    "acknowledged": ("resolved", "open"),
    "resolved": ("open",),
}


def _derived_id(prefix: str, *parts: str) -> str:
    return f"{prefix}-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:12]


def is_resolved(flag: Flag) -> bool:
    return flag.status == "resolved"


def unresolved(flags: Iterable[Flag]) -> list[Flag]:
    """The flags still open or acknowledged: what the scorecard counts, what exports carry and what
    the conflicts screen lists first."""
    return [f for f in flags if not is_resolved(f)]


def raise_flag(
    departments: Sequence[str],
    title: str,
    note: str,
    by: str,
    at: datetime,
    *,
    goals: Sequence[str] = (),
    incentives: Sequence[str] = (),
    finding: str | None = None,
    id: str | None = None,
) -> Flag:
    """A new open flag whose history starts with the raising note."""
    return Flag(
        id=id or _derived_id("FL", by, at.isoformat(), title, *departments),
        departments=sorted(set(departments)),
        goals=sorted(set(goals)),
        incentives=sorted(set(incentives)),
        finding=finding,
        title=title,
        note=note,
        raised_by=by,
        raised_at=at,
        status="open",
        history=[FlagEvent(at=at, by=by, status="open", note=note)],
    )


def flag_from_finding(
    finding: Finding, by: str, at: datetime, note: str = "", *, id: str | None = None
) -> Flag:
    """Confirm a detected finding as a flag; the note defaults to the finding's explanation."""
    return raise_flag(
        finding.departments,
        _title_for(finding),
        note or finding.explanation,
        by,
        at,
        goals=finding.goals,
        incentives=finding.incentives,
        finding=finding.id,
        id=id or _derived_id("FL", by, at.isoformat(), finding.id),
    )


def _title_for(finding: Finding) -> str:
    """What a lead reads in a list of flags: the rule, who is involved and the records it names
    ("Opposed targets: sales vs support (G-1, G-7)"), not the finding's internal id."""
    title = f"{finding.title}: {' vs '.join(finding.departments) or 'company'}"
    named = [*finding.goals, *finding.incentives, *finding.objectives]
    if named:
        title += f" ({', '.join(named)})"
    return title if len(title) <= _TITLE_MAX else title[: _TITLE_MAX - 1] + "…"


def transition(flag: Flag, status: FlagStatus, note: str, by: str, at: datetime) -> Flag:
    allowed = ALLOWED[flag.status]
    if status not in allowed:
        raise ValueError(f"status: a {flag.status} flag can move to {' or '.join(allowed)}, not {status}")
    event = FlagEvent(at=at, by=by, status=status, note=note)
    return flag.model_copy(update={"status": status, "history": [*flag.history, event]})


def dismiss(finding: Finding, reason: str, by: str, at: datetime, *, id: str | None = None) -> Dismissal:
    """A dismissal that hides `finding` until an entity it names changes (its fingerprint)."""
    return Dismissal(
        id=id or _derived_id("DI", by, at.isoformat(), finding.id),
        finding=finding.id,
        fingerprint=finding.fingerprint,
        reason=reason,
        by=by,
        at=at,
        departments=finding.departments,
    )


class DismissalLine(BaseModel):
    """A dismissal and the finding it hides now; `finding` is None once the finding is no longer
    detected or has changed (its fingerprint moved on), and the dismissal no longer applies."""

    model_config = ConfigDict(frozen=True)

    dismissal: Dismissal
    finding: Finding | None

    @property
    def in_effect(self) -> bool:
        return self.finding is not None


def dismissal_lines(dismissals: Iterable[Dismissal], dismissed: Iterable[Finding]) -> list[DismissalLine]:
    """Every dismissal, newest first, with the finding it hides (from the scorecard's `dismissed`)."""
    hidden = {(f.id, f.fingerprint): f for f in dismissed}
    return [DismissalLine(dismissal=d, finding=hidden.get((d.finding, d.fingerprint)))
            for d in sorted(dismissals, key=lambda d: (d.at, d.id), reverse=True)]


def may_dismiss(user: str, settings: Settings, led: Iterable[str], finding: Finding) -> bool:
    """Whether `user` may dismiss `finding`: an admin, or a lead of a department it involves (the
    store enforces the same rule; this lets a screen say so before asking for a reason)."""
    return user in settings.admins or bool(set(led) & set(finding.departments))
