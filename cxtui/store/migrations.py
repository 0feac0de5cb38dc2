"""Schema versions of the store and the steps between them.

`STEPS[n]` upgrades the raw entity-table data of a version-n store to version n+1, in place.
A store opened by this code is brought to `SCHEMA_VERSION` inside the lock and written back in
the same commit as the change that opened it; a store newer than this code is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SCHEMA_VERSION = 3

RawTables = dict[str, Any]


def _driver_chain(data: RawTables) -> None:
    """1 -> 2: the link and initiative tables, and metrics' perspective. Nothing to convert, but an
    older cxtui must refuse the store: it would not know a metric's perspective, could delete a
    metric a link uses, and could not read the audit entries of links and initiatives."""
    data.setdefault("link", {})
    data.setdefault("initiative", {})


def _goal_pacing(data: RawTables) -> None:
    """2 -> 3: goals' pacing, milestones and own bands. Every existing goal becomes what it was:
    linear pacing, no milestones, the at-risk band left at twice its tolerance and no exceeded
    status, so every status stays as it was. An older cxtui must refuse the store: it would read
    a stepped or late goal as linear and could not read a goal record holding these fields."""
    for doc in data.get("goal", {}).values():
        if isinstance(doc, dict):  # a damaged record is left for the record check to name
            doc.setdefault("pacing", "linear")
            doc.setdefault("milestones", [])
            doc.setdefault("risk_tolerance", None)
            doc.setdefault("exceed_margin", None)


STEPS: dict[int, Callable[[RawTables], None]] = {1: _driver_chain, 2: _goal_pacing}


def migrate(data: RawTables, found: int, target: int = SCHEMA_VERSION) -> bool:
    """Run every step from `found` up to `target`; True when anything ran."""
    for version in range(found, target):
        STEPS[version](data)
    return found < target
