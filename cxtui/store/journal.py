"""All-or-nothing commits that span several files (entity tables, reading partitions, audit).

A commit writes every new file version to a temp file, then atomically writes a journal naming
them; that journal write is the commit point. Applying it renames each temp file over its target
and appends the audit lines. A writer that dies before the journal lands leaves only temp files
(removed by the next writer: the old version stands); one that dies after is rolled forward by the
next process that takes the lock (the new version stands). Applying is idempotent: renames skip
temp files already moved, and the audit file is cut back to its size at commit before appending.

Every member of the store's group can write the journal, so a journal found on disk is not
trusted: it must name only files in the store's own shape (the main file, a readings chunk, a
series file; temp files of those names beside them), carry the sha256 of each temp file and of the
audit text (lines of this commit's audit entries), and each temp file must still match. A journal
that fails is never applied: it is set aside as `journal.json.rejected-<time>` (so a forged one
cannot stop everyone's cxtui), the commit it names is lost, and `cxtui doctor` reports it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import orjson
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from cxtui.store import fsio
from cxtui.store.errors import StoreError
from cxtui.store.files import _MONTH_RE, _PARTITION_RE, BACKUPS_KEPT, READING_BACKUPS_KEPT, Layout

REJECTED_MARK = ".rejected-"
_SHA256 = r"^[0-9a-f]{64}$"
_DATA_LIMIT = max(fsio.MAIN_LIMIT, fsio.CHUNK_LIMIT, fsio.SERIES_LIMIT)  # any file a journal puts in place
_METRIC_FILE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}\.json$")  # a metric id (models.Slug) + .json


class JournalRejected(StoreError):
    """A journal that is not one cxtui wrote for this store; it was set aside, never applied."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"commit journal {path} was refused ({problem}); it was not applied")
        self.path = path
        self.problem = problem


