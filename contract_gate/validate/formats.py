"""`spec-format`: values that break a `format` the OpenAPI schema gives them (`url`, `email`, `pattern`).

openapi-spec-validator's own checks leave `format` out (`structure.py` builds them so), as its
default backend does. Here the OpenAPI schema is reduced to where its `format`s apply: every
other assertion dropped, each branch of a `oneOf`/`anyOf`/`if` applied where its keys are
present (a key with a format means that branch). jsonschema-rs then validates the document
against that reduced schema with the checks of `format_checks.py`. In OpenAPI 3.1 and 3.2 a
Schema Object is JSON Schema 2020-12, whose own `pattern`s (and `patternProperties` names) are
added to the reduced schema, so they are judged the same way.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema_rs

from contract_gate.findings import Problem
from contract_gate.load import pointer as jp
from contract_gate.load.loader import Document
from contract_gate.load.refs import RefResolver
from contract_gate.validate import dialects, official
from contract_gate.validate.ecma_regex import ecma_violation
from contract_gate.validate.format_checks import CHECKS, WHAT
from contract_gate.validate.rules import SPEC_FORMAT

_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs", "dependentSchemas")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONES = ("items", "additionalProperties", "additionalItems", "then", "else", "propertyNames")
_KEPT = ("$ref", "$dynamicRef", "$dynamicAnchor", "$id", "id", "$schema", "$anchor", "format")
_DRAFT4_PATTERN = "http://json-schema.org/draft-04/schema#/properties/pattern"
_MAX_SHOWN = 60

# A JSON Schema 2020-12 object, as far as its regular expressions go (OpenAPI 3.1/3.2 Schema Objects).
_JSON_SCHEMA_PATTERNS: dict[str, Any] = {
    "$dynamicAnchor": "meta",
    "properties": {
        "pattern": {"format": "regex"},
        "patternProperties": {
            "propertyNames": {"format": "regex"},
            "additionalProperties": {"$dynamicRef": "#meta"},
        },
        **{
            key: {"additionalProperties": {"$dynamicRef": "#meta"}}
            for key in ("properties", "$defs", "dependentSchemas")
        },
        **{key: {"items": {"$dynamicRef": "#meta"}} for key in ("allOf", "anyOf", "oneOf", "prefixItems")},
        **{
            key: {"$dynamicRef": "#meta"}
            for key in (
                "items",
                "additionalProperties",
                "not",
                "if",
                "then",
                "else",
                "contains",
                "propertyNames",
                "unevaluatedItems",
                "unevaluatedProperties",
            )
        },
    },
}


def format_problems(
    document: Document, family: str, resolver: RefResolver, reported: list[str]
) -> list[Problem]:
    """One `spec-format` problem per value that breaks its format, except at places in `reported`."""
    problems: list[Problem] = []
    seen: set[str] = set()
    data = resolver.sanitized(document)
    foreign_root = isinstance(data, dict) and dialects.foreign_root_dialect(data) is not None
    for error in _validator(family, foreign_root).iter_errors(data):
        path = [str(p) for p in error.instance_path]
        if type(error.kind).__name__ == "PropertyNames":  # a `patternProperties` name: the key itself
            error = error.kind.error
            path.append(str(error.instance))
        if type(error.kind).__name__ != "Format" or not isinstance(error.instance, str):
            continue
        pointer = jp.join(*jp.canonical(document.data, path))
        if pointer in seen or any(pointer == p or pointer.startswith(p + "/") for p in reported):
            continue
        seen.add(pointer)
        message = _message(str(error.kind.format), error.instance, pointer)
        problems.append(Problem(SPEC_FORMAT, message, document.display, pointer, discriminator=message))
    return problems


def _message(fmt: str, value: str, pointer: str) -> str:
    field = jp.split(pointer)[-1] if pointer else "value"
    if fmt == "regex" and field == value:
        return f"the `patternProperties` name is not ECMA-262: it has {ecma_violation(value)}"
    if fmt == "regex":
        return f"`{field}` is not an ECMA-262 regular expression: it has {ecma_violation(value)}"
    shown = value if len(value) <= _MAX_SHOWN else value[: _MAX_SHOWN - 3] + "..."
    return f"`{field}` must be {WHAT.get(fmt, f'a {fmt}')}; found {shown!r}"


@cache
def _validator(family: str, foreign_root: bool = False) -> Any:
    reduced = _reduced(official.schema(family))
    if family in dialects.FAMILIES:
        reduced = _with_schema_patterns(reduced, foreign_root)
    validator_cls = jsonschema_rs.validator_cls_for(reduced)
    return validator_cls(
        reduced, validate_formats=True, formats=CHECKS, ignore_unknown_formats=True, offline=True
    )


def _reduced(schema: Any) -> Any:
    """The schema with only what leads to a `format`: branches applied together, assertions dropped."""
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("http"):
        return {"format": "regex"} if ref == _DRAFT4_PATTERN else {}
    out: dict[str, Any] = {key: schema[key] for key in _KEPT if key in schema}
    for key in _SCHEMA_MAPS:
        if isinstance(schema.get(key), dict):
            out[key] = {name: _reduced(sub) for name, sub in schema[key].items()}
    branches: list[Any] = []
    for key in _SCHEMA_LISTS:
        if isinstance(schema.get(key), list):
            branches.extend(_reduced(sub) for sub in schema[key])
    for key in _SCHEMA_ONES:
        sub = schema.get(key)
        if isinstance(sub, dict):
            reduced = _reduced(sub)
            if key in ("then", "else"):
                branches.append(reduced)
            else:
                out[key] = reduced
        elif isinstance(sub, list):  # draft-04 tuple items
            out[key] = [_reduced(item) for item in sub]
    if branches:
        out["allOf"] = branches
    return out


def _with_schema_patterns(reduced: dict[str, Any], foreign_root: bool) -> dict[str, Any]:
    """Put the patterns of JSON Schema 2020-12 where the OpenAPI 3.1/3.2 schema has its `meta` anchor.

    Only in the schemas of a dialect judged here (`dialects.py`): the document's, unless its
    `jsonSchemaDialect` is foreign, or the one their own `$schema` names.
    """
    patterns = {key: value for key, value in _JSON_SCHEMA_PATTERNS.items() if key != "$dynamicAnchor"}
    known = {"enum": sorted(dialects.KNOWN)}
    if foreign_root:  # checked only where the schema names a known dialect itself
        guarded = {"if": _names_dialect(known), "then": patterns, "else": {}}
    else:  # checked unless the schema names a foreign dialect itself
        guarded = {"if": _names_dialect({"type": "string", "not": known}), "then": {}, "else": patterns}
    meta = {"$dynamicAnchor": "meta", **guarded}
    defs = dict(reduced.get("$defs", {}))
    for name, sub in defs.items():
        if isinstance(sub, dict) and sub.get("$dynamicAnchor") == "meta":
            defs[name] = meta
    return {**reduced, "$defs": defs}


def _names_dialect(dialect: dict[str, Any]) -> dict[str, Any]:
    return {"required": ["$schema"], "properties": {"$schema": dialect}}
