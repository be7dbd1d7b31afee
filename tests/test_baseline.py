"""Baselines: accept today's findings by fingerprint; only new ones fail `check --baseline FILE`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import REPO, check_json, invoke

from contract_gate.config.settings import Config
from contract_gate.engine.run import Report
from contract_gate.estate.metrics import compute_metrics
from contract_gate.history import baseline

ORDER = """\
openapi: 3.0.3
info:
  title: Order Service
  version: "1"
  x-service: order-service
paths:
  /v1/orders:
    post:
      operationId: createOrder
      x-bu-owner: ECOM-BU
      x-slo-p99: 800ms
      responses:
        "201":
          description: created
  /v1/orders/{id}:
    parameters:
      - name: id
        in: path
        required: true
        schema:
          type: string
    get:
      operationId: getOrder
      x-bu-owner: ecom team
      x-slo-p99: 200ms
      responses:
        "200":
          description: ok
    delete:
      operationId: cancelOrder
      x-bu-owner: ECOM-BU
      responses:
        "204":
          description: cancelled
"""

PAYMENT = """\
openapi: 3.0.3
info:
  title: Payment Service
  version: "1"
  x-service: payment-service
  x-bu-owner: PAY-BU
paths:
  /v1/payments:
    post:
      operationId: createPayment
      x-slo-p99: 250
    get:
      operationId: listPayments
      x-slo-p99: 100ms
      responses:
        "200":
          description: ok
