"""`contract-gate badge`: the headline metrics as SVG badges or shields.io endpoint JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import click

from contract_gate.atomic import write_atomic
from contract_gate.cli.support import (
    emit,
    format_option,
    gate_options,
    guarded,
    output_option,
    overrides,
    paths_argument,
    require_bu,
    run_gate,
)
from contract_gate.outputs.registry import badge_output, formats


def _not_empty(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise click.BadParameter("must not be empty")
    return value


@click.command(short_help="Write a metric as an SVG badge or shields.io endpoint JSON.")
@paths_argument
@click.option(
    "--metric",
    type=click.Choice(["completeness", "alignment"]),
    help="The metric shown [default: completeness; with --all-bus: both].",
)
@click.option("--bu", metavar="BU", help="The metric of this BU instead of the overall one.")
@click.option("--label", metavar="TEXT", callback=_not_empty, help="Left-hand text instead of the default.")
@format_option(formats("badge"), "svg")
@output_option
@click.option(
    "--all-bus",
    "all_bus",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the overall badges and one per BU into DIR, with an index.json listing them.",
)
@gate_options
@click.pass_context
@guarded
def badge(
    ctx: click.Context,
    /,
    paths: tuple[Path, ...],
    metric: str | None,
    bu: str | None,
    label: str | None,
    fmt: str,
    output: Path | None,
    all_bus: Path | None,
    **gate: Any,
) -> None:
    """Documentation completeness or SLO alignment as a badge, coloured against the threshold.

    Green at or above the threshold (--min-completeness / --min-alignment or the config),
    yellow within 10 points below, orange within 25, red lower, grey for n/a.
    Exits 0 unless it cannot run; a --bu that no operation, pair or bu-registry names exits 2.
    """
    if all_bus is not None:
        for given, flag in ((bu, "--bu"), (output, "--output"), (label, "--label")):
            if given is not None:
                raise click.UsageError(f"--all-bus writes every BU's badges; it cannot go with {flag}")
    from contract_gate.outputs import badges  # badgepy only for this command

    report = run_gate(ctx, paths, overrides(**gate))
    badge_format = cast(badges.BadgeFormat, fmt)
    if all_bus is not None:
        metrics = badges.METRICS if metric is None else (cast(badges.Metric, metric),)
        files = badges.badge_set(report, metrics, badge_format, badge_output(fmt))
        for name, content in files.items():
            write_atomic(all_bus / name, content)
        click.echo(
            f"contract-gate: wrote {len(files)} files to {all_bus}"
            f" ({len(files) - 1} badges and {badges.INDEX})",
            err=True,
        )
        return
    if bu is not None:
        require_bu(report, bu)
        if badges.group_metrics(report, bu) is None:
            click.echo(
                f"contract-gate: note: BU {bu} has no external operation and no pair; the badge shows n/a",
                err=True,
            )
    chosen = cast(badges.Metric, metric or "completeness")
    emit(badge_output(fmt)(badges.describe(report, chosen, bu, label)), output)


COMMANDS: list[click.Command] = [badge]
