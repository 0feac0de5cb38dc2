"""The store's contract: typed CRUD, references, versions, audit, schema, backups, modes."""

from __future__ import annotations

import os
import stat
from datetime import date

import orjson
import pytest

from cxtui.models import Department, Flag, Goal, Incentive, Metric, Reading, Tension, utcnow
from cxtui.store import (
    NEW_ID,
    ReferenceViolation,
    Store,
    StoreCorrupt,
    StoreExists,
    StoreMissing,
    StoreTooNew,
)
from cxtui.store import migrations
from store_helpers import seeded_store, tree_digest


@pytest.fixture
def store(tmp_path):
    return seeded_store(tmp_path)


def test_init_refuses_an_existing_store(store):
    with pytest.raises(StoreExists):
        Store.init(store.path)


def test_missing_store_is_reported(tmp_path):
    with pytest.raises(StoreMissing, match="cxtui init"):
        Store(tmp_path / "nothing.json").list(Department)


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (Reading(id=NEW_ID, metric="csat", date="2026-01-05", value=1, recorded_by="t", recorded_at=utcnow()),
         "metric 'csat'"),
        (Reading(id=NEW_ID, metric="nps", department="ops", date="2026-01-05", value=1, recorded_by="t",
                 recorded_at=utcnow()), "department 'ops'"),
        (Goal(id=NEW_ID, department="legal", title="x", metric="nps", kind="increase", baseline=1, target=2,
              start="2026-01-01", deadline="2026-02-01"), "department 'legal'"),
        (Goal(id=NEW_ID, department="sales", title="x", metric="nps", kind="increase", baseline=1, target=2,
              start="2026-01-01", deadline="2026-02-01", objectives=["O-99"]), "objective 'O-99'"),
        (Incentive(id=NEW_ID, department="sales", title="x", metric="aht", direction="down", weight=0.1),
         "metric 'aht'"),
        (Tension(a="nps", b="aht"), "metric 'aht'"),
        (Flag(id=NEW_ID, departments=["sales", "hr"], title="x", raised_by="t", raised_at=utcnow()),
         "department 'hr'"),
    ],
)
def test_references_are_checked(store, model, message):
    before = tree_digest(store.path.parent)
    with pytest.raises(ReferenceViolation, match=message):
        store.add(model)
    assert tree_digest(store.path.parent) == before


def test_readings_by_metric_department_and_date_range(store):
    for day, dept, value in [("2026-01-05", "sales", 1), ("2026-02-02", "sales", 2), ("2026-02-09", None, 3),
                             ("2026-03-02", "finance", 4), ("2025-12-29", "sales", 5)]:
        store.record("nps", value, department=dept, date=date.fromisoformat(day))
    assert [r.value for r in store.readings(metric="nps")] == [5, 1, 2, 3, 4]
    assert [r.value for r in store.readings(department="sales")] == [5, 1, 2]
    assert [r.value for r in store.readings(department=None)] == [3]
    assert [r.value for r in store.readings(start=date(2026, 1, 10), end=date(2026, 2, 28))] == [2, 3]
    assert all(isinstance(r, Reading) for r in store.readings())
    assert list(store.layout.partitions()) == ["2025-12", "2026-01", "2026-02", "2026-03"]
    assert store.layout.partition("2026-02") == store.layout.readings_dir / "2026-02" / "2026-02.json"


