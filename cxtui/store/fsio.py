"""Durable file primitives: atomic replace, directory fsync, temp-file hygiene, guarded opens.

Every write goes to a temp file in the target's own directory (so `os.replace` is atomic), is
fsynced, gets its mode set explicitly (the writer's umask must not decide who can read the
store), and only then replaces the target; the directory is fsynced so the rename survives a
power cut.

Every member of a shared store's group can create and replace files in its directories, so no
file there is trusted: nothing is opened through a symbolic link, neither the file itself
(O_NOFOLLOW; new files O_EXCL) nor any directory on its path (every file operation acts relative to
a directory fd reached one step at a time without following links, so a directory a member swaps
for a link between a check and the operation is refused, not followed), every opened file is checked with fstat to be a regular file (not a FIFO or device, which could
block or never end) with one hard link (not another user's file linked in) and, in a group-shared
store, of the store's group; reads stop at a size limit per kind of file.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import secrets
import stat
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cxtui.store.errors import StoreError

FILE_MODE = 0o660
DIR_MODE = 0o770
TEMP_MARK = ".tmp-"
_TEMP_SUFFIX = re.compile(re.escape(TEMP_MARK) + r"\d+-[0-9a-f]{8}")

# Size limits, generous for the store's own files, small enough that a planted huge (or sparse)
# file cannot exhaust memory.
MAIN_LIMIT = 64 << 20  # the entity tables: a few thousand small records
CHUNK_LIMIT = 64 << 20  # a readings chunk: CHUNK_SIZE readings, each with a note of at most 2000 chars
SERIES_LIMIT = 64 << 20  # one metric's series index: a window of readings per department
JOURNAL_LIMIT = 1 << 30  # a commit's audit lines: a bulk import of many readings is one commit
AUDIT_LIMIT = 4 << 30  # the whole audit trail, which grows with history
AUDIT_LINE_LIMIT = 1 << 20  # one audit entry: a record before and after
PRESENCE_LIMIT = 4 << 10  # a heartbeat: a few short fields

_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class UnsafeFile(StoreError):
    """A store file that is not what the store writes: a link, a FIFO, a device, too large."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path} in the store was refused: {problem}; an admin should inspect it "
                         f"(cxtui doctor) and remove or restore it")
        self.path = path
        self.problem = problem


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a directory"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def store_gid(directory: Path) -> int | None:
    """The group every file in `directory` must have: its own when it is setgid (a shared store)."""
    st = os.stat(directory)
    return st.st_gid if st.st_mode & stat.S_ISGID else None


def check_file(path: Path, st: os.stat_result, *, links: bool = True, gid: int | None = None) -> None:
    """Refuse a file that the store did not write as it writes files."""
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFile(path, f"it is {_kind(st.st_mode)}")
    if links and st.st_nlink != 1:
        raise UnsafeFile(path, f"it has {st.st_nlink} hard links (another file linked into the store)")
    if gid is not None and st.st_gid != gid:
        raise UnsafeFile(path, f"its group ({st.st_gid}) is not the store's group ({gid})")


def check_dir(path: Path, gid: int | None = None) -> None:
    """Refuse a store directory that is a link, writable by everyone or (shared) of another group."""
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafeFile(path, f"it is {_kind(st.st_mode)}, not a directory")
    if st.st_mode & stat.S_IWOTH:
        raise UnsafeFile(path, "the directory is writable by everyone")
    if gid is not None and st.st_gid != gid:
        raise UnsafeFile(path, f"the directory's group ({st.st_gid}) is not the store's group ({gid})")


