"""Configuration: kebab-case keys, unknown keys refused, found upwards, flags win; CLI exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import invoke
from hypothesis import given, settings
from hypothesis import strategies as st

from contract_gate.catalog import RULES_BY_ID
from contract_gate.config.fields import as_table, plain_settings, settings_fields
from contract_gate.config.model import validate_with_pydantic
from contract_gate.config.settings import Config, ConfigError, find_config_file, load_config
from contract_gate.load.rules import DUPLICATE_KEY, YAML_LENIENT
from contract_gate.rules import Severity
from contract_gate.spec.checks import owner_missing

SPEC = """\
openapi: 3.0.3
info:
  title: Order Service
  version: 1.0.0
  x-slo-p99: 800ms
paths:
  /v1/orders:
    get:
      operationId: listOrders
      responses:
        '200':
          description: The orders.
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _error(cwd: Path, explicit: Path | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(explicit, {}, cwd, RULES_BY_ID)
    return str(caught.value)


# --- load_config -------------------------------------------------------------------------------------


def test_defaults_without_any_file(in_tmp: Path) -> None:
    loaded = load_config(None, {}, in_tmp, RULES_BY_ID)
    assert loaded.source is None
    assert loaded.base == in_tmp
    assert loaded.config == Config()
    assert loaded.config.min_completeness == 95
    assert loaded.config.min_alignment == 90
    assert loaded.config.limits.max_file_size == 50_000_000


def test_kebab_case_keys_are_read(in_tmp: Path) -> None:
    _write(
        in_tmp / "contract-gate.toml",
        'min-completeness = 80\nalignment-scope = "all"\nbu-registry = ["ECOM-BU"]\n'
        'max-slo-p99 = "2s"\nmax-file-size = "1KiB"\nmax-depth = 64\nfail-on = "warning"\n'
        '[rules]\nduplicate-key = "error"\nyaml-lenient = "off"\n',
    )
    config = load_config(None, {}, in_tmp, RULES_BY_ID).config
    assert config.min_completeness == 80
    assert config.alignment_scope == "all"
    assert config.bu_registry == ["ECOM-BU"]
    assert config.max_slo_millis == 2000
    assert config.limits.max_file_size == 1024
    assert config.limits.max_depth == 64
    assert config.fail_on is Severity.WARNING
    assert config.severity_of(DUPLICATE_KEY) is Severity.ERROR
    assert config.severity_of(YAML_LENIENT) is None
    assert config.severity_of(owner_missing.RULE) is Severity.ERROR


def test_unknown_key_names_the_key_and_the_file(in_tmp: Path) -> None:
    toml = _write(in_tmp / "contract-gate.toml", "min-completness = 90\n")
    message = _error(in_tmp)
    assert "unknown key 'min-completness'" in message
    assert str(toml) in message


def test_snake_case_key_is_unknown(in_tmp: Path) -> None:
    _write(in_tmp / "contract-gate.toml", "min_completeness = 90\n")
    assert "unknown key 'min_completeness'" in _error(in_tmp)


def test_bad_severity_in_rules_names_the_rule(in_tmp: Path) -> None:
    _write(in_tmp / "contract-gate.toml", '[rules]\nowner-missing = "fatal"\n')
    message = _error(in_tmp)
    assert "rules.owner-missing" in message
    assert "'error', 'warning', 'info' or 'off'" in message
    assert "off" in message


def test_bad_severity_message_shows_only_real_keys(in_tmp: Path) -> None:
    _write(in_tmp / "contract-gate.toml", '[rules]\nowner-missing = "fatal"\n')
    message = _error(in_tmp)
    assert "str-enum" not in message
    assert "literal[" not in message


def test_unknown_rule_id_in_rules_is_named(in_tmp: Path) -> None:
    _write(in_tmp / "contract-gate.toml", '[rules]\nowner-mising = "off"\nslo-missing = "warning"\n')
    message = _error(in_tmp)
    assert "unknown rule id owner-mising" in message
    assert "slo-missing" not in message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("min-completeness = 101\n", "min-completeness"),
        ("min-alignment = -1\n", "min-alignment"),
        ('alignment-scope = "everything"\n', "alignment-scope"),
        ('bu-pattern = "[A-"\n', "bu-pattern"),
        ('max-slo-p99 = "60"\n', "max-slo-p99"),
        ('max-file-size = "50 parsecs"\n', "max-file-size"),
        ("max-file-size = 0\n", "max-file-size"),
        ("max-depth = 2\n", "max-depth"),
        ('fail-on = "critical"\n', "fail-on"),
        ('bu-registry = "ECOM-BU"\n', "bu-registry"),
    ],
)
def test_bad_values_name_the_key(in_tmp: Path, text: str, key: str) -> None:
    _write(in_tmp / "contract-gate.toml", text)
    assert f"'{key}'" in _error(in_tmp)


