"""The store: a typed repository over TinyDB files that several processes write at once.

Every operation, read or write, runs under an flock on the sidecar lock file and reads the files
afresh inside it (parsed files are cached by (inode, mtime, size), which every atomic replace
changes). Writes become one journaled commit (see journal.py), so a change is wholly applied or not
at all, whichever process dies where. Callers get models, never raw documents.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import math
import os
import re
import secrets
import stat
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date as Date
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal, TypeVar

import orjson
from pydantic import BaseModel, ValidationError

from cxtui.models import (
    MAX_SEQUENCE,
    SEQUENCE_PREFIX,
    STORED,
    AuditEntry,
    Goal,
    Objective,
    Reading,
    Record,
    RuleError,
    Settings,
    Snapshot,
    aware,
    check_goal_scale,
    check_in_scale,
    check_incentive_weights,
    check_link_cycle,
    describe_errors,
    entity_name,
    link_id,
    sequence_number,
    slugify,
    tension_id,
    text_problem,
    utcnow,
)
from cxtui.store import auditlog, fsio, journal, permissions, series, sharing
from cxtui.store.documents import META, READINGS, SERIES, Documents, digest, dumps, is_sound, parse
from cxtui.store.errors import (
    ChangedSince,
    DuplicateRecord,
    NotFound,
    NothingToUndo,
    ReferenceViolation,
    RuleViolation,
    StaleRecord,
    StoreCorrupt,
    StoreExists,
    StoreIOError,
    StoreLocked,
    StoreMissing,
    StoreTooNew,
    WritesRefused,
)
from cxtui.store.health import (
    Problem,
    Tally,
    audit_problems,
    audited_readings,
    bucket,
    duplicate_reading_problems,
    foreign_problems,
    mode_problems,
    reading_audit_problems,
    reading_reference_problems,
    reference_problems,
    scan_trail,
    weight,
)
from cxtui.store.identity import acting_identity
from cxtui.store.files import (
    BACKUPS_KEPT,
    CHUNK_SIZE,
    Layout,
    chunk_order,
    next_chunk,
    partition_key,
    partition_range,
)
from cxtui.store.migrations import SCHEMA_VERSION, migrate

NEW_ID = "new"
ANY_DEPARTMENT = "*"
DEFAULT_LOCK_TIMEOUT = 10.0
# A lock file another member has just created keeps their umask's mode until, a moment later, its
# creator sets it to 0660: a refusal to open it is retried this long before it counts as an error.
LOCK_PERMISSION_GRACE = 1.0

M = TypeVar("M", bound=Record)

# Entities kept in the main file, in the order a snapshot lists them.
_MAIN_TABLES = ("department", "metric", "objective", "goal", "incentive", "tension", "flag", "dismissal", "settings",
                "link", "initiative")
_READING_ID_RE = re.compile(r"^R-(\d{4})(\d{2})\d{2}-")


def _natural_key(record_id: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", record_id)]


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


@dataclass
class _Cached:
    key: tuple[int, int, int]
    data: dict[str, Any]
    models: dict[str, list[Any]] | None = None


class Store:
    def __init__(self, path: str | os.PathLike[str], *, user: str | None = None,
                 lock_timeout: float = DEFAULT_LOCK_TIMEOUT, refuse_writes: str | None = None) -> None:
        """`refuse_writes`, when given, is why every write is refused (`WritesRefused`): a session
        that only shows the store."""
        given = Path(path).absolute()
        # The directory the user named is resolved once, here (it may be reached through links they
        # made); from then on every file operation refuses a link on the way (fsio.open_dir), since
        # a member of a shared store's group could have planted it.
        self.path = Path(os.path.realpath(given.parent)) / given.name
        self.layout = Layout(self.path)
        # `user` other than one's own login is refused unless the process is root (see identity.py).
        self.identity = acting_identity(user)
        self.user = self.identity.user
        self.lock_timeout = lock_timeout
        self.refuse_writes = refuse_writes
        self._thread_lock = threading.RLock()
        self._depth = 0  # nesting of _locked() in the thread holding _thread_lock
        self._read_only = False  # whether the lock held is the shared one of a reader who may not write
        self._cache: dict[Path, _Cached] = {}

    # --- creation ---------------------------------------------------------------------------------

    @classmethod
    def init(cls, path: str | os.PathLike[str], *, user: str | None = None, group: str | None = None,
             lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> Store:
        """Create an empty store; the creating user becomes its first admin."""
        store = cls(path, user=user, lock_timeout=lock_timeout)
        layout = store.layout
        gid = sharing.group_id(group) if group else None
        if group:
            sharing.check_shareable(layout.main, group)
        # Checked again under the lock; this early look keeps `init --group` on an existing store
        # from changing its directory's group and mode before refusing.
        if layout.main.exists() or layout.data_dir.exists():
            raise StoreExists(layout.main)
        if not layout.main.parent.is_dir():  # the user's own choice, which may be a link they made
            fsio.ensure_dir(layout.main.parent)
        if gid is not None:
            sharing.share_directory(layout.main.parent, gid)
        with store._locked():
            if layout.main.exists() or layout.data_dir.exists():
                raise StoreExists(layout.main)
            for directory in layout.directories[1:]:
                fsio.ensure_dir(directory)
                if gid is not None:
                    sharing.share_directory(directory, gid)
            now = utcnow()
            settings = Settings(admins=[store.user], version=1, updated_by=store.user, updated_at=now)
            data = {META: {"1": {"schema": SCHEMA_VERSION, "seq": {}, "created_by": store.user,
                                 "created_at": now.isoformat(), "series_index": 1}}}
            data.update({table: {} for table in _MAIN_TABLES})
            data["settings"]["settings"] = _dump(settings)
            tx = _new_tx_id()
            entry = AuditEntry(id=f"{tx}.0", tx=tx, at=now, by=store.user, real_user=store.identity.real_user,
                               action="add", entity="settings", entity_id="settings", after=_dump(settings))
            store._commit(tx, {layout.main: dumps(data)}, [entry])
            if gid is not None:
                sharing.share_files([layout.main, layout.lock, layout.audit], gid)
        return store

    def exists(self) -> bool:
        return self.layout.main.exists()

    # --- reads ------------------------------------------------------------------------------------

    def get(self, cls: type[M], record_id: str) -> M:
        found = self.find(cls, record_id)
        if found is None:
            raise NotFound(entity_name(cls), record_id)
        return found

    def find(self, cls: type[M], record_id: str) -> M | None:
        with self._reading() as view:
            if cls is Reading:
                return view.find_reading(record_id)  # type: ignore[return-value]
            return view.entity_models(entity_name(cls)).get(record_id)

    def list(self, cls: type[M]) -> list[M]:
        if cls is Reading:
            return self.readings()  # type: ignore[return-value]
        with self._reading() as view:
            return list(view.entity_models(entity_name(cls)).values())

    def settings(self) -> Settings:
        return self.get(Settings, "settings")

    def readings(self, metric: str | None = None, department: str | None = ANY_DEPARTMENT,
                 start: Date | None = None, end: Date | None = None) -> list[Reading]:
        """Readings sorted by date then recording time; `department=None` means company level."""
        with self._reading() as view:
            found = [
                r for r in view.reading_models(start, end)
                if (metric is None or r.metric == metric)
                and (department == ANY_DEPARTMENT or r.department == department)
                and (start is None or r.date >= start)
                and (end is None or r.date <= end)
            ]
        found.sort(key=lambda r: (r.date, r.recorded_at))
        return found

    def reading_rows(self, columns: Sequence[str], department: str | None = ANY_DEPARTMENT,
                     end: Date | None = None) -> list[list[Any]]:
        """The readings of readings(department=, end=), in its order, as rows of `columns` values.

        For exports of a whole history, where building every Reading costs more than writing the
        file: each document gets the same checks, and dates and timestamps come as their ISO text
        (timestamps as datetime.isoformat writes them)."""
        last = end.isoformat() if end else None
        every = department == ANY_DEPARTMENT
        moments = [(i, name == "recorded_at") for i, name in enumerate(columns) if name in ("recorded_at", "updated_at")]
        rows: list[list[Any]] = []
        keyed: list[tuple[str, str, int, list[Any]]] = []
        month = ""
        with self._reading() as view:
            # Files are read one at a time and not kept (a million readings' documents took 1.8 GB);
            # months come in order and a month's readings all lie within it, so each month is sorted
            # on its own.
            for path, docs in view.reading_partitions(None, end, keep=False):
                if path.parent.name != month:
                    keyed.sort()  # tuples compare in C; the running number keeps ties in file order
                    rows += [row for *_, row in keyed]
                    keyed, month = [], path.parent.name
                # Every document of a file is checked, also those the filters leave out: a damaged
                # file is refused whatever the export asks for, as snapshot() refuses it.
                moments_of = _checked_utc_texts(docs)
                if moments_of is None:  # the slow check, which says what is wrong
                    moments_of = [_utc_text(m) for m in view.checked_moments(path, docs)]
                for doc, moment in zip(docs, moments_of, strict=True):
                    if (every or doc["department"] == department) and (last is None or doc["date"] <= last):
                        row = list(map(doc.get, columns))
                        for i, parsed in moments:
                            if row[i]:
                                row[i] = _iso_moment(row[i], parsed=parsed)
                        keyed.append((doc["date"], moment, len(keyed), row))
        keyed.sort()
        rows += [row for *_, row in keyed]
        return rows

    def reading_ids(self) -> set[str]:
        """Every reading's id (what an import checks the ids it is given against)."""
        with self._reading() as view:
            return {doc["id"] for _, docs in view.reading_partitions(None, None, keep=False) for doc in docs}

    def snapshot(self, as_of: Date | None = None) -> Snapshot:
        """Every record. With `as_of`, only the readings a scorecard at that date reads: of the
        series that goals and objectives use, what series.trim keeps, and every reading up to that
        date of the metrics that links join and initiatives should move. The scorecard, conflicts and
        due lists come out the same as from every reading, and a large store opens far faster."""
        with self._reading() as view:
            entities = view.entity_snapshot()
            if as_of is None:
                readings = list(view.reading_models(None, None))
            else:
                readings = view.scorecard_readings(as_of, entities.goals, entities.objectives)
                # The driver chain is measured over its whole history (the conflict rule
                # evidence_against, the chain screen): the readings up to as_of of the metrics that
                # links join and initiatives should move come in full.
                chain = {m for link in entities.links for m in (link.driver, link.outcome)}
                chain |= {m.split(":")[0] for initiative in entities.initiatives for m in initiative.metrics}
                if chain:
                    readings += view.history(chain, as_of, {r.id for r in readings})
        readings.sort(key=lambda r: (r.date, r.recorded_at))
        return entities.model_copy(update={"readings": readings})

    def audit(self, entity: str | None = None, entity_id: str | None = None, user: str | None = None,
              limit: int | None = None) -> list[AuditEntry]:
        """Audit entries, oldest first; with `limit`, the newest `limit` of them (read from the end,
        so their cost does not grow with the trail). Lines that are not entries are left out
        (doctor names them). A created reading's entry holds its digest, not the reading."""
        if limit:
            page, _ = self.audit_page(limit, entity=entity, entity_id=entity_id, user=user, resolve=False)
            return page[::-1]
        wanted = _audit_filter(entity, entity_id, user)
        with self._reading():
            return [e for e in _entries(auditlog.lines(self.layout)) if wanted(e)]

    def audit_page(self, limit: int, *, older_than: str | None = None, entity: str | None = None,
                   entity_id: str | None = None, user: str | None = None,
                   resolve: bool = True) -> tuple[list[AuditEntry], str | None]:
        """Up to `limit` entries, newest first, older than the entry `older_than` (an id a previous
        page returned) when given; and the id to ask the next page with (None: the trail's start).

        With `resolve`, a created reading's entry comes with the reading as `after` where it can be
        had cheaply: the `before` of its next change among the entries read, else the store's
        document when it still has the entry's digest (validated as the store reads readings)."""
        wanted = _audit_filter(entity, entity_id, user)
        page: list[AuditEntry] = []
        with self._reading() as view:
            found = auditlog.lines(self.layout, reverse=True)
            if older_than is not None:
                mark = b'{"id":' + orjson.dumps(older_than) + b","
                if not any(line.text.startswith(mark) for line in found):
                    return [], None
            last_id = None
            for entry in _entries(found):
                last_id = entry.id
                if wanted(entry):
                    page.append(entry)
                    if len(page) == limit:
                        break
            else:
                last_id = None
            if resolve:
                page = _resolved(view, page)
        return page, last_id

    def replay_audit(self) -> list[str]:
        """How the store differs from what its audit trail, replayed over an empty store, leaves
        (auditlog.replay): nothing when the trail accounts for every record and every reading."""
        with self._reading() as view:
            def entries() -> Iterator[AuditEntry]:
                for line in auditlog.lines(self.layout):
                    try:
                        yield auditlog.parse(line.text)
                    except ValueError as exc:
                        raise auditlog.ReplayMismatch(f"{line.source.name} line {line.number}: {exc}") from None

            try:
                tables, readings = auditlog.replay(entries())
            except auditlog.ReplayMismatch as exc:
                return [str(exc)]
            found = []
            for entity in _MAIN_TABLES:
                held, replayed = view.main.data.get(entity, {}), tables.get(entity, {})
                ids = sorted(i for i in held.keys() | replayed.keys() if held.get(i) != replayed.get(i))
                found += [f"{entity} {i}: the store holds {held.get(i)!r}, the trail {replayed.get(i)!r}" for i in ids]
            for key in self.layout.partitions():
                for record_id, doc in view.uncached_docs(self.layout.partition(key)).items():
                    if readings.pop(record_id, None) != digest(doc):
                        found.append(f"reading {record_id} is not the reading the trail holds")
            found += [f"reading {record_id} is in the trail but not in the store" for record_id in sorted(readings)]
        return found

    def change_token(self) -> tuple[Any, ...]:
        """Cheap: changes whenever any process commits to this store."""
        return (fsio.stat_key(self.layout.main), fsio.stat_key(self.layout.audit),
                fsio.stat_key(self.layout.journal))

    # --- writes -----------------------------------------------------------------------------------

    def add(self, model: M) -> M:
        return self.add_many([model])[0]

    def add_many(self, models: Sequence[Record]) -> list[Any]:
        """Add every model in one commit: all are stored, or none is."""
        with self._transaction() as tx:
            return [tx.add(model) for model in models]

    def add_stream(self, models: Iterable[Record]) -> int:
        """add_many for any number of models, in memory bounded by a constant: full readings chunks
        and the audit lines go to temp files as they are made, not held to the commit. Returns how
        many were added."""
        with self._transaction(bulk=True) as tx:
            count = 0
            for model in models:
                tx.add(model)
                count += 1
            return count

    def update(self, model: M) -> M:
        with self._transaction() as tx:
            return tx.update(model)

    def delete(self, cls: type[Record], record_id: str, *, version: int | None = None) -> None:
        with self._transaction() as tx:
            tx.delete(entity_name(cls), record_id, version)

    def record(self, metric: str, value: Any, *, department: str | None = None, date: Date | None = None,
               confidence: Any = None, note: str = "") -> Reading:
        reading = Reading(
            id=NEW_ID, metric=metric, department=department, date=date or Date.today(), value=value,
            confidence=confidence, note=note, recorded_by=self.user, recorded_at=utcnow(),
        )
        return self.add(reading)

    # --- health -----------------------------------------------------------------------------------

    def revert(self, change: str | None = None) -> list[AuditEntry]:
        """Undo a change: `change` names an audit entry (one record's change) or a transaction
        (every change it made, as a check-in or an import); None means this user's last
        transaction that is not itself an undo and has not been undone. Each record goes back to
        what it was before the change, in one new transaction whose entries say what they revert;
        the same permissions apply as to any change. Returns the entries reverted.

        Refused (NothingToUndo, ChangedSince) when there is nothing to undo, or when a record has
        changed since (naming who changed it and when): undo that later change first."""
        with self._transaction() as tx:
            targets, newer = self._undo_scan(change)
            shown = _resolved(tx, targets)  # created readings as they were, for the caller to name
            tx.reverts = targets[0].tx
            for entry in reversed(targets):
                self._revert_one(tx, entry, newer)
            return shown

    def last_change(self) -> list[AuditEntry]:
        """What `revert()` without an id would undo now (this user's last change), or []."""
        with self._reading() as view:
            try:
                return _resolved(view, self._undo_scan(None)[0])
            except NothingToUndo:
                return []

    def _undo_scan(self, change: str | None) -> tuple[list[AuditEntry], list[AuditEntry]]:
        """The entries `change` names (None: this user's last transaction that is not an undo and
        was not undone), oldest first, and every entry newer than them, newest first. Reads the
        trail from its end only as far as the change."""
        undone: set[str] = set()
        newer: list[AuditEntry] = []
        targets: list[AuditEntry] = []
        for entry in _entries(auditlog.lines(self.layout, reverse=True)):
            if targets and entry.tx != targets[-1].tx:
                break  # a transaction's entries are written together
            if change is None and entry.by == self.user and not entry.reverts and entry.tx not in undone:
                change = entry.tx
            if change is not None and change in (entry.id, entry.tx):
                targets.append(entry)
            elif not targets:
                if entry.reverts:
                    undone.add(entry.reverts)
                newer.append(entry)
        if not targets:
            if change is None:
                raise NothingToUndo(f"{self.user} has no change left to undo")
            raise NothingToUndo(f"no change {change} is in the audit trail (cxtui history lists them)")
        if targets[0].tx in undone:
            raise NothingToUndo(f"change {change} was undone already")
        return targets[::-1], newer

    def _revert_one(self, tx: _Tx, entry: AuditEntry, newer: list[AuditEntry]) -> None:
        cls = _entity_class(entry.entity)
        try:
            current = tx._current(entry.entity, entry.entity_id)
        except NotFound:
            current = None
        now = _dump(current) if current is not None else None
        # A created reading's entry holds the digest of what it created, not a copy.
        unchanged = (now is not None and digest(now) == entry.digest) if entry.digest else now == entry.after
        if not unchanged:
            later = next((e for e in newer if (e.entity, e.entity_id) == (entry.entity, entry.entity_id)), None)
            raise ChangedSince(entry, later)
        if entry.action == "add":
            tx.delete(entry.entity, entry.entity_id, current.version)
        elif entry.action == "update":
            before = cls.model_validate(entry.before, context=STORED)
            tx.update(before.model_copy(update={"version": current.version}))
        else:
            tx.add(cls.model_validate(entry.before, context=STORED))

    def doctor(self) -> list[Problem]:
        """Check every file and every reference; an empty list means the store is sound.

        Streams: readings files are read one at a time and not kept, the audit trail from its end a
        piece at a time; what it holds per reading is a hash of its id (see health.Tally)."""
        problems: list[Problem] = []
        layout = self.layout
        try:
            with self._locked(write=False) as writable:
                # One who may not write checks the store as it stands (snapshot() refuses a
                # half-applied commit, which only a writer can finish).
                if writable and journal.recover(layout):
                    problems.append(Problem(level="warning", message="finished a commit an interrupted writer left"))
                if writable:
                    fsio.remove_temp_files(layout.month_dirs())
                with self._reading() as view:
                    snapshot = view.entity_snapshot()
                    problems += reference_problems(snapshot)
                    series_docs, series_found = self._series_docs(view)
                    problems += series_found
                    stored, found = self._scan_readings(view, snapshot, series_docs)
                    problems += found
                    problems += self._audit_problems(view, snapshot, stored)
        except (StoreCorrupt, StoreMissing, StoreTooNew, StoreLocked, StoreIOError, fsio.UnsafeFile) as exc:
            return [Problem(level="error", message=str(exc))]
        problems += [Problem(level="error", message=line) for line in journal.rejected(layout)]
        problems += mode_problems(layout)
        problems += foreign_problems(layout)
        return problems

    def _series_docs(self, view: _View) -> tuple[dict[str, tuple[Path, dict[str, Any]]], list[Problem]]:
        """The readings the series index holds (id -> (file, document)), and the files that fail to
        load. The index is what every scorecard reads: each reading it holds must be the reading the
        readings files hold (else one member's edit of the index would change everyone's scorecard
        while the readings, and the audit, say otherwise); _scan_readings checks that."""
        docs: dict[str, tuple[Path, dict[str, Any]]] = {}
        problems = []
        for metric, path in self.layout.series_files().items():
            try:
                cached = self._load_series(metric)
                for entry in (cached.data[SERIES].values() if cached else ()):
                    held = [*entry["first"], *entry["recent"]]
                    view.checked_moments(path, held)
                    docs.update((d["id"], (path, d)) for d in held)
            except (StoreCorrupt, fsio.UnsafeFile) as exc:
                problems.append(Problem(level="error", message=str(exc)))
            except (KeyError, TypeError, AttributeError) as exc:
                problems.append(Problem(level="error", message=str(self._corrupt(path, f"not a series index ({exc!r})"))))
        return docs, problems

    def _scan_readings(self, view: _View, snapshot: Snapshot,
                       series_docs: dict[str, tuple[Path, dict[str, Any]]]) -> tuple[Tally, list[Problem]]:
        """One pass over every readings file: each document checked as a read checks it, its
        references, its id held once, the series index's copy of it; the tally of their digests."""
        metrics = {m.id: m for m in snapshot.metrics}
        departments = {d.id for d in snapshot.departments}
        problems: list[Problem] = []
        tally = Tally()
        seen: set[int] = set()
        maybe_twice: set[str] = set()  # ids whose hash() was met before: checked exactly below
        strays: dict[Path, str] = {}
        unseen = set(series_docs)
        for key in self.layout.partitions():
            path = self.layout.partition(key)
            docs = list(view.uncached_docs(path).values())
            view.checked_moments(path, docs)
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
                self._corrupt(path, f"reading {record_id} is not the reading the readings files hold"))))
        if maybe_twice:
            counts = dict.fromkeys(maybe_twice, 0)
            for key in self.layout.partitions():
                for doc in view.uncached_docs(self.layout.partition(key)).values():
                    if doc["id"] in counts:
                        counts[doc["id"]] += 1
            problems += duplicate_reading_problems({i for i, n in counts.items() if n > 1})
        return tally, problems

    def _audit_problems(self, view: _View, snapshot: Snapshot, stored: Tally) -> list[Problem]:
        """Records and readings against the newest audit entry of each: see health.Tally."""
        layout = self.layout
        try:
            trail = scan_trail(layout)
        except fsio.UnsafeFile as exc:
            return [Problem(level="error", message=str(exc))]
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

    # --- internals --------------------------------------------------------------------------------

    @contextmanager
    def _locked(self, *, write: bool = True) -> Iterator[bool]:
        """Hold the store's lock; yields whether this process may write under it.

        With write=False (reading commands), a store this user cannot write (a read-only file
        system, a directory or lock file without write permission) is still read: under a shared
        flock on the lock file opened read-only, which keeps writers out as the exclusive one does,
        or, when there is no lock file to open, without one (nobody can have written since)."""
        if not self.layout.main.parent.is_dir():
            raise StoreMissing(self.layout.main)
        with self._thread_lock:
            if self._depth:
                if write and self._read_only:
                    raise StoreIOError(self.layout.lock, PermissionError(errno.EACCES, "the store is read-only here"))
                self._depth += 1
                try:
                    yield not self._read_only
                finally:
                    self._depth -= 1
                return
            self._check_directories()
            fd, shared = self._open_lock(write)
            try:
                if fd is not None and not fsio.flock(fd, self.lock_timeout, shared=shared):
                    raise StoreLocked(self.path, self.lock_timeout)
                self._depth, self._read_only = 1, shared
                try:
                    yield not shared
                finally:
                    self._depth, self._read_only = 0, False
            finally:
                if fd is not None:
                    os.close(fd)  # releases the flock

    def _open_lock(self, write: bool) -> tuple[int | None, bool]:
        """(fd of the lock file or None, whether only a shared lock can be had on it)."""
        refused_until = time.monotonic() + LOCK_PERMISSION_GRACE
        while True:
            try:
                return fsio.open_lock(self.layout.lock), False
            except OSError as exc:
                refused = isinstance(exc, PermissionError) or exc.errno == errno.EROFS
                if not write and refused:
                    try:
                        return fsio.open_lock_for_reading(self.layout.lock), True
                    except PermissionError:
                        pass  # not even readable: maybe a member's new lock file, still with their umask
                    except OSError as again:
                        raise StoreIOError(self.layout.lock, again) from None
                if not isinstance(exc, PermissionError) or time.monotonic() >= refused_until:
                    raise StoreIOError(self.layout.lock, exc) from None
                time.sleep(0.01)

    def _check_directories(self) -> None:
        """Refuse a store whose directories anyone may write to, or whose member-writable
        directories are links (every member can replace them) or not of the store's group."""
        layout = self.layout
        directory = layout.main.parent
        st = os.stat(directory)  # the store's own directory may be reached through a link its owner made
        if st.st_mode & stat.S_IWOTH:
            raise fsio.UnsafeFile(directory, "the store's directory is writable by everyone")
        gid = st.st_gid if st.st_mode & stat.S_ISGID else None
        for sub in layout.directories[1:]:
            try:
                fsio.check_dir(sub, gid)
            except FileNotFoundError:
                pass

    @contextmanager
    def _reading(self) -> Iterator[_View]:
        with self._locked(write=False) as writable:
            if writable:
                journal.recover(self.layout)
            elif fsio.stat_key(self.layout.journal) is not None:
                # Half-applied, the files could be of two states; finishing it needs a writer.
                raise StoreIOError(self.layout.journal, PermissionError(
                    errno.EACCES, "a commit a writer left unfinished waits for a member who can write "
                                  "to the store to run any cxtui command"))
            yield _View(self, self._load_indexed_main())

    @contextmanager
    def _transaction(self, *, bulk: bool = False) -> Iterator[_Tx]:
        # Every write (add, add_many, add_stream, update, delete, record, revert) comes through here,
        # so a refusal here refuses all, before the lock is taken or any file is touched.
        if self.refuse_writes is not None:
            raise WritesRefused(self.refuse_writes)
        with self._locked():
            journal.recover(self.layout)
            tx = _Tx(self, self._load_indexed_main(), bulk=bulk)
            try:
                yield tx
                tx.commit()
            except BaseException:
                # TinyDB edited the cached documents in place; they no longer match the files.
                self._cache.clear()
                tx.discard()
                raise
            finally:
                tx.close()

    def _commit(self, tx: str, files: dict[Path, bytes], audit: list[AuditEntry] | _AuditSpool,
                written: Sequence[journal.Written] = ()) -> None:
        lines = audit.file if isinstance(audit, _AuditSpool) else b"".join(_audit_line(entry) for entry in audit)
        try:
            prepared = journal.prepare(self.layout, tx, files, lines, written)
        except OSError as exc:
            self._cache.clear()
            raise StoreIOError(self.path, exc) from None
        try:
            journal.apply(self.layout, prepared)
            if auditlog.close_if_due(self.layout, utcnow()):
                journal.prune_backups(self.layout)  # rare work, done by the writer who closes the trail
        except OSError as exc:
            self._cache.clear()
            raise StoreIOError(self.path, exc, committed=True) from None

    def _load_indexed_main(self) -> _Cached:
        """The entity tables, after building the series index of a store that has none yet."""
        main = self._load_main()
        if not main.data[META]["1"].get("series_index"):
            if self._read_only:
                raise StoreIOError(self.layout.main, PermissionError(
                    errno.EACCES, "the store needs a one-time upgrade (its series index) by a member who can write to it"))
            tx = _Tx(self, main)
            try:
                tx.rebuild_index()
                tx.commit()
            except BaseException:
                self._cache.clear()
                raise
            main = self._load_main()
        return main

    def _load_main(self) -> _Cached:
        layout = self.layout
        cached = self._load(layout.main)
        if cached is None:
            if layout.data_dir.exists():
                raise StoreCorrupt(layout.main, "the store file is missing but its data directory exists",
                                   self._good_backup(layout.main))
            raise StoreMissing(layout.main)
        meta = cached.data[META].get("1") or {}
        found = meta.get("schema")
        if not isinstance(found, int):
            raise StoreCorrupt(layout.main, "no schema version", self._good_backup(layout.main))
        if found > SCHEMA_VERSION:
            raise StoreTooNew(layout.main, found, SCHEMA_VERSION)
        if migrate(cached.data, found):
            meta["schema"] = SCHEMA_VERSION
            cached.models = None
            if not self._read_only:  # else read as migrated, and written by the next member who can
                self._commit(_new_tx_id(), {layout.main: dumps(cached.data)}, [])
                cached.key = fsio.stat_key(layout.main)  # type: ignore[assignment]
        if cached.models is None:
            # The entity tables are small: check every record now, so that no operation, read or
            # write, proceeds on a file holding an invalid one.
            view = _View(self, cached)
            cached.models = {
                table: sorted((view.validate(layout.main, _entity_class(table), doc_id, doc)
                               for doc_id, doc in cached.data.get(table, {}).items()),
                              key=lambda m: _natural_key(m.id))
                for table in _MAIN_TABLES
            }
        return cached

    def _load(self, path: Path, *, keep: bool = True) -> _Cached | None:
        key = fsio.stat_key(path)
        if key is None:
            self._cache.pop(path, None)
            return None
        cached = self._cache.get(path)
        if cached is not None and cached.key == key:
            return cached
        try:
            found = fsio.read_limited(path, self._size_limit(path))
            if found is None:
                self._cache.pop(path, None)
                return None
            raw, st = found
            data = parse(path, raw, required=self._required_tables(path))
        except fsio.UnsafeFile as exc:
            raise self._corrupt(path, exc.problem) from None
        except StoreCorrupt as exc:
            raise self._corrupt(path, exc.problem) from None
        # The key of what was read, not of what the path showed a moment before.
        cached = _Cached(key=(st.st_ino, st.st_mtime_ns, st.st_size), data=data)
        if keep:
            self._cache[path] = cached
        return cached

    def _load_series(self, metric: str) -> _Cached | None:
        return self._load(self.layout.series(metric))

    def _size_limit(self, path: Path) -> int:
        if path == self.layout.main:
            return fsio.MAIN_LIMIT
        if path.parent == self.layout.series_dir:
            return fsio.SERIES_LIMIT
        return fsio.CHUNK_LIMIT

    def _required_tables(self, path: Path) -> tuple[str, ...]:
        """The table a data file cannot be without: how a truncated-but-parseable file shows."""
        if path == self.layout.main:
            return (META,)
        if path.parent == self.layout.series_dir:
            return (SERIES,)
        return (READINGS,)

    def _good_backup(self, path: Path) -> Path | None:
        required = self._required_tables(path)
        for n in range(1, BACKUPS_KEPT + 1):
            candidate = self.layout.backup(path, n)
            if is_sound(candidate, required, self._size_limit(path)):
                return candidate
        return None

    def _corrupt(self, path: Path, problem: str) -> StoreCorrupt:
        return StoreCorrupt(path, problem, self._good_backup(path))


