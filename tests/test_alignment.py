"""Calls between services (SPEC §5) and the SLO alignment metric (SPEC §6), on hand-built estates.

Every estate is written into a temporary folder by the test itself; every number asserted
was worked out by hand from the YAML above it.
"""

from __future__ import annotations

import contextlib
import copy
import json
import sys
import tempfile
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import check_json, invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# ---------------------------------------------------------------------------------------------
# helpers


def spec(folder: Path, service: str, owner: str | None, paths: str, *, info: str = "") -> Path:
    """Write `<service>.yaml`; `paths` is the YAML under `paths:` (its common indentation is removed)."""
    extra = (f", x-bu-owner: {owner}" if owner else "") + (f", {info}" if info else "")
    head = f"openapi: 3.0.3\ninfo: {{title: {service}, version: '1', x-service: {service}{extra}}}\npaths:\n"
    body = textwrap.indent(textwrap.dedent(paths).strip("\n"), "  ")
    file = folder / f"{service}.yaml"
    file.write_text(head + body + "\n")
    return file


def _items(entries: tuple[str, ...]) -> str:
    """YAML list items from entries written flow-style or as "key: v\\nkey: v" blocks."""
    items = []
    for entry in entries:
        first, *rest = entry.splitlines()
        items += [f"- {first}", *(f"  {line}" for line in rest)]
    return "\n".join(items)


def order(folder: Path, *calls: str, slo: str = "2s") -> Path:
    """order-service (ECOM-BU): POST /v1/orders (createOrder, p99 `slo`) making `calls` (x-calls items)."""
    lines = ["/v1/orders:", "  post:", "    operationId: createOrder", f"    x-slo-p99: {slo}"]
    if calls:
        lines += ["    x-calls:", textwrap.indent(_items(calls), "      ")]
    lines += ['    responses: {"201": {description: created}}']
    return spec(folder, "order-service", "ECOM-BU", "\n".join(lines))


def payment(
    folder: Path, *, create: str = "", get: str = "", create_slo: str | None = "250ms", owner: str = "PAY-BU"
) -> Path:
    """payment-service: POST /v1/payments (createPayment, 250ms), GET /v1/payments/{paymentId}
    (getPayment, 150ms); `create` and `get` are extra YAML lines for each operation."""
    slo = f"x-slo-p99: {create_slo}" if create_slo else ""
    lines = ["/v1/payments:", "  post:", "    operationId: createPayment"]
    lines += [f"    {line}" for line in (slo + "\n" + create).splitlines() if line]
    lines += ['    responses: {"201": {description: created}}']
    lines += ["/v1/payments/{paymentId}:"]
    lines += ["  parameters: [{name: paymentId, in: path, required: true, schema: {type: string}}]"]
    lines += ["  get:", "    operationId: getPayment", "    x-slo-p99: 150ms"]
    lines += [f"    {line}" for line in get.splitlines()]
    lines += ['    responses: {"200": {description: ok}}']
    return spec(folder, "payment-service", owner, "\n".join(lines))


def line_of(file: Path, needle: str) -> int:
    """The 1-based number of the one line of `file` that contains `needle`."""
    lines = [n for n, text in enumerate(file.read_text().splitlines(), 1) if needle in text]
    assert len(lines) == 1, (needle, lines)
    return lines[0]


def pair(
    caller: str,
    callee: str,
    status: str,
    budget: str | None,
    commitment: str | None,
    agreed: str | None = None,
    *,
    cross_bu: bool = True,
    mode: str = "sync",
    not_counted: str | None = "",
) -> dict[str, Any]:
    """A `pairs` entry of the JSON report; each side written "service METHOD /path".

    `not_counted` defaults to what the cross-bu scope makes of the status and `cross_bu`.
    """
    if not_counted == "":
        not_counted = "out-of-view" if status == "out-of-view" else None if cross_bu else "same-bu"

    def side(text: str) -> dict[str, str]:
        service, operation = text.split(" ", 1)
        return {"service": service, "operation": operation}

    return {
        "caller": side(caller),
        "callee": side(callee),
        "status": status,
        "budget": budget,
        "commitment": commitment,
        "agreed": agreed,
        "cross_bu": cross_bu,
        "mode": mode,
        "counted": not_counted is None,
        "not_counted": not_counted,
    }


def finding(report: dict[str, Any], rule: str) -> dict[str, Any]:
    """The one finding of `rule`, with the fields that place it."""
    matches = [f for f in report["findings"] if f["rule"] == rule]
    assert len(matches) == 1, [f["rule"] for f in report["findings"]]
    return placed(matches[0])


def placed(found: dict[str, Any]) -> dict[str, Any]:
    """The fields of a finding that say where it is and what it concerns."""
    return {key: found[key] for key in ("severity", "file", "line", "pointer", "service", "operation")}


def rules(report: dict[str, Any]) -> Counter[str]:
    return Counter(f["rule"] for f in report["findings"])


def ratio(alignment: dict[str, Any]) -> tuple[float | None, int, int, int]:
    """(percent, numerator, denominator, out_of_view) of an alignment block."""
    return alignment["percent"], alignment["numerator"], alignment["denominator"], alignment["out_of_view"]


def at(file: str, line: int, pointer: str, service: str, operation: str, severity: str) -> dict[str, Any]:
    return {
        "severity": severity,
        "file": file,
        "line": line,
        "pointer": pointer,
        "service": service,
        "operation": operation,
    }


ORDER = "order-service POST /v1/orders"
CREATE_PAYMENT = "payment-service POST /v1/payments"
GET_PAYMENT = "payment-service GET /v1/payments/{paymentId}"
ORDER_CALLS = "/paths/~1v1~1orders/post/x-calls"
PAYMENT_CONSUMERS = "/paths/~1v1~1payments/post/x-consumers"
TO_CREATE = "{service: payment-service, operation: createPayment, x-slo-p99: 300ms}"


# ---------------------------------------------------------------------------------------------
# pair statuses


def test_aligned_pair_declared_on_both_sides_is_one_pair(in_tmp: Path) -> None:
    order(in_tmp, TO_CREATE)
    payment(
        in_tmp,
        create='x-consumers: [{service: order-service, operation: "POST /v1/orders", x-slo-p99: 300ms}]',
    )
    code, report = check_json(".")
    assert report["findings"] == []
    assert code == 0 and report["passed"] is True
    # the caller named an operationId: the pair shows the callee's METHOD /path
    assert report["pairs"] == [pair(ORDER, CREATE_PAYMENT, "aligned", "300ms", "250ms", "300ms")]
    assert ratio(report["metrics"]["alignment"]) == (100.0, 1, 1, 0)
    assert report["metrics"]["alignment"]["scope"] == "cross-bu"


def test_violated_when_the_callee_promises_more_than_the_budget(in_tmp: Path) -> None:
    file = order(in_tmp, "service: payment-service\noperation: getPayment\nx-slo-p99: 100ms")
    payment(in_tmp)
    code, report = check_json(".")
    assert code == 1
    assert report["pairs"] == [pair(ORDER, GET_PAYMENT, "violated", "100ms", "150ms")]
    assert finding(report, "slo-misaligned") == at(
        "order-service.yaml",
        line_of(file, "x-slo-p99: 100ms"),
        f"{ORDER_CALLS}/0/x-slo-p99",
        "order-service",
        "POST /v1/orders",
        "error",
    )
    assert rules(report) == Counter({"slo-misaligned": 1, "threshold-alignment": 1})
    assert ratio(report["metrics"]["alignment"]) == (0.0, 0, 1, 0)


def test_violated_when_the_agreed_value_differs_from_the_budget(in_tmp: Path) -> None:
    order(in_tmp, TO_CREATE)
    file = payment(
        in_tmp, create="x-consumers:\n- service: order-service\n  operation: createOrder\n  x-slo-p99: 0.25s"
    )
    code, report = check_json(".", "--min-alignment", "0")
    assert code == 1
    assert report["pairs"] == [pair(ORDER, CREATE_PAYMENT, "violated", "300ms", "250ms", "0.25s")]
    assert finding(report, "slo-agreement-mismatch") == at(
        "payment-service.yaml",
        line_of(file, "x-slo-p99: 0.25s"),
        f"{PAYMENT_CONSUMERS}/0/x-slo-p99",
        "payment-service",
        "POST /v1/payments",
        "error",
    )
    assert rules(report) == Counter({"slo-agreement-mismatch": 1})


