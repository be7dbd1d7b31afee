"""What a newcomer reads: --config/--policy after the command, help, and the messages of mistakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from conftest import SAMPLES, invoke

LEGACY = SAMPLES / "legacy"
# Owned and with an SLO: complete, so only the config decides whether it passes.
SPEC = """\
openapi: 3.0.3
info:
  title: Order Service
  version: 1.0.0
  x-bu-owner: ECOM-BU
  x-slo-p99: 800ms
paths:
  /v1/orders:
    get:
      operationId: listOrders
      responses:
        '200':
          description: The orders.
"""
# Every command that reads the config, with what it needs besides.
READERS = [
    ["check", "orders.yaml"],
    ["score", "orders.yaml"],
    ["score", "orders.yaml", "--format", "prometheus"],
    ["graph", "orders.yaml"],
    ["audit", "orders.yaml", "--bu", "ECOM-BU"],
    ["badge", "orders.yaml"],
    ["prometheus-rules", "orders.yaml"],
    ["baseline", "create", "orders.yaml", "-o", "baseline.json"],
    ["baseline", "update", "orders.yaml", "-o", "baseline.json"],
    ["policy", "show"],
]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _one_error(result: Result) -> str:
    """The single `contract-gate: error: …` line of a run that could not do its job (exit 2)."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("contract-gate: error: ")
    return lines[0].removeprefix("contract-gate: error: ")


@pytest.fixture
def estate(in_tmp: Path) -> Path:
    """orders.yaml, and two configs: loose.toml and strict.toml (any finding fails)."""
    _write(in_tmp / "orders.yaml", SPEC)
    _write(in_tmp / "loose.toml", 'fail-on = "error"\n')
    _write(in_tmp / "strict.toml", 'fail-on = "info"\n')
    assert invoke("baseline", "create", "orders.yaml", "-o", "baseline.json").exit_code == 0
    return in_tmp


# --- --config and --policy before or after the command ---------------------------------------------


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_every_command_that_reads_the_config_takes_config_after_it(estate: Path, command: list[str]) -> None:
    message = _one_error(invoke(*command, "--config", "nope.toml"))
    assert message == "nope.toml: no such config file"


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_every_command_that_reads_the_config_takes_policy_after_it(estate: Path, command: list[str]) -> None:
    message = _one_error(invoke(*command, "--policy", "no-policy.toml"))
    assert message == "no-policy.toml: no such config file"


def test_config_after_the_command_is_the_config_used(estate: Path) -> None:
    _write(estate / "contract-gate.toml", "min-completeness = 101\n")  # unusable: must not be read
    result = invoke("policy", "show", "--config", "loose.toml", "--min-alignment", "50", "--format", "json")
    assert result.exit_code == 0, result.output
    judged = {row["key"]: row for row in json.loads(result.stdout)["judged_by"]}
    assert judged["fail-on"]["where"] == "loose.toml"
    assert (judged["min-alignment"]["value"], judged["min-alignment"]["source"]) == ("50", "flags")


def test_config_after_the_command_wins_over_config_before_it(estate: Path) -> None:
    before, after = ["--config", "strict.toml"], ["--config", "loose.toml"]
    show = ["policy", "show", "--format", "json"]
    fail_on = [
        {row["key"]: row["where"] for row in json.loads(invoke(*b, *show, *a).stdout)["judged_by"]}["fail-on"]
        for b, a in ((before, after), (after, before))
    ]
    assert fail_on == ["loose.toml", "strict.toml"]


