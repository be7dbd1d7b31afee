"""Instant queries to a Prometheus HTTP API (Prometheus, Thanos, Grafana Mimir), bounded in time.

Standard library only: urllib with an SSLContext for a CA file, a bearer token, a timeout per
query, a few queries at once and a deadline for them all. Every way it can fail is an
`ObserveError` of one line that names the server and, once it answered, the query.
"""

from __future__ import annotations

import json
import math
import os
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TOKEN_ENV = "CONTRACT_GATE_PROMETHEUS_TOKEN"
CONCURRENCY = 4
_ANSWER_LIMIT = 64 * 1024 * 1024  # a vector of a few thousand series is far below this
_QUOTED = 160  # characters of a query or an answer a message quotes


class ObserveError(Exception):
    """The server cannot be asked, or what it answered is not a Prometheus answer."""


@dataclass(frozen=True, slots=True)
class Connection:
    """Where the server is and how to talk to it."""

    url: str
    token: str | None = None
    ca_file: Path | None = None
    timeout: float = 30.0
    deadline: float = 120.0

    @classmethod
    def from_env(cls, url: str, ca_file: Path | None, timeout: float, deadline: float) -> Connection:
        """A connection whose bearer token comes from CONTRACT_GATE_PROMETHEUS_TOKEN (when set)."""
        token = os.environ.get(TOKEN_ENV) or None
        return cls(url.rstrip("/"), token, ca_file, timeout, deadline)


# One series of an instant vector: its labels and its value (NaN when there is no data).
Sample = tuple[dict[str, str], float]


def query_all(connection: Connection, queries: Sequence[str], at: float) -> list[list[Sample]]:
    """The instant vector of every query at unix time `at`, in order; at most CONCURRENCY at once."""
    if not queries:
        return []
    context = _ssl_context(connection)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=min(CONCURRENCY, len(queries))) as pool:
        futures = [pool.submit(_query, connection, context, q, at, started) for q in queries]
        done, pending = wait(futures, timeout=connection.deadline, return_when=FIRST_EXCEPTION)
        for future in futures:
            if future in done and future.exception() is not None:
                for other in pending:
                    other.cancel()
                raise future.exception()  # type: ignore[misc]
        if pending:
            for other in pending:
                other.cancel()
            raise ObserveError(
                f"{connection.url} did not answer {len(pending)} of {len(queries)} queries within the"
                f" deadline of {connection.deadline:g}s"
            )
        return [future.result() for future in futures]


def _ssl_context(connection: Connection) -> ssl.SSLContext | None:
    if not connection.url.startswith("https://"):
        return None
    try:
        return ssl.create_default_context(
            cafile=str(connection.ca_file) if connection.ca_file is not None else None
        )
    except (OSError, ssl.SSLError) as error:
        raise ObserveError(f"cannot use the CA file {connection.ca_file}: {error}") from None


def _query(
    connection: Connection, context: ssl.SSLContext | None, promql: str, at: float, started: float
) -> list[Sample]:
    remaining = connection.deadline - (time.monotonic() - started)
    timeout = max(0.1, min(connection.timeout, remaining))
    body = urllib.parse.urlencode({"query": promql, "time": _time(at)}).encode()
    request = urllib.request.Request(
        f"{connection.url}/api/v1/query",
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
    )
    if connection.token:
        request.add_header("Authorization", f"Bearer {connection.token}")
    where = connection.url
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            raw = response.read(_ANSWER_LIMIT + 1)
    except urllib.error.HTTPError as error:
        raise ObserveError(_http_error(where, error, promql)) from None
    except urllib.error.URLError as error:
        raise ObserveError(_unreachable(where, error.reason, timeout)) from None
    except TimeoutError as error:
        raise ObserveError(_unreachable(where, error, timeout)) from None
    except (OSError, ValueError) as error:  # a reset connection, a URL urllib cannot use
        raise ObserveError(_unreachable(where, error, timeout)) from None
    if len(raw) > _ANSWER_LIMIT:
        raise ObserveError(f"{where} answered more than {_ANSWER_LIMIT:,} bytes to {_shown(promql)}")
    return parse_vector(raw, where, promql)


def parse_vector(raw: bytes, where: str, promql: str) -> list[Sample]:
    """The series of a `/api/v1/query` answer; ObserveError when it is not what Prometheus sends."""

    def wrong(why: str) -> ObserveError:
        return ObserveError(f"the answer of {where} to {_shown(promql)} is not a Prometheus answer: {why}")

    try:
        answer: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise wrong(f"not JSON ({_shown(raw.decode('utf-8', 'replace'))})") from None
    if not isinstance(answer, dict) or answer.get("status") != "success":
        if isinstance(answer, dict) and answer.get("status") == "error":
            raise ObserveError(f"{where} refused {_shown(promql)}: {answer.get('error', 'no reason given')}")
        raise wrong('no "status": "success"')
    data = answer.get("data")
    if not isinstance(data, dict) or data.get("resultType") != "vector":
        raise wrong('no "data" of "resultType": "vector"')
    result = data.get("result")
    if not isinstance(result, list):
        raise wrong('"data.result" is not a list')
    samples: list[Sample] = []
    for item in result:
        metric = item.get("metric") if isinstance(item, dict) else None
        value = item.get("value") if isinstance(item, dict) else None
        labels_ok = isinstance(metric, dict) and all(isinstance(v, str) for v in metric.values())
        if not labels_ok or not isinstance(value, list) or len(value) != 2 or not isinstance(value[1], str):
            raise wrong('a series without "metric" labels and a "value" [time, "number"]')
        try:
            number = float(value[1])
        except ValueError:
            raise wrong(f"the value {_shown(value[1])} is not a number") from None
        samples.append((dict(metric), number))  # type: ignore[arg-type]
    return samples


def _http_error(where: str, error: urllib.error.HTTPError, promql: str) -> str:
    reason = ""
    try:
        answer = json.loads(error.read(64 * 1024))
        if isinstance(answer, dict) and isinstance(answer.get("error"), str):
            reason = f": {answer['error']}"
    except (ValueError, OSError, UnicodeDecodeError):
        pass
    if error.code in (401, 403):
        hint = f" (set {TOKEN_ENV} to a token it accepts)"
        return f"{where} answered HTTP {error.code} {error.reason}{hint}"
    return f"{where} answered HTTP {error.code} {error.reason} to {_shown(promql)}{reason}"


def _unreachable(where: str, reason: object, timeout: float) -> str:
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"{where} did not answer within {timeout:g}s"
    if isinstance(reason, ssl.SSLError | ssl.CertificateError):
        return f"TLS with {where} failed: {reason} (--ca-file names the CA that signed its certificate)"
    if isinstance(reason, ConnectionRefusedError):
        return f"cannot reach {where}: connection refused (is Prometheus running there?)"
    text = getattr(reason, "strerror", None) or str(reason)
    return f"cannot reach {where}: {text}"


def _time(at: float) -> str:
    return f"{at:.3f}" if math.isfinite(at) else "0"


def _shown(text: str) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= _QUOTED else flat[: _QUOTED - 3] + "...")
