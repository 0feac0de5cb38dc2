"""A goal's pacing and tolerance bands: `pacing`. (Goals themselves are added in the TUI or by
`cxtui import goals`; import only adds, so this is the command line's way to change the pacing.)
"""

from __future__ import annotations

import click

from cxtui.cli.common import Failure, db_option, echo_saved, example, open_store, utf8_text
from cxtui.cli.group import cli

PACINGS = ("linear", "stepped", "late")
# What a band option takes to go back to its default.
UNSET = {"--risk-tolerance": "default", "--exceed-margin": "never"}


@cli.command(epilog=example(
    "cxtui pacing G-10",
    "cxtui pacing G-10 stepped --milestone 2026-06-30 --milestone 2026-09-30=0.6 --milestone 2026-12-31",
    "cxtui pacing G-3 late --risk-tolerance 0.3",
    "cxtui pacing G-1 --exceed-margin 0",
    "cxtui pacing G-1 linear --risk-tolerance default --exceed-margin never",
))
@click.argument("goal_text", metavar="GOAL", callback=utf8_text)
@click.argument("kind", metavar="[linear|stepped|late]", required=False, type=click.Choice(PACINGS))
@click.option("--milestone", "milestones", multiple=True, metavar="DATE[=SHARE]", callback=utf8_text,
              help="A stepped goal's milestone (repeatable; replaces its list): expected progress moves up "
                   "on this date, to SHARE (0-1) of the change or else to what linear pacing expects then.")
@click.option("--tolerance", metavar="SHARE", callback=utf8_text,
              help="On track while progress is at most this far below the expected (0-1).")
@click.option("--risk-tolerance", metavar="SHARE|default", callback=utf8_text,
              help="At risk while at most this far below (0-1; default: twice the tolerance).")
@click.option("--exceed-margin", metavar="SHARE|never", callback=utf8_text,
              help="Increase and decrease goals: exceeded when past the target by more than this share "
                   "of the change (0: any amount; never: the default).")
@db_option
def pacing(goal_text: str, kind: str | None, milestones: tuple[str, ...], tolerance: str | None,
           risk_tolerance: str | None, exceed_margin: str | None) -> None:
    """Show a goal's pacing and bands, or (as its department's lead) change them.

    linear: expected progress grows evenly from start to deadline. stepped: it moves only on the
    milestone dates (survey waves), and holds between them. late: the elapsed share squared, most of
    the change expected near the deadline. Every pacing expects nothing at the start and all of it
    at the deadline. --milestone alone makes the goal stepped; another pacing drops the milestones."""
    from pydantic import ValidationError

    from cxtui.engine.resolve import resolve
    from cxtui.engine.standings import pacing_words
    from cxtui.models import Goal, describe_errors

    store = open_store()
    goal = store.get(Goal, resolve("goal", goal_text, store.list(Goal)))
    changes: dict[str, object] = {}
    if kind is not None:
        changes["pacing"] = kind
        if kind != "stepped":
            changes["milestones"] = []
    if milestones:
        changes["milestones"] = list(milestones)
        changes.setdefault("pacing", "stepped")  # milestones without a pacing named mean stepped
    if tolerance is not None:
        changes["tolerance"] = tolerance
    for option, field, text in (("--risk-tolerance", "risk_tolerance", risk_tolerance),
                                ("--exceed-margin", "exceed_margin", exceed_margin)):
        if text is not None:
            changes[field] = None if text.strip().lower() == UNSET[option] else text
    if not changes:
        click.echo(f"{goal.id} {goal.title}: {pacing_words(goal)}")
        return
    try:
        # Validated as new input: model_copy would not check the changes.
        changed = Goal.model_validate({**goal.model_dump(), **changes})
    except ValidationError as exc:
        raise Failure(describe_errors(exc)[0]) from None
    saved = store.update(changed)
    echo_saved(f"changed {saved.id}: {pacing_words(saved)}")
