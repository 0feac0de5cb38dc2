"""The driver chain and the initiatives measured over a store's records: which series each link,
tension and initiative touches, measured by the rules of `evidence` (docs/evidence.md).

Pure: records in, frozen rows out. Readings dated after `as_of` are left out, so a chain as of a
date is what the readings said then.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cxtui.engine.evidence import (
    LinkResult,
    Series,
    Sign,
    aggregate,
    coarser,
    measure_aggregated,
    measure_impact,
    pair_series,
)
from cxtui.models import Cadence, Direction, Initiative, Link, Metric, Reading, Tension

# (metric, department or None) -> [(date, value)], in date order
SeriesMap = dict[tuple[str, str | None], list[tuple[date, float]]]


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True)


class LinkRow(_Row):
    """One measured pair of a link (or of a tension, measured as a negative link without lag)."""

    driver: str
    outcome: str
    department: str | None
    sign: Sign
    lag: int
    n: int
    rho: float | None
    p: float | None
    verdict: str
    cadence: Cadence
    first: date | None
    last: date | None
    kind: Literal["link", "tension"] = "link"


class ImpactRow(_Row):
    """One metric of an initiative in one series it touches."""

    initiative: str
    metric: str
    department: str | None
    expected: Direction
    before_n: int
    after_n: int
    projected: float | None
    actual: float | None
    shift: float | None
    verdict: str
    cadence: Cadence


LINK_COLUMNS = ("driver", "outcome", "department", "sign", "lag", "n", "rho", "p", "verdict", "cadence", "first",
                "last", "kind")
IMPACT_COLUMNS = ("initiative", "metric", "department", "expected", "before_n", "after_n", "projected", "actual",
                  "shift", "verdict", "cadence")


def series_of(readings: Iterable[Reading], as_of: date | None = None,
              metrics: set[str] | None = None) -> SeriesMap:
    """Readings grouped per series; only `metrics` when given, only up to `as_of` when given."""
    found: SeriesMap = {}
    for r in readings:
        if (as_of is None or r.date <= as_of) and (metrics is None or r.metric in metrics):
            found.setdefault((r.metric, r.department), []).append((r.date, r.value))
    return found


def _by_department(series: SeriesMap, metric: str) -> dict[str | None, list[tuple[date, float]]]:
    return {department: values for (m, department), values in series.items() if m == metric}


def measure_pairs(series: SeriesMap, metrics: dict[str, Metric], driver: str, outcome: str, sign: Sign,
                  lag: int, aggregated: dict | None = None) -> list[LinkResult]:
    """Every pair of series a link between two metrics touches (evidence.pair_series), measured.
    `aggregated` keeps each series' per-period means across calls: a metric in many links (and each
    of its departments) is aggregated once per cadence."""
    if driver not in metrics or outcome not in metrics:
        return []
    cadence = coarser(metrics[driver].cadence, metrics[outcome].cadence)
    cache = {} if aggregated is None else aggregated

    def means(metric: str, department: str | None, values: Series) -> dict[int, float]:
        key = (metric, department, cadence)
        if key not in cache:
            cache[key] = aggregate(values, cadence)
        return cache[key]

    results = []
    for department, d, o in pair_series(_by_department(series, driver), _by_department(series, outcome)):
        outcome_department = department if series.get((outcome, department)) is o else None
        results.append(measure_aggregated(means(driver, department, d), means(outcome, outcome_department, o),
                                          cadence, sign, lag, department))
    return results


def _row(driver: str, outcome: str, result: LinkResult, kind: Literal["link", "tension"] = "link") -> LinkRow:
    return LinkRow(driver=driver, outcome=outcome, kind=kind, **result.model_dump())


def link_rows(links: Iterable[Link], metrics: Iterable[Metric], series: SeriesMap,
              department: str | None = None) -> list[LinkRow]:
    """Each link's measured pairs, in the links' order; only `department`'s pairs when given."""
    by_id = {m.id: m for m in metrics}
    rows = []
    aggregated: dict = {}
    for link in links:
        for result in measure_pairs(series, by_id, link.driver, link.outcome, link.sign, link.lag, aggregated):
            if department is None or result.department == department:
                rows.append(_row(link.driver, link.outcome, result))
    return rows


def tension_rows(tensions: Iterable[Tension], metrics: Iterable[Metric], series: SeriesMap,
                 department: str | None = None) -> list[LinkRow]:
    """A tension says its two metrics move against each other: a negative link without lag.
    (Which of the two drives does not matter: the rank correlation is symmetric.)"""
    by_id = {m.id: m for m in metrics}
    return [_row(t.a, t.b, result, "tension") for t in tensions
            for result in measure_pairs(series, by_id, t.a, t.b, "negative", 0)
            if department is None or result.department == department]


def impact_rows(initiatives: Iterable[Initiative], metrics: Iterable[Metric], series: SeriesMap) -> list[ImpactRow]:
    """Each initiative metric in each series it touches: its departments' series, or the company
    level's when none of its departments has readings of the metric."""
    by_id = {m.id: m for m in metrics}
    rows = []
    for initiative in initiatives:
        for metric_id, expected in initiative.expected().items():
            metric = by_id.get(metric_id)
            if metric is None:
                continue
            touched: list[str | None] = [d for d in initiative.departments if series.get((metric_id, d))]
            if not touched:
                touched = [None]
            for department in touched:
                impact = measure_impact(series.get((metric_id, department), []), metric.cadence, initiative.start,
                                        expected)
                rows.append(ImpactRow(
                    initiative=initiative.id, metric=metric_id, department=department, expected=expected,
                    before_n=impact.before_n, after_n=impact.after_n, projected=impact.projected,
                    actual=impact.actual, shift=impact.shift, verdict=impact.verdict, cadence=impact.cadence,
                ))
    return rows


TENSION_WORDS = {
    "supported": "the readings bear it out: they moved against each other",
    "contradicted": "the readings contradict it: they moved together",
    "no_evidence": "the readings show no link either way",
    "not_enough_data": "too few readings to tell",
}


def tension_evidence(rows: Iterable[LinkRow], departments: Iterable[str]) -> list[LinkRow]:
    """The measured pairs of a tension finding worth showing: the company level's and those of the
    departments it involves, in the rows' order."""
    wanted = {None, *departments}
    return [row for row in rows if row.kind == "tension" and row.department in wanted]


def feeding(rows: Iterable[LinkRow], outcome: str, department: str | None) -> list[LinkRow]:
    """The measured links into `outcome` as a card of `department` shows them ("driven by FCR:
    supported"): per driver, the pair measured on the department's own series, else the company
    level's; `department` None takes the company level's only. In the rows' order."""
    own: dict[str, LinkRow] = {}
    company: dict[str, LinkRow] = {}
    for row in rows:
        if row.outcome == outcome and row.kind == "link":
            if department is not None and row.department == department:
                own.setdefault(row.driver, row)
            elif row.department is None:
                company.setdefault(row.driver, row)
    chosen = {**company, **own}
    return [row for row in rows if chosen.get(row.driver) is row]


def chain_metrics(links: Iterable[Link], initiatives: Iterable[Initiative] = (),
                  tensions: Iterable[Tension] = ()) -> set[str]:
    """The metrics whose readings the chain reads."""
    found = {m for link in links for m in (link.driver, link.outcome)}
    found |= {m for i in initiatives for m in i.expected()}
    found |= {m for t in tensions for m in (t.a, t.b)}
    return found
