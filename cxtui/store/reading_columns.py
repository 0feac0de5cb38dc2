"""A whole history of readings as columns, for `cxtui export readings` at a million readings.

Store.reading_rows builds a row per reading in Python; here a file's documents are turned into a
column per field in passes in C (a getter mapped over the documents, one sort per month), which
took the export of a million readings from about 5 s to about half. Every document still gets the
checks reading_rows gives it (checked_utc_texts, else the slow check that names what is wrong), and
the values are the same: what the store holds, timestamps as datetime.isoformat writes them.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from cxtui.store.documents import READING_DEFAULTS, expand_readings
from cxtui.store.record_docs import checked_utc_texts, iso_moment, utc_text

# Written as stored; recorded_at is rewritten below. Another column (updated_at) goes the row way.
_DATE = operator.itemgetter("date")
_AS_STORED = frozenset({"metric", "department", "date", "value", "confidence", "note", "id", "recorded_by"})


def knows(columns: Sequence[str]) -> bool:
    """Whether every column is one this path writes (else use reading_rows)."""
    return set(columns) <= _AS_STORED | {"recorded_at"}


def month_columns(view, columns: list[str], end: date | None = None) -> Iterator[list[list[Any]]]:
    """Each month's readings (those dated up to `end`), in Store.readings' order, as a list of
    `columns` value lists; read through `view` (a ReadView, under the store's lock)."""
    last = end.isoformat() if end else None
    month = ""
    fields: dict[str, list[Any]] = {}
    dates: list[str] = []
    moments: list[str] = []
    # One file at a time, not kept, as reading_rows reads them; a month's readings lie within it.
    # Documents come in their file form where nothing else has read them whole: what it leaves out
    # is put back column by column (the id from the keys, the defaults by dict.get), in C.
    for path, table, whole in view.reading_files(end):
        if not table:
            continue
        if path.parent.name != month:
            if dates:
                yield _sorted(columns, fields, dates, moments)
            month, fields, dates, moments = path.parent.name, {name: [] for name in columns}, [], []
        docs = list(table.values())
        ids = list(map(dict.get, docs, itertools.repeat("id"), table))
        texts = checked_utc_texts(docs, ids)
        if texts is None:  # the slow check, which says what is wrong
            docs = docs if whole else list(expand_readings(table).values())
            texts = [utc_text(m) for m in view.checked_moments(path, docs)]
            stamps = [iso_moment(d["recorded_at"], parsed=True) for d in docs]
        else:
            # Every recorded_at has passed as pydantic's UTC form, "...Z" and no other Z:
            # iso_moment writes each "...+00:00".
            stamps = "\n".join([d["recorded_at"] for d in docs]).replace("Z", "+00:00").split("\n")
        # Every document of a file is checked, also those after `end`: a damaged file is refused
        # whatever the export asks for, as snapshot() refuses it.
        if last is not None and max(days := list(map(_DATE, docs))) > last:
            kept = [day <= last for day in days]
            docs, ids, texts, stamps = (list(itertools.compress(part, kept)) for part in (docs, ids, texts, stamps))
            if not docs:
                continue
        for name in columns:
            if name == "recorded_at":
                fields[name] += stamps
            elif name == "id":
                fields[name] += ids
            else:
                fields[name] += map(dict.get, docs, itertools.repeat(name), itertools.repeat(READING_DEFAULTS.get(name)))
        dates += fields["date"][-len(docs):] if "date" in fields else list(map(_DATE, docs))
        moments += texts
    if dates:
        yield _sorted(columns, fields, dates, moments)


def _sorted(columns: list[str], fields: dict[str, list[Any]], dates: list[str], moments: list[str]) -> list[list[Any]]:
    # By date, then recorded_at, ties in file order: the order of Store.readings and reading_rows.
    keys = list(zip(dates, moments, itertools.count()))
    order = sorted(range(len(keys)), key=keys.__getitem__)
    if order == list(range(len(order))):
        return [fields[name] for name in columns]  # recorded in date order, as most months are
    return [list(map(fields[name].__getitem__, order)) for name in columns]
