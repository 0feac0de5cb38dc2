"""Screenshots of the main screens on the sample company at a fixed as-of date, at 80x24 and 120x40."""

from __future__ import annotations

import pytest

from conftest import make_app

SIZES = [(80, 24), (120, 40)]


async def _settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def _app(store_path):
    return make_app(store_path, poll_interval=60)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("keys", [[], ["c"], ["x"], ["n"]], ids=["scorecard", "checkin", "conflicts", "goal_form"])
def test_screens(snap_compare, store_path, size, keys):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        for key in keys:
            await pilot.press(key)
            await _settle(pilot)

    assert snap_compare(_app(store_path), terminal_size=size, run_before=run_before)