@pytest.mark.parametrize(("budget", "agreed"), [("1s", "1000ms"), ("1000ms", "1s"), ("300ms", "0.3s")])
def test_agreement_is_compared_as_a_duration(in_tmp: Path, budget: str, agreed: str) -> None:
    order(in_tmp, f"{{service: payment-service, operation: createPayment, x-slo-p99: {budget}}}")
    payment(
        in_tmp,
        create=f"x-consumers: [{{service: order-service, operation: createOrder, x-slo-p99: {agreed}}}]",
    )
    code, report = check_json(".")
    assert (code, report["findings"]) == (0, [])
    assert report["pairs"] == [pair(ORDER, CREATE_PAYMENT, "aligned", budget, "250ms", agreed)]


@pytest.mark.parametrize(
    ("budget", "commitment", "agreed"),
    [("2010ms", "2s", "2.01s"), ("4030ms", "4.03s", "4030ms"), ("1.001s", "1001ms", "1001ms")],
)
def test_equal_durations_in_seconds_and_milliseconds_are_equal(
    in_tmp: Path, budget: str, commitment: str, agreed: str
) -> None:
    order(in_tmp, f"{{service: payment-service, operation: createPayment, x-slo-p99: {budget}}}", slo="8s")
    consumer = f"x-consumers: [{{service: order-service, operation: createOrder, x-slo-p99: {agreed}}}]"
    payment(in_tmp, create_slo=commitment, create=consumer)
    code, report = check_json(".")
    assert report["findings"] == []
    assert [p["status"] for p in report["pairs"]] == ["aligned"]
    assert code == 0


def test_callee_exactly_at_the_budget_is_aligned(in_tmp: Path) -> None:
    order(in_tmp, "{service: payment-service, operation: getPayment, x-slo-p99: 0.15s}")
    payment(in_tmp)
    code, report = check_json(".")
    assert (code, report["findings"]) == (0, [])
    assert report["pairs"] == [pair(ORDER, GET_PAYMENT, "aligned", "0.15s", "150ms")]


def test_a_slower_callee_and_another_agreed_value_are_both_reported_on_one_pair(in_tmp: Path) -> None:
    # C 250ms > B 200ms, and A 300ms != B: both findings (SPEC §5), the pair violated and counted once
    caller = order(in_tmp, "service: payment-service\noperation: createPayment\nx-slo-p99: 200ms")
    callee = payment(
        in_tmp, create="x-consumers:\n- service: order-service\n  operation: createOrder\n  x-slo-p99: 300ms"
    )
    code, report = check_json(".", "--min-alignment", "0")
    assert code == 1
    assert report["pairs"] == [pair(ORDER, CREATE_PAYMENT, "violated", "200ms", "250ms", "300ms")]
    assert rules(report) == Counter({"slo-misaligned": 1, "slo-agreement-mismatch": 1})
    assert finding(report, "slo-misaligned") == at(
        "order-service.yaml",
        line_of(caller, "x-slo-p99: 200ms"),
        f"{ORDER_CALLS}/0/x-slo-p99",
        "order-service",
        "POST /v1/orders",
        "error",
    )
    assert finding(report, "slo-agreement-mismatch") == at(
        "payment-service.yaml",
        line_of(callee, "x-slo-p99: 300ms"),
        f"{PAYMENT_CONSUMERS}/0/x-slo-p99",
        "payment-service",
        "POST /v1/payments",
        "error",
    )
    assert ratio(report["metrics"]["alignment"]) == (0.0, 0, 1, 0)
    assert ratio(report["metrics"]["by_service"]["payment-service"]["alignment"]) == (0.0, 0, 1, 0)


def test_a_slower_callee_with_an_invalid_agreed_value_is_violated(in_tmp: Path) -> None:
    order(in_tmp, "{service: payment-service, operation: createPayment, x-slo-p99: 200ms}")
    payment(in_tmp, create="x-consumers: [{service: order-service, operation: createOrder, x-slo-p99: 300}]")
    _, report = check_json(".", "--min-alignment", "0")
    assert [p["status"] for p in report["pairs"]] == ["violated"]
    assert rules(report) == Counter({"slo-misaligned": 1, "call-invalid": 1})


def test_consumer_without_an_agreed_value_does_not_disagree(in_tmp: Path) -> None:
    order(in_tmp, TO_CREATE)
    payment(in_tmp, create="x-consumers: [{service: order-service, operation: createOrder}]")
    code, report = check_json(".")
    assert (code, report["findings"]) == (0, [])
    assert report["pairs"] == [pair(ORDER, CREATE_PAYMENT, "aligned", "300ms", "250ms", None)]


def test_undeclared_when_the_call_has_no_budget(in_tmp: Path) -> None:
    file = order(in_tmp, "service: payment-service\noperation: createPayment")
    payment(in_tmp)
    code, report = check_json(".", "--min-alignment", "0")
    assert code == 1
    assert report["pairs"] == [pair(ORDER, CREATE_PAYMENT, "undeclared", None, "250ms")]
    assert finding(report, "call-invalid") == at(
        "order-service.yaml",
        line_of(file, "- service: payment-service"),
        f"{ORDER_CALLS}/0",
        "order-service",
        "POST /v1/orders",
        "error",
    )
    assert rules(report) == Counter({"call-invalid": 1})
    assert ratio(report["metrics"]["alignment"]) == (0.0, 0, 1, 0)


@pytest.mark.parametrize("budget", ["300", "'-5ms'", "2 minutes", "0ms", "61s", "[300ms]"])
def test_undeclared_when_the_budget_is_invalid(in_tmp: Path, budget: str) -> None:
    file = order(in_tmp, f"service: payment-service\noperation: createPayment\nx-slo-p99: {budget}")
    payment(in_tmp)
    _, report = check_json(".", "--min-alignment", "0")
    assert [p["status"] for p in report["pairs"]] == ["undeclared"]
    assert finding(report, "call-invalid")["pointer"] == f"{ORDER_CALLS}/0/x-slo-p99"
    assert finding(report, "call-invalid")["line"] == line_of(file, f"x-slo-p99: {budget}")
    assert rules(report) == Counter({"call-invalid": 1})


@pytest.mark.parametrize(
    ("slo", "rule"), [(None, "slo-missing"), ("fast", "slo-invalid"), ("90s", "slo-invalid")]
)
def test_undeclared_when_the_callee_promises_nothing_valid(in_tmp: Path, slo: str | None, rule: str) -> None:
    order(in_tmp, TO_CREATE)
    payment(in_tmp, create_slo=slo)
    _, report = check_json(".", "--min-alignment", "0", "--min-completeness", "0")
    assert report["pairs"] == [pair(ORDER, CREATE_PAYMENT, "undeclared", "300ms", slo)]
    # the callee's own finding says it all: nothing more for the pair
    assert rules(report) == Counter({rule: 1})
    assert finding(report, rule)["service"] == "payment-service"


def test_undeclared_when_listed_only_by_the_callee(in_tmp: Path) -> None:
    order(in_tmp)
    file = payment(
        in_tmp, create="x-consumers:\n- service: order-service\n  operation: createOrder\n  x-slo-p99: 300ms"
    )
    code, report = check_json(".", "--min-alignment", "0")
    assert code == 0  # a warning
    assert report["pairs"] == [pair(ORDER, CREATE_PAYMENT, "undeclared", None, "250ms", "300ms")]
    assert finding(report, "call-not-declared") == at(
        "payment-service.yaml",
        line_of(file, "- service: order-service"),
        f"{PAYMENT_CONSUMERS}/0",
        "payment-service",
        "POST /v1/payments",
        "warning",
    )
    assert rules(report) == Counter({"call-not-declared": 1})
    assert ratio(report["metrics"]["alignment"]) == (0.0, 0, 1, 0)


def _bidirectional(folder: Path, budget: str = "300ms") -> Path:
    """createPayment is not listed by its callee; getPayment is. require-bidirectional is on."""
    file = order(
        folder,
        f"service: payment-service\noperation: createPayment\nx-slo-p99: {budget}",
        "{service: payment-service, operation: getPayment, x-slo-p99: 200ms}",
    )
    payment(folder, get="x-consumers: [{service: order-service, operation: createOrder, x-slo-p99: 200ms}]")
    (folder / "contract-gate.toml").write_text("require-bidirectional = true\nmin-alignment = 0\n")
    return file


