"""Rules that need more than one record (a reading inside its metric's scale, a department's
incentive weights summing to at most 1), and validation errors in words; shared by the store and
the forms."""

from __future__ import annotations




from cxtui.models.records import Goal, Incentive, Link, Metric


# --- rules that need more than one record ---------------------------------------------------------


class RuleError(ValueError):
    """A valid record that breaks a rule across records. The message names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def check_in_scale(value: float, metric: Metric, field: str = "value") -> None:
    if metric.scale is not None and not metric.scale.contains(value):
        raise RuleError(
            field, f"{value:g} is outside the scale of {metric.id} ({metric.scale}{' ' + metric.unit if metric.unit else ''})"
        )


def check_goal_scale(goal: Goal, metric: Metric) -> None:
    check_in_scale(goal.baseline, metric, "baseline")
    check_in_scale(goal.target, metric, "target")


def check_link_cycle(link: Link, others: list[Link]) -> None:
    """Refuse `link` when the declared arrows would lead from its outcome back to its driver.
    `others` are the store's links (a link with `link`'s id is replaced by it)."""
    graph: dict[str, set[str]] = {}
    for other in others:
        if other.id != link.id:
            graph.setdefault(other.driver, set()).add(other.outcome)
    # A path outcome -> ... -> driver closes a loop with the new arrow; parents rebuild it for the message.
    parents: dict[str, str] = {link.outcome: ""}
    todo = [link.outcome]
    while todo:
        node = todo.pop()
        if node == link.driver:
            path = [node]
            while parents[path[-1]]:
                path.append(parents[path[-1]])
            loop = " -> ".join([link.driver, *reversed(path)])
            raise RuleError("outcome", f"{link.driver} -> {link.outcome} would close a cycle ({loop}); "
                                       "a driver chain runs one way")
        for nxt in sorted(graph.get(node, ())):
            if nxt not in parents:
                parents[nxt] = node
                todo.append(nxt)


def check_incentive_weights(incentive: Incentive, others: list[Incentive]) -> None:
    """`others` are the department's other incentives (not `incentive` itself)."""
    total = incentive.weight + sum(i.weight for i in others if i.id != incentive.id)
    if total > 1 + 1e-9:
        raise RuleError(
            "weight",
            f"incentive weights of {incentive.department} would sum to {total:.2f}; at most 1 is allowed",
        )
