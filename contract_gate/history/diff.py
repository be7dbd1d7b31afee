"""Diff mode (`check --base REV`): the specs at a git revision, and what changed since.

The base snapshot is read through git (`ls-tree` + `cat-file`) into a temporary
folder that mirrors the repository layout; the working tree and the index are
never touched. The gate runs on it with the same configuration, from the mirrored
working directory, so that file names (and so fingerprints) are the same as in the
working tree. Then only findings whose fingerprint is new fail the gate, and the
contract changes themselves become findings: `slo-loosened`, `owner-changed`,
`operation-removed` (operations matched by service id and `METHOD /path`, path
parameter names ignored).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import IO

from contract_gate.config.policy import Policy
from contract_gate.config.settings import Config
from contract_gate.engine.checker import Settings
from contract_gate.engine.pool import Isolation
from contract_gate.engine.rules import THRESHOLD_COMPLETENESS, THRESHOLD_IDS
from contract_gate.engine.run import DiffInfo, GroupDelta, NoSpecsError, Report, run
from contract_gate.estate.alignment import Pair
from contract_gate.estate.metrics import GroupMetrics, Metrics, Ratio, compute_metrics
from contract_gate.estate.pairs import Estate
from contract_gate.extensions.values import check_slo, format_millis, slo_millis
from contract_gate.findings import Finding, Problem
from contract_gate.history.errors import DiffError
from contract_gate.history.rules import OPERATION_REMOVED, OWNER_CHANGED, SLO_LOOSENED
from contract_gate.load.discovery import SPEC_SUFFIXES
from contract_gate.load.loader import LoadError, load_document
from contract_gate.spec.model import Operation, Service, template

_SYMLINK_MODE = "120000"
_FILE_MODES = {"100644", "100755", _SYMLINK_MODE}
OpKey = tuple[str, str, str]  # service id, method, path template


@dataclass(frozen=True, slots=True)
class Revision:
    """A revision as the user named it, the commit it is, and the repository's top folder."""

    name: str
    commit: str
    toplevel: Path


def resolve(name: str, cwd: Path) -> Revision:
    """The commit `name` names in the repository holding `cwd`; DiffError when there is none."""
    if not name.strip() or name.startswith("-"):
        raise DiffError(f'"{name}" is not a git revision')
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode != 0:
        raise DiffError(f"--base needs a git repository; git says: {_first_line(top.stderr)}")
    toplevel = Path(os.fsdecode(top.stdout.rstrip(b"\n"))).resolve()
    found = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{name}^{{commit}}"], cwd)
    if found.returncode != 0:
        raise DiffError(
            f'unknown git revision "{name}" in {toplevel} (in a shallow clone, fetch more history)'
        )
    return Revision(name, found.stdout.decode("ascii").strip(), toplevel)


def file_at(revision: Revision, path: Path) -> tuple[str, bytes] | None:
    """(repo-relative path, bytes) of the file at `path` (in the working tree) as it was at `revision`.

    None when it did not exist there, or lies outside the repository.
    """
    rel = _inside(path, revision.toplevel)
    if not rel:
        return None
    shown = _git(["cat-file", "blob", f"{revision.commit}:{rel}"], revision.toplevel)
    return (rel, shown.stdout) if shown.returncode == 0 else None


def against(
    head: Report,
    revision: Revision,
    inputs: list[Path],
    settings: Settings,
    config_base: Path,
    isolation: Isolation | None,
) -> Report:
    """The head report compared with the same inputs and settings at `revision`."""
    return compare(head, run_at(revision, inputs, settings, config_base, isolation), revision)


def run_at(
    revision: Revision, inputs: list[Path], settings: Settings, config_base: Path, isolation: Isolation | None
) -> Report:
    """The gate on the inputs as they were at `revision` (an empty report when none existed).

    It runs from the mirrored working directory, so relative inputs keep their names.
    """
    top = revision.toplevel
    here = _relative(Path.cwd(), top, "the working directory")
    wanted = [(given, _relative(given, top, str(given))) for given in inputs]
    ref_root, config_rel = _inside(settings.ref_root, top), _inside(config_base, top)
    scope = {rel for _, rel in wanted} | ({ref_root} if ref_root is not None else set())
    with snapshot(revision, scope, explicit={rel for _, rel in wanted}) as root:
        present = [
            root / rel if given.is_absolute() else given for given, rel in wanted if (root / rel).exists()
        ]
        mirrored = replace(
            settings,
            ref_root=root / ref_root if ref_root is not None else root,
            ref_map=tuple((prefix, _mirrored(folder, top, root)) for prefix, folder in settings.ref_map),
        )
        (root / here).mkdir(parents=True, exist_ok=True)
        with contextlib.chdir(root / here):
            if not present:
                return empty_report(settings.config)
            try:
                return run(
                    present,
                    mirrored,
                    base=root / config_rel if config_rel is not None else config_base,
                    isolation=isolation,
                )
            except NoSpecsError:
                return empty_report(settings.config)


