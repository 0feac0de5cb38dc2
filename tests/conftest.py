"""Shared fixtures: an empty store, a small seeded company, and a CLI runner pointed at the store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings


from cxtui.models import Department, Goal, Incentive, Metric, Objective, Reading, Scale, Tension, utcnow
from cxtui.store import NEW_ID, Store

# Several property tests write real files with fsync; on a loaded 2-core CI machine a per-example
# deadline only adds flakes. Speed is the benchmark's job (benchmarks/).
settings.register_profile("cxtui", deadline=None)
settings.load_profile("cxtui")


@pytest.fixture(autouse=True)
def acting_as_made_up_users(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite records changes under made-up leads ("tester", "kim", "omar"), which only root may
    do (cxtui/store/identity.py). Run by anyone else, in-process stores are let act so, as root would;
    tests about that very rule are marked `real_identity` and see the real uid."""
    if os.getuid() != 0 and request.node.get_closest_marker("real_identity") is None:
        monkeypatch.setattr("cxtui.store.identity.real_uid", lambda: 0)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "team" / "store.json"


@pytest.fixture
def store(store_path: Path) -> Store:
    """An initialised, empty store; mutations are recorded as user "tester"."""
    return Store.init(store_path, user="tester")


@pytest.fixture
def seeded(store: Store) -> Store:
    """Three departments, three metrics, an objective, two goals, an incentive, a tension, readings."""
    store.add_many([
        Department(id="sales", name="Sales", leads=["kim"]),
        Department(id="finance", name="Finance", leads=["omar"]),
        Department(id="customer-service", name="Customer Service", leads=["ravi", "ines"]),
        Metric(id="nps", name="Net Promoter Score", unit="pts", scale=Scale(min=-100, max=100),
               customer_centric=True),
        Metric(id="discount_rate", name="Discount rate", unit="%", scale=Scale(min=0, max=100)),
        Metric(id="aht", name="Average handle time", unit="min", direction="down", cadence="weekly"),
        Objective(id="O-1", title="Customers recommend us", metric="nps", target=45, deadline="2027-06-30"),
        Goal(id="G-1", department="sales", title="Lift NPS", metric="nps", kind="increase", baseline=10,
             target=30, start="2026-01-01", deadline="2026-12-31", objectives=["O-1"]),
        Goal(id="G-2", department="finance", title="Fewer discounts", metric="discount_rate", kind="decrease",
             baseline=15, target=8, start="2026-01-01", deadline="2026-12-31"),
        Incentive(id="I-1", department="sales", title="Discount kicker", metric="discount_rate",
                  direction="up", weight=0.4),
        Tension(a="discount_rate", b="nps", why="discounts buy goodwill"),
        Reading(id=NEW_ID, metric="nps", department="sales", date="2026-02-01", value=12,
                recorded_by="kim", recorded_at=utcnow()),
        Reading(id=NEW_ID, metric="nps", department="sales", date="2026-03-01", value=-5, note="=bad month",
                recorded_by="kim", recorded_at=utcnow()),
    ])
    return store


@pytest.fixture
def cli(store_path: Path, monkeypatch: pytest.MonkeyPatch):
    """cli("record", "nps", 40) runs the CLI in-process against `store_path` as user "tester"."""
    monkeypatch.setenv("CXTUI_DB", str(store_path))
    monkeypatch.setenv("CXTUI_USER", "tester")
    monkeypatch.delenv("CXTUI_LOCK_TIMEOUT", raising=False)
    from cxtui.cli import cli as command

    runner = CliRunner()

    def run(*args, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(command, [str(a) for a in args], input=input, env=env)

    return run