"""

# (rule, service, operation) of what ORDER and PAYMENT get wrong.
DEBT = {
    ("owner-invalid", "order-service", "GET /v1/orders/{id}"),
    ("slo-missing", "order-service", "DELETE /v1/orders/{id}"),
    ("slo-invalid", "payment-service", "POST /v1/payments"),
    ("spec-invalid", None, None),  # createPayment has no `responses`
}
NO_THRESHOLDS = "min-completeness = 0\nmin-alignment = 0\n"


def _reverse(value: Any) -> Any:
    """Every mapping with its keys in the opposite order."""
    if isinstance(value, dict):
        return {key: _reverse(item) for key, item in reversed(list(value.items()))}
    if isinstance(value, list):
        return [_reverse(item) for item in value]
    return value


def reformat(path: Path) -> None:
    """Re-indent (4 spaces), reverse every key order and push everything down a few lines."""
    data = yaml.safe_load(path.read_text())
    text = yaml.safe_dump(_reverse(data), indent=4, sort_keys=False, default_flow_style=False)
    path.write_text("# reformatted: keys reversed, 4-space indent\n#\n\n" + text)


@pytest.fixture
def estate(in_tmp: Path) -> Path:
    """specs/ with the DEBT above, and a config without thresholds (they are not fingerprints)."""
    specs = in_tmp / "specs"
    specs.mkdir()
    (specs / "order.yaml").write_text(ORDER)
    (specs / "payment.yaml").write_text(PAYMENT)
    (in_tmp / "contract-gate.toml").write_text(NO_THRESHOLDS)
    return specs


def _kinds(findings: list[dict[str, Any]]) -> set[tuple[str, str | None, str | None]]:
    return {(f["rule"], f["service"], f["operation"]) for f in findings}


def _report_schema() -> dict[str, Any]:
    return json.loads((REPO / "schemas" / "report.schema.json").read_text())


def test_create_writes_sorted_fingerprints_for_humans(estate: Path) -> None:
    result = invoke("baseline", "create", "specs", "-o", "baseline.json")
    assert result.exit_code == 0, result.output
    assert "baseline.json" in result.stdout and "entries" in result.stdout
    document = json.loads(Path("baseline.json").read_text())
    assert document["version"] == 1
    assert document["tool"] == {"name": "contract-gate", "version": "0.1.0"}
    entries = document["findings"]
    assert {(e["rule"], e["file"]) for e in entries} >= {
        ("slo-missing", "specs/order.yaml"),
        ("spec-invalid", "specs/payment.yaml"),
    }
    assert all(set(e) == {"fingerprint", "rule", "file", "operation", "message"} for e in entries)
    keys = [(e["file"] or "", e["rule"], e["operation"] or "", e["fingerprint"]) for e in entries]
    assert keys == sorted(keys)
    _, report = check_json("specs")
    assert {e["fingerprint"] for e in entries} == {f["fingerprint"] for f in report["findings"]}
    assert not list(Path().glob(".baseline.json.*")), "no temporary file left behind"


def test_round_trip_survives_reformatting_and_fails_only_on_the_new_problem(estate: Path) -> None:
    _, before = check_json("specs")
    assert _kinds(before["findings"]) == DEBT
    assert invoke("baseline", "create", "specs", "-o", "baseline.json").exit_code == 0

    for spec in estate.iterdir():
        reformat(spec)
    code, after = check_json("specs")
    # The same problems, now on other lines, with the same fingerprints.
    assert {f["line"] for f in after["findings"]}.isdisjoint({f["line"] for f in before["findings"]})
    assert {f["fingerprint"] for f in after["findings"]} == {f["fingerprint"] for f in before["findings"]}

    code, report = check_json("specs", "--baseline", "baseline.json")
    assert code == 0
    assert report["passed"] is True
    assert report["findings"] == []
    assert report["baseline"] == {"file": "baseline.json", "hidden": len(DEBT), "stale": []}
    jsonschema.Draft202012Validator(_report_schema()).validate(report)
    text = invoke("check", "specs", "--baseline", "baseline.json")
    assert text.exit_code == 0
    assert f"Baseline baseline.json: {len(DEBT)} findings hidden" in text.stdout
    assert text.stderr == ""

    order = estate / "order.yaml"
    data = yaml.safe_load(order.read_text())
    data["paths"]["/v1/refunds"] = {
        "post": {
            "operationId": "refund",
            "x-bu-owner": "ECOM-BU",
            "responses": {"201": {"description": "ok"}},
        }
    }
    order.write_text(yaml.safe_dump(data, indent=3, sort_keys=True))
    code, report = check_json("specs", "--baseline", "baseline.json")
    assert code == 1
    assert [(f["rule"], f["operation"]) for f in report["findings"]] == [("slo-missing", "POST /v1/refunds")]
    assert report["baseline"]["hidden"] == len(DEBT)


def test_fixed_problems_are_reported_as_stale_entries(estate: Path) -> None:
    assert invoke("baseline", "create", "specs", "-o", "baseline.json").exit_code == 0
    order = estate / "order.yaml"
    order.write_text(order.read_text().replace("x-bu-owner: ecom team", "x-bu-owner: ECOM-BU"))

    result = invoke("check", "specs", "--baseline", "baseline.json")
    assert result.exit_code == 0
    stale_lines = result.stderr.strip().splitlines()
    assert len(stale_lines) == 1
    assert stale_lines[0].startswith(
        "contract-gate: info: 1 baseline entry in baseline.json no longer occurs"
    )
    assert "owner-invalid specs/order.yaml" in stale_lines[0]
    assert "baseline update" in stale_lines[0]
    assert f"{len(DEBT) - 1} findings hidden; 1 entry no longer occurs (stale)" in result.stdout

    code, report = check_json("specs", "--baseline", "baseline.json")
    assert code == 0
    assert report["baseline"]["hidden"] == len(DEBT) - 1
    [stale] = report["baseline"]["stale"]
    assert (stale["rule"], stale["file"], stale["operation"]) == (
        "owner-invalid",
        "specs/order.yaml",
        "GET /v1/orders/{id}",
    )


def test_update_keeps_what_still_occurs_and_adds_what_is_new(estate: Path) -> None:
    assert invoke("baseline", "create", "specs", "-o", "baseline.json").exit_code == 0
    order = estate / "order.yaml"
    fixed = order.read_text().replace("x-bu-owner: ecom team", "x-bu-owner: ECOM-BU")
    order.write_text(fixed.replace("x-slo-p99: 800ms", "x-slo-p99: 800"))

    result = invoke("baseline", "update", "specs", "-o", "baseline.json")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"updated baseline.json: {len(DEBT)} entries, 1 added, 1 removed"
    rules = sorted(e["rule"] for e in json.loads(Path("baseline.json").read_text())["findings"])
    assert rules == ["slo-invalid", "slo-invalid", "slo-missing", "spec-invalid"]
    code, report = check_json("specs", "--baseline", "baseline.json")
    assert (code, report["findings"], report["baseline"]["stale"]) == (0, [], [])


def test_thresholds_still_apply_and_cannot_be_baselined(estate: Path) -> None:
    Path("contract-gate.toml").write_text("min-alignment = 0\n")  # min-completeness: the default 95
    assert invoke("baseline", "create", "specs", "-o", "baseline.json").exit_code == 0
    entries = json.loads(Path("baseline.json").read_text())["findings"]
    assert not [e for e in entries if e["rule"].startswith("threshold-")]

    code, report = check_json("specs", "--baseline", "baseline.json")
    assert code == 1
    assert [f["rule"] for f in report["findings"]] == ["threshold-completeness"]

    document = json.loads(Path("baseline.json").read_text())
    _, full = check_json("specs")
    threshold = next(f for f in full["findings"] if f["rule"] == "threshold-completeness")
    document["findings"].append(
        {k: threshold[k] for k in ("fingerprint", "rule", "file", "operation", "message")}
    )
    Path("edited.json").write_text(json.dumps(document))
    result = invoke("check", "specs", "--baseline", "edited.json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "threshold-completeness cannot be baselined" in result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        ("{not json", "not a contract-gate baseline"),
        ('{"version": 2, "tool": {"name": "contract-gate", "version": "9"}, "findings": []}', "version"),
        ('{"version": 1, "tool": {"name": "contract-gate", "version": "0"}, "findings": [{}]}', "findings.0"),
        ("[]", "not a contract-gate baseline"),
    ],
    ids=["missing", "not-json", "wrong-version", "bad-entry", "not-an-object"],
)
def test_unusable_baseline_exits_2_with_one_line(estate: Path, content: str | None, expected: str) -> None:
    if content is not None:
        Path("baseline.json").write_text(content)
    for args in (
        ("check", "specs", "--baseline", "baseline.json"),
        ("baseline", "update", "specs", "-o", "baseline.json"),
    ):
        result = invoke(*args)
        assert result.exit_code == 2
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("contract-gate: error: baseline baseline.json:")
        assert expected in lines[0]


def test_baseline_folder_is_an_unusable_baseline(estate: Path) -> None:
    Path("folder").mkdir()
    result = invoke("check", "specs", "--baseline", "folder")
    assert result.exit_code == 2
    assert "cannot read it" in result.stderr and len(result.stderr.splitlines()) == 1


def test_a_run_with_internal_errors_writes_no_baseline(tmp_path: Path) -> None:
    broken = Report(
        findings=[],
        services=[],
        pairs=[],
        metrics=compute_metrics([], [], "cross-bu"),
        config=Config(),
        files_checked=1,
        internal_errors=["RecursionError: boom"],
    )
    target = tmp_path / "baseline.json"
    with pytest.raises(baseline.BaselineError, match="not written, 1 file could not be checked"):
        baseline.create(broken, target)
    assert not target.exists()
