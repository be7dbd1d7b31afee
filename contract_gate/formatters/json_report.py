"""`--format json`: the JSON report of SPEC §10."""

from __future__ import annotations

from contract_gate.api import Report
from contract_gate.report import report_json


def render(report: Report) -> str:
    """The report as indented JSON."""
    return report_json(report)
