"""Another lead's commit reaches an open TUI at once through the kernel's file notifications
(store/watch.py); without them the stat poll still brings it, only later."""

from __future__ import annotations

import asyncio
import os
import pwd
import subprocess
import sys
from datetime import date

import pytest

from conftest import make_app, settle
from cxtui.store import watch


async def _until(pilot, condition, seconds: float = 10.0) -> bool:
    """Wait for `condition`, up to `seconds`: on a condition, with a deadline, not a fixed sleep."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return True
        await pilot.pause(0.02)
    return condition()


def _has(app, value: float) -> bool:
    """The board holds the reading of `value` recorded below (a value no sample reading has)."""
    return app.board is not None and any(r.value == value and r.metric == "nps" and r.department == "customer-service"
                                         for r in app.board.snapshot.readings)


async def test_a_commit_elsewhere_shows_without_waiting_for_the_poll(store_path, store):
    app = make_app(store_path, poll_interval=3600)  # the poll would not look again during the test
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert app._watcher.watching
        store.record("nps", 77.125, department="customer-service", date=date(2026, 11, 16))
        assert await _until(pilot, lambda: _has(app, 77.125))


async def test_a_reading_recorded_by_another_process_shows_without_the_poll(store_path, store):
    # Another lead's `cxtui record`, a process of its own, as in a shared store.
    if os.getuid() == 0:
        env = {"CXTUI_USER": "omar"}
    else:  # only root may act as a made-up lead: the real user, made an admin, records
        store.update(store.settings().model_copy(update={"admins": [*store.settings().admins,
                                                                    pwd.getpwuid(os.getuid()).pw_name]}))
        env = {}
    app = make_app(store_path, poll_interval=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert app._watcher.watching
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "cxtui.cli", "record", "nps", "77.375", "--dept", "customer-service",
                             "--date", "2026-11-16", "--db", str(store_path)],
            env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        assert await _until(pilot, lambda: _has(app, 77.375))


async def test_without_notifications_the_poll_still_brings_the_change(store_path, store, monkeypatch):
    monkeypatch.setattr(watch.Watcher, "start", lambda self: False)
    app = make_app(store_path, poll_interval=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert not app._watcher.watching
        store.record("nps", 78.125, department="customer-service", date=date(2026, 11, 16))
        assert await _until(pilot, lambda: _has(app, 78.125))


def test_the_watcher_calls_back_on_a_commit_and_stops(tmp_path):
    import threading

    from store_helpers import seeded_store

    store = seeded_store(tmp_path)
    seen = threading.Event()
    watcher = watch.Watcher(store.path, seen.set)
    assert watcher.start()
    try:
        # A watch is set up a moment after start: commit until it is seen, within a deadline.
        for n in range(100):
            store.record("nps", n % 50, department="sales", date=date(2026, 3, 2))
            if seen.wait(0.1):
                break
        assert seen.is_set()
    finally:
        watcher.stop()
    assert not watcher._thread.is_alive()


def test_a_store_without_its_data_folder_is_left_to_the_poll(tmp_path):
    assert watch.Watcher(tmp_path / "store.json", lambda: None).start() is False


@pytest.mark.parametrize("missing", ["watchfiles"])
def test_without_watchfiles_the_poll_is_left(tmp_path, monkeypatch, missing):
    import builtins

    from store_helpers import seeded_store

    real_import = builtins.__import__

    def refuse(name, *args, **kwargs):
        if name == missing:
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    store = seeded_store(tmp_path)
    monkeypatch.setattr(builtins, "__import__", refuse)
    assert watch.Watcher(store.path, lambda: None).start() is False
