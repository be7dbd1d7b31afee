"""Operation rules: every external operation names a valid owner and a valid p99 SLO."""

from __future__ import annotations

from collections.abc import Iterator

from contract_gate.findings import Problem
from contract_gate.model import Operation, Service, Sourced


def governance_problems(service: Service) -> list[Problem]:
    """owner-missing / slo-missing per operation; an invalid value once where it is written."""
    problems: list[Problem] = []
    invalid: dict[tuple[str, str, str], list[tuple[Operation, Sourced, str]]] = {}
    for op in service.external:
        problems.extend(_missing(op))
        for value, verdict in ((op.owner, op.owner_verdict), (op.slo, op.slo_verdict)):
            if value is not None and verdict.rule is not None:
                key = (verdict.rule, value.file, value.pointer)
                invalid.setdefault(key, []).append((op, value, verdict.message))
    for (rule, file, pointer), uses in invalid.items():
        op, value, message = uses[0]
        on_operation = value.level == "operation"
        if not on_operation:
            count = len(uses)
            message += f" (set on the {value.level}, used by {count} operation{'s' * (count != 1)})"
        problems.append(Problem(rule, message, file, pointer, service.id, op.key if on_operation else None))
    return problems


def _missing(op: Operation) -> Iterator[Problem]:
    shown = f"{op.key} ({op.operation_id})" if op.operation_id else op.key
    if op.owner is None:
        yield Problem(
            "owner-missing",
            f"{shown} has no x-bu-owner (on the operation, its path item, info or the root);"
            " add one, e.g. x-bu-owner: ECOM-BU",
            op.file,
            op.pointer,
            op.service,
            op.key,
        )
    if op.slo is None:
        yield Problem(
            "slo-missing",
            f"{shown} has no x-slo-p99 (on the operation, its path item, info or the root);"
            ' add one, e.g. x-slo-p99: "800ms"',
            op.file,
            op.pointer,
            op.service,
            op.key,
        )
