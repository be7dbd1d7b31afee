"""The vendored OpenAPI schemas: each file is what PROVENANCE.toml says, and nothing is fetched."""

from __future__ import annotations

import hashlib
import json
import re
import socket
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
from conftest import invoke
from jsonschema.exceptions import SchemaError
from jsonschema.validators import validator_for
from openapi_schema_validator import OAS31Validator, OAS32Validator
from openapi_schema_validator._specifications import REGISTRY as LIBRARY_REGISTRY

from contract_gate.validate import dialects, official

FAMILIES = ("2.0", "3.0", "3.1", "3.2")
# Meta-schemas both JSON Schema backends hold themselves.
BUILT_IN = ("http://json-schema.org/draft-04/schema#", "https://json-schema.org/draft/2020-12/schema")


def _blob_id(data: bytes) -> str:
    """The git blob id of these bytes, as `git hash-object` gives it."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("$ref", "$dynamicRef") and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"network access attempted: {args!r}")

    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize("item", official.provenance()["file"], ids=lambda i: f"{i['version']}-{i['kind']}")
def test_each_vendored_file_is_the_published_one(item: dict[str, Any]) -> None:
    data = (official.FOLDER / item["file"]).read_bytes()
    assert _blob_id(data) == item["blob"], "the file differs from the published one: update its entry"
    loaded = json.loads(data)
    assert loaded.get("$id", loaded.get("id")) == item["id"]
    assert item["path"] == f"oas/{item['version']}/{item['kind']}/{item['iteration']}"
    assert item["id"].endswith(item["iteration"]) or item["version"] == "2.0"  # 2.0's id has no date


def test_every_vendored_file_has_provenance_and_a_licence() -> None:
    listed = {item["file"] for item in official.provenance()["file"]}
    present = {str(path.relative_to(official.FOLDER)) for path in official.FOLDER.glob("*/*.json")}
    assert present == listed
    assert "Apache License" in (official.FOLDER / "LICENSE").read_text(encoding="utf-8")
    assert {(i["version"], i["kind"]) for i in official.provenance()["file"]} >= {
        *((family, "schema") for family in FAMILIES),
        *((family, kind) for family in ("3.1", "3.2") for kind in ("dialect", "meta")),
    }


@pytest.mark.parametrize("family", FAMILIES)
def test_schemas_refer_only_to_themselves_and_meta_schemas_held_locally(family: str, offline: None) -> None:
    schema = official.schema(family)
    outside = {ref for ref in _refs(schema) if not ref.startswith("#")}
    assert all(ref.startswith(BUILT_IN) for ref in outside), outside
    # Both backends build and validate with the network refused (jsonschema-rs told not to fetch).
    rust = jsonschema_rs.validator_cls_for(schema)(schema, validate_formats=False, offline=True)
    python = validator_for(schema)(schema)
    assert not rust.is_valid({}) and not python.is_valid({})


def test_the_newest_dialects_are_judged_as_the_openapi_dialect_without_fetching(offline: None) -> None:
    for family, library in (("3.1", OAS31Validator), ("3.2", OAS32Validator)):
        dialect_id = official.entry(family, "dialect")["id"]
        assert dialect_id in dialects.KNOWN
        validator = validator_for({"$schema": dialect_id})
        validator.check_schema({"type": "object", "xml": {"wrapped": True}})
        with pytest.raises(SchemaError, match="'yes' is not of type 'boolean'"):  # the OpenAPI vocabulary's
            validator.check_schema({"type": "object", "xml": {"wrapped": "yes"}})
        # The Schema Objects of a document naming no dialect are checked with openapi-schema-validator's
        # own copy of the OpenAPI dialect: it says what the newest published one says.
        meta_id = next(r["$ref"] for r in library.META_SCHEMA["allOf"] if "spec.openapis.org" in r["$ref"])
        assert _content(library.META_SCHEMA) == _content(official.contents(family, "dialect"))
        assert _content(LIBRARY_REGISTRY.contents(meta_id)) == _content(official.contents(family, "meta"))


def _content(schema: Any) -> str:
    """A dialect or vocabulary schema, without what names it (its ids and dates, title, description)."""
    kept = {key: value for key, value in schema.items() if key not in ("$id", "title", "description")}
    return re.sub(r"(spec\.openapis\.org/oas/3\.\d/\w+)/[\w-]+", r"\1", json.dumps(kept, sort_keys=True))


def test_the_32_amendment_is_still_needed_and_applied() -> None:
    published = official.contents("3.2")
    assert "token" not in published["$defs"], (
        "the published 3.2 schema checks header names: drop the amendment"
    )
    amended = official.schema("3.2")["$defs"]
    assert amended["token"] == official.TOKEN
    assert amended["response"]["properties"]["headers"]["propertyNames"] == {"$ref": "#/$defs/token"}
    assert [a["version"] for a in official.provenance()["amendment"]] == ["3.2"]


def test_version_names_each_schema_iteration() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("contract-gate, version ")
    for family in FAMILIES:
        assert f"{family} {official.entry(family)['iteration']}" in lines[1]
    assert "RFC 9110 header names (v3.2-dev fbb7da73)" in lines[1]
