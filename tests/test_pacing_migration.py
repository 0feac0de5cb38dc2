"""A store written by the cxtui before pacing kinds (schema 2) keeps every goal's status.

`old_stores/schema2/` is that cxtui's store, and `schema2_statuses.json` the statuses it computed
for each goal every fortnight through the goals' windows (both made by `old_stores/make_schema2.py`
with the older code). Opened by this cxtui the store is migrated: every goal linear, with the
default bands and no exceeded status, and so every status as before.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import orjson
import pytest

from cxtui.engine.scorecard import build_scorecard
from cxtui.models import Goal
from cxtui.store import Store, migrations

OLD = Path(__file__).with_name("old_stores")
RECORDED = json.loads((OLD / "schema2_statuses.json").read_text())


@pytest.fixture
def old_store(tmp_path: Path) -> Path:
    copy = tmp_path / "old"
    shutil.copytree(OLD / "schema2", copy)
    return copy / "store.json"


def test_the_fixture_is_a_store_of_the_older_cxtui(old_store: Path) -> None:
    data = orjson.loads(old_store.read_bytes())
    assert RECORDED["schema"] == data["_meta"]["1"]["schema"] == 2
    assert len(data["goal"]) == 8
    assert not any({"pacing", "milestones", "risk_tolerance", "exceed_margin"} & set(doc) for doc in data["goal"].values())
    # Readings past the target of increase and decrease goals: where an exceeded status could show.
    assert "achieved" in {RECORDED["statuses"]["2026-12-17"][g] for g in ("G-1", "G-2")}


def test_every_goal_keeps_its_status_on_every_date(old_store: Path) -> None:
    store = Store(old_store, user="tester")
    now = {}
    for day in RECORDED["statuses"]:
        as_of = date.fromisoformat(day)
        now[day] = {c.goal.id: c.status for c in build_scorecard(store.snapshot(as_of), as_of).goals}
    assert now == RECORDED["statuses"]
    assert {s for by_goal in now.values() for s in by_goal.values()} >= {
        "achieved", "on_track", "at_risk", "off_track", "missed", "no_data"}


def test_the_migration_makes_every_goal_linear_with_default_bands(old_store: Path) -> None:
    goals = Store(old_store, user="tester").list(Goal)
    assert [(g.pacing, g.milestones, g.risk_tolerance, g.exceed_margin) for g in goals] == [("linear", [], None, None)] * 8
    data = orjson.loads(old_store.read_bytes())  # written back upgraded by the first open
    assert data["_meta"]["1"]["schema"] == migrations.SCHEMA_VERSION == 3
    assert all(doc["pacing"] == "linear" and doc["milestones"] == [] for doc in data["goal"].values())
    # The tolerances the goals had are untouched.
    assert sorted(doc["tolerance"] for doc in data["goal"].values()) == [0.05, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2]


def test_the_old_audit_trail_still_reads_and_a_goal_edit_reverts(old_store: Path) -> None:
    store = Store(old_store, user="tester")
    goal = store.get(Goal, "G-1")
    store.update(goal.model_copy(update={"pacing": "late"}))
    assert store.get(Goal, "G-1").pacing == "late"
    store.revert()
    assert store.get(Goal, "G-1").pacing == "linear"
    assert len(store.audit(entity="goal")) >= 10
