"""Formatters: pure `Report -> str` functions, chosen by name."""

from __future__ import annotations

from collections.abc import Callable

from contract_gate.api import Report
from contract_gate.formatters import github, gitlab, json_report, junit, markdown, sarif, score_table, text

Formatter = Callable[[Report], str]

CHECK_FORMATS: dict[str, Formatter] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "junit": junit.render,
    "github": github.render,
    "gitlab": gitlab.render,
    "markdown": markdown.render,
}

SCORE_FORMATS: dict[str, Callable[[Report, str], str]] = {
    "table": score_table.render,
    "json": lambda report, _by: json_report.render(report),
    "prometheus": lambda report, by: _prometheus(report, by),
}


def _prometheus(report: Report, by: str) -> str:
    from contract_gate import prometheus  # prometheus-client is imported only when asked for

    return prometheus.render(report, by)
