"""CSV import: every row is validated against the models, the store's records and the other rows
before anything is written, and then all rows are added in one transaction — or none.

Problems carry the file's line number and the field, so a person can fix the spreadsheet.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from pydantic import ValidationError

from cxtui.csvsafe import CsvInputError, read_rows, unneutralise
from cxtui.csvtables import TABLES, Table
from cxtui.models import (
    Department,
    Goal,
    Incentive,
    Initiative,
    Link,
    Metric,
    Objective,
    Reading,
    Record,
    RuleError,
    Tension,
    check_goal_scale,
    check_in_scale,
    check_incentive_weights,
    check_link_cycle,
    describe_errors,
    entity_name,
    slugify,
    utcnow,
)
from cxtui.resolve import Unresolved, resolve
from cxtui.store import NEW_ID, PermissionDenied, permissions

# Reading stops after this many problems: enough to show the pattern without chewing through a
# garbage file.
MAX_PROBLEMS = 1000
PROGRESS_EVERY = 2000


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


@dataclass
class ImportPlan:
    table: str
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stopped_early: bool = False


class _RowProblem(Exception):
    pass


class _Context:
    """What rows are checked against: the store's records plus the rows accepted so far."""

    def __init__(self, store, table: Table) -> None:
        self.store = store
        self.departments = store.list(Department)
        self.departments_by_id = {d.id: d for d in self.departments}
        self.metrics = {m.id: m for m in store.list(Metric)}
        self.objectives = store.list(Objective) if table.name in ("goals", "objectives") else []
        self.incentives = store.list(Incentive) if table.name == "incentives" else []
        self.links = store.list(Link) if table.name == "links" else []
        existing = {
            "departments": lambda: self.departments,
            "metrics": lambda: list(self.metrics.values()),
            "objectives": lambda: self.objectives,
            "goals": lambda: store.list(Goal),
            "incentives": lambda: self.incentives,
            "tensions": lambda: store.list(Tension),
            "links": lambda: self.links,
            "initiatives": lambda: store.list(Initiative),
            "readings": lambda: [],  # checked lazily: there may be many (see _reading_ids)
        }[table.name]()
        self.taken: dict[str, int | None] = {r.id: None for r in existing}
        self.settings = store.settings()
        self._reading_ids: set[str] | None = None

    def claim(self, record_id: str, line: int, entity: str) -> None:
        """Refuse an id that the store or an earlier row already uses."""
        if record_id in self.taken or (entity == "reading" and self._store_has_reading(record_id)):
            where = self.taken.get(record_id)
            place = f"line {where} of this file" if where else "the store"
            raise _RowProblem(f"id: a {entity} with id {record_id!r} already exists in {place}")
        self.taken[record_id] = line

    def _store_has_reading(self, record_id: str) -> bool:
        if self._reading_ids is None:
            self._reading_ids = {r.id for r in self.store.readings()}
        return record_id in self._reading_ids


def plan_import(
    store, table_name: str, stream: BinaryIO, name: str, *, on_progress: Callable[[], None] | None = None
) -> ImportPlan:
    """Read and check a whole file. Raises CsvInputError when the file itself is unusable."""
    table = TABLES[table_name]
    plan = ImportPlan(table_name)
    rows = read_rows(stream, name)
    columns = _header(table, rows, name)
    context = _Context(store, table)
    for count, (line, cells) in enumerate(rows, 1):
        if on_progress and count % PROGRESS_EVERY == 0:
            on_progress()
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(columns):
            plan.problems.append(Problem(line, f"has {len(cells)} cells; the header has {len(columns)}"))
        else:
            try:
                plan.records.append(_record(table, context, dict(zip(columns, map(unneutralise, cells))), line))
            except _RowProblem as exc:
                plan.problems.extend(Problem(line, message) for message in exc.args)
        if len(plan.problems) >= MAX_PROBLEMS:
            plan.stopped_early = True
            break
    return plan


