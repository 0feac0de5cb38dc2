"""The shared scorecard: goal and objective cards, department alignment, what is due, what changed.

Pure: a `Snapshot` and an as-of date in, frozen pydantic models out (the CLI dumps them as JSON,
the TUI renders them). Goal and objective standing (latest, progress, pacing, status, stale) is
defined in `cxtui.engine.standings`; read its docstring for the exact semantics. Here:

- Cards: every goal gets a card, active or not (`active` says which; a goal that has not started
  is not active and shows `no_data`). A goal whose metric or department record is missing gets a
  placeholder named by its id, so nothing silently drops off the scorecard.
- Objective readings are the company-level readings (department none) of its metric; when there
  are none on or before as-of, the per-date mean of the departments' readings (`source` says which).
- Alignment parts per department, each 0..100 or None when it has no basis:
  goals       share of active goals naming at least one existing objective (None: no active goals);
  incentives  share of the department's paying incentive weight (weight > 0) that is aligned: the
              metric is an objective's metric or customer-centric, the incentive rewards the metric's
              better direction, and no active incentive-against-objective finding names it
              (None: no paying incentives);
  delivery    share of active aligned goals that are exceeded, achieved or on_track (exceeded counts
              exactly as achieved: beating a target never lowers the index); no_data counts as not
              delivering (None: no active aligned goals);
  conflicts   100 minus `settings.penalties[severity]` per active finding involving the department
              and per unresolved flag naming it, floored at 0. A flag made from a finding takes that
              finding's severity and is not counted twice while the finding is active; a hand-raised
              flag counts as medium.
  index       the weighted mean of the parts that have a basis, weights renormalised over them
              (equal weights if those weights sum to 0). None when goals, incentives and delivery all
              lack a basis: the conflict part alone says nothing about alignment.
- The company index is the mean of the departments' indexes that are not None (None if none are).
- `due`: for each (metric, department) with a running goal (started, deadline not passed), due when
  no reading of the metric for that department falls in the current cadence period up to as-of.
- `compare`: the goals of `after` (matched by id; goals new in `after` start from no_data) whose
  status, latest reading or readings changed; unchanged goals are left out.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from cxtui.engine.chain import LinkRow, chain_metrics, feeding, link_rows, series_of
from cxtui.engine.conflicts import Finding, detect_all
from cxtui.engine.flags import unresolved
from cxtui.models import (
    AlignmentWeights,
    Department,
    Flag,
    Goal,
    Incentive,
    Metric,
    Objective,
    Reading,
    Record,
    Snapshot,
    describe_errors,
    entity_name,
    reading_bound_problems,
)
from cxtui.engine.standings import (
    STATUS_RANK,
    Lines,
    Point,
    SeriesSource,
    Standing,
    Standings,
    Status,
    is_active,
    is_running,
)

__all__ = [
    "STATUS_RANK",
    "AlignmentParts",
    "DepartmentCard",
    "DueItem",
    "GoalCard",
    "GoalChange",
    "ObjectiveCard",
    "Point",
    "Scorecard",
    "Status",
    "build_scorecard",
    "compare",
    "due",
    "engine_problems",
    "period_start",
]


# The statuses that count as delivering in the alignment index.
DELIVERING = ("exceeded", "achieved", "on_track")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class GoalCard(Standing):
    """A goal's standing, with what it belongs to."""

    goal: Goal
    metric: Metric
    department: Department
    active: bool
    objectives: list[str]
    findings: int
    drivers: list[LinkRow] = []  # the declared links into the goal's metric, measured (chain.feeding)
    confidence: int | None = None  # given with the latest reading (1-10), and with the one before
    confidence_before: int | None = None
    confidence_disagrees: bool = False  # see confidence_disagrees()


class ObjectiveCard(Standing):
    """An objective's own standing, beside the goals that claim to support it."""

    objective: Objective
    metric: Metric
    source: SeriesSource
    goals: list[GoalCard]
    drivers: list[LinkRow] = []  # the declared links into the objective's metric, at company level


