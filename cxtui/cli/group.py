"""The `cxtui` command group: its error handling (one `error:` line, exit 1 or 2), opening the TUI when
no command is given, and `main`, the console script.
"""

from __future__ import annotations

import gc
import sys
from typing import TYPE_CHECKING, NoReturn

import click

from cxtui import __version__
from cxtui.cli.common import (
    DB_HELP,
    Failure,
    example,
    exit_with,
    open_store,
    options,
    silence_stdout,
)

if TYPE_CHECKING:
    from cxtui.runtime.options import Options

# CPython's default is 700: see tune_collector.
YOUNG_COLLECTION_THRESHOLD = 50_000


class CxGroup(click.Group):
    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra) -> NoReturn:
        try:
            result = super().main(args, prog_name or "cxtui", complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx else "cxtui"
            exit_with(2, f"{exc.format_message()} (see '{where} --help')")
        except click.ClickException as exc:
            exit_with(exc.exit_code, exc.format_message())
        except click.Abort:
            exit_with(1, "interrupted")
        except BrokenPipeError:
            # The reader went away (`cxtui export readings | head`): stop quietly.
            silence_stdout()
            sys.exit(1)
        except Exception as exc:
            from cxtui.runtime.options import debug_requested

            if debug_requested():
                raise
            from cxtui.runtime.describe import describe

            exit_with(1, describe(exc))
        sys.exit(result if isinstance(result, int) else 0)


def _has_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def launch_tui() -> None:
    """The TUI over the store the options name (its existence checked by the caller)."""
    # Without a terminal (cron, a pipe) the TUI would wait forever for keys nobody can type.
    if not _has_terminal():
        raise Failure("the TUI needs a terminal; for scripts use a command such as 'cxtui scorecard' (see 'cxtui --help')")
    app = tui_app(options())
    problem = app.run()
    # The TUI showed its failure on screen; once it has closed, say it again and exit 1.
    if app.return_code:
        raise Failure(problem or "the TUI stopped on an unexpected error")


def tui_app(run: Options):
    """The TUI over the store `run` names, set up as `cxtui` runs it (the benchmark starts it so too).

    The collector is paused while the TUI starts: that builds a great many long-lived objects
    (Textual's classes, the screens, the scorecard) and next to no garbage. Once the first
    scorecard is on screen, what start-up built is frozen, so later collections skip it, and the
    collector runs again.
    """
    gc.disable()
    try:
        from cxtui.tui.app import create_app
    except ImportError as exc:
        gc.enable()
        if exc.name and exc.name.startswith("cxtui.tui"):
            raise Failure("the TUI is not built yet") from None
        raise
    return create_app(run, on_started=_resume_collector)


def _resume_collector() -> None:
    gc.freeze()
    gc.enable()


@click.group(
    cls=CxGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=example(
        "cxtui                      # open the scorecard in the terminal UI",
        "cxtui demo                 # try it on a sample company",
        "cxtui record nps 42 --dept sales",
        "cxtui scorecard --as-of 2026-03-01",
    ),
)
@click.option("--db", metavar="PATH", help=DB_HELP)
@click.version_option(__version__, prog_name="cxtui")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """A shared customer-alignment scorecard for department leads.

    Without a command, opens the scorecard in the terminal UI.
    """
    ctx.ensure_object(dict)["db"] = db
    if ctx.invoked_subcommand is None:
        store = open_store()
        if not store.exists():
            from cxtui.store import StoreMissing

            raise StoreMissing(store.path)
        launch_tui()


def tune_collector() -> None:
    """Run the cyclic garbage collector less often; `cxtui` does this before anything else.

    Start-up creates hundreds of thousands of long-lived objects (Textual's and pydantic's classes,
    the store's documents) and next to no garbage. At CPython's default threshold the collector ran
    hundreds of times while the TUI started, about an eighth of its start-up time. Reference cycles
    are still collected, only in larger batches.
    """
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])


def main() -> None:
    tune_collector()
    cli.main()
