"""What the screens show: one consistent read of the store and the scorecard computed from it.

A `Board` is built in a worker thread (it reads the store and runs the engine) and handed to the
UI in a message; it is immutable, so screens can keep references to it safely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cxtui.engine.flags import dismissal_lines, unresolved
from cxtui.models import Department, Goal, Metric, Objective, Snapshot
from cxtui.engine.scorecard import Scorecard, build_scorecard


@dataclass(frozen=True)
class Board:
    snapshot: Snapshot
    scorecard: Scorecard
    as_of: date
    user: str
    token: Any = None
    departments: dict[str, Department] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    goals: dict[str, Goal] = field(default_factory=dict)
    objectives: dict[str, Objective] = field(default_factory=dict)

    @classmethod
    def build(cls, snapshot: Snapshot, as_of: date, user: str, token: Any = None) -> Board:
        return cls(
            snapshot=snapshot,
            scorecard=build_scorecard(snapshot, as_of=as_of),
            as_of=as_of,
            user=user,
            token=token,
            departments={d.id: d for d in snapshot.departments},
            metrics={m.id: m for m in snapshot.metrics},
            goals={g.id: g for g in snapshot.goals},
            objectives={o.id: o for o in snapshot.objectives},
        )

    @property
    def my_departments(self) -> list[str]:
        """Departments the current login leads, in store order."""
        return [d.id for d in self.snapshot.departments if self.user in d.leads]

    def department_name(self, department_id: str | None) -> str:
        if department_id is None:
            return "company"
        dept = self.departments.get(department_id)
        return dept.name if dept else department_id

    def metric_name(self, metric_id: str) -> str:
        metric = self.metrics.get(metric_id)
        return metric.name if metric else metric_id

    def open_findings(self) -> list:
        """Active findings (the scorecard leaves dismissed ones out)."""
        return list(self.scorecard.findings)

    def dismissals(self) -> list:
        """Every dismissal, newest first, with the finding it hides now (flags.DismissalLine)."""
        return dismissal_lines(self.snapshot.dismissals, self.scorecard.dismissed)

    def open_flags(self) -> list:
        return unresolved(self.snapshot.flags)
