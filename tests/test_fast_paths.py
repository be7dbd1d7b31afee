"""The fast paths' door: used only with the dependency versions they were written for."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from conftest import CORPUS, REPO

from contract_gate.config.settings import Config
from contract_gate.engine import fast_paths
from contract_gate.engine.checker import Settings, check_file
from contract_gate.load import fastyaml

SPEC = CORPUS / "stripe" / "openapi" / "spec3.yaml"


@pytest.fixture
def forget_versions() -> object:
    fast_paths.mismatches.cache_clear()
    yield
    fast_paths.mismatches.cache_clear()


def test_the_locked_environment_has_the_versions_the_fast_paths_were_written_for() -> None:
    # Bumping one of these in the lock without re-checking the fast paths fails here.
    assert fast_paths.mismatches() == {}


def test_pyproject_allows_only_the_series_the_fast_paths_were_written_for() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    ranges = {re.split(r"[<>=;\[ ]", spec, maxsplit=1)[0]: spec for spec in project["dependencies"]}
    for name, series in fast_paths.WRITTEN_FOR.items():
        if name not in ranges:
            continue  # a dependency of a dependency (openapi-schema-validator)
        major, minor = series.split(".")
        assert f">={series}" in ranges[name], ranges[name]
        assert f"<{major}.{int(minor) + 1}" in ranges[name], ranges[name]


@pytest.mark.parametrize(
    ("version", "usable"),
    [("0.6.0", True), ("0.6.13", True), ("0.7.0", False), ("0.60.1", False), (None, False)],
)
def test_a_version_outside_the_series_is_not_usable(
    forget_versions: object, monkeypatch: pytest.MonkeyPatch, version: str | None, usable: bool
) -> None:
    real = fast_paths.installed_version
    monkeypatch.setattr(
        fast_paths, "installed_version", lambda name: version if name == "pathable" else real(name)
    )
    assert fast_paths.usable() is usable
    assert fast_paths.reference_path(False) is not usable
    assert fast_paths.reference_path(True) is True


def test_with_another_version_every_file_takes_the_reference_path(
    forget_versions: object, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = Settings(config=Config(), ref_root=SPEC.parent.resolve())
    expected = check_file(
        SPEC, True, Settings(config=Config(), ref_root=SPEC.parent.resolve(), reference=True)
    )
    real = fast_paths.installed_version
    monkeypatch.setattr(
        fast_paths, "installed_version", lambda name: "0.16.0" if name == "rapidyaml" else real(name)
    )

    def refused(*_args: object) -> None:
        raise AssertionError("the rapidyaml path was used")

    monkeypatch.setattr(fastyaml, "parse_fast", refused)
    fast_paths.mismatches.cache_clear()  # the first check found the real versions
    result = check_file(SPEC, True, settings)
    assert result.findings == expected.findings
    assert result.anchors == expected.anchors
