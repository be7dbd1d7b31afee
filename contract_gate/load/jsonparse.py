"""JSON text -> plain data: orjson for speed, the stdlib where duplicate keys must be seen.

Files up to `_DUPLICATES_UP_TO` bytes are read with the stdlib and an
`object_pairs_hook`, so a key written twice in one object is reported (where the
second one is); larger files go through orjson, which keeps the last silently.
Nesting is bounded by max-depth (and by orjson's own 1024 levels).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from contract_gate.load import pointer as jp
from contract_gate.load.limits import LimitExceeded, Limits, SourceError
from contract_gate.load.positions import JsonLocator
from contract_gate.load.rules import NESTING_TOO_DEEP

_DUPLICATES_UP_TO = 8 * 1024 * 1024
_JSON_DEPTH = 1024  # orjson's own limit; the stdlib path keeps to it too
_INT_DIGITS = 4000
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class JsonError(SourceError):
    """The text is not JSON; carries the 1-based position the parser stopped at."""


@dataclass
class JsonDocument:
    """Parsed JSON: the data, a lazy position lookup, and duplicate keys (key, line, column)."""

    data: Any
    locator: JsonLocator
    duplicate_keys: list[tuple[str, int, int]] = field(default_factory=list)


def parse_json(text: str, limits: Limits, reference: bool = False) -> JsonDocument:
    """Parse JSON text; raise JsonError or LimitExceeded. `reference`: the stdlib parser only."""
    locator = JsonLocator(text)
    duplicated: dict[int, list[str]] = {}
    limit = min(limits.max_depth, _JSON_DEPTH)
    what = f"max-depth {limit}" if limit == limits.max_depth else f"the {limit} levels JSON is read to"
    try:
        data = _stdlib(text, duplicated) if reference or len(text) <= _DUPLICATES_UP_TO else _fast(text)
    except RecursionError:  # deeper than the recursion limit: find where it passed ours
        line, column = _deepest_position(text, limit)
        raise LimitExceeded(NESTING_TOO_DEEP, f"nesting is deeper than {what}", line, column) from None
    too_deep = _deeper_than(data, limit)
    if too_deep is not None:
        line, column = locator.locate(too_deep)
        raise LimitExceeded(NESTING_TOO_DEEP, f"nesting is deeper than {what}", line, column)
    duplicates = []
    if duplicated:
        for pointer, keys in _pointers_of(data, duplicated):
            for key in keys:
                line, column = locator.locate(jp.child(pointer, key))
                duplicates.append((key, line, column))
    return JsonDocument(data, locator, sorted(duplicates, key=lambda d: (d[1], d[2])))


def _fast(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        if "depth" in str(error) or "recursion" in str(error):
            raise LimitExceeded(
                NESTING_TOO_DEEP, "JSON nesting is deeper than 1024 levels", error.lineno, error.colno
            ) from None
    return _stdlib(text, {})  # orjson refuses some valid JSON (integers beyond 64 bits)


def _stdlib(text: str, duplicated: dict[int, list[str]]) -> Any:
    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) < len(pairs):
            seen: set[str] = set()
            twice = [k for k, _ in pairs if k in seen or seen.add(k)]  # type: ignore[func-returns-value]
            duplicated[id(result)] = twice
        return result

    try:
        return json.loads(text, object_pairs_hook=pairs_hook, parse_int=_bounded_int)
    except json.JSONDecodeError as error:
        raise JsonError(error.msg, error.lineno, error.colno) from None


def _bounded_int(digits: str) -> int | float:
    # Past 4,300 digits Python refuses int() (quadratic-time guard); such a number is inf.
    return int(digits) if len(digits) <= _INT_DIGITS else float(digits)


def _deepest_position(text: str, limit: int) -> tuple[int | None, int | None]:
    """Line and column where nesting first passes `limit` (strings skipped), for a precise finding."""
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > limit:
                offset = match.start()
                return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1
        elif token in "]}":
            depth -= 1
    return None, None


def _deeper_than(data: Any, limit: int) -> str | None:
    """The pointer of the first container nested deeper than `limit`, else None (iterative)."""
    stack: list[tuple[Any, int]] = [(data, 1)] if isinstance(data, dict | list) else []
    while stack:
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            if isinstance(child, dict | list):
                if depth >= limit:
                    return next(p for p, _ in _pointers_of(data, {id(child): []}))
                stack.append((child, depth + 1))
    return None


def _pointers_of(data: Any, wanted: dict[int, list[str]]) -> list[tuple[str, list[str]]]:
    """(pointer, value of `wanted`) for every container of `data` whose id is in `wanted`."""
    found: list[tuple[str, list[str]]] = []
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, ())]
    while stack and len(found) < len(wanted):
        node, tokens = stack.pop()
        if id(node) in wanted:
            found.append((jp.join(*tokens), wanted[id(node)]))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((v, (*tokens, str(k))) for k, v in items if isinstance(v, dict | list))
    return found