def test_undeclared_with_require_bidirectional_when_the_consumer_is_not_listed(in_tmp: Path) -> None:
    file = _bidirectional(in_tmp)
    code, report = check_json(".")
    assert code == 0  # a warning
    assert report["pairs"] == [
        pair(ORDER, GET_PAYMENT, "aligned", "200ms", "150ms", "200ms"),
        pair(ORDER, CREATE_PAYMENT, "undeclared", "300ms", "250ms"),
    ]
    assert finding(report, "consumer-not-listed") == at(
        "order-service.yaml",
        line_of(file, "- service: payment-service"),
        f"{ORDER_CALLS}/0",
        "order-service",
        "POST /v1/orders",
        "warning",
    )
    assert rules(report) == Counter({"consumer-not-listed": 1})
    assert ratio(report["metrics"]["alignment"]) == (50.0, 1, 2, 0)


def test_without_require_bidirectional_a_one_sided_call_is_aligned(in_tmp: Path) -> None:
    _bidirectional(in_tmp)
    (in_tmp / "contract-gate.toml").write_text("require-bidirectional = false\n")
    code, report = check_json(".")
    assert (code, report["findings"]) == (0, [])
    assert [p["status"] for p in report["pairs"]] == ["aligned", "aligned"]


@pytest.mark.parametrize(
    ("budget", "status", "rule"),
    [("200ms", "violated", "slo-misaligned"), ("", "undeclared", "call-invalid")],
)
def test_require_bidirectional_is_checked_after_the_values(
    in_tmp: Path, budget: str, status: str, rule: str
) -> None:
    _bidirectional(in_tmp, budget)
    _, report = check_json(".")
    assert report["pairs"][1]["status"] == status
    assert rules(report) == Counter({rule: 1})


def test_unresolved_keeps_what_the_caller_wrote(in_tmp: Path) -> None:
    file = order(
        in_tmp,
        "service: payment-service\noperation: refundPayment\nx-slo-p99: 300ms",
        '{service: payment-service, operation: "PUT /v1/payments/{id}", x-slo-p99: 300ms, mode: async}',
    )
    payment(in_tmp)
    code, report = check_json(".", "--min-alignment", "0")
    assert code == 1
    assert report["pairs"] == [
        pair(ORDER, "payment-service PUT /v1/payments/{id}", "unresolved", "300ms", None, mode="async"),
        pair(ORDER, "payment-service refundPayment", "unresolved", "300ms", None),
    ]
    found = [(f["severity"], f["line"], f["pointer"]) for f in report["findings"]]
    assert found == [
        ("error", line_of(file, "- service: payment-service"), f"{ORDER_CALLS}/0"),
        ("error", line_of(file, "PUT /v1/payments"), f"{ORDER_CALLS}/1"),
    ]
    assert rules(report) == Counter({"call-unresolved": 2})
    # unresolved pairs count against alignment
    assert ratio(report["metrics"]["alignment"]) == (0.0, 0, 2, 0)


def test_consumer_naming_a_missing_operation_is_unresolved_without_a_pair(in_tmp: Path) -> None:
    order(in_tmp)
    file = payment(
        in_tmp, create="x-consumers: [{service: order-service, operation: placeOrder, x-slo-p99: 1s}]"
    )
    code, report = check_json(".")
    assert code == 1
    assert report["pairs"] == []
    assert finding(report, "call-unresolved") == at(
        "payment-service.yaml",
        line_of(file, "placeOrder"),
        f"{PAYMENT_CONSUMERS}/0",
        "payment-service",
        "POST /v1/payments",
        "error",
    )
    assert rules(report) == Counter({"call-unresolved": 1})
    assert ratio(report["metrics"]["alignment"]) == (None, 0, 0, 0)


def test_out_of_view_call_is_listed_not_counted(in_tmp: Path) -> None:
    file = order(in_tmp, TO_CREATE, "service: fraud-service\noperation: checkOrder\nx-slo-p99: 200ms")
    payment(in_tmp)
    code, report = check_json(".")
    assert code == 0  # info only
    assert report["pairs"] == [
        pair(ORDER, "fraud-service checkOrder", "out-of-view", "200ms", None),
        pair(ORDER, CREATE_PAYMENT, "aligned", "300ms", "250ms"),
    ]
    assert finding(report, "call-out-of-view") == at(
        "order-service.yaml",
        line_of(file, "- service: fraud-service"),
        f"{ORDER_CALLS}/1",
        "order-service",
        "POST /v1/orders",
        "info",
    )
    metrics = report["metrics"]
    assert ratio(metrics["alignment"]) == (100.0, 1, 1, 1)
    # counted for the caller's groups only
    assert ratio(metrics["by_service"]["order-service"]["alignment"]) == (100.0, 1, 1, 1)
    assert ratio(metrics["by_service"]["payment-service"]["alignment"]) == (100.0, 1, 1, 0)
    assert ratio(metrics["by_bu"]["ECOM-BU"]["alignment"]) == (100.0, 1, 1, 1)
    assert ratio(metrics["by_bu"]["PAY-BU"]["alignment"]) == (100.0, 1, 1, 0)
    assert set(metrics["by_service"]) == {"order-service", "payment-service"}
    assert set(metrics["by_bu"]) == {"ECOM-BU", "PAY-BU"}


def test_only_out_of_view_pairs_give_n_a(in_tmp: Path) -> None:
    order(in_tmp, "{service: fraud-service, operation: checkOrder, x-slo-p99: 200ms}")
    code, report = check_json(".", "--min-alignment", "100")
    assert code == 0
    assert ratio(report["metrics"]["alignment"]) == (None, 0, 0, 1)
    assert rules(report) == Counter({"call-out-of-view": 1})


STOREFRONT = "x-consumers: [{service: storefront, operation: checkout, x-slo-p99: 300ms}]"


def test_consumer_in_a_service_not_loaded_is_out_of_view(in_tmp: Path) -> None:
    file = payment(in_tmp, create=STOREFRONT)
    code, report = check_json(".")
    assert code == 0
    assert report["pairs"] == [
        pair("storefront checkout", CREATE_PAYMENT, "out-of-view", None, "250ms", "300ms")
    ]
    assert finding(report, "call-out-of-view") == at(
        "payment-service.yaml",
        line_of(file, "storefront"),
        f"{PAYMENT_CONSUMERS}/0",
        "payment-service",
        "POST /v1/payments",
        "info",
    )
    assert ratio(report["metrics"]["alignment"]) == (None, 0, 0, 1)


def test_out_of_view_consumer_counts_for_the_loaded_side(in_tmp: Path) -> None:
    # the caller is the side that is not loaded: no group for it, the callee's groups count it
    order(in_tmp, TO_CREATE)
    payment(in_tmp, create=STOREFRONT)
    _, report = check_json(".")
    metrics = report["metrics"]
    assert ratio(metrics["alignment"]) == (100.0, 1, 1, 1)
    assert set(metrics["by_service"]) == {"order-service", "payment-service"}
    assert set(metrics["by_bu"]) == {"ECOM-BU", "PAY-BU"}
    assert ratio(metrics["by_service"]["payment-service"]["alignment"]) == (100.0, 1, 1, 1)
    assert ratio(metrics["by_service"]["order-service"]["alignment"]) == (100.0, 1, 1, 0)
    assert ratio(metrics["by_bu"]["PAY-BU"]["alignment"]) == (100.0, 1, 1, 1)
    assert ratio(metrics["by_bu"]["ECOM-BU"]["alignment"]) == (100.0, 1, 1, 0)


@pytest.mark.parametrize(
    "reference",
    ['"GET /v1/payments/{id}"', '"GET /v1/payments/{paymentId}"', '"get /v1/payments/{x}"', "getPayment"],
)
def test_path_templates_match_whatever_the_parameter_names(in_tmp: Path, reference: str) -> None:
    order(in_tmp, f"{{service: payment-service, operation: {reference}, x-slo-p99: 200ms}}")
    payment(in_tmp)
    code, report = check_json(".")
    assert (code, report["findings"]) == (0, [])
    assert report["pairs"] == [pair(ORDER, GET_PAYMENT, "aligned", "200ms", "150ms")]


def test_a_path_template_does_not_match_a_literal_segment(in_tmp: Path) -> None:
    order(
        in_tmp,
        '{service: payment-service, operation: "GET /v1/payments/latest", x-slo-p99: 200ms}',
        '{service: payment-service, operation: "GET /v1/payments/{id}/refunds", x-slo-p99: 200ms}',
        '{service: payment-service, operation: "POST /v1/payments/{id}", x-slo-p99: 200ms}',
    )
    payment(in_tmp)
    _, report = check_json(".", "--min-alignment", "0")
    assert [p["status"] for p in report["pairs"]] == ["unresolved"] * 3
    assert rules(report) == Counter({"call-unresolved": 3})


