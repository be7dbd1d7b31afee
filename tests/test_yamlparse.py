"""YAML text -> data: YAML 1.2 scalars, JSON-style keys, merge keys, duplicates, limits, leniency."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
import time
from typing import Any

import pytest

from contract_gate.load.limits import LimitExceeded, Limits
from contract_gate.load.yamlparse import YamlError, may_need_repair, parse_yaml

LIMITS = Limits()


def _value(scalar: str) -> Any:
    return parse_yaml(f"v: {scalar}\n", LIMITS).data["v"]


def _data(text: str, limits: Limits = LIMITS) -> Any:
    return parse_yaml(textwrap.dedent(text), limits).data


# Plain scalars and what the YAML 1.2 core schema makes of them (test_fastyaml reuses them).
CORE_SCALARS: list[tuple[str, Any]] = [
    # Words YAML 1.1 turned into booleans or dates stay words in YAML 1.2.
    ("2024-01-01", "2024-01-01"),
    ("2024-01-01T10:00:00Z", "2024-01-01T10:00:00Z"),
    ("yes", "yes"),
    ("no", "no"),
    ("on", "on"),
    ("off", "off"),
    ("Yes", "Yes"),
    ("y", "y"),
    ("1_000", "1_000"),
    ("190:20:30", "190:20:30"),
    ("0b101", "0b101"),
    ("tRue", "tRue"),
    ("0O17", "0O17"),
    # The core schema proper.
    ("true", True),
    ("True", True),
    ("FALSE", False),
    ("null", None),
    ("Null", None),
    ("~", None),
    ("", None),
    ("12", 12),
    ("-3", -3),
    ("+12", 12),
    ("012", 12),
    ("0o17", 15),
    ("0x1F", 31),
    ("1.5", 1.5),
    ("1.", 1.0),
    (".5", 0.5),
    ("6.8523015e+5", 685230.15),
    (".inf", math.inf),
    ("+.INF", math.inf),
    ("-.Inf", -math.inf),
    # Quoted and block scalars are always strings.
    ("'12'", "12"),
    ('"true"', "true"),
    ('"null"', "null"),
    ("'0o17'", "0o17"),
    # Plain text.
    ("800ms", "800ms"),
    ("ECOM-BU", "ECOM-BU"),
    ("3.0.3", "3.0.3"),
]


@pytest.mark.parametrize(("scalar", "expected"), CORE_SCALARS)
def test_plain_scalars_resolve_with_the_yaml_1_2_core_schema(scalar: str, expected: Any) -> None:
    value = _value(scalar)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("scalar", "expected"),
    [
        pytest.param(scalar, expected)
        for scalar, expected in [("1e3", 1000.0), ("1E-3", 0.001), ("-.5", -0.5), ("+.5", 0.5)]
    ],
)
def test_yaml_1_2_floats_without_a_dot_or_with_a_sign(scalar: str, expected: float) -> None:
    value = _value(scalar)
    assert value == expected
    assert type(value) is float


def test_nan_is_a_float_nan() -> None:
    assert math.isnan(_value(".nan"))
    assert math.isnan(_value(".NaN"))


def test_block_scalars_are_strings() -> None:
    data = _data(
        """\
        literal: |
          800
        folded: >-
          true
        """
    )
    assert data == {"literal": "800\n", "folded": "true"}


def test_version_written_as_a_number_stays_a_number_and_a_date_stays_text() -> None:
    data = _data(
        """\
        openapi: 3.0
        info:
          version: 2024-05-01
        """
    )
    assert data == {"openapi": 3.0, "info": {"version": "2024-05-01"}}


def test_keys_are_the_text_as_written() -> None:
    data = _data(
        """\
        responses:
          200:
            description: ok
          '404':
            description: missing
          default:
            description: error
        1.5: f
        true: t
        null: n
        0o17: octal
        """
    )
    assert list(data["responses"]) == ["200", "404", "default"]
    assert data["1.5"] == "f"
    assert data["true"] == "t"
    assert data["null"] == "n"
    assert data["0o17"] == "octal"
    assert all(isinstance(key, str) for key in data)


def test_merge_key_copies_a_mapping_and_explicit_keys_win() -> None:
    data = _data(
        """\
        defaults: &defaults
          x-slo-p99: 300ms
          x-bu-owner: ECOM-BU
        get:
          <<: *defaults
          x-slo-p99: 250ms
          operationId: listOrders
        """
    )
    assert data["get"] == {"x-slo-p99": "250ms", "x-bu-owner": "ECOM-BU", "operationId": "listOrders"}
    assert "<<" not in data["get"]


def test_merge_key_with_a_list_gives_the_first_mapping_precedence() -> None:
    data = _data(
        """\
        a: &a {k: from-a, only-a: 1}
        b: &b {k: from-b, only-b: 2}
        merged:
          <<: [*a, *b]
          own: 3
        """
    )
    assert data["merged"] == {"own": 3, "k": "from-a", "only-a": 1, "only-b": 2}


def test_merge_key_does_not_count_as_a_duplicate() -> None:
    document = parse_yaml(
        textwrap.dedent(
            """\
            base: &base {summary: a}
            get:
              <<: *base
              summary: b
            """
        ),
        LIMITS,
    )
    assert document.data["get"] == {"summary": "b"}
    assert document.duplicate_keys == []


def test_quoted_merge_key_is_an_ordinary_key() -> None:
    data = _data(
        """\
        m:
          "<<": literal
        """
    )
    assert data == {"m": {"<<": "literal"}}


def test_duplicate_keys_are_recorded_with_their_position_and_the_last_wins() -> None:
    document = parse_yaml(
        textwrap.dedent(
            """\
            paths:
              /v1/orders:
                get:
                  summary: first
                  summary: second
            responses:
              '200': {description: a}
              200: {description: b}
            """
        ),
        LIMITS,
    )
    assert document.data["paths"]["/v1/orders"]["get"] == {"summary": "second"}
    assert document.data["responses"] == {"200": {"description": "b"}}
    assert document.duplicate_keys == [("summary", 5, 7), ("200", 8, 3)]


def test_aliases_share_data_instead_of_copying_it() -> None:
    data = _data(
        """\
        a: &a {type: string}
        b: *a
        """
    )
    assert data["a"] == data["b"] == {"type": "string"}


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    started = time.perf_counter()
    with pytest.raises(LimitExceeded) as caught:
        parse_yaml("\n".join(lines) + "\n", LIMITS)
    assert time.perf_counter() - started < 5
    assert caught.value.rule.id == "too-many-nodes"
    assert "max-nodes" in str(caught.value)
    assert caught.value.line is not None


def test_max_nodes_is_configurable() -> None:
    text = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    assert parse_yaml(text, Limits(max_nodes=1000)).data["b"][9][9] == 10
    with pytest.raises(LimitExceeded) as caught:
        parse_yaml(text, Limits(max_nodes=100))
    assert caught.value.rule.id == "too-many-nodes"


def test_alias_to_itself_is_refused() -> None:
    with pytest.raises(LimitExceeded) as caught:
        parse_yaml("loop: &loop\n  next: *loop\n", LIMITS)
    assert caught.value.rule.id == "too-many-nodes"
    assert "itself" in str(caught.value)


def test_nesting_past_max_depth_is_refused_with_a_position() -> None:
    text = "a:\n  b:\n    c:\n      d: [[[1]]]\n"
    assert _data(text, Limits(max_depth=8)) == {"a": {"b": {"c": {"d": [[[1]]]}}}}
    with pytest.raises(LimitExceeded) as caught:
        parse_yaml(text, Limits(max_depth=5))
    assert caught.value.rule.id == "nesting-too-deep"
    assert (caught.value.line, caught.value.column) == (4, 11)  # the 6th level: the second bracket


def test_nesting_through_aliases_counts_against_max_depth() -> None:
    text = "a: &a [[[[1]]]]\nb: [[[[*a]]]]\n"  # b holds 8 nested lists: 9 levels with the root
    with pytest.raises(LimitExceeded) as caught:
        parse_yaml(text, Limits(max_depth=8))
    assert caught.value.rule.id == "nesting-too-deep"


_DEEP_CHILD = """
import sys
from contract_gate.load.limits import LimitExceeded, Limits
from contract_gate.load.yamlparse import parse_yaml
text = sys.stdin.read()
try:
    parse_yaml(text, Limits())
