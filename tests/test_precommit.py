"""The pre-commit hook, run the way users run it: `pre-commit try-repo` in a repository of theirs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SAMPLES, git, init_git_repo

BAD = """\
openapi: 3.0.3
info: {title: Orders, version: "1", x-service: order-service}
paths:
  /v1/orders:
    get:
      operationId: listOrders
      responses: {"200": {description: ok}}
"""


PRE_COMMIT = Path(sys.executable).parent / "pre-commit"


def run_pre_commit(user: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`pre-commit ARGS` in the user's repository, as a user runs it: offline, its own home, a plain PATH."""
    if not PRE_COMMIT.exists():
        pytest.fail("pre-commit is not installed in the test environment (it is a dev dependency)")
    env = {"PRE_COMMIT_HOME": str(home / "pre-commit-home"), "PATH": "/usr/bin:/bin", "HOME": str(home)}
    return subprocess.run(
        [str(PRE_COMMIT), *args], cwd=user, env=env, capture_output=True, text=True, check=False, timeout=600
    )


@pytest.mark.xdist_group("precommit")
def test_try_repo_runs_the_hook_and_fails_on_a_bad_spec(tmp_path: Path) -> None:
    user = tmp_path / "user-repo"
    (user / "specs").mkdir(parents=True)
    shutil.copy(SAMPLES / "estate" / "orders" / "openapi.yaml", user / "specs" / "good.yaml")
    init_git_repo(user)
    git("add", ".", cwd=user)

    def try_repo() -> subprocess.CompletedProcess[str]:
        return run_pre_commit(
            user, tmp_path, "try-repo", str(REPO), "contract-gate", "--all-files", "--verbose"
        )

    passing = try_repo()
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "gate passed" in passing.stdout

    (user / "specs" / "orders.yaml").write_text(BAD)
    git("add", ".", cwd=user)
    failing = try_repo()
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "specs/orders.yaml:5:5: error [owner-missing]" in failing.stdout
    assert "gate FAILED" in failing.stdout


SHARED_REF = """\
openapi: 3.0.3
info: {title: Orders, version: "1", x-service: orders, x-bu-owner: ECOM-BU, x-slo-p99: 200ms}
paths:
  /v1/orders:
    get:
      operationId: listOrders
      responses:
        "404":
          description: no
          content: {application/json: {schema: {$ref: "../common/errors.yaml#/Problem"}}}
"""


@pytest.mark.xdist_group("precommit")
def test_the_hook_given_only_the_changed_spec_reads_shared_files_of_the_repository(tmp_path: Path) -> None:
    user = tmp_path / "user-repo"
    (user / "specs" / "a").mkdir(parents=True)
    (user / "specs" / "common").mkdir()
    (user / "specs" / "a" / "openapi.yaml").write_text(SHARED_REF)
    (user / "specs" / "common" / "errors.yaml").write_text("Problem: {type: object}\n")
    # Files passed one by one (pass_filenames), limited to the specs: a named file must be a spec.
    rev = git("rev-parse", "HEAD", cwd=REPO).strip()
    (user / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {REPO}\n    rev: {rev}\n    hooks:\n      - id: contract-gate\n"
        "        pass_filenames: true\n        args: []\n        files: ^specs/.*/openapi\\.yaml$\n"
    )
    init_git_repo(user)
    git("add", ".", cwd=user)
    done = run_pre_commit(
        user, tmp_path, "run", "--files", "specs/a/openapi.yaml", "specs/common/errors.yaml", "--verbose"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ref-forbidden" not in done.stdout
    assert "in 1 file: gate passed" in done.stdout
