"""The audit trail on disk: a small live file, then closed segments, compressed; read either way.

    store.json.d/audit.jsonl                 the newest entries; every commit appends its lines
                                             (journal.py)
    store.json.d/audit/NNNNNN-KKKK.jsonl.gz  older entries: segment NNNNNN is one former live file,
                                             cut at line ends into pieces KKKK of at most PIECE_BYTES
    store.json.d/audit/NNNNNN.jsonl          a live file being closed: renamed here first, so a
                                             writer that dies while compressing leaves it whole;
                                             readers read it, the next writer to close finishes it

The trail runs segment by segment, piece by piece, then the live file. A writer closes the live file
(under the store lock, its commit applied, so no journal refers to the file) once it passes
CLOSE_BYTES or holds an entry of an earlier month: closed months are compressed, and no file is read
whole into memory but a piece of bounded size. Readers go forwards (export, replay) or from the end
(History, doctor), a block or a piece at a time.

Every file is opened as fsio opens store files (no links, fstat-checked, created O_EXCL with the
store's mode); a piece is decompressed to at most PIECE_LIMIT bytes, so a planted one cannot
exhaust memory.
"""

from __future__ import annotations

import functools
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import NamedTuple

import orjson
from pydantic import ValidationError

from cxtui.models import AuditEntry, day_problem
from cxtui.store import fsio
from cxtui.store.documents import digest
from cxtui.store.files import Layout

# The live file is closed into a segment past this size: what stays uncompressed, at most about
# this plus one commit's lines (a commit of 4,000 created readings is about 1 MB).
CLOSE_BYTES = 1 << 20
PIECE_BYTES = 4 << 20  # a segment's pieces hold at most this much (a line longer is a piece alone)
PIECE_LIMIT = PIECE_BYTES + fsio.AUDIT_LINE_LIMIT  # what a piece may decompress to
_BLOCK = 1 << 20  # plain files are read this much at a time
_PIECE_RE = re.compile(r"^(\d{6,9})-(\d{4})\.jsonl\.gz$")
_PLAIN_RE = re.compile(r"^(\d{6,9})\.jsonl$")
_LAST_SEGMENT = 999_999_999


class Line(NamedTuple):  # a tuple: a million of them are made in a pass over the trail
    source: Path
    number: int  # 1-based, within its file
    text: bytes


def _sources(layout: Layout) -> list[tuple[Path, bool]]:
    """(path, compressed) of every closed piece of the trail, oldest first."""
    try:
        names = fsio.listdir(layout.audit_dir)
    except FileNotFoundError:
        return []
    plain = {int(m.group(1)) for m in map(_PLAIN_RE.match, names) if m}
    pieces = sorted((int(m.group(1)), int(m.group(2)), m.group(0)) for m in map(_PIECE_RE.match, names) if m)
    found = [((n, 0), layout.audit_dir / f"{n:06d}.jsonl", False) for n in plain]
    # While a segment's plain file remains, its pieces may be incomplete: the plain file counts.
    found += [((n, k), layout.audit_dir / name, True) for n, k, name in pieces if n not in plain]
    return [(path, compressed) for _, path, compressed in sorted(found)]


def _piece(path: Path) -> bytes:
    found = fsio.read_limited(path, PIECE_LIMIT)
    if found is None:
        return b""
    inflate = zlib.decompressobj(wbits=31)  # gzip
    try:
        data = inflate.decompress(found[0], PIECE_LIMIT)
    except zlib.error as exc:
        raise fsio.UnsafeFile(path, f"not a gzip file cxtui wrote ({exc})") from None
    if inflate.unconsumed_tail or not inflate.eof:
        raise fsio.UnsafeFile(path, f"it is not one complete gzip stream of at most {PIECE_LIMIT} bytes")
    return data


def _plain_blocks(path: Path, *, reverse: bool) -> Iterator[bytes]:
    """The file's bytes, a block at a time, from the start or from the end."""
    opened = fsio.open_read(path)
    if opened is None:
        return
    fd, st = opened
    try:
        if st.st_size > fsio.AUDIT_LIMIT:
            raise fsio.UnsafeFile(path, f"it is larger than {fsio.AUDIT_LIMIT} bytes")
        if not reverse:
            while block := os.read(fd, _BLOCK):
                yield block
            return
        end = st.st_size
        while end > 0:
            start = max(0, end - _BLOCK)
            block = os.pread(fd, end - start, start)
            if not block:
                return
            yield block
            end = start
    finally:
        os.close(fd)


