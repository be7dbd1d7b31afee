"""The command line as users meet it: exit codes, messages, nothing lost, no tracebacks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import SAMPLES, check_json, invoke

GOOD = """\
openapi: 3.0.3
info: {title: Good Service, version: "1", x-bu-owner: ECOM-BU, x-slo-p99: 300ms}
paths:
  /v1/things:
    get:
      operationId: listThings
      responses: {"200": {description: ok}}
    post:
      operationId: createThing
      responses: {"201": {description: created}}
"""


def test_empty_folder_exits_2_with_one_line(in_tmp: Path) -> None:
    (in_tmp / "empty").mkdir()
    result = invoke("check", "empty")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "no spec files" in result.stderr and "empty" in result.stderr


def test_folder_without_any_spec_exits_2(in_tmp: Path) -> None:
    (in_tmp / "specs").mkdir()
    (in_tmp / "specs" / "values.yaml").write_text("replicas: 3\n")
    result = invoke("check", "specs")
    assert result.exit_code == 2
    assert "no OpenAPI/Swagger spec found" in result.stderr


def test_one_broken_spec_never_hides_the_others(in_tmp: Path) -> None:
    specs = in_tmp / "specs"
    specs.mkdir()
    for name in ("a", "b"):
        (specs / f"{name}.yaml").write_text(GOOD.replace("Good Service", f"Good {name}"))
    (specs / "broken.yaml").write_text("openapi: 3.0.3\ninfo: {title: x\npaths: {}\n")
    code, report = check_json("specs", "--min-completeness", "0")
    assert code == 1
    broken = [f for f in report["findings"] if f["file"] == "specs/broken.yaml"]
    assert [f["rule"] for f in broken] == ["parse-error"]
    assert (broken[0]["line"], broken[0]["column"]) == (2, 7)  # where the { that is never closed opens
    assert {s["id"] for s in report["services"]} == {"good-a", "good-b"}
    assert report["metrics"]["completeness"] == {"percent": 100.0, "numerator": 4, "denominator": 4}
    assert report["metrics"]["by_service"]["good-a"]["completeness"]["denominator"] == 2


def test_text_findings_have_file_line_col(in_tmp: Path) -> None:
    Path("svc.yaml").write_text(GOOD.replace(", x-slo-p99: 300ms", ""))
    result = invoke("check", "svc.yaml")
    assert result.exit_code == 1
    assert "svc.yaml:5:5: error [slo-missing] GET /v1/things (listThings) has no x-slo-p99" in result.stdout
    assert "svc.yaml:8:5: error [slo-missing] POST /v1/things (createThing)" in result.stdout
    assert "Documentation completeness: 0.0% (0/2 operations)" in result.stdout
    assert result.stdout.rstrip().endswith("gate FAILED")


def test_fail_on_and_thresholds_decide_the_exit_code(in_tmp: Path) -> None:
    Path("svc.yaml").write_text(
        GOOD
        + "  /v1/other:\n    get:\n      responses: {'200': {description: ok}}\n".replace(
            "    get:", "    get:\n      x-slo-p99: 5 s"
        )
    )
    assert invoke("check", "svc.yaml").exit_code == 1  # slo-invalid is an error
    relaxed = ["--config", "relaxed.toml", "check", "svc.yaml", "--min-completeness", "50"]
    Path("relaxed.toml").write_text('[rules]\nslo-invalid = "warning"\n')
    assert invoke(*relaxed).exit_code == 0  # 2/3 = 66.7% >= 50, and only a warning left
    assert invoke(*relaxed, "--fail-on", "warning").exit_code == 1
    assert invoke(*relaxed[:-1], "90").exit_code == 1  # threshold missed


def test_named_file_that_is_not_a_spec_is_a_finding(in_tmp: Path) -> None:
    Path("fragment.yaml").write_text("Pet:\n  type: object\n")
    Path("svc.yaml").write_text(GOOD)
    code, report = check_json("fragment.yaml", "svc.yaml")
    assert code == 1
    assert [(f["rule"], f["file"]) for f in report["findings"]] == [("not-a-spec", "fragment.yaml")]


def test_output_file_is_written_and_summary_goes_to_stderr(in_tmp: Path) -> None:
    Path("svc.yaml").write_text(GOOD)
    result = invoke("check", "svc.yaml", "--format", "json", "--output", "out/report.json")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert json.loads(Path("out/report.json").read_text())["passed"] is True
    assert "gate passed" in result.stderr
    assert not [p for p in Path("out").iterdir() if p.name != "report.json"]  # no temp left behind


def test_rules_lists_every_rule_with_its_doc() -> None:
    result = invoke("rules", "--format", "json")
    rules = {r["id"]: r for r in json.loads(result.stdout)}
    assert {"owner-missing", "slo-invalid", "ref-forbidden", "spec-invalid", "threshold-completeness"} <= set(
        rules
    )
    assert all(r["doc"] and r["severity"] in {"error", "warning", "info"} for r in rules.values())


def test_installed_entry_point_runs_as_a_subprocess(tmp_path: Path) -> None:
    exe = shutil.which("contract-gate", path=str(Path(sys.executable).parent))
    assert exe is not None
    done = subprocess.run(
        [exe, "check", str(SAMPLES / "legacy"), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 1
    assert json.loads(done.stdout)["metrics"]["completeness"]["numerator"] == 10
    assert "Traceback" not in done.stderr


def test_missing_path_is_a_usage_error(in_tmp: Path) -> None:
    result = invoke("check", "nope/")
    assert result.exit_code == 2
    assert "nope/" in result.stderr


def test_start_up_imports_neither_the_checking_stack_nor_an_http_client(tmp_path: Path) -> None:
    # Every run pays the start-up; a run the cache answers needs no validator nor parser, and rich
    # serves only a terminal's progress bar and the table formats; pydantic only validates a config
    # that is not plainly valid, and the models of other commands. requests is never used (nothing
    # is fetched): even the validator's stack is imported without it (and without pydantic, see
    # test_validator_settings), and it stays importable.
    probe = (
        "import sys, contract_gate.cli.main\n"
        "heavy = ('requests', 'rich', 'jsonschema_path', 'openapi_spec_validator', 'yaml', 'ryml',\n"
        "         'pydantic')\n"
        "at_start = [m for m in heavy if sys.modules.get(m)]\n"
        "from contract_gate.engine import fast_paths\n"
        "fast_paths.install()  # as every checking process does before the validator\n"
        "import contract_gate.validate.structure\n"
        "with_validator = 'requests' in sys.modules\n"
        "import requests, jsonschema_path.retrievers as r\n"
        "print(at_start, with_validator, r.USE_REQUESTS, bool(requests.get))\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.split() == ["[]", "False", "False", "True"]
