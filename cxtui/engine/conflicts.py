"""Silo-conflict detection: seven pure rules over a snapshot, each finding explaining itself.

Definitions, made exact (this is the reference; the README and docs/cli.md summarise it):
- A *push* is an active goal (see `cxtui.engine.standings.is_active`) moving its metric in the goal's
  direction, or an incentive with weight above 0 rewarding its metric in its direction.
  Incentives count as pushes because paying for a move pushes as hard as a goal does.
- opposed_targets (high): two pushes from *different* departments on the same metric in opposite
  directions. When a stay_above/stay_below guard meets another goal, they conflict only if the
  targets cannot both hold (an "up" target above a "down" target), since a guard does not push.
- tension (medium): two pushes from different departments on the two metrics of a tension
  (`cxtui.engine.tensions.effective_tensions`) where the first push's knock-on move of the second metric
  (per the pair's coupling) is opposite to the way the second push wants it.
- incentive_against_objective (high): a paying incentive rewards an objective's metric in the
  direction opposite to the metric's better direction (what the objective needs), or rewards a
  metric in tension with it in the direction whose knock-on moves it the wrong way.
- inward_incentive (medium): a paying incentive whose metric is not customer-centric, is not the
  metric of any objective and is in no tension with an objective's metric.
- silo_goal (low): an active goal that names no existing objective.
- evidence_against (medium): a push moves a metric that drives, through a chain of declared links
  (`Link`), a shared objective's metric the way the objective needs (each negative link turns the
  move around), but the readings contradict one link of that chain (`cxtui.engine.evidence`): for the
  pushing department's pair of series, or the company level's when the department has none. The
  push is expected to help the customer through an arrow the data says points the other way.
- local_win_customer_loss (medium): every active goal of a department supporting an objective is
  on_track or achieved, while the objective is off_track or missed, or is falling: not achieved
  and its last reading moved against its metric's better direction.

Ids are `rule:` + the sorted ids involved joined by `~` (record ids allow no `+`), e.g.
`opposed_targets:G-3~G-7`; local win uses the objective and department ids; evidence_against the
push's, the objective's and the contradicted link's. Ids longer than a
record id allows are cut and end in a hash of the full id. `fingerprint` hashes the full record
(version and content) of every goal, incentive, objective, metric, tension and link a finding names;
a dismissal hides a finding only while its fingerprint matches. Content, not just versions: stored
dismissals hold fingerprints made this way, and records built outside the store carry version 0.
Each record is serialised once per detection however many findings name it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict

from cxtui.engine.chain import LinkRow, link_rows, series_of
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
from cxtui.engine.standings import (
    Standing,
    Standings,
    goal_direction,
    is_active,
    is_falling,
    is_guard,
)
from cxtui.engine.tensions import effective_tensions, knock_on, other_metric

SEVERITY_RANK: dict[str, int] = {"high": 0, "medium": 1, "low": 2}

_MAX_ID = 80


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
class _Push:
    """A goal or a paying incentive moving a metric one way."""

    department: str
    metric: str
    direction: Direction
    goal: Goal | None = None
    incentive: Incentive | None = None

    @property
    def id(self) -> str:
        return self.goal.id if self.goal else self.incentive.id  # type: ignore[union-attr]


class _Context:
    def __init__(self, snapshot: Snapshot, as_of: date, standings: Standings | None = None,
                 link_evidence: list[LinkRow] | None = None) -> None:
        self.as_of = as_of
        self.departments: dict[str, Department] = {d.id: d for d in snapshot.departments}
        self.metrics: dict[str, Metric] = {m.id: m for m in snapshot.metrics}
        self.objectives: dict[str, Objective] = {o.id: o for o in sorted(snapshot.objectives, key=_by_id)}
        self.goals = sorted((g for g in snapshot.goals if is_active(g, as_of)), key=_by_id)
        self.incentives = sorted((i for i in snapshot.incentives if i.weight > 0), key=_by_id)
        self.tensions = effective_tensions(snapshot)
        self._tensions_of: dict[str, list[Tension]] = {}
        for pair in self.tensions:
            for metric_id in dict.fromkeys((pair.a, pair.b)):
                self._tensions_of.setdefault(metric_id, []).append(pair)
        # Readings are only read through the standings: the scorecard passes its own, so the
        # series and standings it computed are not computed again here.
        self.standings = standings if standings is not None else Standings(snapshot, as_of)
        self.links = sorted(snapshot.links, key=_by_id)
        self._evidence: dict[str, list[LinkRow]] | None = None
        self._link_rows = link_evidence
        self._readings = snapshot.readings
        self.pushes = [_Push(g.department, g.metric, goal_direction(g), goal=g) for g in self.goals] + [
            _Push(i.department, i.metric, i.direction, incentive=i) for i in self.incentives
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


def _by_id(record: Goal | Incentive | Objective | Link) -> str:
    return record.id


def _num(value: float) -> str:
    return f"{value:g}"


def _percent(share: float) -> str:
    return f"{round(share * 100, 1):g}%"


def finding_id(rule: str, ids: list[str]) -> str:
    full = f"{rule}:" + "~".join(sorted(set(ids)))
    if len(full) <= _MAX_ID:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:8]
    return full[: _MAX_ID - len(digest) - 1] + "~" + digest


def fingerprint(records: list[Record]) -> str:
    return _fingerprint_of([_fingerprint_part(r) for r in records])


# Fields a record gained after dismissals began storing fingerprints: left out while unset, so
# that a dismissal made before still matches the record it hid.
_ADDED_LATER: dict[str, tuple[str, ...]] = {"metric": ("perspective",)}


def _fingerprint_part(record: Record) -> tuple[tuple[str, str], str]:
    """A record's entry in a fingerprint: its sort key and its JSON text."""
    key = (entity_name(record), record.id)
    dumped = record.model_dump(mode="json")
    for name in _ADDED_LATER.get(key[0], ()):
        if dumped.get(name) is None:
            del dumped[name]
    entry = [*key, dumped]
    return key, json.dumps(entry, sort_keys=True, separators=(",", ":"), default=str)


