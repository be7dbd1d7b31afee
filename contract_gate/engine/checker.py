"""Everything that can be known from one file alone: its findings and its service.

`check_file` is a pure function of (file, settings) returning picklable data,
so files can be checked in any order or in other processes.
"""

from __future__ import annotations

import re
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from contract_gate.config.settings import Config
from contract_gate.engine import fast_paths
from contract_gate.engine.rules import CHECKER_CRASHED, NOT_A_SPEC
from contract_gate.estate.anchors import anchor_pointers
from contract_gate.findings import Finding, Problem
from contract_gate.load.loader import Document, LoadError, display_path, load_document
from contract_gate.load.positions import FixedLocator, Locator
from contract_gate.load.refs import RefMap, RefResolver
from contract_gate.load.rules import PARSE_ERROR
from contract_gate.pickling import by_constructor
from contract_gate.spec.governance import governance_problems
from contract_gate.spec.model import Service, build_service
from contract_gate.validate.rules import SPEC_INVALID

# A walked file that fails to parse, or whose root is not a mapping, is still reported when
# it says `openapi:`/`swagger:` near its top (also as a list item or inside a flow collection).
_LOOKS_LIKE_SPEC = re.compile(rb"""^[\s\-\[{]*["']?(openapi|swagger)["']?\s*:""", re.MULTILINE)
_RECURSION_HEADROOM = 20_000
_LONGEST_WORD, _LONGEST_MESSAGE = 80, 500
_LONG_WORD = re.compile(rf"\S{{{_LONGEST_WORD + 1},}}")


@dataclass(frozen=True, slots=True)
class Settings:
    """What a file check needs besides the file: the config, the ref root and the ref-map folders."""

    config: Config
    ref_root: Path
    debug: bool = False
    # Check with the plain implementations instead of the fast paths: ruamel.yaml's composer,
    # the stdlib JSON parser, openapi-spec-validator's own schema walk. Results must not differ.
    reference: bool = False
    # ref-map with its folders made absolute (engine/ref_scope.py), the longest prefix first.
    ref_map: RefMap = ()
    # Contract snapshots (files or folders, absolute) whose services resolve calls, ungated (SPEC §11).
    context: tuple[Path, ...] = ()


# Pickled through its constructor like the classes it holds: faster, and an entry of the result
# cache pickled by code whose FileResult had other fields fails to load instead of loading half.
@by_constructor
@dataclass
class FileResult:
    """The outcome for one file."""

    file: str
    is_spec: bool
    service: Service | None = None
    findings: list[Finding] = field(default_factory=list)
    service_position: tuple[int, int] | None = None
    # Positions of what estate-wide rules may point at: (file, pointer) -> (line, column).
    anchors: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    internal_error: str | None = None
    # The check crashed before the service was read: the metrics lack its operations.
    lost: bool = False
    # Real paths of every file the check read or tried to read (for the cache; a result the
    # cache served keeps those of the run that stored it).
    dependencies: list[str] = field(default_factory=list)
    # The contract snapshot the service was read from, instead of a spec (SPEC §11).
    snapshot: str | None = None


def check_file(path: Path, explicit: bool, settings: Settings) -> FileResult:
    """Load, validate and model one file; never raises for anything the file contains."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), _RECURSION_HEADROOM))
    display = display_path(path)
    try:
        return _check(path, display, explicit, settings)
    except Exception as error:
        if settings.debug:
            raise
        detail = _one_line(error)
        problem = Problem(CHECKER_CRASHED, f"internal error while checking this file: {detail}", display)
        return FileResult(
            display,
            True,
            findings=_to_findings([problem], {}, settings.config),
            internal_error=detail,
            lost=True,
        )


class _Stages:
    """The stages of one spec's check: one that raises is reported, and the others still run."""

    def __init__(self, display: str, debug: bool) -> None:
        self.display, self.debug = display, debug
        self.crashes: list[str] = []

    @contextmanager
    def guard(self, stage: str) -> Iterator[None]:
        try:
            yield
        except Exception as error:
            if self.debug:
                raise
            self.crashes.append(f"internal error while {stage}: {_one_line(error)}")

    def problems(self) -> list[Problem]:
        """One finding per stage that raised, at the top of the file."""
        return [
            Problem(CHECKER_CRASHED, f"{crash}; the other checks of this file ran", self.display)
            for crash in self.crashes
        ]


def _check(path: Path, display: str, explicit: bool, settings: Settings) -> FileResult:
    config = settings.config
    reference = fast_paths.reference_path(settings.reference)
    try:
        document = load_document(path, config.limits, display, reference=reference)
    except LoadError as error:
        if not explicit and error.rule == PARSE_ERROR and not _looks_like_spec(path):
            return FileResult(display, False)
        problem = Problem(error.rule, str(error), display, line=error.line, column=error.column)
        return FileResult(display, True, findings=_to_findings([problem], {}, config))
    except OSError as error:
        problem = Problem(PARSE_ERROR, f"cannot read the file: {error.strerror}", display)
        return FileResult(display, True, findings=_to_findings([problem], {}, config))
    data = document.data
    if not isinstance(data, dict) or not ({"openapi", "swagger"} & data.keys()):
        if not explicit and (isinstance(data, dict) or not _looks_like_spec(path)):
            return FileResult(display, False)
        problem = Problem(NOT_A_SPEC, _not_a_spec_message(data), display)
        return FileResult(display, False, findings=_to_findings([problem], {}, config))
    return _check_spec(document, settings, reference)


