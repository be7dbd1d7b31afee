"""`--format sarif`: SARIF 2.1.0 (one run) for GitHub code scanning and other SARIF viewers.

Findings with a file are results at `%SRCROOT%`-relative URIs. Findings without one (the
estate thresholds) are not results: GitHub code scanning rejects the whole upload when any
result lacks a physical location, so they are tool notifications tied to their rule instead.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from contract_gate import __version__
from contract_gate.catalog import RULES
from contract_gate.engine.run import Report
from contract_gate.findings import Finding
from contract_gate.rules import Severity

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(report: Report) -> str:
    """The SARIF log as indented JSON."""
    index = {rule.id: i for i, rule in enumerate(RULES)}
    scope = report.config.alignment_scope
    pairs = {entry: p.not_counted(scope) for p in report.pairs for entry in p.entries}
    notifications = [_notification(f, index) for f in report.findings if f.file is None]
    notifications += [{"level": "error", "message": {"text": e}} for e in report.internal_errors]
    overrides = [
        {
            "descriptor": {"id": rule_id, "index": index[rule_id]},
            "configuration": {"enabled": False} if level == "off" else {"level": LEVELS[Severity(level)]},
        }
        for rule_id, level in sorted(report.config.rules.items())
        if rule_id in index
    ]
    invocation: dict[str, Any] = {"executionSuccessful": not report.internal_errors and not report.incomplete}
    if overrides:
        invocation["ruleConfigurationOverrides"] = overrides
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run = {
        "tool": {"driver": {"name": "contract-gate", "version": __version__, "rules": _rules()}},
        "originalUriBaseIds": {
            SRCROOT: {"description": {"text": "The directory contract-gate ran in (the repository root)."}}
        },
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": [
            _result(f, f.file, index, _pair_properties(f, pairs))
            for f in report.findings
            if f.file is not None
        ],
        "properties": {"passed": report.passed} | _judged_by(report),
    }
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rules() -> list[dict[str, Any]]:
    rules = []
    for rule in RULES:
        doc = rule.doc.strip()
        rules.append(
            {
                "id": rule.id,
                "shortDescription": {"text": _first_sentence(doc)},
                "fullDescription": {"text": " ".join(doc.split())},
                "help": {"text": doc},
                "defaultConfiguration": {"level": LEVELS[rule.severity]},
                "properties": {"scope": rule.scope},
            }
        )
    return rules


def _first_sentence(doc: str) -> str:
    flat = " ".join(doc.split())
    end = flat.find(". ")
    return flat if end < 0 else flat[: end + 1]


def _result(finding: Finding, file: str, index: dict[str, int], extra: dict[str, Any]) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(file)}
    if finding.line is not None:
        physical["region"] = {"startLine": finding.line, "startColumn": finding.column or 1}
    result: dict[str, Any] = {"ruleId": finding.rule}
    if finding.rule in index:
        result["ruleIndex"] = index[finding.rule]
    result |= {
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {"contractGate/v1": finding.fingerprint},
        "properties": _properties(finding) | extra,
    }
    return result


def _artifact(file: str) -> dict[str, str]:
    """Relative paths hang off %SRCROOT%; a file outside the working directory gets a file: URI."""
    path = PurePosixPath(file)
    if path.is_absolute():
        return {"uri": path.as_uri()}
    return {"uri": quote(file, safe="/"), "uriBaseId": SRCROOT}


def _notification(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    rule: dict[str, Any] = {"id": finding.rule}
    if finding.rule in index:
        rule["index"] = index[finding.rule]
    return {
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "associatedRule": rule,
        "properties": _properties(finding) | {"fingerprint": finding.fingerprint},
    }


def _judged_by(report: Report) -> dict[str, Any]:
    """The policy values the gate applied and their sources (the organisation's policy, the base…)."""
    if not report.judged_by:
        return {}
    return {"judgedBy": [j.as_dict() for j in report.judged_by]}


def _pair_properties(finding: Finding, pairs: dict[tuple[str, str], str | None]) -> dict[str, Any]:
    """For a finding on a pair's x-calls/x-consumers entry: whether the pair counts, and why not."""
    for pointer in (finding.pointer, finding.pointer.removesuffix("/x-slo-p99")):
        if finding.file is not None and (finding.file, pointer) in pairs:
            reason = pairs[(finding.file, pointer)]
            return {"counted": reason is None} | ({"notCounted": reason} if reason else {})
    return {}


def _properties(finding: Finding) -> dict[str, str]:
    values = {"service": finding.service, "operation": finding.operation, "pointer": finding.pointer}
    return {key: value for key, value in values.items() if value}