@contextlib.contextmanager
def snapshot(revision: Revision, scope: Iterable[str], explicit: Iterable[str] = ()) -> Iterator[Path]:
    """A temporary folder holding the spec files under `scope` (repo-relative) at `revision`.

    Only *.yaml/*.yml/*.json files (and the files in `explicit`) are written: nothing else
    can be a spec or a `$ref` target worth reading, and a monorepo holds much else.
    """
    with tempfile.TemporaryDirectory(prefix="contract-gate-base-") as temp:
        root = Path(temp).resolve()
        _extract(revision, _blobs(revision, scope, set(explicit)), root)
        yield root


def _blobs(revision: Revision, scope: Iterable[str], named: set[str]) -> list[tuple[str, str, str]]:
    """(mode, object id, path) of the files to mirror, from `git ls-tree`."""
    pathspecs = sorted({s or "." for s in scope})
    listing = _git(
        ["--literal-pathspecs", "ls-tree", "-r", "-z", revision.commit, "--", *pathspecs], revision.toplevel
    )
    if listing.returncode != 0:
        raise DiffError(f"git ls-tree {revision.name} failed: {_first_line(listing.stderr)}")
    blobs = []
    for record in filter(None, listing.stdout.split(b"\0")):
        meta, _, raw_path = record.partition(b"\t")
        mode, kind, sha = meta.decode("ascii").split()
        path = os.fsdecode(raw_path)
        wanted = path in named or path.lower().endswith(SPEC_SUFFIXES)
        if kind == "blob" and mode in _FILE_MODES and wanted and _safe(path):
            blobs.append((mode, sha, path))
    return blobs


def empty_report(config: Config) -> Report:
    """The report of a revision where none of the inputs existed yet."""
    metrics = compute_metrics([], [], config.alignment_scope)
    return Report(findings=[], services=[], pairs=[], metrics=metrics, config=config, files_checked=0)


def compare(head: Report, base: Report, revision: Revision) -> Report:
    """The head report judged against the base: new findings fail, the others are pre-existing."""
    base_prints = {f.fingerprint for f in base.findings}
    new: list[Finding] = []
    pre_existing: list[Finding] = []
    for finding in head.findings:
        if finding.fingerprint not in base_prints:
            new.append(finding)
        elif finding.rule in THRESHOLD_IDS and _worse(finding.rule, head.metrics, base.metrics):
            # Below the bar at both, and lower than at the base: the debt grew, which is new.
            was = _threshold_ratio(finding.rule, base.metrics).shown()
            new.append(replace(finding, message=f"{finding.message}; it was {was} at {revision.name}"))
        else:
            pre_existing.append(finding)
    new.extend(contract_changes(base, head, revision.name))
    new.sort(key=lambda f: f.sort_key)
    info = DiffInfo(
        revision=revision.name,
        commit=revision.commit,
        base_metrics=base.metrics,
        overall=group_delta(head.metrics.overall, base.metrics.overall),
        by_bu=_deltas(head.metrics.by_bu, base.metrics.by_bu),
        by_service=_deltas(head.metrics.by_service, base.metrics.by_service),
        fixed=len(base_prints - {f.fingerprint for f in head.findings}),
    )
    internal = head.internal_errors + [f"at {revision.name}: {e}" for e in base.internal_errors]
    return replace(head, findings=new, pre_existing=pre_existing, internal_errors=internal, diff=info)


def percent_delta(head: Ratio, base: Ratio) -> float | None:
    """Change in percentage points of the shown (one-decimal) values; None when either is n/a."""
    if head.percent is None or base.percent is None:
        return None
    return round(head.percent - base.percent, 1) + 0.0  # + 0.0: never "-0.0"


