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


def _describe(error: ValidationError, source: Path | None) -> str:
    where = f"{source}: " if source else ""
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "config"
        if item["type"] == "extra_forbidden":
            lines.append(f"{where}unknown key '{key}'")
        else:
            lines.append(f"{where}'{key}': {item['msg']}")
    return "; ".join(lines)
