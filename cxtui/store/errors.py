"""Store errors. Each one's str() is a single line fit to show a user after "error: "."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class StoreError(Exception):
    """Base of every error the store raises on purpose."""


class StoreMissing(StoreError):
    def __init__(self, path: Path) -> None:
        super().__init__(f"no store at {path}; create one with 'cxtui init --db {path}' or try 'cxtui demo'")
        self.path = path


class StoreExists(StoreError):
    def __init__(self, path: Path) -> None:
        super().__init__(f"a store already exists at {path}")
        self.path = path


class StoreCorrupt(StoreError):
    """A store file that cannot be trusted. The file is left exactly as it was found."""

    def __init__(self, path: Path, problem: str, backup: Path | None) -> None:
        advice = (
            f"newest good backup: {backup} (copy it over the damaged file to restore)"
            if backup
            else "no good backup was found"
        )
        super().__init__(f"store file {path} is damaged ({problem}); it was left untouched; {advice}")
        self.path = path
        self.problem = problem
        self.backup = backup


class StoreTooNew(StoreError):
    def __init__(self, path: Path, found: int, known: int) -> None:
        super().__init__(
            f"store {path} has schema version {found}, newer than this cxtui understands ({known}); upgrade cxtui"
        )


class StoreLocked(StoreError):
    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__(
            f"store {path} stayed locked by another cxtui process for {timeout:g} s; try again in a moment"
        )


class StoreIOError(StoreError):
    """The operating system refused a write (disk full, I/O error, permissions).

    Before the commit point nothing changed; after it the change stands and the next process
    to open the store finishes applying it.
    """

    def __init__(self, path: Path, exc: OSError, *, committed: bool = False) -> None:
        reason = exc.strerror or str(exc)
        outcome = (
            "the change was saved and will be finished by the next cxtui command"
            if committed
            else "the store was not changed"
        )
        super().__init__(f"could not write {path}: {reason}; {outcome}")
        self.errno = exc.errno
        self.committed = committed


class NotFound(StoreError):
    def __init__(self, entity: str, record_id: str) -> None:
        super().__init__(f"no {entity} with id {record_id!r}")
        self.entity = entity
        self.record_id = record_id


class DuplicateRecord(StoreError):
    def __init__(self, entity: str, record_id: str) -> None:
        super().__init__(f"a {entity} with id {record_id!r} already exists")


class StaleRecord(StoreError):
    """An update or delete based on an old copy: someone else saved the record meanwhile."""

    def __init__(self, entity: str, record_id: str, by: str | None, at: str | None, version: int) -> None:
        who = by or "someone"
        when = f" at {at}" if at else ""
        super().__init__(
            f"{entity} {record_id} was changed by {who}{when} (now version {version}); reload it and apply your change again"
        )
        self.by = by
        self.at = at
        self.version = version


class ReferenceViolation(StoreError):
    """A record names something that does not exist, or a delete would leave dangling references."""


class RuleViolation(StoreError):
    """A rule across records (scale, incentive weights) is broken. `field` names the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class PermissionDenied(StoreError):
    """The current user may not make this change."""


class WritesRefused(StoreError):
    """A store opened to read only (a meeting-room session) asked to change something; the message
    says why, as the one who opened it put it."""


class NothingToUndo(StoreError):
    """An undo with nothing to revert: no such change, or it was undone already."""


class ChangedSince(StoreError):
    """An undo refused because the record has changed since the change being undone."""

    def __init__(self, entry: Any, later: Any | None) -> None:
        what = f"{entry.entity} {entry.entity_id}"
        if later is not None:
            by = f"{later.real_user} as {later.by}" if later.real_user else later.by
            since = f"{later.action}d by {by} at {later.at.strftime('%Y-%m-%d %H:%M')} UTC (change {later.tx})"
        else:
            since = "changed outside cxtui (no audit entry says how; cxtui doctor)"
        super().__init__(f"{what} has changed since change {entry.tx}: {since}; undo that change first")
        self.entry = entry
        self.later = later
