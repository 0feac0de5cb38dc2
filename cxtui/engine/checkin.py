"""Check-in, the rules: which metrics a user is offered to read, and the reading a typed row makes.

Pure: a snapshot, a date and what was typed in; lines and readings (or why not) out. The check-in
screen shows them; the rules are the store's own (the models and `check_in_scale`), so a row that
passes here is one the store takes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import ValidationError

from cxtui.engine.scorecard import Point, due
from cxtui.models import (
    Department,
    Metric,
    Reading,
    RuleError,
    Snapshot,
    check_in_scale,
    describe_errors,
    utcnow,
)
from cxtui.store import NEW_ID

FIELDS = ("value", "confidence", "note")


@dataclass(frozen=True)
class Line:
    """One metric of one department to read."""

    metric: Metric
    department: Department
    last: Point | None
    due: bool = True


def last_point(snapshot: Snapshot, as_of: date, metric: str, department: str) -> Point | None:
    """The series' newest reading on or before `as_of` (the last recorded of a date)."""
    readings = [r for r in snapshot.readings if r.metric == metric and r.department == department and r.date <= as_of]
    if not readings:
        return None
    newest = max(readings, key=lambda r: (r.date, r.recorded_at))
    return Point(date=newest.date, value=newest.value)


def lines_for(snapshot: Snapshot, as_of: date, user: str) -> tuple[list[Line], str]:
    """The rows to offer `user` and a sentence saying what they are: the metrics of the goals of the
    user's departments (every department for an admin who leads none), due ones first, then the
    rest, each part in the scorecard's order (department, then goal). A user who may record
    nothing gets no rows."""
    departments = {d.id: d for d in snapshot.departments}
    metrics = {m.id: m for m in snapshot.metrics}
    mine = [d.id for d in snapshot.departments if user in d.leads]
    admin = user in snapshot.settings.admins
    if not mine and not admin:
        return [], ""
    scope = mine or [d.id for d in snapshot.departments]
    due_now = {(i.department.id, i.metric.id) for d in scope for i in due(snapshot, as_of, d)}
    seen: set[tuple[str, str]] = set()
    ordered: list[tuple[str, str]] = []
    for goal in sorted((g for g in snapshot.goals if g.department in scope),
                       key=lambda g: (scope.index(g.department), g.department, g.id)):
        key = (goal.department, goal.metric)
        if key not in seen and goal.metric in metrics and goal.department in departments:
            seen.add(key)
            ordered.append(key)
    lines = [Line(metrics[m], departments[d], last_point(snapshot, as_of, m, d), due=(d, m) in due_now)
             for d, m in ordered]
    lines.sort(key=lambda line: not line.due)  # stable: the order above within each part
    who = ", ".join(departments[d].name for d in mine) if mine else "every department (you lead none)"
    count = sum(line.due for line in lines)
    what = (f"{count} due this period for {who}; the others below, for corrections" if count
            else f"Nothing is due for {who}: every metric of its goals, for corrections")
    return lines, what


def check_line(metric: Metric, department: str, day: date, user: str,
               value: str, confidence: str, note: str) -> tuple[Reading | None, dict[str, str]]:
    """The reading a row describes, or the reason per field why it is not valid.

    An empty value means "no reading" (None, no errors) unless a confidence or note was typed.
    """
    if not value.strip():
        if confidence.strip() or note.strip():
            return None, {"value": "value: needed when a confidence or note is given"}
        return None, {}
    try:
        reading = Reading(
            id=NEW_ID, metric=metric.id, department=department, date=day, value=value,
            confidence=confidence, note=note, recorded_by=user, recorded_at=utcnow(),
        )
        check_in_scale(reading.value, metric)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for line in describe_errors(exc):
            field = line.split(":", 1)[0]
            errors.setdefault(field if field in FIELDS else "value", line)
        return None, errors
    except RuleError as exc:
        return None, {exc.field: str(exc)}
    return reading, {}
