"""What `spec-invalid` and `spec-format` findings say: the reason first, where the mistake is (issue 15)."""

from __future__ import annotations

import os
import subprocess
import sys
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


def test_example_beside_examples_says_they_exclude_each_other() -> None:
    lines = _lines("spec-invalid/fail_example_beside_examples_31.yaml")
    assert len(lines) == 3  # parameter, header, media type: not one more for the unevaluated fields
    assert all(
        line.endswith("`example` and `examples` are mutually exclusive: keep one of them") for line in lines
    )


@pytest.mark.parametrize("backend", ["jsonschema-rs", "jsonschema"])
def test_a_header_name_that_is_not_a_token_is_named_at_its_key(backend: str, tmp_path: Path) -> None:
    # A process of its own: the validator picks its JSON Schema backend once per process.
    env = {**os.environ, "OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND": backend}
    case = CASES / "spec-invalid/fail_header_name_not_a_token_32.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "contract_gate", "check", str(case), "--no-cache"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    lines = [line for line in done.stdout.splitlines() if "[spec-" in line]
    token = "an RFC 9110 token (letters, digits and !#$%&'*+-.^_`|~)"
    assert [line.split(": ", 1)[0].rsplit(":", 2)[-2] for line in lines] == ["15", "27", "34", "37"]
    assert lines[0].endswith(f'`name` must be {token}; found "Bad[Header]"')
    assert lines[2].endswith(f'the name "Bad=Header" must be {token}')


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
