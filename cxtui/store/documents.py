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


def dumps(data: dict[str, Any]) -> bytes:
    return orjson.dumps(data)


def digest(doc: dict[str, Any]) -> str:
    """The sha256 of a stored document in canonical form (orjson, keys sorted): what the audit
    trail keeps of a created reading. The same document gives the same digest whatever the order
    of its keys in the file."""
    return hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()


def parse(path: Path, raw: bytes, *, required: tuple[str, ...]) -> dict[str, Any]:
    """Parse a data file, refusing anything that is not a complete store document.

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
        if not isinstance(table, dict) or not all(isinstance(doc, dict) for doc in table.values()):
            raise corrupt(f"table {name!r} is not a table of documents")
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
