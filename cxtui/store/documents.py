"""The on-disk documents: TinyDB-format JSON files, parsed and checked before anything trusts them.

Files use TinyDB's layout ({table: {document id: document}}) so stock TinyDB can read them, but
document ids are our own strings (unique across processes), not TinyDB's per-process counters.
TinyDB works over an in-memory copy loaded inside the lock; the store writes the result atomically.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from cxtui.models.records import DIGEST_CHARS
from cxtui.store import fsio
from cxtui.store.errors import StoreCorrupt, StoreError

META = "_meta"
READINGS = "readings"
SERIES = "series"


class _StringIdTable(Table):
    document_id_class = str


class _MemoryStorage(Storage):
    """Hands TinyDB a dict the store loaded; TinyDB's writes land back in that same dict."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def read(self) -> dict[str, Any]:
        return self.data

    def write(self, data: dict[str, Any]) -> None:
        self.data = data


class Documents(TinyDB):
    """A TinyDB over one loaded file's data, with string document ids."""

    table_class = _StringIdTable

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(storage=_MemoryStorage, data=data)

    @property
    def data(self) -> dict[str, Any]:
        return self.storage.data

    def put(self, table: str, doc_id: str, doc: dict[str, Any]) -> None:
        docs = self.table(table)
        if docs.contains(doc_id=doc_id):
            # Replaced whole, not merged: a field a record leaves out when unset (a flag's owner)
            # must go when it is unset again.
            def replace(stored: dict[str, Any]) -> None:
                stored.clear()
                stored.update(doc)

            docs.update(replace, doc_ids=[doc_id])
        else:
            docs.insert(Document(doc, doc_id=doc_id))

    def remove(self, table: str, doc_id: str) -> None:
        self.table(table).remove(doc_ids=[doc_id])

    # TinyDB's write path copies the whole table on every call, so a bulk load of k readings into
    # a month of n would cost k*n. Reading partitions are written straight into the loaded table
    # instead; the file stays in TinyDB's format.
    def put_direct(self, table: str, doc_id: str, doc: dict[str, Any]) -> None:
        self.data.setdefault(table, {})[doc_id] = doc

    def remove_direct(self, table: str, doc_id: str) -> None:
        self.data.get(table, {}).pop(doc_id, None)

    def raw(self, table: str) -> dict[str, dict[str, Any]]:
        """The table's documents by id, without TinyDB's per-document wrapping (hot read path)."""
        return self.data.get(table, {})


# A reading is most of a store, so its file form leaves out what the reader can put back: its id
# (the document's key), a confidence never given, an empty note, the first version, and who and
# when last wrote it when that is who and when recorded it. expand_readings restores exactly these,
# and leaves a document that has them all (as written before this form) as it is.
READING_DEFAULTS = {"confidence": None, "note": "", "version": 1}


def compact_reading(doc_id: str | None, doc: dict[str, Any]) -> dict[str, Any]:
    """A reading document in its file form; `doc_id` is its key (None where a list holds it)."""
    return {k: v for k, v in doc.items()
            if not ((k == "id" and v == doc_id) or (k in READING_DEFAULTS and v == READING_DEFAULTS[k]
                                                    and type(v) is type(READING_DEFAULTS[k]))
                    or (k == "updated_by" and v == doc.get("recorded_by") and v is not None)
                    or (k == "updated_at" and v == doc.get("recorded_at") and v is not None))}


def _whole(doc: dict[str, Any]) -> dict[str, Any]:
    return {**READING_DEFAULTS, "updated_by": doc.get("recorded_by"), "updated_at": doc.get("recorded_at"), **doc}


def expand_readings(table: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A readings table as read from a file, each document whole again (see compact_reading).
    _whole written out: a call per document would cost a tenth of a second at a million."""
    return {k: {"id": k, **READING_DEFAULTS, "updated_by": d.get("recorded_by"),
                "updated_at": d.get("recorded_at"), **d} for k, d in table.items()}


# A series index entry holds copies of readings in two lists; kept in the same short form. What is
# not an entry of lists of documents is left for the checks that name it.
_SERIES_LISTS = ("first", "recent")


def _series_docs(table: dict[str, Any], form) -> dict[str, Any]:
    return {key: {**entry, **{name: [form(d) if isinstance(d, dict) else d for d in entry[name]]
                              for name in _SERIES_LISTS if isinstance(entry.get(name), list)}}
            for key, entry in table.items()}


def dumps(data: dict[str, Any]) -> bytes:
    if READINGS in data:
        data = {**data, READINGS: {k: compact_reading(k, d) for k, d in data[READINGS].items()}}
    elif SERIES in data:
        data = {**data, SERIES: _series_docs(data[SERIES], lambda d: compact_reading(None, d))}
    return orjson.dumps(data)


def digest(doc: dict[str, Any]) -> str:
    """The sha256 of a stored document in canonical form (orjson, keys sorted), its first
    DIGEST_CHARS hex digits: what the audit trail keeps of a created reading. The same document
    gives the same digest whatever the order of its keys in the file, or the form it is kept in
    (compact_reading)."""
    return hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()[:DIGEST_CHARS]


def printable_text(raw: bytes) -> bool:
    """Whether every text in the JSON `raw` (keys and values) is printable ASCII, told from the bytes
    in passes in C: JSON writes a control character only as an escape (a backslash; orjson refuses
    one written raw), DEL is the one other ASCII character str.isprintable refuses, and anything
    else unprintable is not ASCII."""
    return raw.isascii() and b"\\" not in raw and b"\x7f" not in raw


def parse(path: Path, raw: bytes, *, required: tuple[str, ...], whole: bool = True) -> dict[str, Any]:
    """Parse a data file, refusing anything that is not a complete store document. Reading
    documents come back whole (expand_readings) unless `whole` is False: a scan that reads them in
    their file form (reading_columns).

    The StoreCorrupt raised names no backup; the store, which knows where backups live, adds it.
    """

    def corrupt(problem: str) -> StoreCorrupt:
        return StoreCorrupt(path, problem, None)

    if not raw.strip():
        raise corrupt("the file is empty")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise corrupt(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise corrupt("not a JSON object")
    for name in required:
        if name not in data:
            raise corrupt(f"table {name!r} is missing")
    for name, table in data.items():
        # orjson makes plain dicts: the type of each, gathered in C (a million documents: 0.2 s less).
        if not isinstance(table, dict) or not set(map(type, table.values())) <= {dict}:
            raise corrupt(f"table {name!r} is not a table of documents")
    if READINGS in data:
        if whole:
            data[READINGS] = expand_readings(data[READINGS])
    elif SERIES in data:
        data[SERIES] = _series_docs(data[SERIES], _whole)
    return data


def is_sound(path: Path, required: tuple[str, ...], limit: int) -> bool:
    """Whether `path` is a regular file of at most `limit` bytes holding a complete store document.
    (A backup may share its inode with the current file for a moment, so hard links are allowed.)"""
    try:
        found = fsio.read_limited(path, limit, links=False)
        if found is None:
            return False
        parse(path, found[0], required=required)
    except (StoreError, OSError):
        return False
    return True
