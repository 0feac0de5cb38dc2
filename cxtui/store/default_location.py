"""Where the store lives when the user does not say."""

from __future__ import annotations

import os
from pathlib import Path


def default_store_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """`--db`, else `$CXTUI_DB`, else `store.json` in the platform's user data directory."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("CXTUI_DB")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("cxtui", appauthor=False) / "store.json"
