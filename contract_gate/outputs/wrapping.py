"""Lists for an 80-column terminal: wrapped between their items, capped with a pointer to the rest."""

from __future__ import annotations

from collections.abc import Sequence

WIDTH = 80
SEPARATOR = " · "
REST = "--format json for all"


def capped(items: Sequence[str], cap: int) -> list[str]:
    """The first `cap` items, then "… and N more; --format json for all" in place of the others."""
    if len(items) <= cap:
        return list(items)
    return [*items[:cap], f"… and {len(items) - cap} more; {REST}"]


def wrapped(head: str, items: Sequence[str], indent: str, note: str | None = None) -> list[str]:
    """`head` and the items joined by " · ", then `note` after a space, in lines of at most WIDTH.

    Lines break only between items; a continuation line starts with `indent` and an item. An
    item too long for any line stands alone on its line (the head too, when its first item
    does not fit after it).
    """
    pieces = [(SEPARATOR, item) for item in items]
    if note is not None:
        pieces.append((" ", note))
    lines: list[str] = []
    line = head
    for index, (separator, text) in enumerate(pieces):
        glue = " " if index == 0 else separator
        if len(line) + len(glue) + len(text) > WIDTH:
            lines.append(line)
            line, glue = indent, ""
        line += glue + text
    lines.append(line)
    return lines
