"""A whole history of readings as columns, for `cxtui export readings` at a million readings.

Store.reading_rows builds a row per reading in Python; here a file's documents are turned into a
column per field in passes in C (checked_columns takes each field once, for its checks and for the
export), and a month is sorted once, by a text key. Every document still gets the checks
reading_rows gives it (checked_columns, else the slow check that names what is wrong), and the
values are the same: what the store holds, timestamps as datetime.isoformat writes them.
"""

from __future__ import annotations

import itertools
import operator
import os
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from cxtui.store.documents import READING_DEFAULTS, READINGS, expand_readings
from cxtui.store.loading import Cached
from cxtui.store.record_docs import checked_columns, iso_moment, utc_text, utc_texts

_DATE = operator.itemgetter("date")
# Written as stored; recorded_at is rewritten as datetime.isoformat writes it.
_AS_STORED = frozenset({"metric", "department", "date", "value", "confidence", "note", "id", "recorded_by"})


def knows(columns: Sequence[str]) -> bool:
    """Whether every column is one this path writes (else use reading_rows)."""
    return set(columns) <= _AS_STORED | {"recorded_at"}


class Part(NamedTuple):
    """One file's readings: its columns (name -> values, in the file's order), and the names of
    those whose every value is text a CSV file holds as it is: nothing a spreadsheet could take for
    a formula, no comma, quote or line break. The checks every document passed make it so: metric
    and department ids are slugs, dates and timestamps start with a digit."""

    columns: dict[str, list[Any]]
    plain: frozenset[str]


class MonthParts:
    """A month's readings, read a file at a time as they are asked for: iterating gives each file's
    Part, for a writer to turn into text while the file's documents are still in the CPU's caches
    (holding a month's documents until its end made a whole-history export a fifth slower). Once
    every part has been taken, order() gives the positions that put the month's readings in
    Store.readings' order (by date, then recorded_at, ties in file order), or None when they are in
    it already: a writer turns each part into lines and then orders the lines, moving one list
    instead of nine columns. `rows` counts the readings taken."""

    def __init__(self, view, files: Iterable[tuple[Path, Cached]], last: str | None) -> None:
        self._view, self._files, self._last = view, files, last
        self._keys: list[dict[str, list[Any]]] = []  # each part's columns that order() reads
        self.rows = 0

    def __iter__(self) -> Iterator[Part]:
        last = self._last
        for path, cached in self._files:
            if not cached.data[READINGS]:
                continue
            part = _file_columns(self._view, path, cached)
            # Every document of a file is checked, also those after `end`: a damaged file is
            # refused whatever the export asks for, as snapshot() refuses it.
            if last is not None and max(part["date"]) > last:
                kept = [day <= last for day in part["date"]]
                part = {name: list(itertools.compress(values, kept)) for name, values in part.items()}
                if not part["date"]:
                    continue
            self._keys.append({name: part[name] for name in _ORDER_KEYS if name in part})
            self.rows += len(part["date"])
            # A company-level reading has no department: None, written as an empty cell.
            yield Part(part, _PLAIN if None in part["department"] else _PLAIN_DEPARTMENT)

    def finish(self) -> None:
        """Read what was not taken: its files are checked and its readings counted all the same."""
        for _ in self:
            pass

    def order(self) -> list[int] | None:
        # By date, then recorded_at (see _moments), ties in file order (the sort is stable). Most
        # months are recorded in that order already: dates and timestamps each never go down.
        # Checking that is a tenth of the cost of sorting.
        dates = list(itertools.chain.from_iterable(part["date"] for part in self._keys))
        moments = _moments(self._keys)
        if _ascending(dates) and _ascending(moments):
            return None
        keys = list(map(operator.add, dates, moments))
        return None if _ascending(keys) else sorted(range(len(keys)), key=keys.__getitem__)


_ORDER_KEYS = ("date", "recorded_at", "utc")
_PLAIN = frozenset({"metric", "date", "recorded_at"})
_PLAIN_DEPARTMENT = _PLAIN | {"department"}


