"""`contract-gate export PATH… -o FILE`: the contract snapshot other repositories check against."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from contract_gate import __version__
from contract_gate.atomic import write_atomic
from contract_gate.cli.progress import progress_bar
from contract_gate.cli.support import (
    EXIT_ERROR,
    guarded,
    overrides,
    paths_argument,
    prepare,
    result_cache,
    run_options,
)
from contract_gate.engine.run import collect, first_by_service
from contract_gate.snapshot.codec import ServiceRecord, dump
from contract_gate.snapshot.source import source_of

# "\b" keeps click from rewrapping the paragraph that follows it.
EXAMPLES = """\b
Examples:
  contract-gate export specs/ -o contracts.json
  contract-gate export specs/ -o orders.json --source github.com/acme/orders
  contract-gate check specs/ --context ../contract-snapshots   another repository's check
  contract-gate score ../contract-snapshots/ --by bu           the estate's numbers
"""


@click.command(epilog=EXAMPLES, short_help="Write the contract snapshot other repositories check against.")
@paths_argument
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The snapshot file to write (atomically), e.g. contracts.json.",
)
@click.option(
    "--source",
    metavar="TEXT",
    help="Where the snapshot comes from, instead of the git remote (e.g. github.com/acme/orders).",
)
@run_options
@click.pass_context
@guarded
def export(
    ctx: click.Context, /, paths: tuple[Path, ...], output: Path, source: str | None, **options: Any
) -> None:
    """Write a contract snapshot of the services under PATHS (SPEC §11).

    JSON (schemas/snapshot.schema.json): each service's operations with their effective owner
    and SLO, x-calls and x-consumers, and the findings its own check gave, with the git remote,
    commit and time it came from; no schemas, no descriptions. Other repositories check against
    it with `check --context`, and `score`, `badge`, `audit`, `graph`, `prometheus-rules` and
    `portal` read it among their PATHS (docs/estate.md). A spec whose check crashed writes
    nothing and exits 2.
    """
    settings, config_base, isolation, _ = prepare(ctx, paths, overrides(**options))
    with progress_bar(enabled=sys.stderr.isatty()) as progress:
        results = collect(
            list(paths),
            settings,
            config_base,
            progress,
            isolation,
            result_cache(settings, config_base),
        )
    lost = [r for r in results if r.lost]
    if lost:
        from contract_gate.outputs.formatters.text import finding_line

        for result in lost:
            for finding in result.findings:
                click.echo(finding_line(finding), err=True)
        click.echo(f"contract-gate: error: nothing written: {len(lost)} file(s) could not be read", err=True)
        ctx.exit(EXIT_ERROR)
    firsts = first_by_service(results)
    records = [
        ServiceRecord(r.service, r.service_position, r.anchors, tuple(r.findings))
        for r in firsts
        if r.service is not None
    ]
    first_file = {r.service.id: r.file for r in firsts if r.service is not None}
    kept = {id(r) for r in firsts}
    for result in results:
        if result.service is not None and id(result) not in kept:
            click.echo(
                f"contract-gate: warning: {result.file}: service id {result.service.id!r} is also declared"
                f" by {first_file[result.service.id]}, which comes first: left out of the snapshot",
                err=True,
            )
    origin = source_of(Path.cwd(), source)
    write_atomic(output, dump(records, origin, f"contract-gate {__version__}"))
    operations = sum(len(record.service.operations) for record in records)
    click.echo(
        f"contract-gate: wrote {output}: {len(records)} service{'s' * (len(records) != 1)},"
        f" {operations} operation{'s' * (operations != 1)}"
        f"{f' from {origin.repository}' if origin.repository else ''}"
        f"{f' at {origin.commit[:12]}' if origin.commit else ''}",
        err=True,
    )


COMMANDS: list[click.Command] = [export]
