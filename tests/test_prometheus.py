"""Prometheus: `score --format prometheus | --textfile | --pushgateway` and `prometheus-rules`.

Checked with the real tools: a Pushgateway on 127.0.0.1, `promtool check metrics`, `promtool
check rules` and `promtool test rules`. Expected numbers come from samples/EXPECTED.md.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SAMPLES, invoke
from prometheus_client.parser import text_string_to_metric_families

from contract_gate import __version__

LEGACY = SAMPLES / "legacy"
ESTATE = SAMPLES / "estate"
P = "contract_gate_"

# samples/EXPECTED.md, samples/legacy, scope cross-bu: (documented, external, aligned, in scope, out of view).
OVERALL = (10, 19, 4, 10, 2)
BY_BU = {
    "ECOM-BU": (1, 2, 1, 3, 0),
    "PAYMENTS-BU": (1, 1, 1, 1, 0),
    "MARKETING-BU": (5, 5, 2, 7, 0),
    "LOGISTICS-BU": (3, 4, 0, 1, 1),
    "(unowned)": (0, 7, 3, 7, 1),
}
BY_SERVICE = {
    "storefront-api": (1, 5, 3, 6, 1),
    "billing-gateway": (1, 5, 3, 6, 0),
    "loyalty-service": (3, 3, 2, 6, 0),
    "ops-console": (0, 0, 0, 0, 0),
    "returns-service": (3, 4, 0, 1, 1),
    "voucher-service": (2, 2, 0, 1, 0),
}
FINDINGS_BY_RULE = {
    "owner-missing": 2,
    "owner-invalid": 2,
    "slo-missing": 3,
    "slo-invalid": 3,
    "slo-misaligned": 1,
    "slo-agreement-mismatch": 2,
    "call-not-declared": 1,
    "call-invalid": 1,
    "call-unresolved": 1,
    "call-out-of-view": 2,
    "budget-infeasible": 1,
    "budget-overcommitted": 1,
    "call-cycle": 1,
    "threshold-completeness": 1,
    "threshold-alignment": 1,
}
PAIRS = {"aligned": 6, "violated": 2, "undeclared": 3, "unresolved": 1, "out-of-view": 2}

Samples = list[tuple[str, dict[str, str], float]]


def tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is not installed: run `make test-deps`"
    return found


def parse(text: str) -> Samples:
    return [
        (sample.name, dict(sample.labels), sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    ]


def values(samples: Samples, name: str, ignore: frozenset[str] = frozenset(), **labels: str) -> list[float]:
    """Values of `name` whose labels are exactly `labels` (absent = empty), labels in `ignore` aside."""
    found = []
    for sample_name, sample_labels, value in samples:
        keys = (set(sample_labels) | set(labels)) - ignore
        if sample_name == name and all(sample_labels.get(k, "") == labels.get(k, "") for k in keys):
            found.append(value)
    return found


def one(samples: Samples, name: str, ignore: frozenset[str] = frozenset(), **labels: str) -> float:
    found = values(samples, name, ignore, **labels)
    assert len(found) == 1, (name, labels, found)
    return found[0]


def assert_legacy_numbers(samples: Samples, ignore: frozenset[str] = frozenset()) -> None:
    groups = [({}, OVERALL)]
    groups += [({"bu": bu}, expected) for bu, expected in BY_BU.items()]
    groups += [({"service": service}, expected) for service, expected in BY_SERVICE.items()]
    for labels, (documented, external, aligned, scoped, out_of_view) in groups:
        got = {
            name: one(samples, P + name, ignore, **labels)
            for name in ("documented_operations", "external_operations", "aligned_pairs", "scoped_pairs")
        }
        assert got == {
            "documented_operations": documented,
            "external_operations": external,
            "aligned_pairs": aligned,
            "scoped_pairs": scoped,
        }, labels
        assert one(samples, P + "out_of_view_pairs", ignore, **labels) == out_of_view, labels
        completeness = values(samples, P + "completeness_ratio", ignore, **labels)
        alignment = values(samples, P + "alignment_ratio", ignore, **labels)
        # n/a (an empty denominator) has no sample at all: neither 0 nor 1 nor NaN.
        assert completeness == ([pytest.approx(documented / external)] if external else []), labels
        assert alignment == ([pytest.approx(aligned / scoped)] if scoped else []), labels
    assert one(samples, P + "completeness_ratio", ignore) == pytest.approx(10 / 19)
    assert one(samples, P + "alignment_ratio", ignore) == pytest.approx(0.4)
    by_rule: dict[str, float] = {}
    for name, labels, value in samples:
        if name == P + "findings":
            by_rule[labels["rule"]] = by_rule.get(labels["rule"], 0) + value
    assert by_rule == FINDINGS_BY_RULE
    # F1, F5, F10: slo-missing on an ECOM-BU, an unowned and a LOGISTICS-BU operation.
    for bu, service in [("ECOM-BU", "storefront-api"), ("(unowned)", "storefront-api")]:
        assert (
            sum(
                values(
                    samples, P + "findings", ignore | {"severity"}, rule="slo-missing", bu=bu, service=service
                )
            )
            == 1
        )
    assert values(
        samples,
        P + "findings",
        ignore | {"severity"},
        rule="slo-missing",
        bu="LOGISTICS-BU",
        service="returns-service",
    ) == [1]
    # F6: written in billing-gateway's `info`, so it has a service but no operation, hence no BU.
    assert (
        sum(
            values(
                samples,
                P + "findings",
                ignore | {"severity"},
                rule="owner-invalid",
                service="billing-gateway",
            )
        )
        == 1
    )
    assert one(samples, P + "findings", ignore, rule="threshold-completeness", severity="error") == 1
    assert one(samples, P + "findings", ignore, rule="budget-overcommitted", severity="warning",
               bu="LOGISTICS-BU", service="returns-service") == 1  # fmt: skip
    assert (
        sum(
            values(
                samples, P + "findings", ignore | {"bu", "service"}, rule="call-out-of-view", severity="info"
            )
        )
        == 2
    )
    for status, count in PAIRS.items():
        assert one(samples, P + "pairs", ignore, status=status) == count
    assert one(samples, P + "gate_passed", ignore) == 0
    assert one(samples, P + "min_completeness_ratio", ignore) == pytest.approx(0.95)
    assert one(samples, P + "min_alignment_ratio", ignore) == pytest.approx(0.90)
    assert one(samples, P + "build_info", ignore, version=__version__) == 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode("utf-8"))


@contextlib.contextmanager
def running_pushgateway(folder: Path) -> Iterator[str]:
    """A real Pushgateway on 127.0.0.1 (in memory, its log in `folder`): its URL, until the block ends."""
    log = folder / "log.txt"
    url = f"http://127.0.0.1:{free_port()}"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [tool("prometheus-pushgateway"), f"--web.listen-address={url.removeprefix('http://')}"],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 15
        while True:
            assert process.poll() is None, f"pushgateway exited: {log.read_text()}"
            try:
                get(f"{url}/-/ready")
                break
            except OSError:
                assert time.monotonic() < deadline, f"pushgateway not ready after 15 s: {log.read_text()}"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def pushgateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Pushgateway on 127.0.0.1, stopped after the module's tests."""
    with running_pushgateway(tmp_path_factory.mktemp("pushgateway")) as url:
        yield url


