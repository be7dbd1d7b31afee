"""owner-missing: every external operation says which business unit owns it."""

from __future__ import annotations

from collections.abc import Iterator

from contract_gate.config.policy import Policy
from contract_gate.findings import Problem
from contract_gate.rules import Rule, Scope, Severity
from contract_gate.spec.checks.unit import OperationCheck, shown
from contract_gate.spec.model import Service

RULE = Rule(
    "owner-missing",
    Severity.ERROR,
    Scope.OPERATION,
    """
An external operation has no `x-bu-owner` on itself, its path item, `info` or
the document root. Every external operation must say which business unit owns it.
Fails: `get: {responses: …}`    Passes: `get: {x-bu-owner: ECOM-BU, responses: …}`""",
)


def check(service: Service, policy: Policy) -> Iterator[Problem]:
    """An external operation without an effective x-bu-owner."""
    for op in service.external:
        if op.owner is None:
            yield Problem(
                RULE,
                f"{shown(op)} has no x-bu-owner (on the operation, its path item, info or the root);"
                " add one, e.g. x-bu-owner: ECOM-BU",
                op.file,
                op.pointer,
                op.service,
                op.key,
            )


UNIT = OperationCheck(RULE, check)
