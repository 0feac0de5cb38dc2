"""The audit trail grows with the data, not twice over: a created reading is logged by digest, the
trail is closed into compressed segments, read from its end a page at a time, and replaying it
still gives back the store."""

from __future__ import annotations

import gzip
import os
import zlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxtui.models import AuditEntry, Department, Metric, Reading, Scale
from cxtui.store import NEW_ID, Store
from cxtui.store import auditlog
from cxtui.store.documents import READINGS, digest, parse
from cxtui.store.record_docs import AuditSpool, audit_line, created_entry


def _docs(store: Store) -> dict[str, dict]:
    """Every reading document as the store reads it back from its files, by id."""
    found = {}
    for path in store.layout.partitions().values():
        found.update(parse(path, path.read_bytes(), required=(READINGS,))[READINGS])
    return found


def _readings(n: int, start: date = date(2026, 1, 1)) -> list[Reading]:
    return [Reading(id=NEW_ID, metric="nps", department="sales", date=start + timedelta(days=i % 300),
                    value=i % 100, recorded_by="tester", recorded_at=datetime(2026, 1, 1, tzinfo=UTC))
            for i in range(n)]


@pytest.fixture
def small(store: Store) -> Store:
    store.add_many([Department(id="sales", name="Sales", leads=["kim"]),
                    Metric(id="nps", name="NPS", scale=Scale(min=-100, max=100))])
    return store


def test_a_created_reading_is_logged_by_digest_and_changes_keep_both_sides(small: Store) -> None:
    added = small.record("nps", 12, department="sales", date=date(2026, 2, 1))
    created = small.audit(entity="reading")[-1]
    assert (created.action, created.after, created.before) == ("add", None, None)
    assert created.digest == digest(_docs(small)[added.id])

    changed = small.update(added.model_copy(update={"value": 13}))
    small.delete(Reading, added.id, version=changed.version)
    update, delete = small.audit(entity="reading")[-2:]
    assert (update.before["value"], update.after["value"], update.digest) == (12, 13, None)
    assert (delete.before["value"], delete.after, delete.digest) == (13, None, None)
    # The entry of the creation proves the document the update started from.
    assert digest(update.before) == created.digest


def test_a_digest_is_only_for_a_created_reading() -> None:
    from pydantic import ValidationError

    from cxtui.models import AuditEntry

    base = dict(id="t.0", tx="t", at="2026-01-01T00:00:00Z", by="kim", entity_id="sales", digest="a" * 64)
    with pytest.raises(ValidationError, match="only the entry of a created reading"):
        AuditEntry.model_validate({**base, "action": "add", "entity": "department"})


def _rewrite_trail_with_copies(store: Store) -> None:
    """The trail as cxtui wrote it before digests: each created reading's full document in `after`."""
    docs = _docs(store)
    lines = []
    for line in store.layout.audit.read_bytes().splitlines():
        entry = orjson.loads(line)
        if entry.get("digest"):
            entry["after"] = docs[entry["entity_id"]]
        entry.pop("digest", None)
        lines.append(orjson.dumps(entry))
    store.layout.audit.write_bytes(b"\n".join(lines) + b"\n")


def test_a_trail_holding_full_copies_still_reads_and_checks(small: Store) -> None:
    small.add_many(_readings(30))
    _rewrite_trail_with_copies(small)
    assert Store(small.path).doctor() == []
    assert Store(small.path).replay_audit() == []
    page, _ = Store(small.path).audit_page(5)
    assert page[0].after is not None and page[0].digest is None

    path = next(iter(small.layout.partitions().values()))
    data = orjson.loads(path.read_bytes())
    next(iter(data["readings"].values()))["value"] = 99
    path.write_bytes(orjson.dumps(data))
    messages = [p.message for p in Store(small.path).doctor()]
    assert any("differs from its last audited state" in m for m in messages)


def test_doctor_names_a_reading_present_though_its_last_change_deleted_it(small: Store) -> None:
    added = small.record("nps", 12, department="sales", date=date(2026, 2, 1))
    path = small.layout.partition("2026-02")
    kept = path.read_bytes()
    small.delete(Reading, added.id)
    path.write_bytes(kept)
    messages = [p.message for p in Store(small.path).doctor()]
    assert any(f"reading {added.id} is in the store but its last audited change" in m for m in messages)


