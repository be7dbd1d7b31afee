"""`contract-gate observe` against a real Prometheus on 127.0.0.1 (Debian's, from `make test-deps`).

Its TSDB is backfilled with `promtool tsdb create-blocks-from openmetrics` from histograms whose
p99 is known by construction (prometheus_data.py, samples/EXPECTED.md, "Declared against
observed"); the `prometheus` fixture is in conftest.py. Also: a server that is down,
one that answers garbage, one that answers an error, and one that never answers.
"""

from __future__ import annotations

import http.server
import json
import subprocess
import threading
import time
from pathlib import Path

import pytest
from conftest import SAMPLES, invoke
from prometheus_client.parser import text_string_to_metric_families
from prometheus_data import AT, TRAFFIC, WINDOW, free_port, p99_ms, tool

LEGACY = SAMPLES / "legacy"


def observe(url: str, *args: str | Path) -> tuple[int, str, str]:
    result = invoke("observe", *args, "--prometheus", url, "--window", WINDOW, "--at", str(AT), "--no-cache")
    return result.exit_code, result.stdout, result.stderr


def observe_json(url: str, *args: str | Path) -> tuple[int, dict[str, object]]:
    code, out, _ = observe(url, LEGACY, "--format", "json", *args)
    return code, json.loads(out)


# samples/EXPECTED.md, "Declared against observed".
BREACHED = {
    ("storefront-api", "DELETE /api/v1/cart/{cartId}/items/{itemId}", "legacy/storefront-api.yaml", 70),
    ("loyalty-service", "POST /v2/members/{memberId}/points/redemptions", "legacy/loyalty-service.yaml", 47),
    ("returns-service", "GET /v1/returns", "legacy/returns-service.yml", 12),
    ("voucher-service", "POST /v1/vouchers", "legacy/voucher-service.yaml", 12),
}
UNOBSERVED = {
    ("storefront-api", "GET /api/v1/wishlist", "legacy/storefront-api.yaml", 93),
    ("returns-service", "GET /v1/returns/{rmaId}/label", "legacy/returns-service.yml", 90),
    # internal (its path item says so), yet it inherits the root's 2s: measured, never counted
    ("loyalty-service", "POST /v2/tiers", "legacy/loyalty-service.yaml", 105),
}
BUDGETS = {
    ("storefront-api", "GET /api/v1/cart/{cartId}", "legacy/storefront-api.yaml", 31),
    ("storefront-api", "POST /api/v1/checkout", "legacy/storefront-api.yaml", 124),
    ("loyalty-service", "GET /v2/members/{memberId}/points", "legacy/loyalty-service.yaml", 27),
}
CONFORMANCE = {"overall": (7, 11)}
BY_BU = {
    "ECOM-BU": (1, 1),
    "(unowned)": (1, 2),
    "PAYMENTS-BU": (1, 1),
    "MARKETING-BU": (3, 5),
    "LOGISTICS-BU": (1, 2),
}
BY_SERVICE = {
    "storefront-api": (1, 2),
    "billing-gateway": (2, 2),
    "loyalty-service": (2, 3),
    "returns-service": (1, 2),
    "voucher-service": (1, 2),
}


