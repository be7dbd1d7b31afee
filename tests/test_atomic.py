"""Output files are whole or absent, even when the writer is killed mid-write."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SAMPLES, invoke

from contract_gate.atomic import OutputError, write_atomic

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


def _run_cli(args: list[str], cwd: Path, umask: int, home: Path) -> int:
    """The installed `contract-gate` as a subprocess under `umask`, with its own HOME."""
    script = (
        f"import os, sys; os.umask({umask:#o}); from contract_gate.cli.main import entry;"
        " sys.argv[0] = 'contract-gate'; entry()"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "CONTRACT_GATE_CACHE_DIR": str(cwd / "cache"),
    }
    return subprocess.run([sys.executable, "-c", script, *args], cwd=cwd, env=env, check=False).returncode


def test_every_written_file_follows_the_umask_and_an_overwritten_one_keeps_its_mode(tmp_path: Path) -> None:
    out, home = tmp_path / "out", tmp_path / "home"
    out.mkdir()
    home.mkdir()
    (out / "kept.json").write_text("old")
    (out / "kept.json").chmod(0o640)
    legacy = str(SAMPLES / "legacy")
    runs = [
        [
            "check",
            legacy,
            "--format",
            "json",
            "-o",
            "report.json",
            "--report",
            "sarif:r.sarif",
            "--report",
            "junit:r.xml",
        ],
        ["check", legacy, "--format", "json", "-o", "kept.json", "--no-cache"],
        ["badge", legacy, "--metric", "completeness", "-o", "badge.svg"],
        ["badge", legacy, "--all-bus", "badges"],
        ["audit", legacy, "--bu", "ECOM-BU", "--format", "html", "-o", "audit.html"],
        ["score", legacy, "--format", "prometheus", "--textfile", "metrics.prom"],
        ["prometheus-rules", legacy, "-o", "rules.yaml"],
        ["graph", legacy, "--format", "dot", "-o", "graph.dot"],
        ["baseline", "create", legacy, "-o", "baseline.json"],
    ]
    for args in runs:
        assert _run_cli(args, out, 0o022, home) in (0, 1), args
    modes = {p.relative_to(out).as_posix(): p.stat().st_mode & 0o777 for p in out.rglob("*") if p.is_file()}
    assert modes.pop("kept.json") == 0o640
    assert any(name.startswith("cache/") for name in modes), "the run stored cache entries"
    assert {
        "report.json",
        "r.sarif",
        "r.xml",
        "badge.svg",
        "audit.html",
        "metrics.prom",
        "rules.yaml",
        "graph.dot",
        "baseline.json",
    } <= set(modes)
    assert {name: mode for name, mode in modes.items() if mode != 0o644} == {}
    # The cache's signing key is a secret: it stays readable by its owner only.
    (key,) = (home / ".cache" / "contract-gate").iterdir()
    assert key.stat().st_mode & 0o777 == 0o600


def test_a_stricter_umask_gives_stricter_files(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    assert _run_cli(["badge", str(SAMPLES / "legacy"), "-o", "b.svg"], tmp_path, 0o077, home) == 0
    assert (tmp_path / "b.svg").stat().st_mode & 0o777 == 0o600


def test_a_device_or_a_pipe_is_written_in_place_never_replaced(tmp_path: Path) -> None:
    # `-o /dev/null` run as root must not turn the device into a plain file.
    null = Path(os.devnull)
    before = null.stat()
    result = invoke("check", SAMPLES / "estate", "--no-cache", "--format", "json", "-o", null)
    assert result.exit_code == 0, result.output
    after = null.stat()
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_atomic(fifo, "through the pipe\n")
    reader.join(timeout=10)
    assert received == [b"through the pipe\n"] and stat.S_ISFIFO(fifo.stat().st_mode)


def test_pieces_are_written_whole_in_order_and_a_failing_maker_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    pieces = [f"piece {i}\n".encode() * 1000 for i in range(50)]
    write_atomic(target, iter(pieces))
    assert target.read_bytes() == b"".join(pieces)

    def failing() -> Iterator[bytes]:
        yield b"half of a new report"
        raise RuntimeError("the renderer broke")

    with pytest.raises(RuntimeError, match="the renderer broke"):
        write_atomic(target, failing())
    assert target.read_bytes() == b"".join(pieces)
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left


def test_a_piece_that_cannot_be_written_is_the_output_error_and_the_maker_stops(tmp_path: Path) -> None:
    made: list[int] = []

    def pieces() -> Iterator[bytes]:
        for i in range(1000):
            made.append(i)
            yield b"x" * 1024

    full = Path("/dev/full")
    if not full.exists():
        pytest.skip("no /dev/full here")
    with pytest.raises(OutputError, match="/dev/full"):
        write_atomic(full, pieces())
    assert len(made) < 1000  # it stopped making pieces once one could not be written
