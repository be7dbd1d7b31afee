"""What `spec-invalid` and `spec-format` findings say: the reason first, where the mistake is (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import invoke

from contract_gate.validate.ecma_regex import ecma_violation
from contract_gate.validate.format_checks import is_email, is_uri

CASES = Path(__file__).parent / "cases"


def _lines(case: str) -> list[str]:
    result = invoke("check", CASES / case, "--no-cache", "--format", "text")
    return [line for line in result.output.splitlines() if "[spec-" in line]


def test_a_missing_field_of_the_meant_branch_is_named() -> None:
    (line,) = _lines("spec-invalid/fail_oauth2_flow_without_scopes_30.yaml")
    assert line.endswith("[spec-invalid] the field `scopes` must be present here (type: oauth2)")
    assert ":11:" in line  # at `implicit:`, not at the security scheme


def test_a_bad_pattern_says_why_without_dumping_the_parameter() -> None:
    (line,) = _lines("spec-invalid/fail_parameter_pattern_not_a_string_swagger.yaml")
    assert "[spec-invalid] `pattern` must be a string" in line
    assert "description" not in line


def test_one_mistake_is_one_finding() -> None:
    lines = _lines("spec-invalid/fail_one_finding_per_mistake_31.yaml")
    assert len(lines) == 2
    assert "`type[0]` must be one of" in lines[0]
    assert "the field `scopes` must be present here" in lines[1]


def test_format_findings_are_warnings_that_pass_the_gate() -> None:
    result = invoke("check", CASES / "spec-format/fail_urls_that_are_not_uris_swagger.yaml", "--no-cache")
    assert result.exit_code == 0
    assert "warning [spec-format] `url` must be an absolute URI" in result.output
    assert "[spec-invalid]" not in result.output


@pytest.mark.parametrize(
    ("pattern", "named"),
    [
        ("(?P<id>x)", "Python named group"),
        ("(?i)abc", "inline flags"),
        ("\\Aabc", "`\\A`"),
        ("abc\\Z", "`\\Z`"),
        ("a++", "possessive"),
        ("(?>a)", "atomic group"),
        ("(?(1)a|b)", "conditional"),
        ("[[:alpha:]]", "POSIX class"),
        ("(a", "unclosed group"),
        ("*a", "nothing to repeat"),
    ],
)
def test_a_pattern_outside_ecma_262_names_the_construct(pattern: str, named: str) -> None:
    assert named in (ecma_violation(pattern) or "")


@pytest.mark.parametrize(
    "pattern",
    ["(?<name>x)\\k<name>", "\\p{L}+", "\\u{1F600}", "(?<=a)b", "[\\w\\-.]+", "^\\d{3}-\\d{4}$", "[^]"],
)
def test_ecma_262_patterns_pass(pattern: str) -> None:
    assert ecma_violation(pattern) is None


def test_addresses_and_uris() -> None:
    assert is_email("jörg@exämple.de")
    assert is_email('"john doe"@example.com')
    assert not is_email("not an address")
    assert not is_email("a@b@c")
    assert is_uri("https://example.com/a?b=c#d")
    assert not is_uri("www.example.com")
    assert not is_uri("")
