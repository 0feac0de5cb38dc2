"""Where a store's files live.

For a store at `team/store.json`:
    team/store.json                    entity tables (TinyDB JSON: {table: {id: document}})
    team/store.json.lock               the flock every read and write takes
    team/store.json.d/readings/YYYY-MM/YYYY-MM[.N].json   readings: a folder per month holding
                                       numbered TinyDB files ("chunks") of at most CHUNK_SIZE
    team/store.json.d/series/METRIC.json  per series, the readings a scorecard needs (series.py)
    team/store.json.d/audit.jsonl      the append-only audit trail: its newest entries
    team/store.json.d/audit/NNNNNN-KKKK.jsonl.gz  its older entries, compressed (auditlog.py)
    team/store.json.d/journal.json     present only while a commit is being applied
    team/store.json.d/backups/NAME.N   the last few versions of each data file

Readings and the audit trail grow without bound; splitting them off keeps the cost of a write
independent of history.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

BACKUPS_KEPT = 3
# A readings file keeps one: there are thousands, each as large as its readings, and once a month
# is written its files rarely change again (three backups each made them as large as the readings).
# So does a series file: the index is rebuilt from the readings.
READING_BACKUPS_KEPT = 1
_PARTITION_RE = re.compile(r"^(\d{4})-(\d{2})(\.\d+)?\.json$")
_MONTH_RE = re.compile(r"^\d{4}-\d{2}$")
# Readings of one month fill numbered chunks of at most this many ("2026-03", "2026-03.2", ...),
# so a write rewrites a file of bounded size however dense the history is; a folder per month
# keeps finding a month's chunks from growing with history too.
CHUNK_SIZE = 500


@dataclass(frozen=True)
class Layout:
    """Paths are cached: building a Path costs microseconds, and loads ask for thousands."""

    main: Path
    # Paths of chunks and series files by key: an import asks for the same few thousands of times.
    _chunk_paths: dict[str, Path] = field(default_factory=dict, init=False, repr=False, compare=False)
    _series_paths: dict[str, Path] = field(default_factory=dict, init=False, repr=False, compare=False)

    @cached_property
    def lock(self) -> Path:
        return self.main.with_name(self.main.name + ".lock")

    @cached_property
    def data_dir(self) -> Path:
        return self.main.with_name(self.main.name + ".d")

    @cached_property
    def readings_dir(self) -> Path:
        return self.data_dir / "readings"

    @cached_property
    def series_dir(self) -> Path:
        return self.data_dir / "series"

    def series(self, metric: str) -> Path:
        found = self._series_paths.get(metric)
        if found is None:
            found = self._series_paths[metric] = self.series_dir / f"{metric}.json"
        return found

    def series_files(self) -> dict[str, Path]:
        try:
            return {p.name[:-5]: p for p in sorted(self.series_dir.iterdir()) if p.name.endswith(".json")}
        except FileNotFoundError:
            return {}

    @cached_property
    def audit(self) -> Path:
        return self.data_dir / "audit.jsonl"

    @cached_property
    def audit_dir(self) -> Path:
        return self.data_dir / "audit"

    @cached_property
    def journal(self) -> Path:
        return self.data_dir / "journal.json"

    @cached_property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    @cached_property
    def directories(self) -> tuple[Path, ...]:
        return (self.main.parent, self.data_dir, self.readings_dir, self.series_dir, self.backups_dir,
                self.audit_dir)

    def partition(self, key: str) -> Path:
        found = self._chunk_paths.get(key)
        if found is None:
            found = self._chunk_paths[key] = self.readings_dir / key[:7] / f"{key}.json"
        return found

    def month_dirs(self) -> list[Path]:
        try:
            # A link in place of a month folder is no month of this store (members can plant one).
            return sorted(Path(e.path) for e in os.scandir(self.readings_dir)
                          if _MONTH_RE.match(e.name) and e.is_dir(follow_symlinks=False))
        except FileNotFoundError:
            return []

    def month_partitions(self, month: str) -> list[str]:
        """The keys of one month's existing chunks, in order."""
        try:
            names = [n for n in os.listdir(self.readings_dir / month) if _PARTITION_RE.match(n)]
        except FileNotFoundError:
            return []
        return sorted((n[:-5] for n in names), key=chunk_order)

    def partitions(self) -> dict[str, Path]:
        """Existing reading partitions by key ("2026-03", "2026-03.2"), oldest first."""
        return {key: self.partition(key) for month in self.month_dirs() for key in self.month_partitions(month.name)}

    def is_partition(self, path: Path) -> bool:
        return path.parent.parent == self.readings_dir

    def keeps_one_backup(self, path: Path) -> bool:
        """A readings or series file: see READING_BACKUPS_KEPT."""
        return self.is_partition(path) or path.parent == self.series_dir

    def backup(self, target: Path, n: int) -> Path:
        return self.backups_dir / f"{self._backup_stem(target)}.{n}"

    def _backup_stem(self, target: Path) -> str:
        if self.is_partition(target):
            return f"readings-{target.name}"
        if target.parent == self.series_dir:
            return f"series-{target.name}"
        return target.name


def partition_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def chunk_order(key: str) -> tuple[str, int]:
    """Sort key of a partition key: its month, then its chunk number (the first chunk is 1)."""
    month, _, number = key.partition(".")
    return (month, int(number) if number else 1)


def next_chunk(key: str) -> str:
    month, number = chunk_order(key)
    return f"{month}.{number + 1}"


def partition_range(start: date | None, end: date | None, keys: list[str]) -> list[str]:
    """The existing partition keys that can hold readings dated within [start, end]."""
    low = partition_key(start) if start else ""
    high = partition_key(end) if end else "9999-99"
    return [k for k in keys if low <= k[:7] <= high]