def test_pushed_metrics_read_back_from_a_real_pushgateway(pushgateway: str) -> None:
    grouping = ["--grouping", "repo=shop", "--grouping", "branch=feature/x"]
    result = invoke("score", LEGACY, "--pushgateway", pushgateway, "--job", "cg-test", *grouping)
    assert result.exit_code == 0, result.output
    samples = parse(get(f"{pushgateway}/metrics"))
    ours = [s for s in samples if s[1].get("job") == "cg-test"]
    assert ours, "nothing was pushed under job cg-test"
    # Every pushed sample carries the group: the job and both grouping labels (the slash too).
    assert all(labels["repo"] == "shop" and labels["branch"] == "feature/x" for _, labels, _ in ours)
    assert_legacy_numbers(ours, ignore=frozenset({"job", "instance", "repo", "branch"}))


def test_push_replaces_the_group(pushgateway: str) -> None:
    for scope in ("cross-bu", "all"):
        result = invoke(
            "score", LEGACY, "--pushgateway", pushgateway, "--job", "cg-replace", "--alignment-scope", scope
        )
        assert result.exit_code == 0, result.output
    samples = [s for s in parse(get(f"{pushgateway}/metrics")) if s[1].get("job") == "cg-replace"]
    ignore = frozenset({"job", "instance"})
    # EXPECTED.md: scope all is 5 / 11 overall; voucher-service 1 / 2.
    assert one(samples, P + "alignment_ratio", ignore) == pytest.approx(5 / 11)
    assert one(samples, P + "aligned_pairs", ignore, service="voucher-service") == 1
    assert one(samples, P + "scoped_pairs", ignore, service="voucher-service") == 2


