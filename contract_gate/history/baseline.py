"""Baselines: accept today's findings by fingerprint, so that only new ones fail the gate.

A baseline file (`contract-gate baseline create PATH… -o FILE`) is a small JSON document:

    {"version": 1, "tool": {"name": "contract-gate", "version": "0.1.0"},
     "findings": [{"fingerprint": "…", "rule": "slo-missing", "file": "specs/order.yaml",
                   "operation": "DELETE /v1/orders/{id}", "message": "…"}]}

Only the fingerprints count (rule + service or file + operation + pointer: no line
numbers, so they survive reformatting and moved lines); the other fields are there
for the people who review the file. Threshold findings are never baselined: they
judge the metrics, which a list of fingerprints cannot describe. A team that
accepts lower numbers lowers `min-completeness`/`min-alignment`, where reviewers
see the number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from contract_gate import __version__
from contract_gate.atomic import write_atomic
from contract_gate.config.rules import POLICY_VIOLATION
from contract_gate.engine.rules import THRESHOLD_IDS
from contract_gate.engine.run import BaselineEntry, BaselineInfo, Report
from contract_gate.findings import Finding
from contract_gate.history.errors import BaselineError
from contract_gate.history.rules import GATE_RULE_IDS

BASELINE_VERSION = 1
_NEVER_BASELINED = THRESHOLD_IDS | GATE_RULE_IDS | {POLICY_VIOLATION.id}
_STALE_SHOWN = 5


@dataclass(frozen=True, slots=True)
class Baseline:
    """A loaded baseline: where it came from and its entries."""

    file: str
    entries: tuple[BaselineEntry, ...]

    @property
    def fingerprints(self) -> frozenset[str]:
        """The accepted fingerprints."""
        return frozenset(entry.fingerprint for entry in self.entries)


@dataclass(frozen=True, slots=True)
class Update:
    """What `baseline update` changed."""

    total: int
    added: int
    removed: int


def baselinable(finding: Finding) -> bool:
    """Whether a baseline may accept a finding (not thresholds, nor findings on the gate's own policy)."""
    return finding.rule not in _NEVER_BASELINED


def entries_of(findings: Iterable[Finding]) -> tuple[BaselineEntry, ...]:
    """Baseline entries for findings: thresholds left out, one per fingerprint, in a stable order."""
    unique: dict[str, BaselineEntry] = {}
    for f in findings:
        if baselinable(f):
            unique.setdefault(
                f.fingerprint, BaselineEntry(f.fingerprint, f.rule, f.file, f.operation, f.message)
            )
    return tuple(
        sorted(unique.values(), key=lambda e: (e.file or "", e.rule, e.operation or "", e.fingerprint))
    )


def render(entries: Iterable[BaselineEntry]) -> str:
    """The baseline file's text."""
    from contract_gate.history.baseline_model import BaselineEntryModel, BaselineModel, BaselineToolModel

    document = BaselineModel(
        version=BASELINE_VERSION,
        tool=BaselineToolModel(name="contract-gate", version=__version__),
        findings=[
            BaselineEntryModel(
                fingerprint=e.fingerprint, rule=e.rule, file=e.file, operation=e.operation, message=e.message
            )
            for e in entries
        ],
    )
    return document.model_dump_json(indent=2) + "\n"


def load(path: Path) -> Baseline:
    """Read and validate a baseline file; BaselineError (one line) when it cannot be used."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise BaselineError(
            f"baseline {path}: no such file (create it with `contract-gate baseline create PATH… -o {path}`)"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"baseline {path}: cannot read it: {_one_line(str(error))}") from None
    return parse(text, str(path))


def parse(text: str, path: str) -> Baseline:
    """A baseline from its text; BaselineError (one line, naming `path`) when it is not one."""
    from pydantic import ValidationError

    from contract_gate.history.baseline_model import BaselineModel

    try:
        model = BaselineModel.model_validate_json(text)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        detail = f"{where}: {first['msg']}" if where else first["msg"]
        raise BaselineError(f"baseline {path}: not a contract-gate baseline ({_one_line(detail)})") from None
    thresholds = sorted({e.rule for e in model.findings if e.rule in THRESHOLD_IDS})
    if thresholds:
        raise BaselineError(
            f"baseline {path}: {', '.join(thresholds)} cannot be baselined (thresholds judge the metrics;"
            " lower min-completeness/min-alignment instead)"
        )
    entries = tuple(
        BaselineEntry(e.fingerprint, e.rule, e.file, e.operation, e.message) for e in model.findings
    )
    return Baseline(path, entries)


def create(report: Report, path: Path) -> int:
    """Write the baseline of a run's findings to `path` (atomically); the number of entries."""
    _complete(report, path)
    entries = entries_of(report.findings)
    write_atomic(path, render(entries))
    return len(entries)


def update(report: Report, previous: Baseline, path: Path) -> Update:
    """Rewrite a baseline: its entries that still occur are kept, new findings added."""
    _complete(report, path)
    old = previous.fingerprints
    entries = entries_of(report.findings)
    new = {entry.fingerprint for entry in entries}
    write_atomic(path, render(entries))
    return Update(total=len(entries), added=len(new - old), removed=len(old - new))


def apply(report: Report, baseline: Baseline) -> Report:
    """The report with the findings the baseline accepts hidden, and what it hid or no longer matched."""
    accepted = baseline.fingerprints

    def kept(findings: list[Finding]) -> list[Finding]:
        return [f for f in findings if not (baselinable(f) and f.fingerprint in accepted)]

    findings, pre_existing = kept(report.findings), kept(report.pre_existing)
    hidden = len(report.findings) + len(report.pre_existing) - len(findings) - len(pre_existing)
    occurring = {f.fingerprint for f in (*report.findings, *report.pre_existing)}
    stale = tuple(e for e in baseline.entries if e.fingerprint not in occurring)
    info = BaselineInfo(file=baseline.file, hidden=hidden, stale=stale)
    return replace(report, findings=findings, pre_existing=pre_existing, baseline_info=info)


def stale_note(info: BaselineInfo) -> str | None:
    """One line about baseline entries that no longer occur, or None when every entry still does."""
    if not info.stale:
        return None
    count = len(info.stale)
    shown = "; ".join(_describe(e) for e in info.stale[:_STALE_SHOWN])
    more = f"; and {count - _STALE_SHOWN} more" if count > _STALE_SHOWN else ""
    entries = f"{count} baseline entries" if count != 1 else "1 baseline entry"
    verb = "occur" if count != 1 else "occurs"
    return (
        f"{entries} in {info.file} no longer {verb} (stale): {shown}{more};"
        " `contract-gate baseline update` drops them"
    )


def _complete(report: Report, path: Path) -> None:
    """A run with internal errors misses findings: a baseline of it would be wrong."""
    if report.internal_errors:
        count = len(report.internal_errors)
        raise BaselineError(
            f"baseline {path}: not written, {count} file{'s' * (count != 1)} could not be checked"
            f" (internal error: {_one_line(report.internal_errors[0])})"
        )


def _describe(entry: BaselineEntry) -> str:
    parts = [entry.rule, entry.file or "(estate)", entry.operation or ""]
    return " ".join(part for part in parts if part)


def _one_line(text: str) -> str:
    return " ".join(text.split())