def test_files_are_0660_whatever_the_umask(tmp_path):
    old = os.umask(0o077)
    try:
        store = seeded_store(tmp_path)
        store.record("nps", 3)
    finally:
        os.umask(old)
    layout = store.layout
    for path in [layout.main, layout.lock, layout.audit, *layout.partitions().values()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o660, path


def test_backups_rotate_and_stay_few(store):
    for n in range(6):
        store.record("nps", n, department="sales", date=date(2026, 5, 4))
    backups = sorted(p.name for p in store.layout.backups_dir.iterdir())
    assert backups == ["readings-2026-05.json.1",
                       "series-nps.json.1",
                       "store.json.1", "store.json.2", "store.json.3"]
    newest = orjson.loads((store.layout.backups_dir / "readings-2026-05.json.1").read_bytes())
    assert len(newest["readings"]) == 5


def test_migration_hook_upgrades_an_old_store(store, monkeypatch):
    data = orjson.loads(store.path.read_bytes())
    data["_meta"]["1"]["schema"] = 0
    # Pretend version 0 kept leads as one comma-separated string.
    data["department"]["sales"]["leads"] = "kim,ana"
    store.path.write_bytes(orjson.dumps(data))

    def leads_to_list(raw):
        for doc in raw["department"].values():
            if isinstance(doc["leads"], str):
                doc["leads"] = doc["leads"].split(",")

    monkeypatch.setitem(migrations.STEPS, 0, leads_to_list)
    fresh = Store(store.path)
    assert fresh.get(Department, "sales").leads == ["kim", "ana"]
    assert orjson.loads(store.path.read_bytes())["_meta"]["1"]["schema"] == migrations.SCHEMA_VERSION


def test_store_from_a_newer_cxtui_is_refused_untouched(store):
    data = orjson.loads(store.path.read_bytes())
    data["_meta"]["1"]["schema"] = migrations.SCHEMA_VERSION + 1
    store.path.write_bytes(orjson.dumps(data))
    before = tree_digest(store.path.parent)
    with pytest.raises(StoreTooNew, match="upgrade cxtui"):
        Store(store.path).record("nps", 1)
    assert tree_digest(store.path.parent) == before


def test_files_are_tinydb_files_with_string_document_ids(store, monkeypatch):
    from tinydb import TinyDB
    from tinydb.table import Table

    class StringIds(Table):
        document_id_class = str

    monkeypatch.setattr(TinyDB, "table_class", StringIds)
    store.record("nps", 7, department="sales", date=date(2026, 2, 2))
    db = TinyDB(store.path, access_mode="r")
    assert {doc["id"] for doc in db.table("department").all()} == {"sales", "finance"}
    part = TinyDB(store.layout.partition("2026-02"), access_mode="r")
    assert [doc["value"] for doc in part.table("readings").all()] == [7]


def test_doctor_on_a_sound_store_reports_nothing(store):
    store.record("nps", 1)
    assert store.doctor() == []


def test_doctor_reports_wrong_modes(store):
    os.chmod(store.path, 0o644)
    problems = store.doctor()
    assert any("chmod 660" in p.message for p in problems)


def test_corrupt_store_error_names_the_newest_good_backup(store):
    store.record("nps", 1)
    store.path.write_bytes(b'{"_meta": {"1": {"schema": 1}}, "department": {"sa')
    with pytest.raises(StoreCorrupt) as info:
        Store(store.path).list(Department)
    assert info.value.backup == store.layout.backups_dir / "store.json.1"
    assert "store.json.1" in str(info.value)


# --- who may change what --------------------------------------------------------------------------

def _goal(department: str) -> Goal:
    return Goal(id=NEW_ID, department=department, title="x", metric="nps", kind="increase", baseline=1, target=2,
                start="2026-01-01", deadline="2026-06-30")


def _reading(department: str | None) -> Reading:
    return Reading(id=NEW_ID, metric="nps", department=department, date="2026-03-02", value=5, recorded_by="x",
                   recorded_at=utcnow())


@pytest.mark.parametrize(
    ("user", "model", "refusal"),
    [
        ("kim", _goal("sales"), None),
        ("kim", _goal("finance"), "kim leads sales, not finance"),
        ("kim", _reading("sales"), None),
        ("kim", _reading("finance"), "kim leads sales, not finance"),
        ("kim", _reading(None), "company-level readings"),
        ("kim", Incentive(id=NEW_ID, department="finance", title="x", metric="nps", direction="up", weight=0.1),
         "kim leads sales, not finance"),
        ("kim", Department(id="ops", name="Ops"), r"only admins \(tester\) may add departments"),
        ("kim", Metric(id="csat", name="CSAT"), "only admins"),
        ("kim", Tension(a="nps", b="gross_margin"), "only admins"),
        ("kim", Flag(id=NEW_ID, departments=["sales", "finance"], title="x", raised_by="kim", raised_at=utcnow()),
         None),
        ("eve", Flag(id=NEW_ID, departments=["sales"], title="x", raised_by="eve", raised_at=utcnow()), None),
        ("eve", _reading("sales"), r"eve leads no department, so may not change sales's readings; ask a lead of sales or an admin \(tester\)"),
        ("tester", _reading("finance"), None),
        ("tester", _reading(None), None),
        ("tester", Department(id="ops", name="Ops"), None),
    ],
)
def test_leads_change_their_own_department_and_admins_anything(store, user, model, refusal):
    from cxtui.store import PermissionDenied

    session = Store(store.path, user=user)
    if refusal is None:
        session.add(model)
        return
    before = tree_digest(store.path.parent)
    with pytest.raises(PermissionDenied, match=refusal):
        session.add(model)
    assert tree_digest(store.path.parent) == before


def test_a_full_month_spills_into_numbered_chunks(store, monkeypatch):
    from cxtui.store import files as layout, transaction

    monkeypatch.setattr(transaction, "CHUNK_SIZE", 3)
    ids = [store.record("nps", n, department="sales", date=date(2026, 5, 4 + n)).id for n in range(7)]
    assert list(store.layout.partitions()) == ["2026-05", "2026-05.2", "2026-05.3"]
    assert [r.value for r in store.readings(start=date(2026, 5, 1), end=date(2026, 5, 31))] == list(range(7))
    middle = store.get(Reading, ids[4])
    store.update(middle.model_copy(update={"value": 40}))
    store.delete(Reading, ids[0])
    assert [r.value for r in store.readings()] == [1, 2, 3, 40, 5, 6]
    assert layout.chunk_order("2026-05.10") > layout.chunk_order("2026-05.9")
    assert store.doctor() == []


def test_init_with_a_group_on_an_existing_store_touches_nothing(store):
    import grp

    directory = store.path.parent
    mode, gid = directory.stat().st_mode, directory.stat().st_gid
    before = tree_digest(directory)
    with pytest.raises(StoreExists):
        Store.init(store.path, group=grp.getgrgid(os.getgid()).gr_name)
    assert (directory.stat().st_mode, directory.stat().st_gid) == (mode, gid)
    assert tree_digest(directory) == before


def _refuse_lock(monkeypatch, times):
    """Opening the lock file is refused `times` times (None: always), as for a member who opens it
    in the instant between another member creating it and setting its mode."""
    import errno

    from cxtui.store import fsio

    real, calls = fsio.open_lock, []

    def open_lock(path):
        calls.append(1)
        if times is None or len(calls) <= times:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(fsio, "open_lock", open_lock)
    return calls


def test_a_lock_file_refused_for_a_moment_is_opened_on_a_retry(store, monkeypatch):
    calls = _refuse_lock(monkeypatch, times=3)
    store.record("nps", 4, department="sales", date=date(2026, 2, 2))
    assert len(calls) == 4
    assert [r.value for r in Store(store.path).readings(metric="nps")] == [4]


def test_a_lock_file_that_stays_refused_is_an_error_and_nothing_changes(store, tmp_path, monkeypatch):
    from cxtui.store import StoreIOError
    from cxtui.store import locking

    monkeypatch.setattr(locking, "LOCK_PERMISSION_GRACE", 0.05)
    before = tree_digest(tmp_path)
    _refuse_lock(monkeypatch, times=None)
    with pytest.raises(StoreIOError, match="Permission denied"):
        store.record("nps", 4, department="sales")
    assert tree_digest(tmp_path) == before
