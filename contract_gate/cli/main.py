"""The command line: the `main` group, `check` (the CI gate) and `rules`; other commands in their modules."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from contract_gate import __version__
from contract_gate.catalog import RULES
from contract_gate.cli import audit as cli_audit
from contract_gate.cli import badge as cli_badge
from contract_gate.cli import baseline as cli_baseline
from contract_gate.cli import export as cli_export
from contract_gate.cli import observe as cli_observe
from contract_gate.cli import policy as cli_policy
from contract_gate.cli import portal as cli_portal
from contract_gate.cli import prometheus as cli_prometheus
from contract_gate.cli import score as cli_score
from contract_gate.cli.replay import Outcome, recalled, remember, replay_for
from contract_gate.cli.support import (
    EXIT_ERROR,
    EXIT_FAILED,
    EXIT_PASSED,
    config_options,
    emit,
    execute,
    fail_on_option,
    format_option,
    gate_options,
    guarded,
    output_option,
    overrides,
    paths_argument,
    prepare,
)
from contract_gate.engine.pool import collection_paused, tune_gc
from contract_gate.history import baseline as baselines
from contract_gate.outputs.registry import check_output, formats

if TYPE_CHECKING:
    from contract_gate.engine.run import Report
    from contract_gate.history.diff import Revision

# "\b" keeps click from rewrapping the paragraph that follows it.
EXAMPLES = """\b
Examples:
  contract-gate check specs/                 the CI gate: findings, metrics, exit 0/1/2
  contract-gate check specs/ --config ci/contract-gate.toml
  contract-gate score specs/ --by bu         the metrics per BU
  contract-gate policy show                  the thresholds in force, and from where
  contract-gate rules                        every rule and what it means
  contract-gate COMMAND --help               a command's options
"""
CHECK_EXAMPLES = """\b
Examples:
  contract-gate check specs/
  contract-gate check specs/ --min-completeness 80 --fail-on warning
  contract-gate check specs/ --format sarif -o results.sarif
  contract-gate check specs/ --base origin/main     fail only on what this change broke
  contract-gate check specs/ --baseline .contract-gate-baseline.json
  contract-gate check specs/ --config ci/contract-gate.toml --policy org/policy.toml
  contract-gate check specs/ --context ../contract-snapshots   judge calls into other repos
"""


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """`--version`: contract-gate's, and the OpenAPI schema iterations it validates against."""
    if not value or ctx.resilient_parsing:
        return
    from contract_gate.validate.official import version_line

    click.echo(f"contract-gate, version {__version__}\n{version_line()}")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXAMPLES)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version, and the OpenAPI schemas specs are validated against, and exit.",
)
@config_options(policy_env=True)
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Govern OpenAPI contracts: owners, SLOs and their agreements across services.

    --config and --policy go before the command or after it (the one after wins).
    Exit codes: 0 the gate passed, 1 it failed, 2 it could not run.
    """
    ctx.ensure_object(dict)["debug"] = debug


def entry() -> None:
    """The `contract-gate` command: the CLI in a process tuned for it (see `tune_gc`)."""
    tune_gc()
    main()


def _report_target(value: str) -> tuple[str, Path]:
    """`sarif:out/results.sarif` -> ("sarif", Path("out/results.sarif"))."""
    fmt, _, target = value.partition(":")
    if fmt not in formats("check") or not target:
        raise click.BadParameter(
            f"{value!r}: write FORMAT:FILE with FORMAT one of {', '.join(formats('check'))}"
        )
    return fmt, Path(target)


@main.command(epilog=CHECK_EXAMPLES)
@paths_argument
@format_option(formats("check"), "text")
@output_option
@fail_on_option
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
    prepared = prepare(ctx, paths, overrides(fail_on=fail_on, **gate), revision)
    # A run over unchanged files is replayed; diff mode and baselines read more than the files.
    options = [fmt, str(output is None), *(extra for extra, _target in reports)]
    replay = replay_for(paths, prepared, options) if revision is None and accepted is None else None
    outcome = recalled(replay) if replay is not None else None
    record = outcome is None and replay is not None
    if outcome is None:
        report = execute(paths, prepared, revision, accepted, cache=replay.cache if replay else None)
        with collection_paused():  # a report of an estate is millions of fresh objects, no cycles
            outcome = _outcome(report, fmt, [extra for extra, _target in reports], output)
    for note in outcome.notes:
        click.echo(note, err=True)
    with collection_paused():
        written = _write_outputs(outcome, [output, *(target for _format, target in reports)], keep=record)
    if record and replay is not None:
        remember(replay, written)
    if outcome.summary is not None:
        click.echo(outcome.summary, err=True)
    ctx.exit(outcome.exit_code)


def _outcome(report: Report, fmt: str, extra_formats: list[str], output: Path | None) -> Outcome:
    """What `check` shows of a report: in `fmt`, in each extra format, its notes and exit code."""
    note = baselines.stale_note(report.baseline_info) if report.baseline_info else None
    summary = None
    if output is not None and fmt != "text":
        from contract_gate.outputs.formatters import text as text_format

        summary = text_format.summary(report)
    finished = not report.internal_errors and not report.incomplete
    return Outcome(
        output=check_output(fmt)(report),
        reports=tuple(check_output(extra)(report) for extra in extra_formats),
        notes=(f"contract-gate: info: {note}",) if note is not None else (),
        summary=summary,
        exit_code=EXIT_PASSED if report.passed else EXIT_FAILED if finished else EXIT_ERROR,
    )


def _write_outputs(outcome: Outcome, targets: list[Path | None], keep: bool) -> Outcome:
    """Write the output (None: stdout) and each --report; with `keep`, the outcome as written.

    Outputs made in pieces are made as they are written; `keep` keeps the pieces, for the record.
    """
    written: list[str | bytes | Iterable[bytes]] = []
    for content, target in zip([outcome.output, *outcome.reports], targets, strict=True):
        if keep and not isinstance(content, str | bytes | tuple):
            pieces: list[bytes] = []
            emit(_keeping(content, pieces), target)
            written.append(tuple(pieces))
        else:
            emit(content, target)
            written.append(content)
    return dataclasses.replace(outcome, output=written[0], reports=tuple(written[1:]))


def _keeping(pieces: Iterable[bytes], kept: list[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        kept.append(piece)
        yield piece


def _base_revision(base_rev: str | None) -> Revision | None:
    """The commit --base names; diff mode (git, temporary checkouts) is imported only when asked for."""
    if base_rev is None:
        return None
    from contract_gate.history import diff as diffs

    return diffs.resolve(base_rev, Path.cwd())


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


for _module in (
    cli_baseline,
    cli_score,
    cli_badge,
    cli_prometheus,
    cli_audit,
    cli_portal,
    cli_policy,
    cli_observe,
    cli_export,
):
    for _command in _module.COMMANDS:
        main.add_command(_command)