def test_invalid_toml_names_the_file(in_tmp: Path) -> None:
    toml = _write(in_tmp / "contract-gate.toml", "min-completeness = \n")
    message = _error(in_tmp)
    assert str(toml) in message
    assert "not valid TOML" in message


def test_found_from_a_subfolder_upwards(in_tmp: Path) -> None:
    toml = _write(in_tmp / "contract-gate.toml", "min-completeness = 42\n")
    deep = in_tmp / "services" / "orders" / "specs"
    deep.mkdir(parents=True)
    loaded = load_config(None, {}, deep, RULES_BY_ID)
    assert loaded.source == toml
    assert loaded.base == in_tmp.resolve()
    assert loaded.config.min_completeness == 42


def test_the_nearest_file_wins(in_tmp: Path) -> None:
    _write(in_tmp / "contract-gate.toml", "min-completeness = 10\n")
    near = _write(in_tmp / "services" / "contract-gate.toml", "min-completeness = 20\n")
    deep = in_tmp / "services" / "orders"
    deep.mkdir()
    loaded = load_config(None, {}, deep, RULES_BY_ID)
    assert loaded.source == near
    assert loaded.config.min_completeness == 20


def test_pyproject_tool_table_is_read(in_tmp: Path) -> None:
    pyproject = _write(
        in_tmp / "pyproject.toml",
        '[project]\nname = "orders"\n\n[tool.contract-gate]\nmin-completeness = 70\nexclude = ["legacy"]\n',
    )
    (in_tmp / "src").mkdir()
    loaded = load_config(None, {}, in_tmp / "src", RULES_BY_ID)
    assert loaded.source == pyproject
    assert loaded.config.min_completeness == 70
    assert loaded.config.exclude == ["legacy"]


def test_pyproject_unknown_key_names_the_key_and_the_file(in_tmp: Path) -> None:
    pyproject = _write(in_tmp / "pyproject.toml", "[tool.contract-gate]\nmin-completness = 70\n")
    message = _error(in_tmp)
    assert "unknown key 'min-completness'" in message
    assert str(pyproject) in message


def test_pyproject_without_the_table_is_passed_over(in_tmp: Path) -> None:
    toml = _write(in_tmp / "contract-gate.toml", "min-completeness = 33\n")
    _write(in_tmp / "pkg" / "pyproject.toml", '[project]\nname = "pkg"\n\n[tool.ruff]\nline-length = 100\n')
    loaded = load_config(None, {}, in_tmp / "pkg", RULES_BY_ID)
    assert loaded.source == toml
    assert loaded.config.min_completeness == 33


def test_contract_gate_toml_wins_over_pyproject_in_the_same_folder(in_tmp: Path) -> None:
    toml = _write(in_tmp / "contract-gate.toml", "min-completeness = 1\n")
    _write(in_tmp / "pyproject.toml", "[tool.contract-gate]\nmin-completeness = 2\n")
    assert find_config_file(in_tmp) == (toml, False)
    assert load_config(None, {}, in_tmp, RULES_BY_ID).config.min_completeness == 1


def test_explicit_file_wins_over_discovery(in_tmp: Path) -> None:
    _write(in_tmp / "contract-gate.toml", "min-completeness = 1\n")
    explicit = _write(in_tmp / "ci" / "gate.toml", "min-completeness = 99\n")
    loaded = load_config(explicit, {}, in_tmp, RULES_BY_ID)
    assert loaded.source == explicit
    assert loaded.base == explicit.parent.resolve()
    assert loaded.config.min_completeness == 99


