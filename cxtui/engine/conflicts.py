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
  on_track, achieved or exceeded, while the objective is off_track or missed, or is falling: not achieved
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

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from cxtui.engine.chain import LinkRow
from cxtui.engine.findings import (
    SEVERITY_RANK,
    Context,
    Finding,
    Push,
    because,
    by_id,
    finding_id,
    goal_phrase,
    num,
    objective_phrase,
    parts_of,
    percent,
    push_phrase,
)
from cxtui.engine.standings import (
    Standing,
    Standings,
    is_falling,
    is_guard,
)
from cxtui.engine.tensions import knock_on, other_metric
from cxtui.models import (
    Direction,
    Goal,
    Incentive,
    Link,
    Objective,
    Record,
    Severity,
    Snapshot,
    Tension,
)

# --- plain-language pieces ------------------------------------------------------------------------


# --- the rules ------------------------------------------------------------------------------------



def make_finding(
    ctx: Context,
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


def _guard_allows(first: Push, second: Push) -> bool:
    """Opposite pushes where a guard meets a goal: both hold when the "up" target is not above the
    "down" one. A guard does not push, so a goal that stays on its side is no conflict."""
    if not (first.goal and second.goal and (is_guard(first.goal) or is_guard(second.goal))):
        return False
    up, down = (first.goal, second.goal) if first.direction == "up" else (second.goal, first.goal)
    return up.target <= down.target


def _pairs(pushes: list[Push]) -> Iterator[tuple[Push, Push]]:
    ordered = sorted(pushes, key=lambda p: p.id)
    for i, first in enumerate(ordered):
        for second in ordered[i + 1 :]:
            if first.department != second.department:
                yield first, second


def _same_metric_pairs(pushes: list[Push]) -> Iterator[tuple[Push, Push]]:
    """The pairs of `_pairs` whose pushes are on the same metric, in the same order, without
    trying every pair of pushes (hundreds of goals make tens of thousands of pairs)."""
    ordered = sorted(pushes, key=lambda p: p.id)
    groups: dict[str, list[Push]] = {}
    positions = []
    for push in ordered:
        group = groups.setdefault(push.metric, [])
        positions.append(len(group))
        group.append(push)
    for first, position in zip(ordered, positions):
        for second in groups[first.metric][position + 1 :]:
            if first.department != second.department:
                yield first, second


def opposed_targets(ctx: Context) -> list[Finding]:
    findings = []
    for first, second in _same_metric_pairs(ctx.pushes):
        if first.direction == second.direction:
            continue
        if _guard_allows(first, second):
            continue
        explanation = (
            f"{push_phrase(ctx, first)} while {push_phrase(ctx, second)}: "
            f"they pull {ctx.metric_label(first.metric)} in opposite directions."
        )
        findings.append(make_finding(ctx, "opposed_targets", explanation, **parts_of((first, second))))
    return findings


def tension(ctx: Context) -> list[Finding]:
    findings = []
    for pair in ctx.tensions:
        pushes = [p for p in ctx.pushes if p.metric in (pair.a, pair.b)]
        for first, second in _pairs(pushes):
            if first.metric == second.metric:
                continue
            if knock_on(pair, ctx.metrics, first.direction) == second.direction:
                continue
            explanation = f"{push_phrase(ctx, first)} while {push_phrase(ctx, second)}, {because(pair)}"
            findings.append(make_finding(ctx, "tension", explanation, tensions=[pair], **parts_of((first, second))))
    return findings


def incentive_against_objective(ctx: Context) -> list[Finding]:
    findings = []
    for incentive in ctx.incentives:
        push = Push(incentive.department, incentive.metric, incentive.direction, incentive=incentive)
        for objective in ctx.objectives.values():
            need = ctx.better(objective.metric)
            need_phrase = (
                f"{objective_phrase(ctx, objective)} needs {ctx.metric_label(objective.metric)} {need} "
                f"(target {num(objective.target)} by {objective.deadline.isoformat()})"
            )
            if incentive.metric == objective.metric:
                if incentive.direction != need:
                    explanation = f"{push_phrase(ctx, push)}, but {need_phrase}."
                    findings.append(
                        make_finding(
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
                explanation = f"{push_phrase(ctx, push)}, but {need_phrase}, {because(pair)}"
                findings.append(
                    make_finding(
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


def inward_incentive(ctx: Context) -> list[Finding]:
    objective_metrics = {o.metric for o in ctx.objectives.values()}
    findings = []
    for incentive in ctx.incentives:
        if ctx.metric(incentive.metric).customer_centric or incentive.metric in objective_metrics:
            continue
        linked = {other_metric(t, incentive.metric) for t in ctx.tensions_of(incentive.metric)}
        if linked & objective_metrics:
            continue
        push = Push(incentive.department, incentive.metric, incentive.direction, incentive=incentive)
        explanation = (
            f"{push_phrase(ctx, push)}, a metric that is not customer-centric, measures no shared "
            f"objective and is in no declared tension with one."
        )
        findings.append(
            make_finding(
                ctx,
                "inward_incentive",
                explanation,
                departments=[incentive.department],
                incentives=[incentive],
            )
        )
    return findings


def silo_goal(ctx: Context) -> list[Finding]:
    findings = []
    for goal in ctx.goals:
        if any(o in ctx.objectives for o in goal.objectives):
            continue
        explanation = (
            f"{goal_phrase(ctx, goal)} on {ctx.metric_label(goal.metric)} supports no shared objective."
        )
        unknown = [o for o in goal.objectives if o not in ctx.objectives]
        if unknown:
            explanation += f" It names {', '.join(unknown)}, which is not a shared objective."
        findings.append(make_finding(ctx, "silo_goal", explanation, departments=[goal.department], goals=[goal]))
    return findings


def _objective_trouble(ctx: Context, objective: Objective, standing: Standing) -> str | None:
    """Why the objective is in trouble, or None when it is not."""
    label = ctx.metric_label(objective.metric)
    latest = standing.latest
    if latest is None:
        return None
    if standing.status == "missed":
        return (
            f"is missed: {label} stood at {num(latest.value)} on {latest.date.isoformat()} against a target "
            f"of {num(objective.target)} due {objective.deadline.isoformat()}"
        )
    if standing.status == "off_track":
        return (
            f"is off track: {label} at {num(latest.value)} on {latest.date.isoformat()} is "
            f"{percent(standing.progress or 0)} of the way to {num(objective.target)} with "
            f"{percent(standing.expected)} of the time gone"
        )
    if standing.status != "achieved" and is_falling(standing, ctx.better(objective.metric)):
        previous = standing.previous
        assert previous is not None
        return (
            f"is falling: {label} moved from {num(previous.value)} on {previous.date.isoformat()} to "
            f"{num(latest.value)} on {latest.date.isoformat()}, away from its target of {num(objective.target)}"
        )
    return None


def local_win_customer_loss(ctx: Context) -> list[Finding]:
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
            if not all(s in ("on_track", "achieved", "exceeded") for s in statuses):
                continue
            listed = ", ".join(f"{g.id} '{g.title}'" for g in goals)
            explanation = (
                f"Every {ctx.dept_name(department)} goal supporting {objective_phrase(ctx, objective)} is on "
                f"track or achieved ({listed}), yet the objective {trouble}."
            )
            findings.append(
                make_finding(
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


def evidence_against(ctx: Context) -> list[Finding]:
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
            objectives.sort(key=by_id)
            helped = ", ".join(f"{o.id} '{o.title}'" for o in objectives)
            explanation = (
                f"{push_phrase(ctx, push)}, expecting it to help the shared "
                f"objective{'s' if len(objectives) > 1 else ''} {helped} through the declared link "
                f"{link.driver} -> {link.outcome}; but over "
                f"{row.n} {_PERIODS[row.cadence]} of {where} readings ({row.first}..{row.last}) {outcome} "
                f"{_MOVED[_FLIP[expected]]} {_when(row)} {driver} {_MOVED[driver_move]} "
                f"(ρ = {row.rho:.2f}, n = {row.n}, {_p_text(row.p)})."
            )
            parts = parts_of((push, push))
            findings.append(make_finding(
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
    find: Callable[[Context], list[Finding]]


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
    ctx = Context(snapshot, as_of, standings, link_evidence)
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