def group_delta(head: GroupMetrics | None, base: GroupMetrics | None) -> GroupDelta:
    """Both deltas of one group; a group missing on either side has none."""
    if head is None or base is None:
        return GroupDelta(completeness=None, alignment=None)
    return GroupDelta(
        completeness=percent_delta(head.completeness, base.completeness),
        alignment=percent_delta(head.alignment.ratio, base.alignment.ratio),
    )


def contract_changes(base: Report, head: Report, revision: str) -> list[Finding]:
    """slo-loosened, owner-changed and operation-removed findings, placed in the head files."""
    config = head.config
    before, after = _operations(base.services), _operations(head.services)
    now = Estate(head.services)
    dangling = _dangling_calls(Estate(base.services), now)
    changes: list[Problem] = []
    for key, old in before.items():
        new = after.get(key)
        if new is None:
            callers = sorted(dangling.get((old.service, old.key), set()))
            changes.append(_removed(old, callers, old.service in now.services, revision))
            continue
        changes.extend(_loosened(old, new, head.pairs, config.policy, revision))
        changes.extend(_owner_changed(old, new, revision))
    positions = _positions(changes, config)
    findings = []
    for problem in changes:
        severity = config.severity_of(problem.rule, problem.case)
        if severity is None:
            continue
        line, column = positions.get((problem.file or "", problem.pointer), (None, None))
        findings.append(Finding.from_problem(problem, severity, line, column))
    return findings


def _operations(services: Iterable[Service]) -> dict[OpKey, Operation]:
    found: dict[OpKey, Operation] = {}
    seen: set[str] = set()
    for service in services:
        if service.id in seen:
            continue  # service-duplicate: the first one declared is the one called
        seen.add(service.id)
        for op in service.operations:
            found.setdefault((service.id, op.method, template(op.path)), op)
    return found


def _loosened(
    old: Operation, new: Operation, pairs: list[Pair], policy: Policy, revision: str
) -> list[Problem]:
    before, after = old.slo_ms, new.slo_ms
    if before is None or after is None or after <= before or new.slo is None:
        return []
    broken = sorted(
        {
            f"{p.caller.service} {p.caller.operation} ({p.budget})"
            for p in pairs
            if p.callee.service == new.service
            and p.callee.operation == new.key
            and (budget := _budget_ms(p.budget, policy)) is not None
            and budget < after
        }
    )
    impact = (
        f"it now breaks the budget of {', '.join(broken)}"
        if broken
        else "no caller in view budgets less than that"
    )
    message = (
        f"{new.service} {new.key} loosened its p99 from {format_millis(before)} (at {revision}) to"
        f" {format_millis(after)}; {impact}"
    )
    return [Problem(SLO_LOOSENED, message, new.slo.file, new.slo.pointer, new.service, new.key)]


def _owner_changed(old: Operation, new: Operation, revision: str) -> list[Problem]:
    if old.owner is None or new.owner is None or str(old.owner.value) == str(new.owner.value):
        return []
    message = (
        f'{new.service} {new.key} is now owned by "{new.owner.value}" (it was "{old.owner.value}"'
        f" at {revision})"
    )
    return [Problem(OWNER_CHANGED, message, new.owner.file, new.owner.pointer, new.service, new.key)]


def _dangling_calls(was: Estate, now: Estate) -> dict[tuple[str, str], set[str]]:
    """Calls of the current specs that no longer resolve, by the operation they named at the base."""
    dangling: dict[tuple[str, str], set[str]] = {}
    for service in now.services.values():
        for op in service.operations:
            for call in op.calls:
                if call.service in now.services and now.operation(call.service, call.operation) is not None:
                    continue
                named = was.operation(call.service, call.operation) if call.service in was.services else None
                if named is not None:
                    dangling.setdefault((named.service, named.key), set()).add(f"{service.id} {op.key}")
    return dangling


def _removed(old: Operation, callers: list[str], service_kept: bool, revision: str) -> Problem:
    """operation-removed, in the case that decides its default severity (`OPERATION_REMOVED.cases`)."""
    gone = f"{old.service} {old.key} was removed since {revision}"
    if not service_kept:
        gone += f" (service {old.service} is no longer among the specs)"
    if callers:
        message, case = f"{gone}, but {', '.join(callers)} still call it", "still-called"
    elif old.internal:
        message, case = f"{gone}; it was x-internal and nothing in view calls it", "internal-unused"
    else:
        message, case = f"{gone}; nothing in view calls it, but clients outside these specs may", "unused"
    return Problem(OPERATION_REMOVED, message, old.file, old.pointer, old.service, old.key, case=case)


