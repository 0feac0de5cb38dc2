"""The command line. `cxtui` alone opens the TUI; the other commands are headless and scriptable.

`group` holds the `cxtui` group and `main`; each other module holds the commands of one kind of work
(see docs/architecture.md). Heavy or unrelated modules (Textual, rich, the engine) are imported
inside the commands that need them, so `cxtui record` starts fast and never loads Textual. Every
failure ends in one `error:` line on stderr and exit status 1 (2 for usage errors); `CxGroup.main`
is the one place that happens.
"""

from cxtui.cli import actions, admin, exchange, findings, goals, recording, scorecard, web  # noqa: F401  (they register commands)
from cxtui.cli.group import YOUNG_COLLECTION_THRESHOLD, cli, main, tui_app, tune_collector

__all__ = ["YOUNG_COLLECTION_THRESHOLD", "cli", "main", "tui_app", "tune_collector"]