class _View:
    """Read access to one consistent state of the store (valid while the lock is held)."""

    def __init__(self, store: Store, main: _Cached) -> None:
        self.store = store
        self.layout = store.layout
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
            cached = self.store._load(path, keep=keep)
            if cached:
                yield path, list(cached.data[READINGS].values())

    def reading_models(self, start: Date | None, end: Date | None) -> Iterator[Reading]:
        keys = list(self.layout.partitions())
        for key in partition_range(start, end, keys):
            yield from self.partition_models(key)

    def partition_models(self, key: str) -> list[Reading]:
        path = self.layout.partition(key)
        cached = self.store._load(path)
        if cached is None:
            return []
        if cached.models is None:
            cached.models = {READINGS: [self.trusted_reading(path, doc) for doc in cached.data[READINGS].values()]}
        return cached.models[READINGS]

    def entity_snapshot(self) -> Snapshot:
        """Every record but the readings."""
        tables = {name: list(self.entity_models(name).values()) for name in _MAIN_TABLES}
        return Snapshot.model_construct(
            departments=tables["department"], metrics=tables["metric"], objectives=tables["objective"],
            goals=tables["goal"], incentives=tables["incentive"], tensions=tables["tension"],
            flags=tables["flag"], dismissals=tables["dismissal"], readings=[],
            settings=tables["settings"][0] if tables["settings"] else Settings(),
            links=tables["link"], initiatives=tables["initiative"],
        )

    def uncached_docs(self, path: Path) -> dict[str, dict[str, Any]]:
        """A readings file's documents by id, read without keeping them (whole-history scans)."""
        cached = self.store._cache.get(path)
        if cached is not None and cached.key == fsio.stat_key(path):
            return cached.data[READINGS]
        try:
            found = fsio.read_limited(path, fsio.CHUNK_LIMIT)
            return parse(path, found[0], required=(READINGS,))[READINGS] if found else {}
        except (fsio.UnsafeFile, StoreCorrupt) as exc:
            raise self.store._corrupt(path, getattr(exc, "problem", str(exc))) from None

    def checked_moments(self, path: Path, docs: list[dict[str, Any]]) -> list[datetime]:
        """Each document's recorded_at, parsed, once _check_reading_doc passes them all; else the
        file they came from is damaged."""
        moments = []
        try:
            for doc in docs:
                moments.append(_check_reading_doc(doc))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise self.store._corrupt(path, f"reading {doc.get('id', '?')}: {exc}") from None
        return moments

    def trusted_reading(self, path: Path, doc: dict[str, Any]) -> Reading:
        self.checked_moments(path, [doc])
        return _reading_from_doc(doc)

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
            cached = self.store._load_series(metric)
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
            cached = self.store._load(self.layout.partition(key))
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
        hinted = _hinted_month(record_id)
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
            raise self.store._corrupt(path, f"{entity_name(cls)} {doc_id}: {'; '.join(describe_errors(exc))}") from None
        if model.id != doc_id:
            raise self.store._corrupt(path, f"{entity_name(cls)} stored under {doc_id!r} has id {model.id!r}")
        return model


