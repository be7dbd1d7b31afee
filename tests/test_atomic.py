"""Output files are whole or absent, even when the writer is killed mid-write."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import SAMPLES, invoke

WRITER = """
import sys
from pathlib import Path
from contract_gate.atomic import write_atomic
target = Path(sys.argv[1])
round = 0
while True:
    round += 1
    marker = f"round {round}\\n".encode()
    write_atomic(target, marker + b"x" * (64 * 1024 * 1024) + marker)
"""


def _complete(data: bytes) -> bool:
    head, _, rest = data.partition(b"\n")
    return (
        head.startswith(b"round ")
        and rest.endswith(head + b"\n")
        and len(rest) == 64 * 1024**2 + len(head) + 1
    )


def test_killing_the_writer_never_leaves_a_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    for delay in (0.05, 0.2, 0.45, 0.9, 1.6):
        process = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], stdout=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        if target.exists():
            assert _complete(target.read_bytes()), f"partial file after kill at {delay}s"


def test_cli_output_replaces_an_old_report_whole(in_tmp: Path) -> None:
    Path("report.json").write_text("old")
    result = invoke("check", SAMPLES / "estate", "--format", "json", "-o", "report.json")
    assert result.exit_code == 0
    assert Path("report.json").read_text().startswith("{")
    assert sorted(p.name for p in in_tmp.iterdir()) == ["report.json"]


def test_an_output_that_cannot_be_written_is_one_clear_line_and_exit_2(in_tmp: Path) -> None:
    blocker = in_tmp / "not-a-folder"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    for args in (
        ["check", SAMPLES / "legacy", "--format", "json", "-o", blocker / "report.json"],
        ["badge", SAMPLES / "legacy", "--all-bus", blocker / "badges"],
        ["audit", SAMPLES / "legacy", "--bu", "ECOM-BU", "--format", "html", "-o", blocker / "a.html"],
    ):
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"contract-gate: error: cannot write {blocker}"), result.stderr
        assert "Traceback" not in result.output and "internal error" not in result.stderr
