"""`check --format text` as a terminal shows it: every finding line, then a summary for 80 columns."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, check_json, git, init_git_repo, invoke

SERVICES = 300
LONG = "a-service-whose-name-alone-is-longer-than-a-terminal-line-" + "x" * 32  # 90 characters
FINDING = re.compile(r"^\S+: (error|warning|info) \[[a-z-]+\] ")  # file:line:col, file or (estate)


SPEC = """\
openapi: 3.0.3
info: {{title: S{i}, version: "1", x-service: svc-{i:03d}}}
paths:
  /a:
    get:
      operationId: getA
      x-bu-owner: BU-{bu:02d}
      x-slo-p99: 100ms
      x-calls:
{calls}      responses: {{"200": {{description: ok}}}}
  /b:
    get:
      operationId: getB
{owner}{slo}      responses: {{"200": {{description: ok}}}}
"""
UNDOCUMENTED = """\
openapi: 3.0.3
info: {{title: Long, version: "1", x-service: {service}}}
paths:
  /a: {{get: {{responses: {{"200": {{description: ok}}}}}}}}
  /b: {{get: {{responses: {{"200": {{description: ok}}}}}}}}
"""


def _spec(i: int) -> str:
    """svc-NNN of BU-(i % 30): getA documented, calling svc-(i+1) (and svc-(i+30), same BU, when i % 10 == 5).

    getB has no owner when i % 7 == 0 and no SLO when i % 5 == 0; getA allows the next service
    50ms, under its 100ms, when i % 25 == 0 (slo-misaligned).
    """
    callees = [(f"svc-{(i + 1) % SERVICES:03d}", "50ms" if i % 25 == 0 else "200ms")]
    if i % 10 == 5:
        callees.append((f"svc-{(i + 30) % SERVICES:03d}", "200ms"))
    calls = "".join(
        f"        - {{service: {callee}, operation: getA, x-slo-p99: {budget}, mode: async}}\n"
        for callee, budget in callees
    )
    owner = "" if i % 7 == 0 else f"      x-bu-owner: BU-{i % 30:02d}\n"
    slo = "" if i % 5 == 0 else "      x-slo-p99: 100ms\n"
    return SPEC.format(i=i, bu=i % 30, calls=calls, owner=owner, slo=slo)


def _write_estate(specs: Path) -> None:
    """300 services of 30 BUs calling each other, and one named LONG with nothing documented."""
    specs.mkdir(exist_ok=True)
    for i in range(SERVICES):
        (specs / f"svc-{i:03d}.yaml").write_text(_spec(i), encoding="utf-8")
    (specs / "long.yaml").write_text(UNDOCUMENTED.format(service=LONG), encoding="utf-8")


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The text output of the estate of `_write_estate`."""
    specs = tmp_path_factory.mktemp("large")
    _write_estate(specs)
    (specs / "contract-gate.toml").write_text("", encoding="utf-8")  # the defaults, whatever the cwd
    result = invoke("--config", specs / "contract-gate.toml", "check", specs, "--no-cache")
    assert result.exit_code == 1, result.stdout
    return result.stdout.splitlines()


def _summary(lines: list[str]) -> list[str]:
    """Everything after the finding lines."""
    findings = [line for line in lines if FINDING.match(line)]
    return lines[len(findings) :]


def test_every_finding_keeps_its_line(large: list[str]) -> None:
    # slo-missing: getB of i % 5 == 0 (60) and both of LONG's; owner-missing: i % 7 == 0 (43) and
    # LONG's; slo-misaligned: i % 25 == 0; threshold-completeness: 506/602 documented.
    findings = [line for line in large if FINDING.match(line)]
    assert len(findings) == 62 + 45 + 12 + 1
    assert large[: len(findings)] == findings  # all first, then the summary
    assert large[-1] == "120 findings (120 errors) in 301 files: gate FAILED"


def test_findings_are_totalled_by_severity_and_rule(large: list[str]) -> None:
    summary = _summary(large)
    assert summary[1:4] == [
        "Findings: 120 (120 errors)",
        "  By rule: slo-missing 62 errors · owner-missing 45 errors",
        "    slo-misaligned 12 errors · threshold-completeness 1 error",
    ]