class _Tx(_View):
    """One read-modify-write under the lock; `commit` writes every changed file at once.

    A `bulk` transaction (an import of any size) keeps its memory bounded: each readings chunk it
    fills is written to its temp file at once ("sealed") and dropped, and its audit lines go to a
    temp file; commit() then names those in the journal with the rest."""

    def __init__(self, store: Store, main: _Cached, *, bulk: bool = False) -> None:
        super().__init__(store, main)
        self.id = _new_tx_id()
        self.now = utcnow()
        self.user = store.user
        self.docs = Documents(main.data)
        self.parts: dict[str, Documents] = {}
        self.dirty: set[Path] = set()
        # A bulk transaction's entries go straight to a temp file as audit lines.
        self.entries: list[AuditEntry] | _AuditSpool = _AuditSpool() if bulk else []
        self.bulk = bulk
        self.reverts: str | None = None  # the transaction an undo reverts, noted on its entries
        self.sealed: dict[str, journal.Written] = {}  # chunk key -> its new version, already written
        self._cleaned: set[Path] = set()  # month folders cleared of dead writers' temp files
        # Validated entity models, read again for every row of an import; dropped when the
        # entity tables change.
        self._models: dict[tuple[str, str | None], Any] = {}
        self._keys: list[str] | None = None
        self._reading_ids: set[str] | None = None
        self._by_month: dict[str, list[str]] = {}
        self.series_files: dict[str, dict[str, Any]] = {}

    # reads inside the transaction see its own writes, so they work on documents, not cached models
    def doc(self, entity: str, record_id: str) -> dict[str, Any] | None:
        return self.docs.raw(entity).get(record_id)

    def models_of(self, entity: str) -> list[Any]:
        found = self._models.get((entity, None))
        if found is None:
            cls = _entity_class(entity)
            found = [self.validate(self.layout.main, cls, doc_id, doc) for doc_id, doc in self.docs.raw(entity).items()]
            self._models[(entity, None)] = found
        return found

    def partition(self, key: str) -> Documents:
        part = self.parts.get(key)
        if part is None and key in self.sealed:
            part = self._unseal(key)
        if part is None:
            path = self.layout.partition(key)
            cached = self.store._load(path)
            part = Documents(cached.data if cached else {READINGS: {}})
            self.parts[key] = part
            if cached is None:
                self._by_month.pop(key[:7], None)  # a chunk this transaction starts
        return part

    def keys(self) -> list[str]:
        """Every partition key as this transaction sees it (a whole-store listing: scans only)."""
        if self._keys is None:
            self._keys = list(self.layout.partitions())
        return sorted({*self._keys, *self.parts, *self.sealed}, key=chunk_order)

    def reading_ids(self) -> set[str]:
        """Every reading id as this transaction sees it; read once (a whole-store scan), then kept
        up to date by _write, so an import of n readings scans the store once, not n times."""
        if self._reading_ids is None:
            self._reading_ids = {doc_id for key in self.keys() for doc_id in self.partition(key).raw(READINGS)}
        return self._reading_ids

    def month_keys(self, month: str) -> list[str]:
        """One month's chunk keys as this transaction sees them (including chunks it started)."""
        keys = self._by_month.get(month)
        if keys is None:
            on_disk = self.layout.month_partitions(month)
            keys = sorted({*on_disk, *(k for k in (*self.parts, *self.sealed) if k[:7] == month)}, key=chunk_order)
            self._by_month[month] = keys
        return keys

    def reading_doc(self, record_id: str) -> tuple[str, dict[str, Any]] | None:
        """Find a reading by id: first in the month its id was minted for, then everywhere."""
        hinted = _hinted_month(record_id)
        first = self.month_keys(hinted) if hinted else []
        for key in dict.fromkeys([*first, *self.keys()]):
            doc = self.partition(key).raw(READINGS).get(record_id)
            if doc is not None:
                return key, doc
        return None

    def _chunk_for_new(self, month: str) -> str:
        """The month's last chunk, or a new one when that is full."""
        keys = self.month_keys(month)
        if not keys:
            return month
        last = keys[-1]
        if last in self.sealed:
            return next_chunk(last)
        return last if len(self.partition(last).raw(READINGS)) < CHUNK_SIZE else next_chunk(last)

    def _seal(self, key: str) -> None:
        """Write a full chunk's new version to its temp file now, and let go of its documents."""
        path = self.layout.partition(key)
        if path.parent not in self._cleaned:
            # What prepare() does for the folders a commit writes into, before the first temp file here.
            fsio.ensure_dir(path.parent)
            fsio.remove_temp_files([path.parent], keep={w.temp for w in self.sealed.values()})
            self._cleaned.add(path.parent)
        data = dumps(self.parts.pop(key).data)
        tmp = fsio.temp_path_for(path)
        fsio.write_new(tmp, data)
        self.sealed[key] = journal.Written(tmp, path, hashlib.sha256(data).hexdigest())
        self.dirty.discard(path)

    def _unseal(self, key: str) -> Documents:
        """A sealed chunk, back in memory to be read or changed again (rare: scans, a re-edit)."""
        written = self.sealed.pop(key)
        found = fsio.read_limited(written.temp, fsio.CHUNK_LIMIT)
        fsio.unlink_quietly(written.temp)
        if found is None or hashlib.sha256(found[0]).hexdigest() != written.sha256:
            raise self.store._corrupt(written.temp, "this commit's own temp file was changed")
        part = Documents(parse(written.temp, found[0], required=(READINGS,)))
        self.parts[key] = part
        self.dirty.add(written.target)
        return part

    def series_entry(self, metric: str, department: str | None) -> series.Entry:
        """The index entry of a series, loaded for change (its file is then written at commit)."""
        data = self.series_files.get(metric)
        if data is None:
            cached = self.store._load_series(metric)
            data = cached.data if cached else {SERIES: {}}
            self.series_files[metric] = data
        self.dirty.add(self.layout.series(metric))
        return data[SERIES].setdefault(series.series_key(department), series.empty_entry())

    def all_reading_docs(self) -> Iterator[dict[str, Any]]:
        """Every reading document as this transaction sees it (a whole-store scan: rare paths only)."""
        for key in self.keys():
            yield from self.partition(key).raw(READINGS).values()

    def _rescan_series(self, metric: str, department: str | None) -> None:
        docs = [d for d in self.all_reading_docs() if d["metric"] == metric and d["department"] == department]
        self.series_files[metric][SERIES][series.series_key(department)] = series.entry_from(docs)

    def rebuild_index(self) -> None:
        """Build every series entry from the readings (a store from before the index existed)."""
        grouped: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for doc in self.all_reading_docs():
            grouped.setdefault(doc["metric"], {}).setdefault(series.series_key(doc["department"]), []).append(doc)
        for metric, by_series in grouped.items():
            self.series_files[metric] = {SERIES: {k: series.entry_from(v) for k, v in by_series.items()}}
            self.dirty.add(self.layout.series(metric))
        self.docs.data[META]["1"]["series_index"] = 1
        self.dirty.add(self.layout.main)

    # --- mutations ----------------------------------------------------------------------------------

    def add(self, model: Record) -> Record:
        entity = entity_name(model)
        generated = model.id == NEW_ID
        model = self._with_id(entity, model)
        if entity == "reading":
            # A generated reading id holds 64 random bits: checking it would cost a read of the
            # month. A given one (an import, the API) may clash with a reading in any month: an edit
            # moves a reading to its new date's month under its old id.
            exists = not generated and model.id in self.reading_ids()
        else:
            exists = self.doc(entity, model.id) is not None
        if exists:
            raise DuplicateRecord(entity, model.id)
        stored = model.model_copy(update={"version": 1, "updated_by": self.user, "updated_at": self.now})
        self._permit(entity, "add", None, stored)
        self._check(entity, stored)
        self._write(entity, stored)
        self._log("add", entity, stored.id, None, stored)
        return stored

    def update(self, model: Record) -> Record:
        entity = entity_name(model)
        current = self._current(entity, model.id)
        if current.version != model.version:
            raise StaleRecord(entity, model.id, current.updated_by,
                              _when(current.updated_at),
                              current.version)
        stored = model.model_copy(update={"version": current.version + 1, "updated_by": self.user,
                                          "updated_at": self.now})
        if entity == "reading":
            stored = stored.model_copy(update={"recorded_by": current.recorded_by,
                                               "recorded_at": current.recorded_at})
        self._permit(entity, "update", current, stored)
        self._check(entity, stored)
        if entity == "reading":
            self._remove("reading", current)
        self._write(entity, stored)
        self._log("update", entity, stored.id, current, stored)
        return stored

    def delete(self, entity: str, record_id: str, version: int | None) -> None:
        current = self._current(entity, record_id)
        if version is not None and current.version != version:
            raise StaleRecord(entity, record_id, current.updated_by,
                              _when(current.updated_at),
                              current.version)
        if entity == "settings":
            raise ReferenceViolation("the store's settings cannot be deleted")
        self._permit(entity, "delete", current, None)
        users = self._dependents(entity, record_id)
        if users:
            raise ReferenceViolation(f"{entity} {record_id} is used by {', '.join(users)}; change or delete those first")
        self._remove(entity, current)
        self._log("delete", entity, record_id, current, None)

    def commit(self) -> None:
        if not self.entries and not self.dirty and not self.sealed:
            return
        files = {path: dumps(self._data_of(path)) for path in self.dirty}
        written = list(self.sealed.values())
        self.sealed.clear()  # the commit owns them now (prepare removes them if it fails)
        self.store._commit(self.id, files, self.entries, written)
        for path in self.dirty:
            self.store._cache[path] = _Cached(key=fsio.stat_key(path), data=self._data_of(path))  # type: ignore[arg-type]

    def discard(self) -> None:
        """After a failure before the commit point: remove the temp files of sealed chunks."""
        for written in self.sealed.values():
            fsio.unlink_quietly(written.temp)
        self.sealed.clear()

    def close(self) -> None:
        if isinstance(self.entries, _AuditSpool):
            self.entries.file.close()

    # --- helpers ------------------------------------------------------------------------------------

    def _data_of(self, path: Path) -> dict[str, Any]:
        if path == self.layout.main:
            return self.docs.data
        if path.parent == self.layout.series_dir:
            return self.series_files[path.name[:-5]]
        return self.parts[path.name[:-5]].data

    def _current(self, entity: str, record_id: str) -> Any:
        path = self.layout.main
        if entity == "reading":
            found = self.reading_doc(record_id)
            doc = found[1] if found else None
            path = self.layout.partition(found[0]) if found else path
        else:
            doc = self.doc(entity, record_id)
        if doc is None:
            raise NotFound(entity, record_id)
        return self.validate(path, _entity_class(entity), record_id, doc)

    def _write(self, entity: str, model: Record) -> None:
        if entity == "reading":
            if self._reading_ids is not None:
                self._reading_ids.add(model.id)
            key = self._chunk_for_new(partition_key(model.date))  # type: ignore[attr-defined]
            doc = _dump(model)
            part = self.partition(key)
            part.put_direct(READINGS, model.id, doc)
            self.dirty.add(self.layout.partition(key))
            series.add(self.series_entry(model.metric, model.department), doc)  # type: ignore[attr-defined]
            if self.bulk and len(part.raw(READINGS)) >= CHUNK_SIZE:
                self._seal(key)
        else:
            self._models.clear()
            self.docs.put(entity, model.id, _dump(model))
            self.dirty.add(self.layout.main)

    def _remove(self, entity: str, model: Record) -> None:
        if entity == "reading":
            found = self.reading_doc(model.id)
            key = found[0] if found else partition_key(model.date)  # type: ignore[attr-defined]
            self.partition(key).remove_direct(READINGS, model.id)
            if self._reading_ids is not None:
                self._reading_ids.discard(model.id)
            self.dirty.add(self.layout.partition(key))
            metric, department = model.metric, model.department  # type: ignore[attr-defined]
            if not series.remove(self.series_entry(metric, department), _dump(model)):
                self._rescan_series(metric, department)
        else:
            self._models.clear()
            self.docs.remove(entity, model.id)
            self.dirty.add(self.layout.main)

    def _log(self, action: Literal["add", "update", "delete"], entity: str, record_id: str,
             before: Record | None, after: Record | None) -> None:
        after_doc = _dump(after) if after else None
        # A created reading stays in its readings file; the trail keeps the digest that proves it
        # unchanged since (and the next change's `before` holds it, should it change).
        by_digest = entity == "reading" and action == "add" and after_doc is not None
        self.entries.append(AuditEntry(
            id=f"{self.id}.{len(self.entries)}", tx=self.id, at=self.now, by=self.user,
            real_user=self.store.identity.real_user, action=action, entity=entity, entity_id=record_id,
            before=_dump(before) if before else None, after=None if by_digest else after_doc,
            digest=digest(after_doc) if by_digest else None,  # type: ignore[arg-type]
            reverts=self.reverts,
        ))

    def _with_id(self, entity: str, model: Record) -> Record:
        seq = self.docs.data[META]["1"].setdefault("seq", {})
        prefix = SEQUENCE_PREFIX.get(entity)
        if model.id != NEW_ID:
            number = sequence_number(prefix, model.id) if prefix else None
            # A larger number (a record from before the bound) never moves the counter.
            if number is not None and self._counter(entity, prefix, seq) < number <= MAX_SEQUENCE:  # type: ignore[arg-type]
                seq[prefix] = number
                self.dirty.add(self.layout.main)
            return model
        if prefix:
            number = self._counter(entity, prefix, seq) + 1
            while self.doc(entity, f"{prefix}-{number}") is not None:
                number += 1
            if number > MAX_SEQUENCE:
                raise RuleViolation("id", f"id: every {prefix}-<n> id up to {prefix}-{MAX_SEQUENCE} is taken; "
                                          f"give the {entity} an id of its own")
            seq[prefix] = number
            self.dirty.add(self.layout.main)
            return model.model_copy(update={"id": f"{prefix}-{number}"})
        if entity == "reading":
            stamp = model.date.strftime("%Y%m%d")  # type: ignore[attr-defined]
            return model.model_copy(update={"id": f"R-{stamp}-{secrets.token_hex(8)}"})
        if entity in ("department", "metric"):
            base = slugify(model.name)  # type: ignore[attr-defined]
            candidate, n = base, 2
            while self.doc(entity, candidate) is not None or candidate == NEW_ID:
                candidate, n = f"{base[:36]}-{n}", n + 1
            return model.model_copy(update={"id": candidate})
        if entity == "tension":
            return model.model_copy(update={"id": tension_id(model.a, model.b)})  # type: ignore[attr-defined]
        if entity == "link":
            return model.model_copy(update={"id": link_id(model.driver, model.outcome)})  # type: ignore[attr-defined]
        if entity == "dismissal":
            return model.model_copy(update={"id": model.finding})  # type: ignore[attr-defined]
        raise RuleViolation("id", f"id: a {entity} needs an explicit id")

    def _counter(self, entity: str, prefix: str, seq: dict[str, Any]) -> int:
        """The entity's sequence counter; a store whose counter went past MAX_SEQUENCE (or is not a
        whole number) gets the largest number its ids carry within the bound instead."""
        counter = seq.get(prefix, 0)
        if type(counter) is int and 0 <= counter <= MAX_SEQUENCE:
            return counter
        numbers = (sequence_number(prefix, record_id) for record_id in self.docs.raw(entity))
        return max((n for n in numbers if n is not None and n <= MAX_SEQUENCE), default=0)

    def _permit(self, entity: str, action: str, before: Record | None, after: Record | None) -> None:
        settings = self.models_of("settings")
        departments = {d.id: d for d in self.models_of("department")}
        permissions.check_change(self.user, settings[0] if settings else Settings(), departments, entity, action,
                                 before, after)

    def _need(self, entity: str, record_id: str, field: str, owner: str) -> Any:
        found = self._models.get((entity, record_id))
        if found is not None:
            return found
        doc = self.doc(entity, record_id)
        if doc is None:
            raise ReferenceViolation(f"{field}: {owner} names {entity} {record_id!r}, which does not exist")
        found = self._models[(entity, record_id)] = self.validate(self.layout.main, _entity_class(entity), record_id, doc)
        return found

    def _check(self, entity: str, model: Any) -> None:
        """Rules that need other records: references exist, values inside scales, weights."""
        owner = f"{entity} {model.id}"
        try:
            if entity == "reading":
                metric = self._need("metric", model.metric, "metric", owner)
                if model.department is not None:
                    self._need("department", model.department, "department", owner)
                check_in_scale(model.value, metric)
            elif entity == "goal":
                self._need("department", model.department, "department", owner)
                metric = self._need("metric", model.metric, "metric", owner)
                for objective in model.objectives:
                    self._need("objective", objective, "objectives", owner)
                check_goal_scale(model, metric)
            elif entity == "objective":
                metric = self._need("metric", model.metric, "metric", owner)
                check_in_scale(model.target, metric, "target")
                if model.baseline is not None:
                    check_in_scale(model.baseline, metric, "baseline")
            elif entity == "incentive":
                self._need("department", model.department, "department", owner)
                self._need("metric", model.metric, "metric", owner)
                others = [i for i in self.models_of("incentive") if i.department == model.department]
                check_incentive_weights(model, others)
            elif entity == "tension":
                self._need("metric", model.a, "a", owner)
                self._need("metric", model.b, "b", owner)
            elif entity == "link":
                self._need("metric", model.driver, "driver", owner)
                self._need("metric", model.outcome, "outcome", owner)
                check_link_cycle(model, self.models_of("link"))
            elif entity == "initiative":
                for department in model.departments:
                    self._need("department", department, "departments", owner)
                for metric in model.expected():
                    self._need("metric", metric, "metrics", owner)
            elif entity == "flag":
                for department in model.departments:
                    self._need("department", department, "departments", owner)
                for goal in model.goals:
                    self._need("goal", goal, "goals", owner)
                for incentive in model.incentives:
                    self._need("incentive", incentive, "incentives", owner)
        except RuleError as exc:
            raise RuleViolation(exc.field, str(exc)) from None

    def _dependents(self, entity: str, record_id: str) -> list[str]:
        names: list[str] = []

        def scan(table: str, hit) -> None:
            ids = [doc_id for doc_id, doc in self.docs.raw(table).items() if hit(doc)]
            if ids:
                names.append(f"{table} {', '.join(sorted(ids, key=_natural_key))}")

        if entity == "metric":
            scan("goal", lambda d: d["metric"] == record_id)
            scan("objective", lambda d: d["metric"] == record_id)
            scan("incentive", lambda d: d["metric"] == record_id)
            scan("tension", lambda d: record_id in (d["a"], d["b"]))
            scan("link", lambda d: record_id in (d["driver"], d["outcome"]))
            scan("initiative", lambda d: any(m.split(":")[0] == record_id for m in d["metrics"]))
            count = sum(1 for r in self.reading_models(None, None) if r.metric == record_id)
            if count:
                names.append(f"{count} reading(s)")
        elif entity == "department":
            scan("goal", lambda d: d["department"] == record_id)
            scan("incentive", lambda d: d["department"] == record_id)
            scan("flag", lambda d: record_id in d["departments"])
            scan("initiative", lambda d: record_id in d["departments"])
            count = sum(1 for r in self.reading_models(None, None) if r.department == record_id)
            if count:
                names.append(f"{count} reading(s)")
        elif entity == "objective":
            scan("goal", lambda d: record_id in d["objectives"])
        elif entity == "goal":
            scan("flag", lambda d: record_id in d["goals"])
        elif entity == "incentive":
            scan("flag", lambda d: record_id in d["incentives"])
        return names