def _header(table: Table, rows: Iterator[tuple[int, list[str]]], name: str) -> list[str]:
    expected = ",".join(table.columns)
    try:
        _, header = next(rows)
    except StopIteration:
        raise CsvInputError(f"{name} is empty; expected a header row: {expected}") from None
    columns = [c.strip().lower() for c in header]
    for column in columns:
        if column not in table.columns:
            close = difflib.get_close_matches(column, table.columns, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; the columns of {table.name} are {expected}"
            raise CsvInputError(f"{name}: unknown column {column[:40]!r} in the header{hint}")
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise CsvInputError(f"{name}: column {duplicated[0]!r} appears twice in the header")
    missing = [c for c in table.columns if c in table.required and c not in columns]
    if missing:
        raise CsvInputError(f"{name}: the header lacks the column(s) {', '.join(missing)}; expected {expected}")
    return columns


def _record(table: Table, context: _Context, cells: dict[str, str], line: int) -> Record:
    data = table.fields(cells)
    problems = []
    for key, kind, records in (
        ("department", "department", context.departments),
        ("metric", "metric", context.metrics.values()),
        ("a", "metric", context.metrics.values()),
        ("b", "metric", context.metrics.values()),
        ("driver", "metric", context.metrics.values()),
        ("outcome", "metric", context.metrics.values()),
    ):
        if key in data and key in table.columns:
            try:
                data[key] = resolve(kind, data[key], records)
            except Unresolved as exc:
                problems.append(f"{key}: {exc}")
    if "objectives" in data and table.name == "goals":
        for i, text in enumerate(data["objectives"]):
            try:
                data["objectives"][i] = resolve("objective", text, context.objectives)
            except Unresolved as exc:
                problems.append(f"objectives: {exc}")
    if problems:
        raise _RowProblem(*problems)
    _fill_defaults(table, context, data)
    try:
        record = table.model.model_validate(data)
    except ValidationError as exc:
        raise _RowProblem(*map(_column_names, describe_errors(exc))) from None
    try:
        _check_rules(context, record)
        # The store would refuse the whole batch at the first row this user may not add; say which rows.
        permissions.check_change(context.store.user, context.settings, context.departments_by_id,
                                 entity_name(record), "add", None, record)
    except (RuleError, PermissionDenied) as exc:
        raise _RowProblem(str(exc)) from None
    if record.id != NEW_ID:
        context.claim(record.id, line, entity_name(record))
    if isinstance(record, Link):
        context.links.append(record)
    if isinstance(record, Incentive):
        # Rows still waiting for an id all say "new"; a row-unique id keeps each one in the weight sum.
        context.incentives.append(record.model_copy(update={"id": f"{record.id}@{line}"}))
    return record


def _column_names(message: str) -> str:
    """A model's field path as the file's column: "scale.max: ..." is about the column scale_max."""
    for part in ("min", "max"):
        if message.startswith(f"scale.{part}: "):
            return f"scale_{part}: " + message[len(f"scale.{part}: "):]
    return message


def _fill_defaults(table: Table, context: _Context, data: dict[str, Any]) -> None:
    if "id" not in data and "id" in table.columns:
        if table.name in ("departments", "metrics"):
            if isinstance(data.get("name"), str):
                data["id"] = slugify(data["name"])
        else:
            data["id"] = NEW_ID
    if table.name == "readings":
        data.setdefault("recorded_by", context.store.user)
        data.setdefault("recorded_at", utcnow())


def _check_rules(context: _Context, record: Record) -> None:
    metric = context.metrics.get(getattr(record, "metric", ""))
    if isinstance(record, Reading) and metric:
        check_in_scale(record.value, metric)
    elif isinstance(record, Goal) and metric:
        check_goal_scale(record, metric)
    elif isinstance(record, Objective) and metric:
        check_in_scale(record.target, metric, "target")
        if record.baseline is not None:
            check_in_scale(record.baseline, metric, "baseline")
    elif isinstance(record, Incentive):
        check_incentive_weights(record, [i for i in context.incentives if i.department == record.department])
    elif isinstance(record, Link):
        check_link_cycle(record, context.links)
    elif isinstance(record, Initiative):
        for department in record.departments:
            if department not in context.departments_by_id:
                raise RuleError("departments", f"no department {department!r} in the store")
        for metric_id in record.expected():
            if metric_id not in context.metrics:
                raise RuleError("metrics", f"no metric {metric_id!r} in the store")


def apply(store, plan: ImportPlan) -> list[Record]:
    """Add every record of a problem-free plan in one transaction."""
    assert not plan.problems, "apply() needs a plan without problems"
    return store.add_many(plan.records) if plan.records else []
