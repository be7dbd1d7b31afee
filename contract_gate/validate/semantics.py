"""What the specification text requires that neither its schemas nor openapi-spec-validator check.

Swagger 2.0 (Parameter Object, Header Object, Items Object):
- "There can be one `body` parameter at most", and "body and form parameters can't exist
  together for the same operation" (path item parameters count, unless the operation
  overrides them by name and location);
- a parameter of `type: file` needs `consumes` (the operation's, else the spec's) of
  `multipart/form-data` and/or `application/x-www-form-urlencoded`;
- `items` is required when `type` is `array` (a non-body parameter, a header, items);
- a Responses Object's codes are HTTP status codes, "described by RFC 7231": 100 to 599
  (its schema allows any three digits).

OpenAPI 3.2 (Paths Object): each variable of a path template appears once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from contract_gate.findings import Problem
from contract_gate.load import pointer as jp
from contract_gate.load.loader import Document
from contract_gate.load.refs import RefResolver
from contract_gate.validate.ref_kinds import HTTP_METHODS
from contract_gate.validate.rules import SPEC_INVALID

FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})
_VARIABLE = re.compile(r"\{([^}/]*)\}")
_STATUS_DIGITS = re.compile(r"[0-9]{3}")


def semantic_problems(document: Document, family: str, resolver: RefResolver) -> list[Problem]:
    """spec-invalid problems for the requirements above, each at the place it concerns."""
    paths = document.data.get("paths")
    if not isinstance(paths, dict):
        return []
    if family == "2.0":
        return list(_swagger(document, paths, resolver))
    if family == "3.2":
        return list(_repeated_variables(document, paths))
    return []


def _repeated_variables(document: Document, paths: dict[str, Any]) -> Iterator[Problem]:
    for path in paths:
        names = _VARIABLE.findall(str(path))
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            yield Problem(
                SPEC_INVALID,
                f"path template {path} names {', '.join('{' + n + '}' for n in repeated)} more than once;"
                " each variable of a template appears once",
                document.display,
                jp.join("paths", path),
            )


class _Parameter:
    """A parameter as it applies to an operation: its value (refs followed) and where it is written."""

    def __init__(self, value: dict[str, Any], pointer: str) -> None:
        self.value = value
        self.pointer = pointer

    @property
    def key(self) -> tuple[str, str]:
        """(name, in): what an operation's parameter overrides a path item's by."""
        return repr(self.value.get("name")), repr(self.value.get("in"))


def _swagger(document: Document, paths: dict[str, Any], resolver: RefResolver) -> Iterator[Problem]:
    spec_consumes = document.data.get("consumes")
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        item_pointer = jp.join("paths", path)
        shared = list(
            _parameters(document, resolver, item.get("parameters"), jp.child(item_pointer, "parameters"))
        )
        yield from _arrays_without_items(document, shared)
        for method, operation in item.items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            op_pointer = jp.child(item_pointer, method)
            own = list(
                _parameters(
                    document, resolver, operation.get("parameters"), jp.child(op_pointer, "parameters")
                )
            )
            yield from _arrays_without_items(document, own)
            overridden = {parameter.key for parameter in own}
            applied = [p for p in shared if p.key not in overridden] + own
            consumes = operation.get("consumes", spec_consumes)
            yield from _body_and_form(document, applied)
            yield from _files(document, applied, consumes)
        yield from _response_headers(document, item, item_pointer)
        yield from _status_codes(document, item, item_pointer)
    responses = document.data.get("responses")
    for name, response in responses.items() if isinstance(responses, dict) else ():
        headers = response.get("headers") if isinstance(response, dict) else None
        for header_name, header in headers.items() if isinstance(headers, dict) else ():
            yield from _items_required(document, header, jp.join("responses", name, "headers", header_name))


def _parameters(document: Document, resolver: RefResolver, raw: Any, pointer: str) -> Iterator[_Parameter]:
    if not isinstance(raw, list):
        return
    for index, entry in enumerate(raw):
        where = jp.child(pointer, index)
        if isinstance(entry, dict) and isinstance(entry.get("$ref"), str):
            target = resolver.follow(document, entry["$ref"])
            entry = target.value if target is not None else None
        if isinstance(entry, dict):
            yield _Parameter(entry, where)


def _body_and_form(document: Document, applied: list[_Parameter]) -> Iterator[Problem]:
    bodies = [p for p in applied if p.value.get("in") == "body"]
    for extra in bodies[1:]:
        yield Problem(
            SPEC_INVALID,
            f'a second body parameter ("{extra.value.get("name")}"); an operation has one body parameter'
            " at most (Swagger 2.0, Parameter Object)",
            document.display,
            extra.pointer,
        )
    forms = [p for p in applied if p.value.get("in") == "formData"]
    if bodies and forms:
        form, body = forms[0].value.get("name"), bodies[0].value.get("name")
        yield Problem(
            SPEC_INVALID,
            f'form parameter "{form}" beside body parameter "{body}";'
            " body and form parameters can't exist together for one operation (Swagger 2.0)",
            document.display,
            forms[0].pointer,
        )


def _files(document: Document, applied: list[_Parameter], consumes: Any) -> Iterator[Problem]:
    declared = {item for item in consumes if isinstance(item, str)} if isinstance(consumes, list) else set()
    # RFC 7231 §3.1.1.1: a media type is its type and subtype, case-insensitive; parameters aside.
    media_types = {item.split(";")[0].strip().lower() for item in declared}
    for parameter in applied:
        if parameter.value.get("type") != "file" or media_types & FORM_TYPES:
            continue
        yield Problem(
            SPEC_INVALID,
            f'file parameter "{parameter.value.get("name")}" needs consumes of multipart/form-data or'
            f" application/x-www-form-urlencoded; the operation consumes {sorted(declared) or 'nothing'}",
            document.display,
            jp.child(parameter.pointer, "type"),
        )


def _arrays_without_items(document: Document, parameters: list[_Parameter]) -> Iterator[Problem]:
    for parameter in parameters:
        if parameter.value.get("in") != "body":
            yield from _items_required(document, parameter.value, parameter.pointer)


def _response_headers(document: Document, item: dict[str, Any], item_pointer: str) -> Iterator[Problem]:
    for method, operation in item.items():
        responses = (
            operation.get("responses") if method in HTTP_METHODS and isinstance(operation, dict) else None
        )
        for code, response in responses.items() if isinstance(responses, dict) else ():
            headers = response.get("headers") if isinstance(response, dict) else None
            for name, header in headers.items() if isinstance(headers, dict) else ():
                pointer = jp.child(item_pointer, method, "responses", code, "headers", name)
                yield from _items_required(document, header, pointer)


def _status_codes(document: Document, item: dict[str, Any], item_pointer: str) -> Iterator[Problem]:
    for method, operation in item.items():
        responses = (
            operation.get("responses") if method in HTTP_METHODS and isinstance(operation, dict) else None
        )
        for code in responses if isinstance(responses, dict) else ():
            if _STATUS_DIGITS.fullmatch(str(code)) and str(code)[0] not in "12345":
                yield Problem(
                    SPEC_INVALID,
                    f"{code} is not an HTTP status code: RFC 7231 §6 defines 100 to 599 (five classes)",
                    document.display,
                    jp.child(item_pointer, method, "responses", str(code)),
                )


def _items_required(document: Document, value: Any, pointer: str) -> Iterator[Problem]:
    """`items` under every `type: array` of a parameter, header or items object, nested ones too."""
    while isinstance(value, dict) and value.get("type") == "array":
        if "items" not in value:
            yield Problem(
                SPEC_INVALID,
                "type array needs items (what the array holds), e.g. items: {type: string}",
                document.display,
                jp.child(pointer, "type"),
            )
            return
        value, pointer = value["items"], jp.child(pointer, "items")
