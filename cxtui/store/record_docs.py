"""Documents of records as the store keeps them: how a reading document is checked and read back
into a model, ids and their natural order, and the audit lines a commit appends."""

from __future__ import annotations

import functools
import math
import operator
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from datetime import date as Date
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson
from pydantic import BaseModel, ValidationError

from cxtui.models import (
    STORED,
    AuditEntry,
    Reading,
    Record,
    aware,
    is_slug,
    text_problem,
    trusted,
)
from cxtui.store import auditlog
from cxtui.store.documents import digest

if TYPE_CHECKING:
    from cxtui.store.read_view import ReadView


NEW_ID = "new"
ANY_DEPARTMENT = "*"


# Entities kept in the main file, in the order a snapshot lists them.
MAIN_TABLES = ("department", "metric", "objective", "goal", "incentive", "tension", "flag", "dismissal", "settings",
                "link", "initiative", "action", "meeting")


READING_ID_RE = re.compile(r"^R-(\d{4})(\d{2})\d{2}-")


def natural_key(record_id: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", record_id)]


def dump_model(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def entity_class(entity: str) -> type[Record]:
    from cxtui.models import ENTITIES

    return ENTITIES[entity]


# Dates and timestamps repeat across readings (one date per week, one timestamp per commit);
# both types are immutable, so parsed values can be shared.
_day = functools.lru_cache(maxsize=8192)(Date.fromisoformat)


@functools.lru_cache(maxsize=8192)
def _moment(text: str) -> datetime:
    return aware(datetime.fromisoformat(text))


_UTC_TEXT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z")


def iso_moment(text: str, *, parsed: bool = False) -> str:
    """A stored timestamp as datetime.isoformat writes it. `parsed`: check_reading_doc has parsed
    this text already (recorded_at), so its shape alone tells pydantic's UTC form, at a third of the
    cost of the regular expression's match."""
    if parsed:
        if text[-1:] == "Z" and text[10:11] == "T" and (len(text) == 20 or (len(text) == 27 and text[19] == ".")):
            return text[:-1] + "+00:00"
    elif _UTC_TEXT.fullmatch(text):
        return text[:-1] + "+00:00"  # what pydantic writes for UTC: the same digits, "Z" for the offset
    return _moment(text).isoformat()


def check_reading_doc(doc: dict[str, Any]) -> datetime:
    """What could hurt if a file were edited by hand: types, a finite value, real dates and
    timestamps, metric and department ids as the store writes them (records are looked up and
    grouped by them), no control characters. Raises ValueError, TypeError or KeyError; else returns
    recorded_at, parsed."""
    value = doc["value"]
    if type(value) not in (int, float) or not math.isfinite(value):
        raise ValueError(f"value {value!r} is not a finite number")
    confidence = doc.get("confidence")
    if confidence is not None and (type(confidence) is not int or not 1 <= confidence <= 10):
        raise ValueError(f"confidence {confidence!r} is not 1-10")
    if not is_slug(doc["metric"]):
        raise ValueError(f"metric {doc['metric']!r} is not a metric id")
    department = doc["department"]
    if department is not None and not is_slug(department):
        raise ValueError(f"department {department!r} is not a department id")
    version = doc.get("version", 0)
    if type(version) is not int or version < 0:
        raise ValueError(f"version {version!r} is not a count")
    note = doc.get("note", "")
    updated_by = doc.get("updated_by")
    # str + str raises TypeError unless every part is text; one isprintable() covers them all.
    names = doc["id"] + doc["recorded_by"] + ("" if updated_by is None else updated_by)
    if not names.isprintable():
        raise ValueError("an id or name holds a control character")
    problem = text_problem(note + "", allow="\n\t", stored=True)
    if problem:
        raise ValueError(f"note: {problem}")
    _day(doc["date"])
    if doc.get("updated_at") is not None:
        _moment(doc["updated_at"])
    return _moment(doc["recorded_at"])


_ID, _VALUE, _METRIC, _DEPARTMENT, _DATE, _RECORDED_AT, _RECORDED_BY = map(
    operator.itemgetter, ("id", "value", "metric", "department", "date", "recorded_at", "recorded_by"))
_is_not_none = functools.partial(operator.is_not, None)
# Metric and department ids repeat across files. Unhashable values raise TypeError: the slow check.
_known_slug = functools.lru_cache(maxsize=4096, typed=True)(is_slug)
# Every recorded_at of a file in pydantic's UTC form, one to a line (ASCII digits only).
_UTC_LINES = re.compile(r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6})?Z\n)*")


