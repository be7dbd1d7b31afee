"""Worker processes: a file that crashes, hangs or eats memory costs only its own result."""

from __future__ import annotations

import ctypes
import os
import signal
import time
from pathlib import Path

import pytest
from conftest import SAMPLES, check_json

from contract_gate.config.settings import Config
from contract_gate.engine.checker import FileResult, Settings
from contract_gate.engine.pool import Isolation, check_isolated
from contract_gate.engine.run import _check_candidate, run
from contract_gate.load.discovery import Candidate
from contract_gate.outputs.report_model import build_report_model


def _hostile_check(candidate: Candidate, settings: Settings) -> FileResult:
    """The real check, except for files named after what they do to the worker."""
    name = candidate.path.name
    if name.startswith("segfault"):
        ctypes.string_at(0)  # a real SIGSEGV, as a crashing C extension would cause
    if name.startswith("hang"):
        time.sleep(60)
    if name.startswith("hog"):
        bytearray(4 * 1024**3)
    if name.startswith("killed"):
        os.kill(os.getpid(), signal.SIGKILL)
    return _check_candidate(candidate, settings)


def _estate(tmp_path: Path) -> list[Candidate]:
    good = (SAMPLES / "estate" / "orders" / "openapi.yaml").read_text()
    names = ["a-good.yaml", "segfault.yaml", "hang.yaml", "hog.yaml", "killed.yaml", "z-good.yaml"]
    for name in names:
        (tmp_path / name).write_text(good.replace("order-service", name.removesuffix(".yaml")))
    return [Candidate(tmp_path / name, True) for name in names]


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_failure_is_a_finding_for_its_file_and_the_others_are_checked(tmp_path: Path, jobs: int) -> None:
    # With one worker every file is queued behind the failing ones: none may be blamed or lost.
    candidates = _estate(tmp_path)
    settings = Settings(Config(), tmp_path.resolve())
    isolation = Isolation(jobs=jobs, seconds=2.0, memory=1024**3)
    started = time.monotonic()
    results = check_isolated(candidates, settings, isolation, _hostile_check)
    assert time.monotonic() - started < 30
    by_name = {Path(r.file).name: r for r in results}
    assert [Path(r.file).name for r in results] == [c.path.name for c in candidates]
    for good in ("a-good.yaml", "z-good.yaml"):
        assert by_name[good].service is not None
        assert by_name[good].findings == []
    messages = {
        name: [(f.rule, f.message) for f in by_name[name].findings]
        for name in ("segfault.yaml", "hang.yaml", "hog.yaml", "killed.yaml")
    }
    assert all(len(m) == 1 and m[0][0] == "checker-crashed" for m in messages.values()), messages
    assert "SIGSEGV" in messages["segfault.yaml"][0][1]
    assert "longer than 2 s" in messages["hang.yaml"][0][1]
    assert "more memory" in messages["hog.yaml"][0][1]
    assert "SIGKILL" in messages["killed.yaml"][0][1]


def test_isolated_parallel_run_reports_exactly_what_the_in_process_run_reports() -> None:
    settings = Settings(Config(), SAMPLES.resolve())
    inputs = [SAMPLES / "legacy", SAMPLES / "estate"]
    plain = build_report_model(run(inputs, settings)).model_dump()
    for jobs in (1, 2):
        isolated = build_report_model(run(inputs, settings, isolation=Isolation(jobs=jobs))).model_dump()
        assert isolated == plain


def test_cli_jobs_flag_gives_the_same_report() -> None:
    code_1, one = check_json(SAMPLES / "legacy", "--jobs", "1")
    code_2, two = check_json(SAMPLES / "legacy", "--jobs", "2")
    assert (code_1, one) == (code_2, two)
