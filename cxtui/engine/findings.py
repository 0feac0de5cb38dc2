"""Findings, the material the conflict rules work with: the `Finding` model, its id and
fingerprint, what a rule reads of a snapshot (`Context`: pushes, standings, tensions, link
evidence, each computed once per detection), and the phrases explanations are written in.
The rules themselves are in conflicts.py (see its docstring for the definitions)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict

from cxtui.engine.chain import LinkRow, link_rows, series_of
from cxtui.engine.standings import (
    Standing,
    Standings,
    goal_direction,
    is_active,
)
from cxtui.engine.tensions import effective_tensions
from cxtui.models import (
    Department,
    Direction,
    Goal,
    Incentive,
    Link,
    Metric,
    Objective,
    Record,
    Severity,
    Snapshot,
    Tension,
    entity_name,
)

SEVERITY_RANK: dict[str, int] = {"high": 0, "medium": 1, "low": 2}


MAX_ID = 80


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    rule: str  # one of RULES
    severity: Severity
    title: str
    departments: list[str]
    goals: list[str]
    incentives: list[str]
    metrics: list[str]
    objectives: list[str]
    tensions: list[str]
    links: list[str] = []
    explanation: str
    fingerprint: str
    dismissed: bool = False


@dataclass(frozen=True)
class Push:
    """A goal or a paying incentive moving a metric one way."""

    department: str
    metric: str
    direction: Direction
    goal: Goal | None = None
    incentive: Incentive | None = None

    @property
    def id(self) -> str:
        return self.goal.id if self.goal else self.incentive.id  # type: ignore[union-attr]


class Context:
    def __init__(self, snapshot: Snapshot, as_of: date, standings: Standings | None = None,
                 link_evidence: list[LinkRow] | None = None) -> None:
        self.as_of = as_of
        self.departments: dict[str, Department] = {d.id: d for d in snapshot.departments}
        self.metrics: dict[str, Metric] = {m.id: m for m in snapshot.metrics}
        self.objectives: dict[str, Objective] = {o.id: o for o in sorted(snapshot.objectives, key=by_id)}
        self.goals = sorted((g for g in snapshot.goals if is_active(g, as_of)), key=by_id)
        self.incentives = sorted((i for i in snapshot.incentives if i.weight > 0), key=by_id)
        self.tensions = effective_tensions(snapshot)
        self._tensions_of: dict[str, list[Tension]] = {}
        for pair in self.tensions:
            for metric_id in dict.fromkeys((pair.a, pair.b)):
                self._tensions_of.setdefault(metric_id, []).append(pair)
        # Readings are only read through the standings: the scorecard passes its own, so the
        # series and standings it computed are not computed again here.
        self.standings = standings if standings is not None else Standings(snapshot, as_of)
        self.links = sorted(snapshot.links, key=by_id)
        self._evidence: dict[str, list[LinkRow]] | None = None
        self._link_rows = link_evidence
        self._readings = snapshot.readings
        self.pushes = [Push(g.department, g.metric, goal_direction(g), goal=g) for g in self.goals] + [
            Push(i.department, i.metric, i.direction, incentive=i) for i in self.incentives
        ]
        # Each named record's part of a fingerprint, serialised once however many findings name it.
        self._fingerprint_parts: dict[int, tuple[Record, tuple[str, str], str]] = {}

    def metric(self, metric_id: str) -> Metric:
        return self.metrics.get(metric_id) or Metric(id=metric_id, name=metric_id)

    def dept_name(self, department_id: str) -> str:
        department = self.departments.get(department_id)
        return department.name if department else department_id

    def metric_label(self, metric_id: str) -> str:
        return f"{self.metric(metric_id).name} ({metric_id})"

    def better(self, metric_id: str) -> Direction:
        return self.metric(metric_id).direction

    def goal_standing(self, goal: Goal) -> Standing:
        return self.standings.goal(goal)

    def objective_standing(self, objective: Objective) -> Standing:
        return self.standings.objective(objective)[0]

    def evidence(self, link: Link) -> list[LinkRow]:
        """The link's measured pairs from the readings up to as_of, measured once per detection."""
        if self._evidence is None:
            rows = self._link_rows
            if rows is None:
                series = series_of(self._readings, self.as_of, {m for k in self.links for m in (k.driver, k.outcome)})
                rows = link_rows(self.links, self.metrics.values(), series)
            self._evidence = {}
            for row in rows:
                self._evidence.setdefault(f"{row.driver}:{row.outcome}", []).append(row)
        return self._evidence.get(link.id, [])

    def tensions_of(self, metric_id: str) -> list[Tension]:
        return self._tensions_of.get(metric_id, [])

    def fingerprint(self, records: list[Record]) -> str:
        """`fingerprint(records)`, with each record serialised once per detection."""
        parts = []
        for record in records:
            held = self._fingerprint_parts.get(id(record))
            if held is None or held[0] is not record:
                held = self._fingerprint_parts[id(record)] = (record, *_fingerprint_part(record))
            parts.append(held[1:])
        return _fingerprint_of(parts)