def _fingerprint_of(parts: list[tuple[tuple[str, str], str]]) -> str:
    # The same text as json.dumps of the sorted list of entries (a list's JSON is its items' JSON
    # joined by commas), so fingerprints stored in dismissals before still match. The sort is
    # stable, like the sort of the entries by their first two items was.
    text = "[" + ",".join(part for _, part in sorted(parts, key=lambda p: p[0])) + "]"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- plain-language pieces ------------------------------------------------------------------------


def _goal_need(ctx: _Context, goal: Goal) -> str:
    label = ctx.metric_label(goal.metric)
    if goal.kind == "stay_above":
        return f"{label} to stay at or above {_num(goal.target)}"
    if goal.kind == "stay_below":
        return f"{label} to stay at or below {_num(goal.target)}"
    return f"{label} {goal_direction(goal)} from {_num(goal.baseline)} to {_num(goal.target)}"


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _goal_phrase(ctx: _Context, goal: Goal) -> str:
    return f"{_possessive(ctx.dept_name(goal.department))} goal {goal.id} '{goal.title}'"


def _push_phrase(ctx: _Context, push: _Push) -> str:
    if push.goal is not None:
        return f"{_goal_phrase(ctx, push.goal)} needs {_goal_need(ctx, push.goal)}"
    incentive = push.incentive
    assert incentive is not None
    return (
        f"{ctx.dept_name(incentive.department)} pays {_percent(incentive.weight)} of its variable pay "
        f"through '{incentive.title}' on {ctx.metric(incentive.metric).name} "
        f"({incentive.metric}, {incentive.direction})"
    )


def _objective_phrase(ctx: _Context, objective: Objective) -> str:
    return f"the shared objective {objective.id} '{objective.title}'"