_DIR_STEP_FLAGS = os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def open_dir(directory: Path) -> int:
    """An O_PATH fd of the absolute `directory`, reached one component at a time from `/` without
    following a symbolic link at any step.

    A store's paths are resolved once, when it is opened (Store.__init__), so a link met here was
    put there since: refused as UnsafeFile. A missing component raises FileNotFoundError."""
    if not directory.is_absolute():
        raise ValueError(f"not an absolute path: {directory}")
    fd = os.open("/", _DIR_STEP_FLAGS)
    reached = Path("/")
    try:
        for part in directory.parts[1:]:
            reached = reached / part
            try:
                step = os.open(part, _DIR_STEP_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise UnsafeFile(reached, f"it is {_kind(os.stat(part, dir_fd=fd, follow_symlinks=False).st_mode)}, "
                                     f"not a directory") from None
                raise
            os.close(fd)
            fd = step
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextmanager
def parent_fd(path: Path) -> Iterator[int]:
    """open_dir of `path`'s directory, closed on leaving."""
    fd = open_dir(path.parent)
    try:
        yield fd
    finally:
        os.close(fd)


def lstat(path: Path) -> os.stat_result:
    """The stat of `path` itself (not what a link there points to), reached as open_dir does."""
    with parent_fd(path) as fd:
        return os.stat(path.name, dir_fd=fd, follow_symlinks=False)


def _open_checked(path: Path, flags: int, check: Callable[[os.stat_result], None],
                  dir_fd: int | None = None) -> tuple[int, os.stat_result]:
    """os.open with `flags` (which hold O_NOFOLLOW) relative to `dir_fd` (an open_dir of the
    parent; opened here when not given), then `check` on the fstat of what was opened; the fd is
    closed again when the check refuses it. A link is refused as UnsafeFile."""
    with contextlib.nullcontext(dir_fd) if dir_fd is not None else parent_fd(path) as parent:
        try:
            fd = os.open(path.name, flags, FILE_MODE, dir_fd=parent)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise UnsafeFile(path, "it is a symbolic link") from None
            raise
    try:
        st = os.fstat(fd)
        check(st)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def _open_read(path: Path, *, links: bool, dir_fd: int | None = None) -> tuple[int, os.stat_result] | None:
    try:
        return _open_checked(path, _READ_FLAGS, lambda st: check_file(path, st, links=links), dir_fd)
    except FileNotFoundError:
        return None


def open_read(path: Path) -> tuple[int, os.stat_result] | None:
    """An fd for reading the regular file `path` (checked as read_limited checks it) and its stat,
    or None when it does not exist: for files read piece by piece (the audit trail). The caller
    closes the fd."""
    return _open_read(path, links=True)


def read_limited(path: Path, limit: int, *, links: bool = True,
                 dir_fd: int | None = None) -> tuple[bytes, os.stat_result] | None:
    """The bytes of the regular file `path` and its stat, or None when it does not exist.
    `dir_fd`: parent_fd of `path`, when the caller reads many files of one directory (else each
    read walks the path from `/` again: a tenth of a second per two thousand files).

    Raises UnsafeFile for a link, a FIFO or device (found without blocking), a file with several
    links (unless `links` is False), or one larger than `limit` bytes."""
    opened = _open_read(path, links=links, dir_fd=dir_fd)
    if opened is None:
        return None
    fd, st = opened
    try:
        if st.st_size > limit:
            raise UnsafeFile(path, f"it is larger than {limit} bytes")
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, max(st.st_size, 1 << 16)))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            raise UnsafeFile(path, f"it is larger than {limit} bytes")
    finally:
        os.close(fd)
    return b"".join(chunks), st


def is_temp_for(name: str, target_name: str) -> bool:
    """Whether `name` is a temp file name temp_path_for gives `target_name`."""
    prefix = f".{target_name}"
    return name.startswith(prefix) and _TEMP_SUFFIX.fullmatch(name, len(prefix)) is not None


def temp_path_for(target: Path) -> Path:
    return target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")


def write_new(path: Path, data: bytes) -> None:
    """Create `path` (must not exist), write `data`, fsync, with mode FILE_MODE."""
    with parent_fd(path) as dir_fd:
        _write_new_at(dir_fd, path.name, data)


def _write_new_at(dir_fd: int, name: str, data: bytes | Iterable[bytes]) -> None:
    # O_EXCL refuses any existing name, a planted (even dangling) symbolic link included.
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE,
                 dir_fd=dir_fd)
    try:
        os.fchmod(fd, FILE_MODE)
        _write_all(fd, data)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _unlink_at(dir_fd, name)
        raise
    os.close(fd)


def _write_all(fd: int, data: bytes | Iterable[bytes]) -> None:
    """Write bytes, or an iterable of byte chunks (a large file written without holding it whole)."""
    for chunk in (data,) if isinstance(data, bytes) else data:
        view = memoryview(chunk)
        while view:
            written = os.write(fd, view)
            view = view[written:]


def _fsync_at(dir_fd: int) -> None:
    fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=dir_fd)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(directory: Path) -> None:
    fd = open_dir(directory)
    try:
        _fsync_at(fd)
    finally:
        os.close(fd)


