"""Read-only sessions (`cxtui serve --read-only`): the scorecard, meeting, conflicts and chain views
for a meeting-room screen, with every change refused.

Two guards. The keys: each registry action that changes the store (or writes a file on the serving
machine, or only opens a form that exists to make a change) is refused when pressed, with a message
saying why, before any form is filled. The store: the app opens the session's store with
`refuse_writes=REFUSAL`, so a path the key list misses still changes nothing.
"""

from __future__ import annotations

from cxtui.tui.actions import REGISTRY

REFUSAL = ("This cxtui session is read-only (cxtui serve --read-only): it shows the scorecard but changes "
           "nothing. Make changes with cxtui in your own terminal.")

# Registry ids of the actions a read-only session refuses. A form that also shows a record (a goal's,
# a reading's, the settings) opens, and its save and delete are refused.
WRITES = frozenset({
    "app.checkin", "app.undo",
    "scorecard.checkin", "scorecard.new_goal", "scorecard.new_incentive", "scorecard.new_objective",
    "scorecard.new_metric", "scorecard.new_department", "scorecard.edit_department", "scorecard.export",
    "checkin.save",
    "conflicts.flag", "conflicts.dismiss", "conflicts.undismiss", "conflicts.raise", "conflicts.ack",
    "conflicts.resolve", "conflicts.reopen",
    "form.save", "form.delete",
    "metric.delete",
    "history.revert",
    "raise.save",
    "meeting.add_item", "meeting.close_item", "item.save",
})


def _target(scope: str, action: str) -> tuple[str, str]:
    """(scope of the node that runs it, action name): "app.checkin" bound on a screen runs on the app."""
    namespace, _, name = action.rpartition(".")
    return (namespace or scope, name)


# (scope, action name) pairs as `run_action` meets them.
REFUSED = frozenset(_target(scope, a.action) for scope, actions in REGISTRY.items() for a in actions if a.id in WRITES)


def refuses(scope: str | None, action_name: str) -> bool:
    return (scope, action_name) in REFUSED
