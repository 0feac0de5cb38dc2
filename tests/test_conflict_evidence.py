"""The conflict rule evidence_against: a department pushes a lever toward a shared objective through a
declared link the readings contradict. Table-driven over synthetic series with known answers."""

from __future__ import annotations

import random
from datetime import date

import pytest
from engine_helpers import goal, incentive, metric, objective, reading, snapshot

from cxtui.engine.conflicts import detect
from cxtui.models import Link

AS_OF = date(2026, 3, 1)
AHT = metric("aht", name="Handle time", direction="down")
FCR = metric("fcr", name="FCR")
CSAT = metric("csat", name="CSAT", customer_centric=True)
OBJECTIVE = objective("O-1", "csat", title="Happier customers")


def _month(i: int) -> date:
    return date(2024 + i // 12, i % 12 + 1, 10)


def _pair(driver: str, outcome: str, follows: float, department: str | None = "service", months: int = 26,
          seed: int = 3) -> list:
    """Monthly readings where the outcome's changes are `follows` x the driver's (plus a little noise)."""
    rng = random.Random(seed)
    d, o, found = 50.0, 50.0, []
    for i in range(months):
        step = rng.gauss(0, 2)
        d += step
        o += follows * step + rng.gauss(0, 0.2)
        found += [reading(driver, _month(i), round(d, 3), department), reading(outcome, _month(i), round(o, 3), department)]
    return found


SHORT_CALLS = incentive("I-1", "service", "aht", "down", 0.3, title="Short calls")


@pytest.mark.parametrize(("case", "records", "links", "expected"), [
    # Service pays for shorter calls expecting CSAT to rise (a negative link), but CSAT fell as calls got
    # shorter: the data contradicts the link.
    ("contradicted", [SHORT_CALLS, *_pair("aht", "csat", +1)], [Link(driver="aht", outcome="csat", sign="negative")],
     ["evidence_against:I-1~aht:csat"]),
    ("supported", [SHORT_CALLS, *_pair("aht", "csat", -1)], [Link(driver="aht", outcome="csat", sign="negative")], []),
    ("unrelated", [SHORT_CALLS, *_pair("aht", "csat", 0)], [Link(driver="aht", outcome="csat", sign="negative")], []),
    ("too little data", [SHORT_CALLS, *_pair("aht", "csat", +1, months=8)],
     [Link(driver="aht", outcome="csat", sign="negative")], []),
    # Pushing the lever the wrong way is not this rule's business: the push expects no help from the link.
    ("push not meant to help", [incentive("I-1", "service", "aht", "up", 0.3), *_pair("aht", "csat", +1)],
     [Link(driver="aht", outcome="csat", sign="negative")], []),
    ("no link declared", [SHORT_CALLS, *_pair("aht", "csat", +1)], [], []),
    # Along a chain aht -> fcr -> csat, the contradicted link further down is named.
    ("chain", [SHORT_CALLS, *_pair("aht", "fcr", -1, seed=4), *_pair("fcr", "csat", -1, seed=5)],
     [Link(driver="aht", outcome="fcr", sign="negative"), Link(driver="fcr", outcome="csat")],
     ["evidence_against:I-1~fcr:csat"]),
    # A goal is a push too.
    ("goal", [goal("G-1", "service", "aht", "decrease"), *_pair("aht", "csat", +1)],
     [Link(driver="aht", outcome="csat", sign="negative")], ["evidence_against:G-1~aht:csat"]),
    # The department's own pair of series decides, not the company's.
    ("own pair first", [SHORT_CALLS, *_pair("aht", "csat", -1), *_pair("aht", "csat", +1, department=None, seed=9)],
     [Link(driver="aht", outcome="csat", sign="negative")], []),
    ("company pair otherwise", [SHORT_CALLS, *_pair("aht", "csat", +1, department=None)],
     [Link(driver="aht", outcome="csat", sign="negative")], ["evidence_against:I-1~aht:csat"]),
])
def test_evidence_against(case, records, links, expected):
    s = snapshot(AHT, FCR, CSAT, OBJECTIVE, *records, links=links)
    found = [f for f in detect(s, AS_OF) if f.rule == "evidence_against"]
    assert [f.id for f in found] == expected, case


def test_the_finding_explains_itself_with_its_figures():
    s = snapshot(AHT, FCR, CSAT, OBJECTIVE, SHORT_CALLS, *_pair("aht", "csat", +1),
                 links=[Link(driver="aht", outcome="csat", sign="negative", why="quick answers please")])
    (finding,) = [f for f in detect(s, AS_OF) if f.rule == "evidence_against"]
    assert (finding.severity, finding.departments, finding.incentives, finding.objectives, finding.links) == (
        "medium", ["service"], ["I-1"], ["O-1"], ["aht:csat"])
    text = finding.explanation
    assert text.startswith("Customer Service pays 30% of its variable pay through 'Short calls' on Handle time (aht, down)")
    assert "expecting it to help the shared objective O-1 'Happier customers' through the declared link aht -> csat;" in text
    assert "over 25 months of Customer Service's readings (2024-02-01..2026-02-01) CSAT fell in the months when Handle time fell" in text
    assert text.endswith("(ρ = 0.99, n = 25, p < 0.001).")
    assert "cause" not in text


def test_readings_after_as_of_do_not_count():
    records = [SHORT_CALLS, *_pair("aht", "csat", +1)]
    s = snapshot(AHT, CSAT, OBJECTIVE, *records, links=[Link(driver="aht", outcome="csat", sign="negative")])
    assert [f for f in detect(s, date(2024, 6, 1)) if f.rule == "evidence_against"] == []


def test_changing_the_link_brings_a_dismissed_finding_back():
    records = [SHORT_CALLS, *_pair("aht", "csat", +1)]
    link = Link(driver="aht", outcome="csat", sign="negative")
    before = [f for f in detect(snapshot(AHT, CSAT, OBJECTIVE, *records, links=[link]), AS_OF)
              if f.rule == "evidence_against"][0]
    changed = link.model_copy(update={"why": "now with a reason", "version": 2})
    after = [f for f in detect(snapshot(AHT, CSAT, OBJECTIVE, *records, links=[changed]), AS_OF)
             if f.rule == "evidence_against"][0]
    assert before.id == after.id and before.fingerprint != after.fingerprint