def _entity_class(entity: str) -> type[Record]:
    from cxtui.models import ENTITIES

    return ENTITIES[entity]


_READING_FIELDS = frozenset(Reading.model_fields)


# Dates and timestamps repeat across readings (one date per week, one timestamp per commit);
# both types are immutable, so parsed values can be shared.
_day = functools.lru_cache(maxsize=8192)(Date.fromisoformat)


@functools.lru_cache(maxsize=8192)
def _moment(text: str) -> datetime:
    return aware(datetime.fromisoformat(text))


_UTC_TEXT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z")


def _iso_moment(text: str, *, parsed: bool = False) -> str:
    """A stored timestamp as datetime.isoformat writes it. `parsed`: _check_reading_doc has parsed
    this text already (recorded_at), so its shape alone tells pydantic's UTC form, at a third of the
    cost of the regular expression's match."""
    if parsed:
        if text[-1:] == "Z" and text[10:11] == "T" and (len(text) == 20 or (len(text) == 27 and text[19] == ".")):
            return text[:-1] + "+00:00"
    elif _UTC_TEXT.fullmatch(text):
        return text[:-1] + "+00:00"  # what pydantic writes for UTC: the same digits, "Z" for the offset
    return _moment(text).isoformat()


def _check_reading_doc(doc: dict[str, Any]) -> datetime:
    """What could hurt if a file were edited by hand: types, a finite value, real dates and
    timestamps, no control characters. Raises ValueError, TypeError or KeyError; else returns
    recorded_at, parsed."""
    value = doc["value"]
    if type(value) not in (int, float) or not math.isfinite(value):
        raise ValueError(f"value {value!r} is not a finite number")
    confidence = doc.get("confidence")
    if confidence is not None and (type(confidence) is not int or not 1 <= confidence <= 10):
        raise ValueError(f"confidence {confidence!r} is not 1-10")
    note = doc.get("note", "")
    # str + str raises TypeError unless every part is text; one isprintable() covers them all.
    names = doc["id"] + doc["metric"] + (doc["department"] or "") + doc["recorded_by"]
    if not names.isprintable():
        raise ValueError("an id or name holds a control character")
    problem = text_problem(note + "", allow="\n\t", stored=True)
    if problem:
        raise ValueError(f"note: {problem}")
    _day(doc["date"])
    return _moment(doc["recorded_at"])


