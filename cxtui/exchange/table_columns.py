"""The CSV shape of each data table: its columns, and how a record becomes a row and back.

Columns are the model's field names, derived from the models so that a new field is exported and
imported without touching this module. The store's bookkeeping (version, updated_by, updated_at) is
left out: an import into another store starts its own history. Lists are `;`-separated and a
metric's scale is two columns, `scale_min` and `scale_max`.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import date
from typing import Any

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
    Tension,
)

BOOKKEEPING = ("version", "updated_by", "updated_at")


@dataclass(frozen=True)
class Table:
    name: str
    model: type[Record]
    columns: tuple[str, ...]
    required: frozenset[str]
    list_fields: frozenset[str]
    # Columns by the type of their values, for typed workbook cells and for number-specific advice.
    number_fields: frozenset[str] = frozenset()
    date_fields: frozenset[str] = frozenset()

    def row(self, record: Record) -> list[Any]:
        values = []
        for column in self.columns:
            if column in ("scale_min", "scale_max"):
                scale = getattr(record, "scale")
                values.append(None if scale is None else getattr(scale, column[6:]))
            else:
                values.append(getattr(record, column))
        return values

    def fields(self, cells: dict[str, str]) -> dict[str, Any]:
        """Model input from a row's cells (already un-guarded). An empty cell means "not given"."""
        data: dict[str, Any] = {}
        for column, text in cells.items():
            if not text.strip():
                continue
            if column in ("scale_min", "scale_max"):
                data.setdefault("scale", {})[column[6:]] = text
            elif column in self.list_fields:
                data[column] = [part.strip() for part in text.split(";") if part.strip()]
            else:
                data[column] = text
        return data


def _table(name: str, model: type[Record], *, first: tuple[str, ...] = (), omit: tuple[str, ...] = (),
           optional: tuple[str, ...] = ()) -> Table:
    columns: list[str] = list(first)
    lists: set[str] = set()
    required: set[str] = set()
    numbers: set[str] = {"scale_min", "scale_max"}
    dates: set[str] = set()
    for field, info in model.model_fields.items():
        if field in BOOKKEEPING or field in omit:
            continue
        if typing.get_origin(info.annotation) is list:
            lists.add(field)
        kinds = _kinds(info.annotation)
        if kinds and kinds <= {int, float}:
            numbers.add(field)
        elif kinds == {date}:
            dates.add(field)
        if info.is_required() and field not in optional:
            required.add(field)
        if field == "scale":
            columns += ["scale_min", "scale_max"]
        elif field not in columns:
            columns.append(field)
    return Table(name, model, tuple(columns), frozenset(required), frozenset(lists),
                 frozenset(numbers) & set(columns), frozenset(dates))


def _kinds(annotation: Any) -> set[Any]:
    """The plain types a field holds: `Optional[Annotated[float, ...]]` holds {float}."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _kinds(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return set().union(*(_kinds(a) for a in typing.get_args(annotation))) - {type(None)}
    return {annotation} - {type(None)}


# Ids are optional on import: departments and metrics derive a slug from the name, the others get
# a fresh id from the store; a reading without `recorded_by`/`recorded_at` is the importer's, now.
TABLES: dict[str, Table] = {
    "departments": _table("departments", Department, optional=("id",)),
    "metrics": _table("metrics", Metric, optional=("id",)),
    "objectives": _table("objectives", Objective, optional=("id",)),
    "goals": _table("goals", Goal, optional=("id",)),
    "incentives": _table("incentives", Incentive, optional=("id",)),
    "tensions": _table("tensions", Tension, omit=("id",)),
    "links": _table("links", Link, omit=("id",)),
    "initiatives": _table("initiatives", Initiative, optional=("id",)),
    "readings": _table(
        "readings",
        Reading,
        first=("metric", "department", "date", "value", "confidence", "note"),
        optional=("id", "recorded_by", "recorded_at"),
    ),
}
