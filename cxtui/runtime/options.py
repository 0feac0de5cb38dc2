"""The options of one run, read once: the command line's flags first, then the environment, then
the defaults. The CLI builds one `Options` and hands it to the store and to the app; no other module
reads cxtui's settings from the environment.

    CXTUI_DB            the store file (`--db` wins)
    CXTUI_USER          act as this login: only root may name another (see store/identity.py)
    CXTUI_LOCK_TIMEOUT  seconds to wait for the store's lock before giving up (tests shorten it)
    CXTUI_DEBUG         show the traceback of cxtui's own failures instead of one line
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict


class OptionError(ValueError):
    """An option or environment variable with a value cxtui cannot use; the message is one line."""


class Options(BaseModel):
    model_config = ConfigDict(frozen=True)

    store_path: Path
    user: str | None = None  # a login named to act as; None acts as the real uid's
    lock_timeout: float | None = None  # None: the store's own default
    debug: bool = False

    @classmethod
    def read(cls, db: str | os.PathLike[str] | None = None, *, user: str | None = None,
             environ: Mapping[str, str] | None = None) -> Options:
        """The options for a run given `--db` (and a user named by a flag), else the environment."""
        env = os.environ if environ is None else environ
        path = db or env.get("CXTUI_DB") or None
        return cls(
            store_path=Path(path).expanduser() if path else default_store_path(),
            user=user or env.get("CXTUI_USER") or None,
            lock_timeout=_seconds("CXTUI_LOCK_TIMEOUT", env.get("CXTUI_LOCK_TIMEOUT")),
            debug=debug_requested(env),
        )


def debug_requested(environ: Mapping[str, str] | None = None) -> bool:
    """CXTUI_DEBUG set: for the error handler that runs before any options are read."""
    return bool((os.environ if environ is None else environ).get("CXTUI_DEBUG"))


def default_store_path() -> Path:
    """`store.json` in the platform's user data directory."""
    from platformdirs import user_data_path

    return user_data_path("cxtui", appauthor=False) / "store.json"


def _seconds(name: str, text: str | None) -> float | None:
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        raise OptionError(f"{name} must be a number of seconds (got {text!r})") from None
