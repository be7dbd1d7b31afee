"""Rules the run itself raises: files that are not specs or crash their checker, service ids, thresholds."""

from __future__ import annotations

from contract_gate.rules import Rule, Scope, Severity

NOT_A_SPEC = Rule(
    "not-a-spec",
    Severity.ERROR,
    Scope.FILE,
    """
A file named explicitly on the command line has no `openapi` or `swagger` key at
its root, so it is not an OpenAPI/Swagger spec. Files found by walking a folder
that are not specs (shared `$ref` fragments, other YAML) are skipped quietly.
Fails: `contract-gate check fragment.yaml` where fragment.yaml holds `Pet: {type: object}`""",
)

CHECKER_CRASHED = Rule(
    "checker-crashed",
    Severity.ERROR,
    Scope.FILE,
    """
Checking this file raised an internal error, killed the worker process that
checked it (a crash in a C extension, more memory than a file may use) or took
longer than the per-file time limit. Every other file was checked. A stage that
raised is named, and the file's other checks still ran; when its operations could
not be read at all, the metrics would leave them out, so no metrics are shown,
no threshold is judged and the run exits 2. Report it: a spec should never be
able to do that.""",
)

SERVICE_DUPLICATE = Rule(
    "service-duplicate",
    Severity.ERROR,
    Scope.ESTATE,
    """
Two specs declare the same service id (`info.x-service`, else a slug of
`info.title`). Calls between services are matched by that id, so it must be
unique. Fix: set a distinct `info.x-service` in one of them.""",
)

THRESHOLD_COMPLETENESS = Rule(
    "threshold-completeness",
    Severity.ERROR,
    Scope.ESTATE,
    """
Documentation completeness (external operations with a valid owner and SLO ÷ all
external operations) is below `min-completeness` (default 95). Not raised when
there is no external operation (n/a).""",
)

THRESHOLD_ALIGNMENT = Rule(
    "threshold-alignment",
    Severity.ERROR,
    Scope.ESTATE,
    """
SLO alignment (aligned pairs ÷ pairs in scope) is below `min-alignment`
(default 90). Not raised when no pair is in scope (n/a).""",
)

# Findings of these rules fail the gate whatever their severity (SPEC: thresholds).
THRESHOLD_IDS = frozenset({THRESHOLD_COMPLETENESS.id, THRESHOLD_ALIGNMENT.id})
