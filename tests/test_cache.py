"""The result cache: an unchanged estate is not re-validated; any change that matters is."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES

import contract_gate.cache as cache_module
import contract_gate.validation as validation
from contract_gate.api import run
from contract_gate.cache import Cache
from contract_gate.checker import Settings
from contract_gate.config import Config
from contract_gate.report import build_report_model


@pytest.fixture
def estate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    shutil.copytree(SAMPLES / "estate", tmp_path / "estate")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "estate"


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the files structurally validated, in this process."""
    seen: list[str] = []
    real = validation.validate_structure

    def counting(document: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(document.path.name if document.path.parent.name != "catalog" else "catalog")
        return real(document, *args, **kwargs)

    monkeypatch.setattr(validation, "validate_structure", counting)
    return seen


def _run(estate: Path, config: Config | None = None) -> dict[str, Any]:
    settings = Settings(config or Config(), estate.resolve())
    report = run([estate], settings, cache=Cache.open(Path(".contract-gate-cache")))
    return build_report_model(report).model_dump()


def test_unchanged_estate_is_not_revalidated(estate: Path, validations: list[str]) -> None:
    cold = _run(estate)
    assert len(validations) == 7
    warm = _run(estate)
    assert len(validations) == 7  # nothing validated again
    assert warm == cold


def test_editing_one_spec_rechecks_only_that_spec(estate: Path, validations: list[str]) -> None:
    _run(estate)
    validations.clear()
    spec = estate / "orders" / "openapi.yaml"
    spec.write_text(spec.read_text().replace("x-slo-p99: 1.2s", "x-slo-p99: 1.3s", 1))
    report = _run(estate)
    assert validations == ["openapi.yaml"]
    assert report["metrics"]["completeness"]["percent"] == 100.0


def test_editing_a_referenced_file_rechecks_the_spec_that_uses_it(
    estate: Path, validations: list[str]
) -> None:
    _run(estate)
    validations.clear()
    fragment = estate / "catalog" / "paths" / "product.yaml"
    fragment.write_text(fragment.read_text().replace("x-slo-p99", "x-slo-p99-typo", 1))
    report = _run(estate)
    assert validations == ["catalog"]
    assert report["metrics"]["completeness"]["numerator"] < report["metrics"]["completeness"]["denominator"]


def test_changed_config_or_tool_version_invalidates(
    estate: Path, validations: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(estate)
    validations.clear()
    _run(estate, Config(min_completeness=50))
    assert len(validations) == 7
    validations.clear()
    monkeypatch.setattr(cache_module, "__version__", "9.9.9")
    _run(estate)
    assert len(validations) == 7


class _Planted:
    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, ("touch planted-by-pr",))


def test_a_planted_unsigned_entry_is_never_unpickled(estate: Path, validations: list[str]) -> None:
    _run(estate)
    folder = Path(".contract-gate-cache")
    for entry in folder.glob("*.pickle"):
        entry.write_bytes(b"\0" * 32 + pickle.dumps((_Planted(), [])))
    validations.clear()
    _run(estate)
    assert not Path("planted-by-pr").exists()
    assert len(validations) == 7  # every entry was refused and rechecked


def test_cached_results_unpickle_to_equal_objects(estate: Path) -> None:
    # Findings, operations and pairs are pickled through their constructors (contract_gate.pickling).
    shutil.copytree(SAMPLES / "legacy", estate / "legacy")
    settings = Settings(Config(), estate.resolve())
    report = run([estate], settings)
    assert report.findings and report.services and report.pairs
    for value in (report.findings, report.services, report.pairs):
        assert pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) == value
