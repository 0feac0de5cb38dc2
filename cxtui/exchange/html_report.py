"""The scorecard as one self-contained HTML page (`cxtui report out.html`), for the quarterly deck.

Built from the engine's models (a `Scorecard` and the chain's `LinkRow`s), never from screens. The
page needs nothing beyond itself: the CSS and the trend charts (SVG) are inline, there is no script,
and it names no address to fetch. Printed from a browser it fills A4 landscape pages, and no table
row, finding or chart is cut across two pages.

Every piece of user text goes through `html.escape`: a goal titled `<script>…` is shown as that text.
Status and verdicts are never colour alone: each has a symbol and a word (the same as the TUI's).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date
from html import escape

from cxtui.engine.chain import LinkRow, SeriesMap, link_rows, tension_rows
from cxtui.engine.conflicts import Finding
from cxtui.engine.scorecard import DepartmentCard, GoalCard, ObjectiveCard, Scorecard, build_scorecard
from cxtui.models import Metric, Snapshot

# status -> (symbol, word, css class); symbols and words as the TUI shows them (cxtui/tui/format.py)
STATUS: dict[str, tuple[str, str, str]] = {
    "exceeded": ("✦", "exceeded", "good"),
    "achieved": ("✔", "achieved", "good"),
    "on_track": ("●", "on track", "good"),
    "at_risk": ("▲", "at risk", "warn"),
    "off_track": ("▼", "off track", "bad"),
    "missed": ("✖", "missed", "bad"),
    "no_data": ("·", "no data", "muted"),
}
SEVERITY: dict[str, tuple[str, str]] = {"high": ("▲▲", "bad"), "medium": ("▲", "warn"), "low": ("·", "muted")}
# verdict -> (symbol, word, css class); as the driver-chain screen shows them
VERDICT: dict[str, tuple[str, str, str]] = {
    "supported": ("✓", "supported", "good"),
    "contradicted": ("✗", "contradicted", "bad"),
    "no_evidence": ("·", "no evidence", "muted"),
    "not_enough_data": ("…", "too little data", "muted"),
}
PARTS = ("goals", "incentives", "delivery", "conflicts")

_CSS = """
@page { size: A4 landscape; margin: 12mm; }
* { box-sizing: border-box; }
body { font: 10pt/1.35 system-ui, sans-serif; color: #1b1b1b; margin: 0 auto; max-width: 277mm; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 13pt; margin: 6mm 0 2mm; border-bottom: 1px solid #999; break-after: avoid; }
h3 { font-size: 11pt; margin: 4mm 0 1mm; break-after: avoid; }
p.note { color: #555; margin: 1mm 0 2mm; }
table { border-collapse: collapse; width: 100%; margin-bottom: 3mm; }
th, td { text-align: left; padding: 1mm 1.5mm; border-bottom: 1px solid #ddd; vertical-align: top; }
th { background: #f2f2f2; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
thead { display: table-header-group; }
tr, .finding, .department-head, svg { break-inside: avoid; page-break-inside: avoid; }
section.department { break-before: auto; }
.good { color: #1e6b2f; } .warn { color: #8a5a00; } .bad { color: #a11d1d; } .muted { color: #777; }
.status, .verdict { white-space: nowrap; font-weight: 600; }
.bar { display: inline-block; width: 24mm; height: 2.4mm; background: #e4e4e4; vertical-align: middle; }
.bar span { display: block; height: 100%; background: #3b6ea8; }
.finding { border-left: 3px solid #bbb; padding: 1mm 3mm; margin: 0 0 3mm; }
.finding p { margin: 1mm 0; }
svg.trend { width: 30mm; height: 7mm; vertical-align: middle; }
svg.trend polyline { fill: none; stroke: #3b6ea8; stroke-width: 1.5; }
svg.trend circle { fill: #3b6ea8; }
"""


def _e(value: object) -> str:
    """User text (or any value) as HTML text; None as an en dash."""
    return "–" if value is None else escape(str(value), quote=True)


def _number(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    magnitude = abs(value)
    text = f"{value:,.0f}" if magnitude >= 100 else f"{value:.1f}" if magnitude >= 10 else f"{value:.2f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f}%"


def _badge(table: dict[str, tuple[str, str, str]], key: str, css: str) -> str:
    symbol, word, tone = table.get(key, ("?", key, "muted"))
    return f'<span class="{css} {tone}">{_e(symbol)} {_e(word)}</span>'


def status_badge(status: str, stale: bool = False) -> str:
    return _badge(STATUS, status, "status") + (' <span class="muted">(stale)</span>' if stale else "")


def trend_svg(values: Sequence[float], label: str) -> str:
    """A sparkline of `values` (oldest first) scaled between their own min and max; a flat line for
    one value or none that moves, nothing for no values."""
    if not values:
        return '<span class="muted">–</span>'
    width, height, pad = 100.0, 24.0, 2.0
    low, high = min(values), max(values)
    # Halves: the span of values near ±1.7e308 overflows, the span of their halves does not.
    span = high / 2 - low / 2
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    points = []
    for i, value in enumerate(values):
        share = 0.5 if span == 0 else (value / 2 - low / 2) / span
        points.append((pad + i * step, height - pad - share * (height - 2 * pad)))
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    last_x, last_y = points[-1]
    return (f'<svg class="trend" viewBox="0 0 {width:g} {height:g}" preserveAspectRatio="none" role="img" '
            f'aria-label="{_e(label)}"><title>{_e(label)}</title><polyline points="{line}"/>'
            f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="1.8"/></svg>')


def _progress(card: GoalCard | ObjectiveCard) -> str:
    if card.progress is None:
        return '<span class="muted">–</span>'
    filled = max(0.0, min(1.0, card.progress)) * 100
    return (f'<span class="bar" title="{_percent(card.progress)}"><span style="width:{filled:.0f}%"></span></span> '
            f'{_percent(card.progress)}<br><span class="muted">of {_percent(card.expected)} expected</span>')


def _trend(card: GoalCard | ObjectiveCard, name: str) -> str:
    values = [p.value for p in card.trend]
    if not values:
        return trend_svg(values, "")
    label = f"{name}: {len(values)} readings, {_number(values[0])} to {_number(values[-1])}"
    return trend_svg(values, label)


def _latest(card: GoalCard | ObjectiveCard, metric: Metric) -> str:
    if card.latest is None:
        return "–"
    unit = f" {_e(metric.unit)}" if metric.unit else ""
    return f'{_number(card.latest.value)}{unit}<br><span class="muted">{card.latest.date.isoformat()}</span>'


def _table(headers: Iterable[str], rows: Iterable[str], numeric: set[str] = frozenset()) -> str:
    head = "".join(f'<th class="num">{_e(h)}</th>' if h in numeric else f"<th>{_e(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _cells(*cells: str, numeric: Iterable[int] = ()) -> str:
    right = set(numeric)
    return "<tr>" + "".join(f'<td class="num">{c}</td>' if i in right else f"<td>{c}</td>"
                            for i, c in enumerate(cells)) + "</tr>"


def _alignment(card: Scorecard) -> str:
    headers = ("Department", "Index", "Goals", "Incentives", "Delivery", "Conflicts", "Findings", "Flags")
    rows = [_cells(_e(d.department.name), *(_number(getattr(d.alignment, k)) for k in ("index", *PARTS)),
                   str(len(d.findings)), str(len(d.flags)), numeric=range(1, 8)) for d in card.departments]
    return (
        '<section id="alignment"><h2>Company alignment</h2>'
        f'<p>Company alignment index <strong class="index">{_number(card.company_index)}</strong> '
        "(0–100: the mean of the departments' indexes).</p>"
        '<p class="note">Each department\'s index weighs its parts: goals (share of active goals serving a shared '
        "objective), incentives (share of paying incentive weight that is aligned), delivery (share of aligned "
        "goals exceeded, achieved or on track) and conflicts (100 less the penalties of its open findings and flags).</p>"
        + _table(headers, rows, set(headers[1:])) + "</section>"
    )


def _objectives(objectives: list[ObjectiveCard]) -> str:
    if not objectives:
        return ""
    rows = [_cells(_e(o.objective.id), _e(o.objective.title), _e(o.metric.name), status_badge(o.status, o.stale),
                   _latest(o, o.metric), _progress(o), _trend(o, o.metric.name), str(len(o.goals)),
                   numeric=(4, 7))
            for o in objectives]
    headers = ("Objective", "Title", "Metric", "Status", "Latest", "Progress", "Trend", "Goals")
    return ('<section id="objectives"><h2>Shared customer objectives</h2>'
            + _table(headers, rows, {"Latest", "Goals"}) + "</section>")


def _department(d: DepartmentCard) -> str:
    a = d.alignment
    parts = " · ".join(f"{k} {_number(getattr(a, k))}" for k in PARTS)
    head = (f'<div class="department-head"><h3>{_e(d.department.name)}</h3>'
            f'<p>Alignment index <strong>{_number(a.index)}</strong> ({parts}) · {len(d.findings)} findings · '
            f"{len(d.flags)} open flag{'' if len(d.flags) == 1 else 's'}</p></div>")
    if not d.goals:
        return f'<section class="department">{head}<p class="muted">No goals.</p></section>'
    rows = [_cells(_e(g.goal.id), _e(g.goal.title) + ("" if g.active else ' <span class="muted">(not active)</span>'),
                   _e(g.metric.name), status_badge(g.status, g.stale), _latest(g, g.metric), _progress(g),
                   _trend(g, g.goal.title), str(g.findings or ""), numeric=(4, 7))
            for g in d.goals]
    headers = ("Goal", "Title", "Metric", "Status", "Latest", "Progress", "Trend", "Conflicts")
    return f'<section class="department">{head}{_table(headers, rows, {"Latest", "Conflicts"})}</section>'


def _finding(f: Finding, names: dict[str, str]) -> str:
    symbol, tone = SEVERITY.get(f.severity, ("?", "muted"))
    departments = ", ".join(_e(names.get(d, d)) for d in f.departments)
    return (f'<div class="finding"><p><span class="{tone}">{_e(symbol)} {_e(f.severity)}</span> · '
            f"<strong>{_e(f.title)}</strong> · {departments} · <span class=\"muted\">{_e(f.id)}</span></p>"
            f"<p>{_e(f.explanation)}</p></div>")


def _findings(findings: list[Finding], names: dict[str, str]) -> str:
    body = "".join(_finding(f, names) for f in findings) or '<p class="muted">No open silo conflicts.</p>'
    return f'<section id="findings"><h2>Silo conflicts ({len(findings)})</h2>{body}</section>'


def _chain(rows: list[LinkRow], metrics: dict[str, str], names: dict[str, str]) -> str:
    note = ('<p class="note">Each declared link measured from the readings (docs/evidence.md): the rank '
            "correlation (ρ) of the two metrics' period-to-period changes, over n paired changes. "
            "“Supported” means the readings moved together as declared, and no more than that; with 5% "
            "significance about 1 in 20 unrelated pairs still shows a verdict by chance.</p>")
    if not rows:
        return f'<section id="chain"><h2>Driver chain</h2>{note}<p class="muted">No links declared.</p></section>'
    body = []
    for r in rows:
        arrow = "↔" if r.kind == "tension" else "→"
        lag = f", lag {r.lag}" if r.lag else ""
        period = f"{r.first.isoformat()}..{r.last.isoformat()}" if r.first and r.last else "–"
        body.append(_cells(
            f"{_e(metrics.get(r.driver, r.driver))} {arrow} {_e(metrics.get(r.outcome, r.outcome))}",
            _e(r.kind) + f' <span class="muted">({_e(r.sign)}{lag})</span>',
            _e(names.get(r.department, r.department) if r.department else "company level"),
            _badge(VERDICT, r.verdict, "verdict"), str(r.n), "–" if r.rho is None else f"{r.rho:+.2f}",
            "–" if r.p is None else f"{r.p:.3f}", f"{period} <span class=\"muted\">({_e(r.cadence)})</span>",
            numeric=(4, 5, 6)))
    headers = ("Link", "Kind", "Where", "Verdict", "n", "ρ", "p", "Period")
    return f'<section id="chain"><h2>Driver chain</h2>{note}{_table(headers, body, {"n", "ρ", "p"})}</section>'


def render_report(card: Scorecard, chain: list[LinkRow], metrics: Iterable[Metric], *,
                  department: str | None = None, made_on: date | None = None) -> str:
    """The whole page. `department` (an id) narrows it to that department's goals, findings and
    chain pairs; the company index stays, for comparison. `made_on` is printed in the footer."""
    names = {d.department.id: d.department.name for d in card.departments}
    metric_names = {m.id: m.name for m in metrics}
    departments = [d for d in card.departments if department in (None, d.department.id)]
    findings = [f for f in card.findings if department is None or department in f.departments]
    rows = [r for r in chain if department is None or r.department == department]
    scope = f" · {_e(names.get(department, department))}" if department else ""
    title = f"cxtui scorecard as of {card.as_of.isoformat()}"
    made = f" Made on {made_on.isoformat()}." if made_on else ""
    return "".join((
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Nothing may be fetched: no script, no external style, images or fonts.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{_e(title)}{scope}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{_e(title)}{scope}</h1></header><main>",
        _alignment(card.model_copy(update={"departments": departments})),
        "" if department else _objectives(card.objectives),
        '<section id="departments"><h2>Goals by department</h2>',
        "".join(_department(d) for d in departments) or '<p class="muted">No departments.</p>',
        "</section>",
        _findings(findings, names),
        _chain(rows, metric_names, names),
        f'</main><footer><p class="note">Written by cxtui from the shared store.{made}</p></footer>',
        "</body></html>\n",
    ))


def report_of(snapshot: Snapshot, as_of: date, chain_series: SeriesMap, *, department: str | None = None,
              made_on: date | None = None) -> str:
    """The page for a store's snapshot as of `as_of`. `chain_series`: the readings up to `as_of` of
    the metrics that links and tensions join, per series (`chain_series_of`); a snapshot trimmed to
    a date lacks the tensions' history. So the chain is measured as `cxtui links --as-of` measures it."""
    card = build_scorecard(snapshot, as_of=as_of)
    rows = (link_rows(snapshot.links, snapshot.metrics, chain_series)
            + tension_rows(snapshot.tensions, snapshot.metrics, chain_series))
    return render_report(card, rows, snapshot.metrics, department=department, made_on=made_on)


def chain_series_of(rows: Iterable[Sequence], metrics: set[str]) -> SeriesMap:
    """Series of `metrics` from reading rows (metric, department, ISO date, value) in date order:
    rows, not Reading models, since the chain reads a metric's whole history."""
    found: SeriesMap = {}
    for metric, department, day, value in rows:
        if metric in metrics:
            found.setdefault((metric, department), []).append((date.fromisoformat(day), value))
    return found
