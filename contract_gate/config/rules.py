"""Rules on the configuration itself, checked by `config.floor`."""

from __future__ import annotations

from contract_gate.rules import Rule, Scope, Severity

POLICY_VIOLATION = Rule(
    "policy-violation",
    Severity.ERROR,
    Scope.CONFIG,
    """
The repository's configuration (its file or the command line) is looser than the
organisation's policy given with `--policy FILE` (or `CONTRACT_GATE_POLICY`): a lower
threshold, a rule turned off or down, an `exclude` the policy does not have, a wider
`bu-pattern` or BU registry, a larger `max-slo-p99`, `require-bidirectional` off, or
another `alignment-scope`. The message names the key, the policy file and both values;
the policy's value applies. A configuration may be stricter than the policy.
Fails: `min-completeness = 50` under a policy with `min-completeness = 80`""",
)
