"""The cell helpers the scorecard list lays its rows out with."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual.content import Content

from cxtui.tui import format as fmt

# Wide (CJK, emoji) and narrow characters, so that cutting can fall in the middle of a wide one.
_TEXT = st.text(alphabet=st.sampled_from("ab Zé→…中文字😀✔"), max_size=30)


def _cells(content: Content) -> tuple[str, list[tuple[str, ...]]]:
    """Each character with the styles on it, whatever spans carry them."""
    styles: list[list[str]] = [[] for _ in content.plain]
    for span in content.spans:
        for i in range(span.start, span.end):
            styles[i].append(str(span.style))
    return content.plain, [tuple(s) for s in styles]


@given(text=_TEXT, width=st.integers(min_value=-1, max_value=35), style=st.sampled_from(["", "$error bold"]),
       right=st.booleans())
def test_fit_lays_out_exactly_what_cell_does(text, width, style, right):
    expected = fmt.cell(Content.styled(text, style), width, right=right)
    got = Content.assemble(*fmt.fit(text, width, style, right=right))
    assert _cells(got) == _cells(expected)
    assert got.cell_length == max(width, 0)


@pytest.mark.parametrize("status", [*fmt.STATUS, None, "unknown"])
def test_status_parts_match_the_status_cell(status):
    expected = fmt.cell(fmt.status_content(status), fmt.STATUS_WIDTH)
    assert _cells(Content.assemble(*fmt.status_parts(status, fmt.STATUS_WIDTH))) == _cells(expected)
