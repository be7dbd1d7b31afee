"""`contract-gate prometheus-rules`: alerting rules from each operation's x-slo-p99."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from contract_gate.cli.support import (
    config_help,
    emit,
    execute,
    guarded,
    output_option,
    overrides,
    paths_argument,
    prepare,
    run_options,
)
from contract_gate.config.settings import PrometheusConfig


@click.command("prometheus-rules")
@paths_argument
@output_option
@click.option(
    "--histogram",
    help=config_help("histogram", PrometheusConfig, "Base name of the latency histogram, without _bucket"),
)
@click.option(
    "--histogram-unit",
    type=click.Choice(["seconds", "milliseconds"]),
    help=config_help("histogram-unit", PrometheusConfig),
)
@click.option("--rate-window", metavar="DURATION", help=config_help("rate-window", PrometheusConfig))
@click.option("--for", "for_", metavar="DURATION", help=config_help("for", PrometheusConfig))
@click.option("--severity", help=config_help("severity", PrometheusConfig))
@run_options
@click.pass_context
@guarded
def prometheus_rules_command(
    ctx: click.Context,
    /,
    paths: tuple[Path, ...],
    output: Path | None,
    histogram: str | None,
    histogram_unit: str | None,
    rate_window: str | None,
    for_: str | None,
    severity: str | None,
    **gate: Any,
) -> None:
    """Prometheus alerting rules: one alert per operation whose measured p99 exceeds its x-slo-p99.

    One group per service. The histogram and its label mapping come from the `prometheus` table of
    the config; the flags override it. Exits 0 unless it cannot run.
    """
    prepared = prepare(ctx, paths, overrides(**gate))
    # The flags are checked before the specs are read: a typo fails at once.
    mapping = prepared.settings.config.prometheus.merged(
        {
            "histogram": histogram,
            "histogram-unit": histogram_unit,
            "rate-window": rate_window,
            "for": for_,
            "severity": severity,
        }
    )
    from contract_gate.outputs import prometheus_rules  # only for this command

    rules = prometheus_rules.build(execute(paths, prepared), mapping)
    emit(rules.to_yaml(), output)
    if rules.skipped:
        skipped = f"{rules.skipped} operation{'s' if rules.skipped != 1 else ''}"
        written = f"{rules.alerts} alert{'s' if rules.alerts != 1 else ''} written"
        click.echo(
            f"contract-gate: note: {skipped} without a valid x-slo-p99 got no alert ({written})", err=True
        )


COMMANDS: list[click.Command] = [prometheus_rules_command]
