"""`cxtui serve`: the TUI in a browser, through textual-serve.

The server runs as the Unix user who started it, and so does every session it opens: each browser
tab starts its own `python -m cxtui.tui.serve` process (this module's `main`) on the same store,
acting as that user. textual-serve has no log-in of its own, so the server binds to the loopback
address unless told otherwise, and people reach it through an SSH tunnel, which does the log-in.
"""

from __future__ import annotations

import argparse
import ipaddress
import re
import shlex
import socket
import sys
import tempfile
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def public_url(host: str, port: int) -> str:
    """The address the page tells the browser to load its scripts and websocket from: what the user
    types (localhost, through the tunnel), or for a wildcard bind this machine's name."""
    if is_loopback(host):
        host = "localhost"
    elif host in ("0.0.0.0", "::", ""):
        host = socket.getfqdn()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def session_command(store_path: Path, user: str, *, read_only: bool) -> str:
    """The shell command textual-serve starts per browser session."""
    argv = [sys.executable, "-m", "cxtui.tui.serve", "--db", str(store_path), "--user", user]
    return shlex.join(argv + (["--read-only"] if read_only else []))


def how_to_reach(host: str, port: int, user: str, *, read_only: bool) -> list[str]:
    """What `cxtui serve` prints before it starts: where, as whom, and how to get there safely."""
    mode = "read-only (every change refused)" if read_only else "with the right to change what you may change"
    lines = [f"Serving cxtui as Unix user {user}, {mode}, on {host}:{port}."]
    if is_loopback(host):
        lines += [
            "Only this machine can connect. From your own computer, open an SSH tunnel:",
            f"    ssh -L {port}:localhost:{port} {socket.gethostname()}",
            f"then browse to {public_url(host, port)}",
            f"Note: anyone logged in to this machine can also connect to port {port} and use cxtui as {user}.",
        ]
    else:
        lines += [
            f"Browse to {public_url(host, port)}",
            f"Warning: there is no log-in: anyone who can reach {host}:{port} uses cxtui as {user}.",
        ]
    return lines + ["Press Ctrl+C to stop."]


# textual-serve's page links a web font from Google's servers.
_REMOTE_STYLESHEET = re.compile(r"<link\b[^>]*\bhref=[\"']https?://[^>]*>", re.IGNORECASE)


def local_page(template: str) -> str:
    """textual-serve's page without the stylesheets it loads from other servers: a meeting-room
    browser may have no internet, and need not tell anyone who opens cxtui when. The terminal then
    uses the browser's own monospace font."""
    return _REMOTE_STYLESHEET.sub("", template)


def serve(store_path: Path, user: str, *, host: str, port: int, read_only: bool) -> None:
    import textual_serve
    from textual_serve.server import Server

    command = session_command(store_path, user, read_only=read_only)
    shipped = Path(textual_serve.__file__).parent / "templates"
    with tempfile.TemporaryDirectory(prefix="cxtui-serve-") as templates:
        for page in shipped.glob("*.html"):
            (Path(templates) / page.name).write_text(local_page(page.read_text("utf-8")), "utf-8")
        Server(command, host=host, port=port, title="cxtui", public_url=public_url(host, port),
               templates_path=templates).serve()


def main(argv: list[str] | None = None) -> int:
    """One browser session: the TUI on the store, under textual-serve's web driver."""
    parser = argparse.ArgumentParser(prog="python -m cxtui.tui.serve")
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--user", required=True)
    parser.add_argument("--read-only", action="store_true")
    options = parser.parse_args(argv)
    from cxtui.runtime.options import Options
    from cxtui.tui.app import create_app

    run = Options.read(options.db, user=options.user)
    app = create_app(run, read_only=options.read_only)
    app.run()
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
