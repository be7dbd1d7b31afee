"""`x-calls` and `x-consumers` items: read without pydantic when plainly valid, else by their model."""

from __future__ import annotations

import re
from typing import Any

from contract_gate.extensions.values import Entry, EntryList, kind_of

# An operation reference matched whole (OPERATION_REF without anchors): Python's `$` would
# also match before a final newline.
_OPERATION_REF_WHOLE = re.compile(r"(?:\S+|[A-Za-z]+ /\S*)")
_ENTRY_KEYS: dict[str, frozenset[str]] = {
    "x-consumers": frozenset({"service", "operation", "x-slo-p99", "description"}),
    "x-calls": frozenset({"service", "operation", "x-slo-p99", "description", "mode"}),
}


def parse_entry(kind: EntryList, raw: Any) -> tuple[Entry | None, str]:
    """An entry of the list `kind`, or (None, why it is malformed)."""
    if not isinstance(raw, dict):
        return None, f"must be a mapping with service and operation; got {kind_of(raw)}"
    known = {
        k: v for k, v in raw.items() if not (isinstance(k, str) and k.startswith("x-") and k != "x-slo-p99")
    }
    if _plainly_valid(kind, known):
        entry = Entry(known["service"], known["operation"], known.get("x-slo-p99"), known.get("mode", "sync"))
        return entry, ""
    from contract_gate.extensions.models import parse_with_pydantic

    return parse_with_pydantic(kind, known, raw)


def _plainly_valid(kind: EntryList, entry: dict[Any, Any]) -> bool:
    """True when pydantic would surely accept `entry` as it is (anything unusual: ask it)."""
    service, operation = entry.get("service"), entry.get("operation")
    return (
        entry.keys() <= _ENTRY_KEYS[kind]
        and type(service) is str
        and service != ""
        and type(operation) is str
        and _OPERATION_REF_WHOLE.fullmatch(operation) is not None
        and (entry.get("description") is None or type(entry["description"]) is str)
        and entry.get("mode", "sync") in ("sync", "async")
        and type(entry.get("mode", "sync")) is str
    )
