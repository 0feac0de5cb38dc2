"""One read-modify-write of the store under its lock: every change checked, then every changed
file written in one journaled commit."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator, Sequence
from datetime import date as Date
from pathlib import Path
from typing import Any, Literal

from cxtui.models import (
    MAX_SEQUENCE,
    SEQUENCE_PREFIX,
    AuditEntry,
    Record,
    RuleError,
    Settings,
    check_goal_scale,
    check_in_scale,
    check_incentive_weights,
    check_link_cycle,
    entity_name,
    link_id,
    meeting_id,
    sequence_number,
    slugify,
    tension_id,
    utcnow,
)
from cxtui.store import fsio, journal, permissions, series
from cxtui.store.documents import META, READINGS, SERIES, Documents, digest, dumps, parse
from cxtui.store.errors import (
    DuplicateRecord,
    NotFound,
    ReferenceViolation,
    RuleViolation,
    StaleRecord,
)
from cxtui.store.files import (
    CHUNK_SIZE,
    chunk_order,
    next_chunk,
    partition_key,
)
from cxtui.store.identity import Identity
from cxtui.store.loading import Cached, Loader
from cxtui.store.read_view import ReadView
from cxtui.store.record_docs import (
    NEW_ID,
    AuditSpool,
    created_entry,
    dump_model,
    entity_class,
    hinted_month,
    natural_key,
    new_tx_id,
    when_of,
)

# Writes the files of a commit, journaled, with its audit lines (the store's `_commit`).
Commit = Callable[[str, dict[Path, bytes], "list[AuditEntry] | AuditSpool", Sequence[journal.Written]], None]


class Transaction(ReadView):
    """One read-modify-write under the lock; `commit` writes every changed file at once.

    A `bulk` transaction (an import of any size) keeps its memory bounded: each readings chunk it
    fills is written to its temp file at once ("sealed") and dropped, and its audit lines go to a
    temp file; commit() then names those in the journal with the rest."""

    def __init__(self, files: Loader, main: Cached, *, identity: Identity, commit: Commit, bulk: bool = False) -> None:
        """`commit` writes the files, journaled, with the audit lines (the store's `_commit`)."""
        super().__init__(files, main)
        self.id = new_tx_id()
        self.now = utcnow()
        self.identity = identity
        self.user = identity.user
        self._commit_files = commit
        self.docs = Documents(main.data)
        self.parts: dict[str, Documents] = {}
        self.dirty: set[Path] = set()
        # A bulk transaction's entries go straight to a temp file as audit lines.
        self.entries: list[AuditEntry] | AuditSpool = AuditSpool() if bulk else []
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
        self._windows = series.Windows()
        self._id_tails = _random_tails()

    # reads inside the transaction see its own writes, so they work on documents, not cached models
    def doc(self, entity: str, record_id: str) -> dict[str, Any] | None:
        return self.docs.raw(entity).get(record_id)

    def models_of(self, entity: str) -> list[Any]:
        found = self._models.get((entity, None))
        if found is None:
            cls = entity_class(entity)
            found = [self.validate(self.layout.main, cls, doc_id, doc) for doc_id, doc in self.docs.raw(entity).items()]
            self._models[(entity, None)] = found
        return found

    def partition(self, key: str) -> Documents:
        part = self.parts.get(key)
        if part is None and key in self.sealed:
            part = self._unseal(key)
        if part is None:
            path = self.layout.partition(key)
            cached = self.files.load(path)
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
        hinted = hinted_month(record_id)
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
            raise self.files.corrupt(written.temp, "this commit's own temp file was changed")
        part = Documents(parse(written.temp, found[0], required=(READINGS,)))
        self.parts[key] = part
        self.dirty.add(written.target)
        return part

    def series_entry(self, metric: str, department: str | None) -> series.Entry:
        """The index entry of a series, loaded for change (its file is then written at commit)."""
        data = self.series_files.get(metric)
        if data is None:
            cached = self.files.load_series(metric)
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
        stamp = {"version": 1, "updated_by": self.user, "updated_at": self.now}
        if entity == "reading" and model.id == NEW_ID:
            # Most of a large import: the new id and the stamp in one copy of the model. A generated
            # reading id holds 64 random bits: checking it would cost a read of the month.
            stored = model.model_copy(update={**stamp, "id": new_reading_id(model.date, next(self._id_tails))})  # type: ignore[attr-defined]
        else:
            model = self._with_id(entity, model)
            if entity == "reading":
                # A given id (an import, the API) may clash with a reading in any month: an edit
                # moves a reading to its new date's month under its old id.
                exists = model.id in self.reading_ids()
            else:
                exists = self.doc(entity, model.id) is not None
            if exists:
                raise DuplicateRecord(entity, model.id)
            stored = model.model_copy(update=stamp)
        self._permit(entity, "add", None, stored)
        self._check(entity, stored)
        doc = self._write(entity, stored)
        if entity == "reading":
            self._log_created(stored.id, doc)
        else:
            self._log("add", entity, stored.id, None, stored)
        return stored

    def update(self, model: Record) -> Record:
        entity = entity_name(model)
        current = self.current(entity, model.id)
        if current.version != model.version:
            raise StaleRecord(entity, model.id, current.updated_by,
                              when_of(current.updated_at),
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
        current = self.current(entity, record_id)
        if version is not None and current.version != version:
            raise StaleRecord(entity, record_id, current.updated_by,
                              when_of(current.updated_at),
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
        self._commit_files(self.id, files, self.entries, written)
        for path in self.dirty:
            self.files.remember(path, self._data_of(path))

    def discard(self) -> None:
        """After a failure before the commit point: remove the temp files of sealed chunks."""
        for written in self.sealed.values():
            fsio.unlink_quietly(written.temp)
        self.sealed.clear()

    def close(self) -> None:
        if isinstance(self.entries, AuditSpool):
            self.entries.file.close()

    # --- helpers ------------------------------------------------------------------------------------

    def _data_of(self, path: Path) -> dict[str, Any]:
        if path == self.layout.main:
            return self.docs.data
        if path.parent == self.layout.series_dir:
            return self.series_files[path.name[:-5]]
        return self.parts[path.name[:-5]].data

    def current(self, entity: str, record_id: str) -> Any:
        """The record as this transaction sees it (NotFound if none); the undo compares it with
        what the change it reverts left."""
        path = self.layout.main
        if entity == "reading":
            found = self.reading_doc(record_id)
            doc = found[1] if found else None
            path = self.layout.partition(found[0]) if found else path
        else:
            doc = self.doc(entity, record_id)
        if doc is None:
            raise NotFound(entity, record_id)
        return self.validate(path, entity_class(entity), record_id, doc)

    def _write(self, entity: str, model: Record) -> dict[str, Any]:
        """Put `model` in its file; returns its stored document."""
        doc = dump_model(model)
        if entity == "reading":
            if self._reading_ids is not None:
                self._reading_ids.add(model.id)
            key = self._chunk_for_new(partition_key(model.date))  # type: ignore[attr-defined]
            part = self.partition(key)
            part.put_direct(READINGS, model.id, doc)
            self.dirty.add(self.layout.partition(key))
            series.add(self.series_entry(model.metric, model.department), doc, self._windows)  # type: ignore[attr-defined]
            if self.bulk and len(part.raw(READINGS)) >= CHUNK_SIZE:
                self._seal(key)
        else:
            self._models.clear()
            self.docs.put(entity, model.id, doc)
            self.dirty.add(self.layout.main)
        return doc

    def _remove(self, entity: str, model: Record) -> None:
        if entity == "reading":
            found = self.reading_doc(model.id)
            key = found[0] if found else partition_key(model.date)  # type: ignore[attr-defined]
            self.partition(key).remove_direct(READINGS, model.id)
            if self._reading_ids is not None:
                self._reading_ids.discard(model.id)
            self.dirty.add(self.layout.partition(key))
            metric, department = model.metric, model.department  # type: ignore[attr-defined]
            if not series.remove(self.series_entry(metric, department), dump_model(model)):
                self._rescan_series(metric, department)
        else:
            self._models.clear()
            self.docs.remove(entity, model.id)
            self.dirty.add(self.layout.main)

    def _log(self, action: Literal["add", "update", "delete"], entity: str, record_id: str,
             before: Record | None, after: Record | None) -> None:
        self.entries.append(AuditEntry(
            id=f"{self.id}.{len(self.entries)}", tx=self.id, at=self.now, by=self.user,
            real_user=self.identity.real_user, action=action, entity=entity, entity_id=record_id,
            before=dump_model(before) if before else None, after=dump_model(after) if after else None,
            reverts=self.reverts,
        ))

    def _log_created(self, record_id: str, doc: dict[str, Any]) -> None:
        """A created reading stays in its readings file (`doc`, as _write stored it); the trail keeps
        the digest that proves it unchanged since (and the next change's `before` holds it, should
        it change). Most of a large import (see created_entry, AuditSpool.append_created)."""
        shared = {"tx": self.id, "at": self.now, "by": self.user, "real_user": self.identity.real_user,
                  "reverts": self.reverts}
        made = (shared, f"{self.id}.{len(self.entries)}", record_id, digest(doc))
        if isinstance(self.entries, AuditSpool):
            self.entries.append_created(*made)
        else:
            self.entries.append(created_entry(*made))

    def _with_id(self, entity: str, model: Record) -> Record:
        meta = self.docs.data[META]["1"]
        seq = meta.get("seq")
        if type(seq) is not dict:  # a hand edit: the counters start again from the ids (_counter)
            seq = meta["seq"] = {}
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
        if entity == "meeting":
            return model.model_copy(update={"id": meeting_id(model.date)})  # type: ignore[attr-defined]
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
        # Kept with the models (cleared with them): an import asks once a row.
        departments = self._models.get(("department", "by id"))
        if departments is None:
            departments = self._models[("department", "by id")] = {d.id: d for d in self.models_of("department")}
        permissions.check_change(self.user, settings[0] if settings else Settings(), departments, entity, action,
                                 before, after)

    def _need(self, entity: str, record_id: str, field: str, owner: str) -> Any:
        found = self._models.get((entity, record_id))
        if found is not None:
            return found
        doc = self.doc(entity, record_id)
        if doc is None:
            raise ReferenceViolation(f"{field}: {owner} names {entity} {record_id!r}, which does not exist")
        found = self._models[(entity, record_id)] = self.validate(self.layout.main, entity_class(entity), record_id, doc)
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
            elif entity == "action":
                self._need("department", model.department, "department", owner)
                if model.goal is not None:
                    self._need("goal", model.goal, "goal", owner)
                if model.flag is not None:
                    self._need("flag", model.flag, "flag", owner)
        except RuleError as exc:
            raise RuleViolation(exc.field, str(exc)) from None

    def _dependents(self, entity: str, record_id: str) -> list[str]:
        names: list[str] = []

        def scan(table: str, hit) -> None:
            ids = [doc_id for doc_id, doc in self.docs.raw(table).items() if hit(doc)]
            if ids:
                names.append(f"{table} {', '.join(sorted(ids, key=natural_key))}")

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
            scan("action", lambda d: d["department"] == record_id)
            count = sum(1 for r in self.reading_models(None, None) if r.department == record_id)
            if count:
                names.append(f"{count} reading(s)")
        elif entity == "objective":
            scan("goal", lambda d: record_id in d["objectives"])
        elif entity == "goal":
            scan("flag", lambda d: record_id in d["goals"])
            scan("action", lambda d: d.get("goal") == record_id)
        elif entity == "flag":
            scan("action", lambda d: d.get("flag") == record_id)
        elif entity == "incentive":
            scan("flag", lambda d: record_id in d["incentives"])
        return names


def new_reading_id(day: Date, tail: str) -> str:
    """R-YYYYMMDD-<64 random bits>: unique across processes, and telling the month it was minted for.
    `tail`: the 16 hex digits of those bits (_random_tails)."""
    return f"R-{day.year:04d}{day.month:02d}{day.day:02d}-{tail}"


def _random_tails() -> Iterator[str]:
    """Random 64-bit id tails, drawn from the OS 1,024 at a time (a draw per id cost 5 us of an
    import's row). Each transaction has its own, used only by the process that opened it (the
    forked copy of an import only checks rows), so no two processes hand out the same tails."""
    while True:
        pool = secrets.token_hex(8 * 1024)
        yield from (pool[i:i + 16] for i in range(0, len(pool), 16))