def _checked_utc_texts(docs: list[dict[str, Any]]) -> list[str] | None:
    """What _check_reading_doc checks, for a whole file at once (a pass in C per check instead of a
    function call per document: a third of the time), when every recorded_at is in pydantic's UTC
    form; then each one's _utc_text. None when any document fails or is unusual: check it slowly."""
    try:
        values = [d["value"] for d in docs]
        if not set(map(type, values)) <= {int, float} or not all(map(math.isfinite, values)):
            return None
        confidences = [c for d in docs if (c := d.get("confidence")) is not None]
        if confidences and (set(map(type, confidences)) != {int} or min(confidences) < 1 or max(confidences) > 10):
            return None
        if not "".join([d["id"] + d["metric"] + (d["department"] or "") + d["recorded_by"] for d in docs]).isprintable():
            return None
        if not "".join([d.get("note", "") for d in docs]).isprintable():
            return None  # maybe only an allowed line break or tab: the slow check knows
        for day in {d["date"] for d in docs}:
            _day(day)
        texts = [d["recorded_at"] for d in docs]
        for text in texts:
            if not (text[-1:] == "Z" and text[10:11] == "T" and (len(text) == 20 or (len(text) == 27 and text[19] == "."))):
                return None
        for _ in map(datetime.fromisoformat, texts):
            pass
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return [t if len(t) == 27 else t[:-1] + ".000000Z" for t in texts]


