"""`--format gitlab`: a GitLab Code Quality report (the CodeClimate subset GitLab reads).

Severity: anything that fails the gate is `critical`; otherwise error → `major`,
warning → `minor`, info → `info`. GitLab requires a path on every issue, and dropping the
thresholds would hide the main reason a gate fails, so findings without a file are reported at
path "." (the directory contract-gate ran in: the whole estate), line 1.
"""

from __future__ import annotations

import hashlib
import json

from contract_gate.engine.run import Report
from contract_gate.rules import Severity

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}
ESTATE_PATH = "."


def render(report: Report) -> str:
    """The issues as an indented JSON list."""
    seen: set[str] = set()
    issues = [
        {
            "description": finding.message,
            "check_name": finding.rule,
            "fingerprint": _unique(finding.fingerprint, seen),
            "severity": "critical" if report.fails(finding) else SEVERITIES[finding.severity],
            "location": {"path": finding.file or ESTATE_PATH, "lines": {"begin": finding.line or 1}},
        }
        for finding in report.findings
    ]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _unique(fingerprint: str, seen: set[str]) -> str:
    """The finding's own fingerprint; a repeat of one is re-hashed with its rank, so it is stable too."""
    candidate, rank = fingerprint, 1
    while candidate in seen:
        rank += 1
        candidate = hashlib.sha256(f"{fingerprint}\x1f{rank}".encode()).hexdigest()[: len(fingerprint)]
    seen.add(candidate)
    return candidate
