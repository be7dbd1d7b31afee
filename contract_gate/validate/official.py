"""The OpenAPI Initiative's schemas, vendored in `oas_schemas/` (see its PROVENANCE.toml).

openapi-spec-validator ships older iterations (its 3.1 schema rejects a Link's `server` and accepts
`example` beside `examples`); structural validation reads these instead. Light on purpose: the
`--version` line reads the provenance alone.
"""

from __future__ import annotations

import json
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).with_name("oas_schemas")
# RFC 9110 §5.6.2: token = 1*tchar; the pattern of upstream commit fbb7da73.
TOKEN = {
    "$comment": "see https://www.rfc-editor.org/rfc/rfc9110.html#section-5.6.2",
    "type": "string",
    "pattern": "^[0-9A-Za-z!#$%&'*+.^_`|~-]+$",
}


@cache
def provenance() -> dict[str, Any]:
    """PROVENANCE.toml: where each vendored file comes from, and the amendments applied."""
    with (FOLDER / "PROVENANCE.toml").open("rb") as stream:
        return tomllib.load(stream)


def entry(version: str, kind: str = "schema") -> dict[str, Any]:
    """The provenance entry of one vendored file (`kind`: schema, dialect or meta)."""
    for item in provenance()["file"]:
        if item["version"] == version and item["kind"] == kind:
            return dict(item)
    raise KeyError(f"no vendored {kind} for OpenAPI {version}")


def contents(version: str, kind: str = "schema") -> dict[str, Any]:
    """A vendored file's JSON, as published (a fresh copy)."""
    loaded: dict[str, Any] = json.loads((FOLDER / entry(version, kind)["file"]).read_text(encoding="utf-8"))
    return loaded


@cache
def schema(version: str) -> dict[str, Any]:
    """The OpenAPI schema a document of this version family is validated against, amended.

    Read once per process; callers must not change it.
    """
    loaded = contents(version)
    return _amended(loaded) if version == "3.2" else loaded


def _amended(loaded: dict[str, Any]) -> dict[str, Any]:
    """The 3.2 schema with upstream's RFC 9110 header names (PROVENANCE.toml: `amendment`)."""
    defs = loaded["$defs"]
    defs["token"] = TOKEN
    for owner in ("response", "encoding"):
        defs[owner]["properties"]["headers"]["propertyNames"] = {"$ref": "#/$defs/token"}
    header_name = {"properties": {"name": {"$comment": "see RFC9110 §5.1", "$ref": "#/$defs/token"}}}
    defs["parameter"]["allOf"].append(
        {"if": {"properties": {"in": {"const": "header"}}}, "then": header_name}
    )
    return loaded


def version_line() -> str:
    """`OpenAPI schemas: 2.0 2017-08-27, 3.0 2024-10-18, …`: the iterations validated against."""
    amended = {item["version"]: item for item in provenance().get("amendment", [])}
    parts = []
    for item in provenance()["file"]:
        if item["kind"] != "schema":
            continue
        part = f"{item['version']} {item['iteration']}"
        change = amended.get(item["version"])
        if change is not None:
            part += f" + {change['summary']} ({change['branch']} {change['commit'][:8]})"
        parts.append(part)
    return f"OpenAPI schemas (spec.openapis.org): {', '.join(parts)}"
