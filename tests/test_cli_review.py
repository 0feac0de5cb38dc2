"""cxtui review (issue 17): the quarterly review pack on the command line."""

from __future__ import annotations

import csv
import io
import json


def test_review_lists_what_changed_in_the_period_per_department(seeded, cli):
    # The seeded store: sales' NPS goal had 12 on 2026-02-01 and -5 on 2026-03-01.
    result = cli("review", "--since", "2026-02-15", "--as-of", "2026-03-15")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("What changed from 2026-02-15 to 2026-03-15\n")
    data = json.loads(cli("review", "--since", "2026-02-15", "--as-of", "2026-03-15", "--format", "json").stdout)
    assert data["as_of"] == "2026-03-15"
    moves = {(r["department"], r["kind"], r["record"]): (r["before"], r["after"]) for r in data["review"]}
    assert moves[("sales", "status", "G-1")] == ("on_track", "off_track")
    assert "Sales" in result.stdout and "G-1 Lift NPS" in result.stdout and "on track → off track" in result.stdout


def test_review_defaults_to_the_quarter_of_as_of(seeded, cli):
    result = cli("review", "--as-of", "2026-03-15")
    assert result.stdout.startswith("What changed from 2026-01-01 to 2026-03-15\n")


def test_review_of_one_department_as_csv(seeded, cli):
    result = cli("review", "--since", "2026-02-15", "--as-of", "2026-03-15", "--dept", "Sales", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and {r["department"] for r in rows} == {"sales"}
    assert list(rows[0]) == ["department", "department_name", "kind", "record", "title", "before", "after", "detail"]


def test_a_quiet_period_says_so(seeded, cli):
    result = cli("review", "--since", "2026-03-02", "--as-of", "2026-03-20", "--dept", "finance")
    assert result.exit_code == 0
    assert "Nothing changed in this period." in result.stdout


def test_a_period_that_ends_before_it_starts_is_an_error(seeded, cli):
    result = cli("review", "--since", "2026-05-01", "--as-of", "2026-04-01")
    assert result.exit_code == 1
    assert "--since 2026-05-01 is after --as-of 2026-04-01" in result.output


def test_review_lists_decisions_and_actions_of_the_period(seeded, cli):
    from datetime import date

    cli("action", "add", "sales", "Call the ten biggest accounts", "--owner", "kim")
    cli("action", "add", "sales", "Discounts need Finance", "--decision")
    cli("action", "done", "A-1", "--note", "all called")
    today = date.today().isoformat()
    result = cli("review", "--since", today, "--as-of", today, "--dept", "sales")
    assert result.exit_code == 0, result.output
    for words in ("action opened   A-1 Call the ten biggest accounts", "decided         A-2 Discounts need Finance",
                  "action closed   A-1 Call the ten biggest accounts"):
        assert words in result.stdout
    data = json.loads(cli("review", "--since", today, "--as-of", today, "--format", "json").stdout)
    assert {(r["kind"], r["record"]) for r in data["review"] if r["kind"].startswith(("action", "decision"))} == {
        ("action_opened", "A-1"), ("decision", "A-2"), ("action_closed", "A-1")}
