"""A real Prometheus over a backfilled TSDB whose p99s are known by construction (samples/EXPECTED.md).

Shared by the tests of `observe` and `audit --prometheus`: the traffic, the numbers it gives, and
`running_prometheus`, which conftest.py's session fixture `prometheus` starts once for them all.
Its TSDB is backfilled with `promtool tsdb create-blocks-from openmetrics`; queries are evaluated
at a fixed time inside the data, so every number is exact.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

START = 1_717_200_000  # 2024-06-01T00:00:00Z
STEP, STEPS = 60, 120  # two hours of samples, one a minute
AT = START + STEP * STEPS  # --at: the last sample
WINDOW = "1h"
PER_STEP = 1000  # requests per minute of each operation with traffic
SECONDS_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# The p99 of each series by construction: `below` of the PER_STEP requests fall at or under
# `lo`, the rest in (lo, hi], so histogram_quantile gives lo + (hi - lo) * (990 - below) / (1000 - below).
# (service, method, route): (lo, hi, below) in seconds; below 980 puts the p99 mid-bucket.
# None: the series exists but has no requests in the window (histogram_quantile gives NaN).
TRAFFIC: dict[tuple[str, str, str], tuple[float, float, int] | None] = {
    ("storefront-api", "GET", "/api/v1/cart/{cartId}"): (0.25, 0.5, 980),  # 375ms, SLO 400ms
    ("storefront-api", "DELETE", "/api/v1/cart/{cartId}/items/{itemId}"): (0.25, 0.5, 960),  # 437.5 > 300
    ("storefront-api", "GET", "/api/v1/wishlist"): None,  # no requests: SLO 500ms unobserved
    ("billing-gateway", "GET", "/v1/invoices"): (1.0, 2.5, 980),  # 1750ms, invalid SLO; callee of L2
    ("billing-gateway", "POST", "/v1/invoices"): (0.5, 1.0, 980),  # 750ms, SLO 1s
    ("billing-gateway", "GET", "/v1/payment-methods"): (0.05, 0.1, 980),  # 75ms, SLO 100ms
    ("loyalty-service", "GET", "/v2/members/{memberId}/points"): (1.0, 2.5, 980),  # 1750ms, SLO 2s
    ("loyalty-service", "POST", "/v2/members/{memberId}/points/redemptions"): (1.0, 2.5, 980),  # > 1.5s
    ("loyalty-service", "GET", "/v2/tiers"): (0.25, 0.5, 980),  # 375ms, SLO 2s
    ("returns-service", "GET", "/v1/returns"): (0.5, 1.0, 980),  # 750ms > 600ms
    ("returns-service", "POST", "/v1/returns"): (0.25, 0.5, 980),  # 375ms, SLO 700ms
    # returns-service GET /v1/returns/{rmaId}/label (SLO 1.2s): no series at all
    ("voucher-service", "POST", "/v1/vouchers"): (0.25, 0.5, 960),  # 437.5ms > 400ms
    ("voucher-service", "GET", "/v1/vouchers/{voucherCode}"): (0.05, 0.1, 980),  # 75ms, SLO 150ms
}


def p99_ms(lo: float, hi: float, below: int) -> float:
    return 1000 * (lo + (hi - lo) * (990 - below) / (PER_STEP - below))


def tool(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is not installed: run `make test-deps` (Debian's prometheus package)"
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _histogram(name: str, buckets: tuple[float, ...], scale: float) -> list[str]:
    """OpenMetrics lines of one histogram family: every series of TRAFFIC, a sample a minute."""
    lines = [f"# TYPE {name} histogram"]
    for (service, method, route), shape in TRAFFIC.items():
        labels = f'job="{service}",http_request_method="{method}",http_route="{route}"'
        for step in range(STEPS + 1):
            count = 0 if shape is None else step * PER_STEP
            for le in (*buckets, float("inf")):
                if shape is None:
                    cumulative = 0
                else:
                    lo, hi, below = shape
                    bound = le / scale
                    cumulative = 0 if bound < lo else below if bound < hi else PER_STEP
                    cumulative *= step
                shown = "+Inf" if le == float("inf") else f"{le:g}"
                lines.append(f'{name}_bucket{{{labels},le="{shown}"}} {cumulative} {START + step * STEP}')
            lines.append(f"{name}_count{{{labels}}} {count} {START + step * STEP}")
            lines.append(f"{name}_sum{{{labels}}} 0 {START + step * STEP}")
    return lines


@contextlib.contextmanager
def running_prometheus(folder: Path) -> Iterator[str]:
    """A real Prometheus on 127.0.0.1 at a free port over a backfilled TSDB in `folder`; its URL."""
    data = folder / "data.om"
    lines = _histogram("http_server_request_duration_seconds", SECONDS_BUCKETS, 1.0)
    # The same traffic in a milliseconds histogram, for `histogram-unit = "milliseconds"`.
    lines += _histogram("http_server_duration_milliseconds", tuple(b * 1000 for b in SECONDS_BUCKETS), 1000.0)
    data.write_text("\n".join([*lines, "# EOF", ""]), encoding="utf-8")
    tsdb = folder / "tsdb"
    subprocess.run(
        [tool("promtool"), "tsdb", "create-blocks-from", "openmetrics", str(data), str(tsdb)],
        check=True,
        capture_output=True,
    )
    config = folder / "prometheus.yml"
    config.write_text("global: {}\n", encoding="utf-8")
    address = f"127.0.0.1:{free_port()}"
    log = folder / "log.txt"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [
                tool("prometheus"),
                f"--config.file={config}",
                f"--storage.tsdb.path={tsdb}",
                "--storage.tsdb.retention.time=100y",
                f"--web.listen-address={address}",
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://{address}/-/ready", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "Prometheus did not get ready:\n" + log.read_text()
            time.sleep(0.2)
        yield f"http://{address}"
    finally:
        process.terminate()
        process.wait(timeout=30)
