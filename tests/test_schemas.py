"""schemas/ is generated from the models, and the JSON report honours its schema and SPEC §10."""

from __future__ import annotations

import json

import jsonschema
from conftest import REPO, SAMPLES, check_json

from contract_gate.outputs.schemas_gen import generate


def test_schemas_folder_matches_the_models() -> None:
    generated = generate()
    on_disk = {p.name: p.read_text() for p in (REPO / "schemas").glob("*.json")}
    assert on_disk == generated, "schemas/ drifted from the models: run `make schemas`"


def _report_schema() -> dict[str, object]:
    return json.loads((REPO / "schemas" / "report.schema.json").read_text())


def test_legacy_report_validates_and_has_the_spec_fields() -> None:
    code, report = check_json(SAMPLES / "legacy")
    assert code == 1
    jsonschema.Draft202012Validator(_report_schema()).validate(report)
    assert report["schema_version"] == 1
    assert report["tool"] == {"name": "contract-gate", "version": "0.1.0"}
    assert report["passed"] is False
    assert set(report["metrics"]) >= {"completeness", "alignment", "by_bu", "by_service"}
    assert report["metrics"]["alignment"] == {
        "percent": 40.0,
        "numerator": 4,
        "denominator": 10,
        "scope": "cross-bu",
        "out_of_view": 2,
    }
    pair = report["pairs"][0]
    spec_fields = {"caller", "callee", "status", "budget", "commitment", "agreed", "cross_bu", "mode"}
    assert set(pair) == spec_fields | {"counted", "not_counted"}
    assert set(pair["caller"]) == {"service", "operation"}
    finding = next(f for f in report["findings"] if f["rule"] == "slo-missing")
    assert set(finding) == {
        "rule",
        "severity",
        "file",
        "line",
        "column",
        "pointer",
        "service",
        "operation",
        "message",
        "fingerprint",
    }
    assert finding["file"].endswith(".yaml") or finding["file"].endswith(".yml")
    assert finding["operation"].split(" ")[0] in {"GET", "POST", "PUT", "PATCH", "DELETE"}


def test_passing_report_validates() -> None:
    code, report = check_json(SAMPLES / "estate")
    assert code == 0
    jsonschema.Draft202012Validator(_report_schema()).validate(report)
    assert report["passed"] is True
    assert report["metrics"]["completeness"]["percent"] == 100.0


def test_schema_rejects_a_report_missing_a_fixed_field() -> None:
    _, report = check_json(SAMPLES / "estate")
    del report["metrics"]["completeness"]["numerator"]
    validator = jsonschema.Draft202012Validator(_report_schema())
    assert not validator.is_valid(report)
