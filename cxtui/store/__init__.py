"""The shared store: TinyDB files made safe for several writers, with an audit trail."""

from cxtui.store.errors import (
    DuplicateRecord,
    NotFound,
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
)
from cxtui.store.fsio import UnsafeFile
from cxtui.store.health import Problem
from cxtui.store.journal import JournalRejected
from cxtui.store.paths import default_store_path
from cxtui.store.repository import ANY_DEPARTMENT, NEW_ID, Store, current_login

__all__ = [
    "ANY_DEPARTMENT",
    "NEW_ID",
    "DuplicateRecord",
    "JournalRejected",
    "NotFound",
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
    "current_login",
    "default_store_path",
]
