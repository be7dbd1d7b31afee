"""Data-driven rule cases: tests/cases/<rule-id>/<case>.yaml|.json or a folder (an estate).

Expected findings are marked in the case itself: `# [rule-id]` at the end of the
line the finding must point at (several ids separated by commas). JSON cannot
hold comments, so `<case>.json.expected` lists `LINE rule-id` lines instead.
Each case is checked on its own, with min-completeness 0 so that the threshold
only fires in its own cases; a `<case>.toml` beside it is used as config.
A `<case>.xfail` beside it (holding the reason) marks a case that shows a
reported bug: it must fail until the bug is fixed (strict xfail).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import invoke

from contract_gate.catalog import RULES

CASES = Path(__file__).parent / "cases"
MARK = re.compile(r"#\s*\[([a-z0-9, -]+)\]\s*$")
SUFFIXES = {".yaml", ".yml", ".json"}


def _cases() -> list[Path]:
    return [
        case
        for rule_dir in sorted(p for p in CASES.iterdir() if p.is_dir())
        for case in sorted(rule_dir.iterdir())
        if case.is_dir() or case.suffix in SUFFIXES
    ]


def _params() -> list[object]:
    params = []
    for case in _cases():
        xfail = case.with_suffix(".xfail")
        reason = xfail.read_text().strip() if xfail.exists() else None
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(case, id=f"{case.parent.name}/{case.name}", marks=marks))
    return params


def _expected(case: Path) -> Counter[tuple[str, str, int | None]]:
    files = sorted(p for p in case.rglob("*") if p.suffix in SUFFIXES) if case.is_dir() else [case]
    expected: Counter[tuple[str, str, int | None]] = Counter()
    for file in files:
        sidecar = file.with_name(file.name + ".expected")
        if sidecar.exists():
            for line in sidecar.read_text().splitlines():
                if line.strip():
                    number, rule = line.split()
                    expected[(file.name, rule, int(number))] += 1
            continue
        for number, text in enumerate(file.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            match = MARK.search(text)
            if match:
                for rule in match.group(1).split(","):
                    expected[(file.name, rule.strip(), number)] += 1
    return expected


@pytest.mark.parametrize("case", _params())
def test_case(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(case.parent)
    toml = case.with_suffix(".toml") if case.is_file() else case / "contract-gate.toml"
    args: list[str | Path] = ["check", case.name]
    if toml.exists():
        args = ["--config", toml.relative_to(case.parent), *args]
    if case.parent.name != "threshold-completeness":
        args += ["--min-completeness", "0"]
    # --config belongs to the group, before `check`: so not conftest.check_json, which puts `check` first.
    result = invoke(*args, "--format", "json")
    code, report = result.exit_code, json.loads(result.stdout)
    found: Counter[tuple[str, str, int | None]] = Counter(
        (Path(f["file"]).name if f["file"] else "", f["rule"], f["line"]) for f in report["findings"]
    )
    expected = _expected(case)
    if case.parent.name == "threshold-completeness":
        found = Counter({k: v for k, v in found.items() if k[1] == "threshold-completeness"})
        failing = case.name.startswith("fail")
        expected = Counter({("", "threshold-completeness", None): 1}) if failing else Counter()
    assert found == expected
    failing = any(f["severity"] == "error" for f in report["findings"])
    # A file whose services could not be read (an unreadable snapshot) leaves the metrics
    # incomplete: the run cannot say pass or fail, and exits 2.
    unfinished = bool(report.get("incomplete"))
    assert code == (2 if unfinished else 1 if failing else 0)


def test_every_rule_has_a_doc_and_cases() -> None:
    folders = {p.name for p in CASES.iterdir() if p.is_dir()}
    for rule in RULES:
        assert len(rule.doc.strip()) > 40, rule.id
        # Estate thresholds have no file to mark (tests/test_alignment.py); no spec can crash
        # the checker on purpose (tests/test_pool.py makes workers die instead); diff rules
        # compare two git revisions, which one snapshot cannot show (tests/test_diff.py,
        # tests/test_policy.py); config rules judge a config against a policy file, not a spec
        # (tests/test_policy.py); observed rules need a Prometheus server with data
        # (tests/test_observe.py).
        exempt = {"diff", "config", "observed"}
        if rule.id not in {"threshold-alignment", "checker-crashed"} and rule.scope not in exempt:
            assert rule.id in folders, f"no cases for {rule.id}"
