"""Fast path against reference path on generated specs: the same findings, field by field.

The corpus equivalence test (test_equivalence.py) holds the two paths equal on the specs we
have; this one generates what a corpus may lack: keys with `#`, `~`, `/`, `%`, `..`, spaces,
non-ASCII, empty and numeric-looking keys; `$ref`s with escaped and percent-encoded
pointers, chains of references and references into arrays; then breaks some of them.
`make test` runs a fixed sample (derandomized); `make fuzz-differential` hunts for
DIFFERENTIAL_SECONDS with fresh randomness.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import checker_recursion_limit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract_gate.config.settings import Config
from contract_gate.engine.checker import Settings, check_file

HUNT = os.environ.get("CONTRACT_GATE_FUZZ_HUNT") == "1"
EXAMPLES = int(os.environ.get("CONTRACT_GATE_DIFFERENTIAL_EXAMPLES", "120"))
AWKWARD = ["#text", "x5t#S256", "a~b", "~1", "a/b", "/", "%25", "50%", "..", "a b", "ünï", "日本", "", "0",
           "01", "1e3", "-1", "true", "null", "$ref", "a.b", "#/x", "~0~1", "%2F"]  # fmt: skip
LEAVES = [{"type": "string"}, {"type": "integer", "minimum": 0}, {"type": "bogus"}]
keys = st.one_of(st.sampled_from(AWKWARD), st.text(alphabet="#~/%. aé0$", max_size=5))


def _escaped(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _pointer(parts: list[str | int], percent: bool) -> str:
    escaped = "/".join(_escaped(str(part)) for part in parts)
    return "#/" + (urllib.parse.quote(escaped, safe="/~") if percent else escaped)


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    """An OpenAPI 3.0 spec whose names and references are awkward, sometimes broken."""
    names = draw(st.lists(keys, min_size=1, max_size=4, unique=True))
    schemas: dict[str, Any] = {}
    for name in names:
        properties = {
            key: draw(st.sampled_from(LEAVES)) for key in draw(st.lists(keys, max_size=4, unique=True))
        }
        schemas[name] = {"type": "object", "properties": properties}
        if draw(st.booleans()):
            schemas[name]["allOf"] = [{"type": "object"}, {"required": list(properties)[:1]}]
    for name in names:
        target = draw(st.sampled_from(names))
        percent = draw(st.booleans())
        kind = draw(st.sampled_from(["property", "chain", "array", "missing", "none"]))
        to_target = {"$ref": _pointer(["components", "schemas", target], percent)}
        if kind == "property":
            schemas[name]["properties"][draw(keys)] = to_target
        elif kind == "chain":
            schemas[f"{name}-alias"] = to_target
        elif kind == "array" and "allOf" in schemas[target]:
            ref = _pointer(["components", "schemas", target, "allOf", 1], percent)
            schemas[name]["properties"]["into-array"] = {"$ref": ref}
        elif kind == "missing":
            ref = _pointer(["components", "schemas", f"{target}-x"], percent)
            schemas[name]["properties"]["gone"] = {"$ref": ref}
    parameter = draw(keys)
    body = {"schema": {"$ref": _pointer(["components", "schemas", names[0]], False)}}
    responses = {"200": {"description": "ok", "content": {"application/json": body}}}
    operation: dict[str, Any] = {"x-bu-owner": "ECOM-BU", "x-slo-p99": "100ms", "responses": responses}
    if draw(st.booleans()):
        ref = _pointer(["components", "parameters", parameter], draw(st.booleans()))
        operation["parameters"] = [{"$ref": ref}]
    path_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    query = {"name": parameter or "q", "in": "query", "schema": {"type": "string"}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "differential", "version": "1"},
        "paths": {"/items/{id}": {"parameters": [path_id], "get": operation}},
        "components": {"schemas": schemas, "parameters": {parameter: query}},
    }


def _seen(result: Any) -> list[tuple[Any, ...]]:
    return [(f.rule, f.severity, f.message, f.line, f.column, f.pointer) for f in result.findings]


@pytest.mark.timeout(900)
@pytest.mark.filterwarnings("ignore:The recursion limit will not be reset")
def test_fast_and_reference_paths_report_the_same_on_generated_specs(tmp_path: Path) -> None:
    fast = Settings(config=Config(), ref_root=tmp_path.resolve())
    reference = Settings(config=Config(), ref_root=tmp_path.resolve(), reference=True)
    compared = {"specs": 0, "broken": 0}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not HUNT,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(specs(), st.sampled_from(["yaml", "json"]))
    def check(spec: dict[str, Any], suffix: str) -> None:
        path = tmp_path / f"spec.{suffix}"
        if suffix == "json":
            text = json.dumps(spec, ensure_ascii=False)
        else:
            text = yaml.safe_dump(spec, allow_unicode=True)
        path.write_text(text, encoding="utf-8")
        got, expected = check_file(path, True, fast), check_file(path, True, reference)
        assert got.internal_error is None and expected.internal_error is None
        assert _seen(got) == _seen(expected), text
        assert not any("stopped early" in f.message for f in got.findings), text
        compared["specs"] += 1
        compared["broken"] += any(f.rule.startswith(("spec-", "ref-")) for f in got.findings)

    with checker_recursion_limit():
        check()
    # The generator must reach broken specs too, not only valid ones.
    assert compared["broken"] > 0, compared
