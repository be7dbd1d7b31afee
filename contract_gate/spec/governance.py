"""Operation rules: every external operation names a valid owner and a valid p99 SLO."""

from __future__ import annotations

from collections.abc import Iterator

from contract_gate.extensions.values import check_slo
from contract_gate.findings import Problem
from contract_gate.spec.model import Operation, Service, Sourced


def governance_problems(service: Service, max_slo_ms: float) -> list[Problem]:
    """owner/slo rules per operation (an invalid value once where written); malformed call entries."""
    problems: list[Problem] = list(_entry_problems(service, max_slo_ms))
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


def _entry_problems(service: Service, max_slo_ms: float) -> Iterator[Problem]:
    """call-invalid: a malformed x-calls/x-consumers entry, or a budget that is not a duration."""
    for op in service.operations:
        for pointer, message in op.entry_errors:
            yield Problem("call-invalid", message, op.file, pointer, service.id, op.key)
        for call in op.calls:
            if call.budget is None:
                yield Problem(
                    "call-invalid",
                    f'the call to {call.service} "{call.operation}" has no x-slo-p99 budget;'
                    ' add the p99 this operation allows it, e.g. x-slo-p99: "300ms"',
                    call.file,
                    call.pointer,
                    service.id,
                    op.key,
                )
                continue
            verdict = check_slo(call.budget, max_slo_ms)
            if not verdict.valid:
                yield Problem(
                    "call-invalid",
                    f"budget of the call to {call.service}: {verdict.message}",
                    call.file,
                    call.budget_pointer,
                    service.id,
                    op.key,
                )
        for consumer in op.consumers:
            agreed = check_slo(consumer.budget, max_slo_ms) if consumer.budget is not None else None
            if agreed is not None and not agreed.valid:
                yield Problem(
                    "call-invalid",
                    f"value agreed with consumer {consumer.service}: {agreed.message}",
                    consumer.file,
                    consumer.budget_pointer,
                    service.id,
                    op.key,
                )


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