def test_legacy_findings_and_conformance_are_the_hand_computed_ones(
    prometheus: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(SAMPLES)
    code, report = observe_json(prometheus)
    assert code == 1
    findings = report["findings"]
    assert isinstance(findings, list)

    def of(rule: str) -> set[tuple[str, str, str, int]]:
        return {(f["service"], f["operation"], f["file"], f["line"]) for f in findings if f["rule"] == rule}

    assert of("slo-breached") == BREACHED
    assert of("slo-unobserved") == UNOBSERVED
    assert of("budget-breached") == BUDGETS
    assert len(findings) == len(BREACHED) + len(UNOBSERVED) + len(BUDGETS)
    assert all(f["column"] is not None for f in findings)
    conformance = report["conformance"]
    assert isinstance(conformance, dict)
    overall = conformance["overall"]
    assert (overall["numerator"], overall["denominator"], overall["percent"]) == (7, 11, 63.6)
    assert {k: (v["numerator"], v["denominator"]) for k, v in conformance["by_bu"].items()} == BY_BU
    assert {k: (v["numerator"], v["denominator"]) for k, v in conformance["by_service"].items()} == BY_SERVICE
    rows = {(r["service"], r["operation"]): r for r in report["operations"]}  # type: ignore[union-attr]
    assert len(rows) == 14  # every operation with a valid x-slo-p99: 13 external and createTier
    for (service, method, route), shape in TRAFFIC.items():
        row = rows.get((service, f"{method} {route}"))
        if row is None:
            continue  # listInvoices: its x-slo-p99 is invalid, it is measured for L2's budget only
        expected = None if shape is None else pytest.approx(p99_ms(*shape), abs=1e-6)
        assert row["observed_ms"] == expected, (service, method, route)
    assert rows[("returns-service", "GET /v1/returns/{rmaId}/label")]["status"] == "unobserved"


def test_text_report_shows_findings_with_places_and_the_numbers(
    prometheus: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(SAMPLES)
    code, out, _ = observe(prometheus, LEGACY)
    assert code == 1
    assert (
        "legacy/storefront-api.yaml:31:22: error [budget-breached] storefront-api GET /api/v1/cart/{cartId}"
        in out
    )
    assert "but its observed p99 over 1h is 1.75s" in out
    assert "legacy/voucher-service.yaml:12:" in out and "observed p99 437.5ms over 1h is above" in out
    assert "warning [slo-unobserved]" in out
    assert "SLO conformance: 63.6% (7/11 operations meet their SLO), 2 without data" in out
    assert "MARKETING-BU 60.0% (3/5)" in out
    assert "contract-gate observe: FAILED" in out


def test_milliseconds_histogram_and_fail_on(prometheus: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SAMPLES)
    voucher = LEGACY / "voucher-service.yaml"
    args = ("--histogram", "http_server_duration_milliseconds", "--histogram-unit", "milliseconds")
    code, out, _ = observe(prometheus, voucher, "--format", "json", *args)
    rows = {r["operation"]: r["observed_ms"] for r in json.loads(out)["operations"]}
    assert rows == {
        "POST /v1/vouchers": pytest.approx(437.5),
        "GET /v1/vouchers/{voucherCode}": pytest.approx(75),
    }
    assert code == 1
    # With slo-breached off only warnings (slo-unobserved) are left: exit 0, and 1 with --fail-on warning.
    returns = LEGACY / "returns-service.yml"
    config = Path("observe-test.toml")
    monkeypatch.chdir(Path(__file__).parent)
    Path(config).write_text('[rules]\nslo-breached = "off"\n', encoding="utf-8")
    try:
        assert invoke("--config", config, "observe", returns, "--prometheus", prometheus, "--window", WINDOW,
                      "--at", str(AT), "--no-cache").exit_code == 0  # fmt: skip
        assert invoke("--config", config, "observe", returns, "--prometheus", prometheus, "--window", WINDOW,
                      "--at", str(AT), "--no-cache", "--fail-on", "warning").exit_code == 1  # fmt: skip
    finally:
        config.unlink()


def test_prometheus_format_passes_promtool_and_holds_the_numbers(
    prometheus: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(SAMPLES)
    code, out, _ = observe(prometheus, LEGACY, "--format", "prometheus")
    assert code == 1
    checked = subprocess.run(
        [tool("promtool"), "check", "metrics"], input=out, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(out)
        for s in family.samples
    }
    assert samples[("contract_gate_slo_conformance_ratio", (("bu", ""), ("service", "")))] == pytest.approx(
        7 / 11
    )
    assert samples[("contract_gate_slo_conformance_ratio", (("bu", "MARKETING-BU"), ("service", "")))] == 0.6
    key = (("bu", "MARKETING-BU"), ("operation", "POST /v1/vouchers"), ("service", "voucher-service"))
    assert samples[("contract_gate_observed_p99_seconds", key)] == pytest.approx(0.4375)
    assert samples[("contract_gate_declared_p99_seconds", key)] == pytest.approx(0.4)
    wishlist = (("bu", "(unowned)"), ("operation", "GET /api/v1/wishlist"), ("service", "storefront-api"))
    assert ("contract_gate_observed_p99_seconds", wishlist) not in samples  # no data, no sample
    assert samples[("contract_gate_observe_passed", ())] == 0


@pytest.mark.parametrize("fmt", ["sarif", "junit", "github", "gitlab", "markdown"])
def test_every_check_format_carries_the_observe_findings(
    prometheus: str, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.chdir(SAMPLES)
    code, out, _ = observe(prometheus, LEGACY, "--format", fmt)
    assert code == 1
    for rule in ("slo-breached", "slo-unobserved", "budget-breached"):
        assert rule in out, (fmt, rule)
    if fmt == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        assert len(results) == 10
        assert all(r["locations"][0]["physicalLocation"]["region"]["startLine"] > 1 for r in results)


def _server(
    answer: bytes, status: int = 200, delay: float = 0.0
) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            time.sleep(delay)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


@pytest.mark.parametrize(
    ("answer", "status", "delay", "expected"),
    [
        (b"<html>hello</html>", 200, 0.0, "is not a Prometheus answer: not JSON"),
        (b'{"status": "success", "data": {"resultType": "matrix", "result": []}}', 200, 0.0, '"vector"'),
        (b'{"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}}]}}', 200, 0.0,
         'a series without "metric" labels'),
        (b'{"status": "error", "errorType": "bad_data", "error": "parse error"}', 400, 0.0,
         "answered HTTP 400 Bad Request to 'histogram_quantile(0.99"),
        (b"{}", 401, 0.0, "answered HTTP 401 Unauthorized (set CONTRACT_GATE_PROMETHEUS_TOKEN"),
        (b"{}", 200, 3.0, "did not answer within 0.5s"),
    ],
)  # fmt: skip
def test_a_server_that_is_not_prometheus_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, answer: bytes, status: int, delay: float, expected: str
) -> None:
    monkeypatch.chdir(SAMPLES)
    httpd, url = _server(answer, status, delay)
    try:
        result = invoke("observe", LEGACY, "--prometheus", url, "--timeout", "0.5", "--no-cache")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("contract-gate: error: "), result.stderr
    assert expected in lines[0] and "Traceback" not in result.stderr
    assert url in lines[0] or "answer of" in lines[0]


def test_a_server_that_is_down_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SAMPLES)
    url = f"http://127.0.0.1:{free_port()}"
    result = invoke("observe", LEGACY, "--prometheus", url, "--no-cache")
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"contract-gate: error: cannot reach {url}: connection refused (is Prometheus running there?)\n"
    )


def test_the_bearer_token_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str | None] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen.append(self.headers.get("Authorization"))
            body = b'{"status": "success", "data": {"resultType": "vector", "result": []}}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setenv("CONTRACT_GATE_PROMETHEUS_TOKEN", "s3cret")
    monkeypatch.chdir(SAMPLES)
    try:
        result = invoke(
            "observe", LEGACY, "--prometheus", f"http://127.0.0.1:{httpd.server_address[1]}", "--no-cache"
        )
    finally:
        httpd.shutdown()
        httpd.server_close()
    # One query per service with an SLO or a measured callee: 5 (ops-console has neither).
    assert seen == ["Bearer s3cret"] * 5
    assert result.exit_code == 0  # no data at all: 14 slo-unobserved warnings, nothing at fail-on error