def test_both_sides_naming_the_pair_differently_is_still_one_pair(in_tmp: Path) -> None:
    # the caller names the callee by METHOD /path, the callee names the caller with another template
    paths = """
        /v1/orders/{orderId}:
          parameters: [{name: orderId, in: path, required: true, schema: {type: string}}]
          get:
            operationId: getOrder
            x-slo-p99: 500ms
            x-calls: [{service: payment-service, operation: "GET /v1/payments/{id}", x-slo-p99: 200ms}]
            responses: {"200": {description: ok}}
    """
    spec(in_tmp, "order-service", "ECOM-BU", paths)
    payment(
        in_tmp,
        get='x-consumers: [{service: order-service, operation: "GET /v1/orders/{o}", x-slo-p99: 200ms}]',
    )
    code, report = check_json(".")
    assert (code, report["findings"]) == (0, [])
    caller = "order-service GET /v1/orders/{orderId}"
    assert report["pairs"] == [pair(caller, GET_PAYMENT, "aligned", "200ms", "150ms", "200ms")]
    assert ratio(report["metrics"]["alignment"]) == (100.0, 1, 1, 0)


# ---------------------------------------------------------------------------------------------
# the metric: overall, per BU and per service, in both scopes
#
# order-service (ECOM-BU)  POST /v1/orders 2s, GET /v1/orders/{id} 500ms
# cart-service (ECOM-BU)   GET /v1/carts/{cartId} 100ms
# payment-service (PAY-BU) POST /v1/payments 250ms, GET /v1/payments/{paymentId} 150ms,
#                          POST /internal/reconcile 50ms (x-internal on its path item)
# notify-service (CRM-BU)  POST /v1/messages 500ms
#
#      caller -> callee                          B / C / A          status       cross-bu
# P1   order POST -> payment POST                300 / 250 / 300    aligned      yes
# P2   order POST -> cart GET                    200 / 100          aligned      no
# P3   order GET -> payment GET                  100 / 150          violated     yes
# P4   order POST -> notify POST (async)         1s / 500 / 900     violated     yes
# P5   order POST -> fraud-service (not loaded)  200                out-of-view  yes
# P6   order GET -> payment refundPayment        300                unresolved   yes (callee BU unknown)
# P7   cart GET -> payment internal              100 / 50           aligned      internal: not counted
# P8   notify POST -> payment POST (callee only)  - / 250 / 400     undeclared   yes
# P9   order GET -> cart GET                     50 / 100           violated     no
ESTATE = {
    "order-service": (
        "ECOM-BU",
        """
        /v1/orders:
          post:
            operationId: createOrder
            x-slo-p99: 2s
            x-calls:
              - {service: payment-service, operation: createPayment, x-slo-p99: 300ms}
              - {service: cart-service, operation: "GET /v1/carts/{id}", x-slo-p99: 200ms}
              - {service: notify-service, operation: sendMessage, x-slo-p99: 1s, mode: async}
              - {service: fraud-service, operation: checkOrder, x-slo-p99: 200ms}
            responses: {"201": {description: created}}
        /v1/orders/{id}:
          parameters: [{name: id, in: path, required: true, schema: {type: string}}]
          get:
            operationId: getOrder
            x-slo-p99: 500ms
            x-calls:
              - {service: payment-service, operation: getPayment, x-slo-p99: 100ms}
              - {service: payment-service, operation: refundPayment, x-slo-p99: 300ms}
              - {service: cart-service, operation: getCart, x-slo-p99: 50ms}
            responses: {"200": {description: ok}}
        """,
    ),
    "cart-service": (
        "ECOM-BU",
        """
        /v1/carts/{cartId}:
          parameters: [{name: cartId, in: path, required: true, schema: {type: string}}]
          get:
            operationId: getCart
            x-slo-p99: 100ms
            x-calls: [{service: payment-service, operation: reconcile, x-slo-p99: 100ms}]
            responses: {"200": {description: ok}}
        """,
    ),
    "payment-service": (
        "PAY-BU",
        """
        /v1/payments:
          post:
            operationId: createPayment
            x-slo-p99: 250ms
            x-consumers:
              - {service: order-service, operation: createOrder, x-slo-p99: 300ms}
              - {service: notify-service, operation: "POST /v1/messages", x-slo-p99: 400ms}
            responses: {"201": {description: created}}
        /v1/payments/{paymentId}:
          parameters: [{name: paymentId, in: path, required: true, schema: {type: string}}]
          get:
            operationId: getPayment
            x-slo-p99: 150ms
            responses: {"200": {description: ok}}
        /internal/reconcile:
          x-internal: true
          post:
            operationId: reconcile
            x-slo-p99: 50ms
            responses: {"200": {description: ok}}
        """,
    ),
    "notify-service": (
        "CRM-BU",
        """
        /v1/messages:
          post:
            operationId: sendMessage
            x-slo-p99: 500ms
            x-consumers: [{service: order-service, operation: createOrder, x-slo-p99: 900ms}]
            responses: {"202": {description: accepted}}
        """,
    ),
}


@pytest.fixture
def estate(in_tmp: Path) -> Path:
    for service, (owner, paths) in ESTATE.items():
        spec(in_tmp, service, owner, paths)
    return in_tmp


def test_estate_pairs(estate: Path) -> None:
    code, report = check_json(".")
    assert code == 1
    cart, order_get = "cart-service GET /v1/carts/{cartId}", "order-service GET /v1/orders/{id}"
    notify = "notify-service POST /v1/messages"
    assert report["pairs"] == [
        pair(
            cart,
            "payment-service POST /internal/reconcile",
            "aligned",
            "100ms",
            "50ms",
            not_counted="internal",
        ),  # P7
        pair(notify, CREATE_PAYMENT, "undeclared", None, "250ms", "400ms"),  # P8
        pair(order_get, cart, "violated", "50ms", "100ms", cross_bu=False),  # P9
        pair(order_get, GET_PAYMENT, "violated", "100ms", "150ms"),  # P3
        pair(order_get, "payment-service refundPayment", "unresolved", "300ms", None),  # P6
        pair(ORDER, cart, "aligned", "200ms", "100ms", cross_bu=False),  # P2
        pair(ORDER, "fraud-service checkOrder", "out-of-view", "200ms", None),  # P5
        pair(ORDER, notify, "violated", "1s", "500ms", "900ms", mode="async"),  # P4
        pair(ORDER, CREATE_PAYMENT, "aligned", "300ms", "250ms", "300ms"),  # P1
    ]
    assert rules(report) == Counter(
        {
            "slo-misaligned": 2,
            "slo-agreement-mismatch": 1,
            "call-out-of-view": 1,
            "call-unresolved": 1,
            "call-not-declared": 1,
            "threshold-alignment": 1,
        }
    )


def test_estate_alignment_cross_bu(estate: Path) -> None:
    _, report = check_json(".")
    metrics = report["metrics"]
    # in scope: P1 P3 P4 P6 P8 (P5 out of view; P2 P9 within ECOM-BU; P7 internal)
    assert ratio(metrics["alignment"]) == (20.0, 1, 5, 1)
    assert {bu: ratio(group["alignment"]) for bu, group in metrics["by_bu"].items()} == {
        "ECOM-BU": (25.0, 1, 4, 1),  # P1 P3 P4 P6, P5 out of view
        "PAY-BU": (33.3, 1, 3, 0),  # P1 P3 P8
        "CRM-BU": (0.0, 0, 2, 0),  # P4 P8
        "(unowned)": (0.0, 0, 1, 0),  # P6: the unresolved callee has no known BU
    }
    assert {name: ratio(group["alignment"]) for name, group in metrics["by_service"].items()} == {
        "order-service": (25.0, 1, 4, 1),  # P1 P3 P4 P6, P5 out of view
        "payment-service": (25.0, 1, 4, 0),  # P1 P3 P6 P8
        "notify-service": (0.0, 0, 2, 0),  # P4 P8
        "cart-service": (None, 0, 0, 0),  # P2 P9 within ECOM-BU, P7 internal
    }
    for group in [metrics, *metrics["by_bu"].values(), *metrics["by_service"].values()]:
        assert group["alignment"]["scope"] == "cross-bu"
    assert metrics["completeness"] == {"percent": 100.0, "numerator": 6, "denominator": 6}
    assert metrics["by_bu"]["(unowned)"]["completeness"] == {
        "percent": None,
        "numerator": 0,
        "denominator": 0,
    }


