"""The governance extensions `x-bu-owner`, `x-slo-p99`, `x-calls`, `x-consumers`: checks.

The check functions turn any value found in a spec into a verdict with a message
that names the bad value and the fix. The published contract is the pydantic
models of `extensions/models.py` (their JSON Schemas are in `schemas/`); an entry
that plainly fits them is read without importing pydantic (`extensions/entries.py`).
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from contract_gate.extensions.rules import OWNER_INVALID, OWNER_UNKNOWN_BU, SLO_INVALID
from contract_gate.pickling import by_constructor
from contract_gate.rules import Rule

DEFAULT_BU_PATTERN = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$"
SLO_PATTERN = r"^(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:ms|s)$"
_SLO = re.compile(SLO_PATTERN)
_SLO_LOOSE = re.compile(r"^\s*((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*([A-Za-z]*)\s*$")


@by_constructor
@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of checking one value: the rule it breaks and a message when it is not valid."""

    rule: Rule | None = None
    message: str = ""

    @property
    def valid(self) -> bool:
        """True when there is nothing to report."""
        return self.rule is None


# The verdict of every valid value: one object, so that a pickled service holds it once.
VALID = Verdict()


def check_owner(value: Any, pattern: re.Pattern[str], registry: frozenset[str] | None) -> Verdict:
    """Is `value` a valid `x-bu-owner`? (pattern, then the BU registry if configured)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        shown = "null" if value is None else quoted(value)
        return Verdict(OWNER_INVALID, f'x-bu-owner {shown} is empty; name the owning BU, e.g. "ECOM-BU"')
    if not isinstance(value, str):
        return Verdict(
            OWNER_INVALID,
            f'x-bu-owner must be a string such as "ECOM-BU"; got {kind_of(value)} {_short(value)}',
        )
    if not pattern.fullmatch(value):
        hint = ""
        # A look-alike letter (a Cyrillic IE for an E) is named, never silently dropped from a fix.
        fixed = "" if not value.isascii() else re.sub(r"[^A-Za-z0-9]+", "-", value.strip()).strip("-").upper()
        if registry:
            close = difflib.get_close_matches(fixed, sorted(registry), n=1, cutoff=0.5)
            fixed = close[0] if close else ""
        if fixed and fixed != value and pattern.fullmatch(fixed):
            hint = f'; write "{fixed}"'
        return Verdict(
            OWNER_INVALID,
            f"x-bu-owner {quoted(value)} does not match bu-pattern {pattern.pattern}"
            f"{_whitespace(value) or _foreign(value)}{hint}",
        )
    if registry is not None and value not in registry:
        close = difflib.get_close_matches(value, sorted(registry), n=1)
        hint = f'; did you mean "{close[0]}"?' if close else f" (known: {', '.join(sorted(registry))})"
        return Verdict(OWNER_UNKNOWN_BU, f"x-bu-owner {quoted(value)} is not a BU of the registry{hint}")
    return VALID


def slo_millis(value: Any) -> float | None:
    """Milliseconds of a well-formed `x-slo-p99` string, else None (no range check)."""
    return _text_millis(value) if isinstance(value, str) else None


# An estate writes a few hundred distinct durations and the estate analysis reads each many
# times (every pair, every budget check): parsed once each.
@functools.lru_cache(maxsize=4096)
def _text_millis(value: str) -> float | None:
    if not _SLO.fullmatch(value):
        return None
    # Decimal first, so "4.03s" is exactly the 4030 that "4030ms" is (binary floats are not).
    if value.endswith("ms"):
        return float(Decimal(value[:-2]))
    return float(Decimal(value[:-1]) * 1000)


def check_slo(value: Any, max_ms: float) -> Verdict:
    """Is `value` a valid `x-slo-p99`? ("800ms" / "1.5s", > 0 and <= max-slo-p99)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return Verdict(SLO_INVALID, f'x-slo-p99 must be a string such as "800ms"; got {kind_of(value)}')
    if isinstance(value, int | float):
        if value <= 0 or value > 1e12 or (isinstance(value, float) and not math.isfinite(value)):
            return Verdict(
                SLO_INVALID, f'x-slo-p99 {_short(value)} must be a positive duration such as "800ms"'
            )
        number = f"{value:g}"
        return Verdict(SLO_INVALID, f'x-slo-p99 {number} has no unit; write "{number}ms"')
    millis = slo_millis(value)
    if millis is None:
        return Verdict(SLO_INVALID, _slo_format_hint(value))
    if millis <= 0:
        return Verdict(SLO_INVALID, f"x-slo-p99 {quoted(value)} must be greater than 0")
    if millis > max_ms:
        return Verdict(SLO_INVALID, f"x-slo-p99 {quoted(value)} is above max-slo-p99 {format_millis(max_ms)}")
    return VALID