def _budget_ms(budget: str | None, policy: Policy) -> float | None:
    if budget is None or not check_slo(budget, policy.max_slo_ms).valid:
        return None
    return slo_millis(budget)


def _positions(problems: list[Problem], config: Config) -> dict[tuple[str, str], tuple[int, int]]:
    """Where each problem points in the working tree (files already checked once, so loadable)."""
    positions: dict[tuple[str, str], tuple[int, int]] = {}
    for file in sorted({p.file for p in problems if p.file is not None}):
        try:
            document = load_document(Path(file), config.limits, file)
        except (LoadError, OSError):
            continue  # a deleted spec: the finding keeps its file, without a line
        for problem in problems:
            if problem.file == file:
                positions[(file, problem.pointer)] = document.locator.locate(problem.pointer)
    return positions


def _worse(rule: str, head: Metrics, base: Metrics) -> bool:
    now, was = _threshold_ratio(rule, head), _threshold_ratio(rule, base)
    return was.denominator == 0 or now.numerator * was.denominator < was.numerator * now.denominator


def _threshold_ratio(rule: str, metrics: Metrics) -> Ratio:
    overall = metrics.overall
    return overall.completeness if rule == THRESHOLD_COMPLETENESS.id else overall.alignment.ratio


def _deltas(head: dict[str, GroupMetrics], base: dict[str, GroupMetrics]) -> dict[str, GroupDelta]:
    return {name: group_delta(head.get(name), base.get(name)) for name in sorted(set(head) | set(base))}


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise DiffError("--base needs git, which was not found on PATH") from None


def _extract(revision: Revision, blobs: list[tuple[str, str, str]], root: Path) -> None:
    """Write each blob under root (symlinks as symlinks) with one `git cat-file --batch`."""
    if not blobs:
        return
    with subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=revision.toplevel,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as batch:
        assert batch.stdin is not None and batch.stdout is not None
        for mode, sha, path in blobs:
            batch.stdin.write(sha.encode("ascii") + b"\n")
            batch.stdin.flush()
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            _copy_object(batch.stdout, sha, target, symlink=mode == _SYMLINK_MODE)
        batch.stdin.close()


def _copy_object(stream: IO[bytes], sha: str, target: Path, symlink: bool) -> None:
    header = stream.readline().split()
    if len(header) != 3 or header[1] != b"blob":
        raise DiffError(f"git cat-file could not read object {sha}")
    remaining = int(header[2])
    if symlink:
        target.symlink_to(os.fsdecode(stream.read(remaining)))
    else:
        with target.open("wb") as out:
            while remaining:
                chunk = stream.read(min(remaining, 1 << 20))
                if not chunk:
                    raise DiffError(f"git cat-file stopped in the middle of object {sha}")
                out.write(chunk)
                remaining -= len(chunk)
    stream.read(1)  # the newline after each object


def _safe(path: str) -> bool:
    """A repo-relative path that stays inside the mirror (git trees never hold others, but check)."""
    parts = PurePosixPath(path).parts
    return bool(parts) and not path.startswith("/") and not {"..", ".", ""} & set(parts)


def _relative(path: Path, top: Path, what: str) -> str:
    rel = _inside(path, top)
    if rel is None:
        raise DiffError(f"{what} is outside the git repository at {top}")
    return rel


def _mirrored(folder: Path, top: Path, root: Path) -> Path:
    """A ref-map folder in the mirror (inside the ref root, so mirrored with it); as it is if outside."""
    rel = _inside(folder, top)
    return root / rel if rel is not None else folder


def _inside(path: Path, top: Path) -> str | None:
    """`path` relative to the repository top, as a posix string ("" for the top), or None.

    Lexically: a symlink of the working tree is mirrored as a symlink, and followed there.
    """
    try:
        rel = Path(os.path.normpath(Path.cwd() / path)).relative_to(top)
    except ValueError:
        return None
    return "" if rel == Path() else rel.as_posix()


def _first_line(raw: bytes) -> str:
    lines = raw.decode("utf-8", "replace").strip().splitlines()
    return lines[0] if lines else "no message"
