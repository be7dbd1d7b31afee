"""The gate's own policy: what a pull request may not loosen, and the organisation's floor.

`judge` decides the configuration a run is judged by. In diff mode the config file is
read at the base revision too, every loosening is a `policy-loosened` finding at its line,
and the stricter of base and head applies (a loosening takes effect once merged, after
review). With a floor (`--policy`), every key the repository sets below it is a
`policy-violation` finding and the floor applies. `baseline_growth` does the same for a
baseline: entries the pull request adds for findings the base did not have hide nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract_gate.config.floor import Floor
from contract_gate.config.judged import JudgedValue, Source
from contract_gate.config.rules import POLICY_VIOLATION
from contract_gate.config.settings import Config, ConfigError, LoadedConfig, config_of, table_of
from contract_gate.config.strictness import (
    POLICY_KEYS,
    Loosening,
    cases_of,
    loosenings,
    policy_value,
    strictest,
)
from contract_gate.config.toml_lines import key_line
from contract_gate.engine.run import Report
from contract_gate.findings import Problem
from contract_gate.history import diff
from contract_gate.history.baseline import Baseline, parse
from contract_gate.history.errors import BaselineError
from contract_gate.history.rules import BASELINE_GROWN, POLICY_LOOSENED
from contract_gate.load.limits import Limits
from contract_gate.load.loader import LoadError, display_path, load_document
from contract_gate.rules import Rule

_TOOL_TABLE = ("tool", "contract-gate")
_COMMAND_LINE = "the command line"


@dataclass(frozen=True, slots=True)
class Judgement:
    """The configuration a run is judged by, where each policy value came from, and the findings."""

    config: Config
    judged_by: tuple[JudgedValue, ...]
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class ConfigAt:
    """The repository's configuration at a revision: the settings and where they were read."""

    config: Config
    where: str  # `REV:path`, or `defaults at REV` when no config file existed there


def judge(
    loaded: LoadedConfig,
    flags: Mapping[str, Any],
    rules: Mapping[str, Rule],
    *,
    floor: Floor | None = None,
    revision: diff.Revision | None = None,
    explicit: Path | None = None,
) -> Judgement:
    """The configuration to judge by: the repository's, held to the base revision's and the floor."""
    head = loaded.config
    effective = head
    problems: list[Problem] = []
    at_base: ConfigAt | None = None
    relaxed: set[str] = set()
    if revision is not None:
        at_base = config_at(revision, loaded, flags, rules, explicit)
        for item in loosenings(at_base.config, head, rules):
            relaxed.add(item.key)
            problems.append(_loosened(item, loaded, revision.name))
        effective = strictest(at_base.config, head, rules)
    if floor is not None:
        own = loaded.file_keys | loaded.flag_keys
        problems.extend(_violation(i, loaded, floor) for i in floor.violations(head, rules) if i.key in own)
        effective = floor.applied(effective, rules)
    judged = _judged_by(effective, head, loaded, relaxed, at_base, floor, rules)
    return Judgement(effective, judged, tuple(problems))


def config_at(
    revision: diff.Revision,
    loaded: LoadedConfig,
    flags: Mapping[str, Any],
    rules: Mapping[str, Rule],
    explicit: Path | None = None,
) -> ConfigAt:
    """The configuration found at `revision` as `load_config` finds it now, with the same flags.

    No config file there (or none that can be read) means the defaults judged then.
    """
    given = {key: value for key, value in flags.items() if value is not None}
    candidates = [explicit] if explicit is not None else _candidates(loaded.source)
    for path in candidates:
        found = diff.file_at(revision, path)
        if found is None:
            continue
        rel, data = found
        where = f"{revision.name}:{rel}"
        pyproject = path.name == "pyproject.toml"
        try:
            table = table_of(data.decode("utf-8"), where, pyproject)
            if pyproject and not table and explicit is None:
                continue  # a pyproject.toml without our table is not a config
            return ConfigAt(config_of({**table, **given}, where, rules), where)
        except (ConfigError, UnicodeDecodeError):
            break
    return ConfigAt(config_of(given, None, rules), f"defaults at {revision.name}")


def baseline_growth(
    report: Report, baseline: Baseline, revision: diff.Revision, limits: Limits
) -> tuple[Baseline, list[Problem]]:
    """The baseline without the entries the pull request added for findings new in it, and a finding each.

    An entry is the pull request's own when the baseline at `revision` lacks it; it is
    accepted when its finding already occurred at `revision` (a team adopting existing debt).
    """
    before = _baseline_at(revision, Path(baseline.file))
    occurred = {finding.fingerprint for finding in report.pre_existing}
    grown = [
        (index, entry)
        for index, entry in enumerate(baseline.entries)
        if entry.fingerprint not in before and entry.fingerprint not in occurred
    ]
    if not grown:
        return baseline, []
    dropped = {entry.fingerprint for _, entry in grown}
    kept = Baseline(baseline.file, tuple(e for e in baseline.entries if e.fingerprint not in dropped))
    display = display_path(Path(baseline.file))
    try:
        locator = load_document(Path(baseline.file), limits, display).locator
    except (LoadError, OSError):
        locator = None
    problems = []
    for index, entry in grown:
        pointer = f"/findings/{index}"
        line, column = locator.locate(pointer) if locator is not None else (None, None)
        named = " ".join(
            part for part in (entry.rule, entry.file or "(estate)", entry.operation or "") if part
        )
        message = (
            f"baseline entry {named} was added since {revision.name} for a finding that did not occur"
            f" there; it hides nothing in this change (a baseline accepts findings the base already has)"
        )
        problems.append(
            Problem(
                BASELINE_GROWN,
                message,
                display,
                pointer,
                discriminator=entry.fingerprint,
                line=line,
                column=column,
            )
        )
    return kept, problems


