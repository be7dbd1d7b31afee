"""Each `$ref` must lead to the kind of object its place expects (a parameter's to a Parameter...).

The OpenAPI schemas accept any Reference Object where a Parameter, Response, Request Body,
Header, Path Item, Security Scheme, Example, Link or Callback may stand; what it resolves
to is not checked there, and openapi-spec-validator's own checks then fail on the wrong
object. This finds the kind a place expects and the kind of the place a reference leads to
(both known by where they are in the document), and says so at the `$ref` when they differ.
"""

from __future__ import annotations

from contract_gate.findings import Problem
from contract_gate.load import pointer as jp
from contract_gate.load.loader import Document
from contract_gate.load.refs import RefResolver
from contract_gate.validate.rules import SPEC_INVALID

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace", "query"})
# The sections of `components` (3.x) and the top-level sections of Swagger 2.0, by kind.
COMPONENTS = {
    "schemas": "Schema Object",
    "responses": "Response Object",
    "parameters": "Parameter Object",
    "examples": "Example Object",
    "requestBodies": "Request Body Object",
    "headers": "Header Object",
    "securitySchemes": "Security Scheme Object",
    "links": "Link Object",
    "callbacks": "Callback Object",
    "pathItems": "Path Item Object",
}
SWAGGER_SECTIONS = {
    "definitions": "Schema Object",
    "parameters": "Parameter Object",
    "responses": "Response Object",
}


def kind_at(tokens: tuple[str, ...], swagger: bool) -> str | None:
    """The kind of object the specification puts at this place; None where it is not one of these."""
    if swagger and len(tokens) == 2 and tokens[0] in SWAGGER_SECTIONS:
        return SWAGGER_SECTIONS[tokens[0]]
    if not swagger and len(tokens) == 3 and tokens[0] == "components":
        return COMPONENTS.get(tokens[1])
    if len(tokens) >= 2 and tokens[0] in ("paths", "webhooks"):
        return _in_path_item(tokens[2:], swagger)
    return None


def _in_path_item(rest: tuple[str, ...], swagger: bool) -> str | None:
    """The kind at `rest`, relative to a Path Item."""
    if not rest:
        return "Path Item Object"
    if len(rest) == 2 and rest[0] == "parameters":
        return "Parameter Object"
    if rest[0] not in HTTP_METHODS:
        return None
    operation = rest[1:]
    if len(operation) == 2 and operation[0] == "parameters":
        return "Parameter Object"
    if len(operation) == 2 and operation[0] == "responses":
        return "Response Object"
    if swagger:
        return None
    if operation == ("requestBody",):
        return "Request Body Object"
    if len(operation) == 4 and operation[0] == "responses" and operation[2] == "headers":
        return "Header Object"
    if len(operation) == 4 and operation[0] == "responses" and operation[2] == "links":
        return "Link Object"
    if len(operation) == 2 and operation[0] == "callbacks":
        return "Callback Object"
    if len(operation) >= 3 and operation[0] == "callbacks":
        return _in_path_item(operation[3:], swagger)
    return None


def _is_swagger(document: Document) -> bool:
    return isinstance(document.data, dict) and "swagger" in document.data


def kind_problems(document: Document, resolver: RefResolver) -> list[Problem]:
    """A `spec-invalid` problem at each `$ref` that leads to another kind of object than its place expects."""
    swagger = _is_swagger(document)
    problems = []
    for tokens, ref in resolver.references(document):
        expected = kind_at(tokens, swagger)
        if expected is None or expected == "Schema Object":
            continue
        target = resolver.follow(document, ref)
        if target is None:
            continue  # broken: reported as a reference problem
        actual = kind_at(tuple(jp.split(target.pointer)), _is_swagger(target.document))
        if actual is None or actual == expected:
            continue
        article = "an" if expected[0] in "AEIOU" else "a"
        problems.append(
            Problem(
                SPEC_INVALID,
                f'$ref "{ref}" leads to a {actual}, where {article} {expected} belongs',
                document.display,
                jp.join(*tokens, "$ref"),
            )
        )
    return problems
