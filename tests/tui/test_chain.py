"""The driver-chain screen: one key from the scorecard, links by perspective with verdict words and
symbols, the highlighted link's series and paired changes plotted, an initiative's projection."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList, Static
from textual_plotext import PlotextPlot

from conftest import make_app
from cxtui.tui.actions import REGISTRY
from cxtui.tui.screens.chain import ChainScreen

SIZES = [(80, 24), (120, 40)]


async def _settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def _prompts(screen) -> list[str]:
    listing = screen.query_one(OptionList)
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def _open(pilot):
    await _settle(pilot)
    await pilot.press("g")
    await _settle(pilot)
    assert isinstance(pilot.app.screen, ChainScreen)
    return pilot.app.screen


async def test_g_opens_the_chain_laid_out_from_money_down_to_people(app):
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        prompts = _prompts(screen)
        levels = [p for p in prompts if p.startswith("── ")]
        assert levels == ["── financial", "── customer", "── process", "── initiatives"]
        assert "  aht → csat  ✗ contradicted  n=26 ρ +0.66  customer-service" in prompts
        assert "  training_hours → fcr  ✓ supported  n=25 ρ +0.62  customer-service" in prompts
        assert any(p.startswith("  csat → clv  … too little data  n=5") for p in prompts)
        assert any("IN-1 First-contact coachi · fcr↑  ▲ improved  +3.23  customer-service" in p for p in prompts)
        assert any("IN-3 Callback promise · csat↑  … too early  customer-service" in p for p in prompts)
        await pilot.press("escape")
        assert not isinstance(app.screen, ChainScreen)


async def test_a_highlighted_link_plots_both_series_and_the_paired_changes(app):
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot)
        listing = screen.query_one(OptionList)
        index = _prompts(screen).index("  aht → csat  ✗ contradicted  n=26 ρ +0.66  customer-service")
        listing.highlighted = index
        await pilot.pause()
        detail = str(screen.query_one("#chain-detail", Static).render())
        assert "Average handle time → Customer satisfaction (CSAT) (negative) in customer-service" in detail
        assert "contradicted, n = 26 paired changes" in detail
        assert screen.query_one("#chain-changes", PlotextPlot).display
        text = screen.query_one("#chain-changes", PlotextPlot).plt.build()
        assert "paired changes" in text


async def test_a_highlighted_initiative_plots_its_projection(app):
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open(pilot)
        listing = screen.query_one(OptionList)
        listing.highlighted = next(i for i, p in enumerate(_prompts(screen)) if "IN-1" in p)
        await pilot.pause()
        detail = str(screen.query_one("#chain-detail", Static).render())
        assert "IN-1 from 2026-01-05, First-contact resolution should go up" in detail
        assert "improved" in detail and "projected" in detail
        assert not screen.query_one("#chain-changes", PlotextPlot).display
        assert "projected" in screen.query_one("#chain-over-time", PlotextPlot).plt.build()


def test_the_key_is_in_the_registry_for_help_and_palette():
    keys = {a.id: a.keys for scope in ("app", "scorecard", "chain") for a in REGISTRY[scope]}
    assert keys["app.chain"] == "g" and keys["scorecard.chain"] == "g" and keys["chain.back"] == "escape"


async def test_help_lists_the_chain_key(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        from cxtui.tui.screens.help import HelpRow

        rows = {row.entry.id: row.entry.keys for row in pilot.app.screen.query(HelpRow)}
        assert rows["scorecard.chain"] == "g"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("downs", [0, 9], ids=["link", "initiative"])
def test_chain_snapshots(snap_compare, store_path, size, downs):
    async def run_before(pilot) -> None:
        await _open(pilot)
        for _ in range(downs):
            await pilot.press("down")
        await _settle(pilot)

    assert snap_compare(make_app(store_path, poll_interval=60), terminal_size=size, run_before=run_before)
