"""The store: a typed repository over TinyDB files that several processes write at once.

Every operation, read or write, runs under an flock on the sidecar lock file and reads the files
afresh inside it (parsed files are cached by (inode, mtime, size), which every atomic replace
changes). Writes become one journaled commit (see journal.py), so a change is wholly applied or not
at all, whichever process dies where. Callers get models, never raw documents.
"""

from __future__ import annotations

import errno
import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date as Date
from pathlib import Path
from typing import Any, TypeVar

import orjson

from cxtui.models import (
    STORED,
    AuditEntry,
    Reading,
    Record,
    Settings,
    Snapshot,
    entity_name,
    utcnow,
)
from cxtui.store import auditlog, forked, fsio, journal, reading_columns, sharing
from cxtui.store.checkup import readings_and_trail, series_docs
from cxtui.store.documents import META, digest, dumps
from cxtui.store.errors import (
    ChangedSince,
    NotFound,
    NothingToUndo,
    StoreCorrupt,
    StoreExists,
    StoreIOError,
    StoreLocked,
    StoreMissing,
    StoreTooNew,
    WritesRefused,
)
from cxtui.store.files import (
    Layout,
)
from cxtui.store.health import (
    Problem,
    foreign_problems,
    mode_problems,
    reference_problems,
)
from cxtui.store.identity import acting_identity
from cxtui.store.loading import Cached, Loader
from cxtui.store.locking import StoreLock
from cxtui.store.migrations import SCHEMA_VERSION, migrate
from cxtui.store.read_view import ReadView
from cxtui.store.record_docs import (
    ANY_DEPARTMENT,
    MAIN_TABLES,
    NEW_ID,
    AuditSpool,
    audit_filter,
    audit_line,
    checked_utc_texts,
    dump_model,
    entity_class,
    entries_of,
    iso_moment,
    natural_key,
    new_tx_id,
    resolved,
    utc_text,
)
from cxtui.store.transaction import Transaction

DEFAULT_LOCK_TIMEOUT = 10.0
# Below this many bytes of readings files (about 70,000 readings, half a second to export) a forked
# helper saves less than it costs.
HELPER_BYTES = 16 << 20

M = TypeVar("M", bound=Record)


