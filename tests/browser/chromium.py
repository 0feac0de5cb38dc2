"""Headless Debian chromium for the browser tests: the one-shot modes (--print-to-pdf, --dump-dom)
and a small DevTools-protocol client over aiohttp's websocket (aiohttp comes with textual-serve).

Without chromium the tests skip, saying why, unless the run requires them (`CXTUI_REAL_TESTS=require`,
as `.ci/run` sets after installing chromium): then they fail, so CI cannot skip them silently.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Self

REQUIRE_ENV = "CXTUI_REAL_TESTS"
NAMES = ("chromium", "chromium-browser")
# Long enough for a first start of chromium on a loaded two-core machine.
DEADLINE = 60.0


def find_chromium() -> str | None:
    return next((found for name in NAMES if (found := shutil.which(name))), None)


def need_chromium() -> str:
    import pytest

    found = find_chromium()
    if found:
        return found
    reason = "no chromium on PATH (apt-get install chromium)"
    if os.environ.get(REQUIRE_ENV) == "require":
        pytest.fail(f"{reason}; {REQUIRE_ENV}=require says the browser tests must run", pytrace=False)
    pytest.skip(reason)


def flags(profile: Path) -> list[str]:
    """A throwaway profile, no GPU, no first-run chatter; no sandbox for root (chromium refuses it)."""
    found = ["--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check", "--mute-audio",
             "--disable-dev-shm-usage", "--disable-extensions", "--disable-background-networking",
             f"--user-data-dir={profile}"]
    return found + (["--no-sandbox"] if os.geteuid() == 0 else [])


def run(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run([chromium, *flags(profile), *args], capture_output=True, text=True,
                              timeout=DEADLINE, check=False)
    finally:
        forget_singleton(profile)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def forget_singleton(profile: Path) -> None:
    """Remove the folder chromium made in the system's temp folder for its profile's lock socket
    (it links to it from the profile); left alone, every run leaves one in /tmp."""
    link = profile / "SingletonSocket"
    if link.is_symlink():
        folder = Path(os.readlink(link)).parent
        if folder.name.startswith("org.chromium.Chromium."):
            shutil.rmtree(folder, ignore_errors=True)


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """(width, height) in points of each page of a PDF chromium wrote (uncompressed page objects)."""
    boxes = re.findall(rb"/Type\s*/Page\b(?!s).*?/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]",
                       pdf, re.DOTALL)
    if not boxes:  # MediaBox may come before /Type in the dictionary
        boxes = re.findall(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


class Page:
    """One headless chromium with one tab, driven over the DevTools protocol. Events are kept in
    `events` (method, params), so a test can ask what was requested or thrown."""

    def __init__(self, chromium: str, profile: Path, *, width: int = 1280, height: int = 800) -> None:
        self.profile = profile
        self.argv = [chromium, *flags(profile), f"--window-size={width},{height}", "--remote-debugging-port=0",
                     "about:blank"]
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future] = {}

    async def __aenter__(self) -> Self:
        import aiohttp

        self.process = await asyncio.create_subprocess_exec(*self.argv, stdout=asyncio.subprocess.DEVNULL,
                                                            stderr=asyncio.subprocess.PIPE, start_new_session=True)
        browser_url = await asyncio.wait_for(self._devtools_url(), DEADLINE)
        port = re.match(r"ws://[^:/]+:(\d+)/", browser_url).group(1)
        self.session = aiohttp.ClientSession()
        async with self.session.get(f"http://127.0.0.1:{port}/json/list") as response:
            targets = await response.json(content_type=None)
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = await self.session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
        self._reader = asyncio.create_task(self._read())
        for domain in ("Page", "Runtime", "Network", "Log"):
            await self.send(f"{domain}.enable")
        return self

    async def __aexit__(self, *exc) -> None:
        self._reader.cancel()
        await self.ws.close()
        await self.session.close()
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        forget_singleton(self.profile)

    async def _devtools_url(self) -> str:
        while True:
            line = await self.process.stderr.readline()
            if not line:
                raise AssertionError("chromium exited before it opened the DevTools port")
            found = re.search(rb"DevTools listening on (ws://\S+)", line)
            if found:
                # Keep draining stderr, or chromium blocks once the pipe fills.
                asyncio.get_running_loop().create_task(self._drain())
                return found.group(1).decode()

    async def _drain(self) -> None:
        while await self.process.stderr.readline():
            pass

    async def _read(self) -> None:
        async for message in self.ws:
            data = json.loads(message.data)
            if "id" in data:
                future = self._waiting.pop(data["id"], None)
                if future is not None and not future.done():
                    future.set_result(data)
            else:
                self.events.append((data["method"], data.get("params", {})))

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._waiting[number] = future
        await self.ws.send_str(json.dumps({"id": number, "method": method, "params": params}))
        answer = await asyncio.wait_for(future, DEADLINE)
        assert "error" not in answer, (method, answer["error"])
        return answer.get("result", {})

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    async def wait_for(self, expression: str, *, deadline: float = DEADLINE, every: float = 0.1) -> Any:
        """Evaluate `expression` until it is truthy; its last value when the deadline passes (falsy)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + deadline
        while True:
            value = await self.evaluate(expression)
            if value or loop.time() >= end:
                return value
            await asyncio.sleep(every)  # the poll's interval; the deadline bounds the wait

    async def open(self, url: str) -> None:
        """Navigate and wait for the load event."""
        loaded = len([e for e in self.events if e[0] == "Page.loadEventFired"])
        await self.send("Page.navigate", url=url)
        loop = asyncio.get_running_loop()
        end = loop.time() + DEADLINE
        while len([e for e in self.events if e[0] == "Page.loadEventFired"]) <= loaded:
            assert loop.time() < end, f"{url} did not load"
            await asyncio.sleep(0.05)

    def script_errors(self) -> list[str]:
        return [p["exceptionDetails"].get("exception", {}).get("description") or p["exceptionDetails"]["text"]
                for method, p in self.events if method == "Runtime.exceptionThrown"]

    def requested(self) -> list[str]:
        return [p["request"]["url"] for method, p in self.events if method == "Network.requestWillBeSent"]
