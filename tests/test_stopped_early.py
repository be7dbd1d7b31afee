"""'Stopped early' is never an answer on a spec openapi-spec-validator accepts (issue 15, point 2).

Small valid specs of each version are mutated (a keyword set to an odd value, or a key deleted, a few
times); whenever the reference, `openapi_spec_validator.validate` on the loaded data, accepts the
result, neither path of the checker may report that the validator stopped early.
`CONTRACT_GATE_FUZZ_HUNT=1` draws new examples; `CONTRACT_GATE_FUZZ_SCALE` multiplies their number.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from conftest import checker_recursion_limit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

from contract_gate.config.settings import Config
from contract_gate.engine.checker import Settings, check_file

_EXAMPLES = int(300 * float(os.environ.get("CONTRACT_GATE_FUZZ_SCALE", "1")))
_DERANDOMIZE = not os.environ.get("CONTRACT_GATE_FUZZ_HUNT")

_SCHEMA = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": {"type": "integer", "default": 1},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "allOf": [{"properties": {"name": {"type": "string"}}}],
}
_OPERATION_3 = {
    "operationId": "getOrder",
    "x-slo-p99": "100ms",
    "parameters": [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
        {"$ref": "#/components/parameters/Limit"},
    ],
    "responses": {
        "200": {
            "description": "ok",
            "headers": {"X-Rate": {"schema": {"type": "integer", "default": 3}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}},
            "links": {"self": {"operationId": "getOrder"}},
        }
    },
}


def _openapi(version: str) -> dict[str, Any]:
    return {
        "openapi": version,
        "info": {"title": "Orders", "version": "1", "x-bu-owner": "ECOM"},
        "servers": [{"url": "https://{host}/v1", "variables": {"host": {"default": "example.com"}}}],
        "paths": {"/orders/{id}": {"get": copy.deepcopy(_OPERATION_3)}},
        "components": {
            "schemas": {"Order": copy.deepcopy(_SCHEMA), "Plain": {"type": "string", "enum": ["a", "b"]}},
            "parameters": {"Limit": {"name": "limit", "in": "query", "schema": {"type": "integer"}}},
            "securitySchemes": {"key": {"type": "apiKey", "name": "key", "in": "header"}},
        },
        "security": [{"key": []}],
    }


def _swagger() -> dict[str, Any]:
    return {
        "swagger": "2.0",
        "info": {"title": "Orders", "version": "1", "x-bu-owner": "ECOM"},
        "paths": {
            "/orders/{id}": {
                "get": {
                    "operationId": "getOrder",
                    "x-slo-p99": "100ms",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "type": "integer"},
                        {"$ref": "#/parameters/Limit"},
                    ],
                    "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Order"}}},
                }
            }
        },
        "definitions": {"Order": copy.deepcopy(_SCHEMA)},
        "parameters": {"Limit": {"name": "limit", "in": "query", "type": "integer", "default": 10}},
    }


SEEDS = [_openapi("3.0.3"), _openapi("3.1.0"), _openapi("3.2.0"), _swagger()]
KEYS = [
    "type", "items", "properties", "default", "required", "$ref", "schema", "content", "parameters",
    "in", "name", "nullable", "allOf", "oneOf", "anyOf", "not", "enum", "example", "examples",
    "discriminator", "style", "explode", "headers", "links", "callbacks", "security", "servers",
    "variables", "$schema", "jsonSchemaDialect", "operationId", "responses", "requestBody",
    "additionalProperties", "format", "pattern", "const", "$id", "$defs", "collectionFormat",
]  # fmt: skip
# References to every kind of place: a schema, another kind of object, a value, nothing.
REFS = [
    "#/components/schemas/Order",
    "#/components/schemas/Order/properties/id",
    "#/components/schemas/Nope",
    "#/components/parameters/Limit",
    "#/components/securitySchemes/key",
    "#/definitions/Order",
    "#/parameters/Limit",
    "#/info",
    "#/servers/0",
    "#/paths/~1orders~1{id}/get/parameters/0",
    "#/paths/~1orders~1{id}/get/responses/200",
    "#/",
    "#",
]
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([1.5, 1e300, "", "string", "object", "array", "integer", "query", "path", "header"]),
    st.sampled_from(REFS),
    st.sampled_from(["https://example.com/d", "getOrder", "x", "{id}", "application/json", "200"]),
)

VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)
    ),
    max_leaves=6,
)


def _containers(node: Any) -> list[Any]:
    found, stack = [], [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict | list):
            found.append(item)
            stack.extend(item.values() if isinstance(item, dict) else item)
    return found


@st.composite
def mutated_specs(draw: st.DrawFn) -> dict[str, Any]:
    """A seed spec with one to three keywords set to odd values, or keys deleted."""
    spec = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 3))):
        containers = _containers(spec)
        node = containers[draw(st.integers(0, len(containers) - 1))]
        if isinstance(node, list):
            if node and draw(st.booleans()):
                node[draw(st.integers(0, len(node) - 1))] = draw(VALUES)
            else:
                node.append(draw(VALUES))
        elif node and draw(st.integers(0, 3)) == 0:
            del node[draw(st.sampled_from(sorted(node)))]
        else:
            node[draw(st.sampled_from(KEYS))] = draw(VALUES)
    return spec


def _accepted(spec: dict[str, Any]) -> bool:
    try:
        validate(copy.deepcopy(spec))
    except Exception:
        return False
    return True


def test_no_stopped_early_on_a_spec_the_reference_accepts(tmp_path: Path) -> None:
    ran = {"accepted": 0}

    @settings(
        max_examples=_EXAMPLES,
        deadline=None,
        derandomize=_DERANDOMIZE,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(mutated_specs())
    def check(spec: dict[str, Any]) -> None:
        if not _accepted(spec):
            return
        ran["accepted"] += 1
        path = tmp_path / "openapi.json"
        path.write_text(json.dumps(spec), encoding="utf-8")
        for reference in (False, True):
            result = check_file(path, True, Settings(Config(), tmp_path, reference=reference))
            stopped = [f.message for f in result.findings if "stopped early" in f.message]
            assert not stopped, (json.dumps(spec), reference, stopped)

    with checker_recursion_limit():
        check()
    assert ran["accepted"] >= _EXAMPLES // 20, ran
