"""CSV import: every row is validated against the models, the store's records and the other rows
before anything is written, and then all rows are added in one transaction — or none.

Problems carry the file's line number and the field, so a person can fix the spreadsheet. A file of
any size is read in constant memory: accepted rows wait in a temp file (a Spool), not in a list, and
the store adds them with add_stream.
"""

from __future__ import annotations

import contextlib
import difflib
import re
import tempfile
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, BinaryIO

import orjson
from pydantic import ValidationError

from cxtui.exchange.csv_files import CsvInputError, read_rows, unneutralise
from cxtui.exchange.table_columns import TABLES, Table
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
    trusted,
    utcnow,
)
from cxtui.engine.resolve import Unresolved, resolve
from cxtui.store import NEW_ID, PermissionDenied, forked, permissions

# From this many bytes on, a file is checked by a forked copy while this process adds the rows it
# has passed (pipelined_import); below, a second process saves less than it costs.
PIPELINE_BYTES = 1 << 20
# Reading stops after this many problems: enough to show the pattern without chewing through a
# garbage file.
MAX_PROBLEMS = 1000
PROGRESS_EVERY = 2000


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


class Spool:
    """Records of one model kept in a private temp file, one JSON line each, so that an import's
    memory does not grow with its file. Iterating reads them back: records of plain fields (a
    reading) as they were, without validating them again (~5 us instead of ~13 us each), others
    validated again. `file`: where the lines go instead (a pipe; see pipelined_import)."""

    def __init__(self, model: type[Record], file: BinaryIO | None = None) -> None:
        self.model = model
        self._parsers = _field_parsers(model)
        self._file = tempfile.TemporaryFile() if file is None else file
        self._count = 0

    def append(self, record: Record) -> None:
        if self._parsers is None:
            self._file.write(orjson.dumps(record.model_dump(mode="json")) + b"\n")
        else:
            # The validated values themselves (orjson writes dates and timestamps as ISO text).
            self._file.write(orjson.dumps(record.__dict__) + b"\n")
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Record]:
        self._file.flush()
        self._file.seek(0)
        return map(self.decode, self._file)

    def decode(self, line: bytes) -> Record:
        """A record from a line append() wrote."""
        parsers = self._parsers
        if parsers is None:
            return self.model.model_validate_json(line)
        values = orjson.loads(line)
        for name, parse in parsers.items():
            if values[name] is not None:
                values[name] = parse(values[name])
        return trusted(self.model, values)  # every field, as the record written held it

    def close(self) -> None:
        self._file.close()


@dataclass
class ImportPlan:
    table: str
    records: Spool  # the rows that passed; with problems, only those before the first
    problems: list[Problem] = field(default_factory=list)
    stopped_early: bool = False


class RowProblem(Exception):
    """A row's problems, one "column: message" text each."""


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
        self._zeros = {i.lstrip("0"): i for i in self.taken if i.startswith("0") and i.isdigit()}
        # A file names the same few metrics and departments on every row: each text is resolved once.
        self._resolved: dict[tuple[str, str], str | Unresolved] = {}

    def resolve(self, kind: str, text: str, records) -> str:
        found = self._resolved.get((kind, text))
        if found is None:
            try:
                found = resolve(kind, text, records)
            except Unresolved as exc:
                found = exc
            self._resolved[(kind, text)] = found
        if isinstance(found, Unresolved):
            raise Unresolved(str(found))
        return found

    def zeros_dropped(self, record_id: str) -> str | None:
        """The existing id that `record_id` is with its leading zeros dropped ("815" for "0815"), the
        mark of a spreadsheet that took an id for a number; or None."""
        return self._zeros.get(record_id) if record_id not in self.taken else None

    def claim(self, record_id: str, line: int, entity: str) -> None:
        """Refuse an id that the store or an earlier row already uses."""
        if record_id in self.taken or (entity == "reading" and self._store_has_reading(record_id)):
            where = self.taken.get(record_id)
            place = f"line {where} of this file" if where else "the store"
            raise RowProblem(f"id: a {entity} with id {record_id!r} already exists in {place}")
        self.taken[record_id] = line
        if record_id.startswith("0") and record_id.isdigit():
            self._zeros[record_id.lstrip("0")] = record_id

    def _store_has_reading(self, record_id: str) -> bool:
        if self._reading_ids is None:
            self._reading_ids = self.store.reading_ids()
        return record_id in self._reading_ids