def _check_spec(document: Document, settings: Settings, reference: bool) -> FileResult:
    # openapi-spec-validator and its stack are a third of the start-up: a run whose every
    # file is answered by the cache never imports them.
    fast_paths.install()
    from contract_gate.validate.formats import format_problems
    from contract_gate.validate.ref_kinds import kind_problems
    from contract_gate.validate.semantics import semantic_problems
    from contract_gate.validate.structure import spec_version, validate_structure

    config = settings.config
    stages = _Stages(document.display, settings.debug)
    problems: list[Problem] = list(document.problems)
    family, version_message = spec_version(document.data)
    if version_message:
        key = "swagger" if "swagger" in document.data else "openapi"
        problems.append(Problem(SPEC_INVALID, version_message, document.display, f"/{key}"))
    resolver = RefResolver(settings.ref_root, config.limits, reference=reference, ref_map=settings.ref_map)
    with stages.guard("resolving $refs"):
        problems.extend(resolver.check(document))
    if family is not None:
        reported: list[str] = []
        with stages.guard("validating the structure"):
            reported.extend(resolver.broken_pointers(document))
            wrong_kinds = kind_problems(document, resolver)
            problems.extend(wrong_kinds)
            reported.extend(problem.pointer.removesuffix("/$ref") for problem in wrong_kinds)
            if version_message:
                reported.append("/swagger" if "swagger" in document.data else "/openapi")
            problems.extend(validate_structure(document, family, resolver, reported, fast=not reference))
        with stages.guard("checking the formats of values"):
            problems.extend(format_problems(document, family, resolver, reported))
        with stages.guard("checking what the specification requires beyond its schemas"):
            problems.extend(semantic_problems(document, family, resolver))
    policy = config.policy
    service: Service | None = None
    with stages.guard("reading the service and its operations"):
        service = build_service(document, family or "unknown", resolver, policy)
    if service is not None:
        with stages.guard("applying the governance rules"):
            problems.extend(governance_problems(service, policy))
    problems.extend(stages.problems())
    locators: dict[str, Locator] = {document.display: document.locator}
    for other in resolver.documents():
        locators.setdefault(other.display, other.locator)
    findings = _to_findings(problems, locators, config)
    position = document.locator.locate(service.id_pointer) if service is not None else None
    anchors = (
        {
            anchor: locators.get(anchor[0], FixedLocator()).locate(anchor[1])
            for anchor in anchor_pointers(service)
        }
        if service is not None
        else {}
    )
    dependencies = sorted({str(resolver.real(document.path)), *resolver.attempted()})
    return FileResult(
        document.display,
        True,
        service,
        findings,
        position,
        anchors,
        internal_error="; ".join(stages.crashes) or None,
        dependencies=dependencies,
        lost=service is None,
    )


def _to_findings(
    problems: list[Problem],
    locators: dict[str, Locator],
    config: Config,
    anchors: Mapping[tuple[str, str], tuple[int, int]] | None = None,
    by_service: Mapping[str, Mapping[tuple[str, str], tuple[int, int]]] | None = None,
) -> list[Finding]:
    """Findings of the problems config does not turn off, placed by `anchors`, else by `locators`.

    `anchors` are keyed by (file, pointer); `by_service` holds them per service id instead.
    """
    known: Mapping[tuple[str, str], tuple[int, int]] = anchors or {}
    findings = []
    for problem in problems:
        severity = config.severity_of(problem.rule, problem.case)
        if severity is None:
            continue
        line, column = problem.line, problem.column
        if line is None and problem.file is not None:
            place = (problem.file, problem.pointer)
            table = known if by_service is None else by_service.get(problem.service or "", {})
            at = table.get(place)
            if at is None:
                at = (locators.get(problem.file) or FixedLocator()).locate(problem.pointer)
            line, column = at
        findings.append(Finding.from_problem(problem, severity, line, column, _bounded(problem.message)))
    return findings


def problems_to_findings(
    problems: list[Problem],
    config: Config,
    anchors: dict[tuple[str, str], tuple[int, int]] | None = None,
) -> list[Finding]:
    """Findings for estate problems, placed by positions the file checks recorded."""
    return _to_findings(problems, {}, config, anchors)


def estate_findings(
    problems: list[Problem],
    config: Config,
    anchors: Mapping[str, Mapping[tuple[str, str], tuple[int, int]]],
) -> list[Finding]:
    """Findings for estate problems, placed where their service's file check located them.

    `anchors` are each service's (`FileResult.anchors`), by service id: snapshots from many
    repositories each name an `openapi.yaml`.
    """
    return _to_findings(problems, {}, config, by_service=anchors)


def _one_line(error: BaseException) -> str:
    return "".join(traceback.format_exception_only(error)).strip().replace("\n", " ")


def _bounded(message: str) -> str:
    """Messages quote values from specs: keep a huge value from making a huge message."""
    message = _LONG_WORD.sub(lambda m: m.group()[: _LONGEST_WORD - 3] + "...", message)
    return message if len(message) <= _LONGEST_MESSAGE else message[: _LONGEST_MESSAGE - 3] + "..."


def _looks_like_spec(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            head = stream.read(4096)
    except OSError:
        return False
    return bool(_LOOKS_LIKE_SPEC.search(head))


def _not_a_spec_message(data: object) -> str:
    if isinstance(data, dict):
        return "no `openapi` or `swagger` key at the root: not an OpenAPI/Swagger spec"
    kind = {list: "a list", str: "a string", type(None): "empty"}.get(type(data), type(data).__name__)
    return f"the document is {kind}, not a mapping with `openapi` or `swagger`: not a spec"