class JournalFile(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    target: str = Field(max_length=512)  # relative to the store's directory
    temp: str = Field(max_length=512)  # a file name in the target's directory
    sha256: str = Field(pattern=_SHA256)


class Journal(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    tx: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:~-]{0,79}$")
    files: list[JournalFile]
    audit_offset: int = Field(ge=0)
    audit: str
    audit_sha256: str = Field(pattern=_SHA256)
    # A large commit's audit lines stay in the file prepare() was given (the journal on disk holds
    # them as `audit` all the same); apply() appends from it. Never part of the JSON.
    _audit_file: BinaryIO | None = PrivateAttr(default=None)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Written:
    """A new file version a transaction wrote to its temp file before the commit (a large import
    writes each full readings chunk as it goes, instead of holding them all until the end)."""

    temp: Path
    target: Path
    sha256: str


def prepare(layout: Layout, tx: str, files: dict[Path, bytes], audit_lines: bytes | BinaryIO,
            written: Sequence[Written] = ()) -> Journal:
    """Write the new versions and the journal. Once this returns, the commit has happened.

    `audit_lines` may be a file of them (a large commit's): the journal is then written from it in
    pieces, and the Journal returned holds no audit text but that file, for apply()."""
    done: list[Written] = list(written)
    # Month folders of readings are not in layout.directories (there are many); clean the ones
    # this commit writes into of temp files a dead writer left.
    fsio.remove_temp_files({t.parent for t in files} - set(layout.directories), keep={w.temp for w in written})
    try:
        # Refused here, before the commit point, a planted audit file cannot leave a commit
        # that every later command fails to finish.
        audit_offset = _audit_size(layout)
        for target, data in files.items():
            fsio.ensure_dir(target.parent)
            tmp = fsio.temp_path_for(target)
            fsio.write_new(tmp, data)
            done.append(Written(tmp, target, _sha256(data)))
        inline = isinstance(audit_lines, bytes)
        journal = Journal(
            tx=tx,
            files=[JournalFile(target=str(w.target.relative_to(layout.main.parent)), temp=w.temp.name, sha256=w.sha256)
                   for w in done],
            audit_offset=audit_offset,
            audit=audit_lines.decode() if inline else "",
            audit_sha256=_sha256(audit_lines) if inline else _file_sha256(audit_lines),
        )
        if not inline:
            journal._audit_file = audit_lines
        fsio.atomic_write(layout.journal, orjson.dumps(journal.model_dump()) if inline
                          else _journal_chunks(journal, audit_lines))
    except BaseException:
        for w in done:
            fsio.unlink_quietly(w.temp)
        raise
    return journal


def _file_sha256(source: BinaryIO) -> str:
    digest = hashlib.sha256()
    for chunk in _chunks(source):
        digest.update(chunk)
    return digest.hexdigest()


def _chunks(source: BinaryIO) -> Iterator[bytes]:
    """Whole lines of `source`, from its start, about a MiB at a time."""
    source.seek(0)
    while lines := source.readlines(1 << 20):
        yield b"".join(lines)


def _journal_chunks(journal: Journal, audit: BinaryIO) -> Iterator[bytes]:
    """The JSON of `journal` with the audit text of `audit`, in pieces: the same document
    orjson.dumps(journal.model_dump()) gives when the text is inline (keys in another order)."""
    head = orjson.dumps(journal.model_dump(exclude={"audit"}))
    yield head[:-1] + b',"audit":"'
    for chunk in _chunks(audit):
        yield orjson.dumps(chunk.decode())[1:-1]  # whole lines, so never half a UTF-8 character
    yield b'"}'


def _audit_size(layout: Layout) -> int:
    try:
        st = fsio.lstat(layout.audit)
    except FileNotFoundError:
        return 0
    fsio.check_file(layout.audit, st, gid=fsio.store_gid(layout.data_dir))
    return st.st_size


def recover(layout: Layout) -> bool:
    """Finish a commit a dead writer left behind, then remove stray temp files. Needs the lock.

    A journal that fails verification is set aside, not applied (see the module's docstring)."""
    recovered = False
    try:
        journal = load(layout)
    except JournalRejected:
        _set_aside(layout)
        journal = None
    if journal is not None:
        apply(layout, journal)
        recovered = True
    fsio.remove_temp_files(layout.directories)
    return recovered


def load(layout: Layout, path: Path | None = None) -> Journal | None:
    """The verified journal at `path` (default: the store's), or None when there is none.

    Raises JournalRejected, naming the file, for anything that is not a journal this store's
    cxtui wrote: a link or other non-file, too large, not JSON of the journal's shape, a path
    outside the store's shape, a temp file or audit text that does not match its digest."""
    path = path or layout.journal
    try:
        found = fsio.read_limited(path, fsio.JOURNAL_LIMIT)
    except fsio.UnsafeFile as exc:
        raise JournalRejected(path, exc.problem) from None
    if found is None:
        return None
    try:
        journal = Journal.model_validate_json(found[0])
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the journal"
        raise JournalRejected(path, f"{where}: {first['msg']}") from None
    problem = _problem(layout, journal)
    if problem:
        raise JournalRejected(path, problem)
    return journal


def _problem(layout: Layout, journal: Journal) -> str | None:
    targets: set[Path] = set()
    for entry in journal.files:
        target = target_path(layout, entry.target)
        if target is None:
            return f"{entry.target!r} is not a file of this store"
        if target in targets:
            return f"{entry.target!r} is named twice"
        targets.add(target)
        if not fsio.is_temp_for(entry.temp, target.name):
            return f"{entry.temp!r} is not a temp file name for {entry.target!r}"
        try:
            found = fsio.read_limited(target.with_name(entry.temp), _DATA_LIMIT)
        except (fsio.UnsafeFile, OSError) as exc:
            return f"temp file {entry.temp}: {getattr(exc, 'problem', None) or exc}"
        if found is not None and _sha256(found[0]) != entry.sha256:
            return f"temp file {entry.temp} does not match its digest"
    audit = journal.audit.encode()
    if _sha256(audit) != journal.audit_sha256:
        return "the audit text does not match its digest"
    if audit and not audit.endswith(b"\n"):
        return "the audit text does not end a line"
    for line in audit.splitlines():
        try:
            entry = orjson.loads(line)
        except orjson.JSONDecodeError:
            return "the audit text is not JSON lines"
        if not isinstance(entry, dict) or entry.get("tx") != journal.tx:
            return "the audit text holds a line that is not an entry of this commit"
    try:
        size = fsio.lstat(layout.audit).st_size
    except FileNotFoundError:
        size = 0
    if journal.audit_offset > size:
        return f"audit_offset {journal.audit_offset} is past the end of the audit trail"
    return None


def target_path(layout: Layout, relative: str) -> Path | None:
    """The store file a journal's relative path names, if it is one the Layout can produce."""
    if relative == layout.main.name:
        return layout.main
    parts = relative.split("/")
    if len(parts) == 4 and parts[:2] == [layout.data_dir.name, "readings"]:
        month, name = parts[2], parts[3]
        if _MONTH_RE.match(month) and _PARTITION_RE.match(name) and name[:7] == month:
            return layout.partition(name[:-5])
    if len(parts) == 3 and parts[:2] == [layout.data_dir.name, "series"] and _METRIC_FILE.match(parts[2]):
        return layout.series(parts[2][:-5])
    return None


def _set_aside(layout: Layout) -> None:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    # A rename moves a link itself, never what it points to.
    fsio.replace(layout.journal, layout.journal.with_name(f"{layout.journal.name}{REJECTED_MARK}{stamp}-{secrets.token_hex(3)}"))
    fsio.fsync_dir(layout.data_dir)


def rejected(layout: Layout) -> list[str]:
    """One line per journal set aside as forged or damaged: what doctor reports."""
    try:
        names = sorted(n for n in os.listdir(layout.data_dir) if n.startswith(layout.journal.name + REJECTED_MARK))
    except FileNotFoundError:
        return []
    lines = []
    for name in names:
        path = layout.data_dir / name
        try:
            load(layout, path)
            problem = "it verifies now"
        except JournalRejected as exc:
            problem = exc.problem
        lines.append(f"commit journal {path} failed verification and was set aside, not applied ({problem}); "
                     f"inspect it, then delete it")
    return lines


def apply(layout: Layout, journal: Journal) -> None:
    """Make a prepared commit visible: rename every file into place, append the audit lines."""
    touched_dirs: set[Path] = set()
    for entry in journal.files:
        target = layout.main.parent / entry.target
        tmp = target.with_name(entry.temp)
        try:
            st = fsio.lstat(tmp)
        except FileNotFoundError:
            continue  # already applied before a crash
        fsio.check_file(tmp, st)
        if target.parent != layout.main.parent:
            fsio.check_dir(target.parent)
        _rotate_backups(layout, target)
        fsio.replace(tmp, target)  # replaces a link at `target` itself, never what it points to
        touched_dirs.add(target.parent)
    for directory in touched_dirs:
        fsio.fsync_dir(directory)
    if journal._audit_file is not None:
        fsio.ensure_dir(layout.audit.parent)
        fsio.append_durably(layout.audit, _chunks(journal._audit_file), truncate_to=journal.audit_offset)
    elif journal.audit:
        fsio.ensure_dir(layout.audit.parent)
        fsio.append_durably(layout.audit, journal.audit.encode(), truncate_to=journal.audit_offset)
    fsio.unlink(layout.journal)
    fsio.fsync_dir(layout.data_dir)


def _rotate_backups(layout: Layout, target: Path) -> None:
    """Keep the version about to be replaced as backup 1, shifting older ones down.

    Every slot is checked without following links: anything but a regular file of one link found
    in a slot was planted there and is removed (unlink removes a link, never its target). A readings
    file or a series file keeps READING_BACKUPS_KEPT versions; slots past that (a store from before)
    are removed."""
    try:
        st = fsio.lstat(target)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(st.st_mode):
        return  # not a version worth keeping (a link put in its place): the rename replaces it
    fsio.ensure_dir(layout.backups_dir)
    kept = READING_BACKUPS_KEPT if layout.keeps_one_backup(target) else BACKUPS_KEPT
    for n in range(kept + 1, BACKUPS_KEPT + 1):
        _clear_unless_regular(layout.backup(target, n), keep=False)
    slots = [layout.backup(target, n) for n in range(1, kept + 1)]
    present = [_clear_unless_regular(slot) for slot in slots]
    for n in range(kept - 1, 0, -1):
        if present[n - 1]:
            fsio.replace(slots[n - 1], slots[n])
    newest = slots[0]
    for attempt in range(2):
        try:
            fsio.link(target, newest)
            return
        except FileExistsError:
            if attempt:
                raise fsio.UnsafeFile(newest, "something keeps being put in this backup slot") from None
            _clear_unless_regular(newest, keep=False)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK, errno.ENOSYS):
                raise
            _copy(target, newest)
            return