def plan_import(
    store, table_name: str, stream: BinaryIO, name: str, *, on_progress: Callable[[], None] | None = None
) -> ImportPlan:
    """Read and check a whole file. Raises CsvInputError when the file itself is unusable.
    The plan's records hold a temp file: close() it when done."""
    return plan_rows(store, table_name, read_rows(stream, name), name, on_progress=on_progress)


def _csv_cells(columns: list[str], cells: list[str]) -> dict[str, str]:
    return dict(zip(columns, map(unneutralise, cells)))


def plan_rows(
    store, table_name: str, rows: Iterator[tuple[int, list[str]]], name: str, *,
    on_progress: Callable[[], None] | None = None,
    cells_of: Callable[[list[str], list[str]], dict[str, str]] = _csv_cells,
    spool: Spool | None = None,
) -> ImportPlan:
    """Check rows of text cells, the header first, from any reader. `cells_of` maps a row to
    {column: text}; it may raise RowProblem for cells its reader could not take. The rows that
    pass go to `spool` (a new one by default) until a row has a problem."""
    table = TABLES[table_name]
    columns = _header(table, rows, name)
    plan = ImportPlan(table_name, Spool(table.model) if spool is None else spool)
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
                record = _record(table, context, cells_of(columns, cells), line)
                if not plan.problems:  # else the plan is not applied: the rows after are only checked
                    plan.records.append(record)
            except RowProblem as exc:
                plan.problems.extend(Problem(line, message) for message in exc.args)
        if len(plan.problems) >= MAX_PROBLEMS:
            plan.stopped_early = True
            break
    return plan


def _field_parsers(model: type[Record]) -> dict[str, Callable[[str], Any]] | None:
    """How to restore each date and timestamp field of `model` from ISO text, when every field is
    text, a number, a date or a timestamp (or None); else None: the model needs validating."""
    parsers: dict[str, Callable[[str], Any]] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        members = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, types.UnionType) else (annotation,)
        kinds = {typing.get_args(t)[0] if typing.get_origin(t) is typing.Annotated else t for t in members} - {type(None)}
        if kinds <= {str, int, float}:
            continue
        if kinds == {datetime}:
            parsers[name] = datetime.fromisoformat
        elif kinds == {date}:
            parsers[name] = date.fromisoformat
        else:
            return None
    return parsers


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
    problems = [f"{column}: {hint}" for column in table.number_fields & data.keys()
                if (hint := decimal_comma_hint(cells[column]))]
    if "id" in data and (original := context.zeros_dropped(data["id"])):
        problems.append(f"id: {data['id']!r} looks like the id {original!r} with its leading zeros dropped "
                        f"(spreadsheets do that to numbers); write {original!r}, or format the column as text")
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
                data[key] = context.resolve(kind, data[key], records)
            except Unresolved as exc:
                problems.append(f"{key}: {exc}")
    if "objectives" in data and table.name == "goals":
        for i, text in enumerate(data["objectives"]):
            try:
                data["objectives"][i] = resolve("objective", text, context.objectives)
            except Unresolved as exc:
                problems.append(f"objectives: {exc}")
    if problems:
        raise RowProblem(*problems)
    _fill_defaults(table, context, data)
    try:
        record = table.model.model_validate(data)
    except ValidationError as exc:
        raise RowProblem(*map(_column_names, describe_errors(exc))) from None
    try:
        _check_rules(context, record)
        # The store would refuse the whole batch at the first row this user may not add; say which rows.
        permissions.check_change(context.store.user, context.settings, context.departments_by_id,
                                 entity_name(record), "add", None, record)
    except (RuleError, PermissionDenied) as exc:
        raise RowProblem(str(exc)) from None
    if record.id != NEW_ID:
        context.claim(record.id, line, entity_name(record))
    if isinstance(record, Link):
        context.links.append(record)
    if isinstance(record, Incentive):
        # Rows still waiting for an id all say "new"; a row-unique id keeps each one in the weight sum.
        context.incentives.append(record.model_copy(update={"id": f"{record.id}@{line}"}))
    return record


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?(\d{1,3}(\.\d{3})+|\d*),\d+")


