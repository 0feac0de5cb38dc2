"""The standard customer metrics a new store starts with, so that `cxtui init` gives leads something
to record against at once (`cxtui init --empty` starts with none).

Scales, directions and cadences are the usual ones for each measure; an admin can change any of them
(or delete the metric) before the first reading.
"""

from __future__ import annotations

from cxtui.models import Metric

_STANDARD = (
    {"id": "nps", "name": "Net Promoter Score", "unit": "pts", "scale": {"min": -100, "max": 100},
     "direction": "up", "customer_centric": True, "cadence": "quarterly",
     "description": "Relationship survey: % promoters (9-10) minus % detractors (0-6)."},
    {"id": "csat", "name": "Customer satisfaction (CSAT)", "unit": "%", "scale": {"min": 0, "max": 100},
     "direction": "up", "customer_centric": True, "cadence": "monthly",
     "description": "Share of satisfied (4-5 of 5) answers in post-contact and post-delivery surveys."},
    {"id": "ces", "name": "Customer Effort Score", "unit": "score", "scale": {"min": 1, "max": 7},
     "direction": "down", "customer_centric": True, "cadence": "monthly",
     "description": "\"How much effort did it take to get your issue handled?\" 1 = very little, 7 = a great deal."},
    {"id": "retention", "name": "Customer retention", "unit": "%", "scale": {"min": 0, "max": 100},
     "direction": "up", "customer_centric": True, "cadence": "monthly",
     "description": "Share of the customers at the start of the period who are still customers at its end."},
    # No scale: lifetime value is in the company's own currency and size, and can be negative.
    {"id": "clv", "name": "Customer lifetime value", "unit": "", "direction": "up", "customer_centric": True,
     "cadence": "quarterly", "description": "Expected margin per customer over the relationship."},
)


def standard_metrics() -> list[Metric]:
    return [Metric.model_validate(fields) for fields in _STANDARD]
