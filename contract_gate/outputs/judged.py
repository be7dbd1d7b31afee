"""The line that says what judged a run: the thresholds and every value the policy or the base set."""

from __future__ import annotations

from contract_gate.config.judged import JudgedValue, Source
from contract_gate.engine.run import Report

_ALWAYS = ("min-completeness", "min-alignment", "fail-on")
_PERCENT = ("min-completeness", "min-alignment")
_HELD = (Source.POLICY, Source.BASE)


def judged_line(report: Report) -> str | None:
    """`Judged by: min-completeness 80% (policy: org/policy.toml), …`; None without a judgement."""
    shown = [j for j in report.judged_by if j.key in _ALWAYS or j.source in _HELD]
    if not shown:
        return None
    return "Judged by: " + " · ".join(_value(j) for j in shown)


def held_by_policy_or_base(report: Report) -> bool:
    """Whether the organisation's policy or the base revision set any value the gate applied."""
    return any(j.source in _HELD for j in report.judged_by)


def _value(judged: JudgedValue) -> str:
    value = f"{judged.value}%" if judged.key in _PERCENT else judged.value
    origin = f"{judged.source.value}: {judged.where}" if judged.where else judged.source.value
    return f"{judged.key} {value} ({origin})"
