"""`check` over unchanged files replays its recorded outcome; any change that matters runs it again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import Result
from conftest import SAMPLES, invoke

import contract_gate.cli.main as cli_main
from contract_gate.engine.run_record import FOLDER

SPEC = """\
openapi: 3.0.3
info:
  title: Orders
  version: "1"
  x-service: order-service
  x-bu-owner: ECOM-BU
paths:
  /orders:
    get:
      operationId: listOrders
      x-slo-p99: 200ms
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: "../shared/order.yaml#/Order"
"""


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A result cache of this test's own, in an estate copied to a temporary folder."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("CONTRACT_GATE_CACHE_DIR", str(folder))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    shutil.copytree(SAMPLES / "legacy", tmp_path / "estate")
    monkeypatch.chdir(tmp_path)
    return folder


def _shown(result: Result, *files: Path) -> tuple[object, ...]:
    return result.exit_code, result.stdout, result.stderr, *(f.read_bytes() for f in files)


def test_an_unchanged_estate_is_replayed_exactly(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["check", "estate", "--format", "json", "-o", "out.json", "--report", "sarif:out.sarif"]
    first = invoke(*args)
    assert first.exit_code == 1, first.output
    shown = _shown(first, Path("out.json"), Path("out.sarif"))
    assert len(list((cache_dir / FOLDER).glob("*.run"))) == 1
    Path("out.json").unlink()
    Path("out.sarif").unlink()
    monkeypatch.setattr(cli_main, "execute", lambda *_a, **_k: pytest.fail("the check ran again"))
    again = invoke(*args)
    assert _shown(again, Path("out.json"), Path("out.sarif")) == shown
    assert "findings" in again.stderr  # the summary line, as the first run printed it


def test_each_output_choice_has_its_own_record(cache_dir: Path) -> None:
    text = invoke("check", "estate")
    as_json = invoke("check", "estate", "--format", "json")
    assert text.stdout != as_json.stdout
    assert invoke("check", "estate").stdout == text.stdout
    assert invoke("check", "estate", "--format", "json").stdout == as_json.stdout
    assert len(list((cache_dir / FOLDER).glob("*.run"))) == 2


def test_a_changed_referenced_file_outside_the_inputs_runs_again(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTRACT_GATE_CACHE_DIR", str(in_tmp / "cache"))
    (in_tmp / "specs").mkdir()
    (in_tmp / "shared").mkdir()
    (in_tmp / "specs" / "orders.yaml").write_text(SPEC)
    order = in_tmp / "shared" / "order.yaml"
    order.write_text("Order:\n  type: object\n")
    first = invoke("check", "specs", "--ref-root", ".", "--format", "json")
    assert '"spec-invalid"' not in first.stdout
    order.write_text("Order:\n  type: 12\n")  # not a schema: the spec is now invalid
    second = invoke("check", "specs", "--ref-root", ".", "--format", "json")
    assert '"spec-invalid"' in second.stdout
    assert second.stdout != first.stdout


def test_a_changed_spec_or_setting_runs_again(cache_dir: Path) -> None:
    first = invoke("check", "estate", "--format", "json")
    laxer = invoke("check", "estate", "--format", "json", "--min-completeness", "0")
    assert "threshold-completeness" in first.stdout
    assert "threshold-completeness" not in laxer.stdout
    spec = Path("estate/voucher-service.yaml")
    spec.write_text(spec.read_text().replace("x-slo-p99:", "x-slo-p99-old:", 1))
    changed = invoke("check", "estate", "--format", "json")
    assert changed.stdout != first.stdout


def test_a_tampered_record_is_not_replayed(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = invoke("check", "estate", "--format", "json")
    (record,) = (cache_dir / FOLDER).glob("*.run")
    data = bytearray(record.read_bytes())
    at = data.rindex(b"voucher-service")
    data[at : at + 7] = b"planted"
    record.write_bytes(bytes(data))
    runs: list[object] = []
    real = cli_main.execute
    monkeypatch.setattr(cli_main, "execute", lambda *a, **k: runs.append(a) or real(*a, **k))
    again = invoke("check", "estate", "--format", "json")
    assert len(runs) == 1
    assert again.stdout == first.stdout


def test_runs_that_read_more_than_their_files_are_not_recorded(cache_dir: Path) -> None:
    invoke("check", "estate", "--no-cache")
    baseline = invoke("baseline", "create", "estate", "-o", "baseline.json")
    assert baseline.exit_code == 0, baseline.output
    invoke("check", "estate", "--baseline", "baseline.json")
    assert not (cache_dir / FOLDER).exists() or not list((cache_dir / FOLDER).glob("*.run"))


def test_a_run_with_a_crashed_file_is_not_recorded(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import contract_gate.engine.checker as checker

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(checker, "governance_problems", crash)
    crashed = invoke("check", "estate")
    assert "checker-crashed" in crashed.stdout
    assert not list((cache_dir / FOLDER).glob("*.run"))
