"""Who else has a store open right now: one heartbeat file per open session.

A session writes `store.json.d/presence/<user>-<pid>-<token>.json` (user, host, pid, started,
beat) atomically, 0660, every BEAT_INTERVAL seconds, and removes it when it ends. Readers ignore
and remove entries whose last beat is older than STALE_AFTER, or whose process is gone when it ran
on this host: a session killed with SIGKILL or cut off with its SSH link vanishes within seconds.

Presence is a courtesy, not part of the data: it takes no store lock, and a failure to write or
clean a heartbeat (a read-only member, a full disk) is ignored rather than reported.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from cxtui.store import fsio
from cxtui.store.layout import Layout

BEAT_INTERVAL = 5.0
STALE_AFTER = 20.0
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class Session:
    user: str
    host: str
    pid: int
    started: float
    beat: float


def presence_dir(store_path: Path) -> Path:
    return Layout(Path(store_path).absolute()).data_dir / "presence"


class Heartbeat:
    """This session's heartbeat file. Thread-safe: a worker beats while the UI thread may leave."""

    def __init__(self, store_path: Path, user: str, *, host: str | None = None, pid: int | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.store_path = Path(store_path).absolute()
        self.session = Session(user=user, host=host or socket.gethostname(), pid=pid or os.getpid(),
                               started=clock(), beat=clock())
        self.clock = clock
        name = f"{_UNSAFE.sub('_', user)[:64]}-{self.session.pid}-{secrets.token_hex(3)}.json"
        self.path = presence_dir(self.store_path) / name
        self._lock = threading.Lock()
        self._left = False

    def beat(self) -> None:
        """Write (or refresh) the heartbeat; a no-op after `leave` or while the store does not exist."""
        with self._lock:
            if self._left:
                return
            data_dir = self.path.parent.parent
            if not data_dir.is_dir():
                return  # creating it would make a missing store look damaged
            session = replace(self.session, beat=self.clock())
            try:
                fsio.ensure_dir(self.path.parent)
                _write_atomically(self.path, json.dumps(asdict(session)).encode())
            except OSError:
                pass

    def leave(self) -> None:
        with self._lock:
            self._left = True
            try:
                fsio.unlink_quietly(self.path)
            except OSError:
                pass


def _write_atomically(target: Path, data: bytes) -> None:
    # No fsync: a heartbeat lost in a power cut is just a stale one. 0660 explicitly, whatever the umask.
    tmp = fsio.temp_path_for(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, fsio.FILE_MODE)
    try:
        os.fchmod(fd, fsio.FILE_MODE)
        os.write(fd, data)
    finally:
        os.close(fd)
    try:
        os.replace(tmp, target)
    except BaseException:
        fsio.unlink_quietly(tmp)
        raise


def sessions(store_path: Path, *, exclude: Path | None = None, now: float | None = None,
             host: str | None = None) -> list[Session]:
    """The live sessions on the store (all but the heartbeat file `exclude`), oldest first.

    Dead and stale heartbeats, unreadable ones past STALE_AFTER and temp files heartbeats left
    behind are removed on the way.
    """
    directory = presence_dir(store_path)
    now = time.time() if now is None else now
    host = host or socket.gethostname()
    found = []
    try:
        entries = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return []
    for entry in entries:
        path = Path(entry.path)
        if exclude is not None and path == exclude:
            continue
        session = _read(path)
        if session is None:
            if _mtime(path) < now - STALE_AFTER:
                _remove(path)
            continue
        if now - session.beat > STALE_AFTER or (session.host == host and not _alive(session.pid)):
            _remove(path)
            continue
        found.append(session)
    found.sort(key=lambda s: (s.started, s.user, s.pid))
    return found


def others(store_path: Path, heartbeat: Heartbeat, *, now: float | None = None) -> list[str]:
    """Who else has the store open, by login name, each once ("kim", or "kim ×2" for two sessions).

    The user's own other sessions count too: "kim" in kim's own TUI means another kim session.
    """
    counts: dict[str, int] = {}
    for session in sessions(store_path, exclude=heartbeat.path, now=now, host=heartbeat.session.host):
        counts[session.user] = counts.get(session.user, 0) + 1
    return [user if n == 1 else f"{user} ×{n}" for user, n in counts.items()]


def _read(path: Path) -> Session | None:
    if path.name.startswith(".") or not path.name.endswith(".json"):
        return None
    try:
        raw = json.loads(path.read_bytes())
        session = Session(user=str(raw["user"]), host=str(raw["host"]), pid=int(raw["pid"]),
                          started=float(raw["started"]), beat=float(raw["beat"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return session if session.pid > 0 else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    except OverflowError:
        return False
    return True


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return float("inf")  # gone already, or not ours to judge


def _remove(path: Path) -> None:
    try:
        fsio.unlink_quietly(path)
    except OSError:
        pass
