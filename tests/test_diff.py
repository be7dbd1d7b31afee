"""Diff mode: `check --base GIT_REV` fails only on what is new since that revision.

Every test builds a real git repository in a temporary folder (no network): specs
are committed, changed, committed again, and the gate compares with `HEAD~1`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import REPO, check_json, git, init_git_repo, invoke
from test_baseline import reformat

NO_THRESHOLDS = "min-completeness = 0\nmin-alignment = 0\n"
ID = "parameters: [{name: id, in: path, required: true, schema: {type: string}}]"

ORDER = f"""\
openapi: 3.0.3
info: {{title: Order Service, version: "1", x-service: order-service}}
paths:
  /v1/orders:
    post:
      operationId: createOrder
      x-bu-owner: ECOM-BU
      x-slo-p99: 800ms
      x-calls:
        - {{service: payment-service, operation: createPayment, x-slo-p99: 300ms}}
      responses: {{"201": {{description: created}}}}
  /v1/orders/{{id}}:
    {ID}
    get:
      operationId: getOrder
      x-bu-owner: ECOM-BU
      x-slo-p99: 200ms
      responses: {{"200": {{description: ok}}}}
    delete:
      operationId: cancelOrder
      x-bu-owner: ECOM-BU
      responses: {{"204": {{description: cancelled}}}}
"""

NEW_ORDER_OPERATION = """\
    put:
      operationId: updateOrder
      x-slo-p99: 300ms
      responses: {"200": {description: ok}}
"""

PAYMENT = f"""\
openapi: 3.0.3
info: {{title: Payment Service, version: "1", x-service: payment-service}}
paths:
  /v1/payments:
    post:
      operationId: createPayment
      x-bu-owner: PAY-BU
      x-slo-p99: 250ms
      responses: {{"201": {{description: created}}}}
  /v1/payments/{{id}}:
    {ID}
    get:
      operationId: getPayment
      x-bu-owner: PAY-BU
      x-slo-p99: 100ms
      responses: {{"200": {{description: ok}}}}
"""

CATALOG = f"""\
openapi: 3.0.3
info:
  title: Catalog Service
  version: "1"
  x-service: catalog-service
  x-bu-owner: CAT-BU
paths:
  /v1/items:
    get:
      operationId: listItems
      x-slo-p99: 100
      responses:
        "200":
          description: ok
  /v1/items/{{id}}:
    {ID}
    get:
      operationId: getItem
      x-slo-p99: 50ms
      responses:
        "200":
          description: ok
"""


@pytest.fixture
def repo(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository holding specs/{order,payment,catalog}.yaml and a config, committed once."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")  # nothing of the machine's git config
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    init_git_repo(in_tmp)
    specs = in_tmp / "specs"
    specs.mkdir()
    (specs / "order.yaml").write_text(ORDER)
    (specs / "payment.yaml").write_text(PAYMENT)
    (specs / "catalog.yaml").write_text(CATALOG)
    (in_tmp / "contract-gate.toml").write_text(NO_THRESHOLDS)
    commit("base")
    return in_tmp


def commit(message: str) -> None:
    git("add", "-A")
    git("commit", "-q", "-m", message)


def _kinds(findings: list[dict[str, Any]]) -> set[tuple[str, str | None, str | None]]:
    return {(f["rule"], f["service"], f["operation"]) for f in findings}


def _tracked_state() -> tuple[str, str, str]:
    """The index, the tracked files' status, and the checked-out commit."""
    return (
        git("ls-files", "--stage"),
        git("status", "--porcelain", "--untracked-files=no"),
        git("rev-parse", "HEAD"),
    )


def _report_schema() -> dict[str, Any]:
    return json.loads((REPO / "schemas" / "report.schema.json").read_text())


# At the base (hand-counted): 7 external operations, 5 documented (DELETE /v1/orders/{id} has no
# SLO, listItems a bare number) -> 71.4%; one cross-BU pair (createOrder budgets 300ms for
# createPayment's 250ms), aligned -> 100.0%.
PRE_EXISTING = {
    ("slo-missing", "order-service", "DELETE /v1/orders/{id}"),
    ("slo-invalid", "catalog-service", "GET /v1/items"),
}


