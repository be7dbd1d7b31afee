"""slo-missing: every external operation promises a p99 latency."""

from __future__ import annotations

from collections.abc import Iterator

from contract_gate.config.policy import Policy
from contract_gate.findings import Problem
from contract_gate.rules import Rule, Scope, Severity
from contract_gate.spec.checks.unit import OperationCheck, shown
from contract_gate.spec.model import Service

RULE = Rule(
    "slo-missing",
    Severity.ERROR,
    Scope.OPERATION,
    """
An external operation has no `x-slo-p99` on itself, its path item, `info` or the
document root. Every external operation must promise a p99 latency.
Fails: `post: {x-bu-owner: ECOM-BU, …}`    Passes: `post: {x-slo-p99: 800ms, …}`""",
)


def check(service: Service, policy: Policy) -> Iterator[Problem]:
    """An external operation without an effective x-slo-p99."""
    for op in service.external:
        if op.slo is None:
            yield Problem(
                RULE,
                f"{shown(op)} has no x-slo-p99 (on the operation, its path item, info or the root);"
                ' add one, e.g. x-slo-p99: "800ms"',
                op.file,
                op.pointer,
                op.service,
                op.key,
            )


UNIT = OperationCheck(RULE, check)
