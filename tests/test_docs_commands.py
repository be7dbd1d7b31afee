"""The commands the docs show, run as written through the installed `contract-gate`.

README's "## Use" block and the `sh` blocks of docs/ci.md and docs/publishing.md run on a copy of
samples/ as specs/ in a git repository with an origin/main; README's "## Install" block runs in
the checkout after `make run`; docs/ci.md's pre-commit recipe runs with its repo URL pointing at a
clone of this repository.
"""

from __future__ import annotations

import itertools
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import REPO, SAMPLES, git, init_git_repo
from test_action import UNOWNED, snapshot_of_the_checkout
from test_precommit import run_pre_commit
from test_prometheus import get, running_pushgateway

VENV_BIN = Path(sys.executable).parent  # .venv/bin, where `make install` puts contract-gate
README = REPO / "README.md"
CI_DOC = REPO / "docs" / "ci.md"
PUBLISHING_DOC = REPO / "docs" / "publishing.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)

# The documented Pushgateway address; the lines run against a real one on 127.0.0.1 instead.
DOCUMENTED_PUSHGATEWAY = re.compile(r"https?://pushgateway:9091")


def section(markdown: str, heading: str) -> str:
    """The text under HEADING, up to the next heading of the same or a higher level."""
    level = heading.split(" ")[0]
    start = markdown.index(f"\n{heading}\n")
    ends = [m.start() for m in re.finditer(rf"^#{{1,{len(level)}}} ", markdown[start + 1 :], re.MULTILINE)]
    return markdown[start : start + 1 + ends[1]] if len(ends) > 1 else markdown[start:]


def blocks(markdown: str, language: str) -> list[str]:
    return [m.group(2) for m in FENCE.finditer(markdown) if m.group(1) == language]


def command_lines(block: str) -> list[str]:
    """The block's commands, a line ending in a backslash joined with the next."""
    return [line.strip() for line in block.replace("\\\n", " ").splitlines() if line.strip()]


def documented_commands() -> list[str]:
    readme_use = blocks(section(README.read_text(encoding="utf-8"), "## Use"), "sh")
    docs = [blocks(doc.read_text(encoding="utf-8"), "sh") for doc in (CI_DOC, PUBLISHING_DOC)]
    lines = [line for block in readme_use + docs[0] + docs[1] for line in command_lines(block)]
    return [line for line in lines if line.startswith("contract-gate ")]


COMMANDS = documented_commands()


def test_the_docs_show_the_commands_this_file_runs() -> None:
    """A guard on the reading of the docs: every command of the CLI is among the lines run."""
    commands = {
        next(w for w in shlex.split(line, comments=True)[1:] if not w.startswith("-") and "/" not in w)
        for line in COMMANDS
    }
    assert {
        "check",
        "baseline",
        "score",
        "graph",
        "rules",
        "policy",
        "badge",
        "prometheus-rules",
        "audit",
        "portal",
    } <= (commands)


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository whose specs/ is a copy of samples/: origin/main without legacy/, HEAD with it."""
    work = tmp_path_factory.mktemp("docs") / "repo"
    work.mkdir()
    init_git_repo(work)
    shutil.copytree(SAMPLES, work / "specs", ignore=shutil.ignore_patterns("legacy"))
    git("add", ".", cwd=work)
    git("commit", "--quiet", "-m", "base", cwd=work)
    git("update-ref", "refs/remotes/origin/main", "HEAD", cwd=work)
    shutil.copytree(SAMPLES / "legacy", work / "specs" / "legacy")
    git("add", ".", cwd=work)
    git("commit", "--quiet", "-m", "head", cwd=work)
    (work / "org").mkdir()
    (work / "org" / "policy.toml").write_text("min-completeness = 50\n[rules]\nowner-missing = 'error'\n")
    return work


def written_files(argv: list[str]) -> list[str]:
    """The files (and folders) a command line says it writes."""
    files = []
    for flag, value in itertools.pairwise(argv):
        if flag in {"-o", "--output", "--textfile", "--all-bus"}:
            files.append(value)
        elif flag == "--report":
            files.append(value.split(":", 1)[1])
    return files


@pytest.fixture(scope="module")
def pushgateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Pushgateway on 127.0.0.1 for the documented `--pushgateway` lines."""
    with running_pushgateway(tmp_path_factory.mktemp("pushgateway")) as url:
        yield url


