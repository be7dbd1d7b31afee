"""`contract-gate policy show`: the policy a run is judged by, and where each value comes from."""

from __future__ import annotations

import json
from pathlib import Path

import click

from contract_gate.catalog import RULES_BY_ID
from contract_gate.cli.support import (
    config_options,
    emit,
    fail_on_option,
    given,
    guarded,
    output_option,
    overrides,
    policy_floor,
    threshold_options,
)
from contract_gate.config.settings import load_config
from contract_gate.history.policy import Judgement, judge


@click.group(short_help="The policy the gate judges by, and where each value comes from.")
def policy() -> None:
    """The gate's own policy: thresholds, severities and the other keys that decide a verdict."""


@policy.command("show", short_help="Print the effective policy and the source of each value.")
@click.option(
    "--base",
    "base_rev",
    metavar="GIT_REV",
    help="Hold the config to the one at this revision, as `check --base` does.",
)
@threshold_options
@fail_on_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@output_option
@config_options()
@click.pass_context
@guarded
def policy_show(
    ctx: click.Context,
    /,
    base_rev: str | None,
    min_completeness: float | None,
    min_alignment: float | None,
    alignment_scope: str | None,
    fail_on: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Each policy key's effective value and where it comes from; then what the config loosens.

    The sources: the organisation's policy (--policy), the config at the base revision (when
    the change loosened it), the flags, the config file, the default. Exits 0 unless it
    cannot run.
    """
    flags = overrides(
        min_completeness=min_completeness,
        min_alignment=min_alignment,
        alignment_scope=alignment_scope,
        fail_on=fail_on,
    )
    revision = None
    if base_rev is not None:
        from contract_gate.history import diff

        revision = diff.resolve(base_rev, Path.cwd())
    explicit = given(ctx, "config_file")
    loaded = load_config(explicit, flags, Path.cwd(), RULES_BY_ID)
    judgement = judge(
        loaded, flags, RULES_BY_ID, floor=policy_floor(ctx), revision=revision, explicit=explicit
    )
    emit(_json(judgement) if fmt == "json" else _text(judgement), output)


def _text(judgement: Judgement) -> str:
    rows = [(j.key, j.value, j.source.value, j.where) for j in judgement.judged_by]
    widths = [max(len(row[i]) for row in [("key", "value", "source", "where"), *rows]) for i in range(3)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)) + "  " + row[3]
        for row in [("key", "value", "source", "where"), *rows]
    ]
    for problem in judgement.problems:
        where = problem.file or "(config)"
        if problem.line is not None:
            where += f":{problem.line}"
        lines.append(f"{where}: [{problem.rule.id}] {problem.message}")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _json(judgement: Judgement) -> str:
    data = {
        "judged_by": [j.as_dict() for j in judgement.judged_by],
        "findings": [
            {"rule": p.rule.id, "file": p.file, "line": p.line, "message": p.message}
            for p in judgement.problems
        ],
    }
    return json.dumps(data, indent=2) + "\n"


COMMANDS: list[click.Command] = [policy]
