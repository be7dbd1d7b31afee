"""The GitHub Action (action.yml) and the GitLab CI template, run the way the platforms run them.

Their logic is in ci/*.sh; these tests run those scripts with the environment GitHub or GitLab gives
a job, in a git repository with a base branch and a pull request's shallow clone, and read what a
user sees: the exit code, the log, the step summary, the step outputs and the report files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import REPO, SAMPLES, git, init_git_repo
from test_formats import SARIF_SCHEMA, _uri_checker

ACTION = REPO / "action.yml"
GITLAB_TEMPLATE = REPO / "ci" / "contract-gate.gitlab-ci.yml"
VENV_BIN = Path(sys.executable).parent  # .venv/bin, where `contract-gate` is installed

# A spec the pull request adds: its operation has no owner.
UNOWNED = """\
openapi: 3.0.3
info: {title: Orders, version: "1", x-service: order-ledger}
paths:
  /v1/ledger:
    get:
      operationId: listLedger
      x-slo-p99: 300ms
      responses: {"200": {description: ok}}
"""


def snapshot_of_the_checkout(dest: Path) -> str:
    """A `git clone` of this repository into DEST whose HEAD holds the working tree as it is now
    (tracked and new files, not ignored ones), so that uncommitted work is what gets installed;
    the sha of that HEAD."""
    git("clone", "--quiet", "--no-hardlinks", str(REPO), str(dest))
    names = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO).split("\0")
    for name in filter(None, names):
        source, target = REPO / name, dest / name
        if target.is_symlink() or target.exists():
            target.unlink()
        if source.is_symlink() or source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target, follow_symlinks=False)
    git("add", "--all", cwd=dest)
    if git("status", "--porcelain", cwd=dest).strip():
        identity = ("-c", "user.name=Test", "-c", "user.email=test@example.invalid")
        git(*identity, "-c", "commit.gpgsign=false", "commit", "--quiet", "-m", "The working tree", cwd=dest)
    return git("rev-parse", "HEAD", cwd=dest).strip()


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This repository as a local git remote: (its folder, the commit to install)."""
    dest = tmp_path_factory.mktemp("snapshot") / "contract-gate"
    return dest, snapshot_of_the_checkout(dest)


def pull_request(tmp_path: Path, *, head_adds_unowned: bool = True) -> Path:
    """origin (bare) with `main` holding samples/estate as specs/ and `feature` adding a spec;
    the job's shallow clone of `feature`, as CI checks a pull request out, without origin/main."""
    origin = tmp_path / "origin.git"
    git("init", "--quiet", "--bare", "-b", "main", str(origin))
    author = tmp_path / "author"
    author.mkdir()
    init_git_repo(author)
    shutil.copytree(SAMPLES / "estate", author / "specs")
    git("add", ".", cwd=author)
    git("commit", "--quiet", "-m", "base", cwd=author)
    git("push", "--quiet", str(origin), "main", cwd=author)
    git("checkout", "--quiet", "-b", "feature", cwd=author)
    if head_adds_unowned:
        (author / "specs" / "ledger.yaml").write_text(UNOWNED)
        git("add", ".", cwd=author)
    git("commit", "--quiet", "--allow-empty", "-m", "head", cwd=author)
    git("push", "--quiet", str(origin), "feature", cwd=author)
    job = tmp_path / "job"
    git("clone", "--quiet", "--depth", "1", "--branch", "feature", origin.as_uri(), str(job))
    assert "origin/main" not in git("branch", "--remotes", cwd=job)
    return job


