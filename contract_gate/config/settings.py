"""Configuration: kebab-case keys, unknown keys rejected.

Found as `contract-gate.toml`, or `[tool.contract-gate]` in `pyproject.toml`,
from the working directory upwards; `--config FILE` names one. Defaults <
file < flags actually passed.

The settings are frozen dataclasses whose fields say their key, help text and
bounds (`config/fields.py`, which also checks a table plainly against them).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

from contract_gate.config.fields import ConfigError as ConfigError
from contract_gate.config.fields import as_table, plain_settings, setting
from contract_gate.config.policy import Policy
from contract_gate.extensions.values import DEFAULT_BU_PATTERN, slo_millis
from contract_gate.load.limits import Limits
from contract_gate.rules import Rule, Severity

SettingsT = TypeVar("SettingsT")
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "kib": 1024, "mib": 1024**2, "gib": 1024**3}
_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_URL_PREFIX = re.compile(r"^https?://[^/?#\s]+/(?:[^?#\s]*/)?$", re.IGNORECASE)
_AGE = re.compile(r"([0-9]+)\s*(d|h|m|s)")
_AGE_UNITS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
_PROM_DURATION = re.compile(r"^(?:[0-9]+(?:y|w|d|h|m|s|ms))+$")


def _metric_name(value: str) -> str:
    if not _METRIC_NAME.match(value):
        raise ValueError(f"{value!r} is not a Prometheus metric name")
    if value.endswith("_bucket"):
        raise ValueError(f"write the histogram's base name, {value.removesuffix('_bucket')!r}")
    return value


def _label_name(value: str | None) -> str | None:
    if value is not None and not _LABEL_NAME.match(value):
        raise ValueError(f"{value!r} is not a Prometheus label name")
    return value


def _selector_names(value: dict[str, str]) -> dict[str, str]:
    bad = sorted(name for name in value if not _LABEL_NAME.match(name))
    if bad:
        raise ValueError(f"not Prometheus label names: {', '.join(bad)}")
    return value


def _duration(value: str) -> str:
    if not _PROM_DURATION.match(value):
        raise ValueError(f'{value!r} is not a Prometheus duration; write it like "5m" or "1h30m"')
    return value


def _pattern_compiles(value: str) -> str:
    try:
        re.compile(value)
    except re.error as error:
        raise ValueError(f"not a regular expression: {error}") from None
    return value


def _slo_form(value: str) -> str:
    if not slo_millis(value):
        raise ValueError('write it like "60s" or "800ms"')
    return value


def _url_prefixes(value: dict[str, str]) -> dict[str, str]:
    bad = sorted(prefix for prefix in value if not _URL_PREFIX.match(prefix))
    if bad:
        raise ValueError(
            f'not http(s) URL prefixes ending in /: {", ".join(bad)}; write them like "https://host/path/"'
        )
    return value


def age_seconds(text: str) -> int:
    """Seconds of an age such as "7d", "36h", "90m" or "3600s"; ValueError otherwise."""
    match = _AGE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f'"{text}" is not an age such as 7d, 36h, 90m or 3600s')
    return int(match.group(1)) * _AGE_UNITS[match.group(2)]


def _age_form(value: str | None) -> str | None:
    if value is not None:
        age_seconds(value)
    return value


def _size_form(value: int | str) -> int | str:
    _bytes(value)
    return value


@dataclass(frozen=True, slots=True)
class PrometheusConfig:
    """How `prometheus-rules` turns each x-slo-p99 into an alert: the histogram and its labels."""

    histogram: str = setting(
        "http_server_request_duration_seconds",
        "Base name of the latency histogram (without _bucket); the default is the"
        " OpenTelemetry HTTP server metric as Prometheus names it.",
        check=_metric_name,
    )
    histogram_unit: Literal["seconds", "milliseconds"] = setting(
        "seconds", "Unit of the histogram's buckets.", key="histogram-unit"
    )
    service_label: str = setting(
        "job", "Label whose value is the service id.", key="service-label", check=_label_name
    )
    method_label: str = setting(
        "http_request_method",
        "Label holding the HTTP method (GET, POST…).",
        key="method-label",
        check=_label_name,
    )
    route_label: str = setting(
        "http_route",
        "Label holding the route, as the spec's path template.",
        key="route-label",
        check=_label_name,
    )
    operation_id_label: str | None = setting(
        None,
        "When set, operations with an operationId are matched by this label instead of method and route.",
        key="operation-id-label",
        check=_label_name,
    )
    selectors: dict[str, str] = setting(
        description='Extra label matchers every expression gets, e.g. {env = "prod"}.',
        factory=dict,
        check=_selector_names,
    )
    rate_window: str = setting(
        "5m", "Range of rate() over the buckets, a Prometheus duration.", key="rate-window", check=_duration
    )
    for_: str = setting(
        "10m",
        "How long the p99 must stay above the SLO before the alert fires.",
        key="for",
        check=_duration,
    )
    severity: str = setting("warning", "The alerts' severity label.", min_length=1)

    def merged(self, overrides: dict[str, Any]) -> PrometheusConfig:
        """The table with command-line overrides (kebab-case keys); ConfigError names a bad one."""
        given = {key: value for key, value in overrides.items() if value is not None}
        return validate(PrometheusConfig, {**as_table(self), **given}, None, "prometheus.")


@dataclass(frozen=True, slots=True)
class Config:
    """Every setting, with its default."""

    min_completeness: float = setting(
        95.0,
        "Gate threshold for documentation completeness, in percent.",
        key="min-completeness",
        ge=0,
        le=100,
    )
    min_alignment: float = setting(
        90.0, "Gate threshold for SLO alignment, in percent.", key="min-alignment", ge=0, le=100
    )
    alignment_scope: Literal["cross-bu", "all"] = setting(
        "cross-bu",
        "Which call pairs count for SLO alignment: across BUs only, or all.",
        key="alignment-scope",
    )
    require_bidirectional: bool = setting(
        False,
        "A callee must list each consumer in x-consumers for its pair to be aligned.",
        key="require-bidirectional",
    )
    bu_pattern: str = setting(
        DEFAULT_BU_PATTERN,
        "Regular expression every x-bu-owner must match.",
        key="bu-pattern",
        check=_pattern_compiles,
    )
    bu_registry: list[str] | None = setting(
        None, "The known BUs; when set, an x-bu-owner outside it is owner-unknown-bu.", key="bu-registry"
    )
    max_slo_p99: str = setting(
        "60s", "The largest x-slo-p99 accepted, e.g. 60s.", key="max-slo-p99", check=_slo_form
    )
    fail_on: Severity = setting(
        Severity.ERROR, "The gate fails on a finding of this severity or above.", key="fail-on"
    )
    rules: dict[str, Literal["error", "warning", "info", "off"]] = setting(
        description="Per-rule severity: error, warning, info or off.", factory=dict
    )
    exclude: list[str] = setting(
        description="Glob patterns (relative to the config file) of files and folders not walked.",
        factory=list,
    )
    ref_root: str | None = setting(
        None,
        "Folder that local $refs may not leave; default: the top of the git work tree holding the"
        " inputs, else their common folder.",
        key="ref-root",
    )
    ref_map: dict[str, str] = setting(
        description="URL prefixes read from local folders (relative to the config, inside the ref root)"
        ' instead of fetched, e.g. {"https://schemas.example.com/" = "vendor/schemas/"}; the longest'
        " matching prefix wins.",
        key="ref-map",
        factory=dict,
        check=_url_prefixes,
    )
    context: list[str] = setting(
        description="Contract snapshots (files, or folders of them; relative to the config) whose services"
        " resolve calls without being gated (SPEC §11); --context replaces them.",
        factory=list,
    )
    max_snapshot_age: str | None = setting(
        None,
        "A snapshot exported longer ago than this, e.g. 7d or 36h, is snapshot-stale (default: off).",
        key="max-snapshot-age",
        check=_age_form,
    )
    max_file_size: int | str = setting(
        "50MB", "Files larger than this are not read.", key="max-file-size", check=_size_form
    )
    cache: bool = setting(True, "Reuse results of files whose bytes did not change.")
    cache_dir: str = setting(
        ".contract-gate-cache", "Where results are cached (relative to the config).", key="cache-dir"
    )
    jobs: int | None = setting(
        None, "Worker processes checking files (default: the CPU count).", ge=1, le=256
    )
    file_timeout: float = setting(
        120.0, "Seconds one file may take before it is given up.", key="file-timeout", gt=0
    )
    worker_memory: int | str = setting(
        "2GiB", "Address space a worker may use (one file at a time).", key="worker-memory", check=_size_form
    )
    max_depth: int = setting(256, "Deepest nesting accepted in a spec.", key="max-depth", ge=8, le=10_000)
    max_nodes: int = setting(
        5_000_000, "Most values a spec may expand to (YAML aliases included).", key="max-nodes", ge=1000
    )
    prometheus: PrometheusConfig = setting(
        description="How `prometheus-rules` writes alerts from x-slo-p99.", factory=PrometheusConfig
    )

    @property
    def limits(self) -> Limits:
        """The resource limits for reading one file."""
        return Limits(_bytes(self.max_file_size), self.max_depth, self.max_nodes)

    @property
    def worker_memory_bytes(self) -> int:
        """worker-memory in bytes."""
        return _bytes(self.worker_memory)

    @property
    def max_slo_millis(self) -> float:
        """max-slo-p99 in milliseconds."""
        return slo_millis(self.max_slo_p99) or 60_000.0

    @property
    def policy(self) -> Policy:
        """The five values the spec and estate rules judge by."""
        return Policy(
            re.compile(self.bu_pattern),
            frozenset(self.bu_registry) if self.bu_registry is not None else None,
            self.max_slo_millis,
            self.require_bidirectional,
            self.alignment_scope,
        )

    def severity_of(self, rule: Rule, case: str = "") -> Severity | None:
        """Severity of a finding of `rule` (in `case`): as configured, else its default; None if off."""
        chosen = self.rules.get(rule.id)
        if chosen == "off":
            return None
        return Severity(chosen) if chosen else rule.default_severity(case)


def _bytes(value: int | str) -> int:
    if isinstance(value, int):
        if value <= 0:
            raise ValueError("must be a positive size")
        return value
    match = _SIZE.match(value)
    if not match:
        raise ValueError('write a size like "50MB" or a number of bytes')
    return int(float(match.group(1)) * _UNITS[(match.group(2) or "b").lower()])


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """A config and the folder its relative paths are relative to."""

    config: Config
    base: Path
    source: Path | None
    # The keys the file set and those the command line set (`rules.<id>` for each rule).
    file_keys: frozenset[str] = frozenset()
    flag_keys: frozenset[str] = frozenset()


def find_config_file(start: Path) -> tuple[Path, bool] | None:
    """The nearest `contract-gate.toml` or `pyproject.toml` with our table; (path, is_pyproject)."""
    for folder in (start, *start.parents):
        own = folder / "contract-gate.toml"
        if own.is_file():
            return own, False
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject, True
    return None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        return "contract-gate" in tomllib.loads(pyproject.read_text("utf-8")).get("tool", {})
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
        return False


def load_config(
    explicit: Path | None, overrides: dict[str, Any], cwd: Path, rule_ids: Collection[str]
) -> LoadedConfig:
    """Defaults < config file < command-line overrides; ConfigError names the bad key.

    `rule_ids` are the rules `[rules]` may name (`contract_gate.catalog`).
    """
    raw: dict[str, Any] = {}
    source: Path | None = None
    base = cwd
    if explicit is not None:
        located: tuple[Path, bool] | None = (explicit, explicit.name == "pyproject.toml")
    else:
        located = find_config_file(cwd)
    if located is not None:
        source, is_pyproject = located
        base = source.resolve().parent
        raw = read_table(source, is_pyproject)
    given = {k: v for k, v in overrides.items() if v is not None}
    config = config_of({**raw, **given}, source, rule_ids)
    return LoadedConfig(config, base, source, keys_of(raw), keys_of(given))


def config_of(table: dict[str, Any], source: Path | str | None, rule_ids: Collection[str]) -> Config:
    """A config table (file and overrides merged) as a Config; ConfigError names the bad key."""
    config = validate(Config, table, Path(source) if isinstance(source, str) else source)
    check_rule_ids(config.rules, rule_ids, source)
    return config


def check_rule_ids(named: Iterable[str], rule_ids: Collection[str], source: Path | str | None) -> None:
    """ConfigError naming each id of `[rules]` that is no rule, with the closest rule id."""
    unknown = sorted(set(named) - set(rule_ids))
    if unknown:
        described = "; ".join(f"unknown rule id {name}{did_you_mean(name, rule_ids)}" for name in unknown)
        raise ConfigError(f"{source or 'config'}: 'rules': {described} (see `contract-gate rules`)")


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice `word` most likely misspells (case aside), or None when none is close."""
    by_folded = {choice.casefold(): choice for choice in choices}
    found = difflib.get_close_matches(word.casefold(), list(by_folded), n=1)
    return by_folded[found[0]] if found else None


