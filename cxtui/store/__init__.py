"""The shared store: TinyDB files made safe for several writers, with an audit trail."""

from cxtui.store.errors import (
    ChangedSince,
    DuplicateRecord,
    NotFound,
    NothingToUndo,
    PermissionDenied,
    ReferenceViolation,
    RuleViolation,
    StaleRecord,
    StoreCorrupt,
    StoreError,
    StoreExists,
    StoreIOError,
    StoreLocked,
    StoreMissing,
    StoreTooNew,
    WritesRefused,
)
from cxtui.store.fsio import UnsafeFile
from cxtui.store.health import Problem
from cxtui.store.identity import Identity, IdentityRefused, acting_identity, current_login
from cxtui.store.journal import JournalRejected
from cxtui.store.repository import ANY_DEPARTMENT, NEW_ID, Store

__all__ = [
    "WritesRefused",
    "ANY_DEPARTMENT",
    "NEW_ID",
    "ChangedSince",
    "DuplicateRecord",
    "JournalRejected",
    "Identity",
    "IdentityRefused",
    "NotFound",
    "NothingToUndo",
    "PermissionDenied",
    "Problem",
    "ReferenceViolation",
    "RuleViolation",
    "StaleRecord",
    "Store",
    "StoreCorrupt",
    "StoreError",
    "StoreExists",
    "StoreIOError",
    "StoreLocked",
    "StoreMissing",
    "StoreTooNew",
    "UnsafeFile",
    "acting_identity",
    "current_login",
]