def test_explicit_pyproject_reads_its_tool_table(in_tmp: Path) -> None:
    explicit = _write(in_tmp / "other" / "pyproject.toml", "[tool.contract-gate]\nmin-alignment = 50\n")
    assert load_config(explicit, {}, in_tmp, RULES_BY_ID).config.min_alignment == 50


def test_explicit_file_that_does_not_exist(in_tmp: Path) -> None:
    assert "no such config file" in _error(in_tmp, in_tmp / "missing.toml")


def test_command_line_values_win_over_the_file(in_tmp: Path) -> None:
    _write(in_tmp / "contract-gate.toml", "min-completeness = 80\nmin-alignment = 70\n")
    config = load_config(None, {"min-completeness": 0, "min-alignment": None}, in_tmp, RULES_BY_ID).config
    assert config.min_completeness == 0
    assert config.min_alignment == 70


def test_bad_command_line_value_is_a_config_error(in_tmp: Path) -> None:
    with pytest.raises(ConfigError, match="alignment-scope"):
        load_config(None, {"alignment-scope": "sideways"}, in_tmp, RULES_BY_ID)


# --- through the CLI: exit 2 and one line ------------------------------------------------------------


def _cli_error(*args: str | Path) -> str:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("contract-gate: error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("min-completness = 90\n", "unknown key 'min-completness'"),
        ('[rules]\nowner-missing = "fatal"\n', "rules.owner-missing"),
        ('[rules]\nowner-mising = "off"\n', "unknown rule id owner-mising"),
        ("min-completeness = 101\n", "'min-completeness'"),
        ("min-completeness = \n", "not valid TOML"),
    ],
)
def test_cli_bad_config_file_exits_2_with_one_line(in_tmp: Path, text: str, needle: str) -> None:
    _write(in_tmp / "contract-gate.toml", text)
    _write(in_tmp / "orders.yaml", SPEC)
    assert needle in _cli_error("check", "orders.yaml")


