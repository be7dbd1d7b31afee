"""The CI output formats of `check --format`: golden files from one Report, and each format's contract."""

from __future__ import annotations

import dataclasses
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from conftest import CORPUS, REPO, git, init_git_repo, invoke
from golden_gen import SUFFIXES, golden_path, legacy_report

from contract_gate.catalog import RULES
from contract_gate.config.settings import Config
from contract_gate.engine.checker import Settings
from contract_gate.engine.run import BaselineEntry, DiffInfo, GroupDelta, Report, run
from contract_gate.findings import Finding
from contract_gate.history.baseline import Baseline, apply, entries_of
from contract_gate.outputs.formatters import github, gitlab, json_report, junit, markdown, sarif
from contract_gate.outputs.registry import as_text, check_output, formats
from contract_gate.outputs.report_model import build_report_model
from contract_gate.rules import Severity

SARIF_SCHEMA = REPO.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
ODD = "100%, a:b,\nc\r| <x> ~1~"  # every character some format must escape
ODD_SPEC = """\
openapi: 3.0.3
info: {title: Odd, version: "1", x-bu-owner: ECOM-BU, x-slo-p99: 100ms}
paths:
  /a:
    get:
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {$ref: "#/components/schemas/100%,a:b\\nc"}}}
"""


@pytest.fixture(scope="module")
def report() -> Report:
    return legacy_report()


def finding(**changes: Any) -> Finding:
    base = Finding(
        rule="slo-missing",
        severity=Severity.ERROR,
        message="m",
        file="specs/a.yaml",
        line=3,
        column=5,
        pointer="/paths/~1a/get",
        service="a",
        operation="GET /a",
        fingerprint="f" * 20,
    )
    return dataclasses.replace(base, **changes)


def with_findings(report: Report, *findings: Finding) -> Report:
    return dataclasses.replace(report, findings=list(findings), internal_errors=[])


# Golden files: one Report of samples/legacy, every format.


def test_every_ci_format_is_registered_with_a_golden_file() -> None:
    assert set(formats("check")) == {"text", "json", "sarif", "junit", "github", "gitlab", "markdown"}
    assert set(SUFFIXES) == set(formats("check"))


@pytest.mark.parametrize("fmt", formats("check"))
def test_output_matches_its_golden_file(report: Report, fmt: str) -> None:
    golden = golden_path(fmt)
    assert golden.is_file(), f"{golden} is missing: run `make golden`"
    expected = golden.read_text(encoding="utf-8")
    rendered = as_text(check_output(fmt)(report))
    assert rendered == expected, f"{fmt} differs from {golden.name}: `make golden`, review"


def test_goldens_hold_nothing_of_the_machine() -> None:
    for fmt in formats("check"):
        text = golden_path(fmt).read_text(encoding="utf-8")
        assert str(REPO) not in text and "file://" not in text
        assert "samples/legacy/storefront-api.yaml" in text or fmt == "markdown"


