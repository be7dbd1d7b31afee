"""Rules of calls between services, checked by `alignment` (pairs) and `budgets`.

Each declares the places it points at (`cites`): the file checks locate those before
the estate is judged, so a finding never falls back to 1:1.
"""

from __future__ import annotations

from contract_gate.rules import Cite, Rule, Scope, Severity

SLO_MISALIGNED = Rule(
    "slo-misaligned",
    Severity.ERROR,
    Scope.ESTATE,
    """
The callee promises a p99 (its effective `x-slo-p99`, C) above the budget the
caller allows the call (B, in its `x-calls` entry): the caller's budget cannot
hold. The pair is `violated`. Fix: raise the budget or make the callee faster.
Fails: caller budget `300ms`, callee `x-slo-p99: 450ms`""",
    cites=(Cite.CALL_BUDGET,),
)

SLO_AGREEMENT_MISMATCH = Rule(
    "slo-agreement-mismatch",
    Severity.ERROR,
    Scope.ESTATE,
    """
The callee lists the caller in `x-consumers` with an agreed p99 (A) that differs
from the budget the caller declares (B). Both sides must name the same number.
The pair is `violated`. Points at the callee's agreed value.""",
    cites=(Cite.CALL_BUDGET,),
)

CALL_NOT_DECLARED = Rule(
    "call-not-declared",
    Severity.WARNING,
    Scope.ESTATE,
    """
The callee lists a consumer in `x-consumers`, but that caller operation does not
declare the call in its `x-calls`. The pair is `undeclared`: declare the call on
the caller with its budget, or drop the stale consumer entry.""",
    cites=(Cite.CALL_ENTRY,),
)

CONSUMER_NOT_LISTED = Rule(
    "consumer-not-listed",
    Severity.WARNING,
    Scope.ESTATE,
    """
With `require-bidirectional = true`, a call declared by the caller must also be
listed by the callee in `x-consumers`; otherwise the pair is `undeclared`.""",
    cites=(Cite.CALL_ENTRY,),
)

CALL_UNRESOLVED = Rule(
    "call-unresolved",
    Severity.ERROR,
    Scope.ESTATE,
    """
A call (or a consumer entry) names a service that is loaded but has no such
operation: no operationId, and no `METHOD /path` whose template matches
(`/v1/carts/{id}` matches `/v1/carts/{cartId}`). A call's pair is `unresolved`
and counts against alignment; a consumer entry naming a missing operation of its
caller is reported without a pair (there is no caller operation to pair).""",
    cites=(Cite.CALL_ENTRY,),
)

CALL_OUT_OF_VIEW = Rule(
    "call-out-of-view",
    Severity.INFO,
    Scope.ESTATE,
    """
A call (or a consumer entry) names a service that is not among the loaded specs.
The pair is listed as `out-of-view` and left out of the alignment denominator.
Check the whole estate together to see it judged.""",
    cites=(Cite.CALL_ENTRY,),
)

BUDGET_INFEASIBLE = Rule(
    "budget-infeasible",
    Severity.ERROR,
    Scope.ESTATE,
    """
An operation promises a p99 below the p99 of a service it calls synchronously:
it cannot be faster than a call it must wait for.
Fails: `x-slo-p99: 200ms` calling (sync) an operation with `x-slo-p99: 300ms`""",
    cites=(Cite.CALL_ENTRY,),
)

BUDGET_OVERCOMMITTED = Rule(
    "budget-overcommitted",
    Severity.WARNING,
    Scope.ESTATE,
    """
An operation's own p99 is below the sum of the budgets of its synchronous calls:
if every call used its budget the promise would break. Async calls do not count.""",
    cites=(Cite.CALLS,),
)

CALL_CYCLE = Rule(
    "call-cycle",
    Severity.WARNING,
    Scope.ESTATE,
    """
Synchronous calls form a cycle (A calls B calls A, or longer): each waits for the
other, so no p99 can hold. Reported once per cycle, at its first operation.""",
    cites=(Cite.CALLS,),
)

ESTATE_RULES: tuple[Rule, ...] = (
    SLO_MISALIGNED,
    SLO_AGREEMENT_MISMATCH,
    CALL_NOT_DECLARED,
    CONSUMER_NOT_LISTED,
    CALL_UNRESOLVED,
    CALL_OUT_OF_VIEW,
    BUDGET_INFEASIBLE,
    BUDGET_OVERCOMMITTED,
    CALL_CYCLE,
)
