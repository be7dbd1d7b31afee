"""Speed never changes results: the corpus report is the same however it is computed.

Four runs over the whole of ../shared/corpus, compared field by field with a cold,
two-worker run on the fast paths: the same with a warm cache, one worker without a
cache, and the reference path (ruamel.yaml's composer, the stdlib JSON parser and
openapi-spec-validator's own schema walk instead of rapidyaml or libyaml, orjson and our walk).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS

from contract_gate.config.settings import Config
from contract_gate.engine.cache import Cache
from contract_gate.engine.checker import Settings
from contract_gate.engine.pool import Isolation
from contract_gate.engine.run import run
from contract_gate.outputs.report_model import build_report_model

pytestmark = pytest.mark.corpus


def _report(settings: Settings, jobs: int, cache: Cache | None) -> dict[str, Any]:
    report = run([Path()], settings, isolation=Isolation(jobs=jobs), cache=cache)
    return build_report_model(report).model_dump()


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    """The report, where a `yaml-lenient` finding keeps only what does not depend on the parser.

    That finding quotes why the strict parser refused the file, and libyaml and ruamel.yaml
    word (and place) the same refusal differently; everything else must be equal.
    """
    findings = []
    for finding in report["findings"]:
        if finding["rule"] == "yaml-lenient":
            finding = {**finding, "message": "(parser's words)", "line": None, "column": None}
        findings.append(finding)
    # Findings are sorted by position, and the lenient ones lost theirs: compare them as a set.
    return {**report, "findings": sorted(findings, key=lambda f: json.dumps(f, sort_keys=True))}


def _first_difference(expected: dict[str, Any], got: dict[str, Any]) -> str:
    for key in expected:
        if expected[key] != got.get(key):
            if isinstance(expected[key], list):
                want = {json.dumps(x, sort_keys=True) for x in expected[key]}
                have = {json.dumps(x, sort_keys=True) for x in got.get(key, [])}
                return f"{key}: only expected {sorted(want - have)[:3]}; only got {sorted(have - want)[:3]}"
            return f"{key}: expected {str(expected[key])[:300]}, got {str(got.get(key))[:300]}"
    return "no difference"


def test_corpus_report_is_identical_across_jobs_cache_and_reference_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not (CORPUS / "manifest.txt").is_file():
        pytest.skip(f"the corpus is absent ({CORPUS} not found)")
    monkeypatch.chdir(CORPUS)
    fast = Settings(Config(), CORPUS.resolve())
    cache = Cache.open(tmp_path / "cache")

    cold = _report(fast, jobs=2, cache=cache)
    assert len(cold["services"]) > 250 and cold["findings"], "the corpus run checked too little"

    variants = {
        "cache warm": _report(fast, jobs=2, cache=Cache.open(tmp_path / "cache")),
        "--jobs 1, no cache": _report(fast, jobs=1, cache=None),
    }
    for name, report in variants.items():
        assert report == cold, f"{name}: {_first_difference(cold, report)}"

    reference = _report(Settings(Config(), CORPUS.resolve(), reference=True), jobs=2, cache=None)
    expected, got = _comparable(cold), _comparable(reference)
    assert got == expected, f"reference path: {_first_difference(expected, got)}"
