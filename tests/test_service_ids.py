"""Service ids as callers must write them (SPEC §2): what a call to an id nobody loaded is told.

A spec without `info.x-service` is named by a slug of its title (else of its file name); a caller
naming it otherwise is out of view. The finding lists the loaded ids, says which were derived and
from what, and suggests the closest one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import check_json

NOT_LOADED = "which is not among the loaded specs; the pair is listed but not counted"
ADVICE = "set info.x-service to name a service rather than derive its id"


def write(path: Path, info: str, operation: str) -> None:
    """A spec at `path` with `info` (YAML mapping lines) and one operation (YAML under its method)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["openapi: 3.0.3", "info:", "  version: '1'", *(f"  {line}" for line in info.splitlines())]
    lines += ["paths:", "  /v1/things:", "    post:", *(f"      {line}" for line in operation.splitlines())]
    lines += ['      responses: {"201": {description: created}}']
    path.write_text("\n".join(lines) + "\n")


def caller(path: Path, *services: str) -> None:
    """order-service (x-service), calling createThing of each of `services`."""
    calls = "\n".join(
        f"  - {{service: {name}, operation: createThing, x-slo-p99: 300ms}}" for name in services
    )
    write(
        path,
        "title: Orders\nx-service: order-service\nx-bu-owner: ECOM-BU",
        f"operationId: createOrder\nx-slo-p99: 2s\nx-calls:\n{calls}",
    )


def callee(path: Path, info: str) -> None:
    write(path, f"{info}\nx-bu-owner: PAY-BU", "operationId: createThing\nx-slo-p99: 250ms")


def out_of_view(report: dict[str, Any]) -> list[str]:
    return [f["message"] for f in report["findings"] if f["rule"] == "call-out-of-view"]


def test_a_call_to_an_id_not_loaded_names_the_loaded_ids_where_they_came_from_and_the_closest(
    in_tmp: Path,
) -> None:
    caller(in_tmp / "specs" / "orders.yaml", "payment-service")
    callee(in_tmp / "specs" / "payments.yaml", "title: Payments")  # id "payments", from its title
    callee(in_tmp / "specs" / "fraud-checks.yaml", "title: '???'")  # nothing to slug: from its file name
    code, report = check_json("specs")
    assert code == 0  # call-out-of-view is info
    assert out_of_view(report) == [
        f'POST /v1/things calls service "payment-service", {NOT_LOADED}.'
        " Did you mean payments? Loaded services:"
        " fraud-checks (from the file name of specs/fraud-checks.yaml), order-service,"
        f" payments (from the title of specs/payments.yaml); {ADVICE}"
    ]
    assert [p["status"] for p in report["pairs"]] == ["out-of-view"]


def test_naming_the_derived_id_resolves_the_call(in_tmp: Path) -> None:
    caller(in_tmp / "orders.yaml", "payments")
    callee(in_tmp / "payments.yaml", "title: Payments")
    code, report = check_json(".")
    assert (code, report["findings"]) == (0, [])
    assert [(p["callee"]["service"], p["status"]) for p in report["pairs"]] == [("payments", "aligned")]


def test_the_closest_id_ignores_case_and_words_every_id_has(in_tmp: Path) -> None:
    caller(in_tmp / "orders.yaml", "Payment-Service", "payments-api", "tax-service")
    callee(in_tmp / "payments.yaml", "title: Payments\nx-service: payment-service")
    callee(in_tmp / "vouchers.yaml", "title: Vouchers\nx-service: voucher-service")
    _, report = check_json(".")
    loaded = "Loaded services: order-service, payment-service, voucher-service"
    assert out_of_view(report) == [
        f'POST /v1/things calls service "Payment-Service", {NOT_LOADED}.'
        f" Did you mean payment-service? {loaded}",
        f'POST /v1/things calls service "payments-api", {NOT_LOADED}. Did you mean payment-service? {loaded}',
        # "-service" alone makes no match: no voucher-service (difflib's 0.61 on the whole ids)
        f'POST /v1/things calls service "tax-service", {NOT_LOADED}. {loaded}',
    ]


def test_many_loaded_ids_are_capped_and_the_suggestion_is_always_listed(in_tmp: Path) -> None:
    caller(in_tmp / "orders.yaml", "zz-ledger")
    for name in [f"svc-{n:02d}" for n in range(12)] + ["zz-ledgers"]:
        callee(in_tmp / f"{name}.yaml", f"title: {name}\nx-service: {name}")
    _, report = check_json(".")
    first_eight = ", ".join(f"svc-{n:02d}" for n in range(8))
    assert out_of_view(report) == [
        f'POST /v1/things calls service "zz-ledger", {NOT_LOADED}.'
        f" Did you mean zz-ledgers? Loaded services: zz-ledgers, order-service, {first_eight} and 4 more"
    ]


def test_a_consumer_not_loaded_is_told_the_same(in_tmp: Path) -> None:
    caller(in_tmp / "orders.yaml")
    write(
        in_tmp / "payments.yaml",
        "title: Payments\nx-bu-owner: PAY-BU",
        "operationId: createThing\nx-slo-p99: 250ms\n"
        "x-consumers: [{service: orders, operation: createOrder, x-slo-p99: 300ms}]",
    )
    _, report = check_json(".")
    assert out_of_view(report) == [
        f'POST /v1/things lists consumer service "orders", {NOT_LOADED}.'
        " Did you mean order-service? Loaded services: order-service,"
        f" payments (from the title of payments.yaml); {ADVICE}"
    ]
