"""The rapidyaml path reads every file exactly as the libyaml path does, or leaves it to libyaml."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import CORPUS
from hypothesis import given, settings
from hypothesis import strategies as st
from test_yamlparse import CORE_SCALARS, DEEP_DOCUMENTS, run_child

from contract_gate.load import pointer as jp
from contract_gate.load.fastyaml import parse_fast
from contract_gate.load.limits import Limits
from contract_gate.load.positions import YamlLocator
from contract_gate.load.yamlparse import parse_yaml

LIMITS = Limits()


def _same(a: Any, b: Any) -> bool:
    """Equal data, where NaN equals NaN and types must match (1 is not 1.0 nor True)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _pointers(data: Any, prefix: str = "") -> list[str]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _pointers(value, jp.join(*jp.split(prefix), key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _pointers(value, jp.join(*jp.split(prefix), str(index)))
    return found


def _parity(text: str) -> bool:
    """Assert the fast path agrees with libyaml on data and every position; True if it read the text."""
    fast = parse_fast(text, LIMITS)
    if fast is None:
        return False
    slow = parse_yaml(text, LIMITS)
    assert _same(fast.data, slow.data), (fast.data, slow.data)
    reference = YamlLocator(slow.root)
    for pointer in [*_pointers(slow.data), "/no-such-key", "/0/no/such/path"]:
        assert fast.locator.locate(pointer) == reference.locate(pointer), pointer
    return True


@pytest.mark.parametrize(("scalar", "expected"), CORE_SCALARS)
def test_plain_scalars_are_read_by_the_yaml_1_2_core_schema(scalar: str, expected: Any) -> None:
    for text in (f"v: {scalar}\n", f"- {scalar}\n", f"v: [{scalar}, x]\n"):
        if parse_fast(text, LIMITS) is not None:
            assert _parity(text)
    # Signs (`+12`, `+.INF`) are not JSON numbers: those files are libyaml's.
    if not scalar.startswith("+"):
        fast = parse_fast(f"v: {scalar}\n", LIMITS)
        assert fast is not None
        assert fast.data["v"] == expected
        assert type(fast.data["v"]) is type(expected)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths: {}\n", id="flow-mapping"),
        pytest.param("a:\n  - x: 1\n    y: [1, 2.5, 'q', \"d\"]\n  - z\n", id="maps-in-sequences"),
        pytest.param('\'quoted key\': 1\n"esc\\"aped\\tkey": 2\nplain: 3\n', id="quoted-keys"),
        pytest.param("content:\n  '*/*':\n    schema: {}\n  text/*: {}\n", id="media-type-keys"),
        pytest.param("content:\n  */*:\n    schema: {}\n", id="unquoted-media-range-key"),
        pytest.param("a: 1\r\nb:\r\n  c: 'x'\r\n", id="crlf"),
        pytest.param("---\na: 1\n", id="document-start"),
        pytest.param("%YAML 1.2\n---\na: 1\n...\n", id="directive-and-end"),
        pytest.param("- 1\n- two\n- {three: 3}\n", id="root-sequence"),
        pytest.param("- only\n", id="root-sequence-of-one"),
        pytest.param("just text\n", id="root-scalar"),
        pytest.param("a: héllo wörld ✓\nb: 'ünïcode'\nc: \"\\u00e9\\U0001F600\"\n", id="unicode"),
        pytest.param("a: plain\n  continued\n  lines\nb: 'single\n  folded'\n", id="multi-line-scalars"),
        pytest.param(
            "a: |\n  literal\n  text\nb: >-\n  folded\n  text\nc: |+\n  kept\n\n", id="block-scalars"
        ),
        pytest.param("a:\nb: ''\nc: \"\"\nd: ~\n", id="empty-values"),
        pytest.param("a: # comment\n  1\nb:\n  # comment\n  c: 2\n", id="comments-before-values"),
        pytest.param("a: !!str 1\nb: !custom {c: 2}\nc: !!int '3'\n", id="tags"),
        pytest.param("a: &anchor {b: 1}\nc: 2\n", id="anchor-without-alias"),
        pytest.param("a: nan\nb: inf\nc: .NaN\nd: -.inf\ne: 1e5\nf: -0\ng: 0.0\n", id="float-words"),
        pytest.param("a: 12345678901234567890123456789\n", id="big-integer"),
        pytest.param("a: 'it''s'\nb: \"tab\\there\"\nc: \"line\\nbreak\"\n", id="escapes"),
        pytest.param("a:   spaced   \nb:\t1\n", id="whitespace"),
        pytest.param("a: [\n  1,\n  2\n]\n", id="flow-over-lines-closed-at-column-one"),
        pytest.param("a: *alias\n", id="undefined-alias"),
        pytest.param("a: &x [1, 2]\nb: *x\n", id="alias"),
        pytest.param("base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n", id="merge-key"),
        pytest.param("a: 1\na: 2\n", id="duplicate-key"),
        pytest.param("a: {b: 1, b: 2}\n", id="duplicate-flow-key"),
        pytest.param('a: "\\x01 control"\n', id="escaped-control-character"),
        pytest.param("a: 'tab\tinside'\n", id="literal-tab-in-scalar"),
        pytest.param("a: 1\rb: 2\r", id="lone-cr"),
        pytest.param("a: 'line\u2028separator'\n", id="unicode-line-separator"),
        pytest.param("? [complex, key]\n: value\n", id="complex-key"),
    ],
)
def test_the_fast_path_agrees_with_libyaml_or_leaves_the_file_to_it(text: str) -> None:
    _agrees_or_declines(text)