def prune_backups(layout: Layout) -> None:
    """Remove the readings and series backups past READING_BACKUPS_KEPT that a store from before
    kept (three per readings file, as large as the readings themselves); with the lock held."""
    try:
        names = fsio.listdir(layout.backups_dir)
    except FileNotFoundError:
        return
    for name in names:
        stem, _, number = name.rpartition(".")
        if stem.startswith(("readings-", "series-")) and number.isdigit() and int(number) > READING_BACKUPS_KEPT:
            _clear_unless_regular(layout.backups_dir / name, keep=False)


def _clear_unless_regular(slot: Path, *, keep: bool = True) -> bool:
    """Whether `slot` holds a regular file of one link (kept when `keep`); anything else is removed."""
    try:
        st = fsio.lstat(slot)
    except FileNotFoundError:
        return False
    if keep and stat.S_ISREG(st.st_mode) and st.st_nlink == 1:
        return True
    try:
        fsio.unlink(slot)
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        raise fsio.UnsafeFile(slot, "a directory stands in this backup slot") from None
    return False


def _copy(target: Path, backup: Path) -> None:
    """Copy through fds: the source opened without following links, the backup created O_EXCL."""
    found = fsio.read_limited(target, _DATA_LIMIT)
    if found is not None:
        fsio.write_new(backup, found[0])
