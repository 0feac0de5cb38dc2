"""Write the schema-2 store of `test_pacing_migration.py` with the cxtui of that schema.

Run with the older cxtui first on the path (its checkout at commit 4a7bdd1, the last of schema 2):
    PYTHONPATH=/path/to/cxtui-at-4a7bdd1 python tests/old_stores/make_schema2.py
It rebuilds `tests/old_stores/schema2/` (the store's files) and `schema2_statuses.json` (every
goal's status on each of DAYS, as that cxtui computed them). The goals cover every kind, a custom
tolerance, readings past the target (increase and decrease), a deadline passed, and no readings.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from cxtui.engine.scorecard import build_scorecard
from cxtui.models import Department, Goal, Metric, Reading
from cxtui.store import Store
from cxtui.store.migrations import SCHEMA_VERSION

HERE = Path(__file__).parent
DAYS = [date(2026, 1, 1) + timedelta(days=14 * n) for n in range(30)]

DEPARTMENTS = [Department(id="sales", name="Sales", leads=["kim"]), Department(id="ops", name="Operations", leads=["omar"])]
METRICS = [
    Metric(id="bookings", name="Bookings", cadence="monthly"),
    Metric(id="cost", name="Cost per order", direction="down", cadence="monthly"),
    Metric(id="csat", name="CSAT", cadence="monthly", customer_centric=True),
    Metric(id="delivery", name="On-time delivery", cadence="weekly"),
]
Y = "2026-01-01", "2026-12-31"
GOALS = [
    dict(id="G-1", department="sales", metric="bookings", kind="increase", baseline=100, target=200, start=Y[0], deadline=Y[1]),
    dict(id="G-2", department="ops", metric="cost", kind="decrease", baseline=10, target=8, start=Y[0], deadline=Y[1], tolerance=0.2),
    dict(id="G-3", department="ops", metric="delivery", kind="reach", baseline=90, target=96, start=Y[0], deadline=Y[1], tolerance=0.05),
    dict(id="G-4", department="sales", metric="csat", kind="stay_above", baseline=84, target=80, start=Y[0], deadline=Y[1]),
    dict(id="G-5", department="ops", metric="cost", kind="stay_below", baseline=9, target=11, start=Y[0], deadline=Y[1]),
    dict(id="G-6", department="sales", metric="bookings", kind="increase", baseline=100, target=400, start=Y[0], deadline="2026-09-30"),
    dict(id="G-7", department="sales", metric="delivery", kind="increase", baseline=1, target=2, start=Y[0], deadline=Y[1]),
    dict(id="G-8", department="ops", metric="cost", kind="decrease", baseline=10, target=7, start="2026-04-01", deadline="2027-03-31"),
]
# (metric, department, first month's value, monthly step): bookings pass 200 in the autumn, cost
# falls below 8 and then 7, csat dips below 80 for a while.
SERIES = {
    ("bookings", "sales"): [100, 112, 118, 135, 150, 151, 160, 178, 190, 204, 230, 260],
    ("cost", "ops"): [10, 9.9, 9.6, 9.7, 9.1, 8.8, 8.5, 8.6, 8.1, 7.9, 7.4, 6.8],
    ("csat", "sales"): [84, 83, 81, 79, 78, 80, 82, 83, 79, 81, 84, 85],
    ("delivery", "ops"): [90, 90.5, 91, 92, 92, 93, 93.5, 94, 95, 95, 96, 96.5],
}


def main() -> None:
    target = HERE / "schema2"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    store = Store.init(target / "store.json", user="tester")
    records: list = [*DEPARTMENTS, *METRICS]
    records += [Goal.model_validate({"title": f"Goal {g['id']} of the fixture", **g}) for g in GOALS]
    at = datetime(2027, 1, 1, tzinfo=timezone.utc)
    for (metric, department), values in SERIES.items():
        for month, value in enumerate(values, start=1):
            records.append(Reading(id=f"R-{metric}-{month}", metric=metric, department=department,
                                   date=date(2026, month, 3), value=value, recorded_by="tester", recorded_at=at))
    store.add_many(records)
    statuses = {day.isoformat(): {c.goal.id: c.status for c in build_scorecard(store.snapshot(day), day).goals}
                for day in DAYS}
    (HERE / "schema2_statuses.json").write_text(json.dumps({"schema": SCHEMA_VERSION, "statuses": statuses},
                                                           indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
