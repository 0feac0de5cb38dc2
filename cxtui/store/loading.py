"""The store's files, parsed and checked before anything trusts them, and kept while they are
unchanged on disk (keyed by inode, mtime and size, which every atomic replace changes)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxtui.store import fsio, series
from cxtui.store.documents import META, READINGS, SERIES, is_sound, parse, printable_text
from cxtui.store.errors import (
    StoreCorrupt,
)
from cxtui.store.files import (
    BACKUPS_KEPT,
    Layout,
)


@dataclass
class Cached:
    key: tuple[int, int, int]
    data: dict[str, Any]
    models: dict[str, list[Any]] | None = None
    whole: bool = True  # reading documents whole, not in their file form (documents.parse)
    # Every text in the file is printable ASCII (documents.printable_text); told only for a file
    # read in its file form (whole False), which only the whole-history scans ask for.
    printable: bool = False


class Loader:
    """Loads the store's files by path: each parsed and checked once, and again only once it changed."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._cache: dict[Path, Cached] = {}

    def clear(self) -> None:
        """Forget every parsed file: after a failed commit, what was cached no longer matches the disk."""
        self._cache.clear()

    def kept(self) -> list[Path]:
        """The files kept parsed now: a whole-history read (an export) must not leave its files here."""
        return list(self._cache)

    def fresh(self, path: Path) -> Cached | None:
        """The parsed file if it is cached and unchanged on disk, without reading it otherwise."""
        cached = self._cache.get(path)
        return cached if cached is not None and cached.key == fsio.stat_key(path) else None

    def remember(self, path: Path, data: dict[str, Any]) -> None:
        """A file this process has just written: its data is what the next read would parse."""
        self._cache[path] = Cached(key=fsio.stat_key(path), data=data)  # type: ignore[arg-type]

    def load(self, path: Path, *, keep: bool = True, whole: bool = True, dir_fd: int | None = None) -> Cached | None:
        """The parsed file, or None when it does not exist. Kept unless `keep` is False; a file
        read without being kept may come with its reading documents in their file form when
        `whole` is False (then Cached.whole says which). `dir_fd`: see fsio.read_limited."""
        key = fsio.stat_key(path)
        if key is None:
            self._cache.pop(path, None)
            return None
        cached = self._cache.get(path)
        if cached is not None and cached.key == key:
            return cached
        try:
            found = fsio.read_limited(path, self._size_limit(path), dir_fd=dir_fd)
            if found is None:
                self._cache.pop(path, None)
                return None
            raw, st = found
            whole = whole or keep
            data = parse(path, raw, required=self._required_tables(path), whole=whole)
            problem = series.shape_problem(data[SERIES]) if path.parent == self.layout.series_dir else None
            if problem:
                raise StoreCorrupt(path, problem, None)
        except fsio.UnsafeFile as exc:
            raise self.corrupt(path, exc.problem) from None
        except StoreCorrupt as exc:
            raise self.corrupt(path, exc.problem) from None
        # The key of what was read, not of what the path showed a moment before.
        cached = Cached(key=(st.st_ino, st.st_mtime_ns, st.st_size), data=data, whole=whole,
                        printable=not whole and printable_text(raw))
        if keep:
            self._cache[path] = cached
        return cached

    def load_series(self, metric: str) -> Cached | None:
        return self.load(self.layout.series(metric))

    def _size_limit(self, path: Path) -> int:
        if path == self.layout.main:
            return fsio.MAIN_LIMIT
        if path.parent == self.layout.series_dir:
            return fsio.SERIES_LIMIT
        return fsio.CHUNK_LIMIT

    def _required_tables(self, path: Path) -> tuple[str, ...]:
        """The table a data file cannot be without: how a truncated-but-parseable file shows."""
        if path == self.layout.main:
            return (META,)
        if path.parent == self.layout.series_dir:
            return (SERIES,)
        return (READINGS,)

    def good_backup(self, path: Path) -> Path | None:
        required = self._required_tables(path)
        for n in range(1, BACKUPS_KEPT + 1):
            candidate = self.layout.backup(path, n)
            if is_sound(candidate, required, self._size_limit(path)):
                return candidate
        return None

    def corrupt(self, path: Path, problem: str) -> StoreCorrupt:
        return StoreCorrupt(path, problem, self.good_backup(path))
