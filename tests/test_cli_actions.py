"""cxtui actions / action add|done|drop, and a flag's owner and due date (issue 17)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from cxtui.models import ActionItem, Flag


def test_add_lists_and_closes_an_action_item(seeded, cli):
    added = cli("action", "add", "Sales", "Call the ten biggest accounts", "--owner", "kim", "--due", "2026-12-11",
                "--goal", "G-1")
    assert added.exit_code == 0, added.output
    assert added.stdout == "recorded action A-1 for kim by 2026-12-11: Call the ten biggest accounts\n"
    decided = cli("action", "add", "finance", "Discounts above 20% need Finance's yes", "--decision")
    assert decided.stdout.startswith("recorded decision A-2: ")
    listed = cli("actions")
    assert listed.exit_code == 0
    assert "A-1 sales action open · kim · due 2026-12-11 · about G-1" in listed.stdout
    assert "Call the ten biggest accounts" in listed.stdout
    done = cli("action", "done", "a-1", "--note", "all ten called")
    assert done.exit_code == 0 and done.stdout == "action A-1 done: Call the ten biggest accounts\n"
    item = seeded.get(ActionItem, "A-1")
    assert (item.status, item.note, item.closed_by) == ("done", "all ten called", "tester")
    again = cli("action", "drop", "A-1")
    assert again.exit_code == 1 and again.stderr == "error: action A-1 is done already (by tester)\n"
    assert "done by tester on " in cli("actions").stdout


def test_formats_and_filters(seeded, cli):
    cli("action", "add", "sales", "=HYPERLINK(1)", "--owner", "kim")
    cli("action", "add", "finance", "Ask the bank", "--owner", "tester")
    cli("action", "drop", "A-2", "--note", "not needed")
    rows = list(csv.DictReader(io.StringIO(cli("actions", "--format", "csv").stdout)))
    assert [r["id"] for r in rows] == ["A-1", "A-2"]
    assert rows[0]["text"] == "'=HYPERLINK(1)"  # a spreadsheet does not run it
    assert list(rows[0])[:7] == ["id", "department", "kind", "text", "owner", "due", "status"]
    data = json.loads(cli("actions", "--open", "--format", "json").stdout)
    assert [a["id"] for a in data["actions"]] == ["A-1"]
    mine = json.loads(cli("actions", "--mine", "--format", "json").stdout)
    assert [(a["id"], a["status"], a["note"]) for a in mine["actions"]] == [("A-2", "dropped", "not needed")]
    by_dept = json.loads(cli("actions", "--dept", "Sales", "--format", "json").stdout)
    assert [a["id"] for a in by_dept["actions"]] == ["A-1"]
    assert cli("actions", "--format", "yaml").exit_code == 2


@pytest.mark.parametrize(("args", "message"), [
    (["action", "add", "ops", "x"], "error: unknown department 'ops'"),
    (["action", "add", "sales", "  "], "error: TEXT: must not be empty"),
    (["action", "add", "sales", "x", "--due", "soon"], "error: --due: "),
    (["action", "add", "sales", "x", "--goal", "G-99"], "error: unknown goal 'G-99'"),
    (["action", "add", "sales", "x", "--finding", "silo_goal:G-99"], "error: --finding: no finding silo_goal:G-99"),
    (["action", "add", "sales", "x", "--owner", "two words"], "error: owner: must be a login name"),
    (["action", "done", "A-9"], "error: no decision or action item A-9"),
])
def test_refusals_are_one_line_and_exit_1(seeded, cli, args, message):
    result = cli(*args)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert seeded.list(ActionItem) == []


def test_only_a_lead_or_the_owner_may(seeded, cli):
    refused = cli("action", "add", "sales", "x", env={"CXTUI_USER": "omar"})
    assert refused.exit_code == 1 and "omar leads finance; only a lead of sales" in refused.stderr
    assert cli("action", "add", "sales", "Call back", "--owner", "ravi", env={"CXTUI_USER": "kim"}).exit_code == 0
    assert cli("action", "done", "A-1", env={"CXTUI_USER": "omar"}).exit_code == 1
    assert cli("action", "done", "A-1", env={"CXTUI_USER": "ravi"}).exit_code == 0


def test_a_finding_detected_today_can_be_named(seeded, cli):
    finding = json.loads(cli("conflicts", "--format", "json").stdout)["findings"][0]["id"]
    assert cli("action", "add", "sales", "Talk it through", "--finding", finding).exit_code == 0
    assert seeded.get(ActionItem, "A-1").finding == finding


def test_a_flag_takes_an_owner_and_a_due_date(seeded, cli):
    result = cli("flag", "sales", "finance", "--note", "discounts", "--owner", "kim", "--due", "2026-12-20")
    assert result.exit_code == 0, result.output
    assert "(owner kim, due 2026-12-20)" in result.stdout
    flag = seeded.list(Flag)[-1]
    assert (flag.owner, flag.due.isoformat()) == ("kim", "2026-12-20")
    plain = cli("flag", "sales", "finance", "--note", "no owner")
    assert plain.exit_code == 0 and seeded.list(Flag)[-1].owner is None
    assert cli("action", "add", "sales", "Settle it", "--flag", flag.id).exit_code == 0
