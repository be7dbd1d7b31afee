"""Rules of diff mode (`check --base REV`), checked by `history.diff`."""

from __future__ import annotations

from contract_gate.rules import Rule, Scope, Severity

SLO_LOOSENED = Rule(
    "slo-loosened",
    Severity.ERROR,
    Scope.DIFF,
    """
An operation's valid `x-slo-p99` is higher than at the base revision (only with
`check --base REV`; operations are matched by service id and `METHOD /path`).
A slower promise can break the callers that budgeted for the old one: the message
names every caller in view whose `x-calls` budget for it (sync or async) is now
below the new value, or says that none is.
Fails: `x-slo-p99: 250ms` at REV, `x-slo-p99: 450ms` now""",
)

OWNER_CHANGED = Rule(
    "owner-changed",
    Severity.INFO,
    Scope.DIFF,
    """
The effective `x-bu-owner` of an operation is not the one it had at the base
revision (only with `check --base REV`). Handing an operation to another BU is
legitimate, but its callers and reviewers should see it. Giving an owner to an
operation that had none is not reported (that fixes `owner-missing`).
Reported: `x-bu-owner: ECOM-BU` at REV, `x-bu-owner: PAY-BU` now""",
)

OPERATION_REMOVED = Rule(
    "operation-removed",
    Severity.ERROR,
    Scope.DIFF,
    """
An operation that existed at the base revision is gone, or its spec was deleted
(only with `check --base REV`; matched by service id and `METHOD /path`, path
parameter names ignored). An error while an operation in view still calls it
through `x-calls` (that call no longer resolves); otherwise a warning, because
clients outside the checked specs may still use it; info for an `x-internal`
operation nothing calls. A severity set for it in config applies to all cases.""",
    cases=(
        ("still-called", Severity.ERROR),
        ("unused", Severity.WARNING),
        ("internal-unused", Severity.INFO),
    ),
)

POLICY_LOOSENED = Rule(
    "policy-loosened",
    Severity.ERROR,
    Scope.DIFF,
    """
The pull request loosens the gate's own configuration (only with `check --base REV`;
the config file is read at REV too): a lower `min-completeness`/`min-alignment`, a
higher `fail-on`, a rule turned off or down, a new `exclude` pattern, a `bu-pattern`
that accepts a name the old one refused, a wider or removed `bu-registry`, a larger
`max-slo-p99`, `require-bidirectional` turned off, or another `alignment-scope`. One
finding per loosening, at its line in the config file. The gate judges with the
stricter of both, so a loosening takes effect only once it is merged, after review.
Fails: `min-completeness = 95` at REV, `min-completeness = 0` now""",
)

BASELINE_GROWN = Rule(
    "baseline-grown",
    Severity.ERROR,
    Scope.DIFF,
    """
The pull request adds an entry to the baseline (`check --base REV --baseline FILE`;
the file is read at REV too) for a finding that did not occur at REV: accepting a new
finding in the change that causes it. The entry hides nothing in this run, and the
finding is reported at its line in the baseline file. Entries for findings that already
occurred at REV (adopting existing debt) are accepted.
Fails: a new operation without `x-bu-owner`, and its owner-missing fingerprint added to
the baseline in the same pull request""",
)

# Findings about the gate's own configuration: no baseline may hide them.
GATE_RULE_IDS = frozenset({POLICY_LOOSENED.id, BASELINE_GROWN.id})