def ci_env(**settings: str) -> dict[str, str]:
    """The test's environment with .venv/bin first on PATH, no CI settings inherited, and SETTINGS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CG_", "GITHUB_", "CI_"))}
    env.pop("CONTRACT_GATE", None)
    env.pop("CONTRACT_GATE_POLICY", None)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    env.update(settings)
    return env


def run_script(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(REPO / "ci" / script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def github_env(tmp_path: Path, event: str, **settings: str) -> dict[str, str]:
    (tmp_path / "summary.md").touch()
    (tmp_path / "output.txt").touch()
    return ci_env(
        GITHUB_EVENT_NAME=event,
        GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"),
        GITHUB_OUTPUT=str(tmp_path / "output.txt"),
        **({"GITHUB_BASE_REF": "main", "GITHUB_HEAD_REF": "feature"} if event == "pull_request" else {}),
        **settings,
    )


def step_outputs(tmp_path: Path) -> dict[str, str]:
    lines = (tmp_path / "output.txt").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


def assert_valid_sarif(path: Path) -> dict[str, Any]:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    log: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=_uri_checker())
    assert [e.message for e in validator.iter_errors(log)] == []
    return log


# The GitHub Action's gate step: ci/action-run.sh


def test_a_pull_request_fails_on_what_it_broke_with_summary_outputs_and_sarif(tmp_path: Path) -> None:
    job = pull_request(tmp_path)
    ran = run_script("action-run.sh", job, github_env(tmp_path, "pull_request"))

    assert ran.returncode == 1, ran.stdout + ran.stderr
    # Annotations on the pull request's diff.
    assert "::error file=specs/ledger.yaml,line=5,col=5,title=owner-missing::" in ran.stdout
    # Diff mode against the base branch, which the shallow clone lacked: the step fetched it.
    assert "origin/main" in git("branch", "--remotes", cwd=job)
    summary = (tmp_path / "summary.md").read_text()
    assert summary == (job / "contract-gate.md").read_text()
    assert "`origin/main`" in summary
    assert "owner-missing" in summary
    assert step_outputs(tmp_path) == {
        "exit-code": "1",
        "passed": "false",
        "sarif": "contract-gate.sarif",
        "markdown": "contract-gate.md",
    }
    results = assert_valid_sarif(job / "contract-gate.sarif")["runs"][0]["results"]
    assert [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in results
    ] == [("owner-missing", "specs/ledger.yaml")]
    assert "Traceback" not in ran.stderr


def test_a_push_is_gated_without_diff_mode_and_writes_the_extra_reports(tmp_path: Path) -> None:
    job = pull_request(tmp_path, head_adds_unowned=False)
    env = github_env(
        tmp_path, "push", CG_REPORTS="junit:contract-gate.junit.xml json:report.json", CG_ARGS="--jobs 1"
    )
    ran = run_script("action-run.sh", job, env)

    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "--base" not in ran.stderr
    assert "origin/main" not in git("branch", "--remotes", cwd=job)  # nothing fetched
    assert step_outputs(tmp_path)["passed"] == "true"
    assert step_outputs(tmp_path)["exit-code"] == "0"
    assert (tmp_path / "summary.md").read_text() == (job / "contract-gate.md").read_text() != ""
    assert_valid_sarif(job / "contract-gate.sarif")
    assert ET.parse(job / "contract-gate.junit.xml").getroot().tag in {"testsuites", "testsuite"}
    assert json.loads((job / "report.json").read_text())["findings"] == []


def test_a_baseline_accepts_the_findings_it_lists(tmp_path: Path) -> None:
    job = pull_request(tmp_path)
    baseline = job / ".contract-gate-baseline.json"
    made = subprocess.run(
        [VENV_BIN / "contract-gate", "baseline", "create", "specs/", "-o", baseline],
        cwd=job,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    env = github_env(tmp_path, "pull_request", CG_BASE="none", CG_BASELINE=baseline.name)
    ran = run_script("action-run.sh", job, env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "::error " not in ran.stdout
    assert step_outputs(tmp_path)["passed"] == "true"


def test_a_gate_that_cannot_run_exits_2_and_says_so(tmp_path: Path) -> None:
    job = pull_request(tmp_path)
    (job / "contract-gate.sarif").write_text("left over from an earlier run")
    env = github_env(tmp_path, "pull_request", CG_POLICY="org/missing-policy.toml")
    ran = run_script("action-run.sh", job, env)

    assert ran.returncode == 2, ran.stdout + ran.stderr
    assert "missing-policy.toml" in ran.stderr
    assert "Traceback" not in ran.stderr
    assert "could not run" in (tmp_path / "summary.md").read_text()
    assert step_outputs(tmp_path) == {"exit-code": "2", "passed": "false", "sarif": "", "markdown": ""}
    assert not (job / "contract-gate.sarif").exists()  # the stale file is not uploaded


# action.yml


def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return loaded


def test_action_yml_is_a_composite_action_with_the_documented_inputs_and_outputs() -> None:
    meta = action()
    assert meta["name"] and meta["description"]
    inputs = meta["inputs"]
    assert {
        "paths",
        "base",
        "baseline",
        "fail-on",
        "policy",
        "reports",
        "upload-sarif",
        "version",
    } <= inputs.keys()
    assert inputs["paths"]["default"] == "specs/"
    assert inputs["upload-sarif"]["default"] == "true"
    assert inputs["base"]["default"] == ""  # the pull request's base branch, decided by the script
    for name, spec in inputs.items():
        assert spec.get("description"), name
        assert isinstance(spec.get("default", ""), str), name  # inputs are strings
    assert set(meta["outputs"]) == {"exit-code", "passed", "sarif", "markdown"}
    for spec in meta["outputs"].values():
        assert re.fullmatch(r"\$\{\{ steps\.gate\.outputs\.[a-z-]+ \}\}", spec["value"])
    assert meta["runs"]["using"] == "composite"


def test_each_step_of_action_yml_runs_a_script_of_ci_or_a_pinned_action() -> None:
    meta = action()
    steps = meta["runs"]["steps"]
    ids: list[str] = []
    for step in steps:
        assert ("run" in step) != ("uses" in step), step
        if "run" in step:
            assert step["shell"] == "bash"
            script = re.fullmatch(r'bash "\$GITHUB_ACTION_PATH/(ci/[a-z-]+\.sh)"', step["run"])
            assert script, step["run"]
            assert (REPO / script.group(1)).is_file()
        else:
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@v\d+", step["uses"]), step["uses"]
        ids.append(step.get("id", ""))
    # Every input is used by a step, every reference names an input or an earlier step.
    used_inputs = set(re.findall(r"\binputs\.([a-z-]+)", json.dumps(meta["runs"])))
    assert used_inputs == set(meta["inputs"])
    for position, step in enumerate(steps):
        for referenced in re.findall(r"steps\.([a-z-]+)\.outputs", json.dumps(step)):
            assert referenced in ids[:position], (step.get("name"), referenced)
    # The settings the gate step passes are those the scripts read.
    gate = next(step for step in steps if step.get("id") == "gate")
    scripts = (REPO / "ci" / "action-run.sh").read_text() + (REPO / "ci" / "lib.sh").read_text()
    for variable in gate["env"]:
        assert re.search(rf"\${{{variable}\b", scripts), variable
    upload = next(step for step in steps if "upload-sarif" in step.get("uses", ""))
    assert "always()" in upload["if"] and "inputs.upload-sarif == 'true'" in upload["if"]
    assert upload["with"]["sarif_file"] == "${{ steps.gate.outputs.sarif }}"
    install = next(step for step in steps if step.get("id") == "install")
    assert install["env"]["CG_SOURCE"] == "${{ github.action_path }}"


@pytest.mark.xdist_group("precommit")
def test_the_install_step_installs_a_pinned_commit_into_a_virtualenv(
    tmp_path: Path, snapshot: tuple[Path, str]
) -> None:
    source, sha = snapshot
    output = tmp_path / "output.txt"
    env = ci_env(
        CG_PYTHON=str(Path(sys.base_prefix) / "bin" / "python3"),
        # PEP 508 wants a host in a VCS URL: file://localhost/..., which git reads too.
        CG_INSTALL=f"contract-gate @ git+file://localhost{source}@{sha}",
        CG_SOURCE="/nonexistent",  # the version input wins over the action's checkout
        CG_VENV=str(tmp_path / "venv"),
        GITHUB_OUTPUT=str(output),
        PATH=f"{Path(sys.base_prefix) / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
    )
    ran = run_script("action-install.sh", tmp_path, env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "contract-gate, version" in ran.stdout
    installed = tmp_path / "venv" / "bin" / "contract-gate"
    assert output.read_text() == f"bin={installed}\n"
    shutil.copytree(SAMPLES / "estate", tmp_path / "specs")
    checked = subprocess.run(
        [installed, "check", "specs/"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "gate passed" in checked.stdout


# The GitLab CI template and its script, ci/gitlab-run.sh


def gitlab_job() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(GITLAB_TEMPLATE.read_text(encoding="utf-8"))
    assert list(loaded) == [".contract-gate"]  # a hidden job only: including it runs nothing
    job: dict[str, Any] = loaded[".contract-gate"]
    return job


def test_the_gitlab_template_is_a_hidden_job_that_runs_the_script() -> None:
    job = gitlab_job()
    assert job["variables"]["CONTRACT_GATE_PATHS"] == "specs/"
    assert "CONTRACT_GATE_POLICY" not in job["variables"]  # a blank would hide one set elsewhere
    assert len(job["script"]) == 1
    assert re.search(r'bash "\$CONTRACT_GATE_DIR/src/ci/gitlab-run\.sh"$', job["script"][0])
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"] == {
        "codequality": "gl-code-quality-report.json",
        "junit": "contract-gate.junit.xml",
    }
    assert {"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'} in job["rules"]
    assert job["cache"]["paths"] == [".contract-gate-cache/"]


def test_a_merge_request_fails_on_what_it_broke_with_code_quality_and_junit(tmp_path: Path) -> None:
    job = pull_request(tmp_path)
    ran = run_script("gitlab-run.sh", job, ci_env(CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main"))

    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "specs/ledger.yaml:5:5: error [owner-missing]" in ran.stdout
    assert "--base origin/main" in ran.stderr
    reports = gitlab_job()["artifacts"]["reports"]
    quality = json.loads((job / reports["codequality"]).read_text())
    assert [(issue["check_name"], issue["location"]["path"]) for issue in quality] == [
        ("owner-missing", "specs/ledger.yaml")
    ]
    junit = ET.parse(job / reports["junit"]).getroot()
    failures = [f.get("message", "") + (f.text or "") for f in junit.iter("failure")]
    assert any("owner-missing" in failure for failure in failures)


def test_a_runner_that_reuses_its_clone_judges_against_the_target_branch_as_it_is_now(tmp_path: Path) -> None:
    job = pull_request(tmp_path)
    git("update-ref", "refs/remotes/origin/main", "HEAD", cwd=job)  # stale: as if main were HEAD
    ran = run_script("gitlab-run.sh", job, ci_env(CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main"))
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "specs/ledger.yaml:5:5: error [owner-missing]" in ran.stdout


def test_a_branch_pipeline_checks_the_whole_estate(tmp_path: Path) -> None:
    job = pull_request(tmp_path, head_adds_unowned=False)
    env = ci_env(CONTRACT_GATE_PATHS="specs/", CONTRACT_GATE_FAIL_ON="info")
    ran = run_script("gitlab-run.sh", job, env)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "--base" not in ran.stderr
    assert "--fail-on info" in ran.stderr
    assert json.loads((job / "gl-code-quality-report.json").read_text()) == []


def template_lines(job: dict[str, Any]) -> str:
    """The job's before_script and script as GitLab's shell runs them: one shell, -e."""
    return "\n".join(["set -eo pipefail", *job["before_script"], *job["script"]])


def test_the_gitlab_template_says_what_to_set_before_it_installs_anything(tmp_path: Path) -> None:
    job = gitlab_job()
    env = ci_env(**job["variables"])
    env["CONTRACT_GATE_DIR"] = str(tmp_path / "contract-gate")
    ran = subprocess.run(
        ["bash", "-c", template_lines(job)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 2
    assert "set CONTRACT_GATE_SOURCE" in ran.stderr
    assert not (tmp_path / "contract-gate").exists()


@pytest.mark.xdist_group("precommit")
def test_the_gitlab_template_installs_the_pinned_commit_and_gates_the_merge_request(
    tmp_path: Path, snapshot: tuple[Path, str]
) -> None:
    source, sha = snapshot
    checkout = pull_request(tmp_path)
    job = gitlab_job()
    env = ci_env(**job["variables"])
    env.update(
        CONTRACT_GATE_SOURCE=source.as_uri(),
        CONTRACT_GATE_REF=sha,
        CONTRACT_GATE_DIR=str(tmp_path / "contract-gate"),
        CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main",
        # The image's Python, and no contract-gate but the one the job installs.
        PATH=f"{Path(sys.base_prefix) / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
    )
    ran = subprocess.run(
        ["bash", "-c", template_lines(job)],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert git("rev-parse", "HEAD", cwd=tmp_path / "contract-gate" / "src").strip() == sha
    assert "specs/ledger.yaml:5:5: error [owner-missing]" in ran.stdout
    for report in job["artifacts"]["reports"].values():
        assert (checkout / report).stat().st_size > 0
