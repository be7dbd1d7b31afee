"""The fast schema walk finds the errors openapi-spec-validator's own walk finds, at the same places."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from contract_gate.config.settings import Config
from contract_gate.engine.checker import Settings, check_file

HEAD = """\
openapi: 3.0.3
info: {title: T, version: '1', x-bu-owner: ECOM}
paths:
  /a:
    get:
      x-slo-p99: 100ms
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
"""

# Each: the response schema (indented under `schema:`) and the components it refers to.
SPECS = {
    "ref-chain-to-a-bad-default": (
        "$ref: '#/components/schemas/A'",
        "A: {$ref: '#/components/schemas/B'}\nB: {type: integer, default: text}",
    ),
    "ref-with-siblings-ignored": (
        "{$ref: '#/components/schemas/A', description: ignored, default: 1}",
        "A: {type: string, default: 3}",
    ),
    "escaped-pointer": (
        "$ref: '#/components/schemas/a~1b~0c'",
        "a/b~c: {type: integer, default: no}",
    ),
    "pointer-into-a-list": (
        "$ref: '#/components/schemas/A/allOf/1'",
        "A: {allOf: [{type: object}, {type: integer, default: x}]}",
    ),
    "missing-target": (
        "$ref: '#/components/schemas/Nowhere'",
        "A: {type: integer}",
    ),
    "cycle": (
        "$ref: '#/components/schemas/A'",
        "A: {$ref: '#/components/schemas/B'}\nB: {$ref: '#/components/schemas/A'}",
    ),
    "shared-schema-reported-once-where-first-met": (
        "type: object\nproperties:\n"
        "  x: {$ref: '#/components/schemas/A'}\n  y: {$ref: '#/components/schemas/A'}",
        "A: {type: object, required: [z], allOf: [{properties: {w: {type: string}}}], default: 5}",
    ),
    "items-and-not": (
        "{type: array, items: {$ref: '#/components/schemas/A'}, not: {$ref: '#/components/schemas/B'}}",
        "A: {type: string, default: 1}\nB: {type: integer, default: b}",
    ),
    # `$id` may move a resolver's base in JSON Schema; the fast lookups must follow the library.
    "id-on-a-target-with-its-own-components": (
        "type: object\nproperties:\n  p: {$ref: '#/components/schemas/A'}",
        "A:\n  $id: 'http://example.com/a'\n  type: object\n  properties:\n"
        "    q: {$ref: '#/components/schemas/B'}\n"
        "  components: {schemas: {B: {type: string, default: 1}}}\n"
        "B: {type: integer, default: two}",
    ),
    "pointer-through-a-schema-with-id": (
        "$ref: '#/components/schemas/A/properties/inner/properties/q'",
        "A:\n  type: object\n  properties:\n    inner:\n      $id: 'sub/inner.json'\n"
        "      type: object\n      properties:\n        q: {$ref: '#/components/schemas/B'}\n"
        "      components: {schemas: {B: {type: string, default: 1}}}\n"
        "B: {type: integer, default: two}",
    ),
    "percent-escaped-fragment": (
        "$ref: '#/components/schemas/A%20B'",
        "A B: {type: integer, default: text}",
    ),
}


def _spec(schema: str, components: str) -> str:
    body = textwrap.indent(schema, " " * 16)
    schemas = textwrap.indent(components, " " * 4)
    return f"{HEAD}{body}\ncomponents:\n  schemas:\n{schemas}\n"


def _findings(path: Path, reference: bool) -> list[tuple[str, str, str, int | None]]:
    result = check_file(path, True, Settings(Config(), path.parent, reference=reference))
    return [(f.rule, f.pointer, f.message, f.line) for f in result.findings if f.rule == "spec-invalid"]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_fast_walk_reports_what_the_validators_own_walk_reports(tmp_path: Path, name: str) -> None:
    path = tmp_path / "openapi.yaml"
    path.write_text(_spec(*SPECS[name]), encoding="utf-8")
    fast, reference = _findings(path, False), _findings(path, True)
    assert fast == reference
    if name not in ("missing-target", "cycle"):
        assert fast, "the spec was meant to hold a structural error"