def _because(tension: Tension) -> str:
    if not tension.why:
        return "and the two are declared in tension."
    end = "" if tension.why.endswith((".", "!", "?")) else "."
    return f"and the two trade off: {tension.why}{end}"


# --- the rules ------------------------------------------------------------------------------------


def _make(
    ctx: _Context,
    rule: str,
    explanation: str,
    *,
    departments: Sequence[str],
    goals: Sequence[Goal] = (),
    incentives: Sequence[Incentive] = (),
    objectives: Sequence[Objective] = (),
    tensions: Sequence[Tension] = (),
    links: Sequence[Link] = (),
    id_parts: Sequence[str] | None = None,
) -> Finding:
    metric_ids = sorted(
        {g.metric for g in goals} | {i.metric for i in incentives} | {o.metric for o in objectives}
    )
    named: list[Record] = [*goals, *incentives, *objectives, *tensions, *links]
    named += [ctx.metrics[m] for m in metric_ids if m in ctx.metrics]
    ids = id_parts if id_parts is not None else [r.id for r in (*goals, *incentives, *objectives)]
    return Finding(
        id=finding_id(rule, ids),
        rule=rule,
        severity=RULE_OF[rule].severity,
        title=RULE_OF[rule].title,
        departments=sorted(set(departments)),
        goals=sorted({g.id for g in goals}),
        incentives=sorted({i.id for i in incentives}),
        metrics=metric_ids,
        objectives=sorted({o.id for o in objectives}),
        tensions=sorted({t.id for t in tensions}),
        links=sorted({k.id for k in links}),
        explanation=explanation,
        fingerprint=ctx.fingerprint(named),
    )


def _parts(pushes: tuple[_Push, _Push]) -> dict[str, list]:
    return {
        "departments": [p.department for p in pushes],
        "goals": [p.goal for p in pushes if p.goal],
        "incentives": [p.incentive for p in pushes if p.incentive],
    }


def _guard_allows(first: _Push, second: _Push) -> bool:
    """Opposite pushes where a guard meets a goal: both hold when the "up" target is not above the
    "down" one. A guard does not push, so a goal that stays on its side is no conflict."""
    if not (first.goal and second.goal and (is_guard(first.goal) or is_guard(second.goal))):
        return False
    up, down = (first.goal, second.goal) if first.direction == "up" else (second.goal, first.goal)
    return up.target <= down.target


def _pairs(pushes: list[_Push]) -> Iterator[tuple[_Push, _Push]]:
    ordered = sorted(pushes, key=lambda p: p.id)
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            if first.department != second.department:
                yield first, second


def _same_metric_pairs(pushes: list[_Push]) -> Iterator[tuple[_Push, _Push]]:
    """The pairs of `_pairs` whose pushes are on the same metric, in the same order, without
    trying every pair of pushes (hundreds of goals make tens of thousands of pairs)."""
    ordered = sorted(pushes, key=lambda p: p.id)
    groups: dict[str, list[_Push]] = {}
    positions = []
    for push in ordered:
        group = groups.setdefault(push.metric, [])
        positions.append(len(group))
        group.append(push)
    for first, position in zip(ordered, positions):
        for second in groups[first.metric][position + 1 :]:
            if first.department != second.department:
                yield first, second


def opposed_targets(ctx: _Context) -> list[Finding]:
    findings = []
    for first, second in _same_metric_pairs(ctx.pushes):
        if first.direction == second.direction:
            continue
        if _guard_allows(first, second):
            continue
        explanation = (
            f"{_push_phrase(ctx, first)} while {_push_phrase(ctx, second)}: "
            f"they pull {ctx.metric_label(first.metric)} in opposite directions."
        )
        findings.append(_make(ctx, "opposed_targets", explanation, **_parts((first, second))))
    return findings


