"""`cxtui report out.html`: one self-contained page, parsed here with html.parser (what a browser
makes of it is tests/browser/test_report_in_browser.py)."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest

from cxtui.engine.chain import LinkRow
from cxtui.engine.scorecard import build_scorecard
from cxtui.exchange import html_report
from cxtui.models import Goal, Link, Reading, utcnow
from cxtui.store import NEW_ID

AS_OF = "2026-06-30"
HOSTILE = "<script>alert(1)</script>"


class Page(HTMLParser):
    """Every start tag with its attributes, the text by the innermost open section/table row, and
    whether the tags balance (void elements aside)."""

    VOID = frozenset({"meta", "br", "link", "img", "input", "hr", "circle", "polyline"})

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[str] = []
        self.unbalanced: list[str] = []
        self.text: list[str] = []
        self.rows: list[list[str]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.rows.append([])
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.open or self.open[-1] != tag:
            self.unbalanced.append(tag)
        else:
            self.open.pop()

    def handle_data(self, data):
        self.text.append(data)
        if self.rows and "tr" in self.open:
            self.rows[-1].append(data)

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]

    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())

    def row_with(self, needle: str) -> str:
        found = [" ".join(" ".join(r).split()) for r in self.rows if needle in " ".join(r)]
        assert found, f"no table row holds {needle!r}"
        return found[0]


@pytest.fixture
def hostile(seeded):
    """The seeded company, with a goal titled like a script and a link between two of its metrics."""
    seeded.add_many([
        Goal(id="G-9", department="sales", title=HOSTILE, metric="nps", kind="increase", baseline=0, target=50,
             start="2026-01-01", deadline="2026-12-31", objectives=["O-1"]),
        Link(driver="discount_rate", outcome="nps", sign="negative", lag=0),
        Reading(id=NEW_ID, metric="nps", department="sales", date="2026-05-01", value=20, recorded_by="kim",
                recorded_at=utcnow()),
        *(Reading(id=NEW_ID, metric="discount_rate", department="sales", date=day, value=value, recorded_by="kim",
                  recorded_at=utcnow()) for day, value in (("2026-02-01", 14), ("2026-03-01", 17), ("2026-05-01", 12))),
    ])
    return seeded


@pytest.fixture
def page(hostile, cli, tmp_path) -> tuple[str, Page]:
    out = tmp_path / "report.html"
    result = cli("report", out, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    return text, Page(text)


def test_the_page_is_one_balanced_html_document(page):
    text, parsed = page
    assert text.startswith("<!DOCTYPE html>")
    assert parsed.unbalanced == [] and parsed.open == []
    assert [attrs.get("charset") for attrs in parsed.named("meta") if "charset" in attrs] == ["utf-8"]


def test_nothing_is_fetched_and_nothing_runs(page):
    text, parsed = page
    assert parsed.named("script") == []
    for tag in ("link", "img", "iframe", "object", "embed", "base", "video", "audio", "source"):
        assert parsed.named(tag) == [], tag
    # No attribute names an address, no event handler attribute, no CSS import or url().
    for tag, attrs in parsed.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert not re.search(r"(?i)(https?:|//|javascript:|data:)", value or ""), (tag, name, value)
    assert not re.search(r"(?i)@import|url\(|https?://", text)
    assert parsed.named("svg"), "the trends are inline SVG"


def test_a_goal_titled_like_a_script_is_text(page):
    text, parsed = page
    assert HOSTILE not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert HOSTILE in parsed.row_with("G-9")


def test_alignment_and_its_parts(page, hostile):
    _, parsed = page
    card = build_scorecard(hostile.snapshot(date.fromisoformat(AS_OF)), as_of=date.fromisoformat(AS_OF))
    assert f"Company alignment index {html_report._number(card.company_index)}" in parsed.all_text()
    for d in card.departments:
        a = d.alignment
        expected = " ".join([d.department.name] + [html_report._number(getattr(a, k))
                                                   for k in ("index", "goals", "incentives", "delivery", "conflicts")])
        assert parsed.row_with(d.department.name).startswith(expected)


def test_each_goal_shows_its_status_word_and_symbol_progress_and_trend(page, hostile):
    _, parsed = page
    card = build_scorecard(hostile.snapshot(date.fromisoformat(AS_OF)), as_of=date.fromisoformat(AS_OF))
    for g in card.goals:
        symbol, word, _ = html_report.STATUS[g.status]
        row = parsed.row_with(g.goal.id)
        assert f"{symbol} {word}" in row, row
        if g.progress is not None:
            assert f"{g.progress * 100:.0f}%" in row
    lift = next(g for g in card.goals if g.goal.id == "G-1")
    labels = [attrs.get("aria-label") for attrs in parsed.named("svg")]
    assert f"Lift NPS: {len(lift.trend)} readings, 12 to 20" in labels


def test_the_findings_with_their_explanations(page, hostile):
    _, parsed = page
    card = build_scorecard(hostile.snapshot(date.fromisoformat(AS_OF)), as_of=date.fromisoformat(AS_OF))
    assert card.findings, "the seeded company has findings"
    words = parsed.all_text()
    for f in card.findings:
        assert " ".join(f.explanation.split()) in words
        assert f.id in words


def test_the_driver_chain_shows_each_measured_link_and_never_says_causes(page):
    _, parsed = page
    row = parsed.row_with("Discount rate → Net Promoter Score")
    assert "link (negative)" in row and "Sales" in row
    assert "too little data" in row  # two paired readings are not enough to judge
    assert "Discount rate ↔ Net Promoter Score" in parsed.row_with("tension")
    assert not re.search(r"(?i)\bcause", parsed.all_text())


def test_prints_at_a4_landscape_without_cut_rows(page):
    text, _ = page
    assert re.search(r"@page\s*{[^}]*size:\s*A4 landscape", text)
    assert re.search(r"tr,[^{]*{[^}]*break-inside:\s*avoid", text)
    assert re.search(r"thead\s*{[^}]*display:\s*table-header-group", text)


def test_one_department(hostile, cli, tmp_path):
    out = tmp_path / "sales.html"
    assert cli("report", out, "--as-of", AS_OF, "--dept", "Sales").exit_code == 0
    parsed = Page(out.read_text(encoding="utf-8"))
    goals = {r[0] for r in parsed.rows if r and r[0].startswith("G-")}
    assert goals == {"G-1", "G-9"}
    assert not any(r and r[0] == "Finance" for r in parsed.rows)
    assert "Sales" in parsed.row_with("Discount rate → Net Promoter Score")


@pytest.mark.parametrize(("values", "points"), [
    ([], None),
    ([5.0], ["2.0,12.0"]),
    ([1.0, 1.0], ["2.0,12.0", "98.0,12.0"]),
    ([0.0, 10.0, 5.0], ["2.0,22.0", "50.0,2.0", "98.0,12.0"]),
    ([-1.7e308, 1.7e308], ["2.0,22.0", "98.0,2.0"]),
])
def test_trend_svg_scales_between_its_own_min_and_max(values, points):
    svg = html_report.trend_svg(values, "t")
    if points is None:
        assert "<svg" not in svg
        return
    assert re.search(r'points="([^"]*)"', svg).group(1).split() == points


def test_status_and_verdict_words_match_the_tui():
    from cxtui.tui.format import STATUS
    from cxtui.tui.screens.chain import SYMBOL, WORD

    assert {k: v[:2] for k, v in html_report.STATUS.items()} == {k: v[:2] for k, v in STATUS.items()}
    for verdict, (symbol, word, _) in html_report.VERDICT.items():
        assert (symbol, word) == (SYMBOL[verdict], WORD.get(verdict, verdict))


def test_render_escapes_every_user_text():
    """Department, metric and finding text from the model go through escaping too."""
    from cxtui.models import Department, Metric, Snapshot

    snapshot = Snapshot.model_construct(
        departments=[Department(id="d1", name="<b>R&D</b>")], metrics=[Metric(id="m", name='"><i>m')],
        objectives=[], goals=[Goal(id="G-1", department="d1", title="t", metric="m", kind="increase", baseline=0,
                                   target=1, start="2026-01-01", deadline="2026-12-31")],
        incentives=[], tensions=[], flags=[], dismissals=[], links=[], initiatives=[], readings=[],
        settings=Snapshot.model_fields["settings"].get_default(call_default_factory=True))
    card = build_scorecard(snapshot, as_of=date(2026, 6, 30))
    row = LinkRow(driver="m", outcome="m", department="d1", sign="positive", lag=0, n=0, rho=None, p=None,
                  verdict="not_enough_data", cadence="monthly", first=None, last=None)
    text = html_report.render_report(card, [row], snapshot.metrics)
    assert "<b>" not in text and "<i>" not in text
    assert "&lt;b&gt;R&amp;D&lt;/b&gt;" in text and "&quot;&gt;&lt;i&gt;m" in text


def test_an_unwritable_out_is_one_error_line(seeded, cli, tmp_path):
    result = cli("report", tmp_path / "missing" / "r.html")
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and "r.html" in result.output
