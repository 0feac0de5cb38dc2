"""Doctor sees what others did: records changed, added or removed outside cxtui, duplicate reading
ids, files that cxtui does not write, and records the scorecard fails on. Each exits 1 naming it."""

from __future__ import annotations

import os

import orjson
import pytest

import cxtui.engine.scorecard


def edit_main(store, change) -> None:
    """Edit store.json by hand, as a group member with a text editor would."""
    data = orjson.loads(store.path.read_bytes())
    change(data)
    store.path.write_bytes(orjson.dumps(data))


def test_a_clean_store_is_sound(seeded, cli):
    result = cli("doctor")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


@pytest.mark.parametrize(("what", "change", "said"), [
    ("an admin added by hand", lambda d: d["settings"]["settings"]["admins"].append("mallory"),
     "settings settings differs from its last audited state"),
    ("a goal's target edited", lambda d: d["goal"]["G-1"].update(target=99),
     "goal G-1 differs from its last audited state"),
    ("a department added", lambda d: d["department"].update(
        {"ghost": {"id": "ghost", "name": "Ghost", "leads": ["mallory"], "description": "", "version": 1}}),
     "department ghost is in the store but the audit trail has no change that made it"),
    ("an incentive removed", lambda d: d["incentive"].pop("I-1"),
     "incentive I-1 is gone from the store but the audit trail has no delete of it"),
])
def test_a_change_made_outside_cxtui_is_named(seeded, cli, what, change, said):
    edit_main(seeded, change)
    result = cli("doctor")
    assert result.exit_code == 1, (what, result.output)
    assert said in result.stderr, result.stderr
    if what == "a goal's target edited":
        assert "in target" in result.stderr


def test_a_reading_id_held_twice_is_named(seeded, cli):
    partitions = seeded.layout.partitions()
    first, second = list(partitions.values())[:2]
    one = orjson.loads(first.read_bytes())
    other = orjson.loads(second.read_bytes())
    record_id, doc = next(iter(one["readings"].items()))
    other["readings"][record_id] = {**doc, "date": next(iter(other["readings"].values()))["date"]}
    second.write_bytes(orjson.dumps(other))
    result = cli("doctor")
    assert result.exit_code == 1
    assert f"reading id {record_id} is held by more than one reading" in result.stderr


@pytest.mark.parametrize("where", ["notes.txt", "readings/2026-02/evil.sh", "series/x.json.bak", "backups/zz"])
def test_a_file_cxtui_does_not_write_is_named(seeded, cli, where):
    path = seeded.layout.data_dir / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("planted")
    result = cli("doctor")
    assert result.exit_code == 1, result.output
    assert f"file {path} is not one cxtui writes" in result.stderr


def test_a_fifo_in_the_store_is_named_without_blocking(seeded, cli):
    fifo = seeded.layout.data_dir / "readings" / "2026-02" / "2026-02.9.json.fifo"
    os.mkfifo(fifo)
    result = cli("doctor")
    assert result.exit_code == 1
    assert f"special file {fifo} is not one cxtui writes" in result.stderr


def test_a_record_the_scorecard_fails_on_is_named(seeded, cli, monkeypatch):
    working = cxtui.engine.scorecard.is_active

    def failing_on_g2(goal, *args, **kwargs):
        if getattr(goal, "id", None) == "G-2":
            raise OverflowError("date value out of range")
        return working(goal, *args, **kwargs)

    monkeypatch.setattr(cxtui.engine.scorecard, "is_active", failing_on_g2)
    result = cli("doctor")
    assert result.exit_code == 1
    assert "goal G-2: the scorecard fails on it (OverflowError: date value out of range)" in result.stderr
    assert "goal G-1:" not in result.stderr


def edit_first_partition(store, change) -> None:
    path = next(iter(store.layout.partitions().values()))
    data = orjson.loads(path.read_bytes())
    change(data["readings"])
    path.write_bytes(orjson.dumps(data))