def assert_one_line_error(result: Any, *parts: str) -> None:
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("contract-gate: error: ")
    for part in parts:
        assert part in lines[0]
    assert "Traceback" not in result.output


def test_push_to_a_closed_port_says_so_and_exits_2() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = invoke("score", LEGACY, "--pushgateway", url)
    assert_one_line_error(result, url, "refused")


def test_push_answered_with_an_http_error_says_which(pushgateway: str) -> None:
    url = f"{pushgateway}/not-a-gateway"
    result = invoke("score", LEGACY, "--pushgateway", url)
    assert_one_line_error(result, url, "404")


@pytest.mark.parametrize("url", ["ftp://example.org", "http://[::1", "http://127.0.0.1:99999"])
def test_push_to_a_bad_url_exits_2(url: str) -> None:
    assert_one_line_error(invoke("score", LEGACY, "--pushgateway", url), url)


@pytest.mark.parametrize("grouping", ["repo", "1x=y", "job=other"])
def test_bad_grouping_is_a_usage_error(grouping: str) -> None:
    result = invoke("score", LEGACY, "--pushgateway", "http://127.0.0.1:9", "--grouping", grouping)
    assert result.exit_code == 2
    assert "--grouping" in result.stderr


def test_textfile_passes_promtool_and_holds_the_numbers(tmp_path: Path) -> None:
    textfile = tmp_path / "textfile" / "contract_gate.prom"
    result = invoke("score", LEGACY, "--textfile", textfile)
    assert result.exit_code == 0, result.output
    assert "# TYPE" not in result.stdout  # the table is printed; the metrics go to the file
    text = textfile.read_text("utf-8")
    lint = subprocess.run(
        [tool("promtool"), "check", "metrics"], input=text, capture_output=True, text=True, timeout=60
    )
    assert (lint.returncode, lint.stdout, lint.stderr) == (0, "", "")
    assert_legacy_numbers(parse(text))
    assert [p.name for p in textfile.parent.iterdir()] == ["contract_gate.prom"]  # no temp file left


def test_a_textfile_node_exporter_would_skip_gets_a_note(tmp_path: Path) -> None:
    assert "only *.prom" not in invoke("score", LEGACY, "--textfile", tmp_path / "ok.prom").stderr
    result = invoke("score", LEGACY, "--textfile", tmp_path / "metrics.txt")
    assert result.exit_code == 0
    assert "only *.prom files; metrics.txt will not be collected" in result.stderr
    assert_legacy_numbers(parse((tmp_path / "metrics.txt").read_text("utf-8")))


def test_format_prometheus_prints_every_grouping(tmp_path: Path) -> None:
    result = invoke("score", LEGACY, "--format", "prometheus", "--by", "service")
    assert result.exit_code == 0, result.output
    assert_legacy_numbers(parse(result.stdout))
    out = tmp_path / "metrics.prom"
    assert invoke("score", LEGACY, "--format", "prometheus", "-o", out).exit_code == 0
    assert out.read_text("utf-8") == result.stdout


def test_passing_estate_exports_a_passed_gate() -> None:
    samples = parse(invoke("score", ESTATE, "--format", "prometheus").stdout)
    # EXPECTED.md, samples/estate: 37 / 37, alignment 5 / 5, no findings at all.
    assert one(samples, P + "completeness_ratio") == 1
    assert one(samples, P + "external_operations") == 37
    assert one(samples, P + "alignment_ratio") == 1
    assert one(samples, P + "scoped_pairs") == 5
    assert values(samples, P + "alignment_ratio", service="catalog-service") == []  # n/a
    assert one(samples, P + "gate_passed") == 1
    assert values(samples, P + "findings", frozenset({"rule", "severity", "bu", "service"})) == []