def test_the_command_line_writes_the_golden_output(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    defaults = tmp_path / "contract-gate.toml"  # the goldens use the default configuration
    defaults.write_text("", encoding="utf-8")
    monkeypatch.chdir(REPO)
    for fmt in ("sarif", "junit", "github"):
        result = invoke("--config", defaults, "check", "samples/legacy", "--format", fmt)
        assert result.exit_code == 1
        assert result.stdout == golden_path(fmt).read_text(encoding="utf-8")


# SARIF


def _uri_checker() -> jsonschema.FormatChecker:
    """Draft 4's checker knows no `uri` without extra packages: check scheme and characters here."""
    checker = jsonschema.FormatChecker()

    @checker.checks("uri")
    def _uri(value: object) -> bool:
        return not isinstance(value, str) or (bool(urlsplit(value).scheme) and " " not in value)

    @checker.checks("uri-reference")
    def _uri_reference(value: object) -> bool:
        return not isinstance(value, str) or not any(c in value for c in ' "<>\\^`{|}')

    return checker


def test_sarif_is_valid_against_the_official_schema(report: Report) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    assert validator_class is jsonschema.Draft4Validator  # the schema says draft-04
    validator_class.check_schema(schema)
    log = json.loads(sarif.render(report))
    errors = [e.message for e in validator_class(schema, format_checker=_uri_checker()).iter_errors(log)]
    assert errors == []


def test_sarif_levels_fingerprints_uris_and_rule_indices(report: Report) -> None:
    run = json.loads(sarif.render(report))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in RULES]
    assert run["originalUriBaseIds"].keys() == {"%SRCROOT%"}
    located = [f for f in report.findings if f.file is not None]
    assert len(run["results"]) == len(located) == 21
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for result, found in zip(run["results"], located, strict=True):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == found.rule
        assert result["level"] == levels[found.severity.value]
        assert result["partialFingerprints"] == {"contractGate/v1": found.fingerprint}
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact == {"uri": found.file, "uriBaseId": "%SRCROOT%"}
        assert artifact["uri"].startswith("samples/legacy/")
        region = result["locations"][0]["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (found.line, found.column)
    assert {r["level"] for r in run["results"]} == {"error", "warning", "note"}


def test_sarif_findings_without_a_file_are_notifications_not_results(report: Report) -> None:
    # GitHub code scanning rejects a whole upload if any result has no physical location.
    run = json.loads(sarif.render(report))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert all("physicalLocation" in loc for r in run["results"] for loc in r["locations"])
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert sorted(n["associatedRule"]["id"] for n in notes) == [
        "threshold-alignment",
        "threshold-completeness",
    ]
    for note in notes:
        assert rules[note["associatedRule"]["index"]]["id"] == note["associatedRule"]["id"]
        assert note["level"] == "error"
    assert run["invocations"][0]["executionSuccessful"] is True


def test_sarif_paths_outside_the_working_directory_and_configured_rules(report: Report) -> None:
    config = Config(rules={"call-cycle": "off", "slo-missing": "warning"})
    odd = dataclasses.replace(
        with_findings(report, finding(file="my specs/a#1.yaml"), finding(file="/abs/b.yaml")), config=config
    )
    run = json.loads(sarif.render(odd))["runs"][0]
    artifacts = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert artifacts == [
        {"uri": "my%20specs/a%231.yaml", "uriBaseId": "%SRCROOT%"},
        {"uri": "file:///abs/b.yaml"},
    ]
    overrides = {
        o["descriptor"]["id"]: o["configuration"] for o in run["invocations"][0]["ruleConfigurationOverrides"]
    }
    assert overrides == {"call-cycle": {"enabled": False}, "slo-missing": {"level": "warning"}}


# JUnit


def test_junit_counts_and_file_line_attributes(report: Report) -> None:
    root = ET.fromstring(junit.render(report))
    suites = {suite.get("name"): suite for suite in root}
    spec_files = {s.file for s in report.services}
    assert set(suites) == spec_files | {"estate"}
    total = failures = 0
    for name, suite in suites.items():
        cases = suite.findall("testcase")
        failing = [c for c in cases if c.find("failure") is not None]
        assert suite.get("tests") == str(len(cases))
        assert suite.get("failures") == str(len(failing))
        assert (suite.get("errors"), suite.get("skipped")) == ("0", "0")
        total, failures = total + len(cases), failures + len(failing)
        for case in cases:
            assert case.get("file") == (None if name == "estate" else name)
        for case in failing:
            assert name == "estate" or int(case.get("line", "0")) >= 1
    # 21 error/warning findings, 2 info findings (passing, with system-out), 7 documented clean operations.
    assert (total, failures) == (30, 21)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("30", "21", "0")
    estate = suites["estate"].findall("testcase")
    assert {c.get("name") for c in estate} == {"threshold-alignment", "threshold-completeness"}
    voucher = suites["samples/legacy/voucher-service.yaml"].findall("testcase")
    assert {(c.get("classname"), c.get("name")) for c in voucher} == {
        ("voucher-service", "POST /v1/vouchers"),
        ("voucher-service", "GET /v1/vouchers/{voucherCode}"),
    }
    cart = root.find(".//testcase[@name='GET /api/v1/cart/{cartId} slo-misaligned']")
    assert cart is not None and cart.get("classname") == "storefront-api" and cart.get("line") == "31"
    failure = cart.find("failure")
    assert failure is not None and failure.get("type") == "slo-misaligned"


def test_junit_groups_by_operation_and_rule_and_stays_well_formed(report: Report) -> None:
    odd = with_findings(
        report,
        finding(message="first \x01"),
        finding(line=9, message="second", fingerprint="g" * 20),
        finding(rule="owner-missing", operation=None, pointer="", file="broken.yaml", service=None),
    )
    odd = dataclasses.replace(odd, internal_errors=["KeyError: 'x'"])
    root = ET.fromstring(junit.render(odd))  # a raw control character would make this fail
    grouped = root.find(".//testcase[@name='GET /a slo-missing']")
    assert grouped is not None and grouped.get("line") == "3"
    failure = grouped.find("failure")
    assert failure is not None and failure.text is not None
    assert "first \\x01" in failure.text and "specs/a.yaml:9:5" in failure.text
    bare = root.find(".//testcase[@name='owner-missing']")
    assert bare is not None and bare.get("classname") == "broken.yaml"
    assert (
        root.get("errors") == "1" and root.find(".//testsuite[@name='internal']/testcase/error") is not None
    )


# GitHub workflow commands


def test_github_escapes_data_and_properties(report: Report) -> None:
    odd = with_findings(report, finding(file="a,b:c.yaml", message=ODD), finding(file=None, line=None))
    lines = github.render(odd).splitlines()
    assert lines[0] == (
        "::error file=a%2Cb%3Ac.yaml,line=3,col=5,title=slo-missing::100%25, a:b,%0Ac%0D| <x> ~1~"
    )
    assert lines[1] == "::error title=slo-missing::m"
    assert lines[-1].startswith("::notice title=contract-gate::gate FAILED · 2 findings (2 errors)")
    assert len(lines) == 3


def test_github_one_line_per_finding_from_a_real_spec(in_tmp: Path) -> None:
    (in_tmp / "odd,name:1.yaml").write_text(ODD_SPEC, encoding="utf-8")
    result = invoke("check", ".", "--format", "github")
    assert result.exit_code == 1
    first, summary = result.stdout.splitlines()
    assert first.startswith("::error file=odd%2Cname%3A1.yaml,line=9,")
    assert ",title=ref-unresolved::" in first and "100%25,a:b%0Ac" in first
    assert summary.startswith("::notice title=contract-gate::gate FAILED") and "100.0%25" in summary


def test_github_levels(report: Report) -> None:
    commands = [line.split(" ", 1)[0] for line in github.render(report).splitlines()]
    assert commands.count("::error") == 18 and commands.count("::warning") == 3
    assert commands.count("::notice") == 2 + 1  # two infos, then the summary


# GitLab Code Quality


def test_gitlab_is_a_list_of_complete_issues_with_unique_fingerprints(report: Report) -> None:
    issues = json.loads(gitlab.render(report))
    assert isinstance(issues, list) and len(issues) == len(report.findings)
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= issue.keys()
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["path"], str) and issue["location"]["path"]
        assert issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert [i["fingerprint"] for i in issues] == [f.fingerprint for f in report.findings]
    by_rule = {i["check_name"]: i for i in issues}
    assert by_rule["threshold-alignment"]["location"] == {"path": ".", "lines": {"begin": 1}}
    assert by_rule["call-cycle"]["severity"] == "minor"
    assert by_rule["call-out-of-view"]["severity"] == "info"
    assert by_rule["slo-missing"]["severity"] == "critical"  # fails the gate


