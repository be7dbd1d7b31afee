"""`audit --format html`: one self-contained page (jinja2, inline CSS and SVG, nothing fetched).

The template autoescapes everything, so a `<script>` in an operationId or a BU name is shown as
text; a Content-Security-Policy meta tag forbids scripts and network loads on top of that.
"""

from __future__ import annotations

from dataclasses import dataclass

from contract_gate.outputs.audit import (
    NOT_COUNTED_TEXT,
    AuditModel,
    audit_findings,
    place_text,
    ratio_text,
    threshold_text,
    value_text,
)
from contract_gate.outputs.audit_observed import conformance_text, measured_text
from contract_gate.outputs.report_model import RatioModel
from contract_gate.outputs.templating import template

BAR_WIDTH = 120  # px of a 100% bar in the per-service charts


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar of a per-service chart: its label, filled width in px, and the number shown."""

    label: str
    width: float
    percent: str
    counts: str


def render(audit: AuditModel, terminal_width: int | None = None) -> str:
    """The audit as an HTML page."""
    del terminal_width  # the same on a terminal
    page = template("audit.html.j2")
    charts = {name: _bars(group.completeness, group.alignment) for name, group in audit.by_service.items()}
    return page.render(
        audit=audit,
        charts=charts,
        findings=audit_findings(audit),
        services=len(audit.by_service),
        pair_count=sum(len(op.inbound) + len(op.outbound) for op in audit.operations),
        bar_width=BAR_WIDTH,
        not_counted=NOT_COUNTED_TEXT,
        value_text=value_text,
        place=place_text,
        threshold=threshold_text,
        ratio_text=ratio_text,
        conformance_text=conformance_text,
        measured_text=measured_text,
    )


def _bars(completeness: RatioModel, alignment: RatioModel) -> list[Bar]:
    return [
        _bar("Completeness", completeness, "ops"),
        _bar("Alignment", alignment, "pairs"),
    ]


def _bar(label: str, ratio: RatioModel, unit: str) -> Bar:
    if ratio.percent is None:
        return Bar(label, 0.0, "n/a", f"no {unit}")
    width = round(BAR_WIDTH * ratio.percent / 100, 1)
    return Bar(label, width, f"{ratio.percent:.1f}%", f"{ratio.numerator}/{ratio.denominator} {unit}")