# --- prometheus-rules --------------------------------------------------------------------------


def rules_for(*args: str | Path) -> tuple[dict[str, Any], str]:
    result = invoke("prometheus-rules", *args)
    assert result.exit_code == 0, result.output
    return yaml.safe_load(result.stdout), result.stderr


def promtool(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("promtool"), *map(str, args)], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def alerts_by_operation(rules: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    found = {}
    for group in rules["groups"]:
        for rule in group["rules"]:
            assert group["name"] == f"contract-gate/{rule['labels']['service']}"
            found[(rule["labels"]["service"], rule["labels"]["operation"])] = rule
    return found


@pytest.mark.parametrize("estate", [ESTATE, LEGACY], ids=["estate", "legacy"])
def test_generated_rules_pass_promtool_check_rules(estate: Path, tmp_path: Path) -> None:
    out = tmp_path / "rules.yaml"
    result = invoke("prometheus-rules", estate, "-o", out)
    assert result.exit_code == 0, result.output
    checked = promtool("check", "rules", out)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout


def test_legacy_rules_cover_each_operation_with_a_valid_slo() -> None:
    rules, stderr = rules_for(LEGACY)
    alerts = alerts_by_operation(rules)
    # EXPECTED.md: the external operations whose effective x-slo-p99 is valid, with their BU.
    expected = {
        ("storefront-api", "GET /api/v1/cart/{cartId}"): ("ECOM-BU", "400ms"),
        ("storefront-api", "DELETE /api/v1/cart/{cartId}/items/{itemId}"): ("(unowned)", "300ms"),
        ("storefront-api", "GET /api/v1/wishlist"): ("(unowned)", "500ms"),
        ("billing-gateway", "POST /v1/invoices"): ("(unowned)", "1s"),
        ("billing-gateway", "GET /v1/payment-methods"): ("PAYMENTS-BU", "100ms"),
        ("loyalty-service", "GET /v2/members/{memberId}/points"): ("MARKETING-BU", "2s"),
        ("loyalty-service", "POST /v2/members/{memberId}/points/redemptions"): ("MARKETING-BU", "1.5s"),
        ("loyalty-service", "GET /v2/tiers"): ("MARKETING-BU", "2s"),
        ("returns-service", "GET /v1/returns"): ("LOGISTICS-BU", "600ms"),
        ("returns-service", "POST /v1/returns"): ("LOGISTICS-BU", "700ms"),
        ("returns-service", "GET /v1/returns/{rmaId}/label"): ("LOGISTICS-BU", "1.2s"),
        ("voucher-service", "POST /v1/vouchers"): ("MARKETING-BU", "400ms"),
        ("voucher-service", "GET /v1/vouchers/{voucherCode}"): ("MARKETING-BU", "150ms"),
    }
    for key, (bu, slo) in expected.items():
        labels = alerts[key]["labels"]
        assert (labels["bu"], labels["slo_p99"], labels["severity"]) == (bu, slo, "warning"), key
    without_slo = [
        ("storefront-api", "POST /api/v1/cart/{cartId}/items"),
        ("storefront-api", "POST /api/v1/checkout"),
        ("billing-gateway", "GET /v1/invoices"),  # "800": a bare number
        ("billing-gateway", "GET /v1/invoices/{invoiceId}"),  # "2 minutes"
        ("billing-gateway", "POST /v1/invoices/{invoiceId}/payments"),  # 90s > max-slo-p99
        ("returns-service", "GET /v1/returns/{rmaId}"),
    ]
    assert not set(without_slo) & set(alerts)
    assert "ops-console" not in {service for service, _ in alerts}  # no SLO anywhere in that file
    # 26 operations in all (EXPECTED.md); the rest got no alert and the note says how many.
    assert f"{26 - len(alerts)} operations without a valid x-slo-p99 got no alert" in stderr
    expr = alerts[("billing-gateway", "GET /v1/payment-methods")]["expr"]
    assert expr == (
        "histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket"
        '{job="billing-gateway",http_request_method="GET",http_route="/v1/payment-methods"}[5m]))) > 0.1'
    )
    assert (
        alerts[("billing-gateway", "GET /v1/payment-methods")]["labels"]["operation_id"]
        == "listPaymentMethods"
    )


def bucket_series(histogram: str, labels: dict[str, str], per_minute: dict[str, int]) -> list[dict[str, str]]:
    """Cumulative bucket counters growing by `per_minute[le]` a minute, for promtool's input_series."""
    series = []
    for le, rate in per_minute.items():
        matchers = ",".join(f"{k}={json.dumps(v)}" for k, v in {**labels, "le": le}.items())
        series.append({"series": f"{histogram}_bucket{{{matchers}}}", "values": f"0+{rate}x40"})
    return series


CUSTOM_CONFIG = """\
[prometheus]
histogram = "http_server_duration_milliseconds"
histogram-unit = "milliseconds"
service-label = "service_name"
operation-id-label = "operation"
selectors = {env = "prod"}
rate-window = "2m"
for = "3m"
severity = "page"
"""


@pytest.mark.parametrize("custom", [False, True], ids=["defaults", "configured"])
def test_alert_fires_above_the_slo_and_stays_silent_below(custom: bool, in_tmp: Path) -> None:
    """returns-service: GET /v1/returns (600ms) answers in 0.5-1 s, POST /v1/returns (700ms) under 0.5 s."""
    tmp_path = in_tmp
    if custom:
        (tmp_path / "contract-gate.toml").write_text(CUSTOM_CONFIG, "utf-8")
        histogram, scale, window, severity = "http_server_duration_milliseconds", 1000, "2m", "page"
        slow_labels = {"service_name": "returns-service", "operation": "listReturns", "env": "prod"}
        fast_labels = {"service_name": "returns-service", "operation": "createReturn", "env": "prod"}
        # Slow createReturn requests elsewhere: they would fire its alert if `selectors` were ignored.
        decoy = {"service_name": "returns-service", "operation": "createReturn", "env": "staging"}
        measured = "995ms"  # `{{ $value | humanize }}ms` of 995
    else:
        histogram, scale, window, severity = "http_server_request_duration_seconds", 1, "5m", "warning"
        route = {"job": "returns-service", "http_route": "/v1/returns"}
        slow_labels = {**route, "http_request_method": "GET"}
        # Same route, other method: it would fire if the method matcher were missing.
        fast_labels = {**route, "http_request_method": "POST"}
        decoy = None
        measured = "995ms"  # `{{ $value | humanizeDuration }}` of 0.995
    rules, _ = rules_for(LEGACY)
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules), "utf-8")

    def le(seconds: float) -> str:
        return f"{seconds * scale:g}"

    # All slow requests between 0.5 s and 1 s: p99 = 0.5 + 0.5 * 0.99 = 0.995 s > 600ms.
    series = bucket_series(histogram, slow_labels, {le(0.5): 0, le(1): 60, "+Inf": 60})
    # All fast requests between 0.25 s and 0.5 s: p99 = 0.4975 s < 700ms.
    series += bucket_series(histogram, fast_labels, {le(0.25): 0, le(0.5): 60, le(1): 60, "+Inf": 60})
    if decoy is not None:
        series += bucket_series(histogram, decoy, {le(0.5): 0, le(1): 600, "+Inf": 600})
    expected_alert = {
        "exp_labels": {
            "severity": severity,
            "bu": "LOGISTICS-BU",
            "service": "returns-service",
            "operation": "GET /v1/returns",
            "operation_id": "listReturns",
            "slo_p99": "600ms",
        },
        "exp_annotations": {
            "summary": "returns-service GET /v1/returns (listReturns): p99 latency above its SLO of 600ms",
            "description": "The p99 latency of returns-service GET /v1/returns (listReturns) over"
            f" {window} is {measured}, above the x-slo-p99 of 600ms declared in its OpenAPI contract.",
        },
    }
    unit_test = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    # Above the SLO, but not yet for `for` (10m by default, 3m configured): pending only.
                    {"eval_time": "2m", "alertname": "SloP99Exceeded", "exp_alerts": []},
                    {"eval_time": "30m", "alertname": "SloP99Exceeded", "exp_alerts": [expected_alert]},
                ],
            }
        ],
    }
    (tmp_path / "test.yaml").write_text(yaml.safe_dump(unit_test), "utf-8")
    tested = promtool("test", "rules", "test.yaml", cwd=tmp_path)
    assert tested.returncode == 0, tested.stdout + tested.stderr


