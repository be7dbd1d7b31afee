"""`--format json`: the JSON report of SPEC §10, written from plain dicts by orjson.

The report's contract is the pydantic models of `report.py` (and its schema in
`schemas/`); this writes the same bytes as `build_report_model(report).model_dump_json(indent=2)`
without building them, several times faster on large estates and without importing
pydantic. Tests compare the two. A value orjson cannot write (an integer past 64 bits in
an extension) takes the models' serializer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from contract_gate import __version__
from contract_gate.engine.run import BaselineInfo, DiffInfo, GroupDelta, Report
from contract_gate.estate.alignment import Pair
from contract_gate.estate.metrics import Alignment, GroupMetrics, Metrics, Ratio
from contract_gate.findings import finding_data
from contract_gate.outputs.schema_versions import REPORT_SCHEMA_VERSION
from contract_gate.spec.model import Operation, Service, Sourced

# Items of a long list rendered at a time: each piece is written while the next is made, and
# pieces this small reuse the memory of those written before (fresh memory is slow to touch)
# and stay in the CPU's cache (a 5k-service report: 1,000 items 0.6 s, 5,000 0.75 s, 10,000 0.9 s).
_BATCH = 1_000
_INDENT = orjson.OPT_INDENT_2


def render_scored(report: Report, by: str) -> Iterator[bytes]:
    """`score --format json`: the whole JSON report (it holds every grouping), whatever `--by` says."""
    del by
    return render(report)


def render(report: Report) -> Iterator[bytes]:
    """The report as indented JSON, UTF-8, in pieces each made when asked for (`registry.Rendered`)."""
    return pieces_in_batches(report, _BATCH)


def pieces_in_batches(report: Report, batch: int) -> Iterator[bytes]:
    """`render` with `batch` items of each long list to a piece."""
    if not all(_writable(op.owner) and _writable(op.slo) for s in report.services for op in s.operations):
        # A value orjson cannot write (an integer past 64 bits in an extension): the models write it.
        from contract_gate.outputs.report_model import build_report_model

        yield (build_report_model(report).model_dump_json(indent=2) + "\n").encode("utf-8")
        return
    yield b"{\n"
    for index, (key, value) in enumerate(_sections(report)):
        if index:
            yield b",\n"
        if isinstance(value, _Listed) and value.items:
            yield from _listed_pieces(key, value, batch)
        else:
            data = [] if isinstance(value, _Listed) else value
            yield orjson.dumps({key: data}, option=_INDENT)[2:-2]  # without the braces around it
    yield b"\n}\n"


def _listed_pieces(key: str, listed: _Listed, batch: int) -> Iterator[bytes]:
    """`  "key": [ ... ]` of a non-empty list, a batch of items at a time."""
    yield b"  " + orjson.dumps(key) + b": [\n"
    for start in range(0, len(listed.items), batch):
        if start:
            yield b",\n"
        items = [listed.convert(item) for item in listed.items[start : start + batch]]
        # Written at the depth they have in the report; then cut out of `{\n  "": [\n` ... `\n  ]\n}`.
        yield orjson.dumps({"": items}, option=_INDENT)[10:-6]
    yield b"\n  ]"


@dataclass(frozen=True, slots=True)
class _Listed:
    """A long list of the report: its items, and how each is written as JSON data."""

    items: Sequence[Any]
    convert: Callable[[Any], Any]


def _sections(report: Report) -> list[tuple[str, Any]]:
    """The report's keys in the models' order, with their data or, for a long list, its `_Listed`."""
    operations = [op for service in report.services for op in service.operations]
    severities = {"error": 0, "warning": 0, "info": 0}
    for finding in report.findings:
        severities[finding.severity.value] += 1
    scope = report.config.alignment_scope
    sections: list[tuple[str, Any]] = [
        ("schema_version", REPORT_SCHEMA_VERSION),
        ("tool", {"name": "contract-gate", "version": __version__}),
        ("passed", report.passed),
        ("metrics", _metrics(report.metrics)),
        ("pairs", _Listed(report.pairs, lambda pair: _pair(pair, scope))),
        ("findings", _Listed(report.findings, finding_data)),
        (
            "summary",
            {
                "files": report.files_checked,
                "services": len(report.services),
                "operations": len(operations),
                "external_operations": sum(not op.internal for op in operations),
                "findings": severities,
            },
        ),
        ("services", _Listed(report.services, _service)),
    ]
    if report.baseline_info is not None:
        sections.append(("baseline", _baseline(report.baseline_info)))
    if report.diff is not None:
        sections.append(("diff", _diff(report.diff, report)))
    if report.incomplete:
        sections.append(("incomplete", list(report.incomplete)))
    if report.judged_by:
        sections.append(("judged_by", [j.as_dict() for j in report.judged_by]))
    if report.context:
        sections.append(("context", [source.as_dict() for source in report.context]))
    return sections


def _writable(value: Sourced | None) -> bool:
    """Whether orjson writes an extension's value as the models do (strings nearly always)."""
    return value is None or type(value.value) is str or _plain(value.value)