def checked_utc_texts(docs: list[dict[str, Any]], ids: list[str] | None = None) -> list[str] | None:
    """Each document's recorded_at as utc_text, when checked_columns takes the file; else None."""
    columns = checked_columns(docs, ids)
    return None if columns is None else utc_texts(columns["recorded_at"])


def utc_texts(texts: list[str]) -> list[str]:
    """utc_text of each recorded_at that checked_columns took (pydantic's UTC form, "...Z")."""
    widths = set(map(len, texts))
    if widths <= {27}:
        return texts
    if widths == {20}:  # whole seconds: each text's one "Z" is its last character
        return "\n".join(texts).replace("Z", ".000000Z").split("\n")
    return [t if len(t) == 27 else t[:-1] + ".000000Z" for t in texts]


# What checked_columns returns: the fields a reading export writes.
CHECKED_COLUMNS = ("id", "metric", "department", "date", "value", "confidence", "note", "recorded_by", "recorded_at")


def checked_columns(docs: list[dict[str, Any]], ids: list[str] | None = None, *,
                    printable: bool = False) -> dict[str, list[Any]] | None:
    """What check_reading_doc checks, for a whole file at once (a pass in C per check instead of a
    function call per document; ids and names that repeat are checked once each), when every
    recorded_at is in pydantic's UTC form. Returns the CHECKED_COLUMNS, each a list in the
    documents' order (taken once, for the checks and for whoever reads them after; recorded_at as
    stored, utc_texts makes it utc_text), or None when any document fails or is unusual: check it
    slowly. `ids`: the documents' ids, when they are in their file form (which leaves the id out,
    and the defaults of READING_DEFAULTS). `printable`: the file's bytes showed every text in it
    printable (documents.printable_text)."""
    if not docs:
        return {name: [] for name in CHECKED_COLUMNS}
    try:
        if ids is None:
            ids = list(map(_ID, docs))
        if len(ids) != len(docs):
            return None
        values = list(map(_VALUE, docs))
        if not set(map(type, values)) <= {int, float} or not all(map(math.isfinite, values)):
            return None
        # Types are taken over every value, not a set of them: in a set True and 1.0 pass for 1.
        confidences = list(map(dict.get, docs, repeat("confidence")))
        given = list(filter(_is_not_none, confidences))
        if given and (set(map(type, given)) != {int} or min(given) < 1 or max(given) > 10):
            return None
        metrics = list(map(_METRIC, docs))
        if not all(map(_known_slug, set(metrics))):
            return None
        departments = list(map(_DEPARTMENT, docs))
        named = set(departments)
        named.discard(None)
        if not all(map(_known_slug, named)):
            return None
        versions = list(map(dict.get, docs, repeat("version"), repeat(0)))
        if set(map(type, versions)) != {int} or min(versions) < 0:
            return None
        # "".join raises TypeError unless every part is text.
        recorders = list(map(_RECORDED_BY, docs))
        updaters = set(map(dict.get, docs, repeat("updated_by")))
        updaters.discard(None)
        names = "".join(chain(ids, set(recorders), updaters))
        if not (printable or names.isprintable()):
            return None
        notes = list(map(dict.get, docs, repeat("note"), repeat("")))
        joined_notes = "".join(notes)
        if not (printable or joined_notes.isprintable()):
            return None  # maybe only an allowed line break or tab: the slow check knows
        dates = list(map(_DATE, docs))
        for day in set(dates):
            _day(day)
        updated = set(map(dict.get, docs, repeat("updated_at")))
        updated.discard(None)
        for moment in updated:
            _moment(moment)
        texts = list(map(_RECORDED_AT, docs))
        # Documents recorded together share their timestamp: each distinct one is checked once.
        distinct = set(texts)
        if not _UTC_LINES.fullmatch("\n".join(distinct) + "\n"):
            return None
        for _ in map(datetime.fromisoformat, distinct):
            pass
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return {"id": ids, "metric": metrics, "department": departments, "date": dates, "value": values,
            "confidence": confidences, "note": notes, "recorded_by": recorders, "recorded_at": texts}