def by_id(record: Goal | Incentive | Objective | Link) -> str:
    return record.id


def num(value: float) -> str:
    return f"{value:g}"


def percent(share: float) -> str:
    return f"{round(share * 100, 1):g}%"


def finding_id(rule: str, ids: list[str]) -> str:
    full = f"{rule}:" + "~".join(sorted(set(ids)))
    if len(full) <= MAX_ID:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:8]
    return full[: MAX_ID - len(digest) - 1] + "~" + digest


def fingerprint(records: list[Record]) -> str:
    return _fingerprint_of([_fingerprint_part(r) for r in records])


# Fields a record gained after dismissals began storing fingerprints, with the value that means
# "unset" (what a record stored before has): left out while they hold it, so that a dismissal
# made before still matches the record it hid.
_ADDED_LATER: dict[str, dict[str, object]] = {
    "metric": {"perspective": None},
    "goal": {"risk_tolerance": None, "exceed_margin": None, "pacing": "linear", "milestones": []},
}


def _fingerprint_part(record: Record) -> tuple[tuple[str, str], str]:
    """A record's entry in a fingerprint: its sort key and its JSON text."""
    key = (entity_name(record), record.id)
    dumped = record.model_dump(mode="json")
    for name, unset in _ADDED_LATER.get(key[0], {}).items():
        if name in dumped and dumped[name] == unset:
            del dumped[name]
    entry = [*key, dumped]
    return key, json.dumps(entry, sort_keys=True, separators=(",", ":"), default=str)


def _fingerprint_of(parts: list[tuple[tuple[str, str], str]]) -> str:
    # The same text as json.dumps of the sorted list of entries (a list's JSON is its items' JSON
    # joined by commas), so fingerprints stored in dismissals before still match. The sort is
    # stable, like the sort of the entries by their first two items was.
    text = "[" + ",".join(part for _, part in sorted(parts, key=lambda p: p[0])) + "]"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def goal_need(ctx: Context, goal: Goal) -> str:
    label = ctx.metric_label(goal.metric)
    if goal.kind == "stay_above":
        return f"{label} to stay at or above {num(goal.target)}"
    if goal.kind == "stay_below":
        return f"{label} to stay at or below {num(goal.target)}"
    return f"{label} {goal_direction(goal)} from {num(goal.baseline)} to {num(goal.target)}"


def possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def goal_phrase(ctx: Context, goal: Goal) -> str:
    return f"{possessive(ctx.dept_name(goal.department))} goal {goal.id} '{goal.title}'"


def push_phrase(ctx: Context, push: Push) -> str:
    if push.goal is not None:
        return f"{goal_phrase(ctx, push.goal)} needs {goal_need(ctx, push.goal)}"
    incentive = push.incentive
    assert incentive is not None
    return (
        f"{ctx.dept_name(incentive.department)} pays {percent(incentive.weight)} of its variable pay "
        f"through '{incentive.title}' on {ctx.metric(incentive.metric).name} "
        f"({incentive.metric}, {incentive.direction})"
    )


def objective_phrase(ctx: Context, objective: Objective) -> str:
    return f"the shared objective {objective.id} '{objective.title}'"


def because(tension: Tension) -> str:
    if not tension.why:
        return "and the two are declared in tension."
    end = "" if tension.why.endswith((".", "!", "?")) else "."
    return f"and the two trade off: {tension.why}{end}"


def parts_of(pushes: tuple[Push, Push]) -> dict[str, list]:
    return {
        "departments": [p.department for p in pushes],
        "goals": [p.goal for p in pushes if p.goal],
        "incentives": [p.incentive for p in pushes if p.incentive],
    }
