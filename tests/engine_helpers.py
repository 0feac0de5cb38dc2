"""Small builders for engine tests: a record with sensible defaults, overridable by keyword."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import count

from cxtui.models import (
    Department,
    Dismissal,
    Flag,
    Goal,
    Incentive,
    Metric,
    Objective,
    Reading,
    Snapshot,
    Tension,
)

AS_OF = date(2026, 3, 1)
START = date(2026, 1, 1)
DEADLINE = date(2026, 12, 31)
AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

_ids = count(1)

DEPARTMENT_NAMES = {
    "sales": "Sales",
    "finance": "Finance",
    "service": "Customer Service",
    "marketing": "Marketing",
    "ops": "Operations",
}


def dept(id: str, **kw) -> Department:
    return Department(id=id, name=kw.pop("name", DEPARTMENT_NAMES.get(id, id.title())), **kw)


def metric(id: str, **kw) -> Metric:
    return Metric(id=id, name=kw.pop("name", id.replace("_", " ").capitalize()), **kw)


def goal(id: str, department: str, metric: str, kind: str = "increase", **kw) -> Goal:
    defaults = {
        "increase": (0.0, 100.0),
        "decrease": (100.0, 0.0),
        "reach": (0.0, 100.0),
        "stay_above": (60.0, 50.0),
        "stay_below": (40.0, 50.0),
    }[kind]
    fields = {
        "title": f"Goal {id}",
        "baseline": defaults[0],
        "target": defaults[1],
        "start": START,
        "deadline": DEADLINE,
    }
    fields.update(kw)
    return Goal(id=id, department=department, metric=metric, kind=kind, **fields)


def incentive(
    id: str, department: str, metric: str, direction: str = "up", weight: float = 0.4, **kw
) -> Incentive:
    return Incentive(
        id=id,
        department=department,
        metric=metric,
        direction=direction,
        weight=weight,
        title=kw.pop("title", f"Bonus {id}"),
        **kw,
    )


def objective(id: str, metric: str, target: float = 100.0, **kw) -> Objective:
    return Objective(
        id=id,
        metric=metric,
        target=target,
        title=kw.pop("title", f"Objective {id}"),
        deadline=kw.pop("deadline", DEADLINE),
        **kw,
    )


def reading(metric: str, day: date, value: float, department: str | None = None, **kw) -> Reading:
    return Reading(
        id=kw.pop("id", f"R-{next(_ids)}"),
        metric=metric,
        department=department,
        date=day,
        value=value,
        recorded_by=kw.pop("recorded_by", "alice"),
        recorded_at=kw.pop("recorded_at", AT),
        **kw,
    )


def tension(a: str, b: str, why: str = "they trade off.") -> Tension:
    return Tension(a=a, b=b, why=why)


def flag(id: str, departments: list[str], **kw) -> Flag:
    return Flag(
        id=id,
        departments=departments,
        title=kw.pop("title", f"Flag {id}"),
        raised_by="alice",
        raised_at=AT,
        **kw,
    )


def dismissal(finding_id: str, fingerprint: str) -> Dismissal:
    return Dismissal(
        id=f"D-{next(_ids)}",
        finding=finding_id,
        fingerprint=fingerprint,
        reason="not a conflict",
        by="alice",
        at=AT,
    )


def snapshot(*records, **kw) -> Snapshot:
    """A snapshot holding `records`, each put in its table by type."""
    tables: dict[str, list] = {}
    names = {
        Department: "departments",
        Metric: "metrics",
        Objective: "objectives",
        Goal: "goals",
        Incentive: "incentives",
        Reading: "readings",
        Tension: "tensions",
        Flag: "flags",
        Dismissal: "dismissals",
    }
    for record in records:
        tables.setdefault(names[type(record)], []).append(record)
    # Referenced departments and metrics that were not given get default records.
    departments = {r.department for r in records if isinstance(r, (Goal, Incentive))}
    known = {d.id for d in tables.get("departments", [])}
    tables.setdefault("departments", []).extend(dept(d) for d in sorted(departments - known))
    metrics = {r.metric for r in records if isinstance(r, (Goal, Incentive, Objective, Reading))}
    known = {m.id for m in tables.get("metrics", [])}
    tables.setdefault("metrics", []).extend(metric(m) for m in sorted(metrics - known))
    return Snapshot(**tables, **kw)