def _plain_lines(path: Path, *, reverse: bool, live: bool) -> Iterator[Line]:
    """Complete lines of a plain file; text after the last newline of the live file is an append a
    writer died in (its journal re-applies it), so it is no line."""
    if not reverse:
        number, rest = 0, b""
        for block in _plain_blocks(path, reverse=False):
            parts = (rest + block).split(b"\n")
            rest = parts.pop()
            for text in parts:
                number += 1
                yield Line(path, number, text)
            if len(rest) > fsio.AUDIT_LINE_LIMIT:
                rest = rest[: fsio.AUDIT_LINE_LIMIT + 1]  # unreadable anyway; keep memory bounded
        if rest and not live:
            yield Line(path, number + 1, rest)
        return
    total = sum(block.count(b"\n") for block in _plain_blocks(path, reverse=False))
    number, rest, seen_newline = total + 1, b"", False
    for block in _plain_blocks(path, reverse=True):
        parts = (block + rest).split(b"\n")
        rest, tail = parts[0], parts[1:]
        if tail and not seen_newline:
            seen_newline = True
            last = tail.pop()  # after the file's last newline
            if last and not live:
                yield Line(path, total + 1, last)
        for text in reversed(tail):
            number -= 1
            yield Line(path, number, text)
        if len(rest) > fsio.AUDIT_LINE_LIMIT:
            rest = rest[: fsio.AUDIT_LINE_LIMIT + 1]  # unreadable anyway; keep memory bounded
    if rest and (seen_newline or not live):
        yield Line(path, 1, rest)


def _file_lines(path: Path, compressed: bool, *, reverse: bool, live: bool = False) -> Iterator[Line]:
    if not compressed:
        yield from _plain_lines(path, reverse=reverse, live=live)
        return
    texts = _piece(path).split(b"\n")
    if texts and not texts[-1]:
        texts.pop()
    numbered = [Line(path, n, t) for n, t in enumerate(texts, start=1)]
    yield from reversed(numbered) if reverse else numbered


def files(layout: Layout) -> list[tuple[Path, bool, bool]]:
    """(path, compressed, live) of every file of the trail, oldest first."""
    return [*((p, c, False) for p, c in _sources(layout)), (layout.audit, False, True)]


def lines(layout: Layout, *, reverse: bool = False) -> Iterator[Line]:
    """Every line of the trail, oldest first or (reverse) newest first; empty lines are skipped."""
    found = files(layout)
    for path, compressed, live in reversed(found) if reverse else found:
        yield from file_lines(path, compressed, reverse=reverse, live=live)


def file_lines(path: Path, compressed: bool, *, reverse: bool, live: bool) -> Iterator[Line]:
    """The non-empty lines of one file of the trail."""
    for line in _file_lines(path, compressed, reverse=reverse, live=live):
        if line.text:
            yield line


def piece_text(path: Path) -> bytes:
    """A compressed piece's lines, inflated (at most PIECE_LIMIT bytes)."""
    return _piece(path)


def parse(text: bytes) -> AuditEntry:
    """One line as an entry; ValueError when it is not one."""
    if len(text) > fsio.AUDIT_LINE_LIMIT:
        raise ValueError("the line is too long")
    try:
        return AuditEntry.model_validate(orjson.loads(text))
    except (orjson.JSONDecodeError, ValidationError) as exc:
        raise ValueError(str(exc)) from None


# A created reading's entry as cxtui writes it, with every field as strict as AuditEntry's own
# validation (ids, logins, a UTC timestamp within the date window): lines that match need no
# pydantic, which at a million entries is most of doctor's time. Anything else goes through parse().
_ID = rb"[A-Za-z0-9][A-Za-z0-9_.:~-]{0,79}"
_LOGIN = rb"[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?"
_CREATED_BODY = (
    rb'\{"id":"' + _ID + rb'","tx":"' + _ID + rb'","at":"(\d{4}-\d\d-\d\d)T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?Z",'
    rb'"by":"' + _LOGIN + rb'","real_user":(?:null|"' + _LOGIN + rb'"),"action":"add","entity":"reading",'
    rb'"entity_id":"(' + _ID + rb')","before":null,"after":null,"digest":"([0-9a-f]{20})(?:[0-9a-f]{44})?"\}'
)
_CREATED = re.compile(_CREATED_BODY)
# The same over a whole piece at once: findall gives (day, id, digest) per line in C, which at a
# million lines is seconds less than a match per line.
_CREATED_LINES = re.compile(rb"^" + _CREATED_BODY + rb"$", re.MULTILINE)


@functools.lru_cache(maxsize=4096)
def _day_ok(text: bytes) -> bool:
    try:
        return day_problem(date.fromisoformat(text.decode())) is None
    except ValueError:
        return False


def created_reading(text: bytes) -> tuple[str, str] | None:
    """(reading id, digest) when the line is a created reading's entry in cxtui's own form."""
    match = _CREATED.fullmatch(text)
    if match is None or not _day_ok(match.group(1)):
        return None
    return match.group(2).decode(), match.group(3).decode()


def created_readings(piece: bytes) -> list[tuple[str, str]] | None:
    """(reading id, digest) of each line of a piece, in order, when every line is a created
    reading's entry in cxtui's own form (see created_reading); else None."""
    found = _CREATED_LINES.findall(piece)
    if len(found) != piece.count(b"\n") or not piece.endswith(b"\n") or not all(_day_ok(day) for day, _, _ in found):
        return None
    return [(record_id.decode(), digest.decode()) for _, record_id, digest in found]


