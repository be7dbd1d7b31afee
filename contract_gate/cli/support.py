"""What the commands share: the gate's options, running it, writing output, exit codes."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import click

from contract_gate.atomic import OutputError, write_atomic
from contract_gate.catalog import RULES_BY_ID
from contract_gate.cli.progress import progress_bar
from contract_gate.config.fields import settings_fields
from contract_gate.config.floor import POLICY_ENV, Floor, load_floor
from contract_gate.config.settings import Config, ConfigError, did_you_mean, load_config
from contract_gate.engine import ref_scope
from contract_gate.engine.cache import Cache
from contract_gate.engine.checker import Settings
from contract_gate.engine.pool import Isolation, default_jobs
from contract_gate.engine.run import NoSpecsError, Report
from contract_gate.estate.alignment import bu_order
from contract_gate.history import gate
from contract_gate.history.errors import BaselineError, DiffError
from contract_gate.history.policy import Judgement, judge
from contract_gate.observe.client import ObserveError

if TYPE_CHECKING:
    from contract_gate.history.baseline import Baseline
    from contract_gate.history.diff import Revision

EXIT_PASSED, EXIT_FAILED, EXIT_ERROR = 0, 1, 2
_BUS_LISTED = 20  # an unknown --bu lists this many of the estate's BUs
F = TypeVar("F", bound=Callable[..., Any])


def guarded(command: F) -> F:
    """Turn every expected failure into a one-line message and exit 2; tracebacks only with --debug."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = bool(click.get_current_context().find_root().params.get("debug"))
        try:
            return command(*args, **kwargs)
        except (ConfigError, NoSpecsError, OutputError, BaselineError, DiffError, ObserveError) as error:
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


def config_help(key: str, kind: type = Config, what: str | None = None) -> str:
    """An option's help from the config key it overrides: what it is (the key's description) and its default.

    `kind` is the settings dataclass holding the key (`Config`, or a table of it).
    """
    spec = next(spec for spec in settings_fields(kind) if spec.key == key)
    default = getattr(kind(), spec.name)
    shown = f"{default:g}" if isinstance(default, float) else getattr(default, "value", default)
    return f"{(what or spec.setting.description).rstrip('.')} (default {shown}, or the config file's)."


