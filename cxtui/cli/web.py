"""`cxtui serve`: the TUI in a browser, through textual-serve.
"""

from __future__ import annotations

import click

from cxtui.cli.common import (
    acting_user,
    db_option,
    example,
    open_store,
)
from cxtui.cli.group import cli


@cli.command(epilog=example("cxtui serve                  # then: ssh -L 8000:localhost:8000 this-host",
                             "cxtui serve --read-only --port 8100",
                             "cxtui serve --host 0.0.0.0   # any address: only when you mean it"))
@click.option("--host", default="127.0.0.1", show_default=True, metavar="ADDRESS",
              help="Address to listen on. There is no log-in: another than loopback only when you mean it.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--read-only", is_flag=True, help="Every change refused: the scorecard, meeting, conflicts and chain "
              "views for a meeting-room screen.")
@db_option
def serve(host: str, port: int, read_only: bool) -> None:
    """Serve the TUI to a web browser (textual-serve), as the Unix user who runs this command.

    Each browser tab gets its own cxtui session on the store, acting as that user. Reach it through
    an SSH tunnel; the command prints how."""
    store = open_store()
    if not store.exists():
        from cxtui.store import StoreMissing

        raise StoreMissing(store.path)
    from cxtui.tui import serve as web  # the TUI's room imports textual-serve, when it serves

    user = acting_user()
    for line in web.how_to_reach(host, port, user, read_only=read_only):
        click.echo(line, err=True)
    web.serve(store.path, user, host=host, port=port, read_only=read_only)
