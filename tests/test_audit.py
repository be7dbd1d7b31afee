"""`contract-gate audit --bu BU`: the owner's report, in every format.

Expected values come from samples/EXPECTED.md (operations #1-#19, pairs L1-L14, findings
F1-F10 and C1-C10), never from our own output. The HTML page is opened in headless Chromium.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import REPO, SAMPLES, invoke

from contract_gate.outputs.formatters.audit_csv import COLUMNS

LEGACY = SAMPLES / "legacy"
SCHEMA = json.loads((REPO / "schemas" / "audit.schema.json").read_text(encoding="utf-8"))
LEGACY_BUS = ["ECOM-BU", "LOGISTICS-BU", "MARKETING-BU", "PAYMENTS-BU", "(unowned)"]


def audit_json(*args: str | Path) -> dict[str, Any]:
    result = invoke("audit", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    return data


def ratio(group: dict[str, Any]) -> tuple[float | None, int, int]:
    return group["percent"], group["numerator"], group["denominator"]


def by_id(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {op["operation_id"]: op for op in data["operations"]}


def pairs(op: dict[str, Any], direction: str) -> set[tuple[str, str, str]]:
    return {(p["service"], p["operation"], p["status"]) for p in op[direction]}


def rules(op: dict[str, Any]) -> set[str]:
    return {f["rule"] for f in op["findings"]}


# --- JSON: values per EXPECTED.md ------------------------------------------------------------


def test_marketing_json() -> None:
    data = audit_json(LEGACY, "--bu", "MARKETING-BU")
    assert data["bu"] == "MARKETING-BU" and data["scope"] == "cross-bu" and data["schema_version"] == 1
    assert ratio(data["metrics"]["completeness"]) == (100.0, 5, 5)
    assert ratio(data["metrics"]["alignment"]) == (28.6, 2, 7)
    assert data["metrics"]["alignment"]["out_of_view"] == 0
    ops = by_id(data)
    # #11, #12, #13, #18, #19
    assert set(ops) == {"getPointsBalance", "redeemPoints", "listTiers", "issueVoucher", "getVoucher"}
    assert all(op["state"] == "documented" and op["problems"] == [] for op in ops.values())
    assert all(
        op["owner"]["value"] == "MARKETING-BU" and op["owner"]["level"] == "info" for op in ops.values()
    )
    slo = {name: (op["slo"]["value"], op["slo"]["level"]) for name, op in ops.items()}
    assert slo == {
        "getPointsBalance": ("2s", "root"),
        "redeemPoints": ("1.5s", "operation"),
        "listTiers": ("2s", "root"),
        "issueVoucher": ("400ms", "operation"),
        "getVoucher": ("150ms", "operation"),
    }
    assert ops["getPointsBalance"]["operation"] == "GET /v2/members/{memberId}/points"
    assert ops["getPointsBalance"]["owner"]["pointer"] == "/info/x-bu-owner"
    assert ops["getPointsBalance"]["slo"]["pointer"] == "/x-slo-p99"
    # Every operation of both services is MARKETING's, so these are EXPECTED's per-service rows.
    services = data["by_service"]
    assert list(services) == ["loyalty-service", "voucher-service"]
    assert ratio(services["loyalty-service"]["completeness"]) == (100.0, 3, 3)
    assert ratio(services["loyalty-service"]["alignment"]) == (33.3, 2, 6)
    assert ratio(services["voucher-service"]["completeness"]) == (100.0, 2, 2)
    assert ratio(services["voucher-service"]["alignment"]) == (0.0, 0, 1)


def test_marketing_pairs_and_findings() -> None:
    ops = by_id(audit_json(LEGACY, "--bu", "MARKETING-BU"))
    points = ops["getPointsBalance"]
    assert pairs(points, "inbound") == {
        ("billing-gateway", "GET /v1/invoices", "aligned"),  # L1
        ("storefront-api", "GET /api/v1/cart/{cartId}", "violated"),  # L9
        ("storefront-api", "POST /api/v1/checkout", "undeclared"),  # L12
    }
    assert pairs(points, "outbound") == {("billing-gateway", "GET /v1/invoices", "undeclared")}  # L2
    assert rules(points) == {"slo-agreement-mismatch", "call-not-declared"}  # C11, C7
    redeem = ops["redeemPoints"]
    assert pairs(redeem, "inbound") == {("storefront-api", "POST /api/v1/checkout", "aligned")}  # L13
    assert pairs(redeem, "outbound") == {
        ("billing-gateway", "POST /v1/invoices", "violated"),  # L3
        ("voucher-service", "POST /v1/vouchers", "aligned"),  # L4
    }
    l3, l4 = sorted(redeem["outbound"], key=lambda p: p["service"])
    assert (l3["mode"], l3["budget"], l3["commitment"], l3["agreed"]) == ("async", "1s", "1s", "800ms")
    assert l3["counted"] and l3["cross_bu"] and l3["bu"] is None
    assert (l4["budget"], l4["commitment"], l4["agreed"]) == ("600ms", "400ms", "600ms")
    assert not l4["counted"] and not l4["cross_bu"] and l4["not_counted"] == "same-bu"
    assert l4["bu"] == "MARKETING-BU"
    l10 = ops["getVoucher"]["inbound"]
    assert [(p["status"], p["budget"], p["commitment"]) for p in l10] == [("undeclared", "100", "150ms")]
    assert rules(redeem) == rules(ops["listTiers"]) == rules(ops["issueVoucher"]) == set()


def test_marketing_scope_all_counts_the_same_bu_pair() -> None:
    data = audit_json(LEGACY, "--bu", "MARKETING-BU", "--alignment-scope", "all")
    assert ratio(data["metrics"]["alignment"]) == (37.5, 3, 8)
    l4 = next(p for p in by_id(data)["redeemPoints"]["outbound"] if p["service"] == "voucher-service")
    assert l4["counted"] and l4["not_counted"] is None


def test_logistics_json_with_out_of_view_pair() -> None:
    data = audit_json(LEGACY, "--bu", "LOGISTICS-BU")
    assert ratio(data["metrics"]["completeness"]) == (75.0, 3, 4)
    assert ratio(data["metrics"]["alignment"]) == (0.0, 0, 1)
    assert data["metrics"]["alignment"]["out_of_view"] == 1
    ops = by_id(data)
    assert set(ops) == {"listReturns", "createReturn", "getReturn", "getReturnLabel"}  # #14-#17
    assert ops["getReturn"]["state"] == "SLO missing" and ops["getReturn"]["problems"] == ["slo-missing"]
    assert ops["getReturn"]["slo"] is None and rules(ops["getReturn"]) == {"slo-missing"}  # F10
    assert (ops["getReturnLabel"]["slo"]["value"], ops["getReturnLabel"]["slo"]["level"]) == (
        "1.2s",
        "path-item",
    )
    outbound = {p["operation"]: p for p in ops["createReturn"]["outbound"]}
    assert (
        outbound["createCreditNote"]["status"] == "unresolved" and outbound["createCreditNote"]["counted"]
    )  # L6
    l7 = outbound["getOrder"]
    assert (l7["service"], l7["status"], l7["budget"]) == ("order-service", "out-of-view", "350ms")
    assert not l7["counted"] and l7["not_counted"] == "out-of-view"
    assert rules(ops["createReturn"]) == {
        "budget-overcommitted",
        "call-out-of-view",
        "call-unresolved",
    }  # C8-C10
    assert ratio(data["by_service"]["returns-service"]["alignment"]) == (0.0, 0, 1)


def test_unowned_json() -> None:
    data = audit_json(LEGACY, "--bu", "(unowned)")
    assert ratio(data["metrics"]["completeness"]) == (0.0, 0, 7)
    assert ratio(data["metrics"]["alignment"]) == (42.9, 3, 7)
    assert data["metrics"]["alignment"]["out_of_view"] == 1
    ops = by_id(data)
    problems = {name: op["problems"] for name, op in ops.items()}
    assert problems == {  # #3-#9
        "removeCartItem": ["owner-invalid"],
        "getWishlist": ["owner-missing"],
        "checkout": ["owner-missing", "slo-missing"],
        "listInvoices": ["owner-invalid", "slo-invalid"],
        "createInvoice": ["owner-invalid"],
        "getInvoice": ["owner-invalid", "slo-invalid"],
        "recordInvoicePayment": ["owner-invalid", "slo-invalid"],
    }
    assert ops["listInvoices"]["state"] == "owner invalid; SLO invalid"
    owner = ops["listInvoices"]["owner"]
    assert (owner["value"], owner["level"], owner["pointer"], owner["valid"]) == (
        "Payments",
        "info",
        "/info/x-bu-owner",
        False,
    )
    assert ops["listInvoices"]["slo"]["value"] == 800  # a YAML number, as written
    # F6 is reported once, at /info/x-bu-owner with no operation; it belongs to #6-#9.
    for name in ("listInvoices", "createInvoice", "getInvoice", "recordInvoicePayment"):
        f6 = [f for f in ops[name]["findings"] if f["rule"] == "owner-invalid"]
        assert [(f["pointer"], f["operation"]) for f in f6] == [("/info/x-bu-owner", None)]
    assert rules(ops["listInvoices"]) == {"owner-invalid", "slo-invalid", "call-cycle"}  # F6, F7, C5
    assert rules(ops["createInvoice"]) == {"owner-invalid", "slo-agreement-mismatch"}  # F6, C6
    assert rules(ops["checkout"]) == {"owner-missing", "slo-missing", "call-out-of-view"}  # F4, F5, C4
    assert rules(ops["removeCartItem"]) == {"owner-invalid"}  # F2
    inbound = {(p["service"], p["status"], p["counted"]) for p in ops["createInvoice"]["inbound"]}
    assert inbound == {
        ("loyalty-service", "violated", True),  # L3
        ("ops-console", "aligned", False),  # L5: internal caller, not counted
        ("storefront-api", "aligned", True),  # L11
    }
    # Pairs touching #6-#9: L1 ✓, L2, L3, L11 ✓ (L5 internal);
    # touching #3-#5: L11 ✓, L12, L13 ✓, L14 (out of view).
    services = data["by_service"]
    assert ratio(services["billing-gateway"]["alignment"]) == (50.0, 2, 4)
    assert ratio(services["storefront-api"]["alignment"]) == (66.7, 2, 3)
    assert services["storefront-api"]["alignment"]["out_of_view"] == 1
    assert ratio(services["billing-gateway"]["completeness"]) == (0.0, 0, 4)
    assert ratio(services["storefront-api"]["completeness"]) == (0.0, 0, 3)


def test_an_owner_outside_the_bu_registry_is_unowned_and_says_why(in_tmp: Path) -> None:
    # With a registry of MARKETING-BU only, the valid-looking owners of other BUs are unowned.
    (in_tmp / "contract-gate.toml").write_text('bu-registry = ["MARKETING-BU"]\n', encoding="utf-8")
    ops = by_id(audit_json(LEGACY, "--bu", "(unowned)"))
    assert len(ops) == 14  # 19 external operations less the 5 of MARKETING-BU
    assert ops["listPaymentMethods"]["problems"] == ["owner-unknown-bu"]
    assert ops["listPaymentMethods"]["state"] == "owner not in the BU registry"
    assert ops["getReturn"]["problems"] == ["owner-unknown-bu", "slo-missing"]
    assert ops["getWishlist"]["problems"] == ["owner-missing"]


def test_include_internal_lists_internal_operations_without_counting_them() -> None:
    data = audit_json(LEGACY, "--bu", "MARKETING-BU", "--include-internal")
    ops = by_id(data)
    assert len(ops) == 6 and ops["createTier"]["internal"] and not ops["createTier"]["counted"]
    assert not ops["listTiers"]["internal"]  # x-internal: false on the operation wins
    assert ratio(data["metrics"]["completeness"]) == (100.0, 5, 5)
    assert ratio(data["by_service"]["loyalty-service"]["completeness"]) == (100.0, 3, 3)
    unowned = audit_json(LEGACY, "--bu", "(unowned)", "--include-internal")
    internal = {op["operation_id"] for op in unowned["operations"] if op["internal"]}
    assert internal == {
        "getCacheStats",
        "voidInvoice",
        "listFeatureFlags",
        "updateFeatureFlag",
        "getJob",
        "retryJob",
    }
    assert ratio(unowned["metrics"]["completeness"]) == (0.0, 0, 7)
    assert unowned["by_service"]["ops-console"]["completeness"]["percent"] is None  # n/a, not 0 or 100


def test_unknown_bu_is_an_empty_report_and_a_note() -> None:
    for fmt in ("table", "markdown", "csv", "json", "html"):
        result = invoke("audit", LEGACY, "--bu", "NOPE-BU", "--format", fmt)
        assert result.exit_code == 0
        assert "no operation is owned by BU NOPE-BU" in result.stderr
        assert all(bu in result.stderr for bu in LEGACY_BUS)
    data = audit_json(LEGACY, "--bu", "NOPE-BU")
    assert data["operations"] == [] and data["by_service"] == {} and data["known_bus"] == LEGACY_BUS
    assert (
        data["metrics"]["completeness"]["percent"] is None and data["metrics"]["alignment"]["percent"] is None
    )


def test_usage_errors_exit_2(in_tmp: Path) -> None:
    assert invoke("audit", LEGACY).exit_code == 2  # --bu is required
    assert invoke("audit", LEGACY, "--bu", "ECOM-BU", "--format", "pdf").exit_code == 2
    (in_tmp / "contract-gate.toml").write_text("no-such-key = 1\n", encoding="utf-8")
    result = invoke("audit", LEGACY, "--bu", "ECOM-BU")
    assert result.exit_code == 2 and "no-such-key" in result.stderr


# --- CSV -------------------------------------------------------------------------------------


def read_csv(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)


def test_csv_round_trips_one_row_per_operation() -> None:
    for bu, count in (
        ("ECOM-BU", 2),
        ("PAYMENTS-BU", 1),
        ("MARKETING-BU", 5),
        ("LOGISTICS-BU", 4),
        ("(unowned)", 7),
    ):
        result = invoke("audit", LEGACY, "--bu", bu, "--format", "csv")
        assert result.exit_code == 0
        assert len(read_csv(result.stdout)) == count, bu
    rows = {
        r["operation_id"]: r
        for r in read_csv(invoke("audit", LEGACY, "--bu", "(unowned)", "--format", "csv").stdout)
    }
    listing = rows["listInvoices"]
    assert (listing["service"], listing["operation"]) == ("billing-gateway", "GET /v1/invoices")
    assert (listing["owner"], listing["owner_from"], listing["owner_valid"]) == ("Payments", "info", "false")
    assert listing["owner_at"].endswith("billing-gateway.yaml#/info/x-bu-owner")
    assert (listing["slo"], listing["slo_from"], listing["slo_valid"]) == ("800", "operation", "false")
    assert listing["state"] == "owner invalid; SLO invalid"
    assert (listing["inbound"], listing["outbound"]) == ("undeclared 1", "aligned 1")  # L2 in, L1 out
    assert set(listing["findings"].split("; ")) == {"owner-invalid", "slo-invalid", "call-cycle"}
    checkout = rows["checkout"]
    assert (checkout["owner"], checkout["owner_valid"], checkout["slo"], checkout["slo_from"]) == (
        "",
        "false",
        "",
        "",
    )
    assert checkout["outbound"] == "aligned 2; undeclared 1; out-of-view 1"  # L11, L13; L12; L14
    assert checkout["callees"].splitlines() == [
        "billing-gateway POST /v1/invoices: aligned",
        "loyalty-service GET /v2/members/{memberId}/points: undeclared",
        "loyalty-service POST /v2/members/{memberId}/points/redemptions: aligned",
        "order-service createOrder: out-of-view (not counted)",
    ]


def _spec(service: str, owner: str, operations: dict[str, str]) -> str:
    paths = {
        f"/v1/{index}": {
            "get": {"operationId": op_id, "x-slo-p99": slo, "responses": {"200": {"description": "ok"}}}
        }
        for index, (op_id, slo) in enumerate(operations.items())
    }
    info = {"title": "t", "version": "1", "x-service": service, "x-bu-owner": owner}
    return json.dumps({"openapi": "3.0.3", "info": info, "paths": paths})


def test_csv_cells_cannot_become_formulas(in_tmp: Path) -> None:
    hostile = {
        '=HYPERLINK("http://example.invalid","x")': "100ms",
        "+1+1": "=1+1",
        "-2+3": "-5ms",
        "@SUM(1)": "100ms",
        'comma, "quote"\nnewline': "100ms",
        "plain-id": "100ms",
    }
    (in_tmp / "svc.json").write_text(_spec("svc", "ECOM-BU", hostile), encoding="utf-8")
    result = invoke("audit", in_tmp / "svc.json", "--bu", "ECOM-BU", "--format", "csv")
    rows = read_csv(result.stdout)
    assert len(rows) == len(hostile)
    ids = [r["operation_id"] for r in rows]
    assert ids == [
        '\'=HYPERLINK("http://example.invalid","x")',
        "'+1+1",
        "'-2+3",
        "'@SUM(1)",
        'comma, "quote"\nnewline',  # quoted by the csv module, not altered
        "plain-id",  # a '-' inside a value is left alone
    ]
    assert [r["slo"] for r in rows][1:3] == ["'=1+1", "'-5ms"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())


# --- Markdown and table ----------------------------------------------------------------------

_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def test_markdown_tables_survive_pipes_and_newlines(in_tmp: Path) -> None:
    (in_tmp / "svc.json").write_text(
        _spec("svc", "ECOM-BU", {"a|b\nc": "100ms", "ok": "1s"}), encoding="utf-8"
    )
    text = invoke("audit", in_tmp / "svc.json", "--bu", "ECOM-BU", "--format", "markdown").stdout
    ops_table = text.split("## Operations (2)")[1].strip().splitlines()
    assert len(ops_table) == 4  # header, rule, two rows
    assert {len(_CELL_SPLIT.split(line)) for line in ops_table} == {11}  # 9 cells + both edges
    assert "a\\|b<br>c" in text


def test_markdown_legacy() -> None:
    text = invoke("audit", LEGACY, "--bu", "ECOM-BU", "--format", "markdown").stdout
    assert text.startswith("# contract-gate audit: ECOM-BU\n")
    assert "| Documentation completeness | 50.0% (1/2 operations) |" in text  # #1, #2
    assert "| SLO alignment (cross-bu) | 33.3% (1/3 pairs) |" in text  # L8 ✓, L9, L10
    assert "## Pairs" in text and "**violated**" in text
    assert "`budget-infeasible`" in text and "`slo-misaligned`" in text and "`call-invalid`" in text  # C1-C3


def test_table_fits_100_columns_without_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)  # piped, the table is as wide as COLUMNS says
    result = invoke("audit", LEGACY, "--bu", "(unowned)")
    assert result.exit_code == 0
    assert "\x1b[" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 100
    assert "0.0% (0/7 operations)" in result.stdout and "42.9% (3/7 pairs), 1 out of view" in result.stdout
    for text in ("recordInvoicePayment", "out-of-view", "slo-agreement-mismatch"):
        assert text in result.stdout


def test_output_file(in_tmp: Path) -> None:
    result = invoke("audit", LEGACY, "--bu", "PAYMENTS-BU", "--format", "json", "-o", in_tmp / "a.json")
    assert result.exit_code == 0 and result.stdout == ""
    data = json.loads((in_tmp / "a.json").read_text(encoding="utf-8"))
    assert [op["operation_id"] for op in data["operations"]] == ["listPaymentMethods"]  # #10


# --- HTML ------------------------------------------------------------------------------------

SCRIPT_BU = "<script>alert(1)</script>"


def test_html_escapes_every_spec_string(in_tmp: Path) -> None:
    (in_tmp / "contract-gate.toml").write_text('bu-pattern = ".+"\n', encoding="utf-8")
    spec = _spec('<b id="svc">svc</b>', SCRIPT_BU, {'<img src=x onerror="alert(2)">': "100ms"})
    (in_tmp / "svc.json").write_text(spec, encoding="utf-8")
    result = invoke("audit", in_tmp / "svc.json", "--bu", SCRIPT_BU, "--format", "html")
    assert result.exit_code == 0
    html = result.stdout
    assert "<script" not in html.lower() and "<img" not in html.lower() and "<b id" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html
    assert "n/a" in html  # no pair: alignment n/a, not 0% or 100%


def _open(browser: Any, html_file: Path) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(html_file.as_uri())
    return page, requests


@pytest.mark.parametrize(
    ("bu", "completeness", "alignment", "pair_rows", "finding"),
    [
        ("MARKETING-BU", "100.0%", "28.6%", 9, "call-not-declared"),
        ("(unowned)", "0.0%", "42.9%", 9, "slo-agreement-mismatch"),
    ],
)
def test_html_in_chromium(
    browser: Any, tmp_path: Path, bu: str, completeness: str, alignment: str, pair_rows: int, finding: str
) -> None:
    html_file = tmp_path / "audit.html"
    result = invoke("audit", LEGACY, "--bu", bu, "--format", "html", "-o", html_file)
    assert result.exit_code == 0
    page, requests = _open(browser, html_file)
    try:
        assert page.locator("h1").inner_text() == f"Audit of {bu}"
        metric = page.locator("#metric-completeness")
        assert metric.is_visible() and completeness in metric.inner_text()
        assert alignment in page.locator("#metric-alignment").inner_text()
        rows = page.locator("#pairs tbody tr")
        assert rows.count() == pair_rows
        for index in range(pair_rows):
            row = rows.nth(index)
            status = row.locator(".pill").inner_text()
            assert row.is_visible() and status in {
                "aligned",
                "violated",
                "undeclared",
                "unresolved",
                "out-of-view",
            }
            assert row.get_attribute("class") == status  # the colour follows the status written in it
        assert page.locator("#pairs tr.violated").count() >= 1
        findings = page.locator("#findings")
        assert findings.is_visible() and finding in findings.inner_text()
        assert page.locator(".service svg").count() == len(
            json.loads(invoke("audit", LEGACY, "--bu", bu, "--format", "json").stdout)["by_service"]
        )
        # Readable on a laptop: nothing wider than the 1366 px viewport.
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        page.screenshot(path=str(tmp_path / "audit.png"), full_page=True)
    finally:
        page.close()
    assert (tmp_path / "audit.png").stat().st_size > 10_000
    assert requests and all(url.startswith("file://") for url in requests), requests


def test_table_colours_only_when_asked() -> None:
    from contract_gate.config.settings import Config
    from contract_gate.engine.checker import Settings
    from contract_gate.engine.run import run
    from contract_gate.outputs.audit import build_audit
    from contract_gate.outputs.formatters import audit_table

    report = run([LEGACY], Settings(config=Config(), ref_root=SAMPLES.resolve(), debug=False))
    model = build_audit(report, "LOGISTICS-BU")
    assert "\x1b[" in audit_table.render(model, 120)
    assert "\x1b[" not in audit_table.render(model)
