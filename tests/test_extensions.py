"""x-slo-p99 and x-bu-owner: verdicts, and messages that name the bad value and the fix."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from contract_gate.extensions.entries import parse_entry
from contract_gate.extensions.models import GovernanceExtensions, parse_with_pydantic
from contract_gate.extensions.values import (
    DEFAULT_BU_PATTERN,
    Entry,
    EntryList,
    Verdict,
    check_owner,
    check_slo,
    format_millis,
    slo_millis,
)

MAX = 60_000.0
PATTERN = re.compile(DEFAULT_BU_PATTERN)
REGISTRY = frozenset({"ECOM-BU", "PAYMENTS-BU", "LOGISTICS-BU"})
SUGGESTION = re.compile(r'write "([^"]*)"')


@pytest.mark.parametrize(
    ("value", "millis"),
    [
        ("800ms", 800.0),
        ("1.5s", 1500.0),
        (".5s", 500.0),
        ("0.5ms", 0.5),
        ("60s", 60_000.0),
        ("60000ms", 60_000.0),
        ("1ms", 1.0),
    ],
)
def test_valid_slo(value: str, millis: float) -> None:
    assert check_slo(value, MAX) == Verdict()
    assert check_slo(value, MAX).valid
    assert slo_millis(value) == millis


@pytest.mark.parametrize(
    ("value", "must_mention"),
    [
        # Bare numbers: name the number and the fix with a unit.
        (800, ["800", '"800ms"']),
        (800.0, ["800", '"800ms"']),
        (1.5, ["1.5", '"1.5ms"']),
        ("800", ['"800"', '"800ms"']),
        # Almost right: the fix is the value written properly.
        ("800 ms", ['"800 ms"', '"800ms"']),
        (" 800ms ", ['" 800ms "', '"800ms"']),
        ("800MS", ['"800MS"', '"800ms"']),
        ("1.5S", ['"1.5S"', '"1.5s"']),
        ("1.5 sec", ['"1.5 sec"', '"1.5s"']),
        ("2 seconds", ['"2 seconds"', '"2s"']),
        ("300 millis", ['"300 millis"', '"300ms"']),
        ("300 milliseconds", ['"300 milliseconds"', '"300ms"']),
        # Not a duration we can fix: name it and show the form.
        ("2 minutes", ['"2 minutes"', "<number>ms", '"800ms"']),
        ("fast", ['"fast"', "<number>ms"]),
        ("1,5s", ['"1,5s"', "<number>ms"]),
        ("", ['""', "<number>ms"]),
        ("1e3ms", ['"1e3ms"', "<number>ms"]),
        # Out of range: name the value and the bound.
        ("90s", ['"90s"', "max-slo-p99 60s"]),
        ("60001ms", ['"60001ms"', "max-slo-p99 60s"]),
        ("0ms", ['"0ms"', "greater than 0"]),
        ("0.0s", ['"0.0s"', "greater than 0"]),
        # Not a string at all.
        (None, ["null", '"800ms"']),
        (True, ["boolean", '"800ms"']),
        (["800ms"], ["list", '"800ms"']),
        ({"p99": "800ms"}, ["mapping", '"800ms"']),
    ],
)
def test_invalid_slo_message_names_the_value_and_the_fix(value: Any, must_mention: list[str]) -> None:
    verdict = check_slo(value, MAX)
    assert verdict.rule.id == "slo-invalid"
    assert not verdict.valid
    assert "x-slo-p99" in verdict.message
    for text in must_mention:
        assert text in verdict.message


def test_long_slo_value_is_shortened_in_the_message() -> None:
    verdict = check_slo("very slow " * 50, MAX)
    assert verdict.rule.id == "slo-invalid"
    assert len(verdict.message) < 200
    assert "..." in verdict.message


def test_max_slo_is_a_parameter() -> None:
    assert check_slo("2s", 2000.0).valid
    verdict = check_slo("2001ms", 2000.0)
    assert verdict.rule.id == "slo-invalid"
    assert "2s" in verdict.message


@pytest.mark.parametrize(
    "value",
    [
        800,
        "800",
        "800 ms",
        "1.5S",
        "1.5 sec",
        "300 millis",
        "5.s",
    ],
)
def test_the_suggested_fix_is_itself_valid(value: Any) -> None:
    verdict = check_slo(value, MAX)
    assert verdict.rule.id == "slo-invalid"
    suggestion = SUGGESTION.search(verdict.message)
    assert suggestion is not None, verdict.message
    assert check_slo(suggestion.group(1), MAX).valid, verdict.message


@pytest.mark.parametrize("value", [-5, 0, math.inf, math.nan, "-5ms", "0s"])
def test_non_positive_durations_get_no_invalid_suggestion(value: Any) -> None:
    verdict = check_slo(value, MAX)
    assert verdict.rule.id == "slo-invalid"
    assert "positive" in verdict.message or "greater than 0" in verdict.message
    suggestion = SUGGESTION.search(verdict.message)
    assert suggestion is None or check_slo(suggestion.group(1), MAX).valid, verdict.message


@pytest.mark.parametrize("value", ["ECOM-BU", "PAYMENTS", "A", "B2B-EU-WEST", "X1-Y2"])
def test_valid_owner(value: str) -> None:
    assert check_owner(value, PATTERN, None) == Verdict()


@pytest.mark.parametrize(
    ("value", "must_mention"),
    [
        ("ecom team", ['"ecom team"', "bu-pattern", 'write "ECOM-TEAM"']),
        ("Ecom-BU", ['"Ecom-BU"', 'write "ECOM-BU"']),
        ("ECOM_BU", ['"ECOM_BU"', 'write "ECOM-BU"']),
        ("ECOM--BU", ['"ECOM--BU"', 'write "ECOM-BU"']),
        (" ECOM-BU", ['" ECOM-BU"', 'write "ECOM-BU"']),
        ("", ['""', "ECOM-BU"]),
        ("1BU", ['"1BU"', "bu-pattern"]),
        (42, ["42", '"ECOM-BU"', "string"]),
        (["ECOM-BU"], ["list", '"ECOM-BU"', "string"]),
        (True, ["boolean", '"ECOM-BU"', "string"]),
    ],
)
def test_invalid_owner_message_names_the_value_and_the_fix(value: Any, must_mention: list[str]) -> None:
    verdict = check_owner(value, PATTERN, None)
    assert verdict.rule.id == "owner-invalid"
    assert "x-bu-owner" in verdict.message
    for text in must_mention:
        assert text in verdict.message


def test_owner_hint_is_only_given_when_it_would_match() -> None:
    verdict = check_owner("!!!", PATTERN, None)
    assert verdict.rule.id == "owner-invalid"
    assert "write" not in verdict.message


def test_custom_bu_pattern() -> None:
    pattern = re.compile(r"^bu\.[a-z]+$")
    assert check_owner("bu.ecom", pattern, None).valid
    verdict = check_owner("ECOM-BU", pattern, None)
    assert verdict.rule.id == "owner-invalid"
    assert pattern.pattern in verdict.message


def test_registry_accepts_its_bus() -> None:
    for bu in REGISTRY:
        assert check_owner(bu, PATTERN, REGISTRY).valid


def test_unknown_bu_suggests_the_closest_registered_one() -> None:
    verdict = check_owner("ECOM-UB", PATTERN, REGISTRY)
    assert verdict.rule.id == "owner-unknown-bu"
    assert '"ECOM-UB"' in verdict.message
    assert 'did you mean "ECOM-BU"?' in verdict.message


def test_unknown_bu_without_a_close_match_lists_the_registry() -> None:
    verdict = check_owner("FINANCE", PATTERN, REGISTRY)
    assert verdict.rule.id == "owner-unknown-bu"
    assert '"FINANCE"' in verdict.message
    assert "ECOM-BU, LOGISTICS-BU, PAYMENTS-BU" in verdict.message


def test_pattern_is_checked_before_the_registry() -> None:
    assert check_owner("ecom-bu", PATTERN, REGISTRY).rule.id == "owner-invalid"


def test_empty_registry_knows_no_bu() -> None:
    assert check_owner("ECOM-BU", PATTERN, frozenset()).rule.id == "owner-unknown-bu"


@pytest.mark.parametrize(
    ("millis", "shown"), [(60_000, "60s"), (250, "250ms"), (1500, "1.5s"), (1000, "1s"), (0.5, "0.5ms")]
)
def test_format_millis(millis: float, shown: str) -> None:
    assert format_millis(millis) == shown


@pytest.mark.parametrize("value", [800, None, "800", "1.5 s", "-5ms", "1e3ms", "5.s", ""])
def test_slo_millis_is_none_for_malformed_values(value: Any) -> None:
    assert slo_millis(value) is None


def test_model_accepts_valid_extensions_by_their_names() -> None:
    model = GovernanceExtensions.model_validate(
        {"x-bu-owner": "ECOM-BU", "x-slo-p99": "800ms", "x-internal": False, "operationId": "listOrders"}
    )
    assert model.x_bu_owner == "ECOM-BU"
    assert model.x_slo_p99 == "800ms"
    assert model.x_internal is False


@pytest.mark.parametrize(
    ("field", "value"), [("x-bu-owner", "ecom team"), ("x-slo-p99", "800"), ("x-slo-p99", "2 minutes")]
)
def test_model_rejects_what_the_checks_reject(field: str, value: str) -> None:
    with pytest.raises(ValidationError):
        GovernanceExtensions.model_validate({field: value})


# --- x-calls / x-consumers entries: plainly valid ones are read without pydantic, as pydantic reads them


def _by_pydantic(kind: EntryList, raw: Any) -> tuple[Entry | None, str]:
    known = {
        k: v for k, v in raw.items() if not (isinstance(k, str) and k.startswith("x-") and k != "x-slo-p99")
    }
    return parse_with_pydantic(kind, known, raw)


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("x-calls", {"service": "payments", "operation": "POST /v1/payments", "x-slo-p99": "300ms"}),
        ("x-calls", {"service": "stock", "operation": "reserveStock", "x-slo-p99": "1s", "mode": "async"}),
        ("x-calls", {"service": "s", "operation": "op", "description": "why", "x-note": 1}),
        ("x-consumers", {"service": "checkout", "operation": "createOrder", "x-slo-p99": 400}),
    ],
)
def test_plain_entries_are_read_as_pydantic_reads_them(kind: EntryList, raw: dict[str, Any]) -> None:
    entry, why = parse_entry(kind, raw)
    assert entry is not None and why == ""
    assert (entry, why) == _by_pydantic(kind, raw)


_ENTRY_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(
        [
            "",
            "svc",
            "op",
            "POST /v1/x",
            "GET /",
            "post /a b",
            "a b",
            "op\n",
            "sync",
            "async",
            "SYNC",
            "300ms",
            "\x1c",
            "é",
            "\u00a0x",
            "x\u2003",
        ]
    ),
    st.text(max_size=6),
    st.lists(st.integers(), max_size=1),
)
_ENTRY_KEYS = ["service", "operation", "x-slo-p99", "description", "mode", "x-other", "x_slo_p99", "other", 1]


@settings(max_examples=800, deadline=None)
@given(
    st.sampled_from(["x-calls", "x-consumers"]),
    st.dictionaries(st.sampled_from(_ENTRY_KEYS), _ENTRY_VALUES, max_size=5),
)
def test_the_plain_entry_path_agrees_with_pydantic(kind: EntryList, raw: dict[Any, Any]) -> None:
    assert parse_entry(kind, raw) == _by_pydantic(kind, raw)


# --- owners and SLOs: the plain checks accept exactly what the published pydantic models accept
# (SPEC §6: a value is read exactly as its pattern means; a trailing newline is not "before the end").

_TRICKY = [
    "\n",
    "\r\n",
    " ",
    "\t",
    "\u00a0",
    "\u2028",
    "\u0415",  # CYRILLIC CAPITAL LETTER IE, looks like E
    "\u041c",  # CYRILLIC CAPITAL LETTER EM, looks like M
    "\u0441",  # CYRILLIC SMALL LETTER ES, looks like s
    "\uff4d",  # FULLWIDTH LATIN SMALL LETTER M
    "\u0664",  # ARABIC-INDIC DIGIT FOUR
    "\uff14",  # FULLWIDTH DIGIT FOUR
    "\u00b2",  # SUPERSCRIPT TWO
    "\u2212",  # MINUS SIGN
    "-",
    ".",
    "_",
]
_VALID_SEEDS = ["ECOM-BU", "PAYMENTS", "A1-B2", "800ms", "1.5s", ".5s", "60000ms", "0.25ms"]


@st.composite
def _near_valid(draw: st.DrawFn) -> str:
    """A valid owner or SLO with tricky characters put before, inside or after it."""
    text = draw(st.sampled_from(_VALID_SEEDS))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(_TRICKY)) + text[at:]
    return text


_EXTENSION_TEXT = st.one_of(
    _near_valid(),
    st.text(alphabet=st.sampled_from([*"EBCOMU0123456789-.msS \r\n", *_TRICKY[2:]]), max_size=10),
    st.text(max_size=8),
)


@settings(max_examples=1500, deadline=None)
@given(_EXTENSION_TEXT)
def test_owner_and_slo_checks_accept_exactly_what_the_models_accept(value: str) -> None:
    for field, plain_valid in (
        ("x-bu-owner", check_owner(value, PATTERN, None).valid),
        ("x-slo-p99", slo_millis(value) is not None),
    ):
        try:
            GovernanceExtensions.model_validate({field: value})
            model_valid = True
        except ValidationError:
            model_valid = False
        assert plain_valid == model_valid, (field, value)


@settings(max_examples=800, deadline=None)
@given(_EXTENSION_TEXT, st.floats(min_value=1, max_value=120_000))
def test_checking_any_extension_text_never_raises_and_says_why(value: str, max_ms: float) -> None:
    for verdict in (check_owner(value, PATTERN, REGISTRY), check_slo(value, max_ms)):
        assert verdict.valid or verdict.message
        assert "\n" not in verdict.message  # a line break is shown escaped, on one line
    budget_entry = {"service": "payments", "operation": "POST /v1/payments", "x-slo-p99": value}
    entry, _why = parse_entry("x-calls", budget_entry)
    assert entry is not None and check_slo(entry.x_slo_p99, max_ms).valid == (
        slo_millis(value) is not None and 0 < (slo_millis(value) or 0) <= max_ms
    )