class AlignmentParts(_Frozen):
    goals: float | None
    incentives: float | None
    delivery: float | None
    conflicts: float
    index: float | None


class DepartmentCard(_Frozen):
    department: Department
    goals: list[GoalCard]
    alignment: AlignmentParts
    findings: list[Finding]
    flags: list[Flag]


class Scorecard(_Frozen):
    as_of: date
    goals: list[GoalCard]
    objectives: list[ObjectiveCard]
    departments: list[DepartmentCard]
    company_index: float | None
    findings: list[Finding]
    dismissed: list[Finding] = []  # findings a current dismissal hides


class DueItem(_Frozen):
    """A series owed a reading this period: no reading since `period_start`. `due_by` is the
    period's last day; `overdue` when an earlier period went without one too (see `due`)."""

    metric: Metric
    department: Department
    goals: list[Goal]
    last: Point | None
    period_start: date
    due_by: date
    overdue: bool


class GoalChange(_Frozen):
    goal_id: str
    department: str
    title: str
    before: Status
    after: Status
    move: Literal["up", "down", "same"]
    new_readings: list[Point]
    before_latest: Point | None
    after_latest: Point | None


def _confidence(standings: Standings, goal: Goal, status: Status) -> dict[str, Any]:
    latest, before = standings.lines.confidences(goal.metric, goal.department)
    return {"confidence": latest, "confidence_before": before,
            "confidence_disagrees": confidence_disagrees(status, latest)}


def _metric(metrics: dict[str, Metric], metric_id: str) -> Metric:
    return metrics.get(metric_id) or Metric(id=metric_id, name=metric_id)


def _department(departments: dict[str, Department], department_id: str) -> Department:
    return departments.get(department_id) or Department(id=department_id, name=department_id)


def _share(part: Iterable[float], whole: Iterable[float]) -> float | None:
    total = sum(whole)
    if total <= 0:
        return None
    return round(100 * sum(part) / total, 1)


def _conflict_part(
    involved: list[Finding],
    active_ids: set[str],
    every: dict[str, Finding],
    flags: list[Flag],
    penalties: dict,
) -> float:
    """`involved` and `flags`: the active findings and unresolved flags involving the department.
    A flag made from any active finding (involving the department or not) is not counted."""
    points = sum(penalties.get(f.severity, 0.0) for f in involved)
    for flag in flags:
        if flag.finding in active_ids:
            continue
        source = every.get(flag.finding or "")
        points += penalties.get(source.severity if source else "medium", 0.0)
    return max(0.0, round(100.0 - points, 1))


def _by_department(items: Iterable[Finding] | Iterable[Flag]) -> dict[str, list]:
    """Findings or flags per department they involve, in their given order."""
    found: dict[str, list] = {}
    for item in items:
        for department in dict.fromkeys(item.departments):
            found.setdefault(department, []).append(item)
    return found


def _mentions(items: Iterable[Finding] | Iterable[Flag]) -> Counter[str]:
    """Per goal id, how many of `items` name it."""
    return Counter(goal_id for item in items for goal_id in set(item.goals))


def _index(parts: dict[str, float | None], weights: AlignmentWeights) -> float | None:
    if all(parts[k] is None for k in ("goals", "incentives", "delivery")):
        return None
    based = {k: v for k, v in parts.items() if v is not None}
    weight = {k: getattr(weights, k) for k in based}
    total = sum(weight.values())
    if total <= 0:
        weight = {k: 1.0 for k in based}
        total = float(len(based))
    return round(sum(based[k] * weight[k] for k in based) / total, 1)


def _aligned_incentives(snapshot: Snapshot, active: list[Finding]) -> set[str]:
    metrics = {m.id: m for m in snapshot.metrics}
    objective_metrics = {o.metric for o in snapshot.objectives}
    against = {i for f in active if f.rule == "incentive_against_objective" for i in f.incentives}
    aligned = set()
    for incentive in snapshot.incentives:
        metric = _metric(metrics, incentive.metric)
        relevant = metric.customer_centric or metric.id in objective_metrics
        if relevant and incentive.direction == metric.direction and incentive.id not in against:
            aligned.add(incentive.id)
    return aligned