def _kept(key: str) -> Callable[[click.Context, click.Parameter, Path | None], None]:
    """An option callback keeping a given value where `prepare` reads it; a later option wins."""

    def keep(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
        if value is not None:
            ctx.find_root().ensure_object(dict)[key] = value

    return keep


def given(ctx: click.Context, key: str) -> Any:
    """--config (`config_file`), --policy (`policy_file`) or --debug, as given before or after the command."""
    obj = ctx.find_root().obj
    return obj.get(key) if isinstance(obj, dict) else None


def config_options(*, policy_env: bool = False) -> Callable[[F], F]:
    """--config and --policy, taken before the command (the group's, `policy_env`) or after it.

    Given in both places, the one after the command wins; CONTRACT_GATE_POLICY is read by the
    group's --policy only, so that it never beats a flag.
    """
    config = click.option(
        "--config",
        type=click.Path(dir_okay=False, path_type=Path),
        metavar="FILE",
        expose_value=False,
        callback=_kept("config_file"),
        help="Config file (default: contract-gate.toml or pyproject.toml, searched upwards).",
    )
    policy = click.option(
        "--policy",
        type=click.Path(dir_okay=False, path_type=Path),
        metavar="FILE",
        envvar=POLICY_ENV if policy_env else None,
        expose_value=False,
        callback=_kept("policy_file"),
        help="The organisation's policy: config keys read as minimums the repository's config may only"
        f" tighten (env: {POLICY_ENV}).",
    )

    def decorate(command: F) -> F:
        return config(policy(command))

    return decorate


def threshold_options(command: F) -> F:
    """--min-completeness, --min-alignment and --alignment-scope: what judges the metrics."""
    options = [
        click.option(
            "--min-completeness", type=click.FloatRange(0, 100), help=config_help("min-completeness")
        ),
        click.option("--min-alignment", type=click.FloatRange(0, 100), help=config_help("min-alignment")),
        click.option(
            "--alignment-scope", type=click.Choice(["cross-bu", "all"]), help=config_help("alignment-scope")
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


fail_on_option = click.option(
    "--fail-on", type=click.Choice(["error", "warning", "info"]), help=config_help("fail-on")
)


def run_options(command: F) -> F:
    """Options of every command that runs the gate: the config and policy, the cache, the workers."""
    options = [
        config_options(),
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
            help="Folder local $refs may not leave (default: the top of the git work tree holding PATHS,"
            " else their common folder).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


context_option = click.option(
    "--context",
    metavar="SNAPSHOT_OR_FOLDER",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    # Not given: None, so that the config's `context` stands.
    callback=lambda _ctx, _param, values: [str(v) for v in values] or None,
    help="Other services' contract snapshots (`contract-gate export`; a file, or a folder of"
    " them, repeatable): calls to them are judged, they are not gated (SPEC §11).",
)


def gate_options(command: F) -> F:
    """Options shared by the commands that run the gate and judge its metrics."""
    return threshold_options(context_option(run_options(command)))


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
    cache: Cache | None = None,
) -> Report:
    """Run the gate with prepared settings: the result cache, and a progress bar on a terminal.

    `cache`: the result cache opened already (else the one the config asks for is opened).
    """
    settings, config_base, isolation, judgement = prepared
    cache = cache or result_cache(settings, config_base)
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


def result_cache(settings: Settings, config_base: Path) -> Cache | None:
    """The result cache the config asks for (none with --debug)."""
    config = settings.config
    # CONTRACT_GATE_CACHE_DIR lets a CI job put the cache where its cache step saves it.
    folder = Path(os.environ.get("CONTRACT_GATE_CACHE_DIR") or config_base / config.cache_dir)
    return Cache.open(folder) if config.cache and not settings.debug else None


def prepare(
    ctx: click.Context, paths: tuple[Path, ...], flags: dict[str, Any], revision: Revision | None = None
) -> Prepared:
    """What a run needs, with the config judged by `history.policy.judge`.

    The config is held to the organisation's policy (--policy) and, in diff mode, to the
    config at `revision`.
    """
    explicit = given(ctx, "config_file")
    loaded = load_config(explicit, flags, Path.cwd(), RULES_BY_ID)
    judgement = judge(
        loaded, flags, RULES_BY_ID, floor=policy_floor(ctx), revision=revision, explicit=explicit
    )
    config = judgement.config
    flag = flags.get("ref-root")
    root = ref_scope.ref_root(list(paths), config, loaded.base, Path(flag) if flag is not None else None)
    mapped = ref_scope.ref_map(config, loaded.base, root, loaded.source)
    context = _context(config.context, Path.cwd() if flags.get("context") is not None else loaded.base)
    settings = Settings(
        config=config, ref_root=root, debug=bool(given(ctx, "debug")), ref_map=mapped, context=context
    )
    # --debug checks in this process, so that a traceback can reach the user.
    isolation = (
        None
        if settings.debug
        else Isolation(
            jobs=config.jobs or default_jobs(), seconds=config.file_timeout, memory=config.worker_memory_bytes
        )
    )
    return Prepared(settings, loaded.base, isolation, judgement)


def _context(paths: list[str], base: Path) -> tuple[Path, ...]:
    """The context snapshots, absolute (diff mode runs the base elsewhere); exit 2 for one missing."""
    found = tuple((base / path).resolve() for path in paths)
    for path, written in zip(found, paths, strict=True):
        if not path.exists():
            fail(f"context: {written}: no such file or folder (from {base})")
    return found


def policy_floor(ctx: click.Context) -> Floor | None:
    """The organisation's policy given with --policy (or CONTRACT_GATE_POLICY), if any."""
    path: Path | None = given(ctx, "policy_file")
    return load_floor(path, RULES_BY_ID) if path is not None else None


def require_bu(report: Report, bu: str) -> None:
    """Exit 2 naming the estate's BUs when no operation or pair is in `bu` and bu-registry lacks it."""
    known = estate_bus(report)
    if bu in known or bu in (report.config.bu_registry or ()):
        return
    listed = ", ".join(known[:_BUS_LISTED]) or "none"
    if len(known) > _BUS_LISTED:
        listed += f" and {len(known) - _BUS_LISTED} more"
    hint = did_you_mean(bu, known, quote='"')
    fail(f'no BU "{bu}" in the estate{hint}; BUs: {listed}')


def estate_bus(report: Report) -> list[str]:
    """The BUs of the estate: owners of operations (internal ones too) and of pairs, "(unowned)" last."""
    owners = {op.bu for service in report.services for op in service.operations if op.bu is not None}
    return sorted(owners | set(report.metrics.by_bu), key=bu_order)


def overrides(**flags: Any) -> dict[str, Any]:
    """Command-line flags as config keys (kebab-case); flags not given are left out."""
    return {
        key.replace("_", "-"): str(value) if isinstance(value, Path) else value
        for key, value in flags.items()
        if value is not None
    }


def emit(text: str | bytes | Iterable[bytes], output: Path | None) -> None:
    """Print TEXT (or its UTF-8 bytes, or those in pieces), or write it atomically to OUTPUT."""
    if output is not None:
        write_atomic(output, text)
    elif isinstance(text, str | bytes):
        click.echo(text, nl=False)
    else:
        for piece in text:
            click.echo(piece, nl=False)
