"""A newcomer's first hour, through the installed command: a real process, and a real terminal.

The other tests of these messages run the CLI in-process; these run `.venv/bin/contract-gate`
as a user does, one of them in a pseudo-terminal 80 columns wide.
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

from conftest import REPO, SAMPLES

COMMAND = Path(sys.executable).parent / "contract-gate"

PAYMENTS = """\
openapi: 3.0.3
info: {title: Payments, version: "1", x-bu-owner: PAY-BU}
paths:
  /v1/payments:
    post:
      operationId: createPayment
      x-slo-p99: 900ms
      responses: {"201": {description: created}}
"""

ORDERS = """\
openapi: 3.0.3
info: {title: Orders, version: "1", x-service: order-service, x-bu-owner: ECOM-BU}
paths:
  /v1/orders:
    post:
      operationId: createOrder
      x-slo-p99: 800ms
      x-calls:
        - {service: payment-service, operation: createPayment, x-slo-p99: 300ms}
      responses: {"201": {description: created}}
"""


def run(*args: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """The installed command, as a user runs it (no result cache: each run checks again)."""
    env = {**os.environ, "COLUMNS": "80"}
    return subprocess.run(
        [str(COMMAND), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def in_terminal(*args: str, columns: int = 80) -> str:
    """What the command prints in a pseudo-terminal `columns` wide (stdout and stderr together)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {key: value for key, value in os.environ.items() if key not in {"COLUMNS", "LINES"}}
    process = subprocess.Popen(
        [str(COMMAND), *args], cwd=REPO, stdin=follower, stdout=follower, stderr=follower, env=env
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def test_the_summary_fits_an_80_column_terminal_and_labels_its_numbers() -> None:
    shown = in_terminal("check", "samples/estate", "--no-cache")
    lines = shown.splitlines()
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    assert "  Pairs: 7 aligned (2 same-BU, not counted under cross-bu)" in lines
    assert any(line.startswith("  By BU: CUSTOMER-BU completeness 100.0% (5/5), alignment") for line in lines)
    assert lines[-1] == "0 findings in 7 files: gate passed"


def test_config_is_accepted_after_the_command(tmp_path: Path) -> None:
    config = tmp_path / "strict.toml"
    config.write_text("min-completeness = 100\nmin-alignment = 100\n")
    result = run("check", "samples/legacy", "--no-cache", "--config", config)
    assert result.returncode == 1
    assert "below min-completeness 100%" in result.stdout
    assert "No such option" not in result.stderr


def test_help_shows_defaults_and_examples() -> None:
    shown = run("check", "--help").stdout
    assert "(default 95" in shown and "(default 90" in shown
    assert "Examples:" in shown and "contract-gate check specs/" in shown


def test_an_unknown_bu_for_a_badge_exits_2_naming_the_bus(tmp_path: Path) -> None:
    result = run("badge", "samples/legacy", "--bu", "ecom-bu", "-o", tmp_path / "b.svg", "--no-cache")
    assert result.returncode == 2
    assert result.stderr.startswith('contract-gate: error: no BU "ecom-bu" in the estate')
    assert '"ECOM-BU"' in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "b.svg").exists()


def test_a_call_to_a_title_named_service_says_what_is_loaded(tmp_path: Path) -> None:
    (tmp_path / "payments.yaml").write_text(PAYMENTS)
    (tmp_path / "orders.yaml").write_text(ORDERS)
    result = run("check", ".", "--no-cache", cwd=tmp_path)
    line = next(line for line in result.stdout.splitlines() if "[call-out-of-view]" in line)
    assert line.startswith("orders.yaml:9:11: info [call-out-of-view]")
    assert "Did you mean payments?" in line
    assert "payments (from the title of payments.yaml)" in line


def test_a_tab_in_yaml_is_named_at_its_place(tmp_path: Path) -> None:
    (tmp_path / "tabbed.yaml").write_text(PAYMENTS.replace("    post:", "\tpost:"))
    result = run("check", ".", "--no-cache", cwd=tmp_path)
    expected = "tabbed.yaml:5:1: error [parse-error] not valid YAML: a tab character cannot indent YAML"
    assert expected in result.stdout


def test_the_readme_says_where_the_command_is() -> None:
    readme = (REPO / "README.md").read_text()
    assert ".venv/bin/contract-gate" in readme and "pipx install ." in readme
    assert SAMPLES.is_dir()
