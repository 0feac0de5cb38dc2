"""`cxtui serve` as a browser meets it: headless chromium loads the page, the terminal shows the
scorecard, and in a read-only session a key that would change the store is refused on screen."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import chromium as browser
import pytest

from cxtui.demo.demo_store import seed_demo
from cxtui.models import Department
from cxtui.store import Store

# Kept by the page before textual.js runs: the xterm.js Terminal it builds (its `terminal`
# property), so the test can read the rows the browser shows. Read-only use of a public API.
KEEP_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  get() { return undefined; },
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
    if (value && typeof value.loadAddon === "function") window.__cxtuiTerminal = value;
  },
});
"""
SCREEN_TEXT = """(() => {
  const t = window.__cxtuiTerminal;
  if (!t) return "";
  const buffer = t.buffer.active, rows = [];
  for (let i = 0; i < t.rows; i++) {
    const line = buffer.getLine(buffer.viewportY + i);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
})()"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def files(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file() and "presence" not in p.parts}


@pytest.fixture
def chromium() -> str:
    return browser.need_chromium()


@pytest.fixture
def demo(tmp_path) -> tuple[Path, list[str]]:
    store = Store.init(tmp_path / "team" / "store.json")
    seed_demo(store)
    return store.path, [d.name for d in store.list(Department)]


async def wait_until_listening(port: int, server: subprocess.Popen, deadline: float = browser.DEADLINE) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while True:
        assert server.poll() is None, "cxtui serve exited"
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            assert loop.time() < end, f"cxtui serve did not listen on {port}"
            await asyncio.sleep(0.05)  # the poll's interval; the deadline bounds the wait
            continue
        writer.close()
        return


class Served:
    """`cxtui serve` on a free loopback port, in its own process group (stopped with its sessions)."""

    def __init__(self, store_path: Path, *args: str) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("CXTUI_USER", "CXTUI_DB")}
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from cxtui.cli import main; main()", "serve", "--db", str(store_path),
             "--port", str(self.port), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)

    def stop(self) -> str:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            _, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            _, err = self.process.communicate()
        return err


async def open_served(tab: browser.Page, served: Served, names: list[str]) -> str:
    await wait_until_listening(served.port, served.process)
    await tab.send("Page.addScriptToEvaluateOnNewDocument", source=KEEP_TERMINAL)
    await tab.open(f"http://localhost:{served.port}/")
    checks = " && ".join(f"text.includes({name!r})" for name in names)
    shown = await tab.wait_for(f"(() => {{ const text = {SCREEN_TEXT}; return ({checks}) ? text : ''; }})()")
    assert shown, f"the scorecard never showed; the screen held:\n{await tab.evaluate(SCREEN_TEXT)}"
    return shown


async def test_the_browser_shows_the_scorecard(chromium, demo, tmp_path):
    store_path, names = demo
    served = Served(store_path)
    try:
        async with browser.Page(chromium, tmp_path / "profile", width=1400, height=900) as tab:
            shown = await open_served(tab, served, names)
            assert "Scorecard" in shown or "scorecard" in shown
            assert await tab.evaluate("document.querySelector('.textual-terminal.-connected') !== null")
            assert tab.script_errors() == []
            # Nothing from other servers (textual-serve's own page links a web font from Google).
            own = (f"http://localhost:{served.port}/", f"ws://localhost:{served.port}/")
            assert [url for url in tab.requested() if not url.startswith(own)] == []
    finally:
        err = served.stop()
    assert "ssh -L" in err and f"http://localhost:{served.port}" in err


async def test_a_read_only_session_refuses_a_change_on_screen(chromium, demo, tmp_path):
    store_path, names = demo
    before = files(store_path.parent)
    served = Served(store_path, "--read-only")
    try:
        async with browser.Page(chromium, tmp_path / "profile", width=1400, height=900) as tab:
            await open_served(tab, served, names)
            await tab.evaluate("document.querySelector('.xterm-helper-textarea').focus()")
            for key in ("n", "c"):  # a new goal; a check-in
                await tab.send("Input.insertText", text=key)
            refused = await tab.wait_for(f"(() => {{ const t = {SCREEN_TEXT}; return t.includes('read-only') ? t : ''; }})()")
            assert refused, await tab.evaluate(SCREEN_TEXT)
            assert tab.script_errors() == []
    finally:
        served.stop()
    assert files(store_path.parent) == before
