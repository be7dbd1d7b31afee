"""JSON pointer -> 1-based (line, column) in YAML and JSON sources."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from contract_gate.load.limits import Limits
from contract_gate.load.loader import load_document
from contract_gate.load.positions import FixedLocator, JsonLocator, Locator, YamlLocator
from contract_gate.load.yamlparse import parse_yaml

YAML = """\
openapi: 3.0.3
info:
  title: Orders
  x-slo-p99: 800ms
paths:
  /v1/orders/{id}:
    get:
      tags: [public, orders]
      parameters:
        - name: id
          in: path
        - $ref: '#/components/parameters/Limit'
      responses:
        '200':
          description: The order.
x-a~b:
  c/d: slash
  e~1f: tilde-one
"""

JSON = """\
{
  "openapi": "3.0.3",
  "info": {"title": "Orders", "x-slo-p99": "800ms"},
  "paths": {
    "/v1/orders/{id}": {
      "get": {
        "tags": ["public", "orders"],
        "parameters": [
          {"name": "id", "in": "path"},
          {"$ref": "#/components/parameters/Limit"}
        ],
        "responses": {
          "200": {"description": "The order."}
        }
      }
    }
  },
  "x-a~b": {"c/d": "slash", "e~1f": "tilde-one"}
}
"""

GET = "/paths/~1v1~1orders~1{id}/get"


def _at(text: str, needle: str, nth: int = 1) -> tuple[int, int]:
    """Where the nth occurrence of needle starts, counted by hand: the oracle."""
    offset = -1
    for _ in range(nth):
        offset = text.index(needle, offset + 1)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _yaml(text: str = YAML) -> YamlLocator:
    return YamlLocator(parse_yaml(text, Limits()).root)


# (pointer, what it must point at in YAML, in JSON): the text that starts at that place.
CASES = [
    # Scalars: the value itself.
    ("/openapi", "3.0.3", '"3.0.3"'),
    ("/info/title", "Orders", '"Orders"'),
    ("/info/x-slo-p99", "800ms", '"800ms"'),
    (f"{GET}/responses/200/description", "The order.", '"The order."'),
    (f"{GET}/parameters/0/in", "path\n", '"path"'),
    # Mappings and lists: the key that introduces them.
    ("/info", "info:", '"info"'),
    (GET, "get:", '"get"'),
    (f"{GET}/tags", "tags:", '"tags"'),
    (f"{GET}/responses/200", "'200'", '"200"'),
    # List items: the item itself.
    (f"{GET}/tags/1", "orders]", '"orders"]'),
    (f"{GET}/parameters/0", "name: id", '{"name"'),
    (f"{GET}/parameters/1", "$ref", '{"$ref"'),
    # Keys holding / and ~, escaped as ~1 and ~0.
    ("/x-a~0b", "x-a~b:", '"x-a~b"'),
    ("/x-a~0b/c~1d", "slash", '"slash"'),
    ("/x-a~0b/e~01f", "tilde-one", '"tilde-one"'),
    # Missing: the deepest part that exists.
    (f"{GET}/x-slo-p99", "get:", '"get"'),
    (f"{GET}/responses/404/description", "responses:", '"responses"'),
    (f"{GET}/parameters/7", "parameters:", '"parameters"'),
    (f"{GET}/tags/x", "tags:", '"tags"'),
    ("/components/parameters/Limit", "openapi", "{"),
]


@pytest.mark.parametrize(("pointer", "yaml_at", "json_at"), CASES)
def test_yaml_locator(pointer: str, yaml_at: str, json_at: str) -> None:
    assert _yaml().locate(pointer) == _at(YAML, yaml_at)


@pytest.mark.parametrize(("pointer", "yaml_at", "json_at"), CASES)
def test_json_locator(pointer: str, yaml_at: str, json_at: str) -> None:
    assert JsonLocator(JSON).locate(pointer) == _at(JSON, json_at)


def test_whole_document_is_its_start() -> None:
    assert _yaml().locate("") == (1, 1)
    assert JsonLocator(JSON).locate("") == (1, 1)
    assert JsonLocator('\n\n   {"a": 1}').locate("") == (3, 4)


def test_pointer_past_a_scalar_points_at_the_scalar_in_yaml() -> None:
    assert _yaml().locate("/info/title/more") == _at(YAML, "Orders")


def test_pointer_past_a_scalar_points_at_the_scalar_in_json() -> None:
    assert JsonLocator(JSON).locate("/info/title/more") == _at(JSON, '"Orders"')


def test_yaml_duplicate_key_points_at_the_last_one_as_the_data_does() -> None:
    text = "a: 1\nb: 2\na: 3\n"
    assert _yaml(text).locate("/a") == (3, 4)


def test_json_duplicate_key_points_at_the_last_one_as_the_data_does() -> None:
    text = '{"a": 1,\n "a": 3}'
    assert JsonLocator(text).locate("/a") == (2, 7)


def test_yaml_flow_style_and_block_scalars() -> None:
    text = (
        "info: {title: Orders, version: '1'}\n"
        "description: |\n  line one\n  line two\n"
        "list: [{a: 1}, {a: 2}]\n"
    )
    locator = _yaml(text)
    assert locator.locate("/info/version") == (1, 32)
    assert locator.locate("/description") == (2, 14)
    assert locator.locate("/list/1/a") == (5, 20)


def test_yaml_integer_keys_are_found_by_their_text() -> None:
    text = "responses:\n  200:\n    description: ok\n"
    assert _yaml(text).locate("/responses/200/description") == (3, 18)


def test_yaml_alias_points_at_the_anchored_node() -> None:
    text = "a: &shared {type: string}\nb: *shared\n"
    assert _yaml(text).locate("/b/type") == (1, 19)


def test_empty_yaml_document_is_line_one() -> None:
    assert YamlLocator(None).locate("/anything") == (1, 1)


def test_json_escaped_key_is_found_by_its_decoded_text() -> None:
    text = '{"paths": {"\\/v1\\/orders": {"get": {}}}}'
    assert JsonLocator(text).locate("/paths/~1v1~1orders/get") == _at(text, '"get"')


def test_json_with_crlf_line_endings() -> None:
    text = JSON.replace("\n", "\r\n")
    locator = JsonLocator(text)
    for pointer, _yaml_at, json_at in CASES:
        assert locator.locate(pointer) == _at(JSON, json_at), pointer


def test_yaml_with_crlf_line_endings() -> None:
    locator = _yaml(YAML.replace("\n", "\r\n"))
    for pointer, yaml_at, _json_at in CASES:
        assert locator.locate(pointer) == _at(YAML, yaml_at), pointer


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bom.json", codecs.BOM_UTF8 + JSON.encode()),
        ("bom-crlf.json", codecs.BOM_UTF8 + JSON.replace("\n", "\r\n").encode()),
        ("utf16.json", JSON.encode("utf-16")),
        ("bom.yaml", codecs.BOM_UTF8 + YAML.encode()),
        ("bom-crlf.yaml", codecs.BOM_UTF8 + YAML.replace("\n", "\r\n").encode()),
    ],
)
def test_files_with_a_bom_or_crlf_line_endings(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    locator = load_document(path, Limits()).locator
    source, column = (JSON, 2) if name.endswith(".json") else (YAML, 1)
    for pointer, yaml_at, json_at in CASES:
        assert locator.locate(pointer) == _at(source, json_at if column == 2 else yaml_at), pointer
    # The first line too: the BOM is not a column.
    first = "{" if source is JSON else "openapi"
    assert locator.locate("/components/x") == _at(source, first)


def test_json_locator_never_raises_on_text_that_is_not_json() -> None:
    assert JsonLocator("not json at all").locate("/a/b") == (1, 1)
    assert JsonLocator('{"a": [1, 2').locate("/a/1") == (1, 1)


def test_fixed_locator_is_one_place_for_everything() -> None:
    locator: Locator = FixedLocator(4, 2)
    assert locator.locate("/anything") == (4, 2)
    assert FixedLocator().locate("") == (1, 1)
