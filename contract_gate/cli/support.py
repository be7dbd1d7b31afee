"""What the commands share: the gate's options, running it, writing output, exit codes."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import click

from contract_gate.atomic import OutputError, write_atomic
from contract_gate.catalog import RULES_BY_ID
from contract_gate.cli.progress import progress_bar
from contract_gate.config.floor import Floor, load_floor
from contract_gate.config.settings import ConfigError, load_config
from contract_gate.engine.cache import Cache
from contract_gate.engine.checker import Settings
from contract_gate.engine.pool import Isolation, default_jobs
from contract_gate.engine.run import NoSpecsError, Report
from contract_gate.history import gate
from contract_gate.history.errors import BaselineError, DiffError
from contract_gate.history.policy import Judgement, judge
from contract_gate.load.discovery import common_root

if TYPE_CHECKING:
    from contract_gate.history.baseline import Baseline
    from contract_gate.history.diff import Revision

EXIT_PASSED, EXIT_FAILED, EXIT_ERROR = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])


def guarded(command: F) -> F:
    """Turn every expected failure into a one-line message and exit 2; tracebacks only with --debug."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = bool(click.get_current_context().find_root().params.get("debug"))
        try:
            return command(*args, **kwargs)
        except (ConfigError, NoSpecsError, OutputError, BaselineError, DiffError) as error:
            fail(str(error))
        except (click.exceptions.Exit, click.ClickException):
            raise
        except Exception as error:
            if debug:
                raise
            fail(f"internal error: {type(error).__name__}: {error} (rerun with --debug for details)")

    return wrapper  # type: ignore[return-value]


def fail(message: str) -> None:
    """Say what went wrong on stderr and exit 2."""
    click.echo(f"contract-gate: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


paths_argument = click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)


output_option = click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE (atomically) instead of stdout.",
)


def format_option(choices: list[str], default: str) -> Callable[[F], F]:
    """`--format` with the formats a command offers."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


def gate_options(command: F) -> F:
    """Options shared by the commands that run the gate."""
    options = [
        click.option("--min-completeness", type=click.FloatRange(0, 100), help="Threshold in percent."),
        click.option("--min-alignment", type=click.FloatRange(0, 100), help="Threshold in percent."),
        click.option("--alignment-scope", type=click.Choice(["cross-bu", "all"]), help="Pairs counted."),
        click.option(
            "--no-cache",
            "cache",
            flag_value=False,
            default=None,
            help="Check every file again, ignoring and not updating the result cache.",
        ),
        click.option(
            "--jobs",
            "-j",
            type=click.IntRange(1, 256),
            help="Worker processes (default: the CPU count). Each file is checked in a worker, so a"
            " crash or a hang in one file becomes a finding for it.",
        ),
        click.option(
            "--ref-root",
            type=click.Path(file_okay=False, path_type=Path),
            help="Folder local $refs may not leave (default: common root of PATHS).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def run_gate(ctx: click.Context, paths: tuple[Path, ...], flags: dict[str, Any]) -> Report:
    """Run the gate over PATHS with the config file and these command-line overrides.

    Numbers published from a run that could not read every spec would look final and be
    wrong: such a run prints its findings and stops with exit 2 instead.
    """
    report = execute(paths, prepare(ctx, paths, flags))
    if report.incomplete:
        from contract_gate.outputs.formatters import text as text_format

        click.echo(text_format.render(report), err=True, nl=False)
        sys.exit(EXIT_ERROR)
    return report


class Prepared(NamedTuple):
    """What a run needs: settings, the folder config paths are relative to, the workers, the policy."""

    settings: Settings
    config_base: Path
    isolation: Isolation | None
    judgement: Judgement


def execute(
    paths: tuple[Path, ...],
    prepared: Prepared,
    revision: Revision | None = None,
    baseline: Baseline | None = None,
) -> Report:
    """Run the gate with prepared settings: the result cache, and a progress bar on a terminal."""
    settings, config_base, isolation, judgement = prepared
    config = settings.config
    # CONTRACT_GATE_CACHE_DIR lets a CI job put the cache where its cache step saves it.
    folder = Path(os.environ.get("CONTRACT_GATE_CACHE_DIR") or config_base / config.cache_dir)
    cache = Cache.open(folder) if config.cache and not settings.debug else None
    with progress_bar(enabled=sys.stderr.isatty()) as progress:
        return gate.check(
            list(paths),
            settings,
            config_base,
            revision=revision,
            baseline=baseline,
            judgement=judgement,
            isolation=isolation,
            cache=cache,
            progress=progress,
        )


def prepare(
    ctx: click.Context, paths: tuple[Path, ...], flags: dict[str, Any], revision: Revision | None = None
) -> Prepared:
    """What a run needs, with the config judged by `history.policy.judge`.

    The config is held to the organisation's policy (--policy) and, in diff mode, to the
    config at `revision`.
    """
    loaded = load_config(ctx.obj["config_file"], flags, Path.cwd(), RULES_BY_ID)
    judgement = judge(
        loaded,
        flags,
        RULES_BY_ID,
        floor=policy_floor(ctx),
        revision=revision,
        explicit=ctx.obj["config_file"],
    )
    config = judgement.config
    if flags.get("ref-root") is not None:
        ref_root = Path(flags["ref-root"])
    elif config.ref_root is not None:
        ref_root = loaded.base / config.ref_root
    else:
        ref_root = common_root(list(paths))
    settings = Settings(config=config, ref_root=ref_root.resolve(), debug=ctx.obj["debug"])
    # --debug checks in this process, so that a traceback can reach the user.
    isolation = (
        None
        if settings.debug
        else Isolation(
            jobs=config.jobs or default_jobs(), seconds=config.file_timeout, memory=config.worker_memory_bytes
        )
    )
    return Prepared(settings, loaded.base, isolation, judgement)


def policy_floor(ctx: click.Context) -> Floor | None:
    """The organisation's policy given with --policy (or CONTRACT_GATE_POLICY), if any."""
    path: Path | None = ctx.obj.get("policy_file")
    return load_floor(path, RULES_BY_ID) if path is not None else None


def overrides(**flags: Any) -> dict[str, Any]:
    """Command-line flags as config keys (kebab-case); flags not given are left out."""
    return {
        key.replace("_", "-"): str(value) if isinstance(value, Path) else value
        for key, value in flags.items()
        if value is not None
    }


def emit(text: str, output: Path | None) -> None:
    """Print TEXT, or write it atomically to OUTPUT."""
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
