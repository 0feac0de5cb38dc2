"""What `cxtui export WHAT` writes: a header and rows for each exportable table.

The data tables use the columns of `table_columns` (so an export imports back unchanged); the scorecard,
conflicts and the audit trail are reports with their own columns. Cells are raw Python values;
`csv_files` turns them into safe CSV text.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from typing import Any

import orjson

from cxtui.exchange.table_columns import TABLES
from cxtui.models import Department, Goal, Incentive, Initiative, Link, Metric, Objective, Tension

# Which exports the --dept and --as-of filters mean something for.
BY_DEPARTMENT = frozenset({"scorecard", "readings", "goals", "incentives", "departments", "conflicts"})
AS_OF = frozenset({"scorecard", "readings", "conflicts", "audit", "all"})  # all: a workbook (workbook.py)

SCORECARD_COLUMNS = [
    "department", "goal", "title", "metric", "kind", "baseline", "target", "latest", "latest_date",
    "progress_pct", "expected_pct", "status", "stale", "trend_delta", "objectives", "open_findings",
]
CONFLICT_COLUMNS = [
    "kind", "id", "rule", "severity", "status", "title", "departments", "goals", "incentives", "metrics",
    "objectives", "explanation",
]
# `digest`: what the entry of a created reading holds instead of `after` (see AuditEntry.digest).
AUDIT_COLUMNS = ["at", "by", "real_user", "action", "entity", "entity_id", "tx", "id", "before", "after", "digest"]

_MODELS = {
    "departments": Department, "metrics": Metric, "objectives": Objective, "goals": Goal,
    "incentives": Incentive, "tensions": Tension, "links": Link, "initiatives": Initiative,
}

Rows = tuple[list[str], Iterable[Sequence[Any]]]


def export_rows(store, what: str, *, dept: str | None = None, as_of: date | None = None) -> Rows:
    """Header and rows of `what`. `dept` is a department id; the caller checks it applies."""
    if what == "scorecard":
        return SCORECARD_COLUMNS, scorecard_rows(store, dept=dept, as_of=as_of)
    if what == "conflicts":
        return CONFLICT_COLUMNS, conflict_rows(store, dept=dept, as_of=as_of)
    if what == "audit":
        return AUDIT_COLUMNS, _audit_rows(store, as_of)
    table = TABLES[what]
    if what == "readings":
        from cxtui.store import ANY_DEPARTMENT

        # A whole history: rows straight from the store, without a Reading model each; for every
        # department, from columns built in C (a million readings: about 5 s the row way).
        months = None if dept else store.reading_columns(table.columns, end=as_of)
        if months is None:
            return list(table.columns), store.reading_rows(table.columns, department=dept or ANY_DEPARTMENT, end=as_of)
        return list(table.columns), itertools.chain.from_iterable(zip(*columns) for columns in months)
    records = store.list(_MODELS[what])
    if dept and what == "departments":
        records = [r for r in records if r.id == dept]
    elif dept:
        records = [r for r in records if r.department == dept]
    return list(table.columns), (table.row(r) for r in records)


def reading_csv(store, *, as_of: date | None = None, excel: bool = False, helper: bool = False,
                ) -> tuple[Iterator[bytes], Callable[[], int]]:
    """Every reading (dated up to `as_of`) as CSV, the bytes of `export readings` without --dept,
    made a month at a time from the store's columns (see Store.reading_month_texts; `helper`: let a
    forked copy of this process make the later months), and a function that tells how many rows
    were written, once the bytes have all been taken."""
    from cxtui.exchange.csv_files import block_text, header_line, ordered_text

    columns = list(TABLES["readings"].columns)
    written = [0]

    def part_text(part, numbers: dict[float, str]) -> str | list[str]:
        plain = {i for i, name in enumerate(columns) if name in part.plain}
        return block_text([part.columns[name] for name in columns], numbers, plain)

    def month_text(month) -> bytes:
        numbers: dict[float, str] = {}
        # Each part turned into text as it is read, before the next file is parsed.
        blocks = [part_text(part, numbers) for part in month]
        return ordered_text(blocks, month.order()).encode()

    def chunks() -> Iterator[bytes]:
        yield header_line(columns, excel=excel).encode()
        for rows, text in store.reading_month_texts(month_text, as_of, helper=helper):
            written[0] += rows
            yield text

    return chunks(), lambda: written[0]


def scorecard_rows(store, *, dept: str | None, as_of: date | None) -> list[list[Any]]:
    from cxtui.engine.scorecard import build_scorecard, for_department

    day = as_of or date.today()
    return card_rows(for_department(build_scorecard(store.snapshot(day), as_of=day), dept))


def card_rows(card) -> list[list[Any]]:
    """A scorecard's goals, a row each."""
    rows = []
    for g in card.goals:
        goal = g.goal
        rows.append([
            goal.department, goal.id, goal.title, goal.metric, goal.kind, goal.baseline, goal.target,
            g.latest.value if g.latest else None, g.latest.date if g.latest else None,
            _pct(g.progress), _pct(g.expected), g.status, g.stale, g.delta, goal.objectives, g.findings,
        ])
    return rows


def conflict_rows(store, *, dept: str | None, as_of: date | None) -> list[list[Any]]:
    """Active findings, then flags that are not resolved."""
    return finding_rows(*conflicts(store, dept=dept, as_of=as_of))


def finding_rows(findings, flags) -> list[list[Any]]:
    rows = [
        ["finding", f.id, f.rule, f.severity, "open", f.title, f.departments, f.goals, f.incentives,
         f.metrics, f.objectives, f.explanation]
        for f in findings
    ]
    rows += [
        ["flag", f.id, "", "", f.status, f.title, f.departments, f.goals, f.incentives, [], [], f.note]
        for f in flags
    ]
    return rows


def conflicts(store, *, dept: str | None, as_of: date | None):
    """(active findings, unresolved flags), those involving `dept` when given."""
    from cxtui.engine.conflicts import detect
    from cxtui.engine.flags import unresolved

    day = as_of or date.today()
    snapshot = store.snapshot(day)
    findings = detect(snapshot, day)
    flags = unresolved(snapshot.flags)
    if dept:
        findings = [f for f in findings if dept in f.departments]
        flags = [f for f in flags if dept in f.departments]
    return findings, flags


def _audit_rows(store, as_of: date | None) -> Iterable[list[Any]]:
    for e in store.audit():
        if as_of and e.at.date() > as_of:
            continue
        yield [e.at, e.by, e.real_user, e.action, e.entity, e.entity_id, e.tx, e.id, _json(e.before), _json(e.after),
               e.digest]


def _json(value: dict | None) -> str | None:
    return None if value is None else orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _pct(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)
