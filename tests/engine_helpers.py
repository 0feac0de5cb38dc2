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
    Settings,
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


# --- a large synthetic organisation, for profiling and for the equivalence tests --------------------


def synthetic_snapshot(n_readings: int, today: date, seed: int = 6, years: int = 5) -> Snapshot:
    """An organisation shaped like the benchmark's (`benchmarks/synthetic.py`): 30 departments,
    60 metrics, 12 objectives, 300 goals, 60 incentives, 10 tensions, 5 flags, `n_readings` readings
    over `years` years up to `today`, readings in random order.

    Seeded and deterministic. Unlike the benchmark it also holds the awkward cases the engine must
    get right: several readings on one date (corrections, told apart by `recorded_at` then id),
    objectives without a baseline or a start, objective metrics with no company-level readings
    (judged on the departments' mean), goals not started yet, flags made from findings and
    dismissals (some matching a finding's fingerprint, some stale). Readings are built with
    `model_construct` so a 100k snapshot takes a second, not ten.
    """
    import random
    from datetime import timedelta

    rng = random.Random(seed)
    departments = [dept(f"dept-{i:02d}", name=f"Department {i:02d}") for i in range(1, 31)]
    metrics = [
        metric(
            f"m-{i:02d}",
            name=f"Metric {i:02d}",
            direction="up" if i % 4 else "down",
            customer_centric=i % 2 == 0,
            cadence=("weekly", "monthly", "quarterly")[i % 3],
        )
        for i in range(1, 61)
    ]
    centric = [m for m in metrics if m.customer_centric]
    objectives = []
    for i in range(1, 13):
        shape = i % 4  # baseline and start, start only, neither, baseline only
        objectives.append(
            objective(
                f"O-{i}",
                centric[(i * 5) % len(centric)].id,
                target=rng.choice([20.0, 50.0, 80.0]),
                baseline=50.0 if shape in (0, 3) else None,
                start=today - timedelta(days=rng.randint(60, 400)) if shape in (0, 1) else None,
                deadline=today + timedelta(days=rng.randint(-30, 300)),
            )
        )
    goals, series = [], []
    for d, department in enumerate(departments):
        for k in range(10):
            m = metrics[(d * 7 + k * 13) % 60]
            n = len(goals) + 1
            kind = rng.choice(["increase", "increase", "decrease", "reach", "stay_above", "stay_below"])
            baseline = round(rng.uniform(30, 70), 1)
            target = {"increase": 20, "decrease": -20, "reach": 10, "stay_above": -10, "stay_below": 10}[kind]
            start = today - timedelta(days=rng.randint(-20, 330))
            goals.append(
                goal(
                    f"G-{n}",
                    department.id,
                    m.id,
                    kind,
                    baseline=baseline,
                    target=baseline + target,
                    start=start,
                    deadline=start + timedelta(days=rng.choice([90, 180, 365])),
                    objectives=[f"O-{n % 13 + 1}"] if n % 3 else [],  # O-13 does not exist
                    tolerance=rng.choice([0.05, 0.1, 0.2]),
                )
            )
            series.append((m.id, department.id))
    incentives = [
        incentive(
            f"I-{d * 2 + k + 1}",
            department.id,
            metrics[(d * 11 + k * 5) % 60].id,
            rng.choice(["up", "down"]),
            weight=(0.4, 0.3)[k] if d % 7 else 0.0,
        )
        for d, department in enumerate(departments)
        for k in range(2)
    ]
    tensions = [tension(metrics[2 * i].id, metrics[2 * i + 1].id) for i in range(10)]
    # Half the objective metrics get company-level readings; the others are judged on the mean.
    series += sorted({(o.metric, None) for o in objectives[::2]})
    first = today - timedelta(days=365 * years)
    span = (today - first).days + 30  # a few readings after `today`, which no scorecard may see
    readings: list[Reading] = []
    for i in range(n_readings):
        metric_id, department_id = rng.choice(series)
        day = first + timedelta(days=rng.randrange(span))
        if readings and rng.random() < 0.05:  # a correction of an earlier reading, same date
            metric_id, department_id, day = readings[-1].metric, readings[-1].department, readings[-1].date
        stamp = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=rng.choice([9, 9, 17]))
        readings.append(
            Reading.model_construct(
                id=f"R-{rng.randrange(10**6):06d}-{i}",
                metric=metric_id,
                department=department_id,
                date=day,
                value=round(rng.uniform(5, 95), 1),
                confidence=None,
                note="",
                recorded_by="bench",
                recorded_at=stamp,
                version=1,
                updated_by=None,
                updated_at=None,
            )
        )
    rng.shuffle(readings)
    flags = [
        flag(f"F-{i}", [departments[i].id, departments[i + 1].id], goals=[goals[i * 10].id])
        for i in range(1, 6)
    ]
    flags.append(flag("F-6", ["dept-03"], finding="silo_goal:G-21", status="acknowledged"))
    flags.append(flag("F-7", ["dept-04"], finding="opposed_targets:G-1~G-2", status="resolved"))
    return Snapshot.model_construct(
        departments=departments,
        metrics=metrics,
        objectives=objectives,
        goals=goals,
        incentives=incentives,
        readings=readings,
        tensions=tensions,
        flags=flags,
        dismissals=[],
        settings=Settings(),
    )
