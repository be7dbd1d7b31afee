"""`contract-gate observe PATH… --prometheus URL`: declared x-slo-p99 against the observed p99."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from contract_gate.cli.support import (
    EXIT_FAILED,
    EXIT_PASSED,
    config_help,
    emit,
    fail_on_option,
    format_option,
    guarded,
    output_option,
    overrides,
    paths_argument,
    run_gate,
    run_options,
)
from contract_gate.config.settings import PrometheusConfig
from contract_gate.observe.client import TOKEN_ENV, Connection
from contract_gate.outputs.registry import formats, observe_output

if TYPE_CHECKING:
    from contract_gate.engine.run import Report
    from contract_gate.observe.judge import Observation

F = TypeVar("F", bound=Callable[..., Any])
_DURATION = re.compile(r"^(?:[0-9]+(?:y|w|d|h|m|s|ms))+$")
EXAMPLES = """\b
Examples:
  contract-gate observe specs/ --prometheus http://prometheus:9090
  contract-gate observe specs/ --prometheus https://mimir.example.com/prometheus --window 30d
  contract-gate observe specs/ --prometheus http://thanos-query:9090 --format sarif -o observed.sarif
"""


def _window(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    if not _DURATION.match(value):
        raise click.BadParameter(f'{value!r} is not a Prometheus duration; write it like "7d" or "12h"')
    return value


def _instant(_ctx: click.Context, _param: click.Parameter, value: str | None) -> float:
    """--at as unix seconds: RFC 3339 (`2024-06-01T12:00:00Z`) or a unix time; now when not given."""
    if value is None:
        return time.time()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: write an RFC 3339 time (2024-06-01T12:00:00Z) or unix seconds"
        ) from None
    if moment.tzinfo is None:
        raise click.BadParameter(f"{value!r} has no time zone: add Z or an offset like +02:00")
    return moment.timestamp()


def _server(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.match(r"^https?://[^/\s]+", value):
        raise click.BadParameter(f"{value!r}: write the server's http:// or https:// URL")
    return value


def observe_options(*, required: bool) -> Callable[[F], F]:
    """The options of a Prometheus query: server, window, time, connection and histogram mapping.

    --prometheus is required for `observe`, optional for `audit`; `ObserveRequest.take` collects them.
    """
    options = [
        click.option(
            "--prometheus",
            "server",
            required=required,
            metavar="URL",
            callback=_server,
            help="Base URL of the Prometheus HTTP API (Prometheus, Thanos Query, Grafana Mimir's"
            f" /prometheus); a bearer token is taken from {TOKEN_ENV}.",
        ),
        click.option(
            "--window",
            default="7d",
            show_default=True,
            metavar="DURATION",
            callback=_window,
            help="The span the p99 is measured over, ending at --at (a Prometheus duration).",
        ),
        click.option(
            "--at",
            "at",
            metavar="TIME",
            callback=_instant,
            help="When the window ends: RFC 3339 or unix seconds (default: now).",
        ),
        click.option(
            "--ca-file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="CA certificates (PEM) to verify an https server with, instead of the system's.",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0.1),
            default=30.0,
            show_default=True,
            metavar="SECONDS",
            help="Seconds each query may take.",
        ),
        click.option(
            "--deadline",
            type=click.FloatRange(min=0.1),
            default=120.0,
            show_default=True,
            metavar="SECONDS",
            help="Seconds all the queries together may take.",
        ),
        click.option(
            "--histogram",
            help=config_help(
                "histogram", PrometheusConfig, "Base name of the latency histogram, without _bucket"
            ),
        ),
        click.option(
            "--histogram-unit",
            type=click.Choice(["seconds", "milliseconds"]),
            help=config_help("histogram-unit", PrometheusConfig),
        ),
    ]

    def decorate(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


@dataclass(frozen=True, slots=True)
class ObserveRequest:
    """What the options of `observe_options` ask: which server, which window, how to connect."""

    server: str | None
    window: str
    at: float
    ca_file: Path | None
    timeout: float
    deadline: float
    histogram: str | None
    histogram_unit: str | None

    @classmethod
    def take(cls, options: dict[str, Any]) -> ObserveRequest:
        """The request, its parameters removed from a command's keyword arguments."""
        return cls(**{name: options.pop(name) for name in cls.__slots__})

    def measure(self, report: Report) -> Observation:
        """Ask the server and judge the report's promises by its answers (ObserveError if it cannot)."""
        from contract_gate.observe.judge import observe as judge  # only when a server is given

        assert self.server is not None
        mapping = report.config.prometheus.merged(
            {"histogram": self.histogram, "histogram-unit": self.histogram_unit}
        )
        connection = Connection.from_env(self.server, self.ca_file, self.timeout, self.deadline)
        return judge(report, mapping, connection, self.window, self.at)


@click.command(epilog=EXAMPLES)
@paths_argument
@observe_options(required=True)
@format_option(formats("observe"), "text")
@output_option
@fail_on_option
@run_options
@click.pass_context
@guarded
def observe(
    ctx: click.Context,
    /,
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    **options: Any,
) -> None:
    """Declared against observed: each x-slo-p99 beside the p99 Prometheus measured over the window.

    One query per service, with the histogram and labels of the config's `prometheus` table (as
    `prometheus-rules`). Findings slo-breached, slo-unobserved and budget-breached, and the SLO
    conformance overall, per BU and per service. Exits 0 (no finding at or above --fail-on),
    1, or 2 when the specs or the server cannot be read.
    """
    request = ObserveRequest.take(options)
    report = run_gate(ctx, paths, overrides(fail_on=fail_on, **options))
    observation = request.measure(report)
    emit(observe_output(fmt)(observation), output)
    ctx.exit(EXIT_PASSED if observation.passed else EXIT_FAILED)


COMMANDS: list[click.Command] = [observe]