def _worth_forking(sizes: dict[str, int]) -> bool:
    """Whether a scan of readings files of these sizes (by month) pays for a forked helper, and one
    may run here (forked.can_fork)."""
    return sum(sizes.values()) >= HELPER_BYTES and forked.can_fork()


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
        self.refuse_writes = refuse_writes
        self.lock = StoreLock(self.layout, lock_timeout)
        self.files = Loader(self.layout)

    # --- creation ---------------------------------------------------------------------------------

    @property
    def lock_timeout(self) -> float:
        """Seconds an operation waits for the store's lock before giving up (StoreLocked)."""
        return self.lock.timeout

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
        with store.lock.hold():
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
            data.update({table: {} for table in MAIN_TABLES})
            data["settings"]["settings"] = dump_model(settings)
            tx = new_tx_id()
            entry = AuditEntry(id=f"{tx}.0", tx=tx, at=now, by=store.user, real_user=store.identity.real_user,
                               action="add", entity="settings", entity_id="settings", after=dump_model(settings))
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
                moments_of = checked_utc_texts(docs)
                if moments_of is None:  # the slow check, which says what is wrong
                    moments_of = [utc_text(m) for m in view.checked_moments(path, docs)]
                for doc, moment in zip(docs, moments_of, strict=True):
                    if (every or doc["department"] == department) and (last is None or doc["date"] <= last):
                        row = list(map(doc.get, columns))
                        for i, parsed in moments:
                            if row[i]:
                                row[i] = iso_moment(row[i], parsed=parsed)
                        keyed.append((doc["date"], moment, len(keyed), row))
        keyed.sort()
        rows += [row for *_, row in keyed]
        return rows

    def reading_columns(self, columns: Sequence[str], end: Date | None = None) -> Iterator[list[list[Any]]] | None:
        """Every reading (dated up to `end`) as columns, a month at a time, in `readings`' order (the
        fast path of a whole-history export, reading_columns.py); None when a column is not one it
        writes."""
        if not reading_columns.knows(columns):
            return None
        return self._month_columns(list(columns), end)

    def _month_columns(self, columns: list[str], end: Date | None) -> Iterator[list[list[Any]]]:
        with self._reading() as view:
            yield from reading_columns.month_columns(view, columns, end)

    def reading_month_texts(self, render: Callable[[reading_columns.MonthParts], bytes],
                            end: Date | None = None, *, helper: bool = False) -> Iterator[tuple[int, bytes]]:
        """Every reading (dated up to `end`), a month at a time in `readings`' order, as (how many,
        render(month)): the fastest whole-history export. With `helper`, when a forked copy of this
        process is safe and the history is large (forked.py), the copy renders the later months
        while this process renders the earlier, both under this process's lock; `render` must then
        be a pure function of the month."""
        with self._reading() as view:
            sizes = reading_columns.month_sizes(view, end)
            first, second = _halves(sizes)

            def texts(keys: list[str]) -> Callable[[], Iterator[tuple[int, bytes]]]:
                def job() -> Iterator[tuple[int, bytes]]:
                    for month in reading_columns.months(view, end, keys):
                        text = render(month)
                        month.finish()  # the count covers what render did not take
                        yield month.rows, text
                return job

            fork = helper and bool(second) and _worth_forking(sizes)
            yield from forked.in_order(texts(first), texts(second), fork=fork)

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
        wanted = audit_filter(entity, entity_id, user)
        with self._reading():
            return [e for e in entries_of(auditlog.lines(self.layout)) if wanted(e)]

    def audit_page(self, limit: int, *, older_than: str | None = None, entity: str | None = None,
                   entity_id: str | None = None, user: str | None = None,
                   resolve: bool = True) -> tuple[list[AuditEntry], str | None]:
        """Up to `limit` entries, newest first, older than the entry `older_than` (an id a previous
        page returned) when given; and the id to ask the next page with (None: the trail's start).

        With `resolve`, a created reading's entry comes with the reading as `after` where it can be
        had cheaply: the `before` of its next change among the entries read, else the store's
        document when it still has the entry's digest (validated as the store reads readings)."""
        wanted = audit_filter(entity, entity_id, user)
        page: list[AuditEntry] = []
        with self._reading() as view:
            found = auditlog.lines(self.layout, reverse=True)
            if older_than is not None:
                mark = b'{"id":' + orjson.dumps(older_than) + b","
                if not any(line.text.startswith(mark) for line in found):
                    return [], None
            last_id = None
            for entry in entries_of(found):
                last_id = entry.id
                if wanted(entry):
                    page.append(entry)
                    if len(page) == limit:
                        break
            else:
                last_id = None
            if resolve:
                page = resolved(view, page)
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
            for entity in MAIN_TABLES:
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
        transaction that is not itself an undo, has not been undone and is not a meeting recorded. Each record goes back to
        what it was before the change, in one new transaction whose entries say what they revert;
        the same permissions apply as to any change. Returns the entries reverted.

        Refused (NothingToUndo, ChangedSince) when there is nothing to undo, or when a record has
        changed since (naming who changed it and when): undo that later change first."""
        with self._transaction() as tx:
            targets, newer = self._undo_scan(change)
            shown = resolved(tx, targets)  # created readings as they were, for the caller to name
            tx.reverts = targets[0].tx
            for entry in reversed(targets):
                self._revert_one(tx, entry, newer)
            return shown

    def last_change(self) -> list[AuditEntry]:
        """What `revert()` without an id would undo now (this user's last change), or []."""
        with self._reading() as view:
            try:
                return resolved(view, self._undo_scan(None)[0])
            except NothingToUndo:
                return []

    def _undo_scan(self, change: str | None) -> tuple[list[AuditEntry], list[AuditEntry]]:
        """The entries `change` names (None: this user's last transaction that is not an undo and
        was not undone), oldest first, and every entry newer than them, newest first. Reads the
        trail from its end only as far as the change."""
        undone: set[str] = set()
        newer: list[AuditEntry] = []
        targets: list[AuditEntry] = []
        for entry in entries_of(auditlog.lines(self.layout, reverse=True)):
            if targets and entry.tx != targets[-1].tx:
                break  # a transaction's entries are written together
            # Opening the meeting view records the day's meeting: not a change anyone means by
            # "undo my last change" (it stays undoable by its id).
            if (change is None and entry.by == self.user and not entry.reverts and entry.tx not in undone
                    and entry.entity != "meeting"):
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

    def _revert_one(self, tx: Transaction, entry: AuditEntry, newer: list[AuditEntry]) -> None:
        cls = entity_class(entry.entity)
        try:
            current = tx.current(entry.entity, entry.entity_id)
        except NotFound:
            current = None
        now = dump_model(current) if current is not None else None
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

    def doctor(self, *, helper: bool = False) -> list[Problem]:
        """Check every file and every reference; an empty list means the store is sound.

        Streams: readings files are read one at a time and not kept, the audit trail from its end a
        piece at a time; what it holds per reading is a hash of its id (see health.Tally). With
        `helper`, a large store's audit trail is scanned by a forked copy of this process at the
        same time (checkup.readings_and_trail)."""
        problems: list[Problem] = []
        layout = self.layout
        try:
            with self.lock.hold(write=False) as writable:
                # One who may not write checks the store as it stands (snapshot() refuses a
                # half-applied commit, which only a writer can finish).
                if writable and journal.recover(layout):
                    problems.append(Problem(level="warning", message="finished a commit an interrupted writer left"))
                if writable:
                    fsio.remove_temp_files(layout.month_dirs())
                with self._reading() as view:
                    snapshot = view.entity_snapshot()
                    problems += reference_problems(snapshot)
                    indexed, series_found = series_docs(self.files, view)
                    problems += series_found
                    fork = helper and _worth_forking(reading_columns.month_sizes(view))
                    problems += readings_and_trail(self.files, view, snapshot, indexed, fork=fork)
        except (StoreCorrupt, StoreMissing, StoreTooNew, StoreLocked, StoreIOError, fsio.UnsafeFile) as exc:
            return [Problem(level="error", message=str(exc))]
        problems += [Problem(level="error", message=line) for line in journal.rejected(layout)]
        problems += mode_problems(layout)
        problems += foreign_problems(layout)
        return problems


    # --- internals --------------------------------------------------------------------------------

    @contextmanager
    def _reading(self) -> Iterator[ReadView]:
        with self.lock.hold(write=False) as writable:
            if writable:
                journal.recover(self.layout)
            elif fsio.stat_key(self.layout.journal) is not None:
                # Half-applied, the files could be of two states; finishing it needs a writer.
                raise StoreIOError(self.layout.journal, PermissionError(
                    errno.EACCES, "a commit a writer left unfinished waits for a member who can write "
                                  "to the store to run any cxtui command"))
            yield ReadView(self.files, self._load_indexed_main())

    @contextmanager
    def _transaction(self, *, bulk: bool = False) -> Iterator[Transaction]:
        # Every write (add, add_many, add_stream, update, delete, record, revert) comes through here,
        # so a refusal here refuses all, before the lock is taken or any file is touched.
        if self.refuse_writes is not None:
            raise WritesRefused(self.refuse_writes)
        with self.lock.hold():
            journal.recover(self.layout)
            tx = Transaction(self.files, self._load_indexed_main(), identity=self.identity, commit=self._commit,
                             bulk=bulk)
            try:
                yield tx
                tx.commit()
            except BaseException:
                # TinyDB edited the cached documents in place; they no longer match the files.
                self.files.clear()
                tx.discard()
                raise
            finally:
                tx.close()

    def _commit(self, tx: str, files: dict[Path, bytes], audit: list[AuditEntry] | AuditSpool,
                written: Sequence[journal.Written] = ()) -> None:
        lines = audit.file if isinstance(audit, AuditSpool) else b"".join(audit_line(entry) for entry in audit)
        try:
            prepared = journal.prepare(self.layout, tx, files, lines, written)
        except OSError as exc:
            self.files.clear()
            raise StoreIOError(self.path, exc) from None
        try:
            journal.apply(self.layout, prepared)
            if auditlog.close_if_due(self.layout, utcnow()):
                journal.prune_backups(self.layout)  # rare work, done by the writer who closes the trail
        except OSError as exc:
            self.files.clear()
            raise StoreIOError(self.path, exc, committed=True) from None

    def _load_indexed_main(self) -> Cached:
        """The entity tables, after building the series index of a store that has none yet."""
        main = self._load_main()
        if not main.data[META]["1"].get("series_index"):
            if self.lock.read_only:
                raise StoreIOError(self.layout.main, PermissionError(
                    errno.EACCES, "the store needs a one-time upgrade (its series index) by a member who can write to it"))
            tx = Transaction(self.files, main, identity=self.identity, commit=self._commit)
            try:
                tx.rebuild_index()
                tx.commit()
            except BaseException:
                self.files.clear()
                raise
            main = self._load_main()
        return main

    def _load_main(self) -> Cached:
        layout = self.layout
        cached = self.files.load(layout.main)
        if cached is None:
            if layout.data_dir.exists():
                raise StoreCorrupt(layout.main, "the store file is missing but its data directory exists",
                                   self.files.good_backup(layout.main))
            raise StoreMissing(layout.main)
        meta = cached.data[META].get("1") or {}
        found = meta.get("schema")
        if not isinstance(found, int):
            raise StoreCorrupt(layout.main, "no schema version", self.files.good_backup(layout.main))
        if found > SCHEMA_VERSION:
            raise StoreTooNew(layout.main, found, SCHEMA_VERSION)
        if migrate(cached.data, found):
            meta["schema"] = SCHEMA_VERSION
            cached.models = None
            if not self.lock.read_only:  # else read as migrated, and written by the next member who can
                self._commit(new_tx_id(), {layout.main: dumps(cached.data)}, [])
                cached.key = fsio.stat_key(layout.main)  # type: ignore[assignment]
        if cached.models is None:
            # The entity tables are small: check every record now, so that no operation, read or
            # write, proceeds on a file holding an invalid one.
            view = ReadView(self.files, cached)
            cached.models = {
                table: sorted((view.validate(layout.main, entity_class(table), doc_id, doc)
                               for doc_id, doc in cached.data.get(table, {}).items()),
                              key=lambda m: natural_key(m.id))
                for table in MAIN_TABLES
            }
        return cached


def _halves(sizes: dict[str, int]) -> tuple[list[str], list[str]]:
    """The months (oldest first) split where the first part's bytes come closest to half of all
    (the earlier place on a tie): the two processes then end together, where splitting once half
    was reached left this one, which also writes the copy's half out, last by 15-80 ms."""
    keys, half = list(sizes), sum(sizes.values()) / 2
    if not keys:
        return [], []
    ends = list(itertools.accumulate(sizes.values()))
    cut = min(range(len(keys)), key=lambda i: abs(ends[i] - half))
    return keys[:cut + 1], keys[cut + 1:]