def test_pages_from_the_end_walk_the_whole_trail(small: Store) -> None:
    small.add_many(_readings(40))
    small.record("nps", 5, department="sales")
    everything = small.audit()
    seen, older = [], None
    while True:
        page, older = small.audit_page(7, older_than=older)
        seen += page
        if older is None:
            break
    assert [e.id for e in seen] == [e.id for e in reversed(everything)]
    assert [e.id for e in small.audit(limit=3)] == [e.id for e in everything[-3:]]
    assert [e.id for e in small.audit(entity="department", limit=1)] == ["%s" % everything[1].id]


def test_a_page_shows_each_created_reading_as_it_was_made(small: Store) -> None:
    first = small.record("nps", 12, department="sales", date=date(2026, 2, 1))
    second = small.record("nps", 20, department="sales", date=date(2026, 3, 1))
    small.update(second.model_copy(update={"value": 21}))
    page, _ = small.audit_page(10)
    made = {e.entity_id: e for e in page if e.entity == "reading" and e.action == "add"}
    assert made[first.id].after["value"] == 12  # the store's document, unchanged since
    assert made[second.id].after["value"] == 20  # the update's `before`
    assert small.audit(limit=10)[-1].after["value"] == 21  # audit() itself gives what is logged
    assert all(e.after is None for e in small.audit(entity="reading") if e.action == "add")


# --- the trail on disk ------------------------------------------------------------------------------


@pytest.fixture
def tiny_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auditlog, "CLOSE_BYTES", 4096)
    monkeypatch.setattr(auditlog, "PIECE_BYTES", 2048)


def test_the_live_file_is_closed_into_compressed_pieces_and_nothing_is_lost(small: Store, tiny_segments) -> None:
    for start in range(0, 60, 6):
        small.add_many(_readings(6, date(2026, 1, 1) + timedelta(days=start)))
    layout = small.layout
    pieces = sorted(os.listdir(layout.audit_dir))
    assert pieces and all(name.endswith(".jsonl.gz") for name in pieces)
    assert layout.audit.stat().st_size < 4096 + 8 * 1024
    assert all(len(gzip.decompress((layout.audit_dir / n).read_bytes())) <= 2048 + 1024 for n in pieces)
    entries = small.audit()
    assert len(entries) == 2 + 1 + 60  # settings, the two records, sixty readings
    assert len({e.id for e in entries}) == len(entries)
    assert [e.id for e in small.audit(limit=100)] == [e.id for e in entries]
    assert small.doctor() == []
    assert small.replay_audit() == []


def test_a_closed_month_is_closed_however_small(small: Store) -> None:
    layout = small.layout
    lines = layout.audit.read_bytes().replace(b'"at":"20', b'"at":"19')
    layout.audit.write_bytes(lines)  # as if written in a month long gone
    auditlog.close_if_due(layout, datetime.now(UTC))
    assert not layout.audit.exists()
    assert [n for n in os.listdir(layout.audit_dir)] == ["000001-0001.jsonl.gz"]
    assert gzip.decompress((layout.audit_dir / "000001-0001.jsonl.gz").read_bytes()) == lines


def test_a_writer_that_died_while_closing_is_followed(small: Store, tiny_segments) -> None:
    small.add_many(_readings(5))
    layout = small.layout
    before = [e.id for e in small.audit()]
    layout.audit_dir.mkdir(exist_ok=True)
    os.replace(layout.audit, layout.audit_dir / "000001.jsonl")  # renamed, not yet compressed
    (layout.audit_dir / "000001-0001.jsonl.gz").write_bytes(gzip.compress(b"half"))  # a piece of it
    assert [e.id for e in small.audit()] == before  # the plain file counts while it remains
    small.add_many(_readings(20))  # past CLOSE_BYTES: the next close finishes the one left
    assert "000001.jsonl" not in os.listdir(layout.audit_dir)
    assert [e.id for e in small.audit()][:-20] == before
    assert small.doctor() == []


def test_a_torn_last_line_of_the_live_file_is_no_entry(small: Store) -> None:
    before = small.audit()
    with open(small.layout.audit, "ab") as out:
        out.write(b'{"id":"torn')
    assert [e.id for e in small.audit()] == [e.id for e in before]
    assert [e.id for e in small.audit(limit=2)] == [e.id for e in before[-2:]]


