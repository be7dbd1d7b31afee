"""`--format json`: the JSON report of SPEC §10, written from plain dicts by orjson.

The report's contract is the pydantic models of `report.py` (and its schema in
`schemas/`); this writes the same bytes as `build_report_model(report).model_dump_json(indent=2)`
without building them, several times faster on large estates and without importing
pydantic. Tests compare the two. A value orjson cannot write (an integer past 64 bits in
an extension) takes the models' serializer.
"""

from __future__ import annotations

from typing import Any

import orjson

from contract_gate import __version__
from contract_gate.engine.run import BaselineInfo, DiffInfo, GroupDelta, Report
from contract_gate.estate.alignment import Pair
from contract_gate.estate.metrics import Alignment, GroupMetrics, Metrics, Ratio
from contract_gate.findings import finding_data
from contract_gate.outputs.schema_versions import REPORT_SCHEMA_VERSION
from contract_gate.spec.model import Operation, Service, Sourced


def render_scored(report: Report, by: str) -> bytes:
    """`score --format json`: the whole JSON report (it holds every grouping), whatever `--by` says."""
    del by
    return render(report)


def render(report: Report) -> bytes:
    """The report as indented JSON, UTF-8 (`outputs.registry.Rendered`)."""
    try:
        # The newline by orjson: on a large estate's report a "+" would copy a hundred MB again.
        return orjson.dumps(report_data(report), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    except (orjson.JSONEncodeError, TypeError):
        from contract_gate.outputs.report_model import build_report_model

        return (build_report_model(report).model_dump_json(indent=2) + "\n").encode("utf-8")


def report_data(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data, keys in the models' order."""
    operations = [op for service in report.services for op in service.operations]
    severities = {"error": 0, "warning": 0, "info": 0}
    for finding in report.findings:
        severities[finding.severity.value] += 1
    data: dict[str, Any] = {
        "schema_version": REPORT_SCHEMA_VERSION,
        "tool": {"name": "contract-gate", "version": __version__},
        "passed": report.passed,
        "metrics": _metrics(report.metrics),
        "pairs": [_pair(pair, report.config.alignment_scope) for pair in report.pairs],
        "findings": [finding_data(f) for f in report.findings],
        "summary": {
            "files": report.files_checked,
            "services": len(report.services),
            "operations": len(operations),
            "external_operations": sum(not op.internal for op in operations),
            "findings": severities,
        },
        "services": [_service(s) for s in report.services],
    }
    if report.baseline_info is not None:
        data["baseline"] = _baseline(report.baseline_info)
    if report.diff is not None:
        data["diff"] = _diff(report.diff, report)
    if report.incomplete:
        data["incomplete"] = list(report.incomplete)
    if report.judged_by:
        data["judged_by"] = [j.as_dict() for j in report.judged_by]
    if report.context:
        data["context"] = [source.as_dict() for source in report.context]
    return data


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
