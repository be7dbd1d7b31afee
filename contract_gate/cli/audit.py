"""`contract-gate audit PATH… --bu BU`: the owner's report of every operation a BU owns."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from contract_gate.cli.observe import ObserveRequest, observe_options
from contract_gate.cli.support import (
    emit,
    format_option,
    gate_options,
    guarded,
    output_option,
    overrides,
    paths_argument,
    run_gate,
)
from contract_gate.estate.alignment import UNOWNED
from contract_gate.outputs.registry import audit_output, formats

if TYPE_CHECKING:
    from contract_gate.outputs.audit import AuditModel


@click.command()
@paths_argument
@click.option(
    "--bu",
    required=True,
    metavar="BU",
    help=f'The business unit to audit; "{UNOWNED}" for the operations without a valid owner.',
)
@click.option(
    "--include-internal",
    is_flag=True,
    help="Also list the BU's internal operations (marked as such; they never count in the metrics).",
)
@observe_options(required=False)
@format_option(formats("audit"), "table")
@output_option
@gate_options
@click.pass_context
@guarded
def audit(
    ctx: click.Context,
    /,
    paths: tuple[Path, ...],
    bu: str,
    include_internal: bool,
    fmt: str,
    output: Path | None,
    **options: Any,
) -> None:
    """Every operation BU owns: owner and SLO (and where each is written), pairs, findings.

    With the gate's thresholds and whether the BU's and the overall numbers meet them, and why
    each pair is not aligned. As a terminal table (as wide as COLUMNS when piped), Markdown, CSV
    (one row per operation), JSON or a self-contained HTML page. Exits 0 unless it cannot run;
    an unknown BU gives an empty report and a note.

    With --prometheus, each operation's observed p99 beside its x-slo-p99, each callee's beside
    the caller's budget, and the BU's SLO conformance, from one query per service (as `observe`);
    a server that cannot be asked exits 2.
    """
    from contract_gate.outputs.audit import build_audit  # pydantic's models only for this command

    request = ObserveRequest.take(options)
    report = run_gate(ctx, paths, overrides(**options))
    observation = request.measure(report) if request.server is not None else None
    model = build_audit(report, bu, include_internal, observation)
    if not model.operations:
        click.echo(f"contract-gate: note: {_nothing_owned(model, build_audit(report, bu, True))}", err=True)
    on_terminal = output is None and sys.stdout.isatty()
    width = shutil.get_terminal_size((100, 24)).columns if on_terminal else None
    emit(audit_output(fmt)(model, width), output)


def _nothing_owned(model: AuditModel, with_internal: AuditModel) -> str:
    if with_internal.operations:
        count = len(with_internal.operations)
        return (
            f"BU {model.bu} owns only internal operations ({count}), which never count;"
            " add --include-internal to list them"
        )
    known = ", ".join(model.known_bus) or "none"
    return f"no operation is owned by BU {model.bu}; the BUs with operations are: {known}"


COMMANDS: list[click.Command] = [audit]