def test_lines_read_backwards_across_blocks_are_the_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auditlog, "_BLOCK", 7)
    path = tmp_path / "f.jsonl"
    for content in (b"", b"a\n", b"ab\ncd\n\nefghijklmnop\nq\n", b"ab\ncd", b"no newline"):
        path.write_bytes(content)
        for live in (True, False):
            forward = [(x.number, x.text) for x in auditlog._plain_lines(path, reverse=False, live=live)]
            backward = [(x.number, x.text) for x in auditlog._plain_lines(path, reverse=True, live=live)]
            assert backward == forward[::-1], (content, live)
            complete = content.split(b"\n")[:-1] if live else content.split(b"\n")
            expected = [(n, t) for n, t in enumerate(complete, start=1)]
            if not live and expected and not expected[-1][1]:
                expected.pop()
            assert forward == expected, (content, live)


def test_a_planted_piece_that_inflates_past_its_bound_is_refused(small: Store, monkeypatch) -> None:
    monkeypatch.setattr(auditlog, "PIECE_LIMIT", 10_000)
    layout = small.layout
    layout.audit_dir.mkdir(exist_ok=True)
    bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    (layout.audit_dir / "000001-0001.jsonl.gz").write_bytes(bomb.compress(b"\n" * 1_000_000) + bomb.flush())
    os.chmod(layout.audit_dir / "000001-0001.jsonl.gz", 0o660)
    messages = [p.message for p in small.doctor()]
    assert any("000001-0001.jsonl.gz" in m and "gzip" in m for m in messages)


def test_replay_names_a_change_the_trail_does_not_account_for(small: Store) -> None:
    added = small.record("nps", 12, department="sales", date=date(2026, 2, 1))
    path = small.layout.partition("2026-02")
    data = orjson.loads(path.read_bytes())
    data["readings"][added.id]["value"] = 50
    path.write_bytes(orjson.dumps(data))
    assert Store(small.path).replay_audit() == [f"reading {added.id} is not the reading the trail holds"]
    small.update(small.get(Reading, added.id).model_copy(update={"value": 51}))
    assert "from a state the trail does not hold" in small.replay_audit()[0]


