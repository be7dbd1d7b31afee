"""`contract-gate baseline create|update`: accept today's findings so that only new ones fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from contract_gate.cli.support import gate_options, guarded, overrides, paths_argument, run_gate
from contract_gate.history import baseline as baselines


@click.group(short_help="Accept today's findings: create or update a baseline.")
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


COMMANDS: list[click.Command] = [baseline]