def _agrees_or_declines(text: str) -> None:
    try:
        slow = parse_yaml(text, LIMITS)
    except Exception:
        # libyaml refuses it, and so must the fast path: the user gets libyaml's parse error.
        assert parse_fast(text, LIMITS) is None
        return
    if slow.lenient is not None:
        assert parse_fast(text, LIMITS) is None
        return
    _parity(text)


# YAML rapidyaml reads although libyaml refuses it, or reads otherwise (found by mutating corpus
# specs): a plain scalar starting with an indicator, anchors and tags on empty nodes, `?` in
# flow, an empty key, tabs as separators, float words as keys.
ODD_YAML = [
    "a: ]x\n",
    "a: }x\n",
    "- @x\n",
    "`x: 1\n",
    "a: [%x]\n",
    "a: {:x: 1}\n",
    "a: [:]\n",
    "&x: 1\n",
    "a: &\n",
    "a: !\n",
    "a: !x\n",
    "a: [!x]\n",
    "a: [?x]\n",
    "a:\tb\n",
    "-\tx\n",
    "- \tx\n",
    "a:\n  -\tx\n",
    "a: x\n\t# c\n",
    "inf: 1\nnan: 2\n",
    "-inf: 1\n",
    # An anchor without a name (libyaml: "while scanning an anchor"; rapidyaml read on):
    "a: & b\n",
    "a: [& ,]\n",
    "a: {b: & c}\n",
    "a:\n  & b\n",
    "a: [x, & ]\n",
    "a: &\tb\n",
    "? & a\n: b\n",
    "a: b\n& c: d\n",
    # A block scalar's header comment holding an indicator's character (rapidyaml: chomping):
    "a: |  # x-y\n  d\n",
    "a: >  # [owner-invalid]\n  d\n",
    "a: |  # +1\n  d\n\n",
    "a: |-  # keep+\n  d\n\n",
    "a: |  # 4\n      d\n",
    "a:\n  - >  # 2-\n    d\n",
]


@pytest.mark.parametrize("text", ODD_YAML)
def test_yaml_only_libyaml_reads_right_is_left_to_it(text: str) -> None:
    _agrees_or_declines(text)


@pytest.mark.corpus
def test_mutated_corpus_specs_read_the_same_on_both_paths() -> None:
    # Real specs with one line damaged the way hands and merges damage them: whatever libyaml
    # makes of the result, the fast path makes the same, or leaves the file to libyaml.
    rng = random.Random(20261121)
    files = [
        CORPUS / line
        for line in (CORPUS / "manifest.txt").read_text("utf-8").split()
        if line.endswith((".yaml", ".yml")) and (CORPUS / line).stat().st_size < 60_000
    ]
    inserts = [
        ":",
        "- ",
        "'",
        '"',
        "{",
        "}",
        "[",
        "]",
        "\t",
        "#",
        "&a ",
        "*a",
        "!!str ",
        "? ",
        "|",
        ">",
        "@",
        "%",
    ]
    fast_read = 0
    for _ in range(300):
        lines = rng.choice(files).read_text("utf-8").split("\n")
        at = rng.randrange(len(lines))
        line = lines[at]
        cut = rng.randrange(len(line) + 1)
        lines[at] = line[:cut] + rng.choice(inserts) + line[cut:] if rng.random() < 0.7 else line[:cut]
        text = "\n".join(lines)
        _agrees_or_declines(text)
        fast_read += parse_fast(text, LIMITS) is not None
    assert fast_read > 50  # the test exercised the fast path, not only its refusals