@pytest.mark.parametrize("line", COMMANDS, ids=[line.split(" #")[0].strip() for line in COMMANDS])
def test_a_documented_command_runs_as_written(
    line: str, estate: Path, tmp_path: Path, pushgateway: str
) -> None:
    line = DOCUMENTED_PUSHGATEWAY.sub(pushgateway, line)
    argv = shlex.split(line, comments=True)
    # An absolute path (a node_exporter folder) is taken under tmp_path, the folder made as it
    # would be on the host.
    for word in argv:
        if word.startswith("/"):
            moved = tmp_path / word.lstrip("/")
            moved.parent.mkdir(parents=True, exist_ok=True)
            line = line.replace(word, str(moved))
            argv[argv.index(word)] = str(moved)
    for name in written_files(argv):
        target = estate / name
        if target.is_dir():
            shutil.rmtree(target)
        target.unlink(missing_ok=True)
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}"}
    ran = subprocess.run(
        ["bash", "-c", line], cwd=estate, env=env, capture_output=True, text=True, check=False, timeout=300
    )
    assert ran.returncode in {0, 1}, ran.stdout + ran.stderr
    assert "Traceback" not in ran.stdout + ran.stderr
    outputs = written_files(argv)
    for name in outputs:
        target = estate / name
        assert target.exists(), f"{line}: {name} not written"
        assert any(target.iterdir()) if target.is_dir() else target.stat().st_size > 0
    if "--pushgateway" in argv:
        job = argv[argv.index("--job") + 1]
        assert f'job="{job}"' in get(f"{pushgateway}/metrics"), f"{line}: nothing pushed"
    elif not outputs:
        assert ran.stdout.strip(), f"{line}: printed nothing"


def test_the_install_block_runs_in_the_checkout_after_make_run() -> None:
    install = section(README.read_text(encoding="utf-8"), "## Install")
    first = blocks(install, "sh")[0]
    lines = [line for line in command_lines(first) if not line.startswith("make ")]
    assert lines[0].startswith(".venv/bin/contract-gate ")
    # The PATH of a new shell: no virtualenv on it, so `contract-gate` alone is found only once
    # the block has activated .venv.
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != VENV_BIN)
    assert shutil.which("contract-gate", path=env["PATH"]) is None
    ran = subprocess.run(
        ["bash", "-ec", "\n".join(lines)], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "gate passed" in ran.stdout
    assert "owner-missing" in ran.stdout  # `contract-gate rules`, found through the activated venv


def test_install_lines_in_the_docs_say_where_contract_gate_comes_from() -> None:
    """No `pip install contract-gate` from an index nobody names, no requirements file that "pins" it."""
    seen = []
    for doc in (README, CI_DOC):
        for block in blocks(doc.read_text(encoding="utf-8"), "sh") + blocks(doc.read_text(), "yaml"):
            for line in block.splitlines():
                found = re.search(r"\bpipx? install (.*)", line.split(" #")[0])
                if found:
                    sources = [w for w in shlex.split(found.group(1)) if not w.startswith("-")]
                    assert sources, line
                    assert all(s == "." or "git+" in s for s in sources), line
                    seen.append(line)
    assert len(seen) >= 4, seen


# pre-commit


def precommit_recipe() -> str:
    (recipe,) = blocks(section(CI_DOC.read_text(encoding="utf-8"), "## pre-commit"), "yaml")
    return recipe


def test_the_precommit_recipe_pins_a_commit_of_this_repository_that_has_the_hook() -> None:
    (repo,) = yaml.safe_load(precommit_recipe())["repos"]
    assert re.fullmatch(r"[0-9a-f]{40}", repo["rev"]), repo["rev"]
    assert git("cat-file", "-t", repo["rev"], cwd=REPO).strip() == "commit"
    hooks = yaml.safe_load(git("show", f"{repo['rev']}:.pre-commit-hooks.yaml", cwd=REPO))
    assert [hook["id"] for hook in repo["hooks"]] == ["contract-gate"]
    assert "contract-gate" in {hook["id"] for hook in hooks}


@pytest.mark.xdist_group("precommit")
def test_the_precommit_recipe_runs_as_written_from_a_clone(tmp_path: Path) -> None:
    clone = tmp_path / "contract-gate"
    head = snapshot_of_the_checkout(clone)
    user = tmp_path / "user-repo"
    (user / "specs").mkdir(parents=True)
    shutil.copy(SAMPLES / "estate" / "orders" / "openapi.yaml", user / "specs" / "orders.yaml")
    init_git_repo(user)
    # The recipe as written, but for the mirror's URL: a clone of this repository.
    recipe = precommit_recipe()
    (repo,) = yaml.safe_load(recipe)["repos"]
    config = user / ".pre-commit-config.yaml"
    config.write_text(recipe.replace(repo["repo"], str(clone)))
    git("add", ".", cwd=user)

    # What the docs say writes the SHA: it moves the pin to the clone's newest commit.
    updated = run_pre_commit(user, tmp_path, "autoupdate", "--freeze")
    assert updated.returncode == 0, updated.stdout + updated.stderr
    (pinned,) = yaml.safe_load(config.read_text())["repos"]
    assert pinned["rev"] == head
    git("add", ".", cwd=user)

    passing = run_pre_commit(user, tmp_path, "run", "--all-files", "--verbose")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "gate passed" in passing.stdout

    (user / "specs" / "ledger.yaml").write_text(UNOWNED)
    git("add", ".", cwd=user)
    failing = run_pre_commit(user, tmp_path, "run", "--all-files", "--verbose")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "specs/ledger.yaml:5:5: error [owner-missing]" in failing.stdout
