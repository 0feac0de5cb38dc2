"""`cxtui demo`: put the sample company into a store, without ever touching a team's real data.

The store `cxtui demo` fills is marked as the demo in its settings, so it is reopened however its
users have changed it. A store without the mark counts as the demo when its departments and metrics
are exactly the sample's (ids): demo stores made before the mark existed. A store that holds nothing
yet (no departments, metrics or goals) may be filled; anything else is refused.
"""

from __future__ import annotations

import shutil
from datetime import date

from cxtui.models import Department, Goal, Metric, Snapshot
from cxtui.store import Store, StoreError


class NotADemoStore(StoreError):
    pass


def _records(snapshot: Snapshot) -> list:
    # References point up this list, so one add_many can check each record against those before it.
    return [
        *snapshot.departments, *snapshot.metrics, *snapshot.objectives, *snapshot.goals,
        *snapshot.incentives, *snapshot.tensions, *snapshot.links, *snapshot.initiatives, *snapshot.flags,
        *snapshot.readings,
    ]


def is_demo(store: Store) -> bool:
    """Whether the existing `store` is a demo store (see the module's docstring)."""
    from cxtui.demo.sample_company import load_sample

    if store.settings().demo:
        return True
    sample = load_sample()
    departments = {d.id for d in store.list(Department)}
    metrics = {m.id for m in store.list(Metric)}
    # Metrics added to the sample since (the driver chain's) are not in such a store yet.
    return departments == {d.id for d in sample.departments} and bool(metrics) and metrics <= {m.id for m in sample.metrics}


def seed_demo(store: Store, today: date | None = None) -> bool:
    """Fill `store` with the sample company shifted to `today`; False when it already holds it."""
    from cxtui.demo.sample_company import load_sample

    if not store.exists():
        store = Store.init(store.path, user=store.user, lock_timeout=store.lock_timeout)
    if is_demo(store):
        return False
    if store.list(Department) or store.list(Metric) or store.list(Goal):
        raise NotADemoStore(
            f"{store.path} holds other data, not the demo company; it was left alone "
            f"(use 'cxtui demo --db OTHER_PATH' for a separate demo store)"
        )
    store.add_many(_records(load_sample(shift_to=today or date.today())))
    store.update(store.settings().model_copy(update={"demo": True}))
    return True


def reset_demo(store: Store, today: date | None = None) -> None:
    """Delete the demo store (every file of it, nothing else) and fill it afresh. Refuses any
    store that is not a demo store."""
    if store.exists() and not is_demo(store):
        raise NotADemoStore(f"{store.path} is not a demo store; --reset deletes only the demo, and it was left alone")
    layout = store.layout
    # rmtree removes links inside rather than following them (it works through directory fds).
    if layout.data_dir.is_dir():
        shutil.rmtree(layout.data_dir)
    for path in (layout.main, layout.lock):
        path.unlink(missing_ok=True)
    seed_demo(Store(store.path, user=store.user, lock_timeout=store.lock_timeout), today)
