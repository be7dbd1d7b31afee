"""Configuration: one pydantic model, kebab-case keys, unknown keys rejected.

Found as `contract-gate.toml`, or `[tool.contract-gate]` in `pyproject.toml`,
from the working directory upwards; `--config FILE` names one. Defaults <
file < flags actually passed.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from contract_gate.extensions import DEFAULT_BU_PATTERN, slo_millis
from contract_gate.findings import Severity
from contract_gate.limits import Limits
from contract_gate.rules import RULES_BY_ID

_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "kib": 1024, "mib": 1024**2, "gib": 1024**3}


class ConfigError(Exception):
    """Configuration that cannot be used; the message names the key and the file."""


_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_PROM_DURATION = re.compile(r"^(?:[0-9]+(?:y|w|d|h|m|s|ms))+$")


class PrometheusConfig(BaseModel):
    """How `prometheus-rules` turns each x-slo-p99 into an alert: the histogram and its labels."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    histogram: str = Field(
        "http_server_request_duration_seconds",
        description="Base name of the latency histogram (without _bucket); the default is the"
        " OpenTelemetry HTTP server metric as Prometheus names it.",
    )
    histogram_unit: Literal["seconds", "milliseconds"] = Field(
        "seconds", alias="histogram-unit", description="Unit of the histogram's buckets."
    )
    service_label: str = Field(
        "job", alias="service-label", description="Label whose value is the service id."
    )
    method_label: str = Field(
        "http_request_method", alias="method-label", description="Label holding the HTTP method (GET, POST…)."
    )
    route_label: str = Field(
        "http_route", alias="route-label", description="Label holding the route, as the spec's path template."
    )
    operation_id_label: str | None = Field(
        None,
        alias="operation-id-label",
        description="When set, operations with an operationId are matched by this label instead of"
        " method and route.",
    )
    selectors: dict[str, str] = Field(
        default_factory=dict,
        description='Extra label matchers every expression gets, e.g. {env = "prod"}.',
    )
    rate_window: str = Field(
        "5m", alias="rate-window", description="Range of rate() over the buckets, a Prometheus duration."
    )
    for_: str = Field(
        "10m", alias="for", description="How long the p99 must stay above the SLO before the alert fires."
    )
    severity: str = Field("warning", min_length=1, description="The alerts' severity label.")

    @field_validator("histogram")
    @classmethod
    def _metric_name(cls, value: str) -> str:
        if not _METRIC_NAME.match(value):
            raise ValueError(f"{value!r} is not a Prometheus metric name")
        if value.endswith("_bucket"):
            raise ValueError(f"write the histogram's base name, {value.removesuffix('_bucket')!r}")
        return value

    @field_validator("service_label", "method_label", "route_label", "operation_id_label")
    @classmethod
    def _label_name(cls, value: str | None) -> str | None:
        if value is not None and not _LABEL_NAME.match(value):
            raise ValueError(f"{value!r} is not a Prometheus label name")
        return value

    @field_validator("selectors")
    @classmethod
    def _selector_names(cls, value: dict[str, str]) -> dict[str, str]:
        bad = sorted(name for name in value if not _LABEL_NAME.match(name))
        if bad:
            raise ValueError(f"not Prometheus label names: {', '.join(bad)}")
        return value

    @field_validator("rate_window", "for_")
    @classmethod
    def _duration(cls, value: str) -> str:
        if not _PROM_DURATION.match(value):
            raise ValueError(f'{value!r} is not a Prometheus duration; write it like "5m" or "1h30m"')
        return value

    def merged(self, overrides: dict[str, Any]) -> PrometheusConfig:
        """The table with command-line overrides (kebab-case keys); ConfigError names a bad one."""
        given = {key: value for key, value in overrides.items() if value is not None}
        try:
            return PrometheusConfig.model_validate({**self.model_dump(by_alias=True), **given})
        except ValidationError as error:
            raise ConfigError(_describe(error, None, "prometheus.")) from None