def test_estate_alignment_all(estate: Path) -> None:
    _, report = check_json(".", "--alignment-scope", "all")
    metrics = report["metrics"]
    # in scope: P1 P2 P3 P4 P6 P8 P9 (P5 out of view; P7 internal)
    assert ratio(metrics["alignment"]) == (28.6, 2, 7, 1)
    assert metrics["alignment"]["scope"] == "all"
    assert {bu: ratio(group["alignment"]) for bu, group in metrics["by_bu"].items()} == {
        "ECOM-BU": (33.3, 2, 6, 1),  # P1 P2 P3 P4 P6 P9, P5 out of view
        "PAY-BU": (33.3, 1, 3, 0),  # P1 P3 P8
        "CRM-BU": (0.0, 0, 2, 0),  # P4 P8
        "(unowned)": (0.0, 0, 1, 0),  # P6
    }
    assert {name: ratio(group["alignment"]) for name, group in metrics["by_service"].items()} == {
        "order-service": (33.3, 2, 6, 1),  # P1 P2 P3 P4 P6 P9, P5 out of view
        "payment-service": (25.0, 1, 4, 0),  # P1 P3 P6 P8
        "notify-service": (0.0, 0, 2, 0),  # P4 P8
        "cart-service": (50.0, 1, 2, 0),  # P2 P9
    }


def test_scope_from_config_and_score_agrees_with_check(estate: Path) -> None:
    (estate / "contract-gate.toml").write_text('alignment-scope = "all"\n')
    _, checked = check_json(".")
    scored = json.loads(invoke("score", ".", "--format", "json").stdout)
    assert ratio(checked["metrics"]["alignment"]) == (28.6, 2, 7, 1)
    assert scored["metrics"] == checked["metrics"]
    assert scored["pairs"] == checked["pairs"]


def test_a_pair_within_one_service_counts_once_for_it(in_tmp: Path) -> None:
    paths = """
        /v1/orders:
          post:
            operationId: createOrder
            x-slo-p99: 800ms
            x-calls: [{service: order-service, operation: getOrder, x-slo-p99: 100ms}]
            responses: {"201": {description: created}}
          get:
            operationId: getOrder
            x-slo-p99: 200ms
            responses: {"200": {description: ok}}
    """
    spec(in_tmp, "order-service", "ECOM-BU", paths)
    _, report = check_json(".", "--alignment-scope", "all", "--min-alignment", "0")
    assert report["pairs"] == [
        pair(
            ORDER,
            "order-service GET /v1/orders",
            "violated",
            "100ms",
            "200ms",
            cross_bu=False,
            not_counted=None,
        )
    ]
    assert ratio(report["metrics"]["alignment"]) == (0.0, 0, 1, 0)
    assert ratio(report["metrics"]["by_service"]["order-service"]["alignment"]) == (0.0, 0, 1, 0)
    assert ratio(report["metrics"]["by_bu"]["ECOM-BU"]["alignment"]) == (0.0, 0, 1, 0)


def test_an_unknown_owner_makes_a_pair_cross_bu(in_tmp: Path) -> None:
    # both sides say ECOM-BU, but getPayment's own owner is invalid: its BU is unknown
    order(in_tmp, TO_CREATE, "{service: payment-service, operation: getPayment, x-slo-p99: 300ms}")
    payment(in_tmp, owner="ECOM-BU", get="x-bu-owner: ecom team")
    _, report = check_json(".", "--min-completeness", "0")
    assert [(p["callee"]["operation"], p["cross_bu"]) for p in report["pairs"]] == [
        ("GET /v1/payments/{paymentId}", True),
        ("POST /v1/payments", False),
    ]
    assert ratio(report["metrics"]["alignment"]) == (100.0, 1, 1, 0)
    assert ratio(report["metrics"]["by_bu"]["ECOM-BU"]["alignment"]) == (100.0, 1, 1, 0)
    assert ratio(report["metrics"]["by_bu"]["(unowned)"]["alignment"]) == (100.0, 1, 1, 0)


def test_pairs_with_an_internal_operation_are_listed_not_counted(in_tmp: Path) -> None:
    orders = """
        /v1/orders:
          post:
            operationId: createOrder
            x-slo-p99: 800ms
            x-calls: [{service: payment-service, operation: reconcile, x-slo-p99: 100ms}]
            responses: {"201": {description: created}}
        /internal/sync:
          post:
            x-internal: true
            operationId: syncOrders
            x-slo-p99: 800ms
            x-calls: [{service: payment-service, operation: createPayment, x-slo-p99: 100ms}]
            responses: {"200": {description: ok}}
    """
    payments = """
        /v1/payments:
          post:
            operationId: createPayment
            x-slo-p99: 250ms
            responses: {"201": {description: created}}
        /internal/reconcile:
          x-internal: true
          post:
            operationId: reconcile
            x-slo-p99: 50ms
            responses: {"200": {description: ok}}
    """
    spec(in_tmp, "order-service", "ECOM-BU", orders)
    spec(in_tmp, "payment-service", "PAY-BU", payments)
    code, report = check_json(".", "--min-alignment", "100")
    assert report["pairs"] == [
        pair(
            "order-service POST /internal/sync",
            CREATE_PAYMENT,
            "violated",
            "100ms",
            "250ms",
            not_counted="internal",
        ),
        pair(
            ORDER,
            "payment-service POST /internal/reconcile",
            "aligned",
            "100ms",
            "50ms",
            not_counted="internal",
        ),
    ]
    assert ratio(report["metrics"]["alignment"]) == (None, 0, 0, 0)
    # the violated pair still has its finding; no threshold on n/a
    assert rules(report) == Counter({"slo-misaligned": 1})
    assert code == 1


# ---------------------------------------------------------------------------------------------
# threshold-alignment


def _half_aligned(folder: Path) -> None:
    """One aligned pair and one listed only by the callee (a warning): alignment 50.0% (1/2)."""
    order(folder, TO_CREATE)
    payment(folder, get="x-consumers: [{service: order-service, operation: createOrder, x-slo-p99: 200ms}]")


def test_threshold_alignment_fires_below_min_alignment(in_tmp: Path) -> None:
    _half_aligned(in_tmp)
    code, report = check_json(".")
    assert code == 1 and report["passed"] is False
    assert ratio(report["metrics"]["alignment"]) == (50.0, 1, 2, 0)
    threshold = [f for f in report["findings"] if f["rule"] == "threshold-alignment"]
    assert [(f["severity"], f["file"], f["line"]) for f in threshold] == [("error", None, None)]
    assert "50.0%" in threshold[0]["message"] and "90" in threshold[0]["message"]
    assert rules(report) == Counter({"call-not-declared": 1, "threshold-alignment": 1})


@pytest.mark.parametrize(("minimum", "code"), [("50", 0), ("50.1", 1), ("0", 0), ("100", 1)])
def test_threshold_alignment_at_the_boundary(in_tmp: Path, minimum: str, code: int) -> None:
    _half_aligned(in_tmp)
    exit_code, report = check_json(".", "--min-alignment", minimum)
    assert exit_code == code
    assert rules(report)["threshold-alignment"] == code


def test_threshold_alignment_from_config(in_tmp: Path) -> None:
    _half_aligned(in_tmp)
    (in_tmp / "contract-gate.toml").write_text("min-alignment = 40\n")
    assert check_json(".")[0] == 0
    assert check_json(".", "--min-alignment", "60")[0] == 1  # the command line wins


def test_threshold_alignment_never_fires_on_n_a(in_tmp: Path) -> None:
    # the only pair is within ECOM-BU (and undeclared: a warning), so cross-bu scope has no pair
    orders = """
        /v1/orders:
          post:
            operationId: createOrder
            x-slo-p99: 800ms
            x-consumers: [{service: cart-service, operation: getCart, x-slo-p99: 900ms}]
            responses: {"201": {description: created}}
    """
    carts = """
        /v1/carts:
          get:
            operationId: getCart
            x-slo-p99: 1s
            responses: {"200": {description: ok}}
    """
    spec(in_tmp, "order-service", "ECOM-BU", orders)
    spec(in_tmp, "cart-service", "ECOM-BU", carts)
    code, report = check_json(".", "--min-alignment", "100")
    assert ratio(report["metrics"]["alignment"]) == (None, 0, 0, 0)
    assert (code, rules(report)) == (0, Counter({"call-not-declared": 1}))
    code, report = check_json(".", "--min-alignment", "100", "--alignment-scope", "all")
    assert ratio(report["metrics"]["alignment"]) == (0.0, 0, 1, 0)
    assert (code, rules(report)["threshold-alignment"]) == (1, 1)


