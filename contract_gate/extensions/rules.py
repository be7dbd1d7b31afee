"""Rules of extension values, judged where the value is read (`values.check_owner`, `values.check_slo`)."""

from __future__ import annotations

from contract_gate.rules import Rule, Scope, Severity

OWNER_INVALID = Rule(
    "owner-invalid",
    Severity.ERROR,
    Scope.OPERATION,
    """
The effective `x-bu-owner` is not a string matching `bu-pattern` (default
`^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$`). Reported once where the value is written,
however many operations inherit it.
Fails: `x-bu-owner: ecom team`    Passes: `x-bu-owner: ECOM-BU`""",
)

OWNER_UNKNOWN_BU = Rule(
    "owner-unknown-bu",
    Severity.ERROR,
    Scope.OPERATION,
    """
A BU registry is configured (`bu-registry`) and the effective `x-bu-owner` is not
one of its BUs. Catches typos such as `ECOM-UB` that the pattern accepts.""",
)

SLO_INVALID = Rule(
    "slo-invalid",
    Severity.ERROR,
    Scope.OPERATION,
    """
The effective `x-slo-p99` is not `<number>ms` or `<number>s`, is not above 0, or
is above `max-slo-p99` (default 60s). Bare numbers are invalid: write `"800ms"`.
Reported once where the value is written.
Fails: `x-slo-p99: 800`, `x-slo-p99: 2 minutes`    Passes: `x-slo-p99: 800ms`, `1.5s`""",
)
