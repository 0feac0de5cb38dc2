"""The series index: per (metric, department) the readings a scorecard needs, kept beside the data.

A scorecard as of a date looks, per series, only at the newest `TREND_DATES` distinct dates on or
before that date (latest, previous, the trend) and at the series' first date (an objective with no
baseline is paced from its first reading). The index keeps, per series, every reading on its newest
`WINDOW_DATES` dates, the readings on its first date, and how many readings it has, in one small
file per metric, updated in the same journaled commit as the readings. Opening a large store then
reads a few hundred readings instead of the whole history.

`trim` is the one definition of what a scorecard needs; the index path and the full-scan path both
go through it, so they give the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

TREND_DATES = 12  # cxtui.engine.standings.TREND_LENGTH: the newest dates a scorecard reads
WINDOW_DATES = 16  # kept per series, so a few days' look back still comes from the index
COMPANY = ""  # the series key of company-level readings (department None)

Doc = dict[str, Any]
Entry = dict[str, Any]  # {"count": int, "first": [Doc], "recent": [Doc]}


def series_key(department: str | None) -> str:
    return COMPANY if department is None else department


def _order(doc: Doc) -> tuple[str, str, str]:
    return (doc["date"], doc["recorded_at"], doc["id"])


def _newest_dates(docs: Iterable[Doc], n: int) -> set[str]:
    return set(sorted({d["date"] for d in docs})[-n:])


_DOC_TEXTS = ("id", "metric", "date", "recorded_at")  # what the index's own code reads of a copy


def shape_problem(table: dict[str, Any]) -> str | None:
    """What in a series file is not an index entry (a hand edit), in words; None when each entry
    has a count and two lists of readings. Every scorecard reads the index, so a broken one must be
    refused as a damaged file, not met as a TypeError. (The copies' values are checked as readings
    are, when read.)"""
    for key, entry in table.items():
        count = entry.get("count")
        if type(count) is not int or count < 0:
            return f"series {key!r}: its count is not a whole number"
        for name in ("first", "recent"):
            docs = entry.get(name)
            if type(docs) is not list or not all(
                    type(d) is dict and all(type(d.get(f)) is str for f in _DOC_TEXTS) for d in docs):
                return f"series {key!r}: {name!r} is not a list of readings"
    return None


def empty_entry() -> Entry:
    return {"count": 0, "first": [], "recent": []}


def entry_from(docs: list[Doc]) -> Entry:
    """An index entry built from every reading of one series."""
    if not docs:
        return empty_entry()
    first_date = min(d["date"] for d in docs)
    window = _newest_dates(docs, WINDOW_DATES)
    return {
        "count": len(docs),
        "first": sorted((d for d in docs if d["date"] == first_date), key=_order),
        "recent": sorted((d for d in docs if d["date"] in window), key=_order),
    }


class Windows:
    """The dates each entry's window holds, sorted, kept by a transaction that adds to the same
    series many times (an import). Telling them from the documents costs a memory fetch per
    document, 8 us a reading at 17 per window; a reading older than the window, most of an import
    of past readings, then costs one comparison. A remembered list serves only while the entry holds
    the very `recent` list it was taken from, at the same length (add replaces that list whenever
    it changes it, remove builds a new one)."""

    def __init__(self) -> None:
        self._held: dict[int, tuple[list[Doc], int, list[str]]] = {}

    def dates(self, entry: Entry) -> list[str]:
        recent = entry["recent"]
        found = self._held.get(id(entry))
        if found is not None and found[0] is recent and found[1] == len(recent):
            return found[2]
        return self.remember(entry, sorted({d["date"] for d in recent}))

    def remember(self, entry: Entry, dates: list[str]) -> list[str]:
        # The list is held here, so no later entry's list can be the same object.
        self._held[id(entry)] = (entry["recent"], len(entry["recent"]), dates)
        return dates


def add(entry: Entry, doc: Doc, windows: Windows | None = None) -> None:
    entry["count"] += 1
    first = entry["first"]
    if not first or doc["date"] < first[0]["date"]:
        entry["first"] = [doc]
    elif doc["date"] == first[0]["date"]:
        first.append(doc)
        first.sort(key=_order)
    recent = entry["recent"]
    held = windows.dates(entry) if windows is not None else sorted({d["date"] for d in recent})
    if len(held) >= WINDOW_DATES and doc["date"] < held[0]:
        return  # older than a full window: it would be left out of the window again
    window = held[-WINDOW_DATES:]
    complete = entry["count"] - 1 == len(recent)
    if len(window) < WINDOW_DATES and not complete and doc["date"] < (window[0] if window else doc["date"]):
        # A reading older than a shrunken window whose older neighbours are not held: leave the
        # window as it is; it still holds every reading on each of its dates.
        return
    recent.append(doc)
    keep = _newest_dates(recent, WINDOW_DATES)
    entry["recent"] = sorted((d for d in recent if d["date"] in keep), key=_order)
    if windows is not None:
        windows.remember(entry, sorted(keep))


def remove(entry: Entry, doc: Doc) -> bool:
    """Take `doc` out; False when the entry can no longer be kept right without a rescan."""
    entry["count"] -= 1
    entry["recent"] = [d for d in entry["recent"] if d["id"] != doc["id"]]
    entry["first"] = [d for d in entry["first"] if d["id"] != doc["id"]]
    if entry["count"] == 0:
        entry["first"], entry["recent"] = [], []
        return True
    complete = entry["count"] == len(entry["recent"])
    if not entry["first"]:
        if not complete:
            return False
        first_date = min(d["date"] for d in entry["recent"])
        entry["first"] = [d for d in entry["recent"] if d["date"] == first_date]
    return complete or len(_newest_dates(entry["recent"], WINDOW_DATES)) >= TREND_DATES


def serves(entry: Entry, as_of: date) -> bool:
    """Whether the entry holds everything `trim` needs from this series at `as_of`."""
    if entry["count"] == len(entry["recent"]):
        return True
    cutoff = as_of.isoformat()
    return len({d["date"] for d in entry["recent"] if d["date"] <= cutoff}) >= TREND_DATES


def window_start(entry: Entry) -> str | None:
    """The oldest date the entry holds every reading of (None when it holds the whole series)."""
    if entry["count"] == len(entry["recent"]):
        return None
    return min((d["date"] for d in entry["recent"]), default=None)


def serves_anchors(entry: Entry, anchors: Iterable[str]) -> bool:
    """Whether the entry holds, for each anchor date, the readings on the series' first date on or
    after it."""
    start = window_start(entry)
    first = entry["first"][0]["date"] if entry["first"] else None
    return all(start is None or start <= a or (first is not None and first >= a) for a in anchors)


def trim(docs: Iterable[Doc], as_of: date, anchors: Iterable[str] = ()) -> list[Doc]:
    """From one series' readings, what a scorecard at `as_of` reads.

    Those on the newest TREND_DATES dates on or before `as_of`, those on the series' first date,
    and for each anchor date, those on the first date on or after it (an objective paced from its
    start but given no baseline takes its baseline from there).
    """
    cutoff = as_of.isoformat()
    kept = [d for d in docs if d["date"] <= cutoff]
    if not kept:
        return []
    wanted = _newest_dates(kept, TREND_DATES)
    wanted.add(min(d["date"] for d in kept))
    for anchor in anchors:
        after = [d["date"] for d in kept if d["date"] >= anchor]
        if after:
            wanted.add(min(after))
    seen: set[str] = set()
    result = []
    for doc in sorted(kept, key=_order):
        if doc["date"] in wanted and doc["id"] not in seen:
            seen.add(doc["id"])
            result.append(doc)
    return result
