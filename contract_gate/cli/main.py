"""The command line: parse flags, call `api.run`, pick a formatter, exit 0/1/2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from contract_gate import __version__
from contract_gate.atomic import write_atomic
from contract_gate.cli import audit as cli_audit
from contract_gate.cli import badge as cli_badge
from contract_gate.cli import prometheus as cli_prometheus
from contract_gate.cli.support import (
    EXIT_ERROR,
    EXIT_FAILED,
    EXIT_PASSED,
    emit,
    execute,
    fail,
    format_option,
    gate_options,
    guarded,
    output_option,
    overrides,
    paths_argument,
    prepare,
    run_gate,
)
from contract_gate.engine.pool import tune_gc
from contract_gate.engine.run import Report
from contract_gate.history import baseline as baselines
from contract_gate.outputs.formatters import CHECK_FORMATS, SCORE_FORMATS
from contract_gate.rules import RULES

if TYPE_CHECKING:
    from contract_gate.history.diff import Revision

GRAPH_FORMATS = ["dot", "mermaid"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="contract-gate")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (default: contract-gate.toml or pyproject.toml, searched upwards).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.pass_context
def main(ctx: click.Context, config_file: Path | None, debug: bool) -> None:
    """Govern OpenAPI contracts: owners, SLOs and their agreements across services."""
    ctx.obj = {"config_file": config_file, "debug": debug}


def entry() -> None:
    """The `contract-gate` command: the CLI in a process tuned for it (see `tune_gc`)."""
    tune_gc()
    main()


def _report_target(value: str) -> tuple[str, Path]:
    """`sarif:out/results.sarif` -> ("sarif", Path("out/results.sarif"))."""
    fmt, _, target = value.partition(":")
    if fmt not in CHECK_FORMATS or not target:
        raise click.BadParameter(
            f"{value!r}: write FORMAT:FILE with FORMAT one of {', '.join(CHECK_FORMATS)}"
        )
    return fmt, Path(target)


@main.command()
@paths_argument
@format_option(sorted(CHECK_FORMATS), "text")
@output_option
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    help="Lowest severity that fails the gate (default: error).",
)
@click.option(
    "--baseline",
    "baseline_file",
    metavar="FILE",
    type=click.Path(path_type=Path),
    help="Hide the findings this baseline file accepts (see `contract-gate baseline`).",
)
@click.option(
    "--report",
    "reports",
    metavar="FORMAT:FILE",
    multiple=True,
    callback=lambda _ctx, _param, values: [_report_target(v) for v in values],
    help="Also write the report in FORMAT to FILE (repeatable), e.g. --report sarif:results.sarif.",
)
@click.option(
    "--base",
    "base_rev",
    metavar="GIT_REV",
    help="Fail only on what is new since this git revision; show the metric deltas.",
)
@gate_options
@click.pass_context
@guarded
def check(
    ctx: click.Context,
    /,
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    baseline_file: Path | None,
    reports: list[tuple[str, Path]],
    base_rev: str | None,
    **gate: Any,
) -> None:
    """The CI gate: load, validate, apply the rules and thresholds, report, exit 0/1/2."""
    accepted = baselines.load(baseline_file) if baseline_file is not None else None
    revision = _base_revision(base_rev)
    settings, config_base, isolation = prepare(ctx, paths, overrides(fail_on=fail_on, **gate))
    report = execute(paths, settings, config_base, isolation)
    if revision is not None:
        from contract_gate.history import diff as diffs

        report = diffs.against(report, revision, list(paths), settings, config_base, isolation)
    if accepted is not None:
        report = baselines.apply(report, accepted)
        note = baselines.stale_note(report.baseline_info) if report.baseline_info else None
        if note is not None:
            click.echo(f"contract-gate: info: {note}", err=True)
    emit(CHECK_FORMATS[fmt](report), output)
    for extra_format, target in reports:
        write_atomic(target, CHECK_FORMATS[extra_format](report))
    if output is not None and fmt != "text":
        from contract_gate.outputs.formatters import text as text_format

        click.echo(text_format.summary(report), err=True)
    ctx.exit(EXIT_ERROR if report.internal_errors else EXIT_PASSED if report.passed else EXIT_FAILED)


def _base_revision(base_rev: str | None) -> Revision | None:
    """The commit --base names; diff mode (git, temporary checkouts) is imported only when asked for."""
    if base_rev is None:
        return None
    from contract_gate.history import diff as diffs

    return diffs.resolve(base_rev, Path.cwd())


@main.group(short_help="Accept today's findings: create or update a baseline.")
def baseline() -> None:
    """Accept today's findings, so that `check --baseline FILE` fails only on new ones."""


