"""The HTML pages of the site: the index (metrics, BUs, services, call graph) and a page per service.

jinja2 autoescapes every value, so text from the specs (a service id, a BU, a message) is never
markup; each page carries a Content-Security-Policy that lets it load only the site's own files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from contract_gate import __version__
from contract_gate.engine.run import Report
from contract_gate.estate.alignment import UNOWNED, bu_order
from contract_gate.estate.metrics import Alignment, GroupMetrics, Ratio
from contract_gate.findings import Finding
from contract_gate.outputs.audit import outcome, place_text
from contract_gate.outputs.templating import template
from contract_gate.spec.model import Service

# Only the site's own files: scripts, styles, images (and Swagger UI's inline data: icons).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self';"
    " connect-src 'none'; form-action 'none'; base-uri 'none'"
)


@dataclass(frozen=True, slots=True)
class Judged:
    """A metric of a group against its gate threshold."""

    percent: str  # "75.0%" or "n/a"
    counts: str  # "9/12 operations"
    outcome: str  # pass | fail | n/a


@dataclass(frozen=True, slots=True)
class Group:
    """Both metrics of one group (everything, a BU, a service) and their badges (for BUs and overall)."""

    name: str
    completeness: Judged
    alignment: Judged
    badges: tuple[str, str] | None = None  # files of the completeness and alignment badges


@dataclass(frozen=True, slots=True)
class ServiceRow:
    """A row of the services table."""

    id: str
    title: str | None
    page: str
    bus: tuple[str, ...]
    operations: int
    internal: int
    metrics: Group
    findings: Mapping[str, int]  # severity -> count
    search: str  # what the filter box matches, lower-case


def judged_group(
    name: str, group: GroupMetrics | None, report: Report, badges: tuple[str, str] | None = None
) -> Group:
    """A group's metrics held to the config's thresholds (n/a when there is nothing to count)."""
    config = report.config
    completeness = group.completeness if group is not None else Ratio(0, 0)
    alignment = group.alignment if group is not None else Alignment(scope=config.alignment_scope)
    return Group(
        name,
        _judged(completeness, config.min_completeness, "operations"),
        _judged(alignment.ratio, config.min_alignment, "pairs"),
        badges,
    )


def _judged(ratio: Ratio, threshold: float, unit: str) -> Judged:
    shown = ratio.shown_against(threshold) if ratio.denominator else "n/a"
    return Judged(shown, f"{ratio.numerator}/{ratio.denominator} {unit}", outcome(ratio, threshold))


def service_row(service: Service, page: str, report: Report, findings: list[Finding]) -> ServiceRow:
    """The row of one service: owners, operation counts, metrics and findings by severity."""
    external = service.external
    bus = tuple(sorted({op.bu or UNOWNED for op in external}, key=bu_order))
    counts = Counter(f.severity.value for f in findings)
    metrics = judged_group(service.id, report.metrics.by_service.get(service.id), report)
    search = " ".join([service.id, service.title or "", *bus]).lower()
    return ServiceRow(
        service.id,
        service.title,
        page,
        bus,
        len(external),
        len(service.operations) - len(external),
        metrics,
        dict(counts),
        search,
    )


def render_index(
    report: Report, overall: Group, bus: list[Group], rows: list[ServiceRow], estate_findings: list[Finding]
) -> str:
    """The index page."""
    config = report.config
    return template("portal_index.html.j2").render(
        csp=CSP,
        version=__version__,
        report=report,
        overall=overall,
        bus=bus,
        rows=rows,
        all_bus=sorted({bu for row in rows for bu in row.bus}, key=bu_order),
        estate_findings=estate_findings,
        thresholds={"completeness": config.min_completeness, "alignment": config.min_alignment},
        scope=config.alignment_scope,
        pair_count=len(report.pairs),
        operation_count=sum(row.operations for row in rows),
        place=place_text,
    )


def render_service(
    row: ServiceRow, service: Service, stem: str, findings: list[Finding], from_spec: bool
) -> str:
    """The page of one service: its header, then Swagger UI fed by the spec and data scripts beside it."""
    return template("portal_service.html.j2").render(
        csp=CSP,
        version=__version__,
        row=row,
        service=service,
        stem=stem,
        findings=findings,
        from_spec=from_spec,
        place=place_text,
    )
