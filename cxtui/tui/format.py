"""Turning scorecard values into terminal text.

User text always enters a `Content` as plain text (never parsed as markup); styles are theme
variables, so the theme, 256 colours and NO_COLOR all work. Status is never colour alone: every
status also has a symbol and a word.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable, Sequence

from rich.cells import cell_len, set_cell_size
from textual.content import Content

# status -> (symbol, word, theme style)
STATUS: dict[str, tuple[str, str, str]] = {
    "exceeded": ("✦", "exceeded", "$success bold"),
    "achieved": ("✔", "achieved", "$success bold"),
    "on_track": ("●", "on track", "$success"),
    "at_risk": ("▲", "at risk", "$warning"),
    "off_track": ("▼", "off track", "$error"),
    "missed": ("✖", "missed", "$error bold"),
    "no_data": ("·", "no data", "$text-muted"),
}
STATUS_WIDTH = max(len(sym) + 1 + len(word) for sym, word, _ in STATUS.values())

# A measured link's or initiative's verdict: a symbol and a word, so colour is never the only carrier.
VERDICT_SYMBOL = {
    "supported": "✓", "contradicted": "✗", "no_evidence": "·", "not_enough_data": "…",
    "improved": "▲", "worsened": "▼", "no_change": "=", "too_early": "…",
}
VERDICT_STYLE = {"supported": "green", "contradicted": "bold red", "improved": "green", "worsened": "bold red"}
VERDICT_WORD = {"not_enough_data": "too little data", "no_evidence": "no evidence", "no_change": "no change",
                "too_early": "too early"}

def confidence(card) -> Content | None:
    """A goal card's latest confidence, its move, and the mark when it and the pacing disagree:
    "confidence 3/10, down from 7 · ≠ on track, low confidence". None without one."""
    if card.confidence is None:
        return None
    before = card.confidence_before
    move = "" if before is None or before == card.confidence else (
        f", {'down' if card.confidence < before else 'up'} from {before}")
    text = Content.styled(f"confidence {card.confidence}/10{move}", "$text-muted")
    if card.confidence_disagrees:
        why = "on track, low confidence" if card.status == "on_track" else "off track, high confidence"
        text += Content.styled(f" · ≠ {why}", "$warning bold")
    return text


SEVERITY: dict[str, tuple[str, str]] = {
    "high": ("▲▲", "$error bold"),
    "medium": ("▲", "$warning"),
    "low": ("·", "$text-muted"),
}
FLAG_STATUS: dict[str, tuple[str, str]] = {
    "open": ("⚑ open", "$error"),
    "acknowledged": ("⚑ acknowledged", "$warning"),
    "resolved": ("✔ resolved", "$success"),
}

_SPARKS = "▁▂▃▄▅▆▇█"


def status_content(status: str | None) -> Content:
    symbol, word, style = STATUS.get(status or "no_data", STATUS["no_data"])
    return Content.styled(f"{symbol} {word}", style)


def status_parts(status: str | None, width: int) -> list[Segment]:
    """`cell(status_content(status), width)` as parts for Content.assemble."""
    symbol, word, style = STATUS.get(status or "no_data", STATUS["no_data"])
    return fit(f"{symbol} {word}", width, style)


def number(value: float | None) -> str:
    """Compact, readable numbers: 1,234 · 56.7 · 0.25 · – for none."""
    if value is None:
        return "–"
    magnitude = abs(value)
    if magnitude >= 100:
        text = f"{value:,.0f}"
    elif magnitude >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f}%"


def index(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def progress_parts(progress: float | None, width: int) -> list[Segment]:
    """A bar of `width` cells filled to `progress` (0 to 1), as parts; dots when there is none."""
    if progress is None or width <= 0:
        return [("·" * max(width, 0), "$text-muted")]
    filled = round(max(0.0, min(1.0, progress)) * width)
    return [("█" * filled, "$accent"), ("░" * (width - filled), "$text-muted")]


def spark_text(values: Sequence[float], width: int) -> str:
    """The last `width` values as block characters, scaled between their own min and max."""
    values = list(values)[-width:] if width > 0 else []
    if not values:
        return ""
    low, high = min(values), max(values)
    # Halves: the span of values near ±1.7e308 overflows, the span of their halves does not.
    span = high / 2 - low / 2
    return "".join(
        _SPARKS[3] if span == 0 else _SPARKS[round((v / 2 - low / 2) / span * (len(_SPARKS) - 1))] for v in values
    )


def day(value: date | None) -> str:
    return "–" if value is None else value.isoformat()


def cell(content: Content | str, width: int, *, right: bool = False) -> Content:
    """Fit content into exactly `width` cells (ellipsis when cut)."""
    if isinstance(content, str):
        content = Content(content)
    if width <= 0:
        return Content("")
    content = content.truncate(width, ellipsis=True)
    pad = width - content.cell_length
    return content.pad_left(pad) if right else content.pad_right(pad)


Segment = str | tuple[str, str]  # a part for Content.assemble: plain text, or (text, style)


def fit(text: str, width: int, style: str = "", *, right: bool = False) -> list[Segment]:
    """`cell(Content.styled(text, style), width, right=right)` as parts for Content.assemble.

    The same cells (cut with an ellipsis, padding unstyled) without building a Content per cell,
    for lists that lay out hundreds of rows at once.
    """
    if width <= 0:
        return []
    length = cell_len(text)
    if length > width:
        text, length = set_cell_size(text, width - 1) + "…", width
    body: list[Segment] = [(text, style) if style else text] if text else []
    pad = " " * (width - length)
    if not pad:
        return body
    return [pad, *body] if right else [*body, pad]


def row(*parts: Content, sep: str = " ") -> Content:
    return Content(sep).join(parts)


def names(items: Iterable[str]) -> str:
    return ", ".join(items)


def indented(text: str | Content, width: int, indent: int = 3, style: str = "") -> Content:
    """Text wrapped to `width` with every line indented, so wrapped lines stay under their heading."""
    content = Content.styled(text, style) if isinstance(text, str) else text
    lines = content.wrap(max(width - indent, 10))
    pad = Content(" " * indent)
    return Content("\n").join(pad + line for line in lines)