@pytest.mark.parametrize(("what", "change", "said"), [
    ("a value edited", lambda docs: next(iter(docs.values())).update(value=99), "differs from its last audited state"),
    ("a reading added", lambda docs: docs.update({"R-20260201-planted": {**next(iter(docs.values())),
                                                                      "id": "R-20260201-planted"}}),
     "reading R-20260201-planted is in the store but no audited change made it"),
    ("a reading removed", lambda docs: docs.clear(), "is gone but the audit trail has no delete of it"),
])
def test_a_reading_changed_outside_cxtui_is_named(seeded, cli, what, change, said):
    edit_first_partition(seeded, change)
    result = cli("doctor")
    assert result.exit_code == 1, (what, result.output)
    assert said in result.stderr, result.stderr


def test_many_readings_changed_outside_cxtui_are_summed_up(seeded, cli):
    from cxtui.models import Reading, utcnow

    seeded.add_many([Reading(id="new", metric="nps", department="sales", date=f"2026-04-{day:02d}", value=day,
                             recorded_by="kim", recorded_at=utcnow()) for day in range(1, 21)])
    for path in seeded.layout.partitions().values():
        data = orjson.loads(path.read_bytes())
        for doc in data["readings"].values():
            doc["value"] = 0
        path.write_bytes(orjson.dumps(data))
    result = cli("doctor")
    assert result.exit_code == 1
    assert "more readings changed outside cxtui" in result.stderr
    assert result.stderr.count("\n") < 30


@pytest.mark.parametrize(("what", "change"), [
    ("a value the readings do not hold", lambda entry: entry["recent"][0].update(value=77)),
    ("a reading that is not there", lambda entry: entry["recent"].append({**entry["recent"][0], "id": "R-x"})),
    ("a broken shape", lambda entry: entry.update(recent=5)),
])
def test_a_series_index_edited_by_hand_is_named(seeded, cli, what, change):
    path = seeded.layout.series("nps")
    data = orjson.loads(path.read_bytes())
    change(next(iter(data["series"].values())))
    path.write_bytes(orjson.dumps(data))
    result = cli("doctor")
    assert result.exit_code == 1, (what, result.output)
    assert f"store file {path} is damaged" in result.stderr, result.stderr


@pytest.mark.parametrize("change", [
    lambda entry: entry.update(recent=5), lambda entry: entry.update(count="3"),
    lambda entry: entry["first"].append([1]), lambda entry: entry["recent"][0].update(date=20260301),
    lambda entry: entry.pop("first"),
], ids=["recent-number", "count-text", "first-not-a-reading", "date-number", "first-missing"])
def test_a_broken_series_index_is_a_damaged_file_to_every_reader(seeded, cli, change):
    """The scorecard reads the index first: a broken entry is named as a damaged file, not an
    unexpected TypeError."""
    path = seeded.layout.series("nps")
    data = orjson.loads(path.read_bytes())
    change(next(iter(data["series"].values())))
    path.write_bytes(orjson.dumps(data))
    for command in ("scorecard", "doctor"):
        result = cli(command)
        assert result.exit_code == 1, (command, result.output)
        assert f"store file {path} is damaged" in result.stderr, (command, result.stderr)


def test_doctor_warns_once_of_each_reading_a_later_bound_refuses(seeded, cli):
    """Readings stored before today's bounds (a date outside the window, a value past 1e15, an
    invisible character in a note) load and are named by doctor as warnings, each once."""
    from cxtui.models import STORED, Reading

    old = [Reading.model_validate({"id": f"R-2026020{i}-old", "metric": "aht", "department": "sales",
                                   "date": day, "value": value, "note": note, "recorded_by": "kim",
                                   "recorded_at": "2026-02-01T09:00:00Z"}, context=STORED)
           for i, (day, value, note) in enumerate([("2026-02-01", 2e15, ""), ("2250-01-01", 5, ""),
                                                   ("2026-02-02", 5, "zero\u200bwidth")], start=1)]
    seeded.add_many(old)
    result = cli("doctor")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if "-old:" in line]
    assert sorted(lines) == sorted([
        "warning: reading R-20260201-old: value: must be at most 1e+15 in size (got 2000000000000000)",
        "warning: reading R-20260202-old: date: must be between 1900-01-01 and 2199-12-31 (got 2250-01-01)",
        "warning: reading R-20260203-old: note: format character U+200B (invisible)",
    ]), result.stderr
