"""Who else has a store open right now: one heartbeat file per open session.

A session writes `store.json.d/presence/<user>-<pid>-<token>.json` (user, host, pid, started,
beat) atomically, 0660, every BEAT_INTERVAL seconds, and removes it when it ends. Readers ignore
and remove entries whose last beat is older than STALE_AFTER, or whose process is gone when it ran
on this host: a session killed with SIGKILL or cut off with its SSH link vanishes within seconds.

Presence is a courtesy, not part of the data: it takes no store lock, and a failure to write or
clean a heartbeat (a read-only member, a full disk) is ignored rather than reported.
"""

from __future__ import annotations

import math
import os
import re
import secrets
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import orjson
from pydantic import TypeAdapter, ValidationError

from cxtui.models import Login
from cxtui.store import fsio
from cxtui.store.files import Layout

BEAT_INTERVAL = 5.0
STALE_AFTER = 20.0
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_LOGIN = TypeAdapter(Login)
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


@dataclass(frozen=True)
class Session:
    user: str
    host: str
    pid: int
    started: float
    beat: float


def presence_dir(store_path: Path) -> Path:
    return Layout(Path(store_path).absolute()).data_dir / "presence"


@contextmanager
def _opened_dir(store_path: Path, *, create: bool = False) -> Iterator[int | None]:
    """An fd of the presence directory, reached without following a link at the data directory or
    at presence/ (any member can put one there): every name below is used relative to it, so no
    heartbeat is written, read or removed outside the store. None when there is none."""
    directory = presence_dir(store_path)
    try:
        data_fd = os.open(directory.parent, _DIR_FLAGS)
    except OSError:
        yield None
        return
    try:
        if create:
            try:
                os.mkdir(directory.name, fsio.DIR_MODE, dir_fd=data_fd)
                created = True
            except FileExistsError:
                created = False
        try:
            fd = os.open(directory.name, _DIR_FLAGS, dir_fd=data_fd)
        except OSError:
            yield None
            return
    finally:
        os.close(data_fd)
    try:
        if create and created:
            # Keep the setgid bit a shared parent passed down; add group access explicitly.
            os.fchmod(fd, (os.fstat(fd).st_mode & 0o7777) | fsio.DIR_MODE)
        yield fd
    finally:
        os.close(fd)


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
        """Write (or refresh) the heartbeat; a no-op after `leave` or while the store does not exist
        (creating it would make a missing store look damaged)."""
        with self._lock:
            if self._left:
                return
            session = replace(self.session, beat=self.clock())
            try:
                with _opened_dir(self.store_path, create=True) as fd:
                    if fd is not None:
                        _write_atomically(fd, self.path.name, orjson.dumps(asdict(session)))
            except OSError:
                pass

    def leave(self) -> None:
        with self._lock:
            self._left = True
            try:
                with _opened_dir(self.store_path) as fd:
                    if fd is not None:
                        _remove(fd, self.path.name)
            except OSError:
                pass


def _write_atomically(dir_fd: int, name: str, data: bytes) -> None:
    # No fsync: a heartbeat lost in a power cut is just a stale one. 0660 explicitly, whatever the umask.
    tmp = fsio.temp_path_for(Path(name)).name
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, fsio.FILE_MODE,
                 dir_fd=dir_fd)
    try:
        os.fchmod(fd, fsio.FILE_MODE)
        os.write(fd, data)
    finally:
        os.close(fd)
    try:
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        _remove(dir_fd, tmp)
        raise


def sessions(store_path: Path, *, exclude: Path | None = None, now: float | None = None,
             host: str | None = None) -> list[Session]:
    """The live sessions on the store (all but the heartbeat file `exclude`), oldest first.

    Dead and stale heartbeats, unreadable ones past STALE_AFTER and temp files heartbeats left
    behind are removed on the way. Anything but a small regular file is unreadable: a FIFO or a
    link to a device is skipped without blocking or reading it.
    """
    now = time.time() if now is None else now
    host = host or socket.gethostname()
    found = []
    with _opened_dir(store_path) as fd:
        if fd is None:
            return []
        try:
            names = os.listdir(fd)
        except OSError:
            return []
        for name in names:
            if exclude is not None and name == exclude.name and exclude.parent == presence_dir(store_path):
                continue
            session = _read(fd, name)
            if session is None:
                if _mtime(fd, name) < now - STALE_AFTER:
                    _remove(fd, name)
                continue
            if now - session.beat > STALE_AFTER or (session.host == host and not _alive(session.pid)):
                _remove(fd, name)
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


def _read(dir_fd: int, name: str) -> Session | None:
    """The heartbeat `name`, or None for anything that is not a plausible one."""
    if name.startswith(".") or not name.endswith(".json"):
        return None
    try:
        fd = os.open(name, _READ_FLAGS, dir_fd=dir_fd)
    except OSError:
        return None  # gone, or a link (O_NOFOLLOW)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > fsio.PRESENCE_LIMIT:
            return None
        raw = orjson.loads(os.read(fd, fsio.PRESENCE_LIMIT + 1))  # orjson caps nesting depth
        session = Session(user=raw["user"], host=raw["host"], pid=raw["pid"], started=float(raw["started"]),
                          beat=float(raw["beat"]))
    except (OSError, ValueError, KeyError, TypeError):  # orjson.JSONDecodeError is a ValueError
        return None
    finally:
        os.close(fd)
    return session if _plausible(session) else None


def _plausible(session: Session) -> bool:
    """A login name as the store takes one, a printable host name, a real pid and finite times: the
    user name reaches other members' screens."""
    if not (isinstance(session.user, str) and isinstance(session.host, str) and type(session.pid) is int):
        return False
    try:
        if _LOGIN.validate_python(session.user) != session.user:
            return False
    except ValidationError:
        return False
    return (0 < len(session.host) <= 255 and session.host.isprintable() and 0 < session.pid < 1 << 31
            and math.isfinite(session.started) and math.isfinite(session.beat))


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


def _mtime(dir_fd: int, name: str) -> float:
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mtime
    except OSError:
        return float("inf")  # gone already, or not ours to judge


def _remove(dir_fd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)  # removes a link itself, never what it points to
    except OSError:
        pass
