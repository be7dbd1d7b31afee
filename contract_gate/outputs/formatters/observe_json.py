"""`observe --format json`: every operation's declared and observed p99, the conformance, the findings."""

from __future__ import annotations

import json
from typing import Any

from contract_gate import __version__
from contract_gate.findings import finding_data
from contract_gate.observe.judge import Observation, Observed
from contract_gate.outputs.formatters.json_report import ratio_data
from contract_gate.outputs.formatters.observe_text import instant

SCHEMA_VERSION = 1


def render(observation: Observation) -> str:
    """The observation as indented JSON (kind `contract-gate-observation`)."""
    conformance = observation.conformance
    data = {
        "kind": "contract-gate-observation",
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "contract-gate", "version": __version__},
        "passed": observation.passed,
        "server": observation.server,
        "window": observation.window,
        "at": instant(observation.at),
        "conformance": {
            "overall": ratio_data(conformance.overall),
            "by_bu": {name: ratio_data(r) for name, r in conformance.by_bu.items()},
            "by_service": {name: ratio_data(r) for name, r in conformance.by_service.items()},
        },
        "operations": [_operation(row) for row in observation.operations],
        "findings": [finding_data(f) for f in observation.report.findings],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _operation(row: Observed) -> dict[str, Any]:
    return {
        "service": row.service,
        "operation": row.operation,
        "operation_id": row.operation_id,
        "bu": row.bu,
        "internal": row.internal,
        "file": row.file,
        "declared": row.declared,
        "declared_ms": row.declared_ms,
        "observed_ms": row.observed_ms,
        "status": row.status.value,
    }
