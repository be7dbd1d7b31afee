"""Which of two configurations judges more strictly, key by key.

The policy keys are those that decide whether the gate passes: the thresholds, `fail-on`,
each rule's severity, `exclude`, the BU pattern and registry, the largest SLO,
`require-bidirectional` and `alignment-scope`. `loosenings(before, after)` lists what
`after` relaxes; `strictest(before, after)` is `after` with every relaxed key taken from
`before`. Both diff mode (base against head) and the organisation's floor (`--policy`)
judge with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from contract_gate.config.regex_scope import accepts_more
from contract_gate.config.settings import Config
from contract_gate.rules import Rule, Severity

POLICY_KEYS = (
    "min-completeness",
    "min-alignment",
    "fail-on",
    "rules",
    "exclude",
    "bu-pattern",
    "bu-registry",
    "max-slo-p99",
    "require-bidirectional",
    "alignment-scope",
)
_OFF_RANK = 0


@dataclass(frozen=True, slots=True)
class Loosening:
    """One policy key that `after` relaxes: its place in the config table and what changed.

    `path` is the key as written in the table: ("min-completeness",), ("rules", "owner-missing"),
    ("exclude", "legacy/**") for one added pattern.
    """

    path: tuple[str, ...]
    was: str
    now: str

    @property
    def key(self) -> str:
        """The key as people write it: `min-completeness`, `rules.owner-missing`, `exclude`."""
        return self.path[0] if self.path[0] == "exclude" else ".".join(self.path)

    def describe(self) -> str:
        """`min-completeness 95 -> 0`, `exclude adds "legacy/**"`."""
        if self.path[0] == "exclude":
            return f'exclude adds "{self.path[1]}"'
        return f"{self.key} {self.was} -> {self.now}"


def loosenings(before: Config, after: Config, rules: Mapping[str, Rule]) -> list[Loosening]:
    """Every way `after` judges less strictly than `before`, in POLICY_KEYS order."""
    found: list[Loosening] = []
    for key, was, now in (
        ("min-completeness", before.min_completeness, after.min_completeness),
        ("min-alignment", before.min_alignment, after.min_alignment),
    ):
        if now < was:
            found.append(Loosening((key,), _number(was), _number(now)))
    if after.fail_on.rank > before.fail_on.rank:
        found.append(Loosening(("fail-on",), before.fail_on.value, after.fail_on.value))
    for rule_id in sorted(set(before.rules) | set(after.rules)):
        rule = rules.get(rule_id)
        if rule is not None and _lowered(rule, before, after):
            found.append(Loosening(("rules", rule_id), _setting(before, rule), _setting(after, rule)))
    found.extend(Loosening(("exclude", p), "", p) for p in after.exclude if p not in before.exclude)
    if before.bu_pattern != after.bu_pattern and accepts_more(after.bu_pattern, before.bu_pattern):
        found.append(Loosening(("bu-pattern",), before.bu_pattern, after.bu_pattern))
    if _registry_widened(before.bu_registry, after.bu_registry):
        found.append(Loosening(("bu-registry",), _registry(before.bu_registry), _registry(after.bu_registry)))
    if after.max_slo_millis > before.max_slo_millis:
        found.append(Loosening(("max-slo-p99",), before.max_slo_p99, after.max_slo_p99))
    if before.require_bidirectional and not after.require_bidirectional:
        found.append(Loosening(("require-bidirectional",), "true", "false"))
    if after.alignment_scope != before.alignment_scope:
        found.append(Loosening(("alignment-scope",), before.alignment_scope, after.alignment_scope))
    return found


def strictest(before: Config, after: Config, rules: Mapping[str, Rule]) -> Config:
    """`after` with every key it loosens taken from `before` (the other settings are `after`'s)."""
    relaxed = loosenings(before, after, rules)
    if not relaxed:
        return after
    keys = {item.path[0] for item in relaxed}
    changes: dict[str, object] = {}
    if "min-completeness" in keys:
        changes["min_completeness"] = before.min_completeness
    if "min-alignment" in keys:
        changes["min_alignment"] = before.min_alignment
    if "fail-on" in keys:
        changes["fail_on"] = before.fail_on
    if "rules" in keys:
        changes["rules"] = _rules_kept(
            before.rules, after.rules, {i.path[1] for i in relaxed if i.path[0] == "rules"}
        )
    if "exclude" in keys:
        changes["exclude"] = [p for p in after.exclude if p in before.exclude]
    if "bu-pattern" in keys:
        # A pattern accepting what the other refuses, and the other way round, has no stricter
        # side: the one already reviewed (before) judges.
        changes["bu_pattern"] = before.bu_pattern
    if "bu-registry" in keys:
        changes["bu_registry"] = _registry_both(before.bu_registry, after.bu_registry)
    if "max-slo-p99" in keys:
        changes["max_slo_p99"] = before.max_slo_p99
    if "require-bidirectional" in keys:
        changes["require_bidirectional"] = True
    if "alignment-scope" in keys:
        changes["alignment_scope"] = before.alignment_scope
    return replace(after, **changes)  # type: ignore[arg-type]


def policy_value(config: Config, key: str) -> str:
    """A policy key's value as the reports show it (`rules` as `id=severity` pairs)."""
    if key == "rules":
        return (
            ", ".join(f"{rule_id}={level}" for rule_id, level in sorted(config.rules.items())) or "(defaults)"
        )
    if key == "exclude":
        return ", ".join(f'"{p}"' for p in config.exclude) or "(none)"
    if key == "bu-registry":
        return _registry(config.bu_registry)
    value = {
        "min-completeness": config.min_completeness,
        "min-alignment": config.min_alignment,
        "fail-on": config.fail_on.value,
        "bu-pattern": config.bu_pattern,
        "max-slo-p99": config.max_slo_p99,
        "require-bidirectional": config.require_bidirectional,
        "alignment-scope": config.alignment_scope,
    }[key]
    if isinstance(value, bool):
        return "true" if value else "false"
    return _number(value) if isinstance(value, float) else str(value)


def _lowered(rule: Rule, before: Config, after: Config) -> bool:
    """Whether `after` reports `rule` less seriously than `before` in any of its cases."""
    return any(_rank(after, rule, case) < _rank(before, rule, case) for case in cases_of(rule))


def cases_of(rule: Rule) -> tuple[str, ...]:
    """The cases a rule's severity is set for ("" for a rule without cases)."""
    return tuple(case for case, _ in rule.cases) or ("",)


def _rank(config: Config, rule: Rule, case: str) -> int:
    severity: Severity | None = config.severity_of(rule, case)
    return _OFF_RANK if severity is None else severity.rank


def _setting(config: Config, rule: Rule) -> str:
    return config.rules.get(rule.id) or f"{rule.severity.value} (default)"


def _rules_kept(before: Mapping[str, str], after: Mapping[str, str], relaxed: set[str]) -> dict[str, str]:
    """`after`'s rule settings, except the relaxed ones, which are `before`'s (or the default)."""
    kept = {rule_id: level for rule_id, level in after.items() if rule_id not in relaxed}
    kept.update({rule_id: before[rule_id] for rule_id in relaxed if rule_id in before})
    return kept


def _registry_widened(before: list[str] | None, after: list[str] | None) -> bool:
    if before is None:
        return False
    return after is None or bool(set(after) - set(before))


def _registry_both(before: list[str] | None, after: list[str] | None) -> list[str] | None:
    if before is None or after is None:
        return after if before is None else before
    return [bu for bu in after if bu in before]


def _registry(value: list[str] | None) -> str:
    return "(any BU)" if value is None else ", ".join(value) or "(none)"


def _number(value: float) -> str:
    return f"{value:g}"
