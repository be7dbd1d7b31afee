"""The test suite itself cannot hang: per-test timeouts and a crashed worker fail the run at once."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO

CRASHING = """
import os, signal, time

def test_crashes_its_worker():
    os.kill(os.getpid(), signal.SIGSEGV)

def test_a():
    time.sleep(1)

def test_b():
    time.sleep(1)

def test_c():
    time.sleep(1)
"""

HANGING = """
import time

def test_hangs():
    time.sleep(600)
"""


def _pytest(folder: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """pytest with this project's settings (pyproject.toml) on the tests in `folder`."""
    start = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(REPO / "pyproject.toml"),
            "--rootdir",
            str(folder),
            "-p",
            "no:cacheprovider",
            *args,
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=folder,
    )
    return done, time.monotonic() - start


def test_a_crashed_xdist_worker_fails_the_run_at_once(tmp_path: Path) -> None:
    (tmp_path / "test_crash.py").write_text(CRASHING)
    done, seconds = _pytest(tmp_path, "-n", "2", "--dist", "loadgroup")
    assert done.returncode != 0
    assert "crashed" in done.stdout
    assert seconds < 120, done.stdout


def test_a_hanging_test_fails_at_its_timeout(tmp_path: Path) -> None:
    (tmp_path / "test_hang.py").write_text(HANGING)
    done, seconds = _pytest(tmp_path, "-o", "timeout=3")
    assert done.returncode == 1
    assert "Timeout" in done.stdout
    assert seconds < 120, done.stdout
