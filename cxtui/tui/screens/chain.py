"""The driver chain: every declared link measured, laid out by perspective from money at the top
down to people, then the initiatives; the highlighted one plotted beneath.

The scorecard's snapshot (which holds the chain metrics' whole history) is measured in a worker thread (evidence is the rules of docs/evidence.md);
the screen only lays out the result. A verdict is always a word and a symbol, never colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option
from textual_plotext import PlotextPlot

from cxtui.engine.chain import ImpactRow, LinkRow, SeriesMap, chain_metrics, impact_rows, link_rows, series_of
from cxtui.engine.evidence import aggregate, coarser, paired_changes, period_index, period_start, pre_trend
from cxtui.models import PERSPECTIVES, Initiative, Metric, Snapshot
from cxtui.tui.actions import bindings
from cxtui.tui.format import VERDICT_STYLE as STYLE
from cxtui.tui.format import VERDICT_SYMBOL as SYMBOL
from cxtui.tui.format import VERDICT_WORD as WORD
from cxtui.tui.read_model import Board
from cxtui.tui.widgets.title_bar import TitleBar


@dataclass(frozen=True)
class ChainData:
    """What the worker measured: the rows, and the series they came from (for the plots)."""

    as_of: date
    links: list[LinkRow]
    impacts: list[ImpactRow]
    series: SeriesMap
    metrics: dict[str, Metric] = field(default_factory=dict)
    initiatives: dict[str, Initiative] = field(default_factory=dict)


def measure(snapshot: Snapshot, as_of: date) -> ChainData:
    """Every link and initiative measured from the readings up to `as_of`. The scorecard's snapshot
    holds the whole history of the chain's metrics (Store.snapshot), so nothing is read again."""
    links, initiatives, metrics = snapshot.links, snapshot.initiatives, snapshot.metrics
    series = series_of(snapshot.readings, as_of, chain_metrics(links, initiatives))
    return ChainData(as_of, link_rows(links, metrics, series), impact_rows(initiatives, metrics, series), series,
                     {m.id: m for m in metrics}, {i.id: i for i in initiatives})


def verdict_text(verdict: str) -> Text:
    return Text(f"{SYMBOL.get(verdict, '?')} {WORD.get(verdict, verdict)}", style=STYLE.get(verdict, "dim"))


def link_line(row: LinkRow) -> Text:
    rho = "ρ —" if row.rho is None else f"ρ {row.rho:+.2f}"
    return Text.assemble(
        f"  {row.driver} → {row.outcome}  ", verdict_text(row.verdict), f"  n={row.n} {rho}  ",
        (row.department or "company", "dim"),
    )


def impact_line(row: ImpactRow, title: str) -> Text:
    shift = "" if row.shift is None else f"  {row.shift:+.2f}"
    arrow = "↑" if row.expected == "up" else "↓"
    return Text.assemble(f"  {row.initiative} {title[:20]} · {row.metric}{arrow}  ", verdict_text(row.verdict),
                         shift, ("  " + (row.department or "company"), "dim"))


