"""Audit entries are read as untrusted: a hand-planted line with control characters or a shape the
readers do not expect is skipped by every reader (and named by doctor), never shown or exported raw."""

from __future__ import annotations

import orjson
import pytest

from cxtui.models import AuditEntry

ESC = "\x1b]0;PWNED\x07\x1b[2J\x1b[5;31mHACKED"


def good_entry(**changes) -> dict:
    entry = {
        "id": "T-9.0", "tx": "T-9", "at": "2026-11-16T09:00:00Z", "by": "kim", "action": "update",
        "entity": "department", "entity_id": "sales",
        "before": {"id": "sales", "name": "Sales", "leads": ["kim"], "version": 1},
        "after": {"id": "sales", "name": "Sales team", "leads": ["kim"], "version": 2},
    }
    entry.update(changes)
    return entry


HOSTILE = {
    "escape in a title": good_entry(after={"id": "sales", "name": "Sales" + ESC, "leads": ["kim"], "version": 2}),
    "escape in the id": good_entry(entity_id="sales" + ESC),
    "escape in who": good_entry(by="kim" + ESC),
    "bell in a note": good_entry(entity="reading", entity_id="R-1", before=None, after={
        "id": "R-1", "metric": "nps", "department": "sales", "date": "2026-11-16", "value": 1,
        "note": "ok\x07", "recorded_by": "kim", "recorded_at": "2026-11-16T09:00:00Z"}),
    "departments not a list": good_entry(entity="flag", entity_id="F-1", after={"departments": 5}),
    "unknown entity": good_entry(entity="passwd", after={"root": "x"}),
    "after of another record": good_entry(after={"id": "finance", "name": "Finance", "leads": [], "version": 2}),
    "deep nesting": good_entry(after={"id": "sales", "name": "Sales", "leads": [[[[[["kim"]]]]]]}),
}


def test_a_good_entry_reads():
    assert AuditEntry.model_validate(good_entry()).entity_id == "sales"


@pytest.mark.parametrize("entry", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_entry_is_refused(entry):
    with pytest.raises(ValueError):
        AuditEntry.model_validate(entry)


@pytest.fixture
def planted(seeded):
    audit = seeded.layout.audit
    lines = [orjson.dumps(entry) for entry in HOSTILE.values()]
    lines.append(b'{"id": "' + b"x" * (2 << 20) + b'"}')  # over the line limit
    with open(audit, "ab") as out:
        out.write(b"\n".join(lines) + b"\n")
    return seeded


def test_readers_skip_planted_entries_and_doctor_names_them(planted, cli):
    entries = planted.audit()
    assert entries and all("\x1b" not in e.model_dump_json() for e in entries)
    assert not any(e.entity_id.startswith("sales\x1b") or e.entity == "passwd" for e in entries)
    doctor = cli("doctor")
    assert doctor.exit_code == 1
    assert "audit trail" in doctor.stderr and "unreadable lines" in doctor.stderr


@pytest.mark.parametrize("fmt", ["audit.csv", "-"])
def test_export_audit_writes_no_control_characters(planted, cli, tmp_path, fmt):
    out = "-" if fmt == "-" else str(tmp_path / fmt)
    result = cli("export", "audit", out)
    assert result.exit_code == 0, result.output
    text = result.stdout if out == "-" else (tmp_path / fmt).read_text()
    assert text.count("\n") > 3
    assert not any(ord(ch) < 32 and ch not in "\n\r" or 0x7F <= ord(ch) < 0xA0 for ch in text)
    assert "PWNED" not in text and "passwd" not in text