@pytest.mark.parametrize(
    "text",
    [
        "a: &x [1, 2]\nb: *x\n",
        "base: &b {x: 1}\nderived:\n  <<: *b\n",
        "a: 1\na: 2\n",
        "a: {b: 1, b: 2}\n",
        "openapi: 3.0.3\n---\nopenapi: 3.1.0\n",
        "a: 'line\u2028separator'\n",
        "a: 1\rb: 2\r",
        "x: " + "[" * 300 + "]" * 300 + "\n",
    ],
    ids=["alias", "merge", "duplicate", "duplicate-flow", "two-documents", "ls", "cr", "deep"],
)
def test_what_only_libyaml_reads_correctly_is_left_to_it(text: str) -> None:
    assert parse_fast(text, LIMITS) is None


@pytest.mark.parametrize(
    "text",
    [
        "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n",
        "content:\n  '*/*':\n    schema: {}\n  \"*/*; q=0.5\": {}\n",
        "a: ~\nb: Null\nc: TRUE\nd: 0x1F\ne: 007\nf: .NaN\n",
        "- 1\n",
        "a: 1\r\nb: 2\r\n",
    ],
    ids=["spec", "media-ranges", "core-words", "root-list", "crlf"],
)
def test_ordinary_specs_take_the_fast_path(text: str) -> None:
    assert _parity(text)


def test_positions_of_keys_values_and_list_items() -> None:
    text = (
        "openapi: 3.0.3\npaths:\n  '/a':\n    get:\n"
        '      parameters:\n        - name: id\n          in: "path"\n'
    )
    fast = parse_fast(text, LIMITS)
    assert fast is not None
    locate = fast.locator.locate
    assert locate("/paths/~1a") == (3, 3)  # a mapping: where its (quoted) key starts
    assert locate("/paths/~1a/get/parameters/0") == (6, 11)  # a list item: its first key
    assert locate("/paths/~1a/get/parameters/0/in") == (7, 15)  # a scalar: its own (quoted) start
    assert locate("/paths/~1a/get/responses") == (4, 5)  # missing: the deepest part that exists


def test_a_file_only_rapidyaml_reads_is_located_without_libyaml_when_possible() -> None:
    # A block scalar's position is libyaml's (the indicator): asked of libyaml on first need.
    text = "a:\n  b: |\n    text\n  c: 1\n"
    fast = parse_fast(text, LIMITS)
    assert fast is not None
    assert fast.locator.locate("/a/b") == (2, 6)
    assert fast.locator.locate("/a/c") == (4, 6)


_KEYS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=8)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
    | st.sampled_from(["~", "Null", "TRUE", "0x1F", "007", ".NaN", "*/*", "*x", "<<", "-", "1_000", "yes"])
)
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    data=_DATA,
    flow=st.sampled_from([None, True, False]),
    style=st.sampled_from([None, '"', "'", "|"]),
    unicode=st.booleans(),
    start=st.booleans(),
)
def test_any_data_dumped_any_way_reads_the_same_on_both_paths(
    data: Any, flow: bool | None, style: str | None, unicode: bool, start: bool
) -> None:
    text = yaml.safe_dump(
        data, default_flow_style=flow, default_style=style, allow_unicode=unicode, explicit_start=start
    )
    try:
        parse_yaml(text, LIMITS)
    except Exception:
        return
    _parity(text)


