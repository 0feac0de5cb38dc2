"""A goal's pacing from the command line: `cxtui pacing`, and the goals table's new columns in CSV
and xlsx (old files without them still import)."""

from __future__ import annotations

import orjson

from cxtui.models import Goal
from cxtui.store import Store


def test_pacing_shows_and_changes_a_goal(seeded, cli):
    shown = cli("pacing", "G-1")
    assert shown.exit_code == 0
    assert shown.output == ("G-1 Lift NPS: linear; on track within 10%, at risk within 20% of the expected "
                            "progress; never exceeded\n")
    changed = cli("pacing", "G-1", "--milestone", "2026-09-30=0.6", "--milestone", "2026-03-31",
                  "--risk-tolerance", "0.3", "--exceed-margin", "0")
    assert changed.exit_code == 0, changed.output
    assert changed.output.startswith("changed G-1: stepped at 2026-03-31 (24%), 2026-09-30 (60%); ")
    goal = seeded.get(Goal, "G-1")
    assert (goal.pacing, goal.milestones, goal.risk_tolerance, goal.exceed_margin, goal.updated_by) == (
        "stepped", ["2026-03-31", "2026-09-30=0.6"], 0.3, 0.0, "tester")
    assert cli("pacing", "lift nps", "late").exit_code == 0  # by title too; late drops the milestones
    goal = seeded.get(Goal, "G-1")
    assert (goal.pacing, goal.milestones, goal.risk_tolerance) == ("late", [], 0.3)
    assert cli("pacing", "G-1", "linear", "--risk-tolerance", "default", "--exceed-margin", "never").exit_code == 0
    goal = seeded.get(Goal, "G-1")
    assert (goal.pacing, goal.risk_tolerance, goal.exceed_margin) == ("linear", None, None)


def test_pacing_refuses_what_the_goal_may_not_say(seeded, cli):
    cases = [
        (("G-1", "linear", "--milestone", "2026-03-31"), "milestones: only a stepped goal has them"),
        (("G-1", "--milestone", "2027-03-31"), "is not after the start (2026-01-01) and on or before the deadline"),
        (("G-1", "--risk-tolerance", "0.05"), "risk_tolerance: must be at least the tolerance 0.1"),
        (("G-1", "--tolerance", "1.5"), "tolerance: must be between 0 and 1"),
        (("G-9",), "unknown goal 'G-9'"),
    ]
    for args, message in cases:
        result = cli("pacing", *args)
        assert result.exit_code == 1, args
        assert result.output.startswith("error: ") and message in result.output, result.output
    assert cli("pacing", "G-1", "gradual").exit_code == 2
    assert seeded.get(Goal, "G-1").version == 1  # nothing changed


def test_pacing_obeys_who_may_change_the_goal(seeded, cli, store_path):
    result = cli("pacing", "G-1", "late", env={"CXTUI_USER": "omar"})  # omar leads finance
    assert result.exit_code == 1 and "omar leads finance, not sales" in result.output
    assert seeded.get(Goal, "G-1").pacing == "linear"


def test_the_goals_table_carries_pacing_and_bands_both_ways(seeded, cli, tmp_path):
    cli("pacing", "G-1", "--milestone", "2026-03-31=0.2", "--milestone", "2026-06-30", "--exceed-margin", "0.05")
    out = tmp_path / "goals.csv"
    assert cli("export", "goals", out).exit_code == 0
    header, first = out.read_text().splitlines()[:2]
    assert header.endswith(",tolerance,risk_tolerance,exceed_margin,pacing,milestones,description")
    assert ",0.05,stepped,2026-03-31=0.2;2026-06-30," in first
    other = tmp_path / "other" / "store.json"
    Store.init(other, user="tester")
    for table in ("departments", "metrics", "objectives"):
        cli("export", table, tmp_path / f"{table}.csv")
        assert cli("import", table, tmp_path / f"{table}.csv", "--db", other).exit_code == 0
    result = cli("import", "goals", out, "--db", other)
    assert result.exit_code == 0, result.output
    copied = Store(other, user="tester").get(Goal, "G-1")
    assert (copied.pacing, copied.milestones, copied.exceed_margin, copied.risk_tolerance) == (
        "stepped", ["2026-03-31=0.2", "2026-06-30"], 0.05, None)
    xlsx = tmp_path / "goals.xlsx"
    assert cli("export", "goals", xlsx).exit_code == 0
    third = tmp_path / "third" / "store.json"
    Store.init(third, user="tester")
    for table in ("departments", "metrics", "objectives"):
        assert cli("import", table, tmp_path / f"{table}.csv", "--db", third).exit_code == 0
    assert cli("import", "goals", xlsx, "--db", third).exit_code == 0
    assert Store(third, user="tester").get(Goal, "G-1").milestones == ["2026-03-31=0.2", "2026-06-30"]


def test_a_goals_file_from_before_pacing_still_imports(seeded, cli, tmp_path):
    old = tmp_path / "old.csv"
    old.write_text("id,department,title,metric,kind,baseline,target,start,deadline,objectives,tolerance,description\n"
                   "G-7,sales,Lift NPS further,nps,increase,12,40,2026-01-01,2026-12-31,O-1,0.15,\n")
    result = cli("import", "goals", old)
    assert result.exit_code == 0, result.output
    goal = seeded.get(Goal, "G-7")
    assert (goal.pacing, goal.milestones, goal.risk_tolerance, goal.exceed_margin, goal.tolerance) == (
        "linear", [], None, None, 0.15)


def test_a_bad_milestone_cell_is_named_with_its_line(seeded, cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("department,title,metric,kind,baseline,target,start,deadline,pacing,milestones\n"
                   "sales,Lift NPS in waves,nps,increase,12,40,2026-01-01,2026-12-31,stepped,2026-03-31;31/06/2026\n")
    result = cli("import", "goals", bad)
    assert result.exit_code == 1
    assert "bad.csv:2: milestones" in result.output and "like 2026-03-31 or 2026-03-31=0.25" in result.output


def test_scorecard_json_carries_the_pacing(seeded, cli):
    cli("pacing", "G-1", "late")
    card = orjson.loads(cli("scorecard", "--format", "json", "--as-of", "2026-07-02").output)
    [g1] = [g for g in card["goals"] if g["goal"]["id"] == "G-1"]
    assert g1["goal"]["pacing"] == "late" and round(g1["expected"], 2) == 0.25
