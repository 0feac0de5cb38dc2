"""What `cxtui doctor` reads of a store: every readings file and the audit trail, scanned a file
at a time, so memory stays flat however large the store."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from cxtui.models import (
    Snapshot,
    reading_bound_problems,
)
from cxtui.store import forked, fsio
from cxtui.store.documents import SERIES, digest
from cxtui.store.errors import (
    StoreCorrupt,
)
from cxtui.store.health import (
    Problem,
    Tally,
    TrailScan,
    audit_problems,
    audited_readings,
    bucket,
    duplicate_reading_problems,
    reading_audit_problems,
    reading_reference_problems,
    scan_trail,
    weight,
)
from cxtui.store.loading import Loader
from cxtui.store.read_view import ReadView
from cxtui.store.record_docs import checked_utc_texts


def series_docs(files: Loader, view: ReadView) -> tuple[dict[str, tuple[Path, dict[str, Any]]], list[Problem]]:
    """The readings the series index holds (id -> (file, document)), and the files that fail to
    load. The index is what every scorecard reads: each reading it holds must be the reading the
    readings files hold (else one member's edit of the index would change everyone's scorecard
    while the readings, and the audit, say otherwise); scan_readings checks that."""
    docs: dict[str, tuple[Path, dict[str, Any]]] = {}
    problems = []
    for metric, path in files.layout.series_files().items():
        try:
            cached = files.load_series(metric)
            for entry in (cached.data[SERIES].values() if cached else ()):
                held = [*entry["first"], *entry["recent"]]
                view.checked_moments(path, held)
                docs.update((d["id"], (path, d)) for d in held)
        except (StoreCorrupt, fsio.UnsafeFile) as exc:
            problems.append(Problem(level="error", message=str(exc)))
        except (KeyError, TypeError, AttributeError) as exc:
            problems.append(Problem(level="error", message=str(files.corrupt(path, f"not a series index ({exc!r})"))))
    return docs, problems

def scan_readings(files: Loader, view: ReadView, snapshot: Snapshot,
                  series_docs: dict[str, tuple[Path, dict[str, Any]]]) -> tuple[Tally, list[Problem]]:
    """One pass over every readings file: each document checked as a read checks it, its
    references, its id held once, the series index's copy of it, today's input bounds (warnings);
    the tally of their digests."""
    metrics = {m.id: m for m in snapshot.metrics}
    departments = {d.id for d in snapshot.departments}
    problems: list[Problem] = []
    tally = Tally()
    seen: set[int] = set()
    maybe_twice: set[str] = set()  # ids whose hash() was met before: checked exactly below
    strays: dict[Path, str] = {}
    unseen = set(series_docs)
    for key in files.layout.partitions():
        path = files.layout.partition(key)
        docs = list(view.uncached_docs(path).values())
        if checked_utc_texts(docs) is None:  # the whole-file check declined: the one that names what
            view.checked_moments(path, docs)
        problems += [Problem(level="warning", message=f"reading {docs[i]['id']}: {line}")
                     for i, line in reading_bound_problems(docs)]
        for doc in docs:
            record_id = doc["id"]
            metric, department = metrics.get(doc["metric"]), doc["department"]
            if (metric is None or (metric.scale is not None and not metric.scale.contains(doc["value"]))
                    or (department is not None and department not in departments)):
                problems += reading_reference_problems(doc, metrics, departments)
            h = hash(record_id)
            if h in seen:
                maybe_twice.add(record_id)
            seen.add(h)
            indexed = series_docs.get(record_id)
            if indexed is not None:
                unseen.discard(record_id)
                if indexed[1] != doc:
                    strays.setdefault(indexed[0], record_id)
            tally.add(h, weight(digest(doc)))
    del seen
    for record_id in unseen:
        strays.setdefault(series_docs[record_id][0], record_id)
    for path, record_id in sorted(strays.items()):
        problems.append(Problem(level="error", message=str(
            files.corrupt(path, f"reading {record_id} is not the reading the readings files hold"))))
    if maybe_twice:
        counts = dict.fromkeys(maybe_twice, 0)
        for key in files.layout.partitions():
            for doc in view.uncached_docs(files.layout.partition(key)).values():
                if doc["id"] in counts:
                    counts[doc["id"]] += 1
        problems += duplicate_reading_problems({i for i, n in counts.items() if n > 1})
    return tally, problems

def readings_and_trail(files: Loader, view: ReadView, snapshot: Snapshot,
                       indexed: dict[str, tuple[Path, dict[str, Any]]], *, fork: bool) -> list[Problem]:
    """scan_readings and the audit trail's scan, and how they differ. With `fork` (forked.can_fork),
    the trail, a third of doctor's work at a million readings, is scanned by a forked copy of this
    process while this one scans the readings, under the same lock. Its result comes back pickled
    through the copy's unnamed temp file, which no other process can open."""
    (stored, problems), trail = forked.together(
        lambda: scan_readings(files, view, snapshot, indexed),
        lambda: pickle.dumps(_trail(files.layout)), fork=fork)
    return problems + trail_problems(files, view, snapshot, stored, pickle.loads(trail))


def _trail(layout) -> TrailScan | Problem:
    try:
        return scan_trail(layout)
    except fsio.UnsafeFile as exc:
        return Problem(level="error", message=str(exc))


def trail_problems(files: Loader, view: ReadView, snapshot: Snapshot, stored: Tally,
                   trail: TrailScan | Problem) -> list[Problem]:
    """Records and readings against the newest audit entry of each: see health.Tally."""
    if isinstance(trail, Problem):
        return [trail]
    layout = files.layout
    problems = []
    if trail.bad:
        named = ", ".join(f"{line.source.relative_to(layout.data_dir)}:{line.number}" for line in trail.bad[:10])
        problems.append(Problem(level="error", message=f"audit trail {layout.audit}: unreadable lines {named}"))
    problems += audit_problems(snapshot, trail.last)
    buckets = trail.tally.differing(stored)
    if buckets:
        held = {doc["id"]: digest(doc) for key in layout.partitions()
                for doc in view.uncached_docs(layout.partition(key)).values() if bucket(doc["id"]) in buckets}
        problems += reading_audit_problems(audited_readings(layout, buckets), held)
    return problems