def test_gitlab_makes_shared_fingerprints_unique(report: Report) -> None:
    twice = with_findings(report, finding(), finding(line=8), finding(line=9))
    prints = [issue["fingerprint"] for issue in json.loads(gitlab.render(twice))]
    assert prints[0] == "f" * 20 and len(set(prints)) == 3
    assert prints == [issue["fingerprint"] for issue in json.loads(gitlab.render(twice))]


# Markdown


def test_markdown_summary(report: Report) -> None:
    text = markdown.render(report)
    assert text.startswith("## contract-gate: :x: gate failed\n")
    assert "| Documentation completeness | 52.6% (10/19 operations) |" in text
    assert "| SLO alignment (cross-bu) | 40.0% (4/10 pairs), 2 out of view |" in text
    assert "| MARKETING-BU | 100.0% (5/5 operations) | 28.6% (2/7 pairs) |" in text
    assert "**23 findings** in 6 files: 18 errors · 3 warnings · 2 infos" in text
    rows = [line for line in text.splitlines() if line.startswith(("| error ", "| warning ", "| info "))]
    assert len(rows) == markdown.TOP
    assert [r.split(" ")[1] for r in rows] == ["error"] * 18 + ["warning"] * 2
    assert "| samples/legacy/storefront-api.yaml:31 | `slo-misaligned` |" in text
    assert text.rstrip().endswith("…and 3 more findings not shown; see the full report.")


def test_markdown_cells_cannot_break_the_table(report: Report) -> None:
    text = markdown.render(with_findings(report, finding(message=ODD)))
    row = next(line for line in text.splitlines() if line.startswith("| error "))
    assert row.endswith("| 100%, a:b,<br>c<br>\\| &lt;x&gt; \\~1\\~ |")
    assert row.replace("\\|", "").count("|") == 5
    assert "more finding" not in text


def test_markdown_cell_escaping() -> None:
    assert markdown.cell("a|b") == "a\\|b"
    assert markdown.cell("x\r\ny\nz") == "x<br>y<br>z"
    assert markdown.cell("`*_[]\\") == "\\`\\*\\_\\[\\]\\\\"
    assert markdown.cell("<b>&") == "&lt;b&gt;&amp;"


