"""`contract-gate score` (the metrics, also for Prometheus) and `contract-gate graph` (the call graph)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from contract_gate.atomic import write_atomic
from contract_gate.cli.support import (
    emit,
    fail,
    format_option,
    gate_options,
    guarded,
    output_option,
    overrides,
    paths_argument,
    require_bu,
    run_gate,
    run_options,
)
from contract_gate.outputs.registry import formats, graph_output, score_output


@click.command()
@paths_argument
@click.option(
    "--by",
    type=click.Choice(["overall", "bu", "service"]),
    default="overall",
    show_default=True,
    help="Grouping of the table.",
)
@format_option(formats("score"), "table")
@output_option
@click.option(
    "--textfile",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the Prometheus metrics to FILE (atomically), for node_exporter's textfile"
    " collector (which reads *.prom files).",
)
@click.option(
    "--pushgateway",
    metavar="URL",
    help="Also push the Prometheus metrics to this Pushgateway (replaces the group).",
)
@click.option("--job", default="contract-gate", show_default=True, help="The job name to push under.")
@click.option(
    "--grouping",
    metavar="KEY=VALUE",
    multiple=True,
    callback=lambda _ctx, _param, values: _grouping(values),
    help="A grouping label of the pushed group, beside the job (repeatable).",
)
@gate_options
@click.pass_context
@guarded
def score(
    ctx: click.Context,
    /,
    paths: tuple[Path, ...],
    by: str,
    fmt: str,
    output: Path | None,
    textfile: Path | None,
    pushgateway: str | None,
    job: str,
    grouping: dict[str, str],
    **gate: Any,
) -> None:
    """The metrics only: documentation completeness and SLO alignment. Exits 0 unless it cannot run.

    `--format prometheus`, `--textfile` and `--pushgateway` export them as Prometheus gauges
    (ratios 0-1), overall, per BU and per service, whatever `--by` says.
    """
    from contract_gate.outputs import prometheus  # prometheus-client only for the commands that use it

    report = run_gate(ctx, paths, overrides(**gate))
    emit(score_output(fmt)(report, by), output)
    if textfile is not None:
        write_atomic(textfile, prometheus.exposition(report))
        if textfile.suffix != ".prom":
            click.echo(
                f"contract-gate: note: node_exporter's textfile collector reads only *.prom files;"
                f" {textfile.name} will not be collected",
                err=True,
            )
    if pushgateway is not None:
        try:
            prometheus.push(report, pushgateway, job, grouping)
        except prometheus.PushError as error:
            fail(str(error))


def _grouping(values: tuple[str, ...]) -> dict[str, str]:
    from contract_gate.outputs import prometheus

    try:
        return prometheus.grouping_key(values)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command()
@paths_argument
@format_option(formats("graph"), "mermaid")
@click.option("--bu", metavar="BU", help="Only the pairs whose caller or callee is owned by BU.")
@output_option
@run_options
@click.pass_context
@guarded
def graph(
    ctx: click.Context, /, paths: tuple[Path, ...], fmt: str, bu: str | None, output: Path | None, **gate: Any
) -> None:
    """The call graph in Mermaid or DOT, pairs coloured by status.

    Exits 0 unless it cannot run; a --bu that no operation, pair or bu-registry names exits 2.
    """
    report = run_gate(ctx, paths, overrides(**gate))
    if bu is not None:
        require_bu(report, bu)
    emit(graph_output(fmt)(report, bu), output)


COMMANDS: list[click.Command] = [score, graph]