def build_scorecard(
    snapshot: Snapshot, as_of: date | None = None, weights: AlignmentWeights | None = None
) -> Scorecard:
    as_of = as_of or date.today()
    weights = weights or snapshot.settings.weights
    metrics = {m.id: m for m in snapshot.metrics}
    departments = {d.id: d for d in snapshot.departments}
    objective_ids = {o.id for o in snapshot.objectives}
    # One set of series and standings for the cards and the conflict rules.
    standings = Standings(snapshot, as_of)
    # The links measured once, for the cards ("driven by FCR: supported") and the rule evidence_against.
    evidence = (link_rows(snapshot.links, snapshot.metrics, series_of(snapshot.readings, as_of,
                                                                      chain_metrics(snapshot.links)))
                if snapshot.links else [])
    every = detect_all(snapshot, as_of, standings=standings, link_evidence=evidence)
    active_findings = [f for f in every if not f.dismissed]
    open_flags = unresolved(snapshot.flags)
    mentions = _mentions(active_findings) + _mentions(open_flags)

    goal_cards = []
    for goal in sorted(snapshot.goals, key=lambda g: (g.department, g.id)):
        standing = standings.goal(goal)
        goal_cards.append(
            GoalCard(
                goal=goal,
                metric=_metric(metrics, goal.metric),
                department=_department(departments, goal.department),
                active=is_active(goal, as_of),
                objectives=[o for o in goal.objectives if o in objective_ids],
                findings=mentions[goal.id],
                drivers=feeding(evidence, goal.metric, goal.department),
                **_confidence(standings, goal, standing.status),
                **dict(standing),
            )
        )

    cards_by_objective: dict[str, list[GoalCard]] = {}
    for card in goal_cards:
        for objective_id in dict.fromkeys(card.goal.objectives):
            cards_by_objective.setdefault(objective_id, []).append(card)
    objective_cards = []
    for objective in sorted(snapshot.objectives, key=lambda o: o.id):
        standing, source = standings.objective(objective)
        objective_cards.append(
            ObjectiveCard(
                objective=objective,
                metric=_metric(metrics, objective.metric),
                source=source,
                goals=cards_by_objective.get(objective.id, []),
                drivers=feeding(evidence, objective.metric, None),
                **dict(standing),
            )
        )

    aligned_incentives = _aligned_incentives(snapshot, active_findings)
    by_id = {f.id: f for f in every}
    active_ids = {f.id for f in active_findings}
    department_ids = sorted(
        set(departments)
        | {g.department for g in snapshot.goals}
        | {i.department for i in snapshot.incentives},
        key=lambda d: (_department(departments, d).name.casefold(), d),
    )
    cards_by_department: dict[str, list[GoalCard]] = {}
    for card in goal_cards:
        cards_by_department.setdefault(card.goal.department, []).append(card)
    paying_by_department: dict[str, list[Incentive]] = {}
    for incentive in snapshot.incentives:
        if incentive.weight > 0:
            paying_by_department.setdefault(incentive.department, []).append(incentive)
    findings_by_department = _by_department(active_findings)
    flags_by_department = _by_department(open_flags)
    department_cards = []
    for department_id in department_ids:
        cards = cards_by_department.get(department_id, [])
        active = [c for c in cards if c.active]
        aligned = [c for c in active if c.objectives]
        paying = paying_by_department.get(department_id, [])
        findings = findings_by_department.get(department_id, [])
        flags = flags_by_department.get(department_id, [])
        parts: dict[str, float | None] = {
            "goals": _share([1.0] * len(aligned), [1.0] * len(active)),
            "incentives": _share(
                [i.weight for i in paying if i.id in aligned_incentives], [i.weight for i in paying]
            ),
            "delivery": _share(
                [1.0 for c in aligned if c.status in DELIVERING], [1.0] * len(aligned)
            ),
            "conflicts": _conflict_part(findings, active_ids, by_id, flags, snapshot.settings.penalties),
        }
        department_cards.append(
            DepartmentCard(
                department=_department(departments, department_id),
                goals=cards,
                alignment=AlignmentParts(**parts, index=_index(parts, weights)),
                findings=findings,
                flags=flags,
            )
        )

    indexes = [c.alignment.index for c in department_cards if c.alignment.index is not None]
    return Scorecard(
        as_of=as_of,
        goals=goal_cards,
        objectives=objective_cards,
        departments=department_cards,
        company_index=round(sum(indexes) / len(indexes), 1) if indexes else None,
        findings=active_findings,
        dismissed=[f for f in every if f.dismissed],
    )