def tension(ctx: _Context) -> list[Finding]:
    findings = []
    for pair in ctx.tensions:
        pushes = [p for p in ctx.pushes if p.metric in (pair.a, pair.b)]
        for first, second in _pairs(pushes):
            if first.metric == second.metric:
                continue
            if knock_on(pair, ctx.metrics, first.direction) == second.direction:
                continue
            explanation = f"{_push_phrase(ctx, first)} while {_push_phrase(ctx, second)}, {_because(pair)}"
            findings.append(_make(ctx, "tension", explanation, tensions=[pair], **_parts((first, second))))
    return findings


def incentive_against_objective(ctx: _Context) -> list[Finding]:
    findings = []
    for incentive in ctx.incentives:
        push = _Push(incentive.department, incentive.metric, incentive.direction, incentive=incentive)
        for objective in ctx.objectives.values():
            need = ctx.better(objective.metric)
            need_phrase = (
                f"{_objective_phrase(ctx, objective)} needs {ctx.metric_label(objective.metric)} {need} "
                f"(target {_num(objective.target)} by {objective.deadline.isoformat()})"
            )
            if incentive.metric == objective.metric:
                if incentive.direction != need:
                    explanation = f"{_push_phrase(ctx, push)}, but {need_phrase}."
                    findings.append(
                        _make(
                            ctx,
                            "incentive_against_objective",
                            explanation,
                            departments=[incentive.department],
                            incentives=[incentive],
                            objectives=[objective],
                        )
                    )
                continue
            for pair in ctx.tensions_of(incentive.metric):
                if other_metric(pair, incentive.metric) != objective.metric:
                    continue
                if knock_on(pair, ctx.metrics, incentive.direction) == need:
                    continue
                explanation = f"{_push_phrase(ctx, push)}, but {need_phrase}, {_because(pair)}"
                findings.append(
                    _make(
                        ctx,
                        "incentive_against_objective",
                        explanation,
                        departments=[incentive.department],
                        incentives=[incentive],
                        objectives=[objective],
                        tensions=[pair],
                    )
                )
    return findings


def inward_incentive(ctx: _Context) -> list[Finding]:
    objective_metrics = {o.metric for o in ctx.objectives.values()}
    findings = []
    for incentive in ctx.incentives:
        if ctx.metric(incentive.metric).customer_centric or incentive.metric in objective_metrics:
            continue
        linked = {other_metric(t, incentive.metric) for t in ctx.tensions_of(incentive.metric)}
        if linked & objective_metrics:
            continue
        push = _Push(incentive.department, incentive.metric, incentive.direction, incentive=incentive)
        explanation = (
            f"{_push_phrase(ctx, push)}, a metric that is not customer-centric, measures no shared "
            f"objective and is in no declared tension with one."
        )
        findings.append(
            _make(
                ctx,
                "inward_incentive",
                explanation,
                departments=[incentive.department],
                incentives=[incentive],
            )
        )
    return findings


def silo_goal(ctx: _Context) -> list[Finding]:
    findings = []
    for goal in ctx.goals:
        if any(o in ctx.objectives for o in goal.objectives):
            continue
        explanation = (
            f"{_goal_phrase(ctx, goal)} on {ctx.metric_label(goal.metric)} supports no shared objective."
        )
        unknown = [o for o in goal.objectives if o not in ctx.objectives]
        if unknown:
            explanation += f" It names {', '.join(unknown)}, which is not a shared objective."
        findings.append(_make(ctx, "silo_goal", explanation, departments=[goal.department], goals=[goal]))
    return findings


