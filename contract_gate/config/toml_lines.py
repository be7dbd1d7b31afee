"""Where a key is written in a TOML file: the line a config finding points at.

tomllib gives values, not positions; this scans the lines for table headers and
`key =` assignments (dotted and quoted keys included), which is all a config file holds.
A key inside an inline table (`rules = {owner-missing = "off"}`) is found at its line, an
array item (`exclude = ["a", "b"]`) at the line of its string.
"""

from __future__ import annotations

import re

_PART = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_KEY = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")
_HEADER = re.compile(rf"^\s*\[\s*({_PART}(?:\s*\.\s*{_PART})*)\s*\]")
_PARTS = re.compile(_PART)


def key_line(text: str, path: tuple[str, ...], table: tuple[str, ...] = ()) -> int | None:
    """The 1-based line where `path` (under `table`, e.g. ("tool", "contract-gate")) is set.

    The last part of `path` may be an array item or an inline table's key; the line of the
    nearest enclosing key or table is the answer when the exact one cannot be told.
    """
    wanted = table + path
    lines = text.splitlines()
    current: tuple[str, ...] = ()
    best: tuple[int, int] | None = None  # (parts matched, line)
    for number, line in enumerate(lines, start=1):
        header = _HEADER.match(line)
        if header and not line.lstrip().startswith("[["):
            current = _split(header.group(1))
            best = _better(best, current, wanted, number)
            continue
        assignment = _KEY.match(line)
        if assignment is None:
            continue
        full = current + _split(assignment.group(1))
        if full == wanted:
            return number
        if full == wanted[: len(full)] and len(full) == len(wanted) - 1:
            inner = _inner_line(lines, number - 1, wanted[-1])
            if inner is not None:
                return inner
        best = _better(best, full, wanted, number)
    return best[1] if best else None


def _better(
    best: tuple[int, int] | None, full: tuple[str, ...], wanted: tuple[str, ...], line: int
) -> tuple[int, int] | None:
    if not full or full != wanted[: len(full)]:
        return best
    return (len(full), line) if best is None or len(full) > best[0] else best


def _inner_line(lines: list[str], start: int, item: str) -> int | None:
    """The line from `start` on where `item` is written as a string or a key, before the next key."""
    quoted = (f'"{item}"', f"'{item}'")
    bare = re.compile(rf"(?:^|[{{,\s]){re.escape(item)}\s*=")
    for index in range(start, len(lines)):
        line = lines[index]
        if index > start and (_KEY.match(line) or _HEADER.match(line)) and not bare.search(line):
            return None
        if any(q in line for q in quoted) or bare.search(line):
            return index + 1
    return None


def _split(dotted: str) -> tuple[str, ...]:
    return tuple(_unquote(part) for part in _PARTS.findall(dotted))


def _unquote(part: str) -> str:
    if len(part) >= 2 and part[0] == part[-1] and part[0] in "\"'":
        inner = part[1:-1]
        return inner.encode().decode("unicode_escape") if part[0] == '"' and "\\" in inner else inner
    return part
