"""The HTML report as headless chromium sees it: printed to PDF, its DOM dumped, and loaded over the
DevTools protocol to see what it requests and whether anything runs."""

from __future__ import annotations

import html
import re
from pathlib import Path

import chromium as browser
import pytest

from cxtui.demo.demo_store import seed_demo
from cxtui.models import Department, Goal, Metric
from cxtui.store import Store

HOSTILE = "<script>alert(1)</script>"
A4_LANDSCAPE = (841.92, 595.92)  # points


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, list[str]]:
    """The demo company's report, with a goal titled like a script; and its department names."""
    from click.testing import CliRunner

    from cxtui.cli import cli

    base = tmp_path_factory.mktemp("report")
    # As whoever runs the tests: a module's fixture is set up before the function-scoped one that
    # lets a non-root run act as made-up leads (tests/conftest.py).
    store = Store.init(base / "store.json")
    seed_demo(store)
    department = store.list(Department)[0]
    metric = store.list(Metric)[0]
    store.add(Goal(id="G-99", department=department.id, title=HOSTILE, metric=metric.id, kind="increase",
                   baseline=0, target=1, start="2026-01-01", deadline="2027-12-31"))
    out = base / "report.html"
    result = CliRunner().invoke(cli, ["--db", str(store.path), "report", str(out)], env={"CXTUI_USER": ""})
    assert result.exit_code == 0, result.output
    return out, [d.name for d in store.list(Department)]


@pytest.fixture
def chromium() -> str:
    return browser.need_chromium()


def test_prints_to_a4_landscape_pages(chromium, report, tmp_path):
    page, _ = report
    pdf = tmp_path / "report.pdf"
    browser.run(chromium, tmp_path / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    pages = browser.pdf_pages(pdf.read_bytes())
    # The demo company's six departments, findings and chain fill several pages, each A4 landscape.
    assert 3 <= len(pages) <= 20, len(pages)
    for width, height in pages:
        assert abs(width - A4_LANDSCAPE[0]) < 2 and abs(height - A4_LANDSCAPE[1]) < 2, (width, height)


def test_the_dom_a_browser_builds(chromium, report, tmp_path):
    page, departments = report
    dom = browser.run(chromium, tmp_path / "profile", "--dump-dom", page.as_uri()).stdout
    assert "<script" not in dom.lower()
    text = html.unescape(re.sub(r"<[^>]+>", " ", dom.split("</style>", 1)[1]))
    for name in departments:
        assert name in text, name
    assert HOSTILE in text  # shown as text: in the DOM it is escaped, not an element
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom


async def test_nothing_runs_nothing_is_fetched_and_rows_are_not_cut(chromium, report, tmp_path):
    page, _ = report
    async with browser.Page(chromium, tmp_path / "profile") as tab:
        await tab.send("Page.addScriptToEvaluateOnNewDocument",
                       source="window.__alerted = false; window.alert = () => { window.__alerted = true; };")
        await tab.open(page.as_uri())
        assert await tab.evaluate("document.querySelectorAll('script').length") == 0
        assert await tab.evaluate("window.__alerted") is False
        titles = await tab.evaluate("[...document.querySelectorAll('td')].map(td => td.textContent)")
        assert any(HOSTILE in t for t in titles)
        assert await tab.evaluate("document.querySelectorAll('svg.trend polyline').length") > 10
        # What printing applies: A4 landscape, and rows, findings and charts kept on one page.
        await tab.send("Emulation.setEmulatedMedia", media="print")
        avoided = await tab.evaluate(
            "[...document.querySelectorAll('tr, .finding, svg')].map(e => getComputedStyle(e).breakInside)")
        assert avoided and set(avoided) == {"avoid"}
        assert tab.script_errors() == []
        assert set(tab.requested()) <= {page.as_uri()}, tab.requested()
