"""Turning what a person typed ("NPS", "customer service", "g-12") into a record id.

Ids always win, so a script that uses ids never depends on display names; names match
case-insensitively; a miss suggests the closest ids and names.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Protocol


class Unresolved(ValueError):
    """No record, or more than one, answers to the text. str() is one line for "error: ..."."""


class Named(Protocol):
    id: str


def _label(record: Named) -> str:
    return getattr(record, "name", None) or getattr(record, "title", None) or ""


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _loose(text: str) -> str:
    """Punctuation-blind: "first contact resolution" finds "First-contact resolution" and "first_contact"."""
    return " ".join(re.sub(r"[\W_]+", " ", text).split()).casefold()


def resolve(kind: str, text: str, records: Iterable[Named]) -> str:
    """The id of the one record of `kind` whose id or name is `text`.

    Tried in order, stopping at the first that finds anything: the exact id, ignoring case; the
    name, ignoring case and repeated spaces; then id or name ignoring punctuation as well.
    """
    records = list(records)
    wanted, loose = _fold(text), _loose(text)
    for record in records:
        if record.id.casefold() == wanted:
            return record.id
    for matches in (
        [r for r in records if _fold(_label(r)) == wanted],
        [r for r in records if loose and loose in (_loose(r.id), _loose(_label(r)))],
    ):
        if len(matches) == 1:
            return matches[0].id
        if matches:
            choices = ", ".join(f"{r.id} ({_label(r)})" for r in matches)
            raise Unresolved(f"ambiguous {kind} {text!r}: it names {choices}; use the id")
    raise Unresolved(f"unknown {kind} {text!r}{suggestion(text, records)}")


def suggestion(text: str, records: Iterable[Named]) -> str:
    """'; did you mean 'nps'?' for the closest records (by id or name), or '' when nothing is close."""
    by_key: dict[str, tuple[str, str]] = {}  # folded id or name -> (record id, how to show it)
    for record in records:
        by_key.setdefault(record.id.casefold(), (record.id, record.id))
        label = _label(record)
        if label:
            by_key.setdefault(_fold(label), (record.id, label))
    shown: dict[str, str] = {}
    for key in difflib.get_close_matches(_fold(text), list(by_key), n=6, cutoff=0.6):
        record_id, display = by_key[key]
        shown.setdefault(record_id, display)
    if not shown:
        return ""
    return "; did you mean " + " or ".join(repr(d) for d in list(shown.values())[:3]) + "?"
