"""`contract-gate audit PATH… --bu BU`: the owner's report of every operation a BU owns."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

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

if TYPE_CHECKING:
    from contract_gate.outputs.audit import AuditModel

AUDIT_FORMATS = ["csv", "html", "json", "markdown", "table"]


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
@format_option(AUDIT_FORMATS, "table")
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
    **gate: Any,
) -> None:
    """Every operation BU owns: owner and SLO (and where each is written), pairs, findings.

    As a terminal table, Markdown, CSV (one row per operation), JSON or a self-contained HTML
    page. Exits 0 unless it cannot run; an unknown BU gives an empty report and a note.
    """
    from contract_gate.outputs.audit import build_audit  # pydantic's models only for this command

    report = run_gate(ctx, paths, overrides(**gate))
    model = build_audit(report, bu, include_internal)
    if not model.operations:
        click.echo(f"contract-gate: note: {_nothing_owned(model, build_audit(report, bu, True))}", err=True)
    emit(_render(fmt, model, terminal=output is None and sys.stdout.isatty()), output)


def _render(fmt: str, model: AuditModel, terminal: bool) -> str:
    # Each format's libraries (jinja2, rich) are imported only when that format is asked for.
    renderer: Callable[[AuditModel], str]
    if fmt == "table":
        from contract_gate.outputs.formatters import audit_table

        if terminal:
            return audit_table.render(model, color=True, width=shutil.get_terminal_size((100, 24)).columns)
        renderer = audit_table.render
    elif fmt == "markdown":
        from contract_gate.outputs.formatters import audit_markdown

        renderer = audit_markdown.render
    elif fmt == "csv":
        from contract_gate.outputs.formatters import audit_csv

        renderer = audit_csv.render
    elif fmt == "html":
        from contract_gate.outputs.formatters import audit_html

        renderer = audit_html.render
    else:
        from contract_gate.outputs.audit import render_json

        renderer = render_json
    return renderer(model)


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
