"""Generate sample_data/readings.csv for the Ferncastle sample company.

Run from anywhere: `python sample_data/generate_readings.py`. The output is committed; the fixed seed
keeps it reproducible. Each series is a piecewise-linear trend plus noise; its last two readings are
set by hand because they decide the status and the trend at the anchor date (see company.json for
the goals they are meant to drive).
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

ANCHOR = date(2026, 11, 16)  # a Monday; every reading falls on a Monday so shifts keep weekdays
FIRST = date(2025, 9, 1)
SEED = 20261116
HEADER = ["metric", "department", "date", "value", "confidence", "note"]


def weekly(until: date = ANCHOR) -> list[date]:
    days, day = [], FIRST
    while day <= until:
        days.append(day)
        day += timedelta(weeks=1)
    return days


def first_monday(year: int, month: int) -> date:
    day = date(year, month, 1)
    return day + timedelta(days=-day.weekday() % 7)


def monthly() -> list[date]:
    days = []
    for year in (2025, 2026):
        for month in range(1, 13):
            day = first_monday(year, month)
            if FIRST <= day <= ANCHOR:
                days.append(day)
    return days


@dataclass
class Series:
    metric: str
    department: str  # "" = company level
    days: list[date]
    trend: list[tuple[str, float]]  # (ISO date, value) knots, linearly interpolated
    noise: float  # standard deviation of the gaussian noise added to the trend
    decimals: int
    end: tuple[float, float]  # the last two values, exact
    gaps: set[str] = field(default_factory=set)
    points: dict[str, float] = field(default_factory=dict)  # one-off events (spikes)
    notes: dict[str, str] = field(default_factory=dict)
    confidence: dict[str, int] = field(default_factory=dict)

    def level(self, day: date) -> float:
        knots = [(date.fromisoformat(d), v) for d, v in self.trend]
        if day <= knots[0][0]:
            return knots[0][1]
        for (d0, v0), (d1, v1) in pairwise(knots):
            if day <= d1:
                return v0 + (v1 - v0) * (day - d0).days / (d1 - d0).days
        return knots[-1][1]


SERIES = [
    # --- company level: the shared objectives' own metrics -----------------------------------
    Series(
        "nps",
        "",
        monthly(),
        [("2025-09-01", 29), ("2026-01-05", 31), ("2026-11-02", 39)],
        noise=1.2,
        decimals=0,
        end=(38, 40),
        gaps={"2026-08-03"},
        notes={"2026-09-07": "First wave from the new survey vendor; August was skipped during the switch."},
        confidence={"2026-09-07": 6},
    ),
    Series(
        "csat",
        "",
        monthly(),
        [("2025-09-01", 81.5), ("2026-01-05", 82), ("2026-11-02", 85.8)],
        noise=0.4,
        decimals=1,
        end=(85.1, 85.8),
    ),
    Series(
        "ces",
        "",
        monthly(),
        [("2025-09-01", 4.3), ("2026-01-05", 4.2), ("2026-04-06", 4.12), ("2026-11-02", 4.5)],
        noise=0.04,
        decimals=2,
        end=(4.41, 4.5),
        notes={
            "2026-06-01": "Verbatims mention being asked to call back or write in after short calls.",
            "2026-11-02": "Worst month since the survey started; phone channel drives it.",
        },
    ),
    Series(
        "retention_rate",
        "",
        monthly(),
        [("2025-09-01", 76.4), ("2026-01-05", 76.0), ("2026-11-02", 77.7)],
        noise=0.25,
        decimals=1,
        end=(77.5, 77.7),
    ),
    Series(
        "clv",
        "",
        [first_monday(y, m) for y, m in ((2025, 7), (2025, 10), (2026, 1), (2026, 4), (2026, 7), (2026, 10))],
        [("2025-07-07", 905), ("2026-10-05", 1010)],
        noise=0,
        decimals=0,
        end=(975, 1010),
        points={"2025-10-06": 912, "2026-01-05": 920, "2026-04-06": 948},
        notes={"2026-10-05": "Margin-based CLV, 3-year horizon."},
    ),
    # --- sales -------------------------------------------------------------------------------
    Series(
        "new_bookings",
        "sales",
        monthly(),
        [("2025-09-01", 980), ("2025-12-01", 1120), ("2026-01-05", 1050), ("2026-11-02", 1345)],
        noise=22,
        decimals=0,
        end=(1310, 1345),
        notes={"2025-12-01": "Black Friday promotion."},
    ),
    Series(
        "discount_rate",
        "sales",
        monthly(),
        [("2025-09-01", 11.5), ("2026-01-05", 12.0), ("2026-11-02", 17.1)],
        noise=0.25,
        decimals=1,
        end=(16.6, 17.1),
        notes={"2026-04-06": "Promo-deal kicker live from April."},
    ),
    Series(
        "lead_conversion",
        "sales",
        weekly(),
        [("2025-09-01", 2.5), ("2026-01-05", 2.4), ("2026-11-16", 2.98)],
        noise=0.07,
        decimals=2,
        end=(2.95, 2.98),
        notes={"2026-06-15": "Many trade-fair leads without a project; qualification backlog."},
    ),
    # --- marketing: lead volume stops after the CRM migration (stale at the anchor) ------------
    Series(
        "lead_volume",
        "marketing",
        weekly(until=date(2026, 10, 19)),
        [("2025-09-01", 760), ("2026-01-05", 800), ("2026-10-19", 1215)],
        noise=30,
        decimals=0,
        end=(1190, 1230),
        points={"2026-06-15": 1420},
        notes={"2026-06-15": "Garden trade fair.", "2026-10-19": "Last export before the CRM migration."},
    ),
    Series(
        "retention_rate",
        "marketing",
        monthly(),
        [("2025-09-01", 74.5), ("2026-03-02", 74.0), ("2026-11-02", 75.4)],
        noise=0.25,
        decimals=1,
        end=(75.2, 75.4),
        notes={"2026-03-02": "Loyalty-club members only."},
    ),
    # --- customer service: short calls, high FCR, and customers who have to come back ----------
    Series(
        "aht",
        "customer-service",
        weekly(),
        [("2025-09-01", 9.8), ("2026-01-05", 9.5), ("2026-04-06", 8.6), ("2026-11-16", 6.8)],
        noise=0.18,
        decimals=1,
        end=(6.9, 6.8),
        gaps={"2025-12-29", "2026-08-10"},
        notes={
            "2026-04-06": "Short-call bonus starts this quarter.",
            "2026-08-17": "Telephony migration; the week before is missing.",
        },
    ),
    Series(
        "fcr",
        "customer-service",
        weekly(),
        [("2025-09-01", 67.5), ("2026-01-05", 68.0), ("2026-11-16", 79.0)],
        noise=0.7,
        decimals=1,
        end=(78.6, 79.0),
        gaps={"2025-12-29", "2026-08-10"},
        notes={
            "2026-05-11": "Counts tickets closed on first contact; reopenings by e-mail are not linked yet."
        },
        # On track, but the lead's confidence fell: the meeting should ask why (issue 17).
        confidence={"2026-05-11": 7, "2026-11-09": 7, "2026-11-16": 3},
    ),
    Series(
        "csat",
        "customer-service",
        monthly(),
        [("2025-09-01", 84.5), ("2026-01-05", 84.0), ("2026-11-02", 85.0)],
        noise=0.6,
        decimals=1,
        end=(84.6, 85.0),
    ),
    # --- product ----------------------------------------------------------------------------
    Series(
        "defect_rate",
        "product",
        weekly(),
        [("2025-09-01", 4.3), ("2026-01-05", 4.0), ("2026-11-16", 2.25)],
        noise=0.1,
        decimals=2,
        end=(2.31, 2.25),
        points={"2026-03-16": 5.1},
        notes={"2026-03-16": "Checkout release 26.3 regression, rolled back."},
    ),
    Series(
        "ces",
        "product",
        monthly(),
        [("2025-09-01", 4.5), ("2026-04-06", 4.4), ("2026-11-02", 3.92)],
        noise=0.03,
        decimals=2,
        end=(3.96, 3.92),
        notes={"2026-07-06": "Returns portal v2 live."},
        confidence={"2026-04-06": 6, "2026-05-04": 6},
    ),
    # --- operations -------------------------------------------------------------------------
    Series(
        "on_time_delivery",
        "operations",
        weekly(),
        [("2025-09-01", 91.5), ("2025-12-01", 87.0), ("2026-02-02", 91.0), ("2026-11-16", 95.0)],
        noise=0.5,
        decimals=1,
        end=(94.8, 95.0),
        notes={"2025-12-01": "Peak season; carrier capacity capped."},
    ),
    Series(
        "cost_per_order",
        "operations",
        weekly(),
        [("2025-09-01", 8.5), ("2025-12-01", 9.3), ("2026-01-05", 8.4), ("2026-11-16", 8.7)],
        noise=0.08,
        decimals=2,
        end=(8.66, 8.7),
        notes={"2025-12-01": "Peak surcharges from both carriers."},
    ),
    # --- finance ----------------------------------------------------------------------------
    Series(
        "gross_margin",
        "finance",
        monthly(),
        [("2025-09-01", 38.6), ("2026-01-05", 38.0), ("2026-11-02", 37.2)],
        noise=0.2,
        decimals=1,
        end=(37.4, 37.2),
        notes={"2026-11-02": "Promotional discounts are the largest driver."},
        # Off track, yet Finance is sure it will land: pacing and confidence disagree.
        confidence={"2026-10-05": 6, "2026-11-02": 8},
    ),
    Series(
        "discount_rate",
        "finance",
        monthly(),
        [("2025-09-01", 11.8), ("2026-01-05", 12.3), ("2026-07-06", 14.0), ("2026-11-02", 16.8)],
        noise=0.2,
        decimals=1,
        end=(16.3, 16.8),
        notes={"2026-07-06": "Invoiced discount, net of returns."},
    ),
]


def rows() -> list[list[str]]:
    rng = random.Random(SEED)
    out = []
    for series in SERIES:
        known = {d.isoformat() for d in series.days}
        stray = (series.gaps | series.points.keys() | series.notes.keys() | series.confidence.keys()) - known
        if stray:  # a typo in a date would silently drop a note or a spike
            raise SystemExit(f"{series.metric}/{series.department}: not reading dates: {sorted(stray)}")
        days = [d for d in series.days if d.isoformat() not in series.gaps]
        for i, day in enumerate(days):
            key = day.isoformat()
            if i >= len(days) - 2:
                value = series.end[i - len(days) + 2]
            elif key in series.points:
                value = series.points[key]
            else:
                value = series.level(day) + rng.gauss(0, series.noise)
            conf = series.confidence.get(key)
            out.append(
                [
                    series.metric,
                    series.department,
                    key,
                    f"{value:.{series.decimals}f}",
                    "" if conf is None else str(conf),
                    series.notes.get(key, ""),
                ]
            )
    out.sort(key=lambda r: (r[2], r[0], r[1]))
    return out


# --- the driver chain (issue 15) --------------------------------------------------------------
# Customer Service's chain runs two years back, from CHAIN_FIRST: training hours and agent
# attrition move FCR a month later; FCR and (against the link the company declared) handle time
# move Customer Service's CSAT; the company's CSAT follows Customer Service's and retention follows
# CSAT a month later. These series replace the ones above (whose random draws still happen, so the
# other series keep their values); each keeps its trend, gaps, notes and exact last two values.
CHAIN_FIRST = date(2024, 9, 2)
CHAIN_SEED = 15
CHAIN = {("fcr", "customer-service"), ("aht", "customer-service"), ("csat", "customer-service"),
         ("csat", ""), ("retention_rate", "")}


def _chain_weekly() -> list[date]:
    days, day = [], CHAIN_FIRST
    while day <= ANCHOR:
        days.append(day)
        day += timedelta(weeks=1)
    return days


def _chain_monthly() -> list[date]:
    return [first_monday(y, m) for y in (2024, 2025, 2026) for m in range(1, 13)
            if CHAIN_FIRST <= first_monday(y, m) <= ANCHOR]


def _month(day: date) -> tuple[int, int]:
    return day.year, day.month


def _smooth(knots: dict[date, float]):
    """A value for any day, interpolated between monthly knots: monthly means and readings taken on
    any day of the month tell the same story, however `cxtui demo` shifts the dates by whole weeks."""
    ordered = sorted(knots.items())

    def at(day: date) -> float:
        if day <= ordered[0][0]:
            return ordered[0][1]
        for (d0, v0), (d1, v1) in pairwise(ordered):
            if day <= d1:
                return v0 + (v1 - v0) * (day - d0).days / (d1 - d0).days
        return ordered[-1][1]

    return at


def chain_rows() -> list[list[str]]:
    rng = random.Random(CHAIN_SEED)
    base = {(s.metric, s.department): s for s in SERIES}
    months = _chain_monthly()
    mid = [date(d.year, d.month, 15) for d in months]
    # The people-side drivers and handle time's own swings: monthly knots, each swinging around its
    # usual level (not wandering off, which would bend the trends initiatives are measured against).
    knots: dict[str, dict[date, float]] = {"training": {}, "attrition": {}, "aht": {}}
    t = a = h = 0.0
    for day in mid:
        t, a, h = 0.2 * t + rng.gauss(0, 3.0), 0.2 * a + rng.gauss(0, 0.6), 0.2 * h + rng.gauss(0, 0.3)
        knots["training"][day], knots["attrition"][day], knots["aht"][day] = t, a, h
    training, attrition, aht_swing = (_smooth(knots[k]) for k in ("training", "attrition", "aht"))
    month = timedelta(days=30)

    def fcr_swing(day: date) -> float:  # FCR follows training and attrition a month later
        return 0.5 * training(day - month) - 3.0 * attrition(day - month)

    def service_swing(day: date) -> float:  # CSAT follows FCR, and (against the link) handle time
        return 0.4 * fcr_swing(day) + 5.0 * aht_swing(day)

    out: list[list[str]] = []

    def emit(series: Series, days: list[date], swing, noise: float) -> None:
        """Readings of `series` on `days`: its trend plus `swing` plus noise; its gaps left out, its
        last two values exact (they decide the statuses at the anchor)."""
        days = [d for d in days if d.isoformat() not in series.gaps]
        for i, day in enumerate(days):
            key = day.isoformat()
            if i >= len(days) - 2:
                value = series.end[i - len(days) + 2]
            else:
                value = series.level(day) + swing(day) + rng.gauss(0, noise)
            conf = series.confidence.get(key)
            out.append([series.metric, series.department, key, f"{value:.{series.decimals}f}",
                        "" if conf is None else str(conf), series.notes.get(key, "")])

    for day in months:
        out.append(["training_hours", "customer-service", day.isoformat(), f"{14 + training(day):.1f}", "", ""])
        out.append(["agent_attrition", "customer-service", day.isoformat(), f"{2.4 + attrition(day):.2f}", "", ""])
    emit(base[("fcr", "customer-service")], _chain_weekly(), fcr_swing, 0.1)
    emit(base[("aht", "customer-service")], _chain_weekly(), aht_swing, 0.02)
    emit(base[("csat", "customer-service")], months, service_swing, 0.05)
    emit(base[("csat", "")], months, lambda d: 0.6 * service_swing(d), 0.1)
    emit(base[("retention_rate", "")], months, lambda d: 0.3 * service_swing(d - month), 0.05)
    return out


def main() -> None:
    path = Path(__file__).with_name("readings.csv")
    kept = [row for row in rows() if (row[0], row[1]) not in CHAIN]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(sorted(kept + chain_rows(), key=lambda r: (r[2], r[0], r[1])))


if __name__ == "__main__":
    main()
