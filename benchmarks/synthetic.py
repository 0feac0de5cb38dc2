"""A synthetic organisation for the benchmark, written through cxtui's own store.

30 departments, 60 metrics, 12 shared objectives, 300 goals, 60 incentives, 10 tensions, 5 flags and
N readings spread evenly over `years` years up to `today`. Everything is deterministic for a given
seed, so two runs measure the same data. The same documents (as the store returns them) are then
written into a stock TinyDB file for the baselines.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import orjson

from cxtui.models import (
    Department,
    Flag,
    Goal,
    Incentive,
    Metric,
    Objective,
    Reading,
    Record,
    Scale,
    Tension,
)
from cxtui.store import NEW_ID, Store, current_login

DEPARTMENTS = 30
METRICS = 60
OBJECTIVES = 12
GOALS_PER_DEPARTMENT = 10
INCENTIVES_PER_DEPARTMENT = 2
USER = current_login()  # who runs the benchmark: only root may act under another name

# The reading the benchmark records: a department's own goal metric, inside its scale.
RECORD_METRIC = "m-01"
RECORD_DEPARTMENT = "dept-01"
RECORD_VALUE = 55.0


@dataclass
class Generated:
    store_path: Path
    stock_path: Path
    readings: int
    store_seconds: float  # writing the organisation and all readings through the store
    stock_seconds: float  # reading them back and writing the stock TinyDB file
    store_bytes: int
    stock_bytes: int


def _metric(i: int) -> Metric:
    scaled = i % 3 != 0  # a third of the metrics are open-ended counts
    return Metric(
        id=f"m-{i:02d}", name=f"Metric {i:02d}", unit="%" if scaled else "count",
        scale=Scale(min=0, max=100) if scaled else None,
        direction="up" if i % 4 else "down", customer_centric=i % 2 == 0,
        cadence=("weekly", "monthly", "quarterly")[i % 3],
    )


def _goal(n: int, department: str, metric: Metric, today: date, rng: random.Random) -> Goal:
    # Mostly goals that push a metric its better way, some the other way, so that departments'
    # goals on a shared metric sometimes oppose each other (what the conflict rules look for).
    kind = rng.choice(["increase", "increase", "decrease", "reach", "stay_above", "stay_below"])
    baseline = round(rng.uniform(30, 70), 1)
    target = {
        "increase": baseline + 20, "decrease": baseline - 20, "reach": baseline + 10,
        "stay_above": baseline - 10, "stay_below": baseline + 10,
    }[kind]
    start = today - timedelta(days=rng.randint(30, 330))
    return Goal(
        id=f"G-{n}", department=department, title=f"Goal {n} of {department}", metric=metric.id, kind=kind,
        baseline=baseline, target=target, start=start, deadline=start + timedelta(days=365),
        objectives=[f"O-{n % OBJECTIVES + 1}"] if n % 3 else [], tolerance=0.1,
    )


def organisation(today: date, seed: int = 6) -> tuple[list[Record], list[tuple[str, str | None]]]:
    """The entity records (parents first) and the (metric, department) series readings fall on."""
    rng = random.Random(seed)
    departments = [
        Department(id=f"dept-{i:02d}", name=f"Department {i:02d}", leads=[f"lead{i:02d}", USER])
        for i in range(1, DEPARTMENTS + 1)
    ]
    metrics = [_metric(i) for i in range(1, METRICS + 1)]
    centric = [m for m in metrics if m.customer_centric]
    objectives = [
        Objective(id=f"O-{i}", title=f"Shared objective {i}", metric=centric[i % len(centric)].id,
                  target=80, baseline=50, start=today - timedelta(days=200), deadline=today + timedelta(days=200))
        for i in range(1, OBJECTIVES + 1)
    ]
    goals, series = [], []
    for d, dept in enumerate(departments):
        for k in range(GOALS_PER_DEPARTMENT):
            # The first department's first goal is on RECORD_METRIC, so the recorded reading is a real one.
            metric = metrics[(d * 7 + k * 13) % METRICS]
            goals.append(_goal(len(goals) + 1, dept.id, metric, today, rng))
            series.append((metric.id, dept.id))
    incentives = [
        Incentive(id=f"I-{d * INCENTIVES_PER_DEPARTMENT + k + 1}", department=dept.id,
                  title=f"Bonus {k + 1} of {dept.id}", metric=metrics[(d * 11 + k * 5) % METRICS].id,
                  direction=rng.choice(["up", "down"]), weight=0.4 if k == 0 else 0.3)
        for d, dept in enumerate(departments) for k in range(INCENTIVES_PER_DEPARTMENT)
    ]
    tensions = [Tension(a=metrics[2 * i].id, b=metrics[2 * i + 1].id, why="they trade off") for i in range(10)]
    raised = datetime.combine(today - timedelta(days=20), datetime.min.time(), timezone.utc)
    flags = [
        Flag(id=f"F-{i}", departments=[departments[i].id, departments[i + 1].id], goals=[goals[i * 10].id],
             title=f"Flag {i}", note="pulling apart", raised_by=USER, raised_at=raised)
        for i in range(1, 6)
    ]
    series += sorted({(o.metric, None) for o in objectives})  # company-level readings for the objectives
    return [*departments, *metrics, *objectives, *goals, *incentives, *tensions, *flags], series


def readings(n: int, series: list[tuple[str, str | None]], today: date, years: int, seed: int = 6) -> Iterator[Reading]:
    """`n` readings, oldest first (so a batch touches one or two monthly files, not all of them)."""
    rng = random.Random(seed + 1)
    first = today - timedelta(days=365 * years)
    span = (today - first).days
    days = sorted(rng.randrange(span + 1) for _ in range(n))
    for offset in days:
        metric, department = rng.choice(series)
        day = first + timedelta(days=offset)
        yield Reading(
            id=NEW_ID, metric=metric, department=department, date=day, value=round(rng.uniform(5, 95), 1),
            recorded_by=USER, recorded_at=datetime.combine(day, datetime.min.time(), timezone.utc) + timedelta(hours=9),
        )


def generate(directory: Path, n: int, *, today: date, years: int = 5, batch: int = 5000) -> Generated:
    """Create the store and the stock TinyDB file for `n` readings in `directory` (must not exist)."""
    directory.mkdir(parents=True)
    store_path, stock_path = directory / "store.json", directory / "stock.json"
    started = time.perf_counter()
    store = Store.init(store_path, user=USER)
    entities, series = organisation(today)
    store.add_many(entities)
    pending: list[Reading] = []
    for reading in readings(n, series, today, years):
        pending.append(reading)
        if len(pending) == batch:
            store.add_many(pending)
            pending = []
    if pending:
        store.add_many(pending)
    store_seconds = time.perf_counter() - started

    started = time.perf_counter()
    write_stock(Store(store_path, user=USER), stock_path)
    stock_seconds = time.perf_counter() - started
    verify_stock(stock_path, n)
    return Generated(store_path, stock_path, n, store_seconds, stock_seconds,
                     _size(store_path.parent, exclude=stock_path), stock_path.stat().st_size)


def write_stock(store: Store, path: Path) -> None:
    """The store's documents in stock TinyDB's layout: readings in `_default`, one table per entity.

    Built with orjson in one go (inserting through TinyDB would rewrite the file once per document).
    Ids are TinyDB's own integer keys; the documents are the store's, unchanged.
    """
    snap = store.snapshot()
    tables = {
        "department": snap.departments, "metric": snap.metrics, "objective": snap.objectives,
        "goal": snap.goals, "incentive": snap.incentives, "tension": snap.tensions, "flag": snap.flags,
    }
    data = {"_default": {str(i): r.model_dump(mode="json") for i, r in enumerate(snap.readings, start=1)}}
    data.update({name: {str(i): m.model_dump(mode="json") for i, m in enumerate(models, start=1)}
                 for name, models in tables.items()})
    path.write_bytes(orjson.dumps(data))


def verify_stock(path: Path, n: int) -> None:
    from tinydb import TinyDB

    with TinyDB(path) as db:
        found, goals = len(db), len(db.table("goal"))
    if found != n or goals != DEPARTMENTS * GOALS_PER_DEPARTMENT:
        raise RuntimeError(f"stock TinyDB file {path}: {found} readings and {goals} goals, expected {n} and 300")


def reading_document(today: date) -> dict:
    """One reading as a stored document: what the stock baselines insert."""
    stamp = datetime.combine(today, datetime.min.time(), timezone.utc)
    return Reading(
        id=f"R-{today:%Y%m%d}-bench000", metric=RECORD_METRIC, department=RECORD_DEPARTMENT, date=today,
        value=RECORD_VALUE, recorded_by=USER, recorded_at=stamp, version=1, updated_by=USER, updated_at=stamp,
    ).model_dump(mode="json")


def _size(directory: Path, exclude: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file() and p != exclude)


def write_readings_csv(path: Path, n: int, *, today: date, years: int = 5, seed: int = 13) -> int:
    """A readings CSV of `n` rows on the organisation's series, as a lead would import it: dates
    in no particular order, some with a confidence and a note. Returns its size in bytes."""
    rng = random.Random(seed)
    _, series = organisation(today)
    span = 365 * years
    first = today - timedelta(days=span)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("metric,department,date,value,confidence,note\n")
        for i in range(n):
            metric, department = rng.choice(series)
            day = first + timedelta(days=rng.randrange(span + 1))
            confidence = str(rng.randint(5, 10)) if i % 3 == 0 else ""
            note = "checked against the weekly report" if i % 2 == 0 else ""
            out.write(f"{metric},{department or ''},{day.isoformat()},{round(rng.uniform(5, 95), 1)},{confidence},{note}\n")
    return path.stat().st_size