ODD_SPEC = """\
openapi: 3.0.3
info:
  title: Odd
  version: "1"
  x-service: 'we"ird\\svc'
  x-bu-owner: ODD-BU
paths:
  /v1/{{odd}}:
    get:
      operationId: 'get"Odd'
      x-slo-p99: 250ms
      responses:
        "200":
          description: ok
"""


def test_odd_names_are_escaped_in_promql_and_in_templates(in_tmp: Path) -> None:
    """Quotes and backslashes in PromQL strings; `{{` in labels and annotations (Go templates)."""
    (in_tmp / "odd.yaml").write_text(ODD_SPEC, "utf-8")
    assert invoke("prometheus-rules", "odd.yaml", "-o", "rules.yaml").exit_code == 0
    checked = promtool("check", "rules", "rules.yaml", cwd=in_tmp)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    labels = {"job": 'we"ird\\svc', "http_request_method": "GET", "http_route": "/v1/{{odd}}"}
    series = bucket_series("http_server_request_duration_seconds", labels, {"0.1": 0, "0.5": 60, "+Inf": 60})
    what = 'we"ird\\svc GET /v1/{{odd}} (get"Odd)'
    expected_alert = {
        "exp_labels": {
            "severity": "warning",
            "bu": "ODD-BU",
            "service": 'we"ird\\svc',
            "operation": "GET /v1/{{odd}}",
            "operation_id": 'get"Odd',
            "slo_p99": "250ms",
        },
        "exp_annotations": {
            "summary": f"{what}: p99 latency above its SLO of 250ms",
            # p99 = 0.1 + 0.4 * 0.99 = 0.496 s
            "description": f"The p99 latency of {what} over 5m is 496ms, above the x-slo-p99 of 250ms"
            " declared in its OpenAPI contract.",
        },
    }
    unit_test = {
        "rule_files": ["rules.yaml"],
        "tests": [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    {"eval_time": "30m", "alertname": "SloP99Exceeded", "exp_alerts": [expected_alert]}
                ],
            }
        ],
    }
    (in_tmp / "test.yaml").write_text(yaml.safe_dump(unit_test), "utf-8")
    tested = promtool("test", "rules", "test.yaml", cwd=in_tmp)
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_flags_override_the_config_table(in_tmp: Path) -> None:
    (in_tmp / "pyproject.toml").write_text(
        '[tool.contract-gate.prometheus]\nfor = "2m"\nseverity = "page"\nrate-window = "1m"\n', "utf-8"
    )
    rules, _ = rules_for(LEGACY.resolve(), "--for", "15m", "--histogram", "latency_seconds")
    alert = alerts_by_operation(rules)[("returns-service", "GET /v1/returns")]
    assert alert["for"] == "15m"  # flag over file
    assert alert["labels"]["severity"] == "page"  # file over default
    assert alert["expr"].startswith("histogram_quantile(0.99, sum by (le) (rate(latency_seconds_bucket{")
    assert alert["expr"].endswith("}[1m]))) > 0.6")


@pytest.mark.parametrize(
    ("table", "flags", "message"),
    [
        ('[prometheus]\nhistogramm = "x"\n', [], "unknown key 'prometheus.histogramm'"),
        ('[prometheus]\nrate-window = "5 minutes"\n', [], "prometheus.rate-window"),
        ("", ["--for", "ten"], "prometheus.for"),
        ("", ["--histogram", "latency_seconds_bucket"], "'latency_seconds'"),
        ('[prometheus]\nselectors = {"bad-name" = "x"}\n', [], "bad-name"),
    ],
)
def test_bad_prometheus_settings_exit_2_naming_them(
    in_tmp: Path, table: str, flags: list[str], message: str
) -> None:
    (in_tmp / "contract-gate.toml").write_text(table, "utf-8")
    result = invoke("prometheus-rules", LEGACY.resolve(), *flags)
    assert_one_line_error(result, message)