except LimitExceeded as error:
    print(error.rule.id, error.line, error.column)
else:
    print("parsed")
"""


# Documents 50,000 levels deep (test_fastyaml reuses them).
DEEP_DOCUMENTS = [
    pytest.param("x: " + "[" * 50_000 + "]" * 50_000 + "\n", id="flow-sequences"),
    pytest.param("x: " + "{a: " * 50_000 + "1" + "}" * 50_000 + "\n", id="flow-mappings"),
    pytest.param("- " * 50_000 + "x\n", id="block-sequences-on-one-line"),
]


def run_child(code: str, text: str) -> str:
    """Run `code` in a child process with `text` on stdin: a C stack overflow kills it, not the tests."""
    child = subprocess.run(
        [sys.executable, "-c", code], input=text, capture_output=True, text=True, timeout=120
    )
    assert child.returncode == 0, child.stderr[-2000:]
    return child.stdout


# Where each of DEEP_DOCUMENTS first opens a collection deeper than max-depth 256 (the root
# mapping or sequence is level 1).
_DEEP_PLACES = {
    "flow-sequences": (1, 3 + 256),
    "flow-mappings": (1, 4 + 255 * 4),
    "block-sequences-on-one-line": (1, 513),
}


@pytest.mark.parametrize("text", DEEP_DOCUMENTS)
def test_fifty_thousand_levels_are_refused_without_crashing_the_process(
    text: str, request: pytest.FixtureRequest
) -> None:
    rule, line, column = run_child(_DEEP_CHILD, text).split()
    assert rule == "nesting-too-deep"
    document_id = request.node.callspec.id
    assert (int(line), int(column)) == _DEEP_PLACES[document_id]


# libyaml >= 0.2.5 refuses nesting past 1000 levels by itself ("while increasing flow level:
# exceeded maximum nesting depth"), in flow context before it emits a single event. That
# refusal is still nesting-too-deep at the collection past max-depth, never a parse error.
@pytest.mark.parametrize(
    ("text", "place"),
    [
        pytest.param("a: 1\nb: 2\nc: " + "[" * 1500 + "]" * 1500 + "\n", (3, 3 + 256), id="flow-on-line-3"),
        pytest.param("".join(" " * i + "- \n" for i in range(1100)), (257, 257), id="block-lines"),
        pytest.param("a: {b: [" + "{c: " * 1200 + "1" + "}" * 1200 + "]}\n", (1, 9 + 253 * 4), id="mixed"),
    ],
)
def test_libyamls_own_depth_refusal_is_nesting_too_deep_at_max_depth(
    text: str, place: tuple[int, int]
) -> None:
    with pytest.raises(LimitExceeded) as caught:
        parse_yaml(text, Limits(max_depth=256))
    assert caught.value.rule.id == "nesting-too-deep"
    assert str(caught.value) == "nesting is deeper than max-depth 256"
    assert (caught.value.line, caught.value.column) == place


def _libyaml_refuses_deep_flow() -> bool:
    """PyYAML 6.0.4's libyaml refuses flow nesting past 1000 levels; older wheels have no limit."""
    import yaml

    try:
        yaml.load("[" * 1100 + "]" * 1100, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return True
    return False


def test_max_depth_above_libyamls_limit_is_refused_at_libyamls_place() -> None:
    text = "a: 1\nb: " + "[" * 1500 + "]" * 1500 + "\n"
    if not _libyaml_refuses_deep_flow():
        # Nothing refuses 1,500 levels under max-depth 2000: the file is read.
        document = parse_yaml(text, Limits(max_depth=2000))
        assert document.data["a"] == 1
        return
    with pytest.raises(LimitExceeded) as caught:
        parse_yaml(text, Limits(max_depth=2000))
    assert caught.value.rule.id == "nesting-too-deep"
    assert "1000 levels" in str(caught.value)
    assert caught.value.line == 2


def test_libyamls_depth_refusal_behind_a_control_character_is_nesting_too_deep() -> None:
    text = "x-note: a\x01b\nx-deep: " + "[" * 3000 + "]" * 3000 + "\n"
    with pytest.raises(LimitExceeded) as caught:
        parse_yaml(text, Limits(max_depth=256))
    assert (caught.value.rule.id, caught.value.line, caught.value.column) == ("nesting-too-deep", 2, 8 + 256)


def test_tab_only_line_in_a_block_scalar_is_read_leniently() -> None:
    text = "info:\n  description: |\n    First paragraph.\n\t\n    Second paragraph.\n  version: 1.0.0\n"
    document = parse_yaml(text, LIMITS)
    assert document.data == {
        "info": {"description": "First paragraph.\n\nSecond paragraph.\n", "version": "1.0.0"}
    }
    assert document.lenient is not None
    reason, line, column = document.lenient
    assert "tab" in reason
    assert (line, column) == (4, 1)


def test_lenient_reading_keeps_yaml_1_2_scalars_positions_and_duplicates() -> None:
    text = "a: |\n  x\n\t\n  y\nb: yes\nc: 2024-01-01\nd: 0o17\ne: 1\ne: 2\n"
    document = parse_yaml(text, LIMITS)
    assert document.lenient is not None
    assert document.data == {"a": "x\n\ny\n", "b": "yes", "c": "2024-01-01", "d": 15, "e": 2}
    assert document.duplicate_keys == [("e", 9, 1)]


def test_control_character_is_read_leniently() -> None:
    document = parse_yaml('a: 1\nb: "x\x7fy"\n', LIMITS)
    assert document.lenient is not None
    assert "control" in document.lenient[0] or "special" in document.lenient[0]
    assert document.data["a"] == 1


def test_control_character_is_located_where_it_is() -> None:
    document = parse_yaml('a: 1\nb: "x\x7fy"\n', LIMITS)
    assert document.lenient is not None
    assert document.lenient[1:] == (2, 6)


def test_strict_document_is_not_lenient() -> None:
    assert parse_yaml("a: |\n  x\n\n  y\n", LIMITS).lenient is None


def test_syntax_error_raises_yaml_error_with_a_position() -> None:
    with pytest.raises(YamlError) as caught:
        parse_yaml("paths:\n  /a: [\n  /b: {}\n", LIMITS)
    assert caught.value.line is not None
    assert caught.value.column is not None
    assert caught.value.line >= 2


def test_several_documents_are_a_syntax_error() -> None:
    with pytest.raises(YamlError):
        parse_yaml("openapi: 3.0.3\n---\nopenapi: 3.1.0\n", LIMITS)


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_empty_document_is_none(text: str) -> None:
    assert parse_yaml(text, LIMITS).data is None


@pytest.mark.parametrize(
    "text",
    [
        "plain ascii\n",
        "a\x01b",
        "a\x7fb",
        "a\x80b",
        "a\x84b",
        "NEL \x85 is allowed",
        "a\x9fb",
        "nbsp\xa0 and \xa9 are fine",
        "\ufffe",
        "\uffff",
        "Hangul \ud7a3 is fine",
        "emoji \U0001f600",
        "a:\n\t\nb: 1\n",
        "a:\tb\n",
    ],
)
def test_repair_check_on_utf8_bytes_agrees_with_the_check_on_text(text: str) -> None:
    assert may_need_repair(text, text.encode("utf-8")) == may_need_repair(text)