def _change_order_and_payment_reformat_catalog(repo: Path) -> None:
    specs = repo / "specs"
    (specs / "payment.yaml").write_text(PAYMENT.replace("x-slo-p99: 250ms", "x-slo-p99: 450ms"))
    (specs / "order.yaml").write_text(ORDER + NEW_ORDER_OPERATION)
    reformat(specs / "catalog.yaml")
    commit("head")


def test_only_new_problems_fail_and_the_deltas_are_shown(repo: Path) -> None:
    _change_order_and_payment_reformat_catalog(repo)
    tracked = _tracked_state()
    code, report = check_json("--base", "HEAD~1", "specs")
    assert _tracked_state() == tracked, "the working tree and the index are untouched"
    assert code == 1
    assert report["passed"] is False
    assert _kinds(report["findings"]) == {
        ("owner-missing", "order-service", "PUT /v1/orders/{id}"),
        ("slo-misaligned", "order-service", "POST /v1/orders"),
        ("slo-loosened", "payment-service", "POST /v1/payments"),
    }
    loosened = next(f for f in report["findings"] if f["rule"] == "slo-loosened")
    assert loosened["severity"] == "error"
    assert loosened["message"] == (
        "payment-service POST /v1/payments loosened its p99 from 250ms (at HEAD~1) to 450ms;"
        " it now breaks the budget of order-service POST /v1/orders (300ms)"
    )
    assert (loosened["file"], loosened["line"]) == ("specs/payment.yaml", 8)
    diff = report["diff"]
    assert diff["base"] == "HEAD~1"
    assert diff["commit"] == git("rev-parse", "HEAD~1").strip()
    assert _kinds(diff["pre_existing"]) == PRE_EXISTING
    assert (diff["new"], diff["fixed"]) == (3, 0)
    # Head: 8 operations (updateOrder has no owner), still 5 documented -> 62.5%; the pair is
    # violated -> 0.0%. order-service 2/3 -> 2/4; the new (unowned) group has no base value.
    assert diff["metrics"]["completeness"] == {"percent": 71.4, "numerator": 5, "denominator": 7}
    assert report["metrics"]["completeness"] == {"percent": 62.5, "numerator": 5, "denominator": 8}
    assert (diff["delta"]["completeness"], diff["delta"]["alignment"]) == (-8.9, -100.0)
    assert diff["delta"]["by_service"] == {
        "catalog-service": {"completeness": 0.0, "alignment": None},
        "order-service": {"completeness": -16.7, "alignment": -100.0},
        "payment-service": {"completeness": 0.0, "alignment": -100.0},
    }
    assert diff["delta"]["by_bu"] == {
        "(unowned)": {"completeness": None, "alignment": None},
        "CAT-BU": {"completeness": 0.0, "alignment": None},
        "ECOM-BU": {"completeness": 0.0, "alignment": -100.0},
        "PAY-BU": {"completeness": 0.0, "alignment": -100.0},
    }
    jsonschema.Draft202012Validator(_report_schema()).validate(report)

    text = invoke("check", "--base", "HEAD~1", "specs")
    assert text.exit_code == 1
    out = text.stdout
    assert "Against HEAD~1 (" in out and "3 new findings, 2 pre-existing (not failing), 0 fixed" in out
    assert "  completeness 62.5% (-8.9), alignment 0.0% (-100.0)" in out
    assert "order-service completeness 50.0% (-16.7), alignment 0.0% (-100.0)" in out
    assert "(unowned) completeness 0.0% (new)" in out
    pre_existing = out.split("Pre-existing findings (not failing):\n")[1]
    assert "[slo-missing]" in pre_existing and "[slo-invalid]" in pre_existing
    assert out.splitlines()[-1] == "3 findings (3 errors) in 3 files: gate FAILED"


def test_pre_existing_problems_and_reformatting_do_not_fail(repo: Path) -> None:
    for name in ("order.yaml", "payment.yaml", "catalog.yaml"):
        reformat(repo / "specs" / name)
    commit("reformat everything")
    code, report = check_json("--base", "HEAD~1", "specs")
    assert code == 0
    assert report["findings"] == []
    assert _kinds(report["diff"]["pre_existing"]) == PRE_EXISTING
    assert report["diff"]["delta"]["completeness"] == 0.0