def test_no_call_at_all_is_n_a(in_tmp: Path) -> None:
    payment(in_tmp)
    code, report = check_json(".", "--min-alignment", "100")
    assert (code, report["pairs"], report["findings"]) == (0, [], [])
    assert ratio(report["metrics"]["alignment"]) == (None, 0, 0, 0)
    assert ratio(report["metrics"]["by_bu"]["PAY-BU"]["alignment"]) == (None, 0, 0, 0)


# ---------------------------------------------------------------------------------------------
# budget checks (sync calls only)


def test_budget_infeasible_once_per_slower_sync_callee(in_tmp: Path) -> None:
    file = order(
        in_tmp,
        "service: payment-service\noperation: createPayment\nx-slo-p99: 300ms",  # C 250ms > own 200ms
        "{service: payment-service, operation: getPayment, x-slo-p99: 150ms}",  # C 150ms
        '{service: payment-service, operation: "POST /v1/payments", x-slo-p99: 300ms, mode: async}',
        "{service: payment-service, operation: refundPayment, x-slo-p99: 900ms}",  # unresolved
        "{service: fraud-service, operation: checkOrder, x-slo-p99: 900ms}",  # out of view
        slo="200ms",
    )
    payment(in_tmp)
    _, report = check_json(".", "--min-alignment", "0")
    infeasible = [f for f in report["findings"] if f["rule"] == "budget-infeasible"]
    assert [(f["severity"], f["line"], f["pointer"], f["operation"]) for f in infeasible] == [
        ("error", line_of(file, "- service: payment-service"), f"{ORDER_CALLS}/0", "POST /v1/orders"),
    ]


def test_budget_infeasible_with_an_inherited_own_p99(in_tmp: Path) -> None:
    paths = """
        /v1/orders:
          post:
            operationId: createOrder
            x-calls:
              - {service: payment-service, operation: createPayment, x-slo-p99: 300ms}
              - {service: payment-service, operation: getPayment, x-slo-p99: 300ms}
            responses: {"201": {description: created}}
    """
    spec(in_tmp, "order-service", "ECOM-BU", paths, info="x-slo-p99: 200ms")
    payment(in_tmp, create_slo="0.3s", get="")
    _, report = check_json(".", "--min-alignment", "0")
    infeasible = [f["pointer"] for f in report["findings"] if f["rule"] == "budget-infeasible"]
    assert infeasible == [f"{ORDER_CALLS}/0"]


def test_budget_infeasible_needs_a_valid_own_p99(in_tmp: Path) -> None:
    order(in_tmp, TO_CREATE, slo="'200'")
    payment(in_tmp)
    _, report = check_json(".", "--min-completeness", "0")
    assert rules(report) == Counter({"slo-invalid": 1})


def test_budget_infeasible_is_not_raised_when_equal(in_tmp: Path) -> None:
    order(in_tmp, "{service: payment-service, operation: createPayment, x-slo-p99: 250ms}", slo="0.25s")
    payment(in_tmp)
    code, report = check_json(".")
    assert (code, report["findings"]) == (0, [])


def test_budget_overcommitted_sums_the_valid_sync_budgets(in_tmp: Path) -> None:
    file = order(
        in_tmp,
        TO_CREATE,
        "{service: payment-service, operation: getPayment, x-slo-p99: 0.2s}",
        "{service: payment-service, operation: getPayment, x-slo-p99: 5s, mode: async}",
        "{service: fraud-service, operation: checkOrder, x-slo-p99: 1ms}",
        slo="500ms",
    )
    payment(in_tmp)
    code, report = check_json(".")
    # 300 + 200 + 1 = 501ms > 500ms: the out-of-view call's budget counts, the async one does not
    assert finding(report, "budget-overcommitted") == at(
        "order-service.yaml",
        line_of(file, "x-calls:"),
        ORDER_CALLS,
        "order-service",
        "POST /v1/orders",
        "warning",
    )
    # getPayment named twice (sync, then async): one pair, judged by the first entry
    assert rules(report) == Counter({"budget-overcommitted": 1, "call-out-of-view": 1, "call-duplicate": 1})
    assert code == 0


@pytest.mark.parametrize(
    ("calls", "overcommitted"),
    [
        (["{service: payment-service, operation: createPayment, x-slo-p99: 500ms}"], 0),
        (["{service: payment-service, operation: createPayment, x-slo-p99: 501ms}"], 1),
        (["{service: payment-service, operation: createPayment, x-slo-p99: 501ms, mode: async}"], 0),
        (["{service: payment-service, operation: createPayment, x-slo-p99: '900'}"], 0),  # invalid
        (["{service: payment-service, operation: createPayment}"], 0),  # no budget
        (
            [
                "{service: payment-service, operation: createPayment, x-slo-p99: 0.25s}",
                "{service: payment-service, operation: getPayment, x-slo-p99: 250ms}",
            ],
            0,
        ),
    ],
)
def test_budget_overcommitted_boundaries(in_tmp: Path, calls: list[str], overcommitted: int) -> None:
    order(in_tmp, *calls, slo="500ms")
    payment(in_tmp)
    _, report = check_json(".", "--min-alignment", "0")
    assert rules(report)["budget-overcommitted"] == overcommitted


def test_call_cycles_one_finding_per_cycle_at_its_first_operation(in_tmp: Path) -> None:
    # cycle 1: b-service PUT /b -> a-service GET /z -> a-service POST /a -> b-service PUT /b
    # cycle 2: b-service GET /loop calls itself
    # not cycles: a-service GET /end -> PUT /b (enters cycle 1, is not part of it); the async
    # back edge GET /z -> GET /end; calls to an unresolved operation or an unloaded service
    a_paths = """
        /a:
          post:
            operationId: postA
            x-calls: [{service: b-service, operation: putB, x-slo-p99: 500ms}]
            responses: {"200": {description: ok}}
        /z:
          get:
            operationId: getZ
            x-calls:
              - {service: a-service, operation: postA, x-slo-p99: 500ms}
              - {service: a-service, operation: getEnd, x-slo-p99: 2s, mode: async}
            responses: {"200": {description: ok}}
        /end:
          get:
            operationId: getEnd
            x-slo-p99: 2s
            x-calls:
              - {service: b-service, operation: "PUT /b", x-slo-p99: 500ms}
              - {service: b-service, operation: missing, x-slo-p99: 500ms}
              - {service: ghost, operation: "GET /a", x-slo-p99: 500ms}
            responses: {"200": {description: ok}}
    """
    b_paths = """
        /b:
          put:
            operationId: putB
            x-calls: [{service: a-service, operation: "GET /z", x-slo-p99: 500ms}]
            responses: {"200": {description: ok}}
        /loop:
          get:
            operationId: loop
            x-calls: [{service: b-service, operation: loop, x-slo-p99: 500ms}]
            responses: {"200": {description: ok}}
    """
    a = spec(in_tmp, "a-service", "ECOM-BU", a_paths, info="x-slo-p99: 500ms")
    b = spec(in_tmp, "b-service", "ECOM-BU", b_paths, info="x-slo-p99: 500ms")
    code, report = check_json(".", "--min-alignment", "0")
    cycles = [placed(f) for f in report["findings"] if f["rule"] == "call-cycle"]
    assert cycles == [
        at(
            "a-service.yaml",
            line_of(a, "operationId: getZ") + 1,
            "/paths/~1z/get/x-calls",
            "a-service",
            "GET /z",
            "warning",
        ),
        at(
            "b-service.yaml",
            line_of(b, "operation: loop,"),
            "/paths/~1loop/get/x-calls",
            "b-service",
            "GET /loop",
            "warning",
        ),
    ]
    assert rules(report) == Counter({"call-cycle": 2, "call-unresolved": 1, "call-out-of-view": 1})
    assert code == 1  # call-unresolved


def test_call_cycle_is_reported_at_the_same_operation_whatever_the_file_order(in_tmp: Path) -> None:
    for name, target in (("x-service", "y-service"), ("y-service", "x-service")):
        paths = f"""
            /op:
              get:
                operationId: op
                x-slo-p99: 500ms
                x-calls: [{{service: {target}, operation: op, x-slo-p99: 500ms}}]
                responses: {{"200": {{description: ok}}}}
        """
        spec(in_tmp, name, "ECOM-BU", paths)
    for files in (["x-service.yaml", "y-service.yaml"], ["y-service.yaml", "x-service.yaml"]):
        _, report = check_json(*files)
        cycles = [(f["service"], f["operation"]) for f in report["findings"] if f["rule"] == "call-cycle"]
        assert cycles == [("x-service", "GET /op")]


