"""call-invalid: every x-calls/x-consumers entry is well formed and names a valid duration."""

from __future__ import annotations

from collections.abc import Iterator

from contract_gate.config.policy import Policy
from contract_gate.extensions.values import check_slo
from contract_gate.findings import Problem
from contract_gate.rules import Rule, Scope, Severity
from contract_gate.spec.checks.unit import OperationCheck
from contract_gate.spec.model import Service

RULE = Rule(
    "call-invalid",
    Severity.ERROR,
    Scope.OPERATION,
    """
An `x-calls` or `x-consumers` entry is malformed: not a mapping, no `service` or
`operation`, an `operation` that is neither an operationId nor `"METHOD /path"`,
a `mode` other than sync/async, an unknown key, or a duration (`x-slo-p99`) that
is missing from a call or is not `<number>ms`/`<number>s`. Points at the entry.
Fails: `x-calls: [{service: payment-service}]`""",
)


def check(service: Service, policy: Policy) -> Iterator[Problem]:
    """A malformed entry (as the model read it), a call without a budget, a budget that is no duration."""
    for op in service.operations:
        for pointer, message in op.entry_errors:
            yield Problem(RULE, message, op.file, pointer, service.id, op.key)
        for call in op.calls:
            if call.budget is None:
                yield Problem(
                    RULE,
                    f'the call to {call.service} "{call.operation}" has no x-slo-p99 budget;'
                    ' add the p99 this operation allows it, e.g. x-slo-p99: "300ms"',
                    call.file,
                    call.pointer,
                    service.id,
                    op.key,
                )
                continue
            verdict = check_slo(call.budget, policy.max_slo_ms)
            if not verdict.valid:
                yield Problem(
                    RULE,
                    f"budget of the call to {call.service}: {verdict.message}",
                    call.file,
                    call.budget_pointer,
                    service.id,
                    op.key,
                )
        for consumer in op.consumers:
            agreed = check_slo(consumer.budget, policy.max_slo_ms) if consumer.budget is not None else None
            if agreed is not None and not agreed.valid:
                yield Problem(
                    RULE,
                    f"value agreed with consumer {consumer.service}: {agreed.message}",
                    consumer.file,
                    consumer.budget_pointer,
                    service.id,
                    op.key,
                )


UNIT = OperationCheck(RULE, check)