class Config(BaseModel):
    """Every setting, with its default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_completeness: float = Field(
        95.0,
        alias="min-completeness",
        ge=0,
        le=100,
        description="Gate threshold for documentation completeness, in percent.",
    )
    min_alignment: float = Field(
        90.0,
        alias="min-alignment",
        ge=0,
        le=100,
        description="Gate threshold for SLO alignment, in percent.",
    )
    alignment_scope: Literal["cross-bu", "all"] = Field(
        "cross-bu",
        alias="alignment-scope",
        description="Which call pairs count for SLO alignment: across BUs only, or all.",
    )
    require_bidirectional: bool = Field(
        False,
        alias="require-bidirectional",
        description="A callee must list each consumer in x-consumers for its pair to be aligned.",
    )
    bu_pattern: str = Field(
        DEFAULT_BU_PATTERN,
        alias="bu-pattern",
        description="Regular expression every x-bu-owner must match.",
    )
    bu_registry: list[str] | None = Field(
        None,
        alias="bu-registry",
        description="The known BUs; when set, an x-bu-owner outside it is owner-unknown-bu.",
    )
    max_slo_p99: str = Field(
        "60s", alias="max-slo-p99", description="The largest x-slo-p99 accepted, e.g. 60s."
    )
    fail_on: Severity = Field(
        Severity.ERROR,
        alias="fail-on",
        description="The gate fails on a finding of this severity or above.",
    )
    rules: dict[str, Literal["error", "warning", "info", "off"]] = Field(
        default_factory=dict,
        description="Per-rule severity: error, warning, info or off.",
    )
    exclude: list[str] = Field(
        default_factory=list,
        description="Glob patterns (relative to the config file) of files and folders not walked.",
    )
    ref_root: str | None = Field(
        None,
        alias="ref-root",
        description="Folder that local $refs may not leave; default: the common root of the inputs.",
    )
    max_file_size: int | str = Field(
        "50MB", alias="max-file-size", description="Files larger than this are not read."
    )
    cache: bool = Field(True, description="Reuse results of files whose bytes did not change.")
    cache_dir: str = Field(
        ".contract-gate-cache",
        alias="cache-dir",
        description="Where results are cached (relative to the config).",
    )
    jobs: int | None = Field(
        None, ge=1, le=256, description="Worker processes checking files (default: the CPU count)."
    )
    file_timeout: float = Field(
        120.0, alias="file-timeout", gt=0, description="Seconds one file may take before it is given up."
    )
    worker_memory: int | str = Field(
        "2GiB", alias="worker-memory", description="Address space a worker may use (one file at a time)."
    )
    max_depth: int = Field(
        256, alias="max-depth", ge=8, le=10_000, description="Deepest nesting accepted in a spec."
    )
    max_nodes: int = Field(
        5_000_000,
        alias="max-nodes",
        ge=1000,
        description="Most values a spec may expand to (YAML aliases included).",
    )
    prometheus: PrometheusConfig = Field(
        default_factory=PrometheusConfig,
        description="How `prometheus-rules` writes alerts from x-slo-p99.",
    )

    @field_validator("bu_pattern")
    @classmethod
    def _pattern_compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"not a regular expression: {error}") from None
        return value

    @field_validator("max_slo_p99")
    @classmethod
    def _slo_form(cls, value: str) -> str:
        if not slo_millis(value):
            raise ValueError('write it like "60s" or "800ms"')
        return value

    @field_validator("max_file_size", "worker_memory")
    @classmethod
    def _size_form(cls, value: int | str) -> int | str:
        _bytes(value)
        return value

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(RULES_BY_ID))
        if unknown:
            raise ValueError(f"unknown rule id {', '.join(unknown)} (see `contract-gate rules`)")
        return value

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

    def severity_of(self, rule: str) -> Severity | None:
        """Configured severity of a rule, or None when it is off."""
        chosen = self.rules.get(rule)
        if chosen == "off":
            return None
        return Severity(chosen) if chosen else RULES_BY_ID[rule].severity


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


def load_config(explicit: Path | None, overrides: dict[str, Any], cwd: Path) -> LoadedConfig:
    """Defaults < config file < command-line overrides; ConfigError names the bad key."""
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
        raw = _read_table(source, is_pyproject)
    merged = {**raw, **{k: v for k, v in overrides.items() if v is not None}}
    try:
        config = Config.model_validate(merged)
    except ValidationError as error:
        raise ConfigError(_describe(error, source)) from None
    return LoadedConfig(config, base, source)


def _read_table(source: Path, is_pyproject: bool) -> dict[str, Any]:
    try:
        document = tomllib.loads(source.read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{source}: no such config file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as error:
        raise ConfigError(f"{source}: not valid TOML: {error}") from None
    if is_pyproject:
        table = document.get("tool", {}).get("contract-gate", {})
        return dict(table) if isinstance(table, dict) else {}
    return document


def _describe(error: ValidationError, source: Path | None, prefix: str = "") -> str:
    where = f"{source}: " if source else ""
    lines = []
    for item in error.errors():
        key = prefix + (".".join(str(part) for part in item["loc"]) or "config")
        if item["type"] == "extra_forbidden":
            lines.append(f"{where}unknown key '{key}'")
        else:
            lines.append(f"{where}'{key}': {item['msg']}")
    return "; ".join(lines)
