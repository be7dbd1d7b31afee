"""The data file of a service page: per operation its owner, SLO, pairs and findings, from the Report.

The Swagger UI plugin of the page reads this, never the spec: values are shown as the model
judged them (valid or not, and where each is declared), and every pair links to the other
side's page and operation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contract_gate.estate.alignment import Pair
from contract_gate.estate.pairs import Side
from contract_gate.extensions.values import Verdict
from contract_gate.findings import Finding
from contract_gate.outputs.audit import NOT_COUNTED_TEXT, Links, place_text, value_text
from contract_gate.spec.model import Operation, Service, Sourced

_LEVELS = {
    "operation": "the operation",
    "path-item": "the path item",
    "info": "info (the whole spec)",
    "root": "the document root (the whole spec)",
}


@dataclass(frozen=True, slots=True)
class Pages:
    """Where each service's page is and each operation's deep link, for links between pages."""

    stems: Mapping[str, str]  # service id -> file stem
    anchors: Mapping[str, Mapping[tuple[str, str], str]]  # service id -> (method, path) -> "#/Tag/opId"

    def page(self, service: str) -> str | None:
        """The page of a loaded service, relative to another service page."""
        stem = self.stems.get(service)
        return f"{stem}.html" if stem is not None else None

    def link(self, side: Side) -> str | None:
        """The other side of a pair: its operation on its page, its page (no such operation), or None."""
        page = self.page(side.service)
        if page is None or side.op is None:
            return page
        return page + self.anchors.get(side.service, {}).get((side.op.method, side.op.path), "")


def service_data(service: Service, links: Links, pages: Pages, scope: str, from_spec: bool) -> dict[str, Any]:
    """Everything the page of `service` shows beside its spec, as JSON-ready data."""
    operations = {
        f"{op.method} {op.path}": _operation(op, links, pages, scope, pages.anchors[service.id])
        for op in service.operations
    }
    return {
        "service": service.id,
        "title": service.title,
        "file": service.file,
        "from_spec": from_spec,
        "operations": operations,
    }


def _operation(
    op: Operation, links: Links, pages: Pages, scope: str, anchors: Mapping[tuple[str, str], str]
) -> dict[str, Any]:
    return {
        "key": op.key,
        "operation_id": op.operation_id,
        "anchor": anchors.get((op.method, op.path), ""),
        "internal": op.internal,
        "documented": op.documented,
        "owner": _sourced(op.owner, op.owner_verdict),
        "slo": _sourced(op.slo, op.slo_verdict),
        "callers": [_pair(p, p.caller, links, pages, scope) for p in links.inbound.get(id(op), [])],
        "callees": [_pair(p, p.callee, links, pages, scope) for p in links.outbound.get(id(op), [])],
        "findings": [finding_data(f) for f in links.findings_of(op)],
    }


def _sourced(value: Sourced | None, verdict: Verdict) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        "value": value_text(value.value),
        "valid": verdict.valid,
        "problem": verdict.message or None,
        "level": value.level,
        "declared": _LEVELS.get(value.level, value.level),
        "file": value.file,
        "place": place_text(value.pointer),
    }


def _pair(pair: Pair, other: Side, links: Links, pages: Pages, scope: str) -> dict[str, Any]:
    why = pair.not_counted(scope)
    return {
        "service": other.service,
        "operation": other.operation,
        "bu": other.bu,
        "status": pair.status.value,
        "budget": pair.budget,
        "commitment": pair.commitment,
        "agreed": pair.agreed,
        "mode": pair.mode,
        "counted": why is None,
        "not_counted": NOT_COUNTED_TEXT.get(why, why) if why is not None else None,
        "reason": links.reason(pair),
        "href": pages.link(other),
    }


def finding_data(finding: Finding) -> dict[str, Any]:
    """A finding as the pages show it."""
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "message": finding.message,
        "file": finding.file,
        "line": finding.line,
        "place": place_text(finding.pointer) if finding.pointer else None,
    }
