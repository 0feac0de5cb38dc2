"""Two halves of a long job at once: one of them in a forked copy of this process.

A whole-history export of a million readings is CPU work in Python (parsing, checking, turning
values into text) that one core does in about four seconds; a second core does half of it at the
same time (in_order). `cxtui doctor` likewise scans the audit trail in a copy while it scans the
readings (together), and `cxtui import` checks a large file in a copy while this process adds the
rows it has passed (Piped).

A forked copy shares what this process holds, the store's lock among it: its files are read under
this process's lock, so both see one state of the store. The copy hands back what it makes through
an unnamed temp file or a pipe, which no other process can open, and leaves by os._exit, so it runs
no exit handler and flushes or releases nothing of this process's.

Forking is only done where it is safe and pays: a process with one thread (forking one that has
more can copy a lock another thread holds), at least two CPUs to run on, and work large enough. If
the copy fails in any way, this process does its part itself, and so raises the error that part
meets, in its own words.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import struct
import tempfile
import threading
from collections.abc import Callable, Iterator
from typing import BinaryIO, TypeVar

import orjson

Item = tuple[int, bytes]  # (rows, their text)
Job = Callable[[], Iterator[Item]]

T = TypeVar("T")

# A length: of the JSON list of item sizes that ends a _Helper's temp file, of a Piped job's result.
_TRAILER = struct.Struct("<Q")
_PIPE_BYTES = 1 << 20  # Linux's default bound for an unprivileged pipe (/proc/sys/fs/pipe-max-size)
_WRITE_BYTES = 1 << 16  # the copy's lines go out in pieces this size: a full pipe is never a long wait


def can_fork() -> bool:
    """Whether a forked helper is safe here and has a CPU of its own to run on."""
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return cpus >= 2


def in_order(first: Job, second: Job, *, fork: bool) -> Iterator[Item]:
    """The items of first(), then those of second(). With `fork` (see can_fork), second() runs in a
    forked copy of this process while this one runs first()."""
    helper = None
    if fork:
        try:
            helper = _Helper(second)
        except OSError:  # no process or temp file to be had now: this process does both halves
            helper = None
    if helper is None:
        yield from first()
        yield from second()
        return
    try:
        yield from first()
        items = helper.result()
        yield from (items if items is not None else second())
    finally:
        helper.close()


def together(here: Callable[[], T], there: Callable[[], bytes], *, fork: bool) -> tuple[T, bytes]:
    """here() and there(). With `fork` (see can_fork), there() runs in a forked copy of this process
    while this one runs here(); its bytes come back through the copy's temp file."""
    helper = None
    if fork:
        try:
            helper = _Helper(lambda: iter([(0, there())]))
        except OSError:
            helper = None
    if helper is None:
        return here(), there()
    try:
        mine = here()
        items = helper.result()
        return mine, (b"".join(data for _, data in items) if items is not None else there())
    finally:
        helper.close()


class _Helper:
    """second() in a forked copy, its items kept in an unnamed temp file until they are wanted."""

    def __init__(self, job: Job) -> None:
        self.file = tempfile.TemporaryFile()
        try:
            self.pid: int | None = os.fork()
        except OSError:
            self.file.close()
            raise
        if self.pid == 0:
            os._exit(self._run(job))

    def _run(self, job: Job) -> int:
        try:
            sizes = []
            for rows, data in job():
                self.file.write(data)
                sizes.append((rows, len(data)))
            trailer = orjson.dumps(sizes)
            self.file.write(trailer + _TRAILER.pack(len(trailer)))
            self.file.flush()
            return 0
        except BaseException:  # noqa: BLE001 - the parent does this half again and reports
            return 1

    def result(self) -> Iterator[Item] | None:
        """The helper's items once it has finished, or None when it failed."""
        assert self.pid is not None
        ended_well, self.pid = _ended_well(self.pid), None
        if not ended_well:
            return None
        try:
            end = self.file.seek(0, os.SEEK_END)
            self.file.seek(end - _TRAILER.size)
            length = _TRAILER.unpack(self.file.read(_TRAILER.size))[0]
            self.file.seek(end - _TRAILER.size - length)
            sizes = orjson.loads(self.file.read(length))
            self.file.seek(0)
        except (OSError, ValueError, struct.error):
            return None
        return self._items(sizes)

    def _items(self, sizes: list[list[int]]) -> Iterator[Item]:
        for rows, length in sizes:
            yield rows, self.file.read(length)

    def close(self) -> None:
        if self.pid is not None:  # stopped early (an error, a reader gone): the helper is not wanted
            _stop(self.pid)
            self.pid = None
        self.file.close()


class Piped:
    """job(out) in a forked copy of this process, started at once; the lines it writes to `out`
    come to this one through a pipe as they are written (lines()), and then what job returns
    (result()). Each line job writes ends with a newline and does not start with a NUL byte."""

    _END = b"\0"  # starts what follows the last line: the result's length, then the result

    def __init__(self, job: Callable[[BinaryIO], bytes]) -> None:
        read, write = os.pipe()
        with contextlib.suppress(AttributeError, OSError):
            # Room for a second or so of lines, so that the copy, ahead, writes while this process
            # works instead of waiting for it to read (the default 64 KB is a few hundred rows).
            fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        try:
            self.pid: int | None = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            raise
        if self.pid == 0:
            os.close(read)
            os._exit(self._run(job, write))
        os.close(write)
        self.stream: BinaryIO = os.fdopen(read, "rb", buffering=1 << 20)
        self._result: bytes | None = None

    @classmethod
    def _run(cls, job: Callable[[BinaryIO], bytes], fd: int) -> int:
        try:
            with os.fdopen(fd, "wb", buffering=_WRITE_BYTES) as out:
                result = job(out)
                out.write(cls._END + _TRAILER.pack(len(result)) + result)
            return 0
        except BaseException:  # noqa: BLE001 - this process sees no result and says so
            return 1

    def lines(self) -> Iterator[bytes]:
        """The job's lines, as they come; then result() tells how it ended."""
        for line in self.stream:
            if line.startswith(self._END):
                rest = line[1:] + self.stream.read()
                if len(rest) >= _TRAILER.size and _TRAILER.unpack_from(rest)[0] == len(rest) - _TRAILER.size:
                    self._result = rest[_TRAILER.size:]
                return
            yield line

    def result(self) -> bytes | None:
        """What job returned, once lines() is done; None when the copy failed (it raised, was
        killed, or its end did not come whole)."""
        if self.pid is not None:
            for _ in self.lines():  # a caller that stopped early: the rest is not wanted
                pass
            if not _ended_well(self.pid):
                self._result = None
            self.pid = None
        return self._result

    def close(self) -> None:
        if self.pid is not None:
            _stop(self.pid)
            self.pid = None
        self.stream.close()


def _ended_well(pid: int) -> bool:
    """Wait for a copy to end; whether it exited 0 (its work done and handed back)."""
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _stop(pid: int) -> None:
    """End a copy whose work is no longer wanted, and reap it."""
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
