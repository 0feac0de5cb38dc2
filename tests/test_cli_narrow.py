"""CLI tables in a narrow terminal: long text full width beneath its row, the status never dropped."""

from __future__ import annotations

import json

import pytest
from rich.cells import cell_len

from cxtui.exchange.printed import NARROW_BELOW


@pytest.fixture
def demo(cli):
    assert cli("demo", "--no-tui").exit_code == 0
    return cli


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("width", [60, 80, NARROW_BELOW - 1])
def test_conflicts_lay_each_explanation_out_full_width(demo, width):
    found = json.loads(demo("conflicts", "--format", "json").stdout)
    printed = demo("conflicts", env={"COLUMNS": str(width)})
    assert printed.exit_code == 0
    lines = printed.stdout.splitlines()
    assert max(cell_len(line.rstrip()) for line in lines) <= width
    flat = words(printed.stdout)
    for finding in found["findings"]:
        assert words(finding["explanation"]) in flat
        assert f"{finding['id']} · {finding['severity']}" in printed.stdout
    # Full width, not a 13-character column: about as many lines as the text fills at this width.
    texts = [f["explanation"] for f in found["findings"]] + [f["note"] for f in found["flags"]]
    assert len(lines) <= sum(len(text) // (width - 12) + 5 for text in texts)


@pytest.mark.parametrize("width", [60, 80])
def test_a_narrow_scorecard_keeps_every_goal_status_and_title(demo, width):
    card = json.loads(demo("scorecard", "--dept", "finance", "--format", "json").stdout)
    printed = demo("scorecard", "--dept", "finance", env={"COLUMNS": str(width)})
    assert printed.exit_code == 0
    assert max(cell_len(line.rstrip()) for line in printed.stdout.splitlines()) <= width
    flat = words(printed.stdout)
    assert card["goals"]
    for goal in card["goals"]:
        assert f"{goal['goal']['id']} {goal['status'].replace('_', ' ')}" in flat
        assert words(goal["goal"]["title"]) in flat


def test_a_wide_terminal_keeps_the_table(demo):
    printed = demo("scorecard", "--dept", "finance", env={"COLUMNS": "160"})
    header = printed.stdout.splitlines()[1]
    assert "Status" in header and "Title" in header
