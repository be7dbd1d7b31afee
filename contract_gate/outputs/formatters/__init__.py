"""Formatters: pure `Report -> str` functions, chosen by name.

Each formatter's module (and what it imports: xml, prometheus-client…) is imported only
when its format is asked for: a run writes one or two formats of the dozen.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from contract_gate.engine.run import Report

Formatter = Callable[[Report], str]


def _on_use(module: str) -> Formatter:
    """The `render` of contract_gate.outputs.formatters.<module>, imported on the first call."""

    def render(report: Report) -> str:
        renderer: Formatter = importlib.import_module(f"contract_gate.outputs.formatters.{module}").render
        return renderer(report)

    render.__name__ = f"{module}.render"
    return render


CHECK_FORMATS: dict[str, Formatter] = {
    name: _on_use(module)
    for name, module in {
        "text": "text",
        "json": "json_report",
        "sarif": "sarif",
        "junit": "junit",
        "github": "github",
        "gitlab": "gitlab",
        "markdown": "markdown",
    }.items()
}


def _score_table(report: Report, by: str) -> str:
    from contract_gate.outputs.formatters import score_table

    return score_table.render(report, by)


def _prometheus(report: Report, by: str) -> str:
    from contract_gate.outputs import prometheus  # prometheus-client is imported only when asked for

    return prometheus.render(report, by)


SCORE_FORMATS: dict[str, Callable[[Report, str], str]] = {
    "table": _score_table,
    "json": lambda report, _by: CHECK_FORMATS["json"](report),
    "prometheus": _prometheus,
}