# --- check-ins due --------------------------------------------------------------------------------


def period_start(cadence: str, day: date) -> date:
    """First day of the cadence period holding `day`: ISO week (Monday), month, or quarter."""
    if cadence == "weekly":
        return day - timedelta(days=day.weekday())
    if cadence == "monthly":
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def next_period_start(cadence: str, start: date) -> date:
    """The first day of the period after the one starting on `start`."""
    if cadence == "weekly":
        return start + timedelta(days=7)
    months = 1 if cadence == "monthly" else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def previous_period_start(cadence: str, start: date) -> date:
    return period_start(cadence, start - timedelta(days=1))


def due(snapshot: Snapshot, as_of: date, department: str | None = None) -> list[DueItem]:
    """Per (department, metric) of running goals, the series with no reading yet in the period
    holding `as_of` (week, month or quarter, by the metric's cadence). It is overdue when the
    previous period had none either (its newest reading is older than that period), or, never read,
    when a goal measured by it started before this period."""
    metrics = {m.id: m for m in snapshot.metrics}
    departments = {d.id: d for d in snapshot.departments}
    lines = Lines(snapshot.readings, as_of)
    groups: dict[tuple[str, str], list[Goal]] = {}
    for goal in sorted(snapshot.goals, key=lambda g: g.id):
        if is_running(goal, as_of) and department in (None, goal.department):
            groups.setdefault((goal.department, goal.metric), []).append(goal)
    items = []
    for (department_id, metric_id), goals in sorted(groups.items()):
        metric = _metric(metrics, metric_id)
        start = period_start(metric.cadence, as_of)
        # The series' newest point is the newest reading on or before as-of (the one that counts
        # on its date): due when it is older than the current period.
        line = lines.line(metric_id, department_id)
        if line and line.dates[-1] >= start:
            continue
        if line:
            overdue = line.dates[-1] < previous_period_start(metric.cadence, start)
        else:
            overdue = min(g.start for g in goals) < start
        items.append(
            DueItem(
                metric=metric,
                department=_department(departments, department_id),
                goals=goals,
                last=line.point(-1) if line else None,
                period_start=start,
                due_by=next_period_start(metric.cadence, start) - timedelta(days=1),
                overdue=overdue,
            )
        )
    return items


def for_department(card: Scorecard, department: str | None) -> Scorecard:
    """The scorecard as one department reads it: its goals, its card and the findings that involve
    it; the shared objectives and the company index stay whole. None: the whole scorecard."""
    if department is None:
        return card
    return card.model_copy(update={
        "goals": [g for g in card.goals if g.goal.department == department],
        "departments": [d for d in card.departments if d.department.id == department],
        "findings": [f for f in card.findings if department in f.departments],
    })


def confidence_disagrees(status: Status, confidence: int | None) -> bool:
    """The lead's confidence and the pacing say opposite things: on track with a confidence of 4 or
    less, or off track with 8 or more. What the meeting should talk about."""
    if confidence is None:
        return False
    return (status == "on_track" and confidence <= 4) or (status == "off_track" and confidence >= 8)


def company_parts(card: Scorecard) -> dict[str, float | None]:
    """Each alignment part's mean over the departments that have it (the company index is the mean
    of the departments' indexes); None where no department has the part."""
    parts: dict[str, float | None] = {}
    for name in ("goals", "incentives", "delivery", "conflicts"):
        values = [v for v in (getattr(d.alignment, name) for d in card.departments) if v is not None]
        parts[name] = sum(values) / len(values) if values else None
    return parts