def month_sizes(view, end: date | None = None) -> dict[str, int]:
    """The months (their folder names) that can hold readings dated up to `end`, oldest first, with
    the bytes of their files: a guide to how long each takes to read (a link or a vanished file
    counts nothing; reading it is what says what is wrong)."""
    sizes: dict[str, int] = {}
    for key, path in view.partition_paths(end):
        try:
            size = os.lstat(path).st_size
        except OSError:
            size = 0
        sizes[key[:7]] = sizes.get(key[:7], 0) + size
    return sizes


def months(view, end: date | None = None, only: Iterable[str] | None = None) -> Iterator[MonthParts]:
    """Each month's readings (those dated up to `end`; of the months in `only`, when given) as
    MonthParts, read through `view` (a ReadView, under the store's lock). A month is finished (see
    MonthParts.finish) before the next one is read."""
    last = end.isoformat() if end else None
    # One file at a time, not kept, as reading_rows reads them; a month's readings lie within it.
    files = view.reading_files(end, months=None if only is None else set(only))
    for _, month_files in itertools.groupby(files, key=_folder):
        month = MonthParts(view, month_files, last)
        yield month
        month.finish()


def _folder(item: tuple[Path, Cached]) -> str:
    return item[0].parent.name


def month_columns(view, columns: list[str], end: date | None = None) -> Iterator[list[list[Any]]]:
    """Each month's `columns` in Store.readings' order."""
    for month in months(view, end):
        parts = [part.columns for part in month]
        if not parts:
            continue
        joined = [list(itertools.chain.from_iterable(part[name] for part in parts)) for name in columns]
        order = month.order()
        yield joined if order is None else [list(map(column.__getitem__, order)) for column in joined]


def _file_columns(view, path: Path, cached: Cached) -> dict[str, list[Any]]:
    """A file's readings as checked columns (CHECKED_COLUMNS, recorded_at as isoformat writes it;
    `utc`, each as utc_text, only from the slow check: see _moments). Documents in their file form
    (not whole) leave out their id (the key) and their defaults."""
    table = cached.data[READINGS]
    docs = list(table.values())
    ids = list(map(dict.get, docs, itertools.repeat("id"), table))
    part = checked_columns(docs, ids, printable=cached.printable)
    if part is not None:
        part["recorded_at"] = _iso_texts(part["recorded_at"])
        return part
    # The slow check, which says what is wrong.
    docs = docs if cached.whole else list(expand_readings(table).values())
    part = {name: [doc.get(name, READING_DEFAULTS.get(name)) for doc in docs] for name in _AS_STORED}
    part["utc"] = [utc_text(m) for m in view.checked_moments(path, docs)]
    part["recorded_at"] = [iso_moment(d["recorded_at"], parsed=True) for d in docs]
    return part


def _iso_texts(texts: list[str]) -> list[str]:
    """Timestamps checked_columns took (pydantic's UTC form, "...Z" and no other Z) as
    datetime.isoformat writes them. Readings recorded together share a timestamp: when they repeat,
    each distinct one is rewritten once (half the time of rewriting them all)."""
    distinct = set(texts)
    if len(distinct) * 4 > len(texts):
        return "\n".join(texts).replace("Z", "+00:00").split("\n")
    iso = {text: text[:-1] + "+00:00" for text in distinct}
    return list(map(iso.__getitem__, texts))


def _moments(parts: list[dict[str, list[Any]]]) -> list[str]:
    """Each reading's recorded_at (of `parts`, columns by name) as text that sorts as the moments
    do, equal moments as equal texts. The fast check's timestamps, all "...+00:00" and all of one
    width (each with six digits of a fraction of a second, or none), do so as they are. Otherwise (a
    file the slow check took may hold other offsets; ":05Z" and ":05.000000Z" are one moment) each
    becomes utc_text."""
    if not any("utc" in part for part in parts):
        stamps = list(itertools.chain.from_iterable(part["recorded_at"] for part in parts))
        if len(set(map(len, stamps))) <= 1:
            return stamps
    return list(itertools.chain.from_iterable(
        part["utc"] if "utc" in part else utc_texts("\n".join(part["recorded_at"]).replace("+00:00", "Z").split("\n"))
        for part in parts))


def _ascending(values: list[str]) -> bool:
    # Sorting a list already in order is one pass of comparisons specialised for a list of text,
    # and the equal lists hold the same objects: a third of the time of comparing each pair.
    return values == sorted(values)
