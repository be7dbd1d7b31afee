"""`contract-gate audit` read by a newcomer: thresholds with pass/fail, places, reasons, 80 columns.

Numbers come from samples/EXPECTED.md (operations #1-#19, pairs L1-L14): overall completeness
10/19, ECOM-BU 1/2 and 1/3 aligned, MARKETING-BU 5/5. The HTML page is read in Chromium.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES, invoke

from contract_gate.outputs.audit import place_text

LEGACY = SAMPLES / "legacy"
LEGACY_BUS = ["ECOM-BU", "LOGISTICS-BU", "MARKETING-BU", "PAYMENTS-BU", "(unowned)"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
SEP = "\N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}"  # between the parts of a place
# L10: storefront-api getCart calls voucher-service with the budget `100`, which has no unit.
L10_BUDGET = "/paths/~1api~1v1~1cart~1{cartId}/get/x-calls/2/x-slo-p99"


def audit_json(*args: str | Path) -> dict[str, Any]:
    result = invoke("audit", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def human(place: str) -> str:
    """A place as the audit shows it, written here with `>` between its parts."""
    return place.replace(" > ", f" {SEP} ")


def by_id(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {op["operation_id"]: op for op in data["operations"]}


def pair_to(op: dict[str, Any], direction: str, service: str, operation: str) -> dict[str, Any]:
    (pair,) = [p for p in op[direction] if (p["service"], p["operation"]) == (service, operation)]
    return pair


# --- places ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pointer", "shown"),
    [
        ("/paths/~1v1~1orders/post/x-slo-p99", human("POST /v1/orders > x-slo-p99")),
        ("/info/x-bu-owner", human("info > x-bu-owner")),
        ("/x-slo-p99", "x-slo-p99"),
        ("/paths/~1v1~1orders~1{id}/x-slo-p99", human("/v1/orders/{id} > x-slo-p99")),  # a path item
        ("/paths/~1v1~1orders/get/x-calls/1/x-slo-p99", human("GET /v1/orders > x-calls[1] > x-slo-p99")),
        (
            "/components/schemas/Order~1Line/properties/a~0b",
            human("components > schemas > Order/Line > properties > a~b"),
        ),
        ("/paths/~1v1~1x/parameters/0", human("/v1/x > parameters[0]")),  # not a method: no upper case
        ("", "(document)"),
    ],
)
def test_a_place_reads_as_people_write_it(pointer: str, shown: str) -> None:
    assert place_text(pointer) == shown


def test_markdown_shows_places_humanly() -> None:
    text = invoke("audit", LEGACY, "--bu", "ECOM-BU", "--format", "markdown").stdout
    findings = text.split("## Findings")[1]
    # C3 (call-invalid) and F3 (slo-missing), in their rows; `[` is escaped for Markdown.
    (c3,) = [line for line in findings.splitlines() if "`call-invalid`" in line]
    c3_place = human(r"GET /api/v1/cart/{cartId} > x-calls\[2\] > x-slo-p99")
    assert f"| {c3_place} |" in c3
    assert "| POST /api/v1/cart/{cartId}/items |" in findings
    assert "~1" not in text
    unowned = invoke("audit", LEGACY, "--bu", "(unowned)", "--format", "markdown").stdout
    assert f"| {human('info > x-bu-owner')} |" in unowned.split("## Findings")[1]  # F6, inherited from info


def test_json_and_csv_keep_the_raw_pointers() -> None:
    data = audit_json(LEGACY, "--bu", "ECOM-BU")
    assert L10_BUDGET in {f["pointer"] for op in data["operations"] for f in op["findings"]}
    assert by_id(data)["getCart"]["owner"]["pointer"] == "/paths/~1api~1v1~1cart~1{cartId}/get/x-bu-owner"
    csv_text = invoke("audit", LEGACY, "--bu", "ECOM-BU", "--format", "csv").stdout
    assert "storefront-api.yaml#/paths/~1api~1v1~1cart~1{cartId}/get/x-slo-p99" in csv_text


# --- why a pair is not aligned ---------------------------------------------------------------


def test_each_pair_says_why_it_is_not_aligned() -> None:
    ecom = by_id(audit_json(LEGACY, "--bu", "ECOM-BU"))["getCart"]
    l8 = pair_to(ecom, "outbound", "billing-gateway", "GET /v1/payment-methods")
    assert l8["status"] == "aligned" and l8["reason"] is None
    l10 = pair_to(ecom, "outbound", "voucher-service", "GET /v1/vouchers/{voucherCode}")
    assert l10["status"] == "undeclared" and l10["budget"] == "100"
    assert 'x-slo-p99 100 has no unit; write "100ms" (call-invalid)' in l10["reason"]
    l9 = pair_to(ecom, "outbound", "loyalty-service", "GET /v2/members/{memberId}/points")
    assert "but it promises 2s (slo-misaligned)" in l9["reason"]
    unowned = by_id(audit_json(LEGACY, "--bu", "(unowned)"))
    # L2: the callee's own p99 (`800`, a YAML number) is what is missing a unit; no call finding.
    l2 = pair_to(unowned["listInvoices"], "inbound", "loyalty-service", "GET /v2/members/{memberId}/points")
    assert l2["status"] == "undeclared"
    assert l2["reason"] == 'the callee\'s x-slo-p99 800 has no unit; write "800ms" (slo-invalid)'
    # L12: listed by the callee only.
    l12 = pair_to(unowned["checkout"], "outbound", "loyalty-service", "GET /v2/members/{memberId}/points")
    assert "does not declare the call in x-calls (call-not-declared)" in l12["reason"]
    logistics = by_id(audit_json(LEGACY, "--bu", "LOGISTICS-BU"))["createReturn"]
    l6 = pair_to(logistics, "outbound", "billing-gateway", "createCreditNote")
    assert l6["status"] == "unresolved" and l6["reason"].endswith("(call-unresolved)")


def test_the_reason_remains_when_its_rule_is_off(in_tmp: Path) -> None:
    (in_tmp / "contract-gate.toml").write_text('[rules]\ncall-invalid = "off"\n', encoding="utf-8")
    ecom = by_id(audit_json(LEGACY, "--bu", "ECOM-BU"))["getCart"]
    l10 = pair_to(ecom, "outbound", "voucher-service", "GET /v1/vouchers/{voucherCode}")
    assert l10["status"] == "undeclared"
    assert l10["reason"] == "the budget, the callee's p99 or the agreed value is missing or invalid"


# --- thresholds ------------------------------------------------------------------------------


def test_json_holds_the_bu_and_the_estate_to_the_thresholds() -> None:
    gate = audit_json(LEGACY, "--bu", "MARKETING-BU")["gate"]
    assert gate["completeness"] == {
        "key": "min-completeness",
        "threshold": 95.0,
        "bu": "pass",  # 5/5
        "overall": "fail",  # 10/19
    }
    assert gate["alignment"] == {"key": "min-alignment", "threshold": 90.0, "bu": "fail", "overall": "fail"}
    assert (gate["overall"]["completeness"]["numerator"], gate["overall"]["completeness"]["denominator"]) == (
        10,
        19,
    )
    nobody = audit_json(LEGACY, "--bu", "NOPE-BU")["gate"]
    assert (nobody["completeness"]["bu"], nobody["alignment"]["bu"]) == ("n/a", "n/a")


def test_thresholds_are_compared_on_exact_counts() -> None:
    # 10/19 is 52.63...%: it meets 52.63 and misses 52.64, though both read "52.6%".
    met = audit_json(LEGACY, "--bu", "ECOM-BU", "--min-completeness", "52.63")["gate"]["completeness"]
    missed = audit_json(LEGACY, "--bu", "ECOM-BU", "--min-completeness", "52.64")["gate"]["completeness"]
    assert (met["overall"], missed["overall"]) == ("pass", "fail")
    # ECOM-BU's 1/2 is exactly 50: at the threshold passes.
    at = audit_json(LEGACY, "--bu", "ECOM-BU", "--min-completeness", "50")["gate"]["completeness"]
    assert (at["threshold"], at["bu"]) == (50.0, "pass")


def test_markdown_shows_thresholds_with_pass_and_fail() -> None:
    text = invoke("audit", LEGACY, "--bu", "MARKETING-BU", "--format", "markdown").stdout
    assert (
        "| `min-completeness` 95% | **PASS** 100.0% (5/5 operations) | **FAIL** 52.6% (10/19 operations) |"
        in text
    )
    assert "| `min-alignment` 90% | **FAIL** 28.6% (2/7 pairs) | **FAIL** 40.0% (4/10 pairs) |" in text
    nobody = invoke("audit", LEGACY, "--bu", "NOPE-BU", "--format", "markdown").stdout
    assert "| `min-completeness` 95% | n/a (no operations) | **FAIL** 52.6% (10/19 operations) |" in nobody


# --- the table at 80 columns -----------------------------------------------------------------


def _words_whole(text: str, words: set[str]) -> set[str]:
    """The words of `words` found whole on no line (between spaces, commas or brackets)."""
    tokens = {token for line in text.splitlines() for token in re.split(r"[\s,;()]+", line)}
    return words - tokens


@pytest.mark.parametrize("bu", LEGACY_BUS)
def test_table_at_80_columns_never_splits_a_word(bu: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = audit_json(LEGACY, "--bu", bu, "--include-internal")
    monkeypatch.setenv("COLUMNS", "80")
    result = invoke("audit", LEGACY, "--bu", bu, "--include-internal")
    assert result.exit_code == 0
    text = result.stdout
    assert "\x1b[" not in text and max(len(line) for line in text.splitlines()) <= 80
    findings = [f for op in data["operations"] for f in op["findings"]]
    assert data["operations"]
    words = {f["rule"] for f in findings}
    words |= {f"{f['file']}:{f['line']}" for f in findings}
    words |= {op["operation"].split(" ")[1] for op in data["operations"]}  # the paths
    words |= {op["operation_id"] for op in data["operations"] if op["operation_id"]}
    assert _words_whole(text, words) == set()
    assert "min-completeness 95%" in text and "FAIL" in text


def test_table_in_an_80_column_terminal_keeps_words_and_says_why() -> None:
    from contract_gate.config.settings import Config
    from contract_gate.engine.checker import Settings
    from contract_gate.engine.run import run
    from contract_gate.outputs.audit import build_audit
    from contract_gate.outputs.formatters import audit_table

    report = run([LEGACY], Settings(config=Config(), ref_root=SAMPLES.resolve(), debug=False))
    text = ANSI.sub("", audit_table.render(build_audit(report, "ECOM-BU"), 80))
    assert max(len(line) for line in text.splitlines()) <= 80
    assert _words_whole(text, {"budget-infeasible", "slo-misaligned", "call-invalid", "slo-missing"}) == set()
    # L10's reason, wrapped between words, and the places of its findings.
    flat = " ".join(text.split())
    assert "undeclared, sync · B 100 / C 150ms / A — why: budget of the call to voucher-service:" in flat
    assert 'x-slo-p99 100 has no unit; write "100ms" (call-invalid)' in flat
    assert human("storefront-api.yaml:34 GET /api/v1/cart/{cartId} > x-calls[2] > x-slo-p99") in flat
    assert "~1" not in text
    assert "min-completeness 95% │ FAIL 50.0% (1/2 ops) │ FAIL 52.6% (10/19 ops)" in flat


# --- HTML in Chromium ------------------------------------------------------------------------


def _page(browser: Any, html_file: Path) -> Any:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(html_file.as_uri())
    return page


def test_html_shows_thresholds_pass_fail_places_and_reasons(browser: Any, tmp_path: Path) -> None:
    html_file = tmp_path / "ecom.html"
    assert invoke("audit", LEGACY, "--bu", "ECOM-BU", "--format", "html", "-o", html_file).exit_code == 0
    page = _page(browser, html_file)
    try:
        completeness = page.locator("#threshold-min-completeness")
        assert completeness.is_visible()
        assert "min-completeness 95%" in completeness.inner_text()
        assert " ".join(completeness.locator("td.bu").inner_text().split()) == "FAIL 50.0% (1/2 operations)"
        assert " ".join(completeness.locator("td.overall").inner_text().split()) == (
            "FAIL 52.6% (10/19 operations)"
        )
        alignment = page.locator("#threshold-min-alignment")
        assert "min-alignment 90%" in alignment.inner_text()
        assert " ".join(alignment.locator("td.bu").inner_text().split()) == "FAIL 33.3% (1/3 pairs)"
        assert "FAIL" in page.locator("#metric-completeness .gate").inner_text()
        # Places as people read them, the raw pointer in the tooltip; no escaped pointer shown.
        body = page.locator("body").inner_text()
        assert "~1" not in body
        owner = page.locator("#operations tbody tr").first.locator("td").nth(1).locator(".place")
        assert owner.inner_text() == human("GET /api/v1/cart/{cartId} > x-bu-owner")
        assert owner.get_attribute("title") == "/paths/~1api~1v1~1cart~1{cartId}/get/x-bu-owner"
        budget = page.locator(f'#findings .place[title="{L10_BUDGET}"]')
        assert budget.is_visible() and budget.inner_text() == human(
            "GET /api/v1/cart/{cartId} > x-calls[2] > x-slo-p99"
        )
        # L10: undeclared, and why.
        l10 = page.locator("#pairs tbody tr", has_text="voucher-service")
        assert l10.locator(".pill").inner_text() == "undeclared"
        why = l10.locator("td.why")
        assert (
            why.is_visible() and 'x-slo-p99 100 has no unit; write "100ms" (call-invalid)' in why.inner_text()
        )
        aligned = page.locator("#pairs tbody tr.aligned").first.locator("td.why")
        assert aligned.inner_text() == ""
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    finally:
        page.close()


def test_html_pass_and_fail_look_different(browser: Any, tmp_path: Path) -> None:
    html_file = tmp_path / "marketing.html"
    result = invoke("audit", LEGACY, "--bu", "MARKETING-BU", "--format", "html", "-o", html_file)
    assert result.exit_code == 0
    page = _page(browser, html_file)
    try:
        row = page.locator("#threshold-min-completeness")
        passed, failed = row.locator("td.bu .outcome"), row.locator("td.overall .outcome")
        assert (passed.inner_text(), failed.inner_text()) == ("PASS", "FAIL")  # MARKETING 5/5; overall 10/19
        colour = "el => getComputedStyle(el).color"
        assert passed.is_visible() and failed.is_visible()
        assert passed.evaluate(colour) != failed.evaluate(colour)
    finally:
        page.close()
