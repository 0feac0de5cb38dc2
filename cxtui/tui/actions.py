"""The one registry of user actions.

Every key binding, the help screen and the command palette are built from `REGISTRY`, so a key
cannot exist without a description and the palette cannot drift from the keys. A scope is either
"app" (active everywhere) or a screen's `SCOPE`.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Action:
    id: str
    keys: str
    action: str
    description: str
    help: str
    show: bool = True
    priority: bool = False
    key_display: str | None = None
    # False: help and the palette leave it out, because another entry's text speaks for it.
    listed: bool = True

    @property
    def first_key(self) -> str:
        return self.key_display or self.keys.split(",")[0]


REGISTRY: dict[str, tuple[Action, ...]] = {
    "app": (
        Action("app.quit", "q", "quit", "Quit", "Leave cxtui (ctrl+q works even while typing)."),
        Action("app.quit_typing", "ctrl+q", "quit", "Quit", "Leave cxtui from anywhere.", show=False,
               priority=True),
        Action("app.help", "f1,question_mark", "help", "Help", "Show every key of this screen.",
               key_display="F1"),
        # Hidden here, so that each screen's own keys fit the footer at 80 columns; the scorecard
        # shows check-in and conflicts itself (see "scorecard.checkin" and "scorecard.conflicts").
        # The keys that open a screen are priority keys: handled as they arrive, and the app waits
        # for the screen to mount before it takes the next key, so keys typed right behind them
        # (one burst over a slow link) land in the new screen's first field. A focused text field
        # still takes them as letters (Textual leaves out bindings of keys an Input consumes).
        Action("app.checkin", "c", "checkin", "Check-in", "Record this period's readings for your department.",
               show=False, priority=True),
        Action("app.conflicts", "x", "conflicts", "Conflicts", "Silo conflicts and flags, with actions.",
               show=False, priority=True),
        # Priority (handled as the key arrives, not after the focused widget's queue), so keys typed
        # ahead of a slow link land in the field that tab moved to.
        Action("app.next_field", "tab", "focus_next", "Next field", "Move to the next field.", show=False,
               priority=True),
        Action("app.previous_field", "shift+tab", "focus_previous", "Previous field",
               "Move to the previous field.", show=False, priority=True),
        Action("app.scorecard", "s", "home", "Scorecard", "Back to the scorecard.", show=False, priority=True),
        Action("app.undo", "ctrl+z", "undo", "Undo", "Undo your own last change (asks first, names it).",
               show=False),
        Action("app.history", "h", "history", "History", "The audit trail: who changed what, when.",
               show=False, priority=True),
        Action("app.meeting", "w", "meeting", "Meeting", "Walk the scorecard one department at a time.",
               show=False, priority=True),
        Action("app.chain", "g", "chain", "Driver chain", "Each declared link and initiative, measured "
               "from the readings, by perspective.", show=False, priority=True),
    ),
    "scorecard": (
        # The footer at 80 columns holds: c, x, n, e, q and F1 (the rest: F1 and the palette).
        # Priority like the app's own (which would otherwise hide these from the footer).
        Action("scorecard.checkin", "c", "app.checkin", "Check-in",
               "Record this period's readings for your department.", priority=True),
        Action("scorecard.conflicts", "x", "app.conflicts", "Conflicts", "Silo conflicts and flags, with actions.",
               priority=True),
        Action("scorecard.edit", "enter", "edit", "Edit", "Edit the highlighted goal, or filter to the "
               "highlighted department.", show=False),
        Action("scorecard.new_goal", "n", "new_goal", "New goal", "Create a goal (in the filtered department)."),
        Action("scorecard.metric", "i", "metric", "Metric", "Readings and chart of the highlighted "
               "goal's or objective's metric.", show=False),
        Action("scorecard.department", "d", "department", "Dept", "Show one department, or all.", show=False),
        Action("scorecard.mine", "m", "mine", "Mine", "Jump to the department you lead.", show=False),
        Action("scorecard.as_of", "a", "as_of", "As of", "See the scorecard as it stood on another date.",
               show=False),
        Action("scorecard.export", "e", "export", "Export",
               "Write the scorecard to a CSV file or an Excel workbook (.xlsx)."),
        Action("scorecard.chain", "g", "app.chain", "Driver chain", "Each declared link and initiative, "
               "measured from the readings, by perspective.", show=False, priority=True),
        Action("scorecard.reload", "r", "reload", "Reload", "Read the store again now.", show=False),
        Action("scorecard.new_incentive", "I", "new_incentive", "New incentive",
               "Create an incentive a department pays.", show=False),
        Action("scorecard.new_objective", "O", "new_objective", "New objective",
               "Create a shared customer objective.", show=False),
        Action("scorecard.new_metric", "M", "new_metric", "New metric", "Define a new metric.", show=False),
        Action("scorecard.new_department", "D", "new_department", "New department",
               "Create a department.", show=False),
        Action("scorecard.edit_department", "E", "edit_department", "Edit department",
               "Edit the filtered or highlighted department.", show=False),
        Action("scorecard.settings", "A", "settings", "Settings",
               "Admins, alignment weights and conflict penalties (admins change them).", show=False),
    ),
    "checkin": (
        Action("checkin.save", "ctrl+s", "save", "Save all", "Save every row that has a value, in one go."),
        # Priority, so a fast typist's (or a slow link's) next keys land in the next field.
        Action("checkin.next", "enter", "next_field", "Next field",
               "Value → confidence → note → next row; empty rows are skipped.", show=False, priority=True),
        Action("checkin.date", "ctrl+t", "date", "Date", "Change the date the readings are recorded for "
               "(backdating).", show=False),
        Action("checkin.cancel", "escape", "cancel", "Cancel", "Leave without saving (asks when rows are typed)."),
    ),
    "conflicts": (
        Action("conflicts.flag", "f", "flag", "Flag it", "Turn the highlighted finding into a flag."),
        Action("conflicts.dismiss", "d", "dismiss", "Dismiss", "Dismiss the highlighted finding, with a reason "
               "(a lead of a department it involves, or an admin)."),
        Action("conflicts.undismiss", "u", "undismiss", "Take back", "Take back the highlighted dismissal: the "
               "finding shows again.", show=False),
        Action("conflicts.raise", "n", "raise_flag", "Raise flag", "Raise a flag by hand between departments."),
        Action("conflicts.ack", "a", "acknowledge", "Ack", "Acknowledge the highlighted flag."),
        Action("conflicts.resolve", "r", "resolve", "Resolve", "Resolve the highlighted flag, with a note."),
        Action("conflicts.reopen", "o", "reopen", "Reopen", "Reopen an acknowledged or resolved flag, with a note."),
        Action("conflicts.back", "escape", "back", "Back", "Back to the scorecard."),
    ),
    "chain": (
        Action("chain.back", "escape", "back", "Back", "Back to the scorecard."),
    ),
    "form": (
        Action("form.save", "ctrl+s", "save", "Save", "Validate and save the record."),
        Action("form.delete", "ctrl+d", "delete", "Delete", "Delete the record (asks first)."),
        Action("form.reload", "ctrl+r", "reload", "Reload", "Replace your edits with the stored record."),
        Action("form.cancel", "escape", "cancel", "Cancel", "Close without saving."),
        Action("form.next", "enter", "next_field", "Next field", "From a text field, go to the next field.",
               show=False, priority=True),
    ),
    "meeting": (
        # Priority: the scrolling page would otherwise take the arrow keys.
        Action("meeting.next", "right,n,space", "next", "Next", "Next department.", key_display="→",
               priority=True),
        Action("meeting.prev", "left,p", "prev", "Prev", "Previous department.", key_display="←",
               priority=True),
        Action("meeting.since", "l", "since", "Last meeting", "Set the date of the last meeting."),
        Action("meeting.back", "escape", "back", "Back", "Back to the scorecard."),
        # Hidden from the footer (full at 80 columns); the page itself says these keys.
        Action("meeting.add_item", "a", "add_item", "Record", "Record a decision or an action item for the "
               "department on screen.", show=False),
        Action("meeting.close_item", "d", "close_item", "Done/drop", "Close one of the department's open items: "
               "done or dropped, with a note.", show=False),
        *(Action(f"meeting.explain_{n}", str(n), f"explain({n})", f"Explain {n}", f"The full explanation of "
                 f"conflict {n} on the page.", show=False, listed=False) for n in range(1, 10)),
        Action("meeting.explain_any", "e", "explain_any", "Explain…", "Pick any conflict on the page and read "
               "its full explanation; 1-9 open the conflict of that number at once.", show=False),
    ),
    "item": (
        Action("item.save", "ctrl+s", "save", "Save", "Record the decision or action item."),
        Action("item.cancel", "escape", "cancel", "Cancel", "Close without recording."),
        Action("item.next", "enter", "next_field", "Next field", "From a text field, go to the next field.",
               show=False, priority=True),
    ),
    "metric": (
        Action("metric.edit", "enter", "edit_reading", "Edit reading", "Edit the highlighted reading."),
        Action("metric.delete", "delete,ctrl+d", "delete_reading", "Delete reading",
               "Delete the highlighted reading (asks first).", key_display="del"),
        Action("metric.back", "escape", "back", "Back", "Back to the previous screen."),
    ),
    "history": (
        Action("history.department", "d", "department", "Dept", "Only changes touching one department."),
        Action("history.user", "u", "user", "User", "Only changes made by one user."),
        Action("history.older", "o", "older", "Older", "Read the next page of older changes."),
        Action("history.revert", "z", "revert", "Undo it", "Undo the highlighted change (asks first; refused "
               "if the record has changed since).", show=False),
        Action("history.back", "escape", "back", "Back", "Back to the scorecard."),
    ),
    "raise": (
        Action("raise.save", "ctrl+s", "save", "Save", "Raise the flag."),
        Action("raise.cancel", "escape", "cancel", "Cancel", "Close without raising a flag."),
        Action("raise.next", "enter", "next_field", "Next field", "From a text field, go to the next field.",
               show=False, priority=True),
    ),
    "confirm": (
        Action("confirm.yes", "y", "yes", "Yes", "Go ahead."),
        Action("confirm.no", "n,escape", "cancel", "No", "Do nothing."),
    ),
    "modal": (
        Action("modal.cancel", "escape", "cancel", "Cancel", "Close this dialog."),
    ),
    "problem": (
        Action("problem.retry", "r", "retry", "Try again", "Open the store again."),
        # A modal screen hides the app's own (non-priority) keys, so q is bound here too.
        Action("problem.quit", "q", "app.quit", "Quit", "Leave cxtui."),
    ),
    "help": (
        Action("help.close", "escape,f1,question_mark", "cancel", "Close", "Close the help."),
    ),
}


def bindings(scope: str) -> list[Binding]:
    """Textual bindings for a scope, each with its registry id and description."""
    return [
        Binding(
            a.keys,
            a.action,
            a.description,
            show=a.show,
            priority=a.priority,
            key_display=a.key_display,
            tooltip=a.help,
            id=a.id,
        )
        for a in REGISTRY[scope]
    ]


def actions_for(scope: str) -> tuple[Action, ...]:
    """A screen's own listed actions followed by the app-wide ones (what the palette lists)."""
    own = REGISTRY.get(scope, ())
    return tuple(a for a in own + (REGISTRY["app"] if scope != "app" else ()) if a.listed)
