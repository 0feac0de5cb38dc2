"""Schema versions of the store and the steps between them.

`STEPS[n]` upgrades the raw entity-table data of a version-n store to version n+1, in place.
A store opened by this code is brought to `SCHEMA_VERSION` inside the lock and written back in
the same commit as the change that opened it; a store newer than this code is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SCHEMA_VERSION = 1

RawTables = dict[str, Any]
STEPS: dict[int, Callable[[RawTables], None]] = {}


def migrate(data: RawTables, found: int, target: int = SCHEMA_VERSION) -> bool:
    """Run every step from `found` up to `target`; True when anything ran."""
    for version in range(found, target):
        STEPS[version](data)
    return found < target
