"""cxtui due (issue 17): the CLI contract for cron and login messages."""

from __future__ import annotations

import json

import pytest


def test_due_lists_per_department_with_leads(seeded, cli):
    # The seeded store: sales reads nps monthly (last on 2026-03-01); finance's goal has no reading.
    result = cli("due", "--as-of", "2026-04-10")
    assert result.exit_code == 0, result.output
    assert "Sales  (kim)" in result.stdout and "Finance  (omar)" in result.stdout
    data = json.loads(cli("due", "--as-of", "2026-04-10", "--format", "json").stdout)
    assert {(r["department"], r["metric"], r["status"], r["due_by"]) for r in data["due"]} == {
        ("sales", "nps", "due", "2026-04-30"), ("finance", "discount_rate", "overdue", "2026-04-30")}


@pytest.mark.parametrize(("as_of", "code"), [("2026-03-15", 1), ("2026-04-10", 1)])
def test_check_exits_1_when_something_is_overdue(seeded, cli, as_of, code):
    assert cli("due", "--check", "--as-of", as_of).exit_code == code


def test_check_exits_0_when_nothing_is_overdue(seeded, cli):
    assert cli("due", "--check", "--dept", "sales", "--as-of", "2026-04-10").exit_code == 0
    assert cli("due", "--check", "--dept", "sales", "--as-of", "2026-05-10").exit_code == 1  # April missed


def test_brief_is_one_line_for_a_login_message_or_nothing(seeded, cli):
    brief = cli("due", "--mine", "--brief", "--as-of", "2026-04-10", env={"CXTUI_USER": "kim"})
    assert brief.exit_code == 0
    assert brief.stdout == "1 reading due for Sales: Net Promoter Score — run cxtui to check in\n"
    nothing = cli("due", "--mine", "--brief", "--as-of", "2026-03-10", env={"CXTUI_USER": "kim"})
    assert nothing.exit_code == 0 and nothing.stdout == ""
    overdue = cli("due", "--mine", "--brief", "--as-of", "2026-04-10", env={"CXTUI_USER": "omar"})
    assert overdue.stdout == "1 reading due for Finance (1 overdue): Discount rate — run cxtui to check in\n"
