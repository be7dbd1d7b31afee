"""A crash in our own code never changes the numbers silently (issue: SPEC §6, §8).

Either the crashed file's operations are still counted (a later stage raised), or the
run says plainly that the metrics are incomplete, judges no threshold and exits 2.
"""

from __future__ import annotations

import ctypes
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES, check_json, invoke

from contract_gate.config.settings import Config
from contract_gate.engine import checker, run
from contract_gate.engine.checker import FileResult, Settings
from contract_gate.engine.pool import Isolation
from contract_gate.load.discovery import Candidate
from contract_gate.validate import semantics

ESTATE = SAMPLES / "estate"
_CHECK_CANDIDATE = run._check_candidate
ORDERS = "orders/openapi.yaml"


def _raise_for_orders(real: Any) -> Any:
    def patched(document: Any, *args: Any) -> Any:
        if document.display.endswith(ORDERS):
            raise KeyError("injected")
        return real(document, *args)

    return patched


def test_a_stage_that_raises_keeps_the_file_counted_and_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    code, clean = check_json(ESTATE, "--no-cache")
    assert code == 0
    monkeypatch.setattr(semantics, "semantic_problems", _raise_for_orders(semantics.semantic_problems))
    code, crashed = check_json(ESTATE, "--no-cache")
    assert code == 2 and crashed["passed"] is False
    assert crashed["metrics"] == clean["metrics"]
    assert crashed["pairs"] == clean["pairs"]
    assert "incomplete" not in crashed
    [finding] = crashed["findings"]
    assert finding["rule"] == "checker-crashed" and finding["file"].endswith(ORDERS)
    assert "checking what the specification requires" in finding["message"]
    assert "KeyError" in finding["message"] and "other checks of this file ran" in finding["message"]


def test_a_lost_service_means_no_final_looking_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checker, "build_service", _raise_for_orders(checker.build_service))
    text = invoke("check", ESTATE, "--no-cache", "--min-completeness", "100")
    assert text.exit_code == 2
    assert "Metrics INCOMPLETE" in text.stdout and ORDERS in text.stdout
    assert "Documentation completeness:" not in text.stdout and "SLO alignment" not in text.stdout
    assert "threshold-" not in text.stdout
    assert "gate could not finish" in text.stdout and "Traceback" not in text.output

    code, report = check_json(ESTATE, "--no-cache")
    assert code == 2 and report["passed"] is False
    assert [Path(p).as_posix()[-len(ORDERS) :] for p in report["incomplete"]] == [ORDERS]

    markdown = invoke("check", ESTATE, "--no-cache", "--format", "markdown")
    assert markdown.exit_code == 2 and "Metrics INCOMPLETE" in markdown.stdout
    assert "| Documentation completeness |" not in markdown.stdout


@pytest.mark.parametrize(
    "command",
    [
        ["score"],
        ["score", "--format", "json"],
        ["badge", "--format", "shields"],
        ["score", "--format", "prometheus"],
        ["audit", "--bu", "ECOM-BU"],
    ],
)
def test_publishing_commands_publish_nothing_from_an_incomplete_run(
    command: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(checker, "build_service", _raise_for_orders(checker.build_service))
    target = tmp_path / "out"
    result = invoke(*command, ESTATE, "--no-cache", "--output", target)
    assert result.exit_code == 2, result.output
    assert not target.exists()
    assert "Metrics INCOMPLETE" in result.stderr


def _segfault_on_orders(candidate: Candidate, settings: Settings) -> FileResult:
    if candidate.path.as_posix().endswith(ORDERS):
        ctypes.string_at(0)  # a real SIGSEGV in the worker, as a crashing C extension would cause
    return _CHECK_CANDIDATE(candidate, settings)


def test_a_worker_that_dies_leaves_the_metrics_marked_incomplete(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run, "_check_candidate", _segfault_on_orders)
    settings = Settings(Config(), SAMPLES.resolve())
    report = run.run([ESTATE], settings, isolation=Isolation(jobs=2))
    assert [Path(f).as_posix()[-len(ORDERS) :] for f in report.incomplete] == [ORDERS]
    assert not report.passed
    assert not any(f.rule.startswith("threshold-") for f in report.findings)
    assert json.dumps([f.rule for f in report.findings if f.file and f.file.endswith(ORDERS)]) == (
        '["checker-crashed"]'
    )
