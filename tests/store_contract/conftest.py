"""The backend-independent store tests run against every backend named here.

A backend is two functions: `create(directory, user)` makes a new, empty store acting as `user`, and
`session(store, user)` opens the same store as another user (another lead at another terminal). A
second backend (PostgreSQL, say) is added by implementing cxtui.store.interface.StoreAPI and one line
here; it must then pass every test in this folder. Tests of files, locks and hostile neighbours are
the files backend's own and stay outside this folder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from cxtui.store import Store
from cxtui.store.interface import StoreAPI


@dataclass(frozen=True)
class Backend:
    create: Callable[[Path, str], StoreAPI]
    session: Callable[[StoreAPI, str], StoreAPI]


BACKENDS = {
    "files": Backend(create=lambda directory, user: Store.init(directory / "store.json", user=user),
                     session=lambda store, user: Store(store.path, user=user)),
}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request) -> Backend:
    return BACKENDS[request.param]


@pytest.fixture
def any_store(backend: Backend, tmp_path: Path) -> StoreAPI:
    """A new store of the backend, acting as "tester" (its first user, so its admin)."""
    return backend.create(tmp_path, "tester")


@pytest.fixture
def open_as(backend: Backend, any_store: StoreAPI) -> Callable[[str], StoreAPI]:
    """open_as("kim"): another session on the same store, acting as kim (for tests moved here whose
    store fixture seeds `any_store`)."""
    return lambda user: backend.session(any_store, user)
