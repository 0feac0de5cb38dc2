"""Dismissals from the command line (issue 16): only a lead of a department a finding involves, or
an admin, dismisses it; dismissals are listed with who, when and why, and can be taken back."""

from __future__ import annotations

import csv
import io
import json

import pytest

AS_OF = "2026-03-15"


def finding_between(cli, departments: set[str]) -> str:
    data = json.loads(cli("conflicts", "--format", "json", "--as-of", AS_OF).stdout)
    return next(f["id"] for f in data["findings"] if set(f["departments"]) == departments)


def listed(cli, *options: str) -> list[dict]:
    return json.loads(cli("dismissals", "--format", "json", "--as-of", AS_OF, *options).stdout)["dismissals"]


@pytest.mark.parametrize(("user", "allowed"), [
    ("kim", True),  # leads sales
    ("omar", True),  # leads finance
    ("ravi", False),  # leads customer service, which the finding does not involve
    ("tester", True),  # the admin
])
def test_who_may_dismiss_a_finding(seeded, cli, user, allowed):
    finding = finding_between(cli, {"sales", "finance"})
    result = cli("dismiss", finding, "--reason", "intended", "--as-of", AS_OF, env={"CXTUI_USER": user})
    if allowed:
        assert result.exit_code == 0, result.output
        assert finding not in cli("conflicts", "--format", "json", "--as-of", AS_OF).stdout
        [row] = listed(cli)
        assert (row["finding"], row["by"], row["reason"], row["in_effect"]) == (finding, user, "intended", True)
        assert set(row["departments"]) == {"sales", "finance"}
    else:
        assert result.exit_code == 1
        assert result.stderr.strip() == (
            f"error: ravi leads customer-service; only a lead of finance or sales or an admin (tester) "
            f"may dismiss finding {finding}")
        assert listed(cli) == []


def test_undismiss_brings_the_finding_back(seeded, cli):
    finding = finding_between(cli, {"sales", "finance"})
    assert cli("dismiss", finding, "--reason", "intended", "--as-of", AS_OF, env={"CXTUI_USER": "kim"}).exit_code == 0
    refused = cli("undismiss", finding, env={"CXTUI_USER": "ravi"})
    assert refused.exit_code == 1 and "may take back" in refused.stderr
    taken_back = cli("undismiss", finding, env={"CXTUI_USER": "omar"})
    assert taken_back.exit_code == 0, taken_back.output
    assert finding in cli("conflicts", "--format", "json", "--as-of", AS_OF).stdout
    assert listed(cli, "--all") == []
    again = cli("undismiss", finding)
    assert again.exit_code == 1 and again.stderr.startswith(f"error: finding {finding} is not dismissed")


def test_dismissing_twice_or_an_unknown_finding_is_refused_with_one_line(seeded, cli):
    finding = finding_between(cli, {"sales", "finance"})
    assert cli("dismiss", finding, "--reason", "r", "--as-of", AS_OF).exit_code == 0
    twice = cli("dismiss", finding, "--reason", "r", "--as-of", AS_OF)
    assert twice.exit_code == 1 and "dismissed already" in twice.stderr
    unknown = cli("dismiss", "silo_goal:G-404", "--reason", "r", "--as-of", AS_OF)
    assert unknown.exit_code == 1 and "no finding silo_goal:G-404 is detected" in unknown.stderr
    empty = cli("dismiss", finding, "--reason", "  ")
    assert empty.exit_code == 1 and "--reason: must not be empty" in empty.stderr


def test_a_dismissal_whose_finding_changed_is_listed_only_with_all(seeded, cli, store):
    from cxtui.models import Goal

    finding = finding_between(cli, {"sales", "finance"})
    assert cli("dismiss", finding, "--reason", "intended", "--as-of", AS_OF).exit_code == 0
    goal = store.get(Goal, "G-2")
    store.update(goal.model_copy(update={"target": 7}))  # the finding's fingerprint moves on
    assert listed(cli) == []
    [row] = listed(cli, "--all")
    assert row["in_effect"] is False and row["finding"] == finding
    assert "no longer applies" in cli("dismissals", "--all", "--as-of", AS_OF).stdout


def test_dismissals_as_csv_and_table(seeded, cli):
    assert cli("dismissals").stdout.strip() == "No dismissed findings."
    finding = finding_between(cli, {"sales", "finance"})
    assert cli("dismiss", finding, "--reason", "=1+1 on purpose", "--as-of", AS_OF).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(cli("dismissals", "--format", "csv", "--as-of", AS_OF).stdout)))
    assert [r["finding"] for r in rows] == [finding]
    assert rows[0]["reason"] == "'=1+1 on purpose"  # a formula guard, as every CSV cxtui writes
    table = cli("dismissals", "--as-of", AS_OF).stdout
    assert finding in table and "dismissed by tester" in table
