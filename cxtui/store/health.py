"""Health checks behind `cxtui doctor`: dangling references, file modes."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel

from cxtui.models import Snapshot
from cxtui.store import fsio
from cxtui.store.layout import Layout


class Problem(BaseModel):
    level: Literal["error", "warning"]
    message: str


def reference_problems(snapshot: Snapshot) -> list[Problem]:
    depts = {d.id for d in snapshot.departments}
    metrics = {m.id: m for m in snapshot.metrics}
    objectives = {o.id for o in snapshot.objectives}
    problems = []

    def bad(message: str) -> None:
        problems.append(Problem(level="error", message=message))

    for goal in snapshot.goals:
        if goal.department not in depts:
            bad(f"goal {goal.id} names unknown department {goal.department}")
        if goal.metric not in metrics:
            bad(f"goal {goal.id} names unknown metric {goal.metric}")
        for objective in goal.objectives:
            if objective not in objectives:
                bad(f"goal {goal.id} names unknown objective {objective}")
    for incentive in snapshot.incentives:
        if incentive.department not in depts or incentive.metric not in metrics:
            bad(f"incentive {incentive.id} names an unknown department or metric")
    for reading in snapshot.readings:
        metric = metrics.get(reading.metric)
        if metric is None:
            bad(f"reading {reading.id} names unknown metric {reading.metric}")
        elif metric.scale and not metric.scale.contains(reading.value):
            bad(f"reading {reading.id} value {reading.value:g} is outside the scale of {metric.id}")
        if reading.department is not None and reading.department not in depts:
            bad(f"reading {reading.id} names unknown department {reading.department}")
    return problems


def mode_problems(layout: Layout) -> list[Problem]:
    problems = []
    files = [layout.main, layout.lock, layout.audit, *layout.partitions().values()]
    for file in files:
        try:
            st = os.stat(file)
        except FileNotFoundError:
            continue
        if st.st_mode & 0o777 != fsio.FILE_MODE:
            problems.append(Problem(
                level="warning",
                message=f"{file} has mode {st.st_mode & 0o777:o}, expected {fsio.FILE_MODE:o} (fix: chmod 660 {file})",
            ))
    return problems