@pytest.mark.slow
def test_replaying_the_trail_of_a_hundred_thousand_readings_gives_back_the_store(small: Store) -> None:
    n, batch = 100_000, 10_000
    for i in range(0, n, batch):
        small.add_many([Reading(id=NEW_ID, metric="nps", department="sales" if k % 2 else None,
                                date=date(2022, 1, 1) + timedelta(days=(i + k) // 70), value=(i + k) % 200 - 100,
                                recorded_by="tester", recorded_at=datetime(2026, 1, 1, tzinfo=UTC))
                        for k in range(batch)])
    some = small.readings(start=date(2025, 1, 1), end=date(2025, 1, 3))
    small.update(some[0].model_copy(update={"value": 1}))
    small.delete(Reading, some[1].id)
    small.update(small.get(Department, "sales").model_copy(update={"name": "Sales EMEA"}))
    assert small.replay_audit() == []
    assert os.listdir(small.layout.audit_dir)  # the trail went through closing


def test_closing_the_trail_prunes_the_readings_backups_an_older_store_kept(small: Store) -> None:
    small.record("nps", 1, department="sales", date=date(2026, 2, 1))
    layout = small.layout
    for n in (2, 3):  # what a store from before kept
        (layout.backups_dir / f"readings-2026-02.json.{n}").write_bytes(b"{}")
        (layout.backups_dir / f"series-nps.json.{n}").write_bytes(b"{}")
    (layout.backups_dir / "store.json.3").write_bytes(b"{}")
    layout.audit.write_bytes(layout.audit.read_bytes().replace(b'"at":"20', b'"at":"19'))  # a closed month
    small.record("nps", 2, department="sales", date=date(2026, 3, 1))
    names = set(os.listdir(layout.backups_dir))
    assert not {"readings-2026-02.json.2", "readings-2026-02.json.3", "series-nps.json.2", "series-nps.json.3"} & names
    assert "store.json.3" in names


_LINE = (b'{"id":"T-1.0","tx":"T-1","at":"2026-03-01T09:00:00.123000Z","by":"kim","real_user":null,'
         b'"action":"add","entity":"reading","entity_id":"R-20260301-ab","before":null,"after":null,'
         b'"digest":"' + b"0" * 64 + b'"}')


@pytest.mark.parametrize("change", [
    (b"", b""),  # as cxtui writes it
    (b'"real_user":null', b'"real_user":"root"'),
    (b'"kim"', b'"k\\u001bim"'),  # a control character in a login
    (b"2026-03-01T", b"2200-03-01T"),  # outside the date window
    (b"2026-03-01T", b"2026-02-30T"),  # no such day
    (b"T09:", b"T24:"),
    (b'"digest":"0', b'"digest":"A'),
    (b'"after":null', b'"after":{}'),
    (b'"entity":"reading"', b'"entity":"goal"'),
    (b'"id":"T-1.0"', b'"id":"-T"'),
    (b"}", b',"x":1}'),
])
def test_the_fast_reading_of_a_created_reading_accepts_only_what_validation_accepts(change) -> None:
    line = _LINE.replace(*change) if change[0] else _LINE
    fast = auditlog.created_reading(line)
    try:
        entry = auditlog.parse(line)
    except ValueError:
        entry = None
    if fast is not None:
        assert entry is not None and fast == (entry.entity_id, entry.digest)
    assert (fast is not None) == (change == (b"", b"") or change[1].startswith(b'"real_user"'))


def test_doctor_reads_compressed_pieces_and_names_what_they_do_not_account_for(small: Store, tiny_segments) -> None:
    small.add_many(_readings(12))
    for start in range(0, 48, 6):
        small.add_many(_readings(6, date(2026, 3, 1) + timedelta(days=start)))
    layout = small.layout
    piece = max((layout.audit_dir / n for n in os.listdir(layout.audit_dir)), key=lambda p: p.name)
    lines = gzip.decompress(piece.read_bytes()).splitlines(keepends=True)
    assert auditlog.created_readings(b"".join(lines)) is not None  # read by the whole-piece path
    entry = orjson.loads(lines[0])
    lines[0] = orjson.dumps({**entry, "digest": "f" * 64}) + b"\n"
    piece.write_bytes(gzip.compress(b"".join(lines)))
    messages = [p.message for p in Store(small.path).doctor()]
    assert any(f"reading {entry['entity_id']} differs from its last audited state" in m for m in messages)
    lines[0] = b"not an entry\n"
    piece.write_bytes(gzip.compress(b"".join(lines)))
    assert auditlog.created_readings(b"".join(lines)) is None
    messages = [p.message for p in Store(small.path).doctor()]
    assert any(f"audit/{piece.name}:1" in m and "unreadable lines" in m for m in messages)
    assert any(f"reading {entry['entity_id']} is in the store but no audited change made it" in m for m in messages)


def test_segment_numbers_past_six_digits_still_order_and_a_planted_last_one_stops_closing(small: Store) -> None:
    from cxtui.store import fsio

    layout = small.layout
    layout.audit_dir.mkdir(exist_ok=True)
    os.replace(layout.audit, layout.audit_dir / "1000000.jsonl")  # a segment past 999999
    small.record("nps", 1, department="sales")
    assert len(small.audit()) == 4
    layout.audit.write_bytes(layout.audit.read_bytes().replace(b'"at":"20', b'"at":"19'))
    (layout.audit_dir / "999999999-0001.jsonl.gz").write_bytes(gzip.compress(b""))
    with pytest.raises(fsio.UnsafeFile, match="999999999"):
        auditlog.close_if_due(layout, datetime.now(UTC))



_IDS = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.:~-]{0,79}\Z")
_LOGINS = st.from_regex(r"\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?\Z")


@settings(max_examples=200, deadline=None)
@given(shared=st.lists(st.fixed_dictionaries({
           "tx": _IDS, "at": st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31), timezones=st.just(UTC)),
           "by": _LOGINS,
           "real_user": st.none() | _LOGINS, "reverts": st.none() | _IDS}), min_size=1, max_size=3),
       entries=st.lists(st.tuples(_IDS, _IDS, st.from_regex(r"\A[0-9a-f]{20}\Z")), min_size=1, max_size=6))
def test_a_created_readings_line_from_the_template_is_the_entrys_own_line(shared, entries) -> None:
    spool = AuditSpool()
    expected = b""
    for n, (entry_id, record_id, found) in enumerate(entries):
        fields = shared[n % len(shared)]  # the template is made again when the fields change
        spool.append_created(fields, entry_id, record_id, found)
        made = created_entry(fields, entry_id, record_id, found)
        # The line of the entry validated as the trail's reader validates it, field by field.
        checked = AuditEntry.model_validate(made.model_dump())
        assert made.model_dump() == checked.model_dump()
        expected += audit_line(checked)
    spool.file.seek(0)
    assert spool.file.read() == expected
    assert len(spool) == len(entries)