baseline_output = click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The baseline file (written atomically).",
)


@baseline.command("create", short_help="Write the current findings' fingerprints to FILE.")
@paths_argument
@baseline_output
@gate_options
@click.pass_context
@guarded
def baseline_create(ctx: click.Context, /, paths: tuple[Path, ...], output: Path, **gate: Any) -> None:
    """Write the fingerprints of every current finding (thresholds excepted) to FILE.

    Thresholds are not fingerprints: they judge the metrics, and still apply under a baseline.
    """
    count = baselines.create(run_gate(ctx, paths, overrides(**gate)), output)
    click.echo(f"wrote {output}: {count} entr{'y' if count == 1 else 'ies'}")


@baseline.command("update", short_help="Keep what still occurs in FILE, add new findings.")
@paths_argument
@baseline_output
@gate_options
@click.pass_context
@guarded
def baseline_update(ctx: click.Context, /, paths: tuple[Path, ...], output: Path, **gate: Any) -> None:
    """Rewrite FILE: drop the entries that no longer occur, add the new findings."""
    previous = baselines.load(output)
    change = baselines.update(run_gate(ctx, paths, overrides(**gate)), previous, output)
    click.echo(f"updated {output}: {change.total} entries, {change.added} added, {change.removed} removed")


@main.command()
@paths_argument
@click.option(
    "--by",
    type=click.Choice(["overall", "bu", "service"]),
    default="overall",
    show_default=True,
    help="Grouping of the table.",
)
@format_option(sorted(SCORE_FORMATS), "table")
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
    emit(SCORE_FORMATS[fmt](report, by), output)
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


@main.command()
@paths_argument
@format_option(GRAPH_FORMATS, "mermaid")
@click.option("--bu", metavar="BU", help="Only the pairs whose caller or callee is owned by BU.")
@output_option
@gate_options
@click.pass_context
@guarded
def graph(
    ctx: click.Context, /, paths: tuple[Path, ...], fmt: str, bu: str | None, output: Path | None, **gate: Any
) -> None:
    """The call graph in Mermaid or DOT, pairs coloured by status. Exits 0 unless it cannot run."""
    report = run_gate(ctx, paths, overrides(**gate))
    if bu is not None and not any(op.bu == bu for service in report.services for op in service.operations):
        click.echo(f"contract-gate: note: no operation is owned by BU {bu}", err=True)
    from contract_gate.outputs.formatters import graph_dot, graph_mermaid  # only for this command

    renderer: Callable[[Report, str | None], str] = (
        graph_mermaid.render if fmt == "mermaid" else graph_dot.render
    )
    emit(renderer(report, bu), output)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules(fmt: str) -> None:
    """Every rule: id, default severity, scope and what it means."""
    if fmt == "json":
        import json

        items = [
            {"id": r.id, "severity": r.severity.value, "scope": r.scope, "doc": r.doc.strip()} for r in RULES
        ]
        click.echo(json.dumps(items, indent=2))
        return
    for rule in RULES:
        click.echo(f"{rule.id}  ({rule.severity.value}, {rule.scope})")
        click.echo("".join(f"    {line}\n" for line in rule.doc.strip().splitlines()))


for _module in (cli_badge, cli_prometheus, cli_audit):
    for _command in _module.COMMANDS:
        main.add_command(_command)
