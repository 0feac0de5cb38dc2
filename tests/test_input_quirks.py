"""Input quirks that were accepted silently are refused with one line naming the field: non-ASCII
digits, `1_000`, numbers that underflow or overflow, compact dates, dates outside the window,
invisible format characters and line separators, empty flag notes, argv that is not UTF-8.
Model level (the Python API), CLI level (record, flag) and CSV import; what the store already
holds stays readable (the STORED context)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from cxtui.models import (
    STORED,
    Department,
    Flag,
    Goal,
    Incentive,
    Metric,
    Objective,
    Reading,
    describe_errors,
    text_problem,
    utcnow,
)
from cxtui.store import Store

from test_cli_record import one_error_line, tree_digest

REPO = Path(__file__).resolve().parents[1]
NOW = utcnow()
READING = dict(id="R-1", metric="nps", date="2026-03-02", value=12.5, recorded_by="kim", recorded_at=NOW)
GOAL = dict(id="G-1", department="sales", title="Lift NPS", metric="nps", kind="increase", baseline=10,
            target=30, start="2026-01-01", deadline="2026-12-31")
OBJECTIVE = dict(id="O-1", title="NPS", metric="nps", target=40, deadline="2027-01-01")
INCENTIVE = dict(id="I-1", department="sales", title="x", metric="nps", direction="up", weight=0.5)
FLAG = dict(id="F-1", departments=["sales"], title="x", raised_by="kim", raised_at=NOW)


def errors_of(cls, fields, context=None) -> list[str]:
    with pytest.raises(ValidationError) as info:
        cls.model_validate(fields, context=context)
    return describe_errors(info.value)


# (model, fields, field, what the message says, whether a store may already hold it)
REFUSED = [
    # numbers: ASCII digits only, no separators, no inf/nan, no underflow to 0, a sane size
    (Reading, {**READING, "value": "٣"}, "value", "ASCII digits with no separators", False),
    (Reading, {**READING, "value": "１２"}, "value", "ASCII digits with no separators", False),
    (Reading, {**READING, "value": "1_000"}, "value", "ASCII digits with no separators", False),
    (Reading, {**READING, "value": "1,5"}, "value", "must be a number (got '1,5')", False),
    (Reading, {**READING, "value": "0x10"}, "value", "must be a number", False),
    (Reading, {**READING, "value": "1e-400"}, "value", "too close to zero", False),
    (Reading, {**READING, "value": "-0.0000001e-330"}, "value", "too close to zero", False),
    (Reading, {**READING, "value": "inf"}, "value", "finite", False),
    (Reading, {**READING, "value": "-Infinity"}, "value", "finite", False),
    (Reading, {**READING, "value": "NaN"}, "value", "finite", False),
    (Reading, {**READING, "value": "1e999"}, "value", "finite", False),
    (Reading, {**READING, "value": "1e16"}, "value", "at most 1e+15 in size", True),
    (Reading, {**READING, "value": -1.7e308}, "value", "at most 1e+15 in size", True),
    (Reading, {**READING, "confidence": "٣"}, "confidence", "ASCII digits", False),
    (Goal, {**GOAL, "baseline": 1e300, "target": 1.7e308}, "baseline", "at most 1e+15", True),
    (Metric, dict(id="m", name="M", scale={"min": "1_0"}), "scale.min", "ASCII digits", False),
    (Metric, dict(id="m", name="M", scale={"max": 1e20}), "scale.max", "at most 1e+15", True),
    # dates: YYYY-MM-DD only, within 1900-01-01..2199-12-31
    (Reading, {**READING, "date": "20260101"}, "date", "real date as YYYY-MM-DD (got '20260101')", False),
    (Reading, {**READING, "date": "2026-W01-1"}, "date", "real date as YYYY-MM-DD", False),
    (Reading, {**READING, "date": "２０２６-01-01"}, "date", "real date as YYYY-MM-DD", False),
    (Reading, {**READING, "date": "2026-1-5"}, "date", "real date as YYYY-MM-DD", False),
    (Reading, {**READING, "date": "1899-12-31"}, "date", "between 1900-01-01 and 2199-12-31", True),
    (Goal, {**GOAL, "deadline": "9999-12-31"}, "deadline", "between 1900-01-01 and 2199-12-31", True),
    (Goal, {**GOAL, "start": "0001-01-01"}, "start", "between 1900-01-01 and 2199-12-31", True),
    (Objective, {**OBJECTIVE, "deadline": "2200-01-01"}, "deadline", "between 1900-01-01 and 2199-12-31", True),
    (Reading, {**READING, "recorded_at": "9999-12-31T23:59:59+00:00"}, "recorded_at", "between 1900", True),
    # ids: the number of a sequenced id fits the store's counter
    (Goal, {**GOAL, "id": "G-18446744073709551615"}, "id", "at most 1000000000", True),
    (Goal, {**GOAL, "id": "G-1000000001"}, "id", "at most 1000000000", True),
    (Objective, {**OBJECTIVE, "id": "O-99999999999"}, "id", "at most 1000000000", True),
    (Incentive, {**INCENTIVE, "id": "I-99999999999"}, "id", "at most 1000000000", True),
    (Flag, {**FLAG, "id": "F-99999999999"}, "id", "at most 1000000000", True),
    (Goal, {**GOAL, "id": "G-" + "1" * 79}, "id", "at most 80 characters", False),
    # invisible format characters (Cf) and Unicode line/paragraph separators
    *[(Department, dict(id="sales", name=f"Sa{ch}les"), "name", f"format character U+{ord(ch):04X} (invisible)", True)
      for ch in "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u180e\U000e0001"],
    (Department, dict(id="sales", name="Sa\u2028les"), "name", "line separator U+2028", True),
    (Department, dict(id="sales", name="Sa\u2029les"), "name", "paragraph separator U+2029", True),
    (Goal, {**GOAL, "title": "\u200b"}, "title", "format character U+200B", True),
    (Reading, {**READING, "note": "fine\nbut \u200bhidden"}, "note", "format character U+200B", True),
    (Reading, {**READING, "note": "one\u2028two"}, "note", "line separator U+2028", True),
    (Metric, dict(id="m", name="M", unit="\ufeff%"), "unit", "format character U+FEFF", True),
    # what Python makes of bytes that are not UTF-8
    (Reading, {**READING, "note": "caf\udce9"}, "note", "not valid UTF-8 text", False),
    (Department, dict(id="sales", name="\udcff"), "name", "not valid UTF-8 text", False),
]


@pytest.mark.parametrize(("cls", "fields", "field", "message", "_"), REFUSED,
                         ids=[f"{c.__name__}.{f}={d.get(f, d.get('scale'))!r}"[:60] for c, d, f, _, _ in REFUSED])
def test_new_input_is_refused_naming_the_field(cls, fields, field, message, _):
    messages = errors_of(cls, fields)
    assert any(m.startswith(f"{field}: ") and message in m for m in messages), messages
    assert all("\n" not in m for m in messages)


@pytest.mark.parametrize(("cls", "fields", "field", "message", "may_be_stored"),
                         [case for case in REFUSED if case[-1]])
def test_what_a_store_already_holds_still_reads(cls, fields, field, message, may_be_stored):
    cls.model_validate(fields, context=STORED)


ACCEPTED = [
    (Reading, {**READING, "value": "+4.5"}, "value", 4.5),
    (Reading, {**READING, "value": " -12 "}, "value", -12.0),
    (Reading, {**READING, "value": ".5"}, "value", 0.5),
    (Reading, {**READING, "value": "5."}, "value", 5.0),
    (Reading, {**READING, "value": "1E3"}, "value", 1000.0),
    (Reading, {**READING, "value": "0e-999"}, "value", 0.0),  # zero written oddly is still zero
    (Reading, {**READING, "value": "-0.000"}, "value", 0.0),
    (Reading, {**READING, "value": "1e-300"}, "value", 1e-300),
    (Reading, {**READING, "value": "1e15"}, "value", 1e15),
    (Reading, {**READING, "value": 5e-324}, "value", 5e-324),
    (Reading, {**READING, "date": "1900-01-01"}, "date", "1900-01-01"),
    (Reading, {**READING, "date": "2199-12-31"}, "date", "2199-12-31"),
    (Reading, {**READING, "note": "line one\n\tline two"}, "note", "line one\n\tline two"),
    (Department, dict(id="sales", name="Ventes\u00a0Nord"), "name", "Ventes\u00a0Nord"),  # a no-break space
    (Department, dict(id="legal", name="שירות לקוחות"), "name", "שירות לקוחות"),
    (Goal, {**GOAL, "id": "G-1000000000"}, "id", "G-1000000000"),
    (Goal, {**GOAL, "id": "goal-18446744073709551615"}, "id", "goal-18446744073709551615"),  # not sequenced
    (Metric, dict(id="aht", name="AHT", scale={"min": 0}), "scale", "at least 0"),
    (Metric, dict(id="ltv", name="LTV", scale={"min": "0", "max": ""}), "scale", "at least 0"),
    (Metric, dict(id="churn", name="Churn", scale={"max": 100}), "scale", "at most 100"),
]


@pytest.mark.parametrize(("cls", "fields", "field", "expected"), ACCEPTED)
def test_plain_input_is_accepted(cls, fields, field, expected):
    value = getattr(cls.model_validate(fields), field)
    assert (str(value) if field in ("scale", "date") else value) == expected


@pytest.mark.parametrize("scale", [{}, {"min": None, "max": None}, {"min": "", "max": " "}])
def test_a_scale_needs_at_least_one_bound(scale):
    assert errors_of(Metric, dict(id="m", name="M", scale=scale)) == ["scale: give a min, a max or both"]


@pytest.mark.parametrize(("value", "ok"), [(-1, False), (0, True), (1e15, True)])
def test_a_one_sided_scale_bounds_one_side(value, ok):
    from cxtui.models import RuleError, check_in_scale

    metric = Metric(id="aht", name="AHT", unit="min", scale={"min": 0})
    if ok:
        check_in_scale(value, metric)
    else:
        with pytest.raises(RuleError, match=r"^value: -1 is outside the scale of aht \(at least 0 min\)$"):
            check_in_scale(value, metric)


def test_text_problem_for_stored_text_checks_only_what_harms_a_reader():
    assert text_problem("a\u200bb\u2028c") == "format character U+200B (invisible)"
    assert text_problem("a\u200bb\u2028c", stored=True) is None
    assert text_problem("a\u202eb", stored=True) == "bidirectional override U+202E"
    assert text_problem("a\x1bb", stored=True) == "control character U+001B"


def test_a_store_holding_text_and_dates_from_before_the_bounds_still_opens(seeded, cli):
    import orjson

    data = orjson.loads(seeded.path.read_bytes())
    data["goal"]["G-1"].update(title="Lift\u200b NPS", deadline="9999-12-31")
    data["department"]["sales"]["name"] = "Sa\u2028les"
    seeded.path.write_bytes(orjson.dumps(data))
    again = Store(seeded.path, user="tester")
    assert again.get(Goal, "G-1").title == "Lift\u200b NPS"
    for args in (["scorecard"], ["conflicts"], ["export", "goals"], ["record", "nps", "3", "--dept", "sales"]):
        result = cli(*args)
        assert result.exit_code == 0, (args, result.output)


# --- the command line -----------------------------------------------------------------------------

RECORD_REFUSED = [
    (["nps", "٣"], "error: value: must be a number in ASCII digits"),
    (["nps", "1_000"], "error: value: must be a number in ASCII digits"),
    (["nps", "1e-400"], "error: value: is too close to zero to be kept (got '1e-400')"),
    (["nps", "inf"], "error: value: must be a finite number"),
    (["nps", "nan"], "error: value: must be a finite number"),
    (["nps", "1e999"], "error: value: must be a finite number"),
    (["nps", "5", "--date", "20260101"], "error: --date: must be a real date as YYYY-MM-DD (got '20260101')"),
    (["nps", "5", "--date", "9999-12-31"], "error: --date: must be between 1900-01-01 and 2199-12-31"),
    (["nps", "5", "--confidence", "٧"], "error: confidence: must be a number in ASCII digits"),
    (["nps", "5", "--note", "a\u200bb"], "error: note: contains a format character U+200B (invisible)"),
    (["nps", "5", "--note", "a\u2029b"], "error: note: contains a paragraph separator U+2029"),
    (["nps", "5", "--note", "caf\udce9"], "error: --note: not valid UTF-8 text"),
    (["\udcff", "5", "--dept", "sales"], "error: METRIC: not valid UTF-8 text"),
    (["nps", "5\udcff"], "error: VALUE: not valid UTF-8 text"),
    (["nps", "5", "--dept", "sa\udcffles"], "error: --dept: not valid UTF-8 text"),
]


@pytest.mark.parametrize(("args", "message"), RECORD_REFUSED, ids=[m[7:50] for _, m in RECORD_REFUSED])
def test_record_refuses_quirks_in_one_line_and_writes_nothing(seeded, cli, store_path, args, message):
    before = tree_digest(store_path.parent)
    result = cli("record", *args)
    assert result.exit_code == 1, result.output
    assert one_error_line(result).startswith(message)
    assert tree_digest(store_path.parent) == before


FLAG_REFUSED = [
    (["--note", ""], "error: --note: must not be empty"),
    (["--note", "  \n\t "], "error: --note: must not be empty"),
    (["--note", "\u200b"], "error: note: contains a format character U+200B"),
    (["--note", "discounts\udcff"], "error: --note: not valid UTF-8 text"),
    (["--note", "ok", "--title", "x\u2060y"], "error: title: contains a format character U+2060"),
    (["--note", "ok", "--title", "x\udcffy"], "error: --title: not valid UTF-8 text"),
    (["--note", "ok", "--goal", "G-\udcff"], "error: --goal: not valid UTF-8 text"),
]


@pytest.mark.parametrize(("args", "message"), FLAG_REFUSED, ids=[m[7:50] for _, m in FLAG_REFUSED])
def test_flag_refuses_quirks_in_one_line_and_writes_nothing(seeded, cli, store_path, args, message):
    before = tree_digest(store_path.parent)
    result = cli("flag", "sales", "finance", *args)
    assert result.exit_code == 1, result.output
    assert one_error_line(result).startswith(message)
    assert tree_digest(store_path.parent) == before


def test_other_commands_refuse_non_utf8_options(seeded, cli):
    for args in (["scorecard", "--dept", "\udcff"], ["conflicts", "--as-of", "2026\udcff"],
                 ["export", "goals", "--dept", "\udcff"]):
        result = cli(*args)
        assert result.exit_code == 1, result.output
        assert one_error_line(result).endswith("not valid UTF-8 text"), args


def test_a_real_process_given_bytes_that_are_not_utf8(seeded, store_path):
    env = {**os.environ, "CXTUI_DB": str(store_path), "CXTUI_USER": "tester", "PYTHONPATH": str(REPO),
           "LC_ALL": "C.UTF-8"}
    before = tree_digest(store_path.parent)
    done = subprocess.run([sys.executable, "-m", "cxtui.cli", "record", "nps", "3", "--note", b"caf\xe9"],
                          env=env, capture_output=True, timeout=60)
    assert (done.returncode, done.stderr) == (1, b"error: --note: not valid UTF-8 text\n")
    assert tree_digest(store_path.parent) == before


# --- CSV import -----------------------------------------------------------------------------------

HEADER = "metric,department,date,value,confidence,note\n"
CSV_REFUSED = [
    ("readings", HEADER + "nps,sales,2026-04-01,٣,,\n", "in.csv:2: value: must be a number in ASCII digits"),
    ("readings", HEADER + "nps,sales,2026-04-01,1_000,,\n", "in.csv:2: value: must be a number in ASCII digits"),
    ("readings", HEADER + "nps,sales,2026-04-01,1e-400,,\n", "in.csv:2: value: is too close to zero"),
    ("readings", HEADER + "nps,sales,20260401,5,,\n", "in.csv:2: date: must be a real date as YYYY-MM-DD"),
    ("readings", HEADER + "nps,sales,2226-04-01,5,,\n", "in.csv:2: date: must be between 1900-01-01 and 2199-12-31"),
    ("readings", HEADER + "nps,sales,2026-04-01,5,,\u200bhidden\n", "in.csv:2: note: contains a format character U+200B"),
    ("readings", HEADER + "nps,sales,2026-04-01,5,,\"a\u2028b\"\n", "in.csv:2: note: contains a line separator U+2028"),
    ("metrics", "id,name,scale_min,scale_max\nm,M,0,x\n", "in.csv:2: scale_max: must be a number (got 'x')"),
    ("metrics", "id,name,scale_min,scale_max\nm,M,1_0,\n", "in.csv:2: scale_min: must be a number in ASCII digits"),
    ("metrics", "id,name,scale_min,scale_max\nm,M\u200b,0,1\n", "in.csv:2: name: contains a format character U+200B"),
    ("goals", "id,department,title,metric,kind,baseline,target,start,deadline\n"
              "G-18446744073709551615,sales,T,nps,increase,1,2,2026-01-01,2026-12-31\n",
     "in.csv:2: id: the number in a G-<n> id must be at most 1000000000"),
    ("goals", "department,title,metric,kind,baseline,target,start,deadline\n"
              "sales,T,nps,increase,1,2,2026-01-01,9999-12-31\n",
     "in.csv:2: deadline: must be between 1900-01-01 and 2199-12-31 (got 9999-12-31)"),
]


@pytest.mark.parametrize(("table", "content", "message"), CSV_REFUSED, ids=[m[8:60] for _, _, m in CSV_REFUSED])
def test_csv_import_refuses_quirks(seeded, cli, store_path, tmp_path, monkeypatch, table, content, message):
    (tmp_path / "in.csv").write_text(content, encoding="utf-8")
    before = tree_digest(store_path.parent)
    monkeypatch.chdir(tmp_path)
    result = cli("import", table, "in.csv")
    assert result.exit_code == 1, result.output
    assert one_error_line(result).startswith("error: " + message)
    assert tree_digest(store_path.parent) == before


def test_csv_import_and_export_of_one_sided_scales(seeded, cli, tmp_path, monkeypatch):
    (tmp_path / "in.csv").write_text("id,name,unit,scale_min,scale_max\naht2,Handle time,min,0,\n"
                                     "ltv,Lifetime value,EUR,0,\nloss,Loss,EUR,,0\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = cli("import", "metrics", "in.csv")
    assert result.exit_code == 0, result.output
    assert str(seeded.get(Metric, "aht2").scale) == "at least 0"
    assert str(seeded.get(Metric, "loss").scale) == "at most 0"
    exported = cli("export", "metrics")
    assert "aht2,Handle time,min,0,," in exported.stdout
    assert "loss,Loss,EUR,,0," in exported.stdout
    refused = cli("record", "aht2", "-1")
    assert one_error_line(refused) == "error: value: -1 is outside the scale of aht2 (at least 0 min)"
    assert cli("record", "aht2", "1e15").exit_code == 0
