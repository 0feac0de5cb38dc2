"""One line for any failure, and text made safe to show: shared by the CLI and the TUI.

Neither imports Textual, so the headless commands stay free of it and the TUI never imports the cli package.
"""

from __future__ import annotations

import unicodedata


def visible(text: str) -> str:
    """`text` with every control or invisible format character shown as an escape (`\\x1b`, `\\u202e`).

    For text from files and the environment on its way to a terminal: an escape sequence or a bidi
    override in a login name or a file name is shown, never obeyed. Odd spaces become plain ones.
    """
    if text.isprintable():
        return text  # the common case, in C
    return "".join(
        ch if ch.isprintable() else " " if unicodedata.category(ch) == "Zs" else repr(ch)[1:-1] for ch in text
    )


def one_line(text: str) -> str:
    """`text` on one line, whitespace runs shown as one space, controls made visible."""
    return visible(" ".join(text.split()))


def describe(exc: BaseException) -> str:
    """One line for any failure: our own errors already read well; the rest get their kind named."""
    return refusal(exc) or _unexpected(exc)


def refusal(exc: BaseException, *, also: tuple[type[BaseException], ...] = ()) -> str | None:
    """The words of a failure that refuses what was asked (a rule, the store, a value, the file
    system), or None for an unexpected one. `also`: kinds the caller raised on purpose and tells by
    their message alone (the TUI's jobs: any ValueError, such as a flag that cannot move so)."""
    from pydantic import ValidationError

    from cxtui.exchange.csv_files import CsvInputError
    from cxtui.models import RuleError, describe_errors
    from cxtui.engine.resolve import Unresolved
    from cxtui.store import StoreError

    if isinstance(exc, ValidationError):
        text = "; ".join(describe_errors(exc))
    elif isinstance(exc, (StoreError, CsvInputError, Unresolved, RuleError)):
        text = str(exc)
    elif isinstance(exc, UnicodeDecodeError):
        text = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
    elif isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        text = f"{where}{exc.strerror or exc}"
    elif isinstance(exc, also):
        text = str(exc)
    else:
        return None
    return one_line(text) or type(exc).__name__


def _unexpected(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        text = "unexpected RecursionError: the data is nested too deeply to read (set CXTUI_DEBUG=1 to see where)"
    elif isinstance(exc, MemoryError):
        text = "unexpected MemoryError: not enough memory to do this (set CXTUI_DEBUG=1 to see where)"
    else:
        # str() of a KeyError is its repr'd key; of some exceptions, nothing at all.
        detail = str(exc)[:300]
        text = f"unexpected {type(exc).__name__}{': ' + detail if detail else ''} (set CXTUI_DEBUG=1 to see where)"
    return one_line(text)
