"""One line for any failure, and user text made safe to show (cxtui/runtime/describe.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxtui.runtime.describe import describe, refusal, visible
from cxtui.store import StoreError, StoreMissing


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (KeyError("goals"), "unexpected KeyError: 'goals' (set CXTUI_DEBUG=1 to see where)"),
        (TypeError("string indices must be integers"),
         "unexpected TypeError: string indices must be integers (set CXTUI_DEBUG=1 to see where)"),
        (OverflowError(), "unexpected OverflowError (set CXTUI_DEBUG=1 to see where)"),
        (RecursionError("maximum recursion depth exceeded"),
         "unexpected RecursionError: the data is nested too deeply to read (set CXTUI_DEBUG=1 to see where)"),
        (MemoryError(), "unexpected MemoryError: not enough memory to do this (set CXTUI_DEBUG=1 to see where)"),
        (PermissionError(13, "Permission denied", "/srv/cx/\x1b]0;x\x07store.json"),
         "/srv/cx/\\x1b]0;x\\x07store.json: Permission denied"),
        (StoreMissing("/srv/cx/store.json"),
         "no store at /srv/cx/store.json; create one with 'cxtui init --db /srv/cx/store.json' or try 'cxtui demo'"),
        (ValueError("two\nlines"), "unexpected ValueError: two lines (set CXTUI_DEBUG=1 to see where)"),
    ],
)
def test_every_failure_is_one_safe_line(error, line):
    assert describe(error) == line


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("kim", "kim"),
        ("[bold]x[/]", "[bold]x[/]"),
        ("\x1b]0;PWNED\x07\x1b[2J", "\\x1b]0;PWNED\\x07\\x1b[2J"),
        ("a\x9bb\x7fc", "a\\x9bb\\x7fc"),
        ("\u202eevil\u2066", "\\u202eevil\\u2066"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("no\u00a0break", "no break"),
        ("Zoë · Ünal", "Zoë · Ünal"),
    ],
)
def test_visible(text, shown):
    assert visible(text) == shown


@settings(derandomize=True, max_examples=300)
@given(st.text())
def test_visible_text_is_always_printable(text):
    assert visible(text).isprintable()


@pytest.mark.parametrize(
    ("error", "also", "words"),
    [
        (StoreMissing("/srv/cx/store.json"), (),
         "no store at /srv/cx/store.json; create one with 'cxtui init --db /srv/cx/store.json' or try 'cxtui demo'"),
        (FileNotFoundError(2, "No such file or directory", "in.csv"), (), "in.csv: No such file or directory"),
        (ValueError("status: a dismissed flag can move to open"), (), None),
        (ValueError("status: a dismissed flag can move to open"), (ValueError,), "status: a dismissed flag can move to open"),
        (KeyError("goals"), (ValueError,), None),
        (StoreError(""), (), "StoreError"),
    ],
)
def test_a_refusal_is_told_by_its_words_and_anything_else_is_unexpected(error, also, words):
    assert refusal(error, also=also) == words
    if words is not None and not also:
        assert describe(error) == words