def _plain(value: object) -> bool:
    if value is None or isinstance(value, (str, bool, float)):
        return True
    if isinstance(value, int):
        return -(2**63) <= value < 2**64
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(type(key) is str and _plain(item) for key, item in value.items())
    return False


def _service(service: Service) -> dict[str, Any]:
    return {
        "id": service.id,
        "title": service.title,
        "file": service.file,
        "spec_version": service.spec_version,
        "operations": [_operation(op) for op in service.operations],
    }


def _operation(op: Operation) -> dict[str, Any]:
    return {
        "key": op.key,
        "operation_id": op.operation_id,
        "file": op.file,
        "pointer": op.pointer,
        "internal": op.internal,
        "owner": _sourced(op.owner, op.owner_verdict.valid),
        "slo": _sourced(op.slo, op.slo_verdict.valid),
        "documented": op.documented,
    }


def _sourced(value: Sourced | None, valid: bool) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        "value": value.value,
        "level": value.level,
        "file": value.file,
        "pointer": value.pointer,
        "valid": valid,
    }


def _float(value: float | None) -> float | None:
    # The models' float fields write an integral value as 1.0, not 1.
    return None if value is None else float(value)


def ratio_data(ratio: Ratio) -> dict[str, Any]:
    """A ratio as the JSON reports write it: percent (one decimal), numerator, denominator."""
    return {"percent": _float(ratio.percent), "numerator": ratio.numerator, "denominator": ratio.denominator}


def _alignment(alignment: Alignment) -> dict[str, Any]:
    return {**ratio_data(alignment.ratio), "scope": alignment.scope, "out_of_view": alignment.out_of_view}


def _group(group: GroupMetrics) -> dict[str, Any]:
    return {"completeness": ratio_data(group.completeness), "alignment": _alignment(group.alignment)}


def _metrics(metrics: Metrics) -> dict[str, Any]:
    return {
        **_group(metrics.overall),
        "by_bu": {name: _group(group) for name, group in metrics.by_bu.items()},
        "by_service": {name: _group(group) for name, group in metrics.by_service.items()},
    }


def _pair(pair: Pair, scope: str) -> dict[str, Any]:
    reason = pair.not_counted(scope)
    return {
        "caller": {"service": pair.caller.service, "operation": pair.caller.operation},
        "callee": {"service": pair.callee.service, "operation": pair.callee.operation},
        "status": pair.status,
        "budget": pair.budget,
        "commitment": pair.commitment,
        "agreed": pair.agreed,
        "cross_bu": pair.cross_bu,
        "mode": pair.mode,
        "counted": reason is None,
        "not_counted": reason,
    }


def _baseline(info: BaselineInfo) -> dict[str, Any]:
    stale = [
        {
            "fingerprint": e.fingerprint,
            "rule": e.rule,
            "file": e.file,
            "operation": e.operation,
            "message": e.message,
        }
        for e in info.stale
    ]
    return {"file": info.file, "hidden": info.hidden, "stale": stale}


def _delta(delta: GroupDelta) -> dict[str, Any]:
    return {"completeness": _float(delta.completeness), "alignment": _float(delta.alignment)}


def _diff(diff: DiffInfo, report: Report) -> dict[str, Any]:
    return {
        "base": diff.revision,
        "commit": diff.commit,
        "metrics": _metrics(diff.base_metrics),
        "delta": {
            **_delta(diff.overall),
            "by_bu": {name: _delta(delta) for name, delta in diff.by_bu.items()},
            "by_service": {name: _delta(delta) for name, delta in diff.by_service.items()},
        },
        "new": len(report.findings),
        "pre_existing": [finding_data(f) for f in report.pre_existing],
        "fixed": diff.fixed,
    }