def test_uncommitted_changes_are_compared_with_head(repo: Path) -> None:
    catalog = repo / "specs" / "catalog.yaml"
    catalog.write_text(CATALOG.replace("x-slo-p99: 100\n", 'x-slo-p99: "100ms"\n'))
    code, report = check_json("--base", "HEAD", "specs")
    assert code == 0
    assert report["findings"] == []
    assert report["diff"]["fixed"] == 1
    assert report["diff"]["delta"]["completeness"] == 14.3  # 6/7 = 85.7% against 5/7 = 71.4%
    assert git("status", "--porcelain", "--untracked-files=no") == " M specs/catalog.yaml\n"


def test_deleted_and_new_specs(repo: Path) -> None:
    (repo / "specs" / "payment.yaml").unlink()
    (repo / "specs" / "inventory.yaml").write_text(
        """\
openapi: 3.0.3
info: {title: Inventory, version: "1", x-service: inventory-service}
paths:
  /v1/stock:
    get:
      x-slo-p99: 80ms
      responses: {"200": {description: ok}}
"""
    )
    commit("payment-service goes, inventory-service comes")
    code, report = check_json("--base", "HEAD~1", "specs")
    assert code == 1
    findings = {(f["rule"], f["service"], f["operation"]): f for f in report["findings"]}
    assert set(findings) == {
        ("operation-removed", "payment-service", "POST /v1/payments"),
        ("operation-removed", "payment-service", "GET /v1/payments/{id}"),
        ("call-out-of-view", "order-service", "POST /v1/orders"),
        ("owner-missing", "inventory-service", "GET /v1/stock"),
    }
    still_called = findings[("operation-removed", "payment-service", "POST /v1/payments")]
    assert still_called["severity"] == "error"
    assert "but order-service POST /v1/orders still call it" in still_called["message"]
    assert "service payment-service is no longer among the specs" in still_called["message"]
    assert (still_called["file"], still_called["line"]) == ("specs/payment.yaml", None)
    uncalled = findings[("operation-removed", "payment-service", "GET /v1/payments/{id}")]
    assert uncalled["severity"] == "warning"
    assert "nothing in view calls it" in uncalled["message"]
    by_service = report["diff"]["delta"]["by_service"]
    assert by_service["inventory-service"] == {"completeness": None, "alignment": None}
    assert by_service["payment-service"] == {"completeness": None, "alignment": None}
    text = invoke("check", "--base", "HEAD~1", "specs").stdout
    assert "inventory-service completeness 0.0% (new)" in text and "payment-service (gone)" in text


def test_removed_operation_severity_follows_config_when_set(repo: Path) -> None:
    payment = repo / "specs" / "payment.yaml"
    payment.write_text(PAYMENT.split("  /v1/payments/{id}:")[0])
    commit("getPayment goes")
    code, report = check_json("--base", "HEAD~1", "specs")
    assert code == 0  # a warning: nothing in view calls it
    [removed] = report["findings"]
    assert (removed["rule"], removed["severity"]) == ("operation-removed", "warning")
    assert (removed["file"], removed["line"]) == ("specs/payment.yaml", 3)  # /paths: what is left
    (repo / "contract-gate.toml").write_text(NO_THRESHOLDS + '[rules]\noperation-removed = "error"\n')
    code, report = check_json("--base", "HEAD~1", "specs")
    assert (code, report["findings"][0]["severity"]) == (1, "error")


def test_an_internal_operation_nothing_calls_is_removed_quietly(repo: Path) -> None:
    payment = repo / "specs" / "payment.yaml"
    internal = PAYMENT.replace("operationId: getPayment", "operationId: getPayment\n      x-internal: true")
    payment.write_text(internal)
    commit("getPayment is internal")
    payment.write_text(PAYMENT.split("  /v1/payments/{id}:")[0])
    commit("getPayment goes")
    code, report = check_json("--base", "HEAD~1", "specs")
    assert code == 0
    assert [(f["rule"], f["severity"]) for f in report["findings"]] == [("operation-removed", "info")]
    assert "it was x-internal and nothing in view calls it" in report["findings"][0]["message"]


def test_owner_changes_are_information(repo: Path) -> None:
    order = repo / "specs" / "order.yaml"
    order.write_text(
        ORDER.replace(
            "operationId: getOrder\n      x-bu-owner: ECOM-BU",
            "operationId: getOrder\n      x-bu-owner: SHOP-BU",
        )
    )
    commit("getOrder changes hands")
    code, report = check_json("--base", "HEAD~1", "specs")
    assert code == 0
    [changed] = report["findings"]
    assert (changed["rule"], changed["severity"], changed["operation"]) == (
        "owner-changed",
        "info",
        "GET /v1/orders/{id}",
    )
    assert changed["message"] == (
        'order-service GET /v1/orders/{id} is now owned by "SHOP-BU" (it was "ECOM-BU" at HEAD~1)'
    )