def test_rapidyaml_error_text_never_reaches_the_user(tmp_path: Path) -> None:
    # rapidyaml prints a refusal on a C stream before raising it; the user sees only our finding.
    spec = tmp_path / "broken.yaml"
    spec.write_text("openapi: 3.0.3\npaths:\n  /a: [1, 2\n", encoding="utf-8")
    child = subprocess.run(
        [sys.executable, "-m", "contract_gate", "check", str(spec), "--format", "json", "--no-cache"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    report = json.loads(child.stdout)
    assert [f["rule"] for f in report["findings"]] == ["parse-error"]
    assert "ERROR" not in child.stderr


@pytest.mark.corpus
def test_stripe_spec_takes_the_fast_path() -> None:
    stripe = CORPUS / "stripe" / "openapi" / "spec3.yaml"
    assert parse_fast(stripe.read_text(encoding="utf-8"), LIMITS) is not None


_DEEP_CHILD = """
import sys
from contract_gate.load.fastyaml import parse_fast
from contract_gate.load.limits import Limits
print(parse_fast(sys.stdin.read(), Limits()) is None)
"""


@pytest.mark.parametrize("text", DEEP_DOCUMENTS)
def test_fifty_thousand_levels_go_to_the_guarded_path_without_crashing(text: str) -> None:
    assert run_child(_DEEP_CHILD, text).strip() == "True"


# Inputs that crash rapidyaml 0.15 itself (SIGSEGV), found by hypothesis and by
# `make fuzz-rapidyaml` (tests/fuzz/ryml_campaign.py), minimised. Every one must reach
# libyaml instead, which reports it as a parse error with its place.
CRASHING_INPUTS = [
    pytest.param("{!a !a !a !a x", id="four-tags-in-a-flow-mapping"),
    pytest.param("{!a !a !a !a x}", id="four-tags-in-a-closed-flow-mapping"),
    pytest.param("[! ! ! !", id="four-bare-tags-in-a-flow-sequence"),
    pytest.param("[1,! ! ! !", id="four-tags-after-an-entry"),
    pytest.param("[! ! ! ? ,!", id="three-tags-before-a-question-mark"),
    pytest.param("{!a !b: !c !d}", id="two-tags-on-a-key-and-two-on-its-value"),
    pytest.param("{!a: !b !c !d x}", id="three-tags-after-a-tagged-key"),
    pytest.param("!\n! ! !", id="tags-across-lines"),
    pytest.param("!\n! !\n!", id="tags-on-three-lines"),
    pytest.param("!\n! !a :", id="tags-before-a-key"),
    pytest.param("- !a\n  !b !c !d x", id="tags-in-a-block-sequence"),
    pytest.param("{! #c\n! ! ! x}", id="tags-around-a-comment"),
    pytest.param("!\n!\n! !", id="tags-on-three-lines-again"),
    pytest.param("{.,! !\t! !", id="tags-around-a-tab"),
    pytest.param("!\n! !<>!", id="a-verbatim-tag-among-tags"),
    pytest.param("\n{\n\n\n}!\n! !a]]&a :", id="tags-after-a-closed-mapping"),
    pytest.param("openapi: 3.0.3\nx-a: {!a !a !a !a x}\npaths: {}\n", id="inside-a-spec"),
]

_CRASH_CHILD = """
import sys
from contract_gate.load.fastyaml import parse_fast
from contract_gate.load.limits import Limits
from contract_gate.load.yamlparse import YamlError, parse_yaml
text = sys.stdin.read()
print(parse_fast(text, Limits()) is None)
try:
    parse_yaml(text, Limits())
except YamlError as error:
    print(error.line)
else:
    print("parsed")
"""


@pytest.mark.parametrize("text", CRASHING_INPUTS)
def test_inputs_that_crash_rapidyaml_go_to_libyaml(text: str) -> None:
    # In a child process: were the guard to fail, the crash kills the child, not the tests.
    to_libyaml, line = run_child(_CRASH_CHILD, text).split()
    assert to_libyaml == "True"
    assert line.isdigit()


def test_a_spec_that_crashes_rapidyaml_gets_a_parse_error_at_its_line(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        'openapi: 3.0.3\ninfo: {title: t, version: "1"}\nx-a: {!a !a !a !a x}\npaths: {}\n', encoding="utf-8"
    )
    child = subprocess.run(
        [sys.executable, "-m", "contract_gate", "check", str(spec), "--format", "json", "--no-cache"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    (finding,) = json.loads(child.stdout)["findings"]
    assert (finding["rule"], finding["line"]) == ("parse-error", 3)
    assert child.returncode == 1


def test_prose_with_exclamation_marks_and_entities_stays_on_the_fast_path() -> None:
    # The guard is narrow: the corpus's descriptions (prose, HTML entities) do not trip it.
    text = "description: Done! Now see &lt;b&gt; & more! !important\nsummary: 'Wow! !'\n"
    assert _parity(text)


def test_a_place_libyaml_cannot_compose_falls_back_to_the_nearest_known_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Should rapidyaml read a text libyaml refuses (each known case is left to libyaml), a
    # finding inside a block scalar is placed at its key, which rapidyaml knows.
    from contract_gate.load import fastyaml
    from contract_gate.load.yamlparse import YamlError

    text = "info:\n  title: x\n  description: |\n    long text\n"
    parsed = fastyaml.parse_fast(text, Limits())
    assert parsed is not None

    def refuses(*_args: object) -> None:
        raise YamlError("while scanning an anchor", 9, 9)

    monkeypatch.setattr(fastyaml, "parse_yaml", refuses)
    assert parsed.locator.locate("/info/description") == (3, 3)  # its key
