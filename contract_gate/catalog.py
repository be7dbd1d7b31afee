"""Every rule contract-gate reports, in the order `contract-gate rules` and SARIF list them.

A rule is declared in the stage whose code checks it; this is the one list of them all,
written out: a rule missing here cannot be configured, documented or reported (a test
fails on a rule declared anywhere in the package and not listed).
"""

from __future__ import annotations

from contract_gate.config import rules as config
from contract_gate.engine import rules as engine
from contract_gate.estate import rules as estate
from contract_gate.extensions import rules as values
from contract_gate.history import rules as history
from contract_gate.load import rules as load
from contract_gate.observe import rules as observe
from contract_gate.rules import Rule
from contract_gate.snapshot import rules as snapshot
from contract_gate.spec.checks import call_duplicate, call_invalid, owner_missing, slo_missing
from contract_gate.validate import rules as validate

RULES: tuple[Rule, ...] = (
    load.PARSE_ERROR,
    engine.NOT_A_SPEC,
    load.FILE_TOO_LARGE,
    engine.CHECKER_CRASHED,
    load.NESTING_TOO_DEEP,
    load.TOO_MANY_NODES,
    load.DUPLICATE_KEY,
    load.YAML_LENIENT,
    validate.SPEC_INVALID,
    validate.SPEC_FORMAT,
    validate.SCHEMA_DIALECT_UNCHECKED,
    load.REF_UNRESOLVED,
    load.REF_FORBIDDEN,
    load.REF_CYCLE,
    engine.SERVICE_DUPLICATE,
    snapshot.SNAPSHOT_INVALID,
    snapshot.SNAPSHOT_STALE,
    owner_missing.RULE,
    values.OWNER_INVALID,
    values.OWNER_UNKNOWN_BU,
    slo_missing.RULE,
    values.SLO_INVALID,
    call_invalid.RULE,
    call_duplicate.RULE,
    estate.SLO_MISALIGNED,
    estate.SLO_AGREEMENT_MISMATCH,
    estate.CALL_NOT_DECLARED,
    estate.CONSUMER_NOT_LISTED,
    estate.CALL_UNRESOLVED,
    estate.CALL_OUT_OF_VIEW,
    estate.BUDGET_INFEASIBLE,
    estate.BUDGET_OVERCOMMITTED,
    estate.CALL_CYCLE,
    engine.THRESHOLD_COMPLETENESS,
    engine.THRESHOLD_ALIGNMENT,
    history.SLO_LOOSENED,
    history.OWNER_CHANGED,
    history.OPERATION_REMOVED,
    history.POLICY_LOOSENED,
    history.BASELINE_GROWN,
    config.POLICY_VIOLATION,
    observe.SLO_BREACHED,
    observe.SLO_UNOBSERVED,
    observe.BUDGET_BREACHED,
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
