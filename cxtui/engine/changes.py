"""What a change in the audit trail did, in words: which record, and each field's old → new value.

Shared by `cxtui history`, `cxtui undo`, the History screen and the undo confirmation, so a change
reads the same everywhere. Pure functions over audit entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cxtui.models import AuditEntry

# Bookkeeping fields the store sets on every write: not what anyone changed.
_BOOKKEEPING = frozenset({"version", "updated_by", "updated_at", "recorded_by", "recorded_at"})


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


def field_changes(entry: AuditEntry) -> list[FieldChange]:
    """The fields an update changed, with old and new values; for an add every field it set, for a
    delete every field it removed (bookkeeping left out)."""
    before, after = entry.before or {}, entry.after or {}
    names = [k for k in {**before, **after} if k not in _BOOKKEEPING and k != "id"]
    return [FieldChange(k, before.get(k), after.get(k)) for k in names if before.get(k) != after.get(k)]


def touches(entry: AuditEntry, department: str) -> bool:
    """Whether a change concerns a department: the department itself, or a record naming it."""
    if entry.entity == "department" and entry.entity_id == department:
        return True
    for side in (entry.before, entry.after):
        if side and (side.get("department") == department or department in (side.get("departments") or [])):
            return True
    return False


def value_text(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value) or "none"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} {value_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def label(entry: AuditEntry) -> str:
    """Which record: "goal G-3 'Lift NPS'", "reading of nps 42 on 2026-11-16 (sales)"."""
    side: dict[str, Any] = entry.after or entry.before or {}
    if entry.entity == "reading":
        where = f" ({side['department']})" if side.get("department") else ""
        if "value" in side:
            return f"reading of {side.get('metric', '')} {value_text(side['value'])} on {side.get('date', '')}{where}"
        return f"reading {entry.entity_id}"
    name = side.get("title") or side.get("name") or side.get("text")  # an action item has text
    return f"{entry.entity} {entry.entity_id}" + (f" '{name}'" if name else "")


def describe(entry: AuditEntry) -> str:
    """One line: what was done to which record, and for an update each field's old → new value."""
    verb = {"add": "added", "update": "changed", "delete": "deleted"}[entry.action]
    text = f"{verb} {label(entry)}"
    if entry.action == "update":
        changes = field_changes(entry)
        text += ": " + ("; ".join(f"{c.field} {value_text(c.old)} → {value_text(c.new)}" for c in changes)
                        if changes else "nothing but its bookkeeping")
    if entry.reverts:
        text += f" (undoing change {entry.reverts})"
    return text