def utc_text(moment: datetime) -> str:
    """A moment as UTC text of one width, so that texts sort as the moments do."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def reading_from_doc(doc: dict[str, Any]) -> Reading:
    """A reading from a document the store wrote after validating it.

    Pydantic validation costs ~11 us a reading, more than the rest of opening a large store;
    this builds the model directly (~2 us). Only for documents that passed check_reading_doc.
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
    return trusted(Reading, fields)


def hinted_month(record_id: str) -> str | None:
    """The month a generated reading id was minted for (R-YYYYMMDD-...)."""
    match = READING_ID_RE.match(record_id)
    return f"{match.group(1)}-{match.group(2)}" if match else None


def when_of(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else None


def new_tx_id() -> str:
    return f"{datetime.now().strftime('%Y%m%dT%H%M%S%f')}-{os.getpid()}-{secrets.token_hex(3)}"


def audit_line(entry: AuditEntry) -> bytes:
    return orjson.dumps(dump_model(entry)) + b"\n"


def created_entry(shared: dict[str, Any], entry_id: str, record_id: str, found: str) -> AuditEntry:
    """The audit entry of a created reading: no before or after, its digest `found`. `shared`: the
    fields that are the transaction's (tx, at, by, real_user, reverts). Every field is cxtui's own
    and there is no before or after for the entry's checks to read: built without validating."""
    # In the model's field order: a model built without validating is written in its dict's order.
    return trusted(AuditEntry, {
        "id": entry_id, "tx": shared["tx"], "at": shared["at"], "by": shared["by"], "real_user": shared["real_user"],
        "action": "add", "entity": "reading", "entity_id": record_id, "before": None, "after": None,
        "reverts": shared["reverts"], "digest": found})


class AuditSpool:
    """The entries of a bulk transaction, written as audit lines to a private (unlinked) temp file
    as they come instead of held: what `Transaction.entries` is for an import of any size."""

    def __init__(self) -> None:
        self.file: BinaryIO = tempfile.TemporaryFile()
        self.count = 0
        self._created: tuple[dict[str, Any], tuple[bytes, ...]] | None = None

    def append(self, entry: AuditEntry) -> None:
        self.file.write(audit_line(entry))
        self.count += 1

    def append_created(self, shared: dict[str, Any], entry_id: str, record_id: str, found: str) -> None:
        """append(created_entry(...)), the line made from a template of the transaction's fields:
        building and dumping each entry was 5 us of an import's row. The parts put in need no
        escaping in JSON: ids (a RecordId: letters, digits and . _ : ~ -) and hex digits."""
        if self._created is None or self._created[0] != shared:
            line = audit_line(created_entry(shared, *_MARKS))
            head, rest = line.split(_MARKS[0].encode())
            after_id, rest = rest.split(_MARKS[1].encode())
            after_record, tail = rest.split(_MARKS[2].encode())
            self._created = (dict(shared), (head, after_id, after_record, tail))
        head, after_id, after_record, tail = self._created[1]
        self.file.write(b"".join((head, entry_id.encode(), after_id, record_id.encode(), after_record,
                                  found.encode(), tail)))
        self.count += 1

    def __len__(self) -> int:
        return self.count


# Stand-ins for the entry id, the reading id and the digest in the template of a created reading's
# line: text no other field of the entry can hold (no login, id or timestamp has an "@").
_MARKS = ("@entry@", "@record@", "@digest@")


def audit_filter(entity: str | None, entity_id: str | None, user: str | None):
    return lambda e: ((entity is None or e.entity == entity) and (entity_id is None or e.entity_id == entity_id)
                      and (user is None or e.by == user))


def entries_of(lines: Iterator[auditlog.Line]) -> Iterator[AuditEntry]:
    """The entries among audit lines; lines that are not one are skipped (doctor names them)."""
    for line in lines:
        try:
            yield auditlog.parse(line.text)
        except ValueError:
            continue


def resolved(view: ReadView, page: list[AuditEntry]) -> list[AuditEntry]:
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
            month = hinted_month(entry.entity_id)
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
            if doc is not None and digest(doc) == entry.digest and is_stored_reading(doc):
                entry = entry.model_copy(update={"after": doc})
        resolved.append(entry)
    return resolved


def is_stored_reading(doc: dict[str, Any]) -> bool:
    try:
        Reading.model_validate(doc, context=STORED)
    except ValidationError:
        return False
    return True
