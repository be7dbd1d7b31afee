"""Schema Objects of a foreign JSON Schema dialect are left unchecked, said so once, on both paths alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract_gate.config.settings import Config
from contract_gate.engine.checker import Settings, check_file

HEAD = """\
openapi: 3.1.0
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
              schema: {$ref: '#/components/schemas/A'}
"""

# Each: what follows HEAD, and the (rule, pointer) of every finding the check must give.
SPECS = {
    "root-dialect": (
        "jsonSchemaDialect: https://example.com/d\ncomponents:\n  schemas:\n"
        "    A: {type: numbr, default: 1}\n    B: {properties: {x: {minimum: low}}}\n",
        [("schema-dialect-unchecked", "/jsonSchemaDialect")],
    ),
    "root-dialect-overridden-by-2020-12": (
        "jsonSchemaDialect: https://example.com/d\ncomponents:\n  schemas:\n"
        "    A: {$schema: 'https://json-schema.org/draft/2020-12/schema', type: numbr}\n",
        [("schema-dialect-unchecked", "/jsonSchemaDialect"), ("spec-invalid", "/components/schemas/A/type")],
    ),
    "own-dialect-referenced-twice": (
        "components:\n  schemas:\n"
        "    A: {type: object, properties: {x: {$ref: '#/components/schemas/B'},"
        " y: {$ref: '#/components/schemas/B'}}}\n"
        "    B: {$schema: 'http://json-schema.org/draft-04/schema#', exclusiveMinimum: true, minimum: 0}\n",
        [("schema-dialect-unchecked", "/components/schemas/B/$schema")],
    ),
    "own-dialect-deep-in-a-checked-schema": (
        "components:\n  schemas:\n"
        "    A:\n      type: object\n      $defs:\n"
        "        old: {$schema: 'https://example.com/d', type: decimal}\n"
        "      properties: {z: {type: integr}}\n",
        [
            ("schema-dialect-unchecked", "/components/schemas/A/$defs/old/$schema"),
            ("spec-invalid", "/components/schemas/A/properties/z/type"),
        ],
    ),
    "a-dollar-schema-in-an-example-is-data": (
        "components:\n  schemas:\n    A: {type: object, example: {$schema: 'https://example.com/d'}}\n",
        [],
    ),
    "non-string-dollar-schema-is-still-an-error": (
        "components:\n  schemas:\n    A: {$schema: 5, type: object}\n",
        [("spec-invalid", "/paths/~1a/get/responses/200/content/application~1json/schema")],
    ),
}


def _findings(path: Path, reference: bool) -> list[tuple[str, str, str, int | None]]:
    result = check_file(path, True, Settings(Config(), path.parent, reference=reference))
    return [
        (f.rule, f.pointer, f.message, f.line)
        for f in result.findings
        if f.rule.startswith(("spec", "schema"))
    ]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_foreign_dialects_are_left_unchecked_alike_on_both_paths(tmp_path: Path, name: str) -> None:
    body, expected = SPECS[name]
    path = tmp_path / "openapi.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    fast, reference = _findings(path, False), _findings(path, True)
    assert fast == reference
    assert sorted((rule, pointer) for rule, pointer, _, _ in fast) == sorted(expected)
    messages = [message for _, _, message, _ in fast]
    assert not any("stopped early" in message for message in messages)
    if name != "non-string-dollar-schema-is-still-an-error":
        assert not any("Unknown JSON Schema dialect" in message for message in messages)


def test_a_schema_in_another_file_names_its_own_dialect(tmp_path: Path) -> None:
    (tmp_path / "schemas.yaml").write_text(
        "Old: {$schema: 'https://example.com/d', type: decimal}\n", encoding="utf-8"
    )
    path = tmp_path / "openapi.yaml"
    path.write_text(HEAD + "components:\n  schemas:\n    A: {$ref: 'schemas.yaml#/Old'}\n", encoding="utf-8")
    fast, reference = _findings(path, False), _findings(path, True)
    assert fast == reference
    assert [(rule, message.split(":")[0]) for rule, _, message, _ in fast] == [
        ("schema-dialect-unchecked", "$schema 'https")
    ]
