"""Read access to one consistent state of the store, valid while the store's lock is held."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date as Date
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cxtui.models import (
    STORED,
    Goal,
    Objective,
    Reading,
    Record,
    Settings,
    Snapshot,
    describe_errors,
    entity_name,
)
from cxtui.store import fsio, series
from cxtui.store.documents import READINGS, SERIES, parse
from cxtui.store.errors import (
    StoreCorrupt,
)
from cxtui.store.files import (
    partition_range,
)
from cxtui.store.loading import Cached, Loader
from cxtui.store.record_docs import MAIN_TABLES, check_reading_doc, hinted_month, reading_from_doc


class ReadView:
    """Read access to one consistent state of the store (valid while the lock is held)."""

    def __init__(self, files: Loader, main: Cached) -> None:
        self.files = files
        self.layout = files.layout
        self.main = main

    def entity_models(self, entity: str) -> dict[str, Any]:
        assert self.main.models is not None  # built by Store._load_main
        return {m.id: m for m in self.main.models[entity]}

    def reading_partitions(self, start: Date | None, end: Date | None, *,
                           keep: bool = True) -> Iterator[tuple[Path, list[dict[str, Any]]]]:
        """(path, documents) of each partition that may hold readings dated start..end, in date
        order; with keep=False, files not cached already are read without being cached (a scan)."""
        for key in partition_range(start, end, list(self.layout.partitions())):
            path = self.layout.partition(key)
            cached = self.files.load(path, keep=keep)
            if cached:
                yield path, list(cached.data[READINGS].values())

    def partition_paths(self, end: Date | None = None) -> list[tuple[str, Path]]:
        """(key, path) of every readings file that can hold readings dated up to `end`, in date order."""
        return [(key, self.layout.partition(key)) for key in partition_range(None, end, list(self.layout.partitions()))]

    def reading_files(self, end: Date | None = None, months: set[str] | None = None) -> Iterator[tuple[Path, Cached]]:
        """(path, parsed file) of every readings file that can hold readings dated up to `end` (in
        `months`, "YYYY-MM", when given), in date order, for a whole-history scan: files not cached
        already are read without being cached, their documents in their file form (Cached.whole
        False, see documents.compact_reading)."""
        folder, dir_fd = None, None
        try:
            for key, path in self.partition_paths(end):
                if months is not None and key[:7] not in months:
                    continue
                if path.parent != folder:  # a month's folder is opened once for all its files
                    if dir_fd is not None:
                        os.close(dir_fd)
                    folder, dir_fd = path.parent, _open_dir(path.parent)
                cached = self.files.load(path, keep=False, whole=False, dir_fd=dir_fd)
                if cached:
                    yield path, cached
        finally:
            if dir_fd is not None:
                os.close(dir_fd)

    def reading_models(self, start: Date | None, end: Date | None) -> Iterator[Reading]:
        keys = list(self.layout.partitions())
        for key in partition_range(start, end, keys):
            yield from self.partition_models(key)

    def partition_models(self, key: str) -> list[Reading]:
        path = self.layout.partition(key)
        cached = self.files.load(path)
        if cached is None:
            return []
        if cached.models is None:
            cached.models = {READINGS: [self.trusted_reading(path, doc) for doc in cached.data[READINGS].values()]}
        return cached.models[READINGS]

    def entity_snapshot(self) -> Snapshot:
        """Every record but the readings."""
        tables = {name: list(self.entity_models(name).values()) for name in MAIN_TABLES}
        return Snapshot.model_construct(
            departments=tables["department"], metrics=tables["metric"], objectives=tables["objective"],
            goals=tables["goal"], incentives=tables["incentive"], tensions=tables["tension"],
            flags=tables["flag"], dismissals=tables["dismissal"], readings=[],
            settings=tables["settings"][0] if tables["settings"] else Settings(),
            links=tables["link"], initiatives=tables["initiative"],
            actions=tables["action"], meetings=tables["meeting"],
        )

    def uncached_docs(self, path: Path) -> dict[str, dict[str, Any]]:
        """A readings file's documents by id, read without keeping them (whole-history scans)."""
        cached = self.files.fresh(path)
        if cached is not None:
            return cached.data[READINGS]
        try:
            found = fsio.read_limited(path, fsio.CHUNK_LIMIT)
            return parse(path, found[0], required=(READINGS,))[READINGS] if found else {}
        except (fsio.UnsafeFile, StoreCorrupt) as exc:
            raise self.files.corrupt(path, getattr(exc, "problem", str(exc))) from None

    def checked_moments(self, path: Path, docs: list[dict[str, Any]]) -> list[datetime]:
        """Each document's recorded_at, parsed, once check_reading_doc passes them all; else the
        file they came from is damaged."""
        moments = []
        try:
            for doc in docs:
                moments.append(check_reading_doc(doc))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise self.files.corrupt(path, f"reading {doc.get('id', '?')}: {exc}") from None
        return moments

    def trusted_reading(self, path: Path, doc: dict[str, Any]) -> Reading:
        self.checked_moments(path, [doc])
        return reading_from_doc(doc)

    def history(self, metrics: set[str], as_of: Date, known: set[str]) -> list[Reading]:
        """The readings of `metrics` dated up to `as_of` whose ids are not in `known`."""
        last = as_of.isoformat()
        return [self.trusted_reading(path, doc) for path, docs in self.reading_partitions(None, as_of)
                for doc in docs
                if doc["metric"] in metrics and doc["date"] <= last and doc["id"] not in known]

    def scorecard_readings(self, as_of: Date, goals: list[Goal], objectives: list[Objective]) -> list[Reading]:
        """What series.trim keeps at `as_of` of the series that goals and objectives read.

        Each series comes from the index when its entry holds what trim needs; the few that do not
        (readings dated after as-of pushed older ones out of the window) are filled by reading
        partitions backwards from as-of, only as far as they need.
        """
        # An objective paced from its start but given no baseline takes it from its first reading
        # on or after the start, in any series of its metric.
        anchors: dict[str, set[str]] = {}
        for objective in objectives:
            if objective.start and objective.baseline is None:
                anchors.setdefault(objective.metric, set()).add(objective.start.isoformat())
        objective_metrics = {o.metric for o in objectives}
        wanted = {(g.metric, series.series_key(g.department)) for g in goals}
        docs_by_series: dict[tuple[str, str], list[dict[str, Any]]] = {}
        unserved: dict[tuple[str, str], series.Entry] = {}
        for metric in self.layout.series_files():
            cached = self.files.load_series(metric)
            for key, entry in (cached.data[SERIES] if cached else {}).items():
                if metric not in objective_metrics and (metric, key) not in wanted:
                    continue
                if series.serves(entry, as_of) and series.serves_anchors(entry, anchors.get(metric, ())):
                    docs_by_series[(metric, key)] = [*entry["first"], *entry["recent"]]
                else:
                    unserved[(metric, key)] = entry
        if unserved:
            docs_by_series.update(self._scan_back(unserved, as_of, anchors))
        found: list[Reading] = []
        for (metric, _), docs in docs_by_series.items():
            path = self.layout.series(metric)
            found += (self.trusted_reading(path, doc) for doc in series.trim(docs, as_of, anchors.get(metric, ())))
        return found

    def _scan_back(self, entries: dict[tuple[str, str], series.Entry], as_of: Date,
                   anchors: dict[str, set[str]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """Readings of `entries`' series from the month of `as_of` backwards, until each has the
        trend's dates (and reaches back to its anchor); plus each series' first-date readings."""
        found: dict[tuple[str, str], list[dict[str, Any]]] = {k: list(e["first"]) for k, e in entries.items()}
        dates: dict[tuple[str, str], set[str]] = {k: set() for k in entries}
        pending = set(entries)
        for key in reversed(partition_range(None, as_of, list(self.layout.partitions()))):
            cached = self.files.load(self.layout.partition(key))
            for doc in cached.data[READINGS].values() if cached else ():
                wanted = (doc["metric"], series.series_key(doc["department"]))
                if wanted in pending:
                    found[wanted].append(doc)
                    dates[wanted].add(doc["date"])
            cutoff = as_of.isoformat()
            pending = {
                k for k in pending
                if len({d for d in dates[k] if d <= cutoff}) < series.TREND_DATES
                or (k[0] in anchors and key[:7] > min(anchors[k[0]])[:7])
            }
            if not pending:
                break
        return found

    def find_reading(self, record_id: str) -> Reading | None:
        keys = list(self.layout.partitions())
        hinted = hinted_month(record_id)
        keys.sort(key=lambda k: k[:7] != hinted)
        for key in keys:
            for reading in self.partition_models(key):
                if reading.id == record_id:
                    return reading
        return None

    def validate(self, path: Path, cls: type[Record], doc_id: str, doc: dict[str, Any]) -> Any:
        try:
            model = cls.model_validate(doc, context=STORED)
        except ValidationError as exc:
            raise self.files.corrupt(path, f"{entity_name(cls)} {doc_id}: {'; '.join(describe_errors(exc))}") from None
        if model.id != doc_id:
            raise self.files.corrupt(path, f"{entity_name(cls)} stored under {doc_id!r} has id {model.id!r}")
        return model


def _open_dir(folder: Path) -> int | None:
    """fsio.open_dir of `folder`, or None when it cannot be had: each file's own read then says why."""
    try:
        return fsio.open_dir(folder)
    except (OSError, fsio.UnsafeFile):
        return None
