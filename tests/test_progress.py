"""The progress bar: on stderr only when it is a terminal, and never in the report."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

SPEC = """openapi: 3.0.3
info: {{title: svc {n}, version: "1", x-service: svc-{n}, x-bu-owner: ECOM-BU}}
paths:
  /v1/things:
    get:
      x-slo-p99: 100ms
      responses: {{"200": {{description: ok}}}}
"""


def _estate(folder: Path, count: int) -> Path:
    for n in range(count):
        (folder / f"svc-{n}.yaml").write_text(SPEC.format(n=n))
    return folder


def _run_with_terminal_stderr(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run the CLI with stderr on a pseudo-terminal and stdout on a pipe: (exit, stdout, terminal)."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "contract_gate", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=follower,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    os.close(follower)
    terminal = bytearray()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            terminal += chunk
        elif process.poll() is not None:
            break
    os.close(leader)
    assert process.stdout is not None
    with process.stdout:
        stdout = process.stdout.read().decode()
    return process.wait(timeout=60), stdout, terminal.decode(errors="replace")


def test_a_run_over_many_specs_shows_a_bar_on_a_terminal_and_keeps_the_report_clean(
    tmp_path: Path,
) -> None:
    _estate(tmp_path, 25)
    code, stdout, terminal = _run_with_terminal_stderr(
        ["check", ".", "--format", "json", "--no-cache", "--jobs", "1"], tmp_path
    )
    assert code == 0, terminal
    assert "checking specs" in terminal
    assert "25/25" in terminal
    report = json.loads(stdout)  # nothing of the bar reached the report
    assert report["metrics"]["completeness"]["denominator"] == 25


def test_no_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    _estate(tmp_path, 25)
    done = subprocess.run(
        [sys.executable, "-m", "contract_gate", "check", ".", "--no-cache", "--jobs", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "checking specs" not in done.stderr
    assert "\x1b[" not in done.stderr


def test_no_bar_for_a_few_specs_even_on_a_terminal(tmp_path: Path) -> None:
    _estate(tmp_path, 3)
    code, _stdout, terminal = _run_with_terminal_stderr(["check", ".", "--no-cache", "--jobs", "1"], tmp_path)
    assert code == 0
    assert "checking specs" not in terminal