def test_policy_after_the_command_wins_over_the_environment_and_over_policy_before_it(
    estate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(estate / "floor-high.toml", "min-completeness = 100\n")
    _write(estate / "floor-low.toml", "min-completeness = 0\n")
    _write(estate / "contract-gate.toml", "min-completeness = 50\n")
    monkeypatch.setenv("CONTRACT_GATE_POLICY", "floor-high.toml")
    assert invoke("check", "orders.yaml").exit_code == 1  # the environment's policy applies
    assert invoke("check", "orders.yaml", "--policy", "floor-low.toml").exit_code == 0
    monkeypatch.delenv("CONTRACT_GATE_POLICY")
    assert (
        invoke("--policy", "floor-low.toml", "check", "orders.yaml", "--policy", "floor-high.toml").exit_code
        == 1
    )
    assert (
        invoke("--policy", "floor-high.toml", "check", "orders.yaml", "--policy", "floor-low.toml").exit_code
        == 0
    )


# --- Help ----------------------------------------------------------------------------------------------


def _help(*command: str) -> str:
    result = invoke(*command, "--help")
    assert result.exit_code == 0, result.output
    return result.stdout


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_check_help_shows_the_thresholds_defaults() -> None:
    shown = _flat(_help("check"))
    assert (
        "Gate threshold for documentation completeness, in percent (default 95, or the config file's)"
        in shown
    )
    assert "Gate threshold for SLO alignment, in percent (default 90, or the config file's)" in shown
    assert "across BUs only, or all (default cross-bu, or the config file's)" in shown
    assert "this severity or above (default error, or the config file's)" in shown


def test_policy_show_help_shows_the_same_defaults() -> None:
    assert "(default 95, or the config file's)" in _flat(_help("policy", "show"))


@pytest.mark.parametrize(
    ("command", "line"),
    [
        (["check"], "    contract-gate check specs/ --format sarif -o results.sarif"),
        (
            ["check"],
            "    contract-gate check specs/ --base origin/main     fail only on what this change broke",
        ),
        ([], "    contract-gate check specs/                 the CI gate: findings, metrics, exit 0/1/2"),
        ([], "    contract-gate COMMAND --help               a command's options"),
    ],
)
def test_help_ends_with_examples_one_per_line(command: list[str], line: str) -> None:
    lines = _help(*command).splitlines()
    assert "  Examples:" in lines
    assert line in lines[lines.index("  Examples:") :]


@pytest.mark.parametrize("command", [["graph"], ["prometheus-rules"]])
@pytest.mark.parametrize("flag", ["--min-completeness", "--min-alignment", "--alignment-scope"])
def test_commands_that_judge_no_metric_offer_no_threshold(command: list[str], flag: str) -> None:
    assert flag not in _help(*command)
    result = invoke(*command, LEGACY, flag, "50")
    assert result.exit_code == 2
    assert f"No such option '{flag}'" in result.stderr


# --- Config typos -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("min-completnes = 90\n", "unknown key 'min-completnes' (did you mean 'min-completeness'?)"),
        ("min_alignment = 90\n", "unknown key 'min_alignment' (did you mean 'min-alignment'?)"),
        (
            '[prometheus]\nhistogramm = "x"\n',
            "unknown key 'prometheus.histogramm' (did you mean 'prometheus.histogram'?)",
        ),
        (
            '[rules]\nowner-mising = "off"\n',
            "'rules': unknown rule id owner-mising (did you mean 'owner-missing'?)",
        ),
    ],
)
def test_a_misspelt_key_gets_the_closest_known_one(estate: Path, text: str, said: str) -> None:
    _write(estate / "contract-gate.toml", text)
    message = _one_error(invoke("check", "orders.yaml"))
    assert message.startswith(f"{estate / 'contract-gate.toml'}: ")
    assert said in message


def test_a_key_like_no_other_gets_no_suggestion(estate: Path) -> None:
    _write(estate / "contract-gate.toml", "colour = 1\n[rules]\nzzz = 'off'\n")
    assert _one_error(invoke("check", "orders.yaml")).endswith(": unknown key 'colour'")
    _write(estate / "contract-gate.toml", "[rules]\nzzz = 'off'\n")
    assert _one_error(invoke("check", "orders.yaml")).endswith(
        "'rules': unknown rule id zzz (see `contract-gate rules`)"
    )


def test_a_misspelt_key_in_the_policy_file_gets_the_closest_known_one(estate: Path) -> None:
    _write(estate / "floor.toml", "min-alignmnet = 90\n")
    message = _one_error(invoke("check", "orders.yaml", "--policy", "floor.toml"))
    assert message == "floor.toml: unknown key 'min-alignmnet' (did you mean 'min-alignment'?)"


