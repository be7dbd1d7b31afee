"""`contract-gate portal PATH… -o DIR`: the static contract portal (SPEC §12)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from contract_gate.cli.support import fail, gate_options, guarded, overrides, paths_argument, run_gate

EXAMPLES = """\b
Examples:
  contract-gate portal specs/ -o site/
  contract-gate portal specs/ snapshots/ -o public/    (GitLab Pages publishes public/)
"""


@click.command(epilog=EXAMPLES, short_help="Write the static contract portal into a folder.")
@paths_argument
@click.option(
    "--output",
    "-o",
    "output",
    required=True,
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="The site's folder (created if missing); rebuilding writes only what changed.",
)
@gate_options
@click.pass_context
@guarded
def portal(ctx: click.Context, /, paths: tuple[Path, ...], output: Path, **gate: Any) -> None:
    """The contract portal: a static site of the estate, and a page per service in Swagger UI.

    The index shows the metrics overall and per BU (thresholds, pass or fail, badges), the
    services (with a filter box) and the call graph; a service page shows its spec in Swagger UI
    and, on every operation, its owner, SLO, pairs and findings.

    Every file is inside DIR and links are relative: it works from a file server, an object store
    or file://, and loads nothing from elsewhere. Pages of services that are gone are removed.
    Exits 0 unless it cannot run.
    """
    from contract_gate.outputs.portal.assets import AssetsMissing
    from contract_gate.outputs.portal.site import build_site  # jinja2 and the assets only here

    report = run_gate(ctx, paths, overrides(**gate))
    try:
        written = build_site(report, output, paths)
    except AssetsMissing as error:
        fail(str(error))
        return
    services = len({service.id for service in report.services})
    click.echo(
        f"contract-gate: portal of {services} service{'s' if services != 1 else ''} in {output}:"
        f" {written.written} files written, {written.unchanged} unchanged, {written.removed} removed",
        err=True,
    )


COMMANDS: list[click.Command] = [portal]
