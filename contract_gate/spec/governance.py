"""Operation rules on one spec: each unit of `spec/checks`, and invalid values once where written."""

from __future__ import annotations

from contract_gate.config.policy import Policy
from contract_gate.findings import Problem
from contract_gate.rules import Rule
from contract_gate.spec.checks import OPERATION_CHECKS
from contract_gate.spec.model import Operation, Service, Sourced


def governance_problems(service: Service, policy: Policy) -> list[Problem]:
    """The problems of every operation rule in one spec."""
    problems: list[Problem] = []
    for unit in OPERATION_CHECKS:
        problems.extend(unit.check(service, policy))
    problems.extend(_invalid_values(service))
    return problems


def _invalid_values(service: Service) -> list[Problem]:
    """owner-invalid, owner-unknown-bu, slo-invalid: once where written, however many inherit it."""
    invalid: dict[tuple[Rule, str, str], list[tuple[Operation, Sourced, str]]] = {}
    for op in service.external:
        for value, verdict in ((op.owner, op.owner_verdict), (op.slo, op.slo_verdict)):
            if value is not None and verdict.rule is not None:
                key = (verdict.rule, value.file, value.pointer)
                invalid.setdefault(key, []).append((op, value, verdict.message))
    problems = []
    for (rule, file, pointer), uses in invalid.items():
        op, value, message = uses[0]
        on_operation = value.level == "operation"
        if not on_operation:
            count = len(uses)
            message += f" (set on the {value.level}, used by {count} operation{'s' * (count != 1)})"
        problems.append(Problem(rule, message, file, pointer, service.id, op.key if on_operation else None))
    return problems