def test_several_outputs_in_one_run(tmp_path: Path) -> None:
    sarif_file, junit_file = tmp_path / "out" / "r.sarif", tmp_path / "j.xml"
    result = invoke(
        "check",
        REPO / "samples" / "legacy",
        "--report",
        f"sarif:{sarif_file}",
        "--report",
        f"junit:{junit_file}",
    )
    assert result.exit_code == 1
    assert "gate FAILED" in result.stdout  # the text report still goes to the console
    assert json.loads(sarif_file.read_text())["version"] == "2.1.0"
    assert ET.parse(junit_file).getroot().tag == "testsuites"
    bad = invoke("check", REPO / "samples" / "legacy", "--report", "pdf:x.pdf")
    assert bad.exit_code == 2
    assert "FORMAT:FILE" in bad.stderr


def test_markdown_shows_metric_deltas_in_diff_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(REPO / "samples" / "legacy", tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    init_git_repo(tmp_path)
    git("add", ".")
    git("commit", "-qm", "base")
    returns = tmp_path / "specs" / "returns-service.yml"
    returns.write_text(returns.read_text().replace("x-slo-p99: 600ms", "x-slo-p99: 600", 1))
    result = invoke("check", "specs", "--base", "HEAD", "--format", "markdown")
    assert result.exit_code == 1
    # 10/19 = 52.6% at the base, 9/19 = 47.4% now: -5.2 points; LOGISTICS-BU 3/4 -> 2/4.
    assert "| Documentation completeness | 47.4% (9/19 operations) | -5.2 pts |" in result.stdout
    assert "| LOGISTICS-BU | 50.0% (2/4 operations) |" in result.stdout
    assert "-25.0 pts / +0.0 pts |" in result.stdout


def _model_json(report: Report) -> str:
    return build_report_model(report).model_dump_json(indent=2) + "\n"


def _json(report: Report) -> str:
    rendered = check_output("json")(report)
    assert not isinstance(rendered, str)  # UTF-8 in pieces, each written as it is made
    return b"".join(rendered).decode("utf-8")


@pytest.mark.parametrize("batch", [1, 2, 3])
def test_json_report_in_pieces_of_any_size_is_the_same_bytes(report: Report, batch: int) -> None:
    assert len(report.findings) > batch and len(report.services) > batch and len(report.pairs) > batch
    pieces = list(json_report.pieces_in_batches(report, batch))
    assert len(pieces) > 3 * (len(report.findings) // batch)
    assert b"".join(pieces).decode("utf-8") == _model_json(report)


def test_json_report_is_what_the_report_models_write(report: Report) -> None:
    assert report.findings and report.services
    assert _json(report) == _model_json(report)


def test_json_report_with_baseline_and_diff_sections_is_what_the_report_models_write(report: Report) -> None:
    stale = BaselineEntry("0" * 16, "slo-missing", "gone.yaml", "GET /gone", "no longer occurs")
    accepted = Baseline("baseline.json", (*entries_of(report.findings[:2]), stale))
    with_baseline = apply(report, accepted)
    assert with_baseline.baseline_info is not None and with_baseline.baseline_info.stale
    diff = DiffInfo(
        revision="HEAD~1",
        commit="0123456789abcdef",
        base_metrics=report.metrics,
        overall=GroupDelta(-5.2, None),
        by_bu={"LOGISTICS-BU": GroupDelta(0, -25)},  # integral deltas are written as floats
        by_service={"returns": GroupDelta(None, 0.0)},
        fixed=2,
    )
    both = dataclasses.replace(with_baseline, diff=diff, pre_existing=report.findings[2:5])
    for variant in (with_baseline, both):
        assert _json(variant) == _model_json(variant)
    assert json.loads(_json(both))["diff"]["delta"]["by_bu"]["LOGISTICS-BU"]["completeness"] == 0.0


@pytest.mark.corpus
def test_json_report_of_real_specs_is_what_the_report_models_write(tmp_path: Path) -> None:
    # The JSON formatter writes findings and operations from plain dicts (orjson): it must not
    # differ by a byte from the pydantic models that define the report, on the world's specs.
    files = [CORPUS / line for line in (CORPUS / "slice100.txt").read_text("utf-8").split()[:40]]
    report = run(files, Settings(Config(), CORPUS.resolve()))
    assert len(report.findings) > 1000
    assert _json(report) == _model_json(report)


def test_json_report_with_a_value_orjson_cannot_write_falls_back_to_the_models(report: Report) -> None:
    service = report.services[0]
    op = service.operations[0]
    huge = dataclasses.replace(op.slo or op.owner, value=2**80)  # type: ignore[arg-type]
    changed = dataclasses.replace(op, slo=huge)
    services = [dataclasses.replace(service, operations=[changed, *service.operations[1:]])]
    odd = dataclasses.replace(report, services=services + report.services[1:])
    text = _json(odd)
    assert text == _model_json(odd)
    assert json.loads(text)["services"][0]["operations"][0]["slo"]["value"] == 2**80