def reading_digest(entry: AuditEntry) -> str | None:
    """The digest of the reading an entry left behind: None when it removed the reading. Entries
    written before digests (a full `after`) give the digest of that copy."""
    if entry.digest is not None:
        return entry.digest
    return digest(entry.after) if entry.after is not None else None


# --- closing the live file ----------------------------------------------------------------------


def _live_month(layout: Layout) -> str | None:
    """"YYYY-MM" of the live file's first entry, from its first bytes."""
    opened = fsio.open_read(layout.audit)
    if opened is None:
        return None
    fd, _ = opened
    try:
        head = os.read(fd, 512)
    finally:
        os.close(fd)
    match = re.search(rb'"at":"(\d{4}-\d\d)', head)
    return match.group(1).decode() if match else None


def close_if_due(layout: Layout, now: datetime) -> bool:
    """Close the live file into the next segment when it is large or holds a closed month; whether
    it did. Call with the store lock held and no journal pending (right after a commit is applied).
    Every commit calls it, so what it does when nothing is due is one lstat and a read of 512 bytes."""
    try:
        size = fsio.lstat(layout.audit).st_size
    except FileNotFoundError:
        return False
    if size < CLOSE_BYTES and (size == 0 or (_live_month(layout) or "") >= now.strftime("%Y-%m")):
        return False
    fsio.ensure_dir(layout.audit_dir)
    numbers = [int(match.group(1)) for match in (_PIECE_RE.match(n) or _PLAIN_RE.match(n)
                                                 for n in fsio.listdir(layout.audit_dir)) if match]
    number = max(numbers, default=0) + 1
    if number > _LAST_SEGMENT:  # only a planted piece numbers so high
        raise fsio.UnsafeFile(layout.audit_dir, f"a segment numbered {_LAST_SEGMENT} is there; cxtui never gets so far")
    plain = layout.audit_dir / f"{number:06d}.jsonl"
    # The rename is the step that takes the lines out of the live file; from here on the segment's
    # plain file holds them until its pieces are written.
    fsio.replace(layout.audit, plain)
    fsio.fsync_dir(layout.audit_dir)
    fsio.fsync_dir(layout.data_dir)
    finish_closing(layout)
    return True


def finish_closing(layout: Layout) -> None:
    """Compress every segment whose plain file remains into its pieces, then remove it. Writing a
    piece again gives the same piece, so a writer that died half-way is simply followed."""
    for path, compressed in _sources(layout):
        if compressed:
            continue
        number = path.name.partition(".")[0]
        piece, size, count = [], 0, 0
        for line in _plain_lines(path, reverse=False, live=False):
            text = line.text + b"\n"
            if piece and size + len(text) > PIECE_BYTES:
                count += 1
                _write_piece(layout, number, count, piece)
                piece, size = [], 0
            piece.append(text)
            size += len(text)
        if piece:
            count += 1
            _write_piece(layout, number, count, piece)
        fsio.fsync_dir(layout.audit_dir)
        fsio.unlink_quietly(path)
        fsio.fsync_dir(layout.audit_dir)


def _write_piece(layout: Layout, number: str, count: int, texts: list[bytes]) -> None:
    # A raw gzip stream of fixed header (no name, no time), so that the same lines give the same file.
    deflate = zlib.compressobj(6, zlib.DEFLATED, 31)
    data = deflate.compress(b"".join(texts)) + deflate.flush()
    fsio.atomic_write(layout.audit_dir / f"{number}-{count:04d}.jsonl.gz", data)


# --- replay ---------------------------------------------------------------------------------------


class ReplayMismatch(ValueError):
    """The trail does not hold together: a change from a state it does not account for."""


def replay(entries: Iterable[AuditEntry]) -> tuple[dict[str, dict[str, dict]], dict[str, str]]:
    """What the trail, applied in order to an empty store, leaves: the entity tables ({entity: {id:
    record}}) and, per reading, the digest of its document (documents.digest).

    A created reading's entry holds only the digest; its document is the readings file's (and, once
    it changes, the next entry's `before`, which must have that digest, else ReplayMismatch). So the
    store holds what the trail promises when its tables are these and its readings' documents have
    these digests, one each."""
    tables: dict[str, dict[str, dict]] = {}
    readings: dict[str, str] = {}
    for entry in entries:
        if entry.entity != "reading":
            table = tables.setdefault(entry.entity, {})
            if entry.after is None:
                table.pop(entry.entity_id, None)
            else:
                table[entry.entity_id] = entry.after
            continue
        held = readings.get(entry.entity_id)
        if (entry.before is None) != (held is None) or (held is not None and digest(entry.before) != held):
            raise ReplayMismatch(f"{entry.id} changes reading {entry.entity_id} from a state the trail does not hold")
        found = reading_digest(entry)
        if found is None:
            del readings[entry.entity_id]
        else:
            readings[entry.entity_id] = found
    return tables, readings