def _slo_format_hint(value: str) -> str:
    if value.strip().startswith("-"):
        return f"x-slo-p99 {quoted(value)} must be greater than 0"
    loose = _SLO_LOOSE.match(value)
    if loose:
        number, unit = loose.group(1).rstrip(".") or "0", loose.group(2).lower()
        if float(number) <= 0:
            return f"x-slo-p99 {quoted(value)} must be greater than 0"

        if not unit:
            return f'x-slo-p99 {quoted(value)} has no unit; write "{number}ms"'
        if unit in {"ms", "s"}:
            return (
                f"x-slo-p99 {quoted(value)} is not written as <number>ms or <number>s"
                f'{_whitespace(value)}; write "{number}{unit}"'
            )
        if unit in {"sec", "secs", "second", "seconds"}:
            return f'x-slo-p99 {quoted(value)} uses unit "{loose.group(2)}"; write "{number}s"'
        if unit in {"msec", "msecs", "millis", "milliseconds"}:
            return f'x-slo-p99 {quoted(value)} uses unit "{loose.group(2)}"; write "{number}ms"'
    return (
        f'x-slo-p99 {quoted(value)} is not of the form <number>ms or <number>s{_foreign(value)}, e.g. "800ms"'
    )


def format_millis(millis: float) -> str:
    """60000 -> "60s", 250 -> "250ms", 1500 -> "1.5s"."""
    if millis >= 1000:
        return f"{millis / 1000:g}s"
    return f"{millis:g}ms"


def kind_of(value: Any) -> str:
    """A value's kind as a message names it: "a mapping", "a list", "null", "int"."""
    return {dict: "a mapping", list: "a list", bool: "a boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def quoted(value: str) -> str:
    """A string as a message shows it: in double quotes, line breaks and controls escaped, cut at 60."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 62 else text[:58] + '..."'


def _whitespace(value: str) -> str:
    """Why a value that looks right is not: spaces or a line break around it (a block scalar keeps one)."""
    if value == value.strip():
        return ""
    if value.endswith(("\n", "\r")):
        return " (it ends with a line break: write it on one line, not as a | or > block)"
    return " (it has spaces around it)"


def _foreign(value: str) -> str:
    """Name the first character outside ASCII, which may look like an ASCII one."""
    odd = next((c for c in value if not c.isascii()), None)
    if odd is None:
        return ""
    return f' (it holds "{odd}", {unicodedata.name(odd, f"U+{ord(odd):04X}")}, which is not ASCII)'


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


# An operationId (no spaces), or "METHOD /path"; ECMA-262-compatible for editors' JSON Schema.
OPERATION_REF = r"^(?:\S+|[A-Za-z]+ /\S*)$"
EntryList = Literal["x-calls", "x-consumers"]


@dataclass(frozen=True, slots=True)
class Entry:
    """A well-formed `x-calls` or `x-consumers` item (`mode` is "sync" for consumers)."""

    service: str
    operation: str
    x_slo_p99: Any
    mode: Literal["sync", "async"] = "sync"