# ---------------------------------------------------------------------------------------------
# properties over generated estates

BUS = ("ECOM-BU", "PAY-BU", "CRM-BU")
SLOS = ("100ms", "250ms", "0.5s", "1s", "300ms", "2s", "fast", None)
BUDGETS = ("100ms", "250ms", "500ms", "1s", "0.3s", "300", None)


@st.composite
def estates(draw: st.DrawFn) -> dict[str, Any]:
    """2-4 services with random operations, owners, SLOs and calls (some out of view or unresolved)."""
    services: dict[str, Any] = {}
    for index in range(draw(st.integers(2, 4))):
        operations = []
        for number in range(draw(st.integers(1, 3))):
            templated = draw(st.booleans())
            operations.append(
                {
                    "method": draw(st.sampled_from(("get", "post", "put"))),
                    "path": f"/r{number}/{{id{index}}}" if templated else f"/r{number}",
                    "operation_id": f"op{index}x{number}" if draw(st.booleans()) else None,
                    "slo": draw(st.sampled_from(SLOS)),
                    "internal": draw(st.integers(0, 5)) == 0,
                    "calls": [],
                    "consumers": [],
                }
            )
        services[f"svc-{index}"] = {"owner": draw(st.sampled_from(BUS)), "operations": operations}
    names = sorted(services)
    for _ in range(draw(st.integers(0, 8))):
        caller = draw(st.sampled_from(names))
        op = draw(st.sampled_from(services[caller]["operations"]))
        call: dict[str, Any] = {"budget": draw(st.sampled_from(BUDGETS))}
        if draw(st.booleans()):
            call["mode"] = draw(st.sampled_from(("sync", "async")))
        kind = draw(st.sampled_from(("loaded", "loaded", "loaded", "unresolved", "out-of-view")))
        if kind == "out-of-view":
            call |= {"service": f"ghost-{draw(st.integers(0, 1))}", "operation": "GET /x"}
        elif kind == "unresolved":
            call |= {"service": draw(st.sampled_from(names)), "operation": "nothingHere"}
        else:
            callee_service = draw(st.sampled_from(names))
            callee = draw(st.sampled_from(services[callee_service]["operations"]))
            by_id = callee["operation_id"] is not None and draw(st.booleans())
            reference = callee["operation_id"] if by_id else _route(callee)
            call |= {"service": callee_service, "operation": reference, "target": callee}
            if draw(st.integers(0, 3)) == 0:  # some pairs are listed by the callee too
                callee["consumers"].append(_consumer(caller, op, call["budget"], draw(st.booleans())))
        op["calls"].append(call)
    return services


def _route(op: dict[str, Any]) -> str:
    """ "METHOD /path", with parameter names other than the spec's: templates must still match."""
    return f"{op['method'].upper()} {op['path'].replace('{id', '{param')}"


def _consumer(caller: str, op: dict[str, Any], agreed: str | None, by_id: bool) -> dict[str, Any]:
    reference = op["operation_id"] if by_id and op["operation_id"] else _route(op)
    entry: dict[str, Any] = {"service": caller, "operation": reference}
    if agreed is not None:
        entry["x-slo-p99"] = agreed
    return entry


def _mirrored(services: dict[str, Any]) -> dict[str, Any]:
    """The same estate with every resolvable call also listed by its callee, agreeing on the budget."""
    twin = copy.deepcopy(services)
    for name, service in twin.items():
        for op in service["operations"]:
            for call in op["calls"]:
                if "target" in call:
                    target = call["target"]  # deepcopy kept it the very operation of the twin
                    target["consumers"].append(_consumer(name, op, call["budget"], True))
    return twin


def _document(name: str, service: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for op in service["operations"]:
        body: dict[str, Any] = {"responses": {"200": {"description": "ok"}}}
        if "{" in op["path"]:
            param = op["path"].split("{")[1].rstrip("}")
            body["parameters"] = [
                {"name": param, "in": "path", "required": True, "schema": {"type": "string"}}
            ]
        if op["operation_id"]:
            body["operationId"] = op["operation_id"]
        if op["slo"] is not None:
            body["x-slo-p99"] = op["slo"]
        if op["internal"]:
            body["x-internal"] = True
        calls = []
        for call in op["calls"]:
            entry = {k: v for k, v in call.items() if k in ("service", "operation", "mode")}
            if call["budget"] is not None:
                entry["x-slo-p99"] = call["budget"]
            calls.append(entry)
        if calls:
            body["x-calls"] = calls
        if op["consumers"]:
            body["x-consumers"] = op["consumers"]
        paths.setdefault(op["path"], {})[op["method"]] = body
    info = {"title": name, "version": "1", "x-service": name, "x-bu-owner": service["owner"]}
    return {"openapi": "3.0.3", "info": info, "paths": paths}


def _check_estate(services: dict[str, Any], files: list[str] | None, *options: str) -> dict[str, Any]:
    """Write the estate into a fresh folder and check it there, naming `files` (default: sorted)."""
    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):
        for name, service in services.items():
            Path(f"{name}.yaml").write_text(yaml.safe_dump(_document(name, service), sort_keys=False))
        files = files or sorted(f"{name}.yaml" for name in services)
        result = invoke("check", *files, "--format", "json", "--min-completeness", "0", *options)
        assert result.exit_code in (0, 1), result.output
        report: dict[str, Any] = json.loads(result.stdout)
        return report


def _alignments(metrics: dict[str, Any]) -> dict[str, dict[str, Any]]:
    groups = {"overall": metrics["alignment"]}
    groups |= {f"bu:{k}": v["alignment"] for k, v in metrics["by_bu"].items()}
    groups |= {f"service:{k}": v["alignment"] for k, v in metrics["by_service"].items()}
    return groups


def _internal(services: dict[str, Any], listed: dict[str, Any]) -> bool:
    for side in (listed["caller"], listed["callee"]):
        for op in services.get(side["service"], {"operations": []})["operations"]:
            if f"{op['method'].upper()} {op['path']}" == side["operation"] and op["internal"]:
                return True
    return False


# The checker raises the recursion limit on its first run; Hypothesis warns (an error here) when the
# limit changes during an example, so raise it the same way before any example runs.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
PROPERTY = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCOPES = st.sampled_from(("cross-bu", "all"))


@PROPERTY
@given(estates(), st.randoms(use_true_random=False), SCOPES)
def test_results_do_not_depend_on_file_order(services: dict[str, Any], rng: Any, scope: str) -> None:
    files = sorted(f"{name}.yaml" for name in services)
    shuffled = list(files)
    rng.shuffle(shuffled)
    first = _check_estate(services, files, "--alignment-scope", scope)
    for order_of_files in (list(reversed(files)), shuffled):
        other = _check_estate(services, order_of_files, "--alignment-scope", scope)
        assert other["pairs"] == first["pairs"]
        assert other["metrics"] == first["metrics"]
        assert other["findings"] == first["findings"]
        assert other["passed"] == first["passed"]


@PROPERTY
@given(estates(), SCOPES)
def test_aligned_never_exceeds_the_pairs_in_scope(services: dict[str, Any], scope: str) -> None:
    report = _check_estate(services, None, "--alignment-scope", scope)
    for name, alignment in _alignments(report["metrics"]).items():
        numerator, denominator = alignment["numerator"], alignment["denominator"]
        assert 0 <= numerator <= denominator, name
        assert alignment["out_of_view"] >= 0, name
        assert alignment["scope"] == scope, name
        expected = None if denominator == 0 else round(100 * numerator / denominator, 1)
        assert alignment["percent"] == expected, name
    # overall, recounted from the pairs listed
    counted = [
        p
        for p in report["pairs"]
        if p["status"] != "out-of-view" and (scope == "all" or p["cross_bu"]) and not _internal(services, p)
    ]
    overall = report["metrics"]["alignment"]
    assert overall["denominator"] == len(counted)
    assert overall["numerator"] == sum(p["status"] == "aligned" for p in counted)
    assert all(p["cross_bu"] for p in report["pairs"] if p["status"] in ("out-of-view", "unresolved"))