def atomic_write(target: Path, data: bytes | Iterable[bytes]) -> None:
    """Replace `target` with `data` so that a reader sees wholly the old or wholly the new file."""
    tmp = temp_path_for(target).name
    with parent_fd(target) as dir_fd:
        _write_new_at(dir_fd, tmp, data)
        try:
            os.replace(tmp, target.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            _unlink_at(dir_fd, tmp)
            raise
        _fsync_at(dir_fd)


def replace(source: Path, target: Path) -> None:
    """Rename `source` over `target` (a link at either is moved or replaced itself, never what it
    points to), both reached as open_dir does."""
    with parent_fd(source) as src_fd, parent_fd(target) as dst_fd:
        os.replace(source.name, target.name, src_dir_fd=src_fd, dst_dir_fd=dst_fd)


def link(source: Path, target: Path) -> None:
    """Hard-link `target` to the file `source` names (a link there is linked itself, not followed)."""
    with parent_fd(source) as src_fd, parent_fd(target) as dst_fd:
        os.link(source.name, target.name, src_dir_fd=src_fd, dst_dir_fd=dst_fd, follow_symlinks=False)


def unlink(path: Path) -> None:
    """Remove `path` (a link itself, never what it points to), reached as open_dir does."""
    with parent_fd(path) as dir_fd:
        os.unlink(path.name, dir_fd=dir_fd)


def _open_listable(directory: Path) -> int:
    """An fd of `directory` that can be listed, reached as open_dir does, itself not a link."""
    with parent_fd(directory) as dir_fd:
        try:
            return os.open(directory.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC,
                           dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise UnsafeFile(directory, "it is not a directory") from None
            raise


def listdir(directory: Path) -> list[str]:
    """The names in `directory`, reached as open_dir does; the directory itself may not be a link."""
    fd = _open_listable(directory)
    try:
        return os.listdir(fd)
    finally:
        os.close(fd)


def append_durably(path: Path, data: bytes | Iterable[bytes], *, truncate_to: int | None = None) -> None:
    """Append `data` to `path` (created with FILE_MODE), first cutting it back to `truncate_to`.

    Refuses (UnsafeFile) a link or anything but a regular file of the store's group with one link."""
    fd = open_for_writing(path)
    try:
        if os.fstat(fd).st_size == 0:
            os.fchmod(fd, FILE_MODE)
        if truncate_to is not None:
            os.ftruncate(fd, truncate_to)
        os.lseek(fd, 0, os.SEEK_END)
        _write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def open_for_writing(path: Path) -> int:
    """Open (creating with FILE_MODE) the existing store file `path` for writing, never through a
    link; fstat-checked as check_file does, with the group of its directory when that is setgid."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    return _open_checked(path, flags, lambda st: check_file(path, st, gid=store_gid(path.parent)))[0]


def open_lock(path: Path) -> int:
    """Open (creating) the lock file for flock, never through a link; fstat-checked as a store file.

    Raises PermissionError while another member's freshly created lock file still has their umask's
    mode: its creator sets it to FILE_MODE here, a moment after creating it."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    fd, st = _open_checked(path, flags, lambda st: check_file(path, st, gid=store_gid(path.parent)))
    if st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) != FILE_MODE:
        try:
            os.fchmod(fd, FILE_MODE)
        except BaseException:
            os.close(fd)
            raise
    return fd


def open_lock_for_reading(path: Path) -> int | None:
    """The lock file opened read-only (for a shared flock), for a reader who may not write to the
    store; None when there is none (nobody has written since the store became unwritable for them)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        return _open_checked(path, flags, lambda st: check_file(path, st, gid=store_gid(path.parent)))[0]
    except FileNotFoundError:
        return None


def flock(fd: int, timeout: float, *, shared: bool = False) -> bool:
    """Take an exclusive (or shared) flock on `fd`, waiting at most `timeout` seconds; False if
    that ran out."""
    deadline = time.monotonic() + timeout
    delay = 0.001
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.05)


def ensure_dir(directory: Path) -> None:
    """Create `directory` if missing; refuse one that is a link or writable by everyone."""
    try:
        check_dir(directory)
        return
    except FileNotFoundError:
        pass
    if not directory.parent.is_dir():
        directory.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    with parent_fd(directory) as dir_fd:
        try:
            os.mkdir(directory.name, DIR_MODE, dir_fd=dir_fd)
        except FileExistsError:
            check_dir(directory)  # another writer made it meanwhile, or something was planted
            return
        # Through an fd opened without following links: the name may have been swapped meanwhile.
        fd = os.open(directory.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
        try:
            # Keep the setgid bit a shared parent may have passed down; add group access explicitly.
            os.fchmod(fd, (os.fstat(fd).st_mode & 0o7777) | DIR_MODE)
        finally:
            os.close(fd)
        _fsync_at(dir_fd)  # the new folder's name must survive a crash with its files


def remove_temp_files(directories: Iterable[Path], keep: Collection[Path] = ()) -> list[Path]:
    """Delete temp files left by writers that died, except `keep` (the caller's own). Call only
    while holding the store lock.

    A directory that is (or is reached through) a link is skipped: a member may have put it there
    to have temp-named files removed elsewhere."""
    removed = []
    for directory in directories:
        try:
            dir_fd = _open_listable(directory)
        except (FileNotFoundError, UnsafeFile):
            continue
        try:
            for name in os.listdir(dir_fd):
                if name.startswith(".") and TEMP_MARK in name and directory / name not in keep:
                    try:
                        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
                    except FileNotFoundError:
                        continue
                    if stat.S_ISREG(st.st_mode):
                        _unlink_at(dir_fd, name)
                        removed.append(directory / name)
        finally:
            os.close(dir_fd)
    return removed


def stat_key(path: Path) -> tuple[int, int, int] | None:
    """(inode, mtime_ns, size): changes whenever the file is replaced or appended to (or a link
    is put in its place: the link's own stat)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def unlink_quietly(path: Path) -> None:
    try:
        unlink(path)
    except FileNotFoundError:
        pass


def _unlink_at(dir_fd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except FileNotFoundError:
        pass