def test_cli_bad_config_found_from_a_subfolder_exits_2(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(in_tmp / "contract-gate.toml", "min-completness = 90\n")
    spec = _write(in_tmp / "services" / "orders" / "orders.yaml", SPEC)
    monkeypatch.chdir(spec.parent)
    assert "unknown key 'min-completness'" in _cli_error("check", "orders.yaml")


def test_cli_bad_pyproject_table_exits_2(in_tmp: Path) -> None:
    _write(in_tmp / "pyproject.toml", "[tool.contract-gate]\nmin-completness = 90\n")
    _write(in_tmp / "orders.yaml", SPEC)
    assert "pyproject.toml: unknown key 'min-completness'" in _cli_error("check", "orders.yaml")


def test_cli_missing_explicit_config_exits_2(in_tmp: Path) -> None:
    _write(in_tmp / "orders.yaml", SPEC)
    assert "no such config file" in _cli_error("--config", "nope.toml", "check", "orders.yaml")


def test_cli_score_also_refuses_a_bad_config(in_tmp: Path) -> None:
    _write(in_tmp / "contract-gate.toml", "min-completness = 90\n")
    _write(in_tmp / "orders.yaml", SPEC)
    assert "unknown key 'min-completness'" in _cli_error("score", "orders.yaml")


def _report(*args: str) -> tuple[int, dict[str, Any]]:
    result = invoke(*args, "--format", "json")
    return result.exit_code, json.loads(result.stdout)


def test_cli_rules_table_changes_severity_and_turns_rules_off(in_tmp: Path) -> None:
    _write(in_tmp / "orders.yaml", SPEC)
    code, report = _report("check", "orders.yaml", "--min-completeness", "0")
    assert code == 1
    assert [f["rule"] for f in report["findings"]] == ["owner-missing"]

    _write(in_tmp / "contract-gate.toml", '[rules]\nowner-missing = "warning"\n')
    code, report = _report("check", "orders.yaml", "--min-completeness", "0")
    assert code == 0
    assert [f["severity"] for f in report["findings"]] == ["warning"]

    _write(in_tmp / "contract-gate.toml", '[rules]\nowner-missing = "off"\n')
    code, report = _report("check", "orders.yaml", "--min-completeness", "0")
    assert code == 0
    assert report["findings"] == []


def test_cli_flag_wins_over_the_file(in_tmp: Path) -> None:
    _write(in_tmp / "contract-gate.toml", "min-completeness = 100\n")
    _write(in_tmp / "orders.yaml", SPEC)
    _, report = _report("check", "orders.yaml")
    assert "threshold-completeness" in [f["rule"] for f in report["findings"]]
    _, report = _report("check", "orders.yaml", "--min-completeness", "0")
    assert "threshold-completeness" not in [f["rule"] for f in report["findings"]]


# --- a plainly valid table is read without pydantic, exactly as pydantic reads it -------------------

_PLAIN_TABLES = [
    {},
    {"cache-dir": "/tmp/cache"},
    {"exclude": ["samples/legacy"]},
    {"min-completeness": 80, "alignment-scope": "all", "bu-registry": ["ECOM-BU"], "max-slo-p99": "2s"},
    {"max-file-size": "1KiB", "max-depth": 64, "fail-on": "warning", "jobs": 2, "file-timeout": 30},
    {"rules": {"duplicate-key": "error", "yaml-lenient": "off"}, "require-bidirectional": True},
    {"prometheus": {"histogram": "latency", "selectors": {"env": "prod"}, "for": "1h30m"}},
]


@pytest.mark.parametrize("table", _PLAIN_TABLES)
def test_common_tables_take_the_plain_path_and_agree_with_pydantic(table: dict[str, Any]) -> None:
    plain = plain_settings(Config, table)
    assert plain is not None
    assert repr(plain) == repr(validate_with_pydantic(Config, table, None, ""))


_KEYS = [spec.key for spec in settings_fields(Config)] + ["min_completeness", "nope"]
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=20_000),
    st.sampled_from([2**60, 2**53 + 1, -(2**70)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            "",
            "error",
            "warning",
            "off",
            "all",
            "cross-bu",
            "60s",
            "800ms",
            "60",
            "50MB",
            "2GiB",
            "x",
            "^[A-Z]+$",
            "[A-",
            "5m",
            "job",
            "bad label",
            "owner-missing",
            "auto",
        ]
    ),
    st.lists(st.sampled_from(["ECOM-BU", "x", ""]), max_size=3),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(
        st.sampled_from(["owner-missing", "slo-missing", "nope", "env"]),
        st.sampled_from(["error", "off", "fatal", "prod"]),
        max_size=2,
    ),
    st.dictionaries(
        st.sampled_from(["histogram", "for", "rate-window", "selectors", "severity", "route-label", "x"]),
        st.sampled_from(["5m", "latency", "latency_bucket", "", "le", {"env": "prod"}]),
        max_size=3,
    ),
)


# Values each key accepts (its default, those of the tables above), so that whole tables are often valid.
_GOOD: dict[str, list[Any]] = {}
for _table in [as_table(Config()), *_PLAIN_TABLES]:
    for _key, _value in _table.items():
        _GOOD.setdefault(_key, []).append(_value)


@st.composite
def _tables(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from(_KEYS), max_size=4, unique=True))
    return {
        key: draw(st.sampled_from(_GOOD[key]) if key in _GOOD and draw(st.booleans()) else _VALUES)
        for key in keys
    }


@settings(max_examples=600, deadline=None)
@given(_tables())
def test_the_plain_path_only_accepts_what_pydantic_accepts_and_reads_it_alike(table: dict[str, Any]) -> None:
    plain = plain_settings(Config, table)
    try:
        validated: Config | None = validate_with_pydantic(Config, table, None, "")
    except ConfigError:
        validated = None
    if plain is not None:
        assert validated is not None, table
        # repr, not ==: 80 == 80.0, but the cache key is the repr and must not differ.
        assert repr(plain) == repr(validated)