def _objective_trouble(ctx: _Context, objective: Objective, standing: Standing) -> str | None:
    """Why the objective is in trouble, or None when it is not."""
    label = ctx.metric_label(objective.metric)
    latest = standing.latest
    if latest is None:
        return None
    if standing.status == "missed":
        return (
            f"is missed: {label} stood at {_num(latest.value)} on {latest.date.isoformat()} against a target "
            f"of {_num(objective.target)} due {objective.deadline.isoformat()}"
        )
    if standing.status == "off_track":
        return (
            f"is off track: {label} at {_num(latest.value)} on {latest.date.isoformat()} is "
            f"{_percent(standing.progress or 0)} of the way to {_num(objective.target)} with "
            f"{_percent(standing.expected)} of the time gone"
        )
    if standing.status != "achieved" and is_falling(standing, ctx.better(objective.metric)):
        previous = standing.previous
        assert previous is not None
        return (
            f"is falling: {label} moved from {_num(previous.value)} on {previous.date.isoformat()} to "
            f"{_num(latest.value)} on {latest.date.isoformat()}, away from its target of {_num(objective.target)}"
        )
    return None


def local_win_customer_loss(ctx: _Context) -> list[Finding]:
    findings = []
    for objective in ctx.objectives.values():
        trouble = _objective_trouble(ctx, objective, ctx.objective_standing(objective))
        if trouble is None:
            continue
        by_department: dict[str, list[Goal]] = {}
        for goal in ctx.goals:
            if objective.id in goal.objectives:
                by_department.setdefault(goal.department, []).append(goal)
        for department, goals in sorted(by_department.items()):
            statuses = [ctx.goal_standing(g).status for g in goals]
            if not all(s in ("on_track", "achieved") for s in statuses):
                continue
            listed = ", ".join(f"{g.id} '{g.title}'" for g in goals)
            explanation = (
                f"Every {ctx.dept_name(department)} goal supporting {_objective_phrase(ctx, objective)} is on "
                f"track or achieved ({listed}), yet the objective {trouble}."
            )
            findings.append(
                _make(
                    ctx,
                    "local_win_customer_loss",
                    explanation,
                    departments=[department],
                    goals=goals,
                    objectives=[objective],
                    id_parts=[objective.id, department],
                )
            )
    return findings


_MOVED = {"up": "rose", "down": "fell"}
_PERIODS = {"weekly": "weeks", "monthly": "months", "quarterly": "quarters"}
_FLIP: dict[str, Direction] = {"up": "down", "down": "up"}


def _chains(links: list[Link], start: str, move: Direction) -> Iterator[list[tuple[Link, Direction]]]:
    """Every path of links from `start`, each link with the way its driver is moved; links form no
    cycle (the store refuses one), so the walk ends."""
    for link in links:
        if link.driver == start:
            step = [(link, move)]
            yield step
            after: Direction = move if link.sign == "positive" else _FLIP[move]
            for rest in _chains(links, link.outcome, after):
                yield step + rest


def _when(row: LinkRow) -> str:
    periods = _PERIODS[row.cadence]
    if row.lag == 0:
        return f"in the {periods} when"
    return f"{row.lag} {periods if row.lag > 1 else periods[:-1]} after"


def _p_text(p: float | None) -> str:
    return "p < 0.001" if p is not None and p < 0.001 else f"p = {p:.3f}"


def _measured_for(rows: list[LinkRow], department: str) -> LinkRow | None:
    """The pair measuring the department's own series, else the company level's."""
    by_department = {r.department: r for r in rows}
    return by_department.get(department) or by_department.get(None)