def did_you_mean(word: str, choices: Iterable[str], quote: str = "'") -> str:
    """` (did you mean 'x'?)` with the choice closest to `word`, or "" when none is close."""
    match = closest(word, choices)
    return f" (did you mean {quote}{match}{quote}?)" if match is not None else ""


def keys_of(table: dict[str, Any]) -> frozenset[str]:
    """The keys a table sets, with `rules.<id>` for each rule it names."""
    rules = table.get("rules")
    named = {f"rules.{rule_id}" for rule_id in rules} if isinstance(rules, dict) else set()
    return frozenset({key for key in table if key != "rules"} | named)


def read_table(source: Path, is_pyproject: bool) -> dict[str, Any]:
    """The config table of a file (`[tool.contract-gate]` of a pyproject.toml); ConfigError if unreadable."""
    try:
        text = source.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{source}: no such config file") from None
    except (UnicodeDecodeError, OSError) as error:
        raise ConfigError(f"{source}: cannot read it: {error}") from None
    return table_of(text, str(source), is_pyproject)


def table_of(text: str, source: str, is_pyproject: bool) -> dict[str, Any]:
    """The config table of a file's text; ConfigError naming `source` when it is not valid TOML."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: not valid TOML: {error}") from None
    if is_pyproject:
        table = document.get("tool", {}).get("contract-gate", {})
        return dict(table) if isinstance(table, dict) else {}
    return document


def validate(kind: type[SettingsT], table: Any, source: Path | None, prefix: str = "") -> SettingsT:
    """`table` as a `kind` (Config, PrometheusConfig); ConfigError names each bad key.

    A table whose every value plainly fits is read without pydantic (a third of start-up).
    """
    plain = plain_settings(kind, table)
    if plain is not None:
        return cast(SettingsT, plain)
    from contract_gate.config.model import validate_with_pydantic

    return validate_with_pydantic(kind, table, source, prefix)
