"""`contract-gate audit --prometheus`: observed p99 next to declared, against a real Prometheus.

The `prometheus` fixture (conftest.py, data in prometheus_data.py) serves the traffic whose p99s
samples/EXPECTED.md ("Declared against observed") works out by hand. MARKETING-BU: getPointsBalance
1750ms (SLO 2s, met), redeemPoints 1750ms (1.5s, breached), listTiers 375ms (2s, met),
issueVoucher 437.5ms (400ms, breached), getVoucher 75ms (150ms, met): conformance 3/5 = 60.0%;
budgets breached: L2 (getPointsBalance → listInvoices, 1s), L9 (getCart → getPointsBalance, 200ms),
L13 (checkout → redeemPoints, 1.5s).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES, invoke
from prometheus_data import AT, TRAFFIC, WINDOW, free_port, p99_ms

LEGACY = SAMPLES / "legacy"
BU = "MARKETING-BU"
LOYALTY, VOUCHER = "loyalty-service", "voucher-service"
POINTS = "GET /v2/members/{memberId}/points"
REDEEM = "POST /v2/members/{memberId}/points/redemptions"
# (service, operation): (declared, observed ms by construction, meets the SLO)
MARKETING = {
    (LOYALTY, POINTS): ("2s", 1750.0, True),
    (LOYALTY, REDEEM): ("1.5s", 1750.0, False),
    (LOYALTY, "GET /v2/tiers"): ("2s", 375.0, True),
    (VOUCHER, "POST /v1/vouchers"): ("400ms", 437.5, False),
    (VOUCHER, "GET /v1/vouchers/{voucherCode}"): ("150ms", 75.0, True),
}
# (operation, direction, other service, other operation): budget breached (L2, L9, L13).
BREACHED_BUDGETS = {
    (POINTS, "outbound", "billing-gateway", "GET /v1/invoices"),
    (POINTS, "inbound", "storefront-api", "GET /api/v1/cart/{cartId}"),
    (REDEEM, "inbound", "storefront-api", "POST /api/v1/checkout"),
}


def audit(url: str, *args: str | Path) -> tuple[int, str, str]:
    result = invoke(
        "audit",
        LEGACY,
        "--bu",
        BU,
        "--prometheus",
        url,
        "--window",
        WINDOW,
        "--at",
        str(AT),
        "--no-cache",
        *args,
    )
    return result.exit_code, result.stdout, result.stderr


def test_json_has_the_hand_computed_p99s_conformance_and_breached_budgets(
    prometheus: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(SAMPLES)
    code, out, _ = audit(prometheus, "--format", "json")
    assert code == 0
    data: dict[str, Any] = json.loads(out)
    rows = {(op["service"], op["operation"]): op["observed"] for op in data["operations"]}
    assert set(rows) == set(MARKETING)
    redeem = TRAFFIC[(LOYALTY, "POST", "/v2/members/{memberId}/points/redemptions")]
    assert redeem is not None and p99_ms(*redeem) == 1750.0  # the data is what EXPECTED.md says
    for key, (declared, observed, meets) in MARKETING.items():
        row = rows[key]
        assert row["p99_ms"] == pytest.approx(observed, abs=1e-6), key
        assert (row["declared"], row["meets_slo"], row["status"]) == (
            declared,
            meets,
            "met" if meets else "breached",
        )
    summary = data["observed"]
    assert (summary["window"], summary["at"], summary["server"]) == (
        WINDOW,
        "2024-06-01T02:00:00Z",
        prometheus,
    )
    assert summary["conformance"] == {"percent": 60.0, "numerator": 3, "denominator": 5}
    assert summary["overall"] == {"percent": 63.6, "numerator": 7, "denominator": 11}
    assert {k: (v["numerator"], v["denominator"]) for k, v in summary["by_service"].items()} == {
        LOYALTY: (2, 3),
        VOUCHER: (1, 2),
    }
    breached = {
        (op["operation"], direction, pair["service"], pair["operation"])
        for op in data["operations"]
        for direction in ("inbound", "outbound")
        for pair in op[direction]
        if pair["observed"]["budget_breached"]
    }
    assert breached == BREACHED_BUDGETS
    (points,) = [op for op in data["operations"] if op["operation"] == POINTS]
    (l9,) = [p for p in points["inbound"] if p["operation"] == "GET /api/v1/cart/{cartId}"]
    assert (l9["budget"], l9["commitment"], l9["observed"]["callee_p99"]) == ("200ms", "2s", "1.75s")


def test_an_operation_without_data_or_without_an_slo_says_why(
    prometheus: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(SAMPLES)
    code, out, _ = audit(prometheus, "--format", "json", "--bu", "(unowned)", "--include-internal")
    assert code == 0
    data = json.loads(out)
    rows = {(op["service"], op["operation"]): op["observed"] for op in data["operations"]}
    wishlist = rows[("storefront-api", "GET /api/v1/wishlist")]
    assert (wishlist["p99_ms"], wishlist["status"], wishlist["why"]) == (
        None,
        "no-data",
        "no requests in the window",
    )
    invoices = rows[("billing-gateway", "GET /v1/invoices")]  # its `800` is invalid, measured for L2
    assert (invoices["p99_ms"], invoices["meets_slo"], invoices["status"]) == (1750.0, None, "no-slo")
    flags = rows[("ops-console", "GET /ops/v1/feature-flags")]  # no service op has an SLO
    assert (flags["p99_ms"], flags["status"]) == (None, "not-queried")
    assert "not queried" in flags["why"]
    assert data["observed"]["conformance"] == {"percent": 50.0, "numerator": 1, "denominator": 2}


def test_markdown_shows_observed_next_to_declared(prometheus: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SAMPLES)
    code, out, _ = audit(prometheus, "--format", "markdown")
    assert code == 0
    assert "| SLO conformance | 60.0% (3/5 operations meet their SLO) |" in out
    assert "| SLO conformance, overall | 63.6% (7/11 operations meet their SLO) |" in out
    header = "| service | operation | operationId | owner | SLO p99 | observed p99 | state |"
    assert header in out
    assert "| voucher-service | POST /v1/vouchers | issueVoucher | MARKETING-BU (info) | 400ms (operation)" \
        " | **437.5ms (breached)** |" in out  # fmt: skip
    assert "| 150ms (operation) | 75ms (met) |" in out
    assert "| **violated** | 200ms | 2s | 250ms | **1.75s, budget breached** |" in out  # L9


def test_csv_adds_the_observed_columns_at_the_end(prometheus: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SAMPLES)
    code, out, _ = audit(prometheus, "--format", "csv")
    assert code == 0
    plain = invoke("audit", LEGACY, "--bu", BU, "--format", "csv", "--no-cache").stdout
    header, observed_header = plain.splitlines()[0], out.splitlines()[0]
    assert (
        observed_header
        == header + ",observed_p99_ms,observed_status,slo_met,callers_observed,callees_observed"
    )
    rows = {(r["service"], r["operation"]): r for r in csv.DictReader(io.StringIO(out))}
    for key, (declared, observed, meets) in MARKETING.items():
        row = rows[key]
        assert (row["slo"], row["observed_p99_ms"], row["slo_met"]) == (
            declared,
            f"{observed:g}",
            "true" if meets else "false",
        )
    assert rows[(LOYALTY, POINTS)]["callees_observed"] == (
        "billing-gateway GET /v1/invoices: budget 1s, observed 1.75s, budget breached"
    )


def test_html_in_chromium_shows_observed_next_to_declared(
    prometheus: str, monkeypatch: pytest.MonkeyPatch, browser: Any, tmp_path: Path
) -> None:
    monkeypatch.chdir(SAMPLES)
    html_file = tmp_path / "marketing.html"
    code, _, _ = audit(prometheus, "--format", "html", "-o", html_file)
    assert code == 0
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(html_file.as_uri())
    try:
        metric = page.locator("#metric-conformance")
        assert metric.is_visible() and metric.locator(".value").inner_text() == "60.0%"
        header = page.locator("#operations thead th").all_inner_texts()
        slo = header.index("SLO p99")
        assert header[slo + 1] == "Observed p99"
        row = page.locator("#operations tbody tr", has_text="issueVoucher")
        cells = row.locator("td")
        assert cells.nth(slo).inner_text().startswith("400ms")
        observed = cells.nth(slo + 1)
        assert observed.is_visible()
        assert " ".join(observed.inner_text().split()) == "437.5ms breached, declared 400ms"
        colour = "el => getComputedStyle(el).color"
        met = page.locator("#operations tbody tr", has_text="getVoucher").locator("td.observed span").first
        assert observed.locator("span").first.evaluate(colour) != met.evaluate(colour)
        l9 = page.locator("#pairs tbody tr", has_text="storefront-api").filter(has_text="200ms").first
        assert l9.locator("td.observed").is_visible()
        assert " ".join(l9.locator("td.observed").inner_text().split()) == "1.75s budget breached"
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    finally:
        page.close()


def test_table_shows_conformance_and_observed(prometheus: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SAMPLES)
    monkeypatch.setenv("COLUMNS", "100")
    code, out, _ = audit(prometheus)
    assert code == 0
    assert "SLO conformance             60.0% (3/5 operations meet their SLO)" in out
    assert "observed   437.5ms (breached)" in out
    assert "B 200ms / C 2s / A 250ms / O 1.75s, budget breached" in out


def test_a_server_that_is_down_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SAMPLES)
    url = f"http://127.0.0.1:{free_port()}"
    result = invoke("audit", LEGACY, "--bu", BU, "--prometheus", url, "--no-cache")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert (
        result.stderr
        == f"contract-gate: error: cannot reach {url}: connection refused (is Prometheus running there?)\n"
    )


def test_one_query_per_service_for_the_whole_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import counting_server

    body = b'{"status": "success", "data": {"resultType": "vector", "result": []}}'
    monkeypatch.chdir(SAMPLES)
    with counting_server(body) as (url, hits):
        result = invoke(
            "audit", LEGACY, "--bu", "(unowned)", "--prometheus", url, "--no-cache", "--format", "json"
        )
    assert result.exit_code == 0
    assert hits == ["POST /api/v1/query"] * 5  # the 5 services with an SLO or a budgeted callee
