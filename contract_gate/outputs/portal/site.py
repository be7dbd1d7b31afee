"""`portal PATH… -o DIR`: the whole site from one Report (SPEC §12).

DIR/index.html          metrics overall and per BU, badges, the services table, the call graph
DIR/graph.svg           the call graph (graph_svg)
DIR/badges/*.svg        the badges of `badge --all-bus`
DIR/services/S.html     a service page: Swagger UI and the portal's plugin (assets/service.js)
DIR/services/S.spec.js  the spec as Swagger UI shows it (spec_view), as a script: pages work from file://
DIR/services/S.data.js  owner, SLO, pairs and findings of each operation (service_data)
DIR/assets/             Swagger UI (pinned through the lock file) and the portal's CSS and scripts
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from contract_gate.engine.run import Report
from contract_gate.outputs.audit import Links
from contract_gate.outputs.badges import METRICS, badge_set, file_stems, render_svg
from contract_gate.outputs.formatters.graph_model import build_graph
from contract_gate.outputs.portal import graph_svg
from contract_gate.outputs.portal.assets import asset_files
from contract_gate.outputs.portal.naming import page_stems
from contract_gate.outputs.portal.pages import Group, judged_group, render_index, render_service, service_row
from contract_gate.outputs.portal.service_data import Pages, service_data
from contract_gate.outputs.portal.spec_view import spec_view
from contract_gate.outputs.portal.writer import SiteWriter, Written
from contract_gate.spec.model import Service


def build_site(report: Report, out: Path, inputs: Sequence[Path]) -> Written:
    """Write the portal of `report` into `out`; the specs are read again from `inputs` for Swagger UI."""
    writer = SiteWriter(out)
    for name, content in asset_files().items():
        writer.write(f"assets/{name}", content)
    services = _unique(report.services)
    stems = page_stems(service.id for service in services)
    anchors = {}
    from_spec = {}
    for service in services:  # one spec in memory at a time: only the deep links are kept
        view = spec_view(service, inputs, report.config.limits, service.id not in report.from_snapshots)
        anchors[service.id], from_spec[service.id] = view.anchors, view.from_spec
        writer.write(f"services/{stems[service.id]}.spec.js", _script("contractGateSpec", view.document))
    pages = Pages(stems, anchors)
    links = Links(report)
    findings = _findings_by_service(report, services)
    rows = []
    for service in services:
        stem = stems[service.id]
        data = service_data(service, links, pages, report.config.alignment_scope, from_spec[service.id])
        writer.write(f"services/{stem}.data.js", _script("contractGatePortal", data))
        row = service_row(service, f"services/{stem}.html", report, findings[service.id])
        unplaced = [f for f in findings[service.id] if f.operation is None]
        page = render_service(row, service, stem, unplaced, from_spec[service.id])
        writer.write(f"services/{stem}.html", page)
        rows.append(row)
    overall, bus = _badges(report, writer)
    writer.write("graph.svg", _graph(report, services, pages))
    estate = [f for f in report.findings if f.service is None and f.file is None]
    writer.write("index.html", render_index(report, overall, bus, rows, estate))
    return writer.finish()


def _unique(services: list[Service]) -> list[Service]:
    """One service per id (the first, as the estate resolves calls), ordered by id."""
    seen: dict[str, Service] = {}
    for service in services:
        seen.setdefault(service.id, service)
    return sorted(seen.values(), key=lambda service: service.id)


def _findings_by_service(report: Report, services: list[Service]) -> dict[str, list[Any]]:
    by_file = {service.file: service.id for service in services}
    found: dict[str, list[Any]] = {service.id: [] for service in services}
    for finding in report.findings:
        owner = finding.service if finding.service in found else by_file.get(finding.file or "")
        if owner is not None:
            found[owner].append(finding)
    return found


def _badges(report: Report, writer: SiteWriter) -> tuple[Group, list[Group]]:
    """Write the badges (overall and per BU); the groups of the index with their badge files."""
    for name, content in badge_set(report, METRICS, "svg", render_svg).items():
        writer.write(f"badges/{name}", content)
    overall = judged_group(
        "overall", report.metrics.overall, report, ("badges/completeness.svg", "badges/alignment.svg")
    )
    bus = [
        judged_group(
            bu,
            report.metrics.by_bu.get(bu),
            report,
            (f"badges/completeness-{stem}.svg", f"badges/alignment-{stem}.svg"),
        )
        for bu, stem in file_stems(list(report.metrics.by_bu)).items()
    ]
    return overall, bus


def _graph(report: Report, services: list[Service], pages: Pages) -> str:
    """The call graph; boxes link to service pages, operations to their place on them."""
    graph = build_graph(report)
    by_key = {service.id: {op.key: op for op in service.operations} for service in services}
    group_links: dict[str, str] = {}
    node_links: dict[str, str] = {}
    for group in graph.groups:
        page = pages.page(group.label)
        if group.outside or page is None:
            continue
        group_links[group.id] = f"services/{page}"
        for node in group.nodes:
            op = by_key[group.label].get(node.lines[0])
            if op is not None and not node.placeholder:
                anchor = pages.anchors[group.label].get((op.method, op.path), "")
                node_links[node.id] = f"services/{page}{anchor}"
    return graph_svg.render_svg(graph, group_links, node_links)


def _script(name: str, data: Any) -> bytes:
    """`window.NAME = DATA;`: JSON read by a script tag, since browsers refuse to fetch from file://."""
    try:
        text = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS, default=str)
    except TypeError:  # an integer beyond 64 bits: the standard library writes any
        text = json.dumps(data, default=str, ensure_ascii=False).encode("utf-8")
    return b"window." + name.encode("ascii") + b" = " + text + b";\n"
