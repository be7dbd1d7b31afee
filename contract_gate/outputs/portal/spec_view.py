"""The spec as a service page hands it to Swagger UI: data to show, never markup or a fetch.

Swagger UI renders descriptions as Markdown and lets raw HTML through its sanitizer; here a `<`
outside code is written `&lt;`, so a `<script>` in a description shows as text. Links with a
scheme other than http, https or mailto are dropped, strings are cut at MAX_TEXT characters,
and a `$ref` to another file becomes a note (Swagger UI would fetch it). The x- extensions of
the document, info, path items and operations are left out: the portal's own data file says
what they mean. An input read from a contract snapshot has no spec text: its operations are
listed from the model instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract_gate.load import pointer as jp
from contract_gate.load.limits import Limits
from contract_gate.load.loader import LoadError, load_document
from contract_gate.outputs.portal.naming import DEFAULT_TAG, deep_link, swagger_operation_id
from contract_gate.spec.model import HTTP_METHODS, Operation, Service

MAX_TEXT = 20_000  # characters of one string shown; the rest is cut with a note
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const", "value"})
_URL_KEYS = frozenset({"url", "termsOfService", "operationRef"})
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
# Code in Markdown shows `<` as it is: fenced blocks and inline code spans are left alone.
_CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`)", re.DOTALL)
_EXTENDED = frozenset({"root", "info", "path", "operation"})  # where the x- extensions are left out
_CHILD_LEVELS = {("root", "info"): "info", ("root", "paths"): "paths"}


@dataclass(frozen=True, slots=True)
class SpecView:
    """What a service page shows: the spec for Swagger UI and each operation's deep link."""

    document: dict[str, Any]
    from_spec: bool  # False: built from the model (no readable spec text)
    anchors: dict[tuple[str, str], str]  # (method, path) -> "#/Tag/opId"


def spec_view(service: Service, inputs: Sequence[Path], limits: Limits, has_spec: bool = True) -> SpecView:
    """The spec of `service` as Swagger UI will show it, from its file when that is one of the inputs.

    `has_spec` False (a service read from a snapshot): the operations of its contract alone,
    whatever file of that name lies around.
    """
    data = _read(service.file, inputs, limits) if has_spec else None
    if isinstance(data, dict) and isinstance(data.get("paths", {}), dict):
        document = _clean(data, "root")
        from_spec = True
    else:
        document = {
            "openapi": "3.0.3",
            "info": {"title": service.title or service.id, "version": ""},
            "paths": {},
        }
        from_spec = False
    paths = document.setdefault("paths", {})
    for op in service.operations:
        _ensure(paths, op)
    anchors = {(op.method, op.path): _anchor(document, op) for op in service.operations}
    return SpecView(document, from_spec, anchors)


def _read(file: str, inputs: Sequence[Path], limits: Limits) -> Any:
    """The spec's data when `file` is one of the inputs or inside one (a snapshot's files are not)."""
    path = Path(file).resolve()
    if not any(path == root or root in path.parents for root in (i.resolve() for i in inputs)):
        return None
    try:
        return load_document(path, limits).data
    except (LoadError, OSError, ValueError, RecursionError):
        return None


def _clean(value: Any, level: str = "", data: bool = False) -> Any:
    """A copy of `value` fit to show (see the module docstring); `data` inside example values.

    `level` is where `value` sits: "root", "info", "paths", "path" (an item), "operation" or "".
    """
    if isinstance(value, dict):
        if not data and isinstance(value.get("$ref"), str) and not value["$ref"].startswith("#"):
            return {"description": f"Defined in `{_cut(value['$ref'], 500)}` (another file, not shown here)."}
        cleaned: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key)
            if not data and level in _EXTENDED and name.startswith("x-"):
                continue
            cleaned[name] = _clean_item(name, item, level, data)
        return cleaned
    if isinstance(value, list):
        return [_clean(item, data=data) for item in value]
    if isinstance(value, str):
        return _cut(value, MAX_TEXT)
    if value is None or isinstance(value, bool | int | float):
        return value
    return _cut(str(value), MAX_TEXT)


def _clean_item(name: str, item: Any, level: str, data: bool) -> Any:
    if data or name in _DATA_KEYS:
        return _clean(item, data=True)
    if isinstance(item, str):
        if name == "description":
            return _inert_markdown(_cut(item, MAX_TEXT))
        if name in _URL_KEYS and not _safe_url(item):
            return ""
        return _cut(item, MAX_TEXT)
    if level == "paths":
        return _clean(item, "path")
    if level == "path" and name in HTTP_METHODS:
        return _clean(item, "operation")
    return _clean(item, _CHILD_LEVELS.get((level, name), ""))


def _inert_markdown(text: str) -> str:
    """Markdown whose raw HTML shows as text: `<` becomes `&lt;` outside code."""
    parts = _CODE.split(text)
    return "".join(part if index % 2 else part.replace("<", "&lt;") for index, part in enumerate(parts))


def _safe_url(url: str) -> bool:
    """No scheme (a relative URL), or http, https or mailto; a tab inside "javascript:" hides nothing."""
    match = _SCHEME.match(_INVISIBLE.sub("", url))
    return match is None or match.group(1).lower() in _SAFE_SCHEMES


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [cut: {len(text) - limit:,} more characters]"


def _ensure(paths: dict[str, Any], op: Operation) -> None:
    """Add an operation Swagger UI would not show (no spec text, or in another file)."""
    item = paths.get(op.path)
    if isinstance(item, dict) and ("$ref" in item or isinstance(item.get(op.method), dict)):
        return
    if not isinstance(item, dict):
        item = paths[op.path] = {}
    entry: dict[str, Any] = {
        "summary": "(no spec text here: listed from the contract)",
        "responses": {"default": {"description": "Not shown."}},
    }
    if op.operation_id is not None:
        entry["operationId"] = op.operation_id
    item[op.method] = entry


def _anchor(document: dict[str, Any], op: Operation) -> str:
    """The deep link of `op` in this view: its first tag (else "default") and its Swagger UI id."""
    item = document["paths"].get(op.path)
    if isinstance(item, dict) and isinstance(item.get("$ref"), str):
        item = _local(document, item["$ref"])
    operation = item.get(op.method) if isinstance(item, dict) else None
    operation = operation if isinstance(operation, dict) else {}
    tags = operation.get("tags")
    tag = tags[0] if isinstance(tags, list) and tags and isinstance(tags[0], str) else DEFAULT_TAG
    return deep_link(tag, swagger_operation_id(operation.get("operationId"), op.method, op.path))


def _local(document: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#"):
        return None
    node: Any = document
    for token in jp.split(ref[1:]):
        node = node.get(token) if isinstance(node, dict) else None
    return node
