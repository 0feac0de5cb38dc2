"""Telling an open session at once that another process has committed to the store.

Every commit appends to the audit trail (and a half-done one leaves its journal), both in the
store's data folder: the kernel's file notifications on that folder (inotify, through watchfiles)
wake the session within milliseconds of a commit. The session's stat poll keeps running beside it,
so a store where notifications are not to be had (no watchfiles, the inotify limits reached, a
network file system that sends none) is still refreshed, only later. A notification only prompts
the session to compare its change token; it never carries data, so a member who touches these files
without committing costs three stats and nothing else.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from cxtui.store.files import Layout

# How long watchfiles gathers a burst of events into one call, in ms: a commit's writes come
# together, and a refresh well inside the 2 s promise.
DEBOUNCE_MS = 50


class Watcher:
    """Calls `on_change` from its own thread soon after any commit to the store at `path`."""

    def __init__(self, path: Path, on_change: Callable[[], None]) -> None:
        self.layout = Layout(path)
        self.on_change = on_change
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.watching = False  # notifications are arriving; False means the poll alone refreshes

    def start(self) -> bool:
        """Start watching; False when notifications cannot be had here (the poll carries on)."""
        try:
            import watchfiles  # noqa: F401  (deferred: only an open TUI watches)
        except ImportError:
            return False
        if not self.layout.data_dir.is_dir():
            return False
        self.watching = True
        self._thread = threading.Thread(target=self._run, name="cxtui-watch", daemon=True)
        self._thread.start()
        return True

    def _run(self) -> None:
        import watchfiles

        names = {self.layout.audit.name, self.layout.journal.name}
        try:
            for _changes in watchfiles.watch(
                self.layout.data_dir, watch_filter=lambda _change, path: Path(path).name in names,
                debounce=DEBOUNCE_MS, step=10, stop_event=self._stop, recursive=False, raise_interrupt=False,
                rust_timeout=1000,
            ):
                self.on_change()
        except Exception:  # inotify limits, a file system without notifications: the poll refreshes
            pass
        finally:
            self.watching = False

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