# --- Nothing to check -------------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "said"), [(1, "(1 file looked at)"), (2, "(2 files looked at)")])
def test_no_spec_among_the_files_counts_them_in_good_english(in_tmp: Path, count: int, said: str) -> None:
    for number in range(count):
        _write(in_tmp / "charts" / f"values{number}.yaml", "replicas: 2\n")
    message = _one_error(invoke("check", "charts"))
    assert message == f"no OpenAPI/Swagger spec found in charts {said}"


# --- --bu that names no BU --------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["badge"], ["badge", "--format", "shields"], ["graph"]])
def test_an_unknown_bu_exits_2_naming_the_bus(command: list[str]) -> None:
    message = _one_error(invoke(*command, LEGACY, "--bu", "NOPE-BU"))
    assert (
        message
        == 'no BU "NOPE-BU" in the estate; BUs: ECOM-BU, LOGISTICS-BU, MARKETING-BU, PAYMENTS-BU, (unowned)'
    )


@pytest.mark.parametrize("command", [["badge"], ["graph"]])
def test_a_bu_in_the_wrong_case_gets_the_right_one(command: list[str]) -> None:
    message = _one_error(invoke(*command, LEGACY, "--bu", "ecom-bu"))
    assert message.startswith('no BU "ecom-bu" in the estate (did you mean "ECOM-BU"?); BUs: ECOM-BU, ')


# --- YAML mistakes, said plainly where they are -----------------------------------------------------


def _parse_error(in_tmp: Path, text: str) -> tuple[str, int, int]:
    _write(in_tmp / "spec.yaml", text)
    result = invoke("check", "spec.yaml", "--format", "json")
    assert result.exit_code == 1, result.output
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["rule"] == "parse-error"
    return finding["message"], finding["line"], finding["column"]


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ('openapi: 3.0.3\ninfo:\n  title: T\n\tversion: "1"\npaths: {}\n', (4, 1)),
        ('openapi: 3.0.3\ninfo:\n\ttitle: T\n  version: "1"\npaths: {}\n', (3, 1)),
        ("openapi: 3.0.3\ninfo: {title: T, version: '1'}\ntags:\n  -\tname: a\npaths: {}\n", (4, 4)),
    ],
    ids=["tab-under-a-key", "tab-first-in-a-mapping", "tab-after-a-dash"],
)
def test_a_tab_that_indents_is_named(in_tmp: Path, text: str, at: tuple[int, int]) -> None:
    assert _parse_error(in_tmp, text) == (
        "not valid YAML: a tab character cannot indent YAML (use spaces)",
        *at,
    )


@pytest.mark.parametrize(
    ("text", "said", "at"),
    [
        (
            'openapi: 3.0.3\ninfo: {title: T,\n  version: "1"\npaths:\n  /a:\n    get: {responses: {}}\n',
            "this { is never closed",
            (2, 7),
        ),
        (
            '{"openapi": "3.0.3",\n "info": {"title": "T", "version": "1"},\n "paths": {}\n',
            "this { is never closed",
            (1, 1),
        ),
        (
            "openapi: 3.0.3\ninfo: {title: T, version: '1'}\ntags: [a, b\npaths: {}\n",
            "this [ is never closed",
            (3, 7),
        ),
        ('openapi: 3.0.3\ninfo:\n  title: "Orders\n  version: 1\n', 'this " is never closed', (3, 10)),
        (
            "openapi: 3.0.3\ninfo: {title: T, version: '1'}\nx-a: {b: [1, 2}\npaths: {}\n",
            "this [ is never closed: the } at line 3, column 15 does not match it",
            (3, 10),
        ),
    ],
    ids=[
        "flow-mapping",
        "json-like-yaml-to-the-end",
        "flow-sequence",
        "quote",
        "closed-by-the-other-bracket",
    ],
)
def test_an_unclosed_bracket_or_quote_is_reported_where_it_opens(
    in_tmp: Path, text: str, said: str, at: tuple[int, int]
) -> None:
    assert _parse_error(in_tmp, text) == (f"not valid YAML: {said}", *at)


def test_a_missing_comma_is_reported_where_it_is_missing(in_tmp: Path) -> None:
    text = "openapi: 3.0.3\ninfo: {title: T version: '1'}\npaths: {}\n"
    said = "not valid YAML: expected ',' or '}' here, inside the { at line 2, column 7"
    assert _parse_error(in_tmp, text) == (said, 2, 24)