# --- what changed ---------------------------------------------------------------------------------


def compare(before: Scorecard, after: Scorecard) -> list[GoalChange]:
    earlier = {c.goal.id: c for c in before.goals}
    changes = []
    for card in after.goals:
        old = earlier.get(card.goal.id)
        old_status: Status = old.status if old else "no_data"
        old_latest = old.latest if old else None
        new_readings = [p for p in card.trend if p.date > before.as_of]
        if old_status == card.status and old_latest == card.latest and not new_readings:
            continue
        rank_change = STATUS_RANK[card.status] - STATUS_RANK[old_status]
        changes.append(
            GoalChange(
                goal_id=card.goal.id,
                department=card.goal.department,
                title=card.goal.title,
                before=old_status,
                after=card.status,
                move="up" if rank_change > 0 else "down" if rank_change < 0 else "same",
                new_readings=new_readings,
                before_latest=old_latest,
                after_latest=card.latest,
            )
        )
    return changes


# --- records the engine or today's bounds cannot take ---------------------------------------------


def engine_problems(snapshot: Snapshot, as_of: date | None = None, *,
                    readings: Iterable[Reading] | None = None) -> list[str]:
    """One line per record that needs a person's attention, for `cxtui doctor`:

    - a record that an input bound added after it was stored refuses (dates outside FIRST_DAY..
      LAST_DAY, numbers beyond MAX_MAGNITUDE, invisible characters, huge id numbers). The store
      still reads it and the engine copes with it; an edit of it must fix it first.
    - a record on which the scorecard or the conflict rules fail. That is a bug, but naming the
      record tells the lead what to fix or delete until it is mended.

    `readings`: the readings to hold to the bounds, when not the snapshot's (the store's doctor
    checks every reading's in its own pass over the files, so `cxtui doctor` gives none).
    """
    every = itertools.chain(_records(snapshot), snapshot.readings if readings is None else readings)
    problems = [f"{entity_name(r)} {r.id}: {m}" for r in every for m in _bound_problems(r)]
    day = as_of or date.today()
    if _engine_error(snapshot, day) is None:
        return problems
    # Something fails: run the engine on each goal and objective alone, with the snapshot's
    # readings, to name the ones it fails on.
    alone = dict(snapshot)
    for record in [*snapshot.goals, *snapshot.objectives, *snapshot.incentives]:
        table = {Goal: "goals", Objective: "objectives", Incentive: "incentives"}[type(record)]
        one = Snapshot.model_construct(**{**alone, "goals": [], "objectives": [], "incentives": [],
                                          "flags": [], "dismissals": [], table: [record]})
        error = _engine_error(one, day)
        if error is not None:
            problems.append(f"{entity_name(record)} {record.id}: the scorecard fails on it ({error})")
    if not any("scorecard fails" in p for p in problems):
        problems.append(f"the scorecard fails on this store ({_engine_error(snapshot, day)})")
    return problems


def _records(snapshot: Snapshot) -> Iterable[Record]:
    """Every record but the readings (engine_problems takes those apart)."""
    yield from (*snapshot.departments, *snapshot.metrics, *snapshot.objectives, *snapshot.goals,
                *snapshot.incentives, *snapshot.tensions, *snapshot.flags, *snapshot.dismissals,
                *snapshot.links, *snapshot.initiatives)


def _bound_problems(record: Record) -> list[str]:
    if isinstance(record, Reading):
        # A full validation of each of a million readings takes seconds: check what a bound covers.
        doc = {"value": record.value, "date": record.date.isoformat(), "note": record.note}
        return [line for _, line in reading_bound_problems([doc])]
    try:
        type(record).model_validate(record.model_dump(mode="json"))
    except ValidationError as exc:
        return describe_errors(exc)
    return []


def _engine_error(snapshot: Snapshot, day: date) -> str | None:
    try:
        card = build_scorecard(snapshot, as_of=day)
        card.model_dump_json()
        due(snapshot, day)
    except Exception as exc:  # any failure is what this looks for; it is reported, not raised
        return f"{type(exc).__name__}: {exc}"
    return None
