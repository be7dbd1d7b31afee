"""JSON pointer -> (line, column) in the source text, computed only when asked.

A finding points at the value it is about: a scalar's own position, or for a
mapping or list the key that introduces it. A pointer that goes past what
exists points at the deepest part that does (the operation of a missing field).
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Any, Protocol

from contract_gate.load import pointer as jp

_NEWLINE = re.compile("\n")
_WHITESPACE = " \t\r\n\ufeff"


class Locator(Protocol):
    """Finds where a pointer sits in one file."""

    def locate(self, pointer: str) -> tuple[int, int]:
        """1-based (line, column) of the pointer's value, or of its deepest existing part."""


class YamlLocator:
    """Positions from the composed YAML node tree."""

    def __init__(self, root: Any) -> None:
        self.root = root

    def locate(self, pointer: str) -> tuple[int, int]:
        """See `Locator.locate`."""
        from contract_gate.load.yamlparse import node_at  # PyYAML only once a YAML file is read

        if self.root is None:
            return 1, 1
        key_node, node = node_at(self.root, jp.split(pointer))
        target = node if node.id == "scalar" or key_node is None else key_node
        return target.start_mark.line + 1, target.start_mark.column + 1


class JsonLocator:
    """Positions in JSON text, indexing only the containers a pointer passes through."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._decoder = json.JSONDecoder()
        self._members: dict[tuple[str, ...], dict[str, tuple[int, int]]] = {}
        self._line_starts: list[int] | None = None

    def locate(self, pointer: str) -> tuple[int, int]:
        """See `Locator.locate`."""
        try:
            return self._line_col(self._offset(jp.split(pointer)))
        except (ValueError, IndexError):  # text that is not JSON after all
            return 1, 1

    def _offset(self, tokens: list[str]) -> int:
        value_at = self._skip_ws(0)
        key_at: int | None = None
        for depth, token in enumerate(tokens):
            members = self._index(tuple(tokens[:depth]), value_at)
            if token not in members:
                break
            key_at, value_at = members[token]
        if self.text[value_at] not in "[{" or key_at is None:
            return value_at  # a scalar (even when the pointer goes past it), or the root
        return key_at

    def _index(self, path: tuple[str, ...], start: int) -> dict[str, tuple[int, int]]:
        cached = self._members.get(path)
        if cached is not None:
            return cached
        members: dict[str, tuple[int, int]] = {}
        text = self.text
        opener = text[start]
        if opener in "[{":
            closer = "}" if opener == "{" else "]"
            i = self._skip_ws(start + 1)
            index = 0
            while i < len(text) and text[i] != closer:
                if opener == "{":
                    key, after_key = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
                    colon = self._skip_ws(after_key)
                    value_at = self._skip_ws(colon + 1)
                    members[key] = (i, value_at)
                else:
                    value_at = i
                    members[str(index)] = (i, i)
                    index += 1
                _, end = self._decoder.raw_decode(text, value_at)
                i = self._skip_ws(end)
                if i < len(text) and text[i] == ",":
                    i = self._skip_ws(i + 1)
        self._members[path] = members
        return members

    def _skip_ws(self, i: int) -> int:
        text = self.text
        while i < len(text) and text[i] in _WHITESPACE:
            i += 1
        return i

    def _line_col(self, offset: int) -> tuple[int, int]:
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in _NEWLINE.finditer(self.text)]
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1


class FixedLocator:
    """For files without a parsed tree: everything is at one place."""

    def __init__(self, line: int = 1, column: int = 1) -> None:
        self.line = line
        self.column = column

    def locate(self, pointer: str) -> tuple[int, int]:
        """See `Locator.locate`."""
        return self.line, self.column
