"""Rules of `contract-gate observe`: promises held against what Prometheus measured."""

from __future__ import annotations

from contract_gate.rules import Rule, Scope, Severity

SLO_BREACHED = Rule(
    "slo-breached",
    Severity.ERROR,
    Scope.OBSERVED,
    """
The p99 latency Prometheus measured for the operation over the window is above
its declared `x-slo-p99`: the promise is not kept. Make the operation faster or
declare the p99 it really has. Only `contract-gate observe` reports it.
Fails: `x-slo-p99: 400ms`, observed p99 520ms.  Passes: observed p99 310ms""",
)

SLO_UNOBSERVED = Rule(
    "slo-unobserved",
    Severity.WARNING,
    Scope.OBSERVED,
    """
The operation declares an `x-slo-p99`, but the latency histogram has no requests
of it over the window (no series with its service, method and route, or no
traffic): nobody can tell whether the promise is kept. Instrument the service,
or check the `prometheus` table's histogram and label names.""",
)

BUDGET_BREACHED = Rule(
    "budget-breached",
    Severity.ERROR,
    Scope.OBSERVED,
    """
A synchronous callee's observed p99 (as `contract-gate observe` measured it) is
above the budget the caller allows the call in its `x-calls` entry: the caller
waits longer than it planned for. Raise the budget or make the callee faster.
Fails: budget `200ms` for a callee whose observed p99 is 450ms""",
)

OBSERVE_RULES: tuple[Rule, ...] = (SLO_BREACHED, SLO_UNOBSERVED, BUDGET_BREACHED)
