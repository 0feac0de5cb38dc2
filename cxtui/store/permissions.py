"""Who may change what. The rule lives in the store, so the CLI and the TUI both get it.

- an admin (listed in the store's settings) may change anything;
- a lead may change the goals, incentives and readings of the departments they lead, and the
  initiatives whose departments they all lead;
- a lead of a department a finding involves may dismiss it; that lead, or whoever dismissed it,
  may take the dismissal back;
- everyone may raise and comment on flags (add or update them);
- a lead of a department records its decisions and action items, and closes them; the owner of
  an item may also close it (and reopen it, by undoing the close), changing nothing else;
- everyone may record a meeting; whoever opened it (or an admin) may delete it;
- departments, metrics, objectives, tensions, links, company-level readings and settings are the
  admins'.

File permissions are the real boundary between users of a shared store; this rule keeps honest
people out of each other's numbers and says clearly why a change was refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from cxtui.models import Department, Record, Settings
from cxtui.store.errors import PermissionDenied

_DEPARTMENT_OWNED = frozenset({"goal", "incentive", "reading"})
_ANYONE = frozenset({"flag"})


def check_change(user: str, settings: Settings, departments: Mapping[str, Department], entity: str,
                 action: str, before: Record | None, after: Record | None) -> None:
    """Raise PermissionDenied unless `user` may make this change."""
    if user in settings.admins:
        return
    if entity in _ANYONE and action != "delete":
        return
    led = sorted(d.id for d in departments.values() if user in d.leads)
    if entity == "dismissal":
        _check_dismissal(user, settings, led, action, before, after)
        return
    if entity == "initiative":
        _check_initiative(user, settings, led, before, after)
        return
    if entity == "action":
        _check_action(user, settings, led, action, before, after)
        return
    if entity == "meeting":
        if action == "delete" and getattr(before, "opened_by", None) != user:
            raise PermissionDenied(f"only whoever opened meeting {before.id} ({before.opened_by}) or an admin "
                                   f"({_admins(settings)}) may delete it")
        return
    if entity in _DEPARTMENT_OWNED:
        for record in (before, after):
            if record is None:
                continue
            owner: Any = record.department
            if owner is None:
                raise PermissionDenied(
                    f"{user} may not change company-level {entity}s; ask an admin ({_admins(settings)})"
                )
            if owner not in led:
                if not led:
                    raise PermissionDenied(f"{user} leads no department, so may not change {owner}'s {entity}s; "
                                           f"ask a lead of {owner} or an admin ({_admins(settings)})")
                raise PermissionDenied(f"{user} leads {', '.join(led)}, not {owner}; ask a lead of {owner} or an admin")
        return
    what = "the settings" if entity == "settings" else f"{entity}s"
    raise PermissionDenied(f"only admins ({_admins(settings)}) may {action} {what}; {user} is not one")


def refusal(user: str, settings: Settings, departments: Mapping[str, Department], entity: str,
            department: str | None = None, action: str = "add") -> str | None:
    """Why `user` may not `action` a record of `entity` (owned by `department`), or None: what the
    store would answer, for a screen to say before the user fills a form."""
    try:
        check_change(user, settings, departments, entity, action, None, SimpleNamespace(department=department))
    except PermissionDenied as exc:
        return str(exc)
    return None


def _check_initiative(user: str, settings: Settings, led: list[str], before: Any, after: Any) -> None:
    # Every department an initiative names, before and after the change: a lead may not put
    # another department's name to their initiative, nor take over someone else's.
    for record in (before, after):
        if record is None:
            continue
        others = [d for d in getattr(record, "departments", [getattr(record, "department", None)]) if d not in led]
        if not others:
            continue
        if not led:
            raise PermissionDenied(f"{user} leads no department, so may not change initiatives; "
                                   f"ask a lead or an admin ({_admins(settings)})")
        named = ", ".join(str(d) if d else "the company" for d in others)
        raise PermissionDenied(f"{user} leads {', '.join(led)}, not {named}; an initiative may name only "
                               f"departments its lead leads (ask an admin: {_admins(settings)})")


# What closing (or reopening) an item changes; its owner may change these and nothing else.
_CLOSING = frozenset({"status", "note", "closed_by", "closed_at", "version", "updated_by", "updated_at"})


def _check_action(user: str, settings: Settings, led: list[str], action: str, before: Any, after: Any) -> None:
    records = [r for r in (before, after) if r is not None]
    if all(r.department in led for r in records):
        return
    if action == "update" and before.owner == user and after is not None:
        changed = {k for k in type(before).model_fields if getattr(before, k) != getattr(after, k)}
        if changed <= _CLOSING:
            return
    owner = next(r.department for r in records if r.department not in led)
    leads_what = f"leads {', '.join(led)}" if led else "leads no department"
    also = "; the owner may close it" if action == "update" else ""
    raise PermissionDenied(f"{user} {leads_what}; only a lead of {owner} or an admin ({_admins(settings)}) may "
                           f"{'record' if action == 'add' else 'change'} {owner}'s decisions and action items{also}")


def _check_dismissal(user: str, settings: Settings, led: list[str], action: str, before: Any, after: Any) -> None:
    for record in (before, after):
        if record is None or set(record.departments) & set(led):
            continue
        if action == "delete" and record.by == user:
            continue  # taking back one's own dismissal
        involved = " or ".join(record.departments) or "the departments it involves"
        leads_what = f"leads {', '.join(led)}" if led else "leads no department"
        raise PermissionDenied(f"{user} {leads_what}; only a lead of {involved} or an admin "
                               f"({_admins(settings)}) may {'take back' if action == 'delete' else 'dismiss'} "
                               f"finding {record.finding}")


def _admins(settings: Settings) -> str:
    return ", ".join(settings.admins) or "none set"
