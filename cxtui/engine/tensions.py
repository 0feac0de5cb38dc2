"""The default catalogue of metric tensions, and how a tension moves the other metric.

A tension says two metrics trade off. The model stores only the pair and a reason, so the rules
also need the *coupling* of the pair in raw values:
- direct: pushing one up tends to push the other up (shorter calls, fewer first-contact fixes);
- inverse: pushing one up tends to push the other down (more discount, less margin).
Catalogue pairs carry their coupling. A pair the store declares itself takes its coupling from
the catalogue when the catalogue knows the pair (the store's record wins for everything else),
otherwise from the metrics' directions, reading "trade off" as "improving one worsens the
other": two metrics with the same better direction are inverse, opposite ones direct.
"""

from __future__ import annotations

from typing import Literal

from cxtui.models import Direction, Metric, Snapshot, Tension, tension_id
from cxtui.engine.standings import flip

Coupling = Literal["direct", "inverse"]

_CATALOGUE: list[tuple[str, str, Coupling, str]] = [
    (
        "aht",
        "fcr",
        "direct",
        "rushing calls to cut handle time leaves problems unsolved, so fewer are fixed on the first contact.",
    ),
    (
        "aht",
        "ces",
        "inverse",
        "shorter calls push the work back onto customers, who call again and find it harder to get help.",
    ),
    (
        "discount_rate",
        "gross_margin",
        "inverse",
        "every point of discount comes straight off the margin.",
    ),
    (
        "lead_volume",
        "lead_conversion",
        "inverse",
        "chasing more leads brings in weaker ones, so a smaller share becomes customers.",
    ),
    (
        "cost_per_order",
        "on_time_delivery",
        "direct",
        "cheaper carriers and leaner warehouse shifts make late deliveries more likely.",
    ),
    (
        "release_velocity",
        "defect_rate",
        "direct",
        "shipping faster with the same testing lets more defects reach customers.",
    ),
    (
        "inventory_turns",
        "stockout_rate",
        "direct",
        "running leaner stock means popular items run out more often.",
    ),
]

CATALOGUE: list[Tension] = [Tension(a=a, b=b, why=why) for a, b, _, why in _CATALOGUE]
CATALOGUE_COUPLING: dict[str, Coupling] = {tension_id(a, b): c for a, b, c, _ in _CATALOGUE}


def effective_tensions(snapshot: Snapshot) -> list[Tension]:
    """Catalogue pairs whose two metrics exist in the snapshot, plus the store's own tensions
    (the store's record wins on the same pair), sorted by id."""
    metric_ids = {m.id for m in snapshot.metrics}
    found = {t.id: t for t in CATALOGUE if t.a in metric_ids and t.b in metric_ids}
    found.update({t.id: t for t in snapshot.tensions})
    return [found[key] for key in sorted(found)]


def coupling(tension: Tension, metrics: dict[str, Metric]) -> Coupling:
    known = CATALOGUE_COUPLING.get(tension.id)
    if known is not None:
        return known
    a, b = metrics.get(tension.a), metrics.get(tension.b)
    a_dir = a.direction if a else "up"
    b_dir = b.direction if b else "up"
    return "inverse" if a_dir == b_dir else "direct"


def other_metric(tension: Tension, metric: str) -> str:
    return tension.b if metric == tension.a else tension.a


def knock_on(tension: Tension, metrics: dict[str, Metric], direction: Direction) -> Direction:
    """The way the other metric of the pair tends to move when one is pushed `direction`."""
    return direction if coupling(tension, metrics) == "direct" else flip(direction)
