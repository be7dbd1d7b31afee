"""Operation rules, one module each: the rule (`RULE`), its check and their `UNIT`.

A check reads one spec's `Service` and the `Policy`, and yields `Problem`s of its
rule. Add a rule as a module here and its `UNIT` in `OPERATION_CHECKS`; see CONTRIBUTING.md.
"""

from __future__ import annotations

from contract_gate.spec.checks import call_duplicate, call_invalid, owner_missing, slo_missing
from contract_gate.spec.checks.unit import OperationCheck

OPERATION_CHECKS: tuple[OperationCheck, ...] = (
    owner_missing.UNIT,
    slo_missing.UNIT,
    call_invalid.UNIT,
    call_duplicate.UNIT,
)
