"""Schema versions of the store and the steps between them.

`STEPS[n]` upgrades the raw entity-table data of a version-n store to version n+1, in place.
A store opened by this code is brought to `SCHEMA_VERSION` inside the lock and written back in
the same commit as the change that opened it; a store newer than this code is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SCHEMA_VERSION = 2

RawTables = dict[str, Any]


def _driver_chain(data: RawTables) -> None:
    """1 -> 2: the link and initiative tables, and metrics' perspective. Nothing to convert, but an
    older cxtui must refuse the store: it would not know a metric's perspective, could delete a
    metric a link uses, and could not read the audit entries of links and initiatives."""
    data.setdefault("link", {})
    data.setdefault("initiative", {})


STEPS: dict[int, Callable[[RawTables], None]] = {1: _driver_chain}


def migrate(data: RawTables, found: int, target: int = SCHEMA_VERSION) -> bool:
    """Run every step from `found` up to `target`; True when anything ran."""
    for version in range(found, target):
        STEPS[version](data)
    return found < target