class ChainScreen(Screen):
    SCOPE = "chain"
    BINDINGS = bindings("chain")

    DEFAULT_CSS = """
    ChainScreen #chain-list { height: 1fr; min-height: 5; }
    ChainScreen #chain-detail { height: auto; max-height: 3; padding: 0 1; }
    ChainScreen #chain-plots { height: 1fr; min-height: 8; }
    ChainScreen #chain-changes { width: 2fr; margin-left: 2; }
    ChainScreen #chain-over-time { width: 3fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.data: ChainData | None = None
        self.entries: dict[str, LinkRow | ImpactRow] = {}

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield OptionList(id="chain-list")
        yield Static(id="chain-detail", classes="muted")
        with Horizontal(id="chain-plots"):
            yield PlotextPlot(id="chain-over-time")
            yield PlotextPlot(id="chain-changes")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TitleBar).set_parts("Driver chain", "measuring…")
        self.query_one(OptionList).focus()
        self.watch(self.app, "board", self._load)

    def _load(self, board: Board | None) -> None:
        if board is not None:
            self._measure(board.snapshot, board.as_of)

    @work(thread=True, exit_on_error=False, group="chain", exclusive=True)
    def _measure(self, snapshot: Snapshot, as_of: date) -> None:
        data = measure(snapshot, as_of)
        self.app.call_from_thread(self._show, data)

    def _show(self, data: ChainData) -> None:
        self.data = data
        supported = sum(r.verdict == "supported" for r in data.links)
        contradicted = sum(r.verdict == "contradicted" for r in data.links)
        self.query_one(TitleBar).set_parts(
            "Driver chain", f"as of {data.as_of.isoformat()}",
            f"{supported} supported, {contradicted} contradicted of {len(data.links)} measured")
        options: list[Option | None] = []
        self.entries = {}
        # Money at the top, people at the bottom: each link sits at the level its arrow arrives at.
        by_level: dict[str, list[LinkRow]] = {}
        for row in data.links:
            level = data.metrics[row.outcome].perspective if row.outcome in data.metrics else None
            by_level.setdefault(level or "other", []).append(row)
        for level in (*reversed(PERSPECTIVES), "other"):
            rows = by_level.get(level, [])
            if not rows:
                continue
            options.append(Option(Text(f"── {level}", style="bold"), disabled=True))
            for i, row in enumerate(rows):
                key = f"link:{row.driver}:{row.outcome}:{row.department or ''}:{i}"
                self.entries[key] = row
                options.append(Option(link_line(row), id=key))
        if data.impacts:
            options.append(Option(Text("── initiatives", style="bold"), disabled=True))
            for i, row in enumerate(data.impacts):
                key = f"impact:{row.initiative}:{row.metric}:{row.department or ''}:{i}"
                self.entries[key] = row
                title = data.initiatives[row.initiative].title if row.initiative in data.initiatives else ""
                options.append(Option(impact_line(row, title), id=key))
        if not self.entries:
            options.append(Option(Text("No links or initiatives yet: an admin declares links "
                                       "(cxtui import links FILE), leads their initiatives."), disabled=True))
        listing = self.query_one(OptionList)
        listing.clear_options()
        listing.add_options(options)
        first = next((i for i, o in enumerate(options) if o is not None and not o.disabled), None)
        if first is not None:
            listing.highlighted = first
        else:
            self._plot(None)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._plot(self.entries.get(event.option.id or ""))

    # --- plots --------------------------------------------------------------------------------------

    def _plot(self, row: LinkRow | ImpactRow | None) -> None:
        over_time = self.query_one("#chain-over-time", PlotextPlot)
        changes = self.query_one("#chain-changes", PlotextPlot)
        for plot in (over_time, changes):
            plot.plt.clear_figure()
        detail = self.query_one("#chain-detail", Static)
        if row is None or self.data is None:
            detail.update("")
        elif isinstance(row, LinkRow):
            changes.display = True
            detail.update(Content(self._link_detail(row)))
            self._plot_link(row, over_time.plt, changes.plt)
        else:
            changes.display = False
            detail.update(Content(self._impact_detail(row)))
            self._plot_impact(row, over_time.plt)
        for plot in (over_time, changes):
            plot.refresh()

    def _metric_name(self, metric: str) -> str:
        assert self.data is not None
        found = self.data.metrics.get(metric)
        return found.name if found else metric

    def _link_detail(self, row: LinkRow) -> str:
        where = row.department or "company level"
        period = f"{row.first}..{row.last}, {row.cadence}" if row.first else row.cadence
        lag = f", driver {row.lag} period(s) earlier" if row.lag else ""
        p = "" if row.p is None else f", p = {row.p:.3f}"
        return (f"{self._metric_name(row.driver)} → {self._metric_name(row.outcome)} ({row.sign}{lag}) in {where}: "
                f"{WORD.get(row.verdict, row.verdict)}, n = {row.n} paired changes{p} ({period}); "
                "evidence, not cause.")

    def _impact_detail(self, row: ImpactRow) -> str:
        assert self.data is not None
        initiative = self.data.initiatives.get(row.initiative)
        start = initiative.start.isoformat() if initiative else "?"
        figures = ("" if row.shift is None else
                   f"; projected {row.projected:.2f}, actual {row.actual:.2f}, shift {row.shift:+.2f}")
        return (f"{row.initiative} from {start}, {self._metric_name(row.metric)} should go {row.expected} "
                f"({row.department or 'company level'}): {WORD.get(row.verdict, row.verdict)}, "
                f"{row.before_n} periods before, {row.after_n} after{figures}.")

    def _pair(self, row: LinkRow):
        assert self.data is not None
        series = self.data.series
        driver = series.get((row.driver, row.department), [])
        outcome = series.get((row.outcome, row.department)) or series.get((row.outcome, None), [])
        return driver, outcome

    def _ticks(self, plt, cadence, periods: list[int], width: int) -> None:
        # Few enough date labels that none overlap: plotext drops overlapping ones in no fixed order.
        if periods:
            count = max(2, min(5, width // 10))
            first, span = periods[0], periods[-1] - periods[0]
            shown = sorted({first + round(i * span / (count - 1)) for i in range(count)})
            plt.xticks(shown, [period_start(cadence, p).strftime("%Y-%m") for p in shown])

    def _plot_link(self, row: LinkRow, over_time, changes) -> None:
        assert self.data is not None
        driver, outcome = self._pair(row)
        cadence = coarser(self.data.metrics[row.driver].cadence, self.data.metrics[row.outcome].cadence)
        d, o = aggregate(driver, cadence), aggregate(outcome, cadence)
        if d:
            over_time.plot(sorted(d), [d[p] for p in sorted(d)], label=row.driver, marker="braille")
        if o:
            over_time.plot(sorted(o), [o[p] for p in sorted(o)], label=row.outcome, yside="right",
                           marker="braille")
        self._ticks(over_time, cadence, sorted({*d, *o}), self.query_one("#chain-over-time").size.width - 12)
        over_time.title("over time")
        pairs = paired_changes(d, o, row.lag)
        if pairs:
            changes.scatter([x for _, x, _ in pairs], [y for _, _, y in pairs], marker="dot")
        changes.title("paired changes")
        changes.xlabel(f"Δ {row.driver}")
        changes.ylabel(f"Δ {row.outcome}")

    def _plot_impact(self, row: ImpactRow, plt) -> None:
        assert self.data is not None
        initiative = self.data.initiatives.get(row.initiative)
        series = self.data.series.get((row.metric, row.department), [])
        values = aggregate(series, row.cadence)
        periods = sorted(values)
        if not periods or initiative is None:
            return
        plt.plot(periods, [values[p] for p in periods], label="actual", marker="braille")
        cut = period_index(row.cadence, initiative.start)
        line = pre_trend(series, row.cadence, initiative.start)
        if line is not None:
            after = [p for p in periods if p >= cut]
            if after:
                plt.plot(after, [line[0] + line[1] * p for p in after], label="projected", marker="dot")
        plt.vertical_line(cut)
        self._ticks(plt, row.cadence, periods, self.query_one("#chain-over-time").size.width - 8)
        plt.title(f"{row.metric}: actual and the trend before {initiative.start.isoformat()}")

    def action_back(self) -> None:
        self.app.pop_screen()
