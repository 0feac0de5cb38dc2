"""`cxtui demo`: put the sample company into a store, without ever touching a team's real data.

The models have no place for a "this is a demo" marker, so a store counts as the demo when its
departments and metrics are exactly the sample's (ids); that is what makes it safe to open as
such. A store that holds nothing yet (no departments, metrics or goals) may be filled.
"""

from __future__ import annotations

from datetime import date

from cxtui.models import Department, Goal, Metric, Snapshot
from cxtui.store import Store, StoreError


class NotADemoStore(StoreError):
    pass


def _records(snapshot: Snapshot) -> list:
    # References point up this list, so one add_many can check each record against those before it.
    return [
        *snapshot.departments, *snapshot.metrics, *snapshot.objectives, *snapshot.goals,
        *snapshot.incentives, *snapshot.tensions, *snapshot.flags, *snapshot.readings,
    ]


def seed_demo(store: Store, today: date | None = None) -> bool:
    """Fill `store` with the sample company shifted to `today`; False when it already holds it."""
    from cxtui.sample import load_sample

    sample = load_sample(shift_to=today or date.today())
    if not store.exists():
        store = Store.init(store.path, user=store.user, lock_timeout=store.lock_timeout)
    departments = {d.id for d in store.list(Department)}
    metrics = {m.id for m in store.list(Metric)}
    if departments == {d.id for d in sample.departments} and metrics == {m.id for m in sample.metrics}:
        return False
    if departments or metrics or store.list(Goal):
        raise NotADemoStore(
            f"{store.path} holds other data, not the demo company; it was left alone "
            f"(use 'cxtui demo --db OTHER_PATH' for a separate demo store)"
        )
    store.add_many(_records(sample))
    return True
