"""`--format json`: the JSON report of SPEC §10."""

from __future__ import annotations

from contract_gate.api import Report
from contract_gate.report import build_report_model


def render(report: Report) -> str:
    """The report as indented JSON."""
    return build_report_model(report).model_dump_json(indent=2) + "\n"