def decimal_comma_hint(text: str) -> str | None:
    """Advice for a number written with a decimal comma ("4,5", "1.234,5"), or None."""
    text = text.strip()
    if _THOUSANDS.fullmatch(text):
        return f"use a decimal point and no thousands separators, like 1000 or 4.5 (got {text!r})"
    if not _DECIMAL_COMMA.fullmatch(text):
        return None
    point = text.replace(".", "").replace(",", ".")
    return f"use a decimal point, not a comma: {point} (got {text!r})"


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


def apply(store, plan: ImportPlan) -> int:
    """Add every record of a problem-free plan in one transaction; returns how many."""
    assert not plan.problems, "apply() needs a plan without problems"
    return store.add_stream(plan.records) if len(plan.records) else 0


class _CopyFailed(Exception):
    """The copy checking the file left no verdict (it raised, was killed, or its end was cut)."""


class _Refused(Exception):
    """The copy found problems in the file: nothing is written."""


def pipelined_import(store, table_name: str, stream: BinaryIO, name: str, *,
                     progress: Callable[[], contextlib.AbstractContextManager[Callable[[], None] | None]] | None = None,
                     ) -> int | ImportPlan | None:
    """plan_import and apply at once, for a large file when forked.can_fork(): a forked copy of
    this process checks the file (plan_rows) while this one adds each row it has passed. Both run
    inside the one transaction, under the write lock taken first, so the copy checks the rows
    against the store they go into. The transaction commits only once the copy has passed every
    row. Returns how many rows were added; or, when the copy found problems, a plan holding them
    (nothing written), as plan_import's would; or None when the copy failed: the caller then
    checks and adds in turn, from the start of `stream` (a file that can seek). `progress` makes
    the copy's on_progress for the check (a bar on the terminal)."""
    table = TABLES[table_name]
    started: list[forked.Piped] = []

    def check(out: BinaryIO) -> bytes:
        with progress() if progress else contextlib.nullcontext(None) as tick:
            plan = plan_rows(store, table_name, read_rows(stream, name), name, on_progress=tick,
                             spool=Spool(table.model, out))
        return orjson.dumps({"count": len(plan.records), "problems": [[p.line, p.message] for p in plan.problems],
                             "stopped_early": plan.stopped_early})

    def verdict(piped: forked.Piped, received: int | None) -> dict[str, Any]:
        found = piped.result()
        if found is None:
            raise _CopyFailed
        said = orjson.loads(found)
        if said["problems"]:
            raise _Refused(said)
        if received is not None and said["count"] != received:
            raise _CopyFailed
        return said

    def records() -> Iterator[Record]:
        # Forked here, once the transaction holds the write lock.
        try:
            piped = forked.Piped(check)
        except OSError:  # no process to be had now
            raise _CopyFailed from None
        started.append(piped)
        reader, received = Spool(table.model, piped.stream), 0
        for line in piped.lines():
            received += 1
            yield reader.decode(line)
        verdict(piped, received)

    def refused(said: dict[str, Any]) -> ImportPlan:
        return ImportPlan(table_name, Spool(table.model), [Problem(line, message) for line, message in said["problems"]],
                          said["stopped_early"])

    try:
        return store.add_stream(records())
    except _CopyFailed:
        return None
    except _Refused as exc:
        return refused(exc.args[0])
    except Exception:
        # A row the store refused while the copy was still checking: alone, the check's problems
        # would have come first.
        if not started:
            raise
        try:
            verdict(started[0], None)
        except _CopyFailed:
            return None
        except _Refused as exc:
            return refused(exc.args[0])
        raise
    finally:
        for piped in started:
            piped.close()
