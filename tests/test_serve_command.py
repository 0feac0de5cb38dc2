"""`cxtui serve`: where it listens, what it says, and the command each browser session runs. (The
server itself, in a real browser: tests/browser/test_serve_in_browser.py.)"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest

from cxtui.tui import serve as web


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.9.1", True), ("localhost", True), ("::1", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("cx.example.org", False),
])
def test_is_loopback(host, loopback):
    assert web.is_loopback(host) is loopback


@pytest.mark.parametrize(("host", "url"), [
    ("127.0.0.1", "http://localhost:8000"),
    ("::1", "http://localhost:8000"),
    ("192.168.1.20", "http://192.168.1.20:8000"),
    ("fd00::5", "http://[fd00::5]:8000"),
])
def test_public_url(host, url):
    assert web.public_url(host, 8000) == url


def test_loopback_says_how_to_tunnel_and_who_it_runs_as():
    text = "\n".join(web.how_to_reach("127.0.0.1", 8123, "kim", read_only=True))
    assert "ssh -L 8123:localhost:8123 " in text
    assert "http://localhost:8123" in text
    assert "Unix user kim" in text and "read-only" in text
    assert "Warning" not in text


def test_another_address_warns_that_there_is_no_log_in():
    text = "\n".join(web.how_to_reach("0.0.0.0", 8000, "kim", read_only=False))
    assert "Warning: there is no log-in" in text and "as kim" in text
    assert "ssh -L" not in text


def test_the_session_command_opens_the_store_as_the_user(tmp_path):
    path = tmp_path / "a store" / "store.json"
    argv = shlex.split(web.session_command(path, "kim", read_only=True))
    assert argv == [sys.executable, "-m", "cxtui.tui.serve", "--db", str(path), "--user", "kim", "--read-only"]
    assert "--read-only" not in shlex.split(web.session_command(path, "kim", read_only=False))


def test_serve_listens_on_loopback_unless_told(seeded, cli, monkeypatch):
    started = []
    monkeypatch.setattr(web, "serve", lambda path, user, **options: started.append((path, user, options)))
    result = cli("serve")
    assert result.exit_code == 0, result.output
    [(path, user, options)] = started
    assert path == seeded.path and user == "tester"
    assert options == {"host": "127.0.0.1", "port": 8000, "read_only": False}
    assert "ssh -L 8000:localhost:8000" in result.stderr

    started.clear()
    assert cli("serve", "--host", "0.0.0.0", "--port", "9001", "--read-only").exit_code == 0
    assert started[0][2] == {"host": "0.0.0.0", "port": 9001, "read_only": True}


def test_serve_without_a_store_is_one_error_line(cli, store_path):
    result = cli("serve")
    assert result.exit_code == 1
    assert result.output.startswith("error: no store at")


def test_the_page_loads_nothing_from_other_servers():
    import textual_serve

    shipped = (Path(textual_serve.__file__).parent / "templates" / "app_index.html").read_text("utf-8")
    page = web.local_page(shipped)
    # Its own scripts and styles stay (they come from the server itself, through the template).
    assert "config.static.url" in page and "<script" in page
    assert not re.search(r"(?:href|src)=[\"']https?://", page), "the page still loads something from elsewhere"
    own = '<link rel="stylesheet" href="/static/x.css" />'
    assert web.local_page(own) == own


def test_serve_hands_textual_serve_the_local_page(tmp_path, monkeypatch):
    import textual_serve.server

    seen = {}

    class FakeServer:
        def __init__(self, command, **options):
            seen.update(options, command=command)

        def serve(self):
            templates = Path(seen["templates_path"])
            seen["page"] = (templates / "app_index.html").read_text("utf-8")

    monkeypatch.setattr(textual_serve.server, "Server", FakeServer)
    web.serve(tmp_path / "store.json", "kim", host="127.0.0.1", port=8123, read_only=True)
    assert "googleapis" not in seen["page"] and "<script" in seen["page"]
    assert seen["host"] == "127.0.0.1" and seen["port"] == 8123
    assert not Path(seen["templates_path"]).exists()  # a temporary folder, gone when the server stops