def test_a_loosened_slo_that_breaks_no_budget_says_so(repo: Path) -> None:
    payment = repo / "specs" / "payment.yaml"
    payment.write_text(PAYMENT.replace("x-slo-p99: 250ms", "x-slo-p99: 0.3s"))
    commit("createPayment 300ms")
    _, report = check_json("--base", "HEAD~1", "specs")
    [loosened] = report["findings"]
    assert loosened["message"].endswith(
        "from 250ms (at HEAD~1) to 300ms; no caller in view budgets less than that"
    )


def test_thresholds_fail_when_they_start_failing_or_the_number_drops(repo: Path) -> None:
    (repo / "contract-gate.toml").write_text("min-alignment = 0\n")  # min-completeness: 95
    commit("thresholds back")
    # Below 95% at both, unchanged: pre-existing.
    reformat(repo / "specs" / "order.yaml")
    commit("reformat")
    code, report = check_json("--base", "HEAD~1", "specs")
    assert code == 0
    assert "threshold-completeness" in {f["rule"] for f in report["diff"]["pre_existing"]}
    # Lower than at the base: the debt grew, which fails.
    (repo / "specs" / "order.yaml").write_text(ORDER + NEW_ORDER_OPERATION)
    commit("one more undocumented operation")
    code, report = check_json("--base", "HEAD~1", "specs")
    assert code == 1
    threshold = next(f for f in report["findings"] if f["rule"] == "threshold-completeness")
    assert threshold["message"].endswith("below min-completeness 95%; it was 71.4% at HEAD~1")


def test_inputs_new_since_the_base_are_all_new(repo: Path) -> None:
    more = repo / "more"
    more.mkdir()
    (more / "catalog.yaml").write_text(CATALOG.replace("catalog-service", "catalog-two"))
    commit("more specs")
    code, report = check_json("--base", "HEAD~1", "more")
    assert code == 1
    assert _kinds(report["findings"]) == {("slo-invalid", "catalog-two", "GET /v1/items")}
    assert report["diff"]["metrics"]["completeness"]["percent"] is None
    assert report["diff"]["delta"]["completeness"] is None


@pytest.mark.parametrize("absolute", [False, True], ids=["relative", "absolute"])
def test_works_from_a_subfolder_with_files_named(
    repo: Path, monkeypatch: pytest.MonkeyPatch, absolute: bool
) -> None:
    _change_order_and_payment_reformat_catalog(repo)
    monkeypatch.chdir(repo / "specs")
    named = [repo / "specs" / name if absolute else Path(name) for name in ("order.yaml", "catalog.yaml")]
    code, report = check_json("--base", "HEAD~1", *named, "--min-completeness", "0")
    assert code == 1
    assert _kinds(report["findings"]) == {("owner-missing", "order-service", "PUT /v1/orders/{id}")}
    assert {f["file"] for f in report["diff"]["pre_existing"]} == {"order.yaml", "catalog.yaml"}


@pytest.mark.parametrize("revision", ["no-such-branch", "HEAD~5", "--output=x", ""])
def test_bad_revision_exits_2_with_one_line(repo: Path, revision: str) -> None:
    result = invoke("check", "--base", revision, "specs")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("contract-gate: error: ")
    assert "revision" in lines[0]


def test_outside_a_git_repository_exits_2_with_one_line(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(in_tmp.parent))
    monkeypatch.setenv("LC_ALL", "C")  # git's own message is quoted
    (in_tmp / "specs").mkdir()
    (in_tmp / "specs" / "order.yaml").write_text(ORDER)
    result = invoke("check", "--base", "HEAD~1", "specs")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert (
        len(lines) == 1 and "--base needs a git repository; git says: fatal: not a git repository" in lines[0]
    )