def test_pairs_say_which_are_not_counted(large: list[str]) -> None:
    summary = _summary(large)
    assert "SLO alignment (cross-bu): 96.0% (288/300 pairs)" in summary
    assert "  Pairs: 318 aligned · 12 violated (30 same-BU, not counted under cross-bu)" in summary


def test_group_lists_are_capped_with_the_lowest_first(large: list[str]) -> None:
    summary = _summary(large)
    by_bu = summary.index("  By BU, lowest completeness first: (unowned) completeness 0.0% (0/45)")
    by_service = summary.index("  By service, lowest completeness first:")  # its first item is too long
    assert summary[by_bu + 1] == "    BU-15 completeness 52.6% (10/19), alignment 90.0% (18/20)"
    assert summary[by_service - 1] == "    … and 16 more; --format json for all"  # 31 BUs, 15 shown
    assert summary[by_service + 1 : by_service + 3] == [
        f"    {LONG} completeness 0.0% (0/2)",
        "    svc-000 completeness 50.0% (1/2), alignment 50.0% (1/2)",  # svc-299 -> svc-000 -> svc-001 (50ms)
    ]
    assert "    … and 286 more; --format json for all" in summary[by_service:]
    assert sum(" completeness " in line for line in summary[by_service + 1 :]) == 15


def test_summary_lines_fit_80_columns_but_for_an_item_longer_than_that(large: list[str]) -> None:
    too_wide = [line for line in _summary(large) if len(line) > 80]
    assert too_wide == [f"    {LONG} completeness 0.0% (0/2)"]


def test_legacy_lists_its_largest_rules_and_points_to_json_for_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    _, report = check_json("samples/legacy")
    counts = Counter(f["rule"] for f in report["findings"])
    assert len(counts) > 10
    lines = invoke("check", "samples/legacy").stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("  By rule: "))
    items = " · ".join(line.strip() for line in lines[at : lines.index("", at)]).split(" · ")
    items[0] = items[0].removeprefix("By rule: ")
    assert items[-1] == f"… and {len(counts) - 10} more; --format json for all"
    shown = [item.split(" ")[:2] for item in items[:-1]]
    assert [int(n) for _, n in shown] == sorted(counts.values(), reverse=True)[:10]
    assert all(counts[rule] == int(n) for rule, n in shown)


def test_the_sample_estate_labels_its_pairs_and_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = invoke("check", "samples/estate")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    at = lines.index("SLO alignment (cross-bu): 100.0% (5/5 pairs)")
    assert lines[at + 1 : at + 3] == [
        "  Pairs: 7 aligned (2 same-BU, not counted under cross-bu)",
        "  By BU: CUSTOMER-BU completeness 100.0% (5/5), alignment 100.0% (2/2)",
    ]
    assert "  By service: catalog-service completeness 100.0% (6/6)" in lines
    assert "    order-service completeness 100.0% (5/5), alignment 100.0% (3/3)" in lines
    assert all(len(line) <= 80 for line in lines)


def test_diff_mode_lists_the_largest_drops_first(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")  # nothing of the machine's git config
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    init_git_repo(in_tmp)
    _write_estate(in_tmp / "specs")
    (in_tmp / "contract-gate.toml").write_text("", encoding="utf-8")
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    (in_tmp / "specs" / "svc-020.yaml").unlink()
    svc_011 = in_tmp / "specs" / "svc-011.yaml"
    getb_slo = "x-slo-p99: 100ms\n      responses"  # getA's is followed by x-calls
    svc_011.write_text(svc_011.read_text().replace(getb_slo, "responses"))
    lines = invoke("check", "--base", "HEAD", "specs", "--no-cache").stdout.splitlines()
    at = lines.index("  By service, largest drops first: svc-020 (gone)")
    assert lines[at + 1 : at + 3] == [
        "    svc-011 completeness 50.0% (-50.0), alignment 100.0% (+0.0)",
        f"    {LONG} completeness 0.0% (+0.0)",  # then no change, by name
    ]
    pre_existing = lines.index("Pre-existing findings (not failing):")
    assert lines[pre_existing - 1] == "    … and 286 more; --format json for all"  # 300 now, and one gone
    assert sum(" completeness " in line or "(gone)" in line for line in lines[at:pre_existing]) == 15