def _utc_text(moment: datetime) -> str:
    """A moment as UTC text of one width, so that texts sort as the moments do."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _reading_from_doc(doc: dict[str, Any]) -> Reading:
    """A reading from a document the store wrote after validating it.

    Pydantic validation costs ~11 us a reading, more than the rest of opening a large store;
    this builds the model directly (~2 us). Only for documents that passed _check_reading_doc.
    """
    value, confidence, note = doc["value"], doc.get("confidence"), doc.get("note", "")
    updated_at = doc.get("updated_at")
    fields = {
        "version": doc.get("version", 0), "updated_by": doc.get("updated_by"),
        "updated_at": _moment(updated_at) if updated_at else None,
        "id": doc["id"], "metric": doc["metric"], "department": doc["department"],
        "date": _day(doc["date"]), "value": float(value), "confidence": confidence, "note": note,
        "recorded_by": doc["recorded_by"], "recorded_at": _moment(doc["recorded_at"]),
    }
    reading = object.__new__(Reading)
    object.__setattr__(reading, "__dict__", fields)
    object.__setattr__(reading, "__pydantic_fields_set__", set(_READING_FIELDS))
    object.__setattr__(reading, "__pydantic_extra__", None)
    object.__setattr__(reading, "__pydantic_private__", None)
    return reading


def _hinted_month(record_id: str) -> str | None:
    """The month a generated reading id was minted for (R-YYYYMMDD-...)."""
    match = _READING_ID_RE.match(record_id)
    return f"{match.group(1)}-{match.group(2)}" if match else None


def _when(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else None


def _new_tx_id() -> str:
    return f"{datetime.now().strftime('%Y%m%dT%H%M%S%f')}-{os.getpid()}-{secrets.token_hex(3)}"


def _audit_line(entry: AuditEntry) -> bytes:
    return orjson.dumps(_dump(entry)) + b"\n"


class _AuditSpool:
    """The entries of a bulk transaction, written as audit lines to a private (unlinked) temp file
    as they come instead of held: what `_Tx.entries` is for an import of any size."""

    def __init__(self) -> None:
        self.file: BinaryIO = tempfile.TemporaryFile()
        self.count = 0

    def append(self, entry: AuditEntry) -> None:
        self.file.write(_audit_line(entry))
        self.count += 1

    def __len__(self) -> int:
        return self.count


def _audit_filter(entity: str | None, entity_id: str | None, user: str | None):
    return lambda e: ((entity is None or e.entity == entity) and (entity_id is None or e.entity_id == entity_id)
                      and (user is None or e.by == user))


def _entries(lines: Iterator[auditlog.Line]) -> Iterator[AuditEntry]:
    """The entries among audit lines; lines that are not one are skipped (doctor names them)."""
    for line in lines:
        try:
            yield auditlog.parse(line.text)
        except ValueError:
            continue


def _resolved(view: _View, page: list[AuditEntry]) -> list[AuditEntry]:
    """`page` (newest first) with each created reading's entry given the reading it created, where
    that is cheap to find: see Store.audit_page."""
    befores: dict[str, dict[str, Any]] = {}  # a reading's state before its oldest change seen so far
    wanted: dict[str, set[str]] = {}  # month hinted by a reading id -> ids to look for there
    for entry in page:
        if entry.entity != "reading":
            continue
        if entry.before is not None:
            befores[entry.entity_id] = entry.before
        elif entry.digest is not None and entry.entity_id not in befores:
            month = _hinted_month(entry.entity_id)
            if month:
                wanted.setdefault(month, set()).add(entry.entity_id)
    current: dict[str, dict[str, Any]] = {}
    for month, ids in wanted.items():
        for path in (view.layout.partition(key) for key in view.layout.month_partitions(month)):
            current.update((i, d) for i, d in view.uncached_docs(path).items() if i in ids)
    resolved = []
    for entry in page:
        if entry.digest is not None:
            doc = befores.get(entry.entity_id) or current.get(entry.entity_id)
            if doc is not None and digest(doc) == entry.digest and _is_stored_reading(doc):
                entry = entry.model_copy(update={"after": doc})
        resolved.append(entry)
    return resolved


def _is_stored_reading(doc: dict[str, Any]) -> bool:
    try:
        Reading.model_validate(doc, context=STORED)
    except ValidationError:
        return False
    return True