def evidence_against(ctx: _Context) -> list[Finding]:
    findings = []
    for push in ctx.pushes:
        # (contradicted link, the push's move of its driver) -> the objectives the push hopes to help
        hoped: dict[tuple[str, Direction], tuple[Link, LinkRow, list[Objective]]] = {}
        for chain in _chains(ctx.links, push.metric, push.direction):
            last, moved = chain[-1]
            arrives: Direction = moved if last.sign == "positive" else _FLIP[moved]
            for objective in ctx.objectives.values():
                if last.outcome != objective.metric or arrives != ctx.better(objective.metric):
                    continue
                for link, driver_move in chain:
                    row = _measured_for(ctx.evidence(link), push.department)
                    if row is not None and row.verdict == "contradicted" and row.rho is not None:
                        entry = hoped.setdefault((link.id, driver_move), (link, row, []))
                        if objective not in entry[2]:
                            entry[2].append(objective)
        for (_, driver_move), (link, row, objectives) in sorted(hoped.items()):
            expected: Direction = driver_move if link.sign == "positive" else _FLIP[driver_move]
            driver, outcome = ctx.metric(link.driver).name, ctx.metric(link.outcome).name
            where = "the company's" if row.department is None else f"{ctx.dept_name(row.department)}'s"
            objectives.sort(key=_by_id)
            helped = ", ".join(f"{o.id} '{o.title}'" for o in objectives)
            explanation = (
                f"{_push_phrase(ctx, push)}, expecting it to help the shared "
                f"objective{'s' if len(objectives) > 1 else ''} {helped} through the declared link "
                f"{link.driver} -> {link.outcome}; but over "
                f"{row.n} {_PERIODS[row.cadence]} of {where} readings ({row.first}..{row.last}) {outcome} "
                f"{_MOVED[_FLIP[expected]]} {_when(row)} {driver} {_MOVED[driver_move]} "
                f"(ρ = {row.rho:.2f}, n = {row.n}, {_p_text(row.p)})."
            )
            parts = _parts((push, push))
            findings.append(_make(
                ctx, "evidence_against", explanation, departments=parts["departments"], goals=parts["goals"],
                incentives=parts["incentives"], objectives=objectives, links=[link], id_parts=[push.id, link.id],
            ))
    return findings


@dataclass(frozen=True)
class ConflictRule:
    """One silo-conflict rule: its name (the first part of its findings' ids), severity, the title its
    findings carry, and the function that finds them."""

    name: str
    severity: Severity
    title: str
    find: Callable[[_Context], list[Finding]]


# Every rule, once, in the order findings of one severity are listed.
CONFLICT_RULES: tuple[ConflictRule, ...] = (
    ConflictRule("opposed_targets", "high", "Opposed targets", opposed_targets),
    ConflictRule("tension", "medium", "Metrics in tension", tension),
    ConflictRule("incentive_against_objective", "high", "Incentive against a shared objective",
                 incentive_against_objective),
    ConflictRule("inward_incentive", "medium", "Inward-looking incentive", inward_incentive),
    ConflictRule("silo_goal", "low", "Silo goal", silo_goal),
    ConflictRule("local_win_customer_loss", "medium", "Local win, customer loss", local_win_customer_loss),
    ConflictRule("evidence_against", "medium", "Pushing a lever the data contradicts", evidence_against),
)
RULE_OF: dict[str, ConflictRule] = {rule.name: rule for rule in CONFLICT_RULES}
RULES: tuple[str, ...] = tuple(RULE_OF)


def detect_all(snapshot: Snapshot, as_of: date, *, standings: Standings | None = None,
               link_evidence: list[LinkRow] | None = None) -> list[Finding]:
    """Every finding, dismissed ones marked `dismissed=True`; high severity first, then by id.

    `standings` (for `snapshot` at `as_of`) and `link_evidence` (`link_rows` of its links) let a
    caller that has them share them."""
    ctx = _Context(snapshot, as_of, standings, link_evidence)
    dismissed = {(d.finding, d.fingerprint) for d in snapshot.dismissals}
    findings = [f for rule in CONFLICT_RULES for f in rule.find(ctx)]
    findings = [
        f.model_copy(update={"dismissed": True}) if (f.id, f.fingerprint) in dismissed else f
        for f in findings
    ]
    return sorted(findings, key=lambda f: (SEVERITY_RANK[f.severity], RULES.index(f.rule), f.id))


def detect(snapshot: Snapshot, as_of: date) -> list[Finding]:
    """Active findings only: those no current dismissal hides."""
    return [f for f in detect_all(snapshot, as_of) if not f.dismissed]