def _baseline_at(revision: diff.Revision, path: Path) -> frozenset[str]:
    found = diff.file_at(revision, path)
    if found is None:
        return frozenset()
    rel, data = found
    try:
        return parse(data.decode("utf-8"), f"{revision.name}:{rel}").fingerprints
    except (BaselineError, UnicodeDecodeError):
        return frozenset()  # not a baseline there: it accepted nothing


def _candidates(source: Path | None) -> list[Path]:
    """Where `load_config` looks from the working directory up, the file it found now first."""
    found = [source] if source is not None else []
    for folder in (Path.cwd(), *Path.cwd().parents):
        found.extend((folder / "contract-gate.toml", folder / "pyproject.toml"))
    return found


def _loosened(item: Loosening, loaded: LoadedConfig, revision: str) -> Problem:
    if item.path[0] == "exclude":
        effect = "the files it matches are still checked in this change"
    else:
        effect = f"this change is judged with {item.key} {item.was} until it is merged"
    message = f"the pull request loosens the gate's policy since {revision}: {item.describe()}; {effect}"
    return _placed(POLICY_LOOSENED, message, item, loaded)


def _violation(item: Loosening, loaded: LoadedConfig, floor: Floor) -> Problem:
    on_command_line = item.key in loaded.flag_keys
    where = _COMMAND_LINE if on_command_line else _shown(loaded.source)
    if item.path[0] == "exclude":
        message = (
            f'exclude "{item.path[1]}" in {where} is not allowed by the organisation\'s policy'
            f" {floor.source}; the files it matches are checked"
        )
    else:
        message = (
            f"{item.key} {item.now} in {where} is looser than the organisation's policy {floor.source}"
            f" ({item.key} {item.was}); the policy's value applies"
        )
    return _placed(POLICY_VIOLATION, message, item, loaded, in_file=not on_command_line)


def _placed(rule: Rule, message: str, item: Loosening, loaded: LoadedConfig, in_file: bool = True) -> Problem:
    """A finding on a config key, at its line in the config file when it is written there."""
    pointer = "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in item.path[:2])
    if not in_file or loaded.source is None:
        return Problem(rule, message, None, pointer)
    line = None
    try:
        text = loaded.source.read_text("utf-8")
        table = _TOOL_TABLE if loaded.source.name == "pyproject.toml" else ()
        line = key_line(text, item.path, table)
    except (OSError, UnicodeDecodeError):
        pass
    return Problem(rule, message, _shown(loaded.source), pointer, line=line, column=1 if line else None)


def _shown(source: Path | None) -> str:
    return display_path(source) if source is not None else "(no config file)"


def _judged_by(
    effective: Config,
    head: Config,
    loaded: LoadedConfig,
    relaxed: set[str],
    at_base: ConfigAt | None,
    floor: Floor | None,
    rules: Mapping[str, Rule],
) -> tuple[JudgedValue, ...]:
    """Each policy key's effective value and the layer it came from (policy, base, flags, config, default)."""
    rule_ids = set(effective.rules) | set(head.rules)
    if floor is not None:
        rule_ids |= set(floor.config.rules)
    keys = [key for key in POLICY_KEYS if key != "rules"] + [
        f"rules.{r}" for r in sorted(rule_ids) if r in rules
    ]
    shaped = floor.shape(head) if floor is not None else None
    judged = []
    for key in keys:
        now = _effect(effective, key, rules)
        if (
            shaped is not None
            and floor is not None
            and floor.sets(key)
            and now == _effect(shaped, key, rules)
        ):
            source, where = Source.POLICY, os.fspath(floor.source)
        elif at_base is not None and key in relaxed:
            source, where = Source.BASE, at_base.where
        elif key in loaded.flag_keys:
            source, where = Source.FLAGS, _COMMAND_LINE
        elif key in loaded.file_keys:
            source, where = Source.CONFIG, _shown(loaded.source)
        else:
            source, where = Source.DEFAULT, ""
        judged.append(JudgedValue(key, _shown_value(effective, key, rules, source), source, where))
    return tuple(judged)


def _effect(config: Config, key: str, rules: Mapping[str, Rule]) -> object:
    """What a key does: its value, or for a rule its severity in each of its cases."""
    if key.startswith("rules."):
        rule = rules[key.removeprefix("rules.")]
        return tuple(config.severity_of(rule, case) for case in cases_of(rule))
    return policy_value(config, key)


def _shown_value(config: Config, key: str, rules: Mapping[str, Rule], source: Source) -> str:
    if not key.startswith("rules."):
        return policy_value(config, key)
    rule = rules[key.removeprefix("rules.")]
    written = config.rules.get(rule.id)
    if written is not None:
        return written
    return rule.severity.value if source is Source.POLICY else f"{rule.severity.value} (default)"
