"""The store's public interface (store/interface.py) is what `Store` offers: every member, with
parameters of the same names, kinds and defaults, so a second backend can be written against it."""

from __future__ import annotations

import inspect

import pytest

from cxtui.store import Store
from cxtui.store.interface import StoreAPI

MEMBERS = sorted(name for name, value in vars(StoreAPI).items() if not name.startswith("_") and callable(value))


@pytest.mark.parametrize("name", MEMBERS)
def test_store_offers_each_member_with_the_same_parameters(name):
    wanted = inspect.signature(getattr(StoreAPI, name))
    offered = inspect.signature(getattr(Store, name))
    assert [(p.name, p.kind, p.default) for p in offered.parameters.values()] == [
        (p.name, p.kind, p.default) for p in wanted.parameters.values()], name


def test_a_store_is_a_store_api(store):
    assert isinstance(store, StoreAPI)
    assert {"path", "user"} <= set(StoreAPI.__annotations__)


def test_every_public_method_of_store_is_in_the_interface_or_the_files_backends_own():
    files_backend_own = {"init"}  # creating a store on disk, with its group
    public = {name for name, value in vars(Store).items() if not name.startswith("_") and callable(value)}
    assert public - files_backend_own == set(MEMBERS)