@PROPERTY
@given(estates(), st.data(), SCOPES)
def test_an_out_of_view_call_only_adds_to_out_of_view(
    services: dict[str, Any], data: st.DataObject, scope: str
) -> None:
    before = _check_estate(services, None, "--alignment-scope", scope)
    # one operation calls a service that is not loaded, or lists a consumer that is not loaded
    name = data.draw(st.sampled_from(sorted(services)))
    operation = data.draw(st.sampled_from(services[name]["operations"]))
    budget = data.draw(st.sampled_from(BUDGETS))
    if data.draw(st.booleans()):
        operation["calls"].append({"service": "elsewhere", "operation": "POST /far", "budget": budget})
    else:
        operation["consumers"].append({"service": "elsewhere", "operation": "farAway", "x-slo-p99": budget})
    after = _check_estate(services, None, "--alignment-scope", scope)
    old, new = _alignments(before["metrics"]), _alignments(after["metrics"])
    empty = {"numerator": 0, "denominator": 0, "percent": None, "out_of_view": 0}
    for key, alignment in new.items():
        previous = old.get(key, empty)
        assert (alignment["percent"], alignment["numerator"], alignment["denominator"]) == (
            previous["percent"],
            previous["numerator"],
            previous["denominator"],
        ), key
    added = 0 if operation["internal"] else 1
    assert new["overall"]["out_of_view"] == old["overall"]["out_of_view"] + added
    assert "service:elsewhere" not in new
    group = f"service:{name}"
    assert new[group]["out_of_view"] == old[group]["out_of_view"] + added
    assert len(after["pairs"]) == len(before["pairs"]) + 1


@PROPERTY
@given(estates(), SCOPES)
def test_a_pair_declared_on_both_sides_counts_once(services: dict[str, Any], scope: str) -> None:
    for service in services.values():
        for op in service["operations"]:
            op["consumers"] = []
    one_sided = _check_estate(services, None, "--alignment-scope", scope)
    both_sided = _check_estate(_mirrored(services), None, "--alignment-scope", scope)

    def without_agreed(pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in p.items() if k != "agreed"} for p in pairs]

    assert without_agreed(both_sided["pairs"]) == without_agreed(one_sided["pairs"])
    assert both_sided["metrics"] == one_sided["metrics"]


# ---------------------------------------------------------------------------------------------
# SPEC §2, §3, §6: duplicate ids, calls by full path, one callee named twice, threshold messages


def test_a_later_duplicate_service_is_left_out_whole(in_tmp: Path) -> None:
    (in_tmp / "a").mkdir()
    (in_tmp / "b").mkdir()
    payment(in_tmp / "a")
    copy = """
        /v2/refunds:
          post:
            operationId: createRefund
            responses: {"201": {description: created}}
          get:
            operationId: listRefunds
            x-slo-p99: 100ms
            x-calls: [{service: order-service, operation: createOrder, x-slo-p99: 50ms}]
            responses: {"200": {description: ok}}
    """
    duplicate = spec(in_tmp / "b", "payment-service", "PAY-BU", copy)
    order(in_tmp, TO_CREATE, "{service: payment-service, operation: createRefund, x-slo-p99: 300ms}")
    code, report = check_json(".", "--min-alignment", "0")
    assert code == 1
    # Completeness counts order-service's one operation and the first payment-service's two;
    # the copy's undocumented createRefund and its call to order-service count nowhere.
    assert ratio(report["metrics"]["completeness"] | {"out_of_view": 0}) == (100.0, 3, 3, 0)
    assert sorted(s["id"] for s in report["services"]) == ["order-service", "payment-service"]
    assert report["pairs"] == [
        pair(ORDER, CREATE_PAYMENT, "aligned", "300ms", "250ms"),
        pair(ORDER, "payment-service createRefund", "unresolved", "300ms", None),
    ]
    assert finding(report, "service-duplicate")["file"] == "b/payment-service.yaml"
    assert "a/payment-service.yaml" in next(
        f["message"] for f in report["findings"] if f["rule"] == "service-duplicate"
    )
    assert duplicate.exists()


def test_calls_by_full_path_resolve_through_base_path_and_servers(in_tmp: Path) -> None:
    (in_tmp / "quote-service.yaml").write_text(
        "swagger: '2.0'\n"
        "info: {title: quote, version: '1', x-service: quote-service,"
        " x-bu-owner: PRICE-BU, x-slo-p99: 100ms}\n"
        "basePath: /v2/\n"
        "paths:\n"
        "  /quotes/{id}:\n"
        "    parameters: [{name: id, in: path, required: true, type: string}]\n"
        "    get: {responses: {'200': {description: ok}}}\n"
    )
    (in_tmp / "tax-service.yaml").write_text(
        "openapi: 3.0.3\n"
        "info: {title: tax, version: '1', x-service: tax-service, x-bu-owner: TAX-BU, x-slo-p99: 100ms}\n"
        "servers:\n"
        "  - url: https://{region}.example.com/{base}/v1\n"
        "    variables: {region: {default: eu}, base: {default: tax}}\n"
        "  - url: /\n"
        "paths:\n"
        "  /rates:\n"
        "    get: {responses: {'200': {description: ok}}}\n"
    )
    order(
        in_tmp,
        '{service: quote-service, operation: "GET /v2/quotes/{quoteId}", x-slo-p99: 300ms}',
        '{service: tax-service, operation: "GET /tax/v1/rates", x-slo-p99: 300ms}',
        '{service: tax-service, operation: "GET /v9/rates", x-slo-p99: 300ms}',
    )
    _, report = check_json(".", "--min-alignment", "0")
    statuses = {p["callee"]["operation"]: p["status"] for p in report["pairs"]}
    assert statuses == {
        "GET /quotes/{id}": "aligned",  # keyed by the callee's path as written (SPEC §10)
        "GET /rates": "aligned",
        "GET /v9/rates": "unresolved",
    }
    assert rules(report) == Counter({"call-unresolved": 1})


def test_one_callee_operation_named_twice_in_other_words_is_call_duplicate(in_tmp: Path) -> None:
    file = order(
        in_tmp,
        "{service: payment-service, operation: createPayment, x-slo-p99: 300ms}",
        '{service: payment-service, operation: "POST /v1/payments", x-slo-p99: 100ms}',
    )
    payment(in_tmp)
    _, report = check_json(".", "--min-alignment", "0")
    # The first entry counts: 300ms against 250ms is aligned, whatever the second says.
    assert report["pairs"] == [pair(ORDER, CREATE_PAYMENT, "aligned", "300ms", "250ms")]
    duplicate = finding(report, "call-duplicate")
    assert duplicate["severity"] == "warning"
    assert (duplicate["line"], duplicate["pointer"]) == (
        line_of(file, "POST /v1/payments"),
        f"{ORDER_CALLS}/1",
    )
    message = next(f["message"] for f in report["findings"] if f["rule"] == "call-duplicate")
    assert "300ms" in message and "100ms" in message


@pytest.mark.parametrize(
    ("threshold", "shown"),
    [("73.7", "73.68%"), ("73.69", "73.68%"), ("73.685", "73.68%"), ("74", "73.7%"), ("80", "73.7%")],
)
def test_a_missed_threshold_shows_enough_decimals_to_differ(in_tmp: Path, threshold: str, shown: str) -> None:
    lines = []
    for number in range(19):  # 14 of 19 documented: 73.684...%
        slo = "x-slo-p99: 100ms" if number < 14 else ""
        lines += [f"/op{number}:", "  get:", f"    {slo or 'operationId: op' + str(number)}"]
        lines += ['    responses: {"200": {description: ok}}']
    spec(in_tmp, "order-service", "ECOM-BU", "\n".join(lines))
    code, report = check_json(".", "--min-completeness", threshold)
    assert code == 1
    message = next(f["message"] for f in report["findings"] if f["rule"] == "threshold-completeness")
    assert message.startswith(f"documentation completeness {shown} (14/19 operations) is below")
    assert message.endswith(f"min-completeness {threshold}%")
    assert report["metrics"]["completeness"]["percent"] == 73.7


def test_a_threshold_met_exactly_is_not_missed(in_tmp: Path) -> None:
    lines = []
    for number in range(3):  # 1 of 3 documented: 33.333...%, above 33.3 and below 33.34
        slo = "x-slo-p99: 100ms" if number < 1 else f"operationId: op{number}"
        lines += [f"/op{number}:", "  get:", f"    {slo}", '    responses: {"200": {description: ok}}']
    spec(in_tmp, "order-service", "ECOM-BU", "\n".join(lines))
    assert "threshold-completeness" not in rules(check_json(".", "--min-completeness", "33.3")[1])
    assert "threshold-completeness" in rules(check_json(".", "--min-completeness", "33.34")[1])
