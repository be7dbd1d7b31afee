"""The organisation's floor (`--policy FILE`): minimums the repository's configuration may only tighten.

The policy file holds the config's own keys (top level, or `[tool.contract-gate]` in a
pyproject.toml). Each key it sets is a minimum: a threshold the repository may raise,
rule severities it may raise, excludes it may drop, a BU pattern it may narrow, and so
on (`config/strictness.py` says what is stricter). A key the policy does not set does not
bind. The policy always requires `policy-violation` itself, so that a repository cannot
silence the finding that it is below the floor.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from contract_gate.config.fields import settings_fields
from contract_gate.config.rules import POLICY_VIOLATION
from contract_gate.config.settings import Config, ConfigError, read_table, validate
from contract_gate.config.strictness import POLICY_KEYS, Loosening, loosenings, strictest
from contract_gate.rules import Rule

POLICY_ENV = "CONTRACT_GATE_POLICY"


@dataclass(frozen=True, slots=True)
class Floor:
    """A loaded policy file: its settings and which keys it sets (`rules.<id>` for each rule)."""

    source: Path
    config: Config
    keys: frozenset[str]

    def shape(self, repo: Config) -> Config:
        """`repo` with every key the policy sets replaced by the policy's value."""
        changes: dict[str, Any] = {}
        for spec in settings_fields(Config):
            if spec.key in self.keys and spec.key in POLICY_KEYS and spec.key != "rules":
                changes[spec.name] = getattr(self.config, spec.name)
        required = {POLICY_VIOLATION.id: POLICY_VIOLATION.severity.value, **self.config.rules}
        changes["rules"] = {**repo.rules, **required}
        return replace(repo, **changes)

    def violations(self, repo: Config, rules: Mapping[str, Rule]) -> list[Loosening]:
        """What `repo` sets below the policy."""
        return loosenings(self.shape(repo), repo, rules)

    def applied(self, repo: Config, rules: Mapping[str, Rule]) -> Config:
        """`repo` with the policy's value wherever `repo` is looser."""
        return strictest(self.shape(repo), repo, rules)

    def sets(self, key: str) -> bool:
        """Whether the policy binds `key` (`min-completeness`, `rules.owner-missing`, …)."""
        return key in self.keys or key == f"rules.{POLICY_VIOLATION.id}"


def load_floor(path: Path, rule_ids: Collection[str]) -> Floor:
    """Read a policy file; ConfigError (naming the file) when it cannot be used."""
    table = read_table(path, path.name == "pyproject.toml")
    config = validate(Config, table, path)
    others = sorted(key for key in table if key not in POLICY_KEYS)
    if others:
        raise ConfigError(
            f"{path}: a policy sets only the keys that judge ({', '.join(POLICY_KEYS)});"
            f" not {', '.join(others)}"
        )
    unknown = sorted(set(config.rules) - set(rule_ids))
    if unknown:
        raise ConfigError(
            f"{path}: 'rules': unknown rule id {', '.join(unknown)} (see `contract-gate rules`)"
        )
    keys = {key for key in table if key != "rules"} | {f"rules.{rule_id}" for rule_id in config.rules}
    return Floor(path, config, frozenset(keys))
