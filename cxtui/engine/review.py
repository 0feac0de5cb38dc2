"""The quarterly review pack: what changed over a period, per department, in lines a lead can paste
into the quarterly deck.

Pure: the scorecard at the start of the period, the scorecard at its end and the flags in, lines
out. Over the period `(since, as_of]`:

- `achieved` / `missed`: a goal whose deadline fell in the period, with its status at the end
  (an exceeded goal is achieved, its `after` saying exceeded);
- `status`: any other goal (or, at company level, shared objective) whose status moved, before ->
  after; a goal that did not exist at the start moves from "new";
- `finding_raised` / `finding_cleared`: a finding detected at the end and not at the start, or the
  other way round (once per department it involves);
- `flag_raised` / `flag_resolved`: a flag raised, or marked resolved, in the period;
- `decision` / `action_opened` / `action_closed`: a decision recorded, an action item opened, or an
  item closed (done or dropped, with its note) in the period.

Goals, links and flags are taken as they stand at the end: the review compares the readings' story
at two dates, not the history of each record's edits (that is `cxtui history`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cxtui.engine.scorecard import Scorecard
from cxtui.models import ActionItem, Flag

Kind = Literal["achieved", "missed", "status", "finding_raised", "finding_cleared", "flag_raised", "flag_resolved",
               "decision", "action_opened", "action_closed"]
KINDS: tuple[str, ...] = ("achieved", "missed", "status", "finding_raised", "finding_cleared", "flag_raised",
                          "flag_resolved", "decision", "action_opened", "action_closed")
COLUMNS = ("department", "department_name", "kind", "record", "title", "before", "after", "detail")


class ReviewLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    department: str | None  # None: the company (shared objectives)
    department_name: str
    kind: Kind
    record: str
    title: str
    before: str | None = None
    after: str | None = None
    detail: str = ""


def _in(day: date, since: date, as_of: date) -> bool:
    return since < day <= as_of


def review(before: Scorecard, after: Scorecard, flags: Iterable[Flag],
           actions: Iterable[ActionItem] = ()) -> list[ReviewLine]:
    """What changed from `before.as_of` to `after.as_of`, per department (company lines first,
    then departments in the scorecard's order), in the order of `KINDS` within each."""
    since, as_of = before.as_of, after.as_of
    if since > as_of:
        raise ValueError(f"the review's start {since.isoformat()} is after its end {as_of.isoformat()}")
    names = {card.department.id: card.department.name for card in after.departments}
    order = {department: i for i, department in enumerate(names)}
    lines: list[ReviewLine] = []

    def line(department: str | None, kind: Kind, record: str, title: str, **rest) -> None:
        name = "company" if department is None else names.get(department, department)
        lines.append(ReviewLine(department=department, department_name=name, kind=kind, record=record, title=title,
                                **rest))

    earlier = {card.goal.id: card for card in before.goals}
    for card in after.goals:
        goal = card.goal
        old = earlier.get(goal.id)
        was = old.status if old else "new"
        if _in(goal.deadline, since, as_of) and card.status in ("exceeded", "achieved", "missed"):
            latest = f"latest {card.latest.value:g} on {card.latest.date.isoformat()}, " if card.latest else ""
            line(goal.department, "missed" if card.status == "missed" else "achieved", goal.id, goal.title, before=was, after=card.status,
                 detail=f"{latest}target {goal.target:g} by {goal.deadline.isoformat()}")
        elif was != card.status:
            line(goal.department, "status", goal.id, goal.title, before=was, after=card.status)

    earlier_objectives = {card.objective.id: card for card in before.objectives}
    for card in after.objectives:
        old_card = earlier_objectives.get(card.objective.id)
        was = old_card.status if old_card else "new"
        if was != card.status:
            line(None, "status", card.objective.id, card.objective.title, before=was, after=card.status)

    then = {f.id: f for f in before.findings}
    now = {f.id: f for f in after.findings}
    for kind, found, gone in (("finding_raised", now, then), ("finding_cleared", then, now)):
        for finding_id, finding in found.items():
            if finding_id not in gone:
                for department in finding.departments:
                    line(department, kind, finding_id, finding.title, detail=finding.explanation)

    for flag in flags:
        raised = flag.raised_at.date()
        if _in(raised, since, as_of):
            for department in flag.departments:
                line(department, "flag_raised", flag.id, flag.title, detail=f"raised by {flag.raised_by} on {raised}")
        resolved = [e for e in flag.history if e.status == "resolved" and _in(e.at.date(), since, as_of)]
        if resolved and flag.status == "resolved":
            event = resolved[-1]
            note = f": {event.note}" if event.note else ""
            for department in flag.departments:
                line(department, "flag_resolved", flag.id, flag.title,
                     detail=f"resolved by {event.by} on {event.at.date()}{note}")

    for item in actions:
        made = item.created_at.date()
        if _in(made, since, as_of):
            whose = f", owner {item.owner}" if item.owner else ""
            due = f", due {item.due.isoformat()}" if item.due else ""
            line(item.department, "decision" if item.kind == "decision" else "action_opened", item.id, item.text,
                 after="open", detail=f"by {item.created_by} on {made}{whose}{due}")
        if item.closed_at is not None and _in(item.closed_at.date(), since, as_of):
            note = f": {item.note}" if item.note else ""
            line(item.department, "action_closed", item.id, item.text, before="open", after=item.status,
                 detail=f"{item.status} by {item.closed_by} on {item.closed_at.date()}{note}")

    rank = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(lines, key=lambda x: (x.department is not None, order.get(x.department or "", len(order)),
                                        x.department or "", rank[x.kind], x.record))


def quarter_start(day: date) -> date:
    """The first day of `day`'s calendar quarter: the default start of a review."""
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