def test_baseline_and_base_together(repo: Path) -> None:
    # A baseline written in the change itself: it may accept what the base already had
    # (slo-missing, slo-invalid), not the change's own findings (baseline-grown, tests/test_policy.py).
    _change_order_and_payment_reformat_catalog(repo)
    assert invoke("baseline", "create", "specs", "-o", "baseline.json").exit_code == 0
    code, report = check_json("--base", "HEAD~1", "--baseline", "baseline.json", "specs")
    assert code == 1
    assert sorted(f["rule"] for f in report["findings"]) == [
        "baseline-grown",
        "baseline-grown",
        "owner-missing",
        "slo-loosened",
        "slo-misaligned",
    ]
    assert report["diff"]["pre_existing"] == []
    assert report["baseline"]["hidden"] == 2  # slo-missing, slo-invalid


def test_a_baseline_at_the_base_hides_findings_the_change_keeps(repo: Path) -> None:
    assert invoke("baseline", "create", "specs", "-o", "baseline.json").exit_code == 0
    commit("baseline")
    _change_order_and_payment_reformat_catalog(repo)
    code, report = check_json("--base", "HEAD~1", "--baseline", "baseline.json", "specs")
    assert code == 1  # slo-loosened exists only in diff mode: no baseline holds it
    assert sorted(f["rule"] for f in report["findings"]) == [
        "owner-missing",
        "slo-loosened",
        "slo-misaligned",
    ]
    assert report["diff"]["pre_existing"] == []
    assert report["baseline"]["hidden"] == 2


def test_the_gate_composes_diff_and_baseline_without_the_command_line(repo: Path) -> None:
    # What `check --base HEAD~1 --baseline FILE` does, through the API (history.gate.check).
    from contract_gate.catalog import RULES_BY_ID
    from contract_gate.config.settings import load_config
    from contract_gate.engine.checker import Settings
    from contract_gate.history import baseline as baselines
    from contract_gate.history import gate
    from contract_gate.history.diff import resolve

    loaded = load_config(None, {}, repo, RULES_BY_ID)
    settings = Settings(config=loaded.config, ref_root=(repo / "specs").resolve())
    inputs = [Path("specs")]
    assert baselines.create(gate.check(inputs, settings, loaded.base), repo / "baseline.json") == 2
    commit("baseline")
    _change_order_and_payment_reformat_catalog(repo)
    accepted = baselines.load(repo / "baseline.json")
    report = gate.check(inputs, settings, loaded.base, revision=resolve("HEAD~1", repo), baseline=accepted)
    assert sorted(f.rule for f in report.findings) == ["owner-missing", "slo-loosened", "slo-misaligned"]
    assert report.diff is not None and report.pre_existing == []
    assert report.baseline_info is not None and report.baseline_info.hidden == 2
    assert not report.passed


SHARED_REFS = """\
openapi: 3.0.3
info: {title: Shipping, version: "1", x-service: shipping, x-bu-owner: SHIP-BU, x-slo-p99: 200ms}
paths:
  /v1/shipments:
    get:
      operationId: listShipments
      responses:
        "404":
          description: no
          content: {application/json: {schema: {$ref: "../common/errors.yaml#/Problem"}}}
        "500":
          description: no
          content: {application/json: {schema: {$ref: "https://schemas.acme.example/errors.yaml#/Problem"}}}
"""


def test_refs_to_shared_files_outside_the_inputs_resolve_at_the_base(repo: Path) -> None:
    (repo / "specs" / "a").mkdir()
    (repo / "specs" / "common").mkdir()
    (repo / "shared").mkdir()
    (repo / "specs" / "a" / "openapi.yaml").write_text(SHARED_REFS)
    for shared in ("specs/common/errors.yaml", "shared/errors.yaml"):
        (repo / shared).write_text("Problem: {type: object}\n")
    with (repo / "contract-gate.toml").open("a") as config:
        config.write('[ref-map]\n"https://schemas.acme.example/" = "shared/"\n')
    commit("a spec with shared schemas")
    code, report = check_json("--base", "HEAD", "specs/a/openapi.yaml")
    assert (code, report["findings"], report["diff"]["pre_existing"]) == (0, [], [])
    assert report["diff"]["fixed"] == 0  # the base read both shared files as the head did

    (repo / "specs" / "common" / "errors.yaml").write_text("Other: {type: object}\n")
    (repo / "shared" / "errors.yaml").write_text("Other: {type: object}\n")
    code, report = check_json("--base", "HEAD", "specs/a/openapi.yaml")
    assert code == 1
    found = {(f["rule"], f["line"]) for f in report["findings"]}
    assert found == {("ref-unresolved", 10), ("ref-unresolved", 13)}
    assert report["diff"]["fixed"] == 0
