"""What a rule is: its id, default severity, scope, documentation and the places it cites.

Each rule is declared as a constant in the stage whose code checks it (`load/rules.py`,
`spec/checks/`, `estate/rules.py`, ...), and code names it by that constant.
`contract_gate/catalog.py` lists them all; configuration alone decides a severity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """How serious a finding is; `off` only appears in configuration."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Order for comparisons with `--fail-on`: error > warning > info."""
        return {"error": 3, "warning": 2, "info": 1}[self.value]


class Scope(StrEnum):
    """What a rule looks at."""

    FILE = "file"
    OPERATION = "operation"
    ESTATE = "estate"
    DIFF = "diff"  # only with `check --base REV`
    CONFIG = "config"  # the configuration itself, judged against the organisation's policy
    OBSERVED = "observed"  # only with `observe`: the specs against what Prometheus measured


class Cite(StrEnum):
    """A place in a spec an estate rule points at; the file checks locate every cited place."""

    CALL_ENTRY = "call-entry"  # an x-calls or x-consumers entry
    CALL_BUDGET = "call-budget"  # the x-slo-p99 of such an entry
    CALLS = "calls"  # an operation's x-calls list


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: what it is called, how serious by default, what it looks at, what it means."""

    id: str
    severity: Severity
    scope: Scope
    doc: str = field(repr=False)
    cites: tuple[Cite, ...] = ()
    # A default severity that depends on the case a finding is in (case name, severity).
    cases: tuple[tuple[str, Severity], ...] = ()

    def default_severity(self, case: str = "") -> Severity:
        """The default severity of a finding of this rule in `case` (the rule's own if no case)."""
        return dict(self.cases)[case] if case else self.severity
