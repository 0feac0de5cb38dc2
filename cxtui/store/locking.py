"""The store's lock: an flock on the sidecar lock file, held for every read and write.

Nested holds in one thread share the outer hold. A reader who may not write (a read-only file
system, no write permission on the lock file) holds a shared lock instead, which keeps writers out
as the exclusive one does.
"""

from __future__ import annotations

import errno
import os
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from cxtui.store import fsio
from cxtui.store.errors import StoreIOError, StoreLocked, StoreMissing
from cxtui.store.files import Layout

# A lock file another member has just created keeps their umask's mode until, a moment later, its
# creator sets it to 0660: a refusal to open it is retried this long before it counts as an error.
LOCK_PERMISSION_GRACE = 1.0


class StoreLock:
    def __init__(self, layout: Layout, timeout: float) -> None:
        self.layout = layout
        self.timeout = timeout
        self._thread_lock = threading.RLock()
        self._depth = 0  # nesting of hold() in the thread holding _thread_lock
        self.read_only = False  # whether the lock held is the shared one of a reader who may not write

    @contextmanager
    def hold(self, *, write: bool = True) -> Iterator[bool]:
        """Hold the store's lock; yields whether this process may write under it.

        With write=False (reading commands), a store this user cannot write (a read-only file
        system, a directory or lock file without write permission) is still read: under a shared
        flock on the lock file opened read-only, which keeps writers out as the exclusive one does,
        or, when there is no lock file to open, without one (nobody can have written since)."""
        if not self.layout.main.parent.is_dir():
            raise StoreMissing(self.layout.main)
        with self._thread_lock:
            if self._depth:
                if write and self.read_only:
                    raise StoreIOError(self.layout.lock, PermissionError(errno.EACCES, "the store is read-only here"))
                self._depth += 1
                try:
                    yield not self.read_only
                finally:
                    self._depth -= 1
                return
            self._check_directories()
            fd, shared = self._open_lock(write)
            try:
                if fd is not None and not fsio.flock(fd, self.timeout, shared=shared):
                    raise StoreLocked(self.layout.main, self.timeout)
                self._depth, self.read_only = 1, shared
                try:
                    yield not shared
                finally:
                    self._depth, self.read_only = 0, False
            finally:
                if fd is not None:
                    os.close(fd)  # releases the flock

    def _open_lock(self, write: bool) -> tuple[int | None, bool]:
        """(fd of the lock file or None, whether only a shared lock can be had on it)."""
        refused_until = time.monotonic() + LOCK_PERMISSION_GRACE
        while True:
            try:
                return fsio.open_lock(self.layout.lock), False
            except OSError as exc:
                refused = isinstance(exc, PermissionError) or exc.errno == errno.EROFS
                if not write and refused:
                    try:
                        return fsio.open_lock_for_reading(self.layout.lock), True
                    except PermissionError:
                        pass  # not even readable: maybe a member's new lock file, still with their umask
                    except OSError as again:
                        raise StoreIOError(self.layout.lock, again) from None
                if not isinstance(exc, PermissionError) or time.monotonic() >= refused_until:
                    raise StoreIOError(self.layout.lock, exc) from None
                time.sleep(0.01)

    def _check_directories(self) -> None:
        """Refuse a store whose directories anyone may write to, or whose member-writable
        directories are links (every member can replace them) or not of the store's group."""
        layout = self.layout
        directory = layout.main.parent
        st = os.stat(directory)  # the store's own directory may be reached through a link its owner made
        if st.st_mode & stat.S_IWOTH:
            raise fsio.UnsafeFile(directory, "the store's directory is writable by everyone")
        gid = st.st_gid if st.st_mode & stat.S_ISGID else None
        for sub in layout.directories[1:]:
            try:
                fsio.check_dir(sub, gid)
            except FileNotFoundError:
                pass

