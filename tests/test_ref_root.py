"""The ref root as SPEC §2 sets it (the git work tree holding the inputs), and `ref-map`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import counting_server, init_git_repo, invoke

SECRET = "s3cr3t-token-that-must-never-appear"


def _spec(*refs: str) -> str:
    responses = "".join(
        f"""
        "{400 + index}":
          description: no
          content:
            application/json:
              schema:
                $ref: '{ref}'"""
        for index, ref in enumerate(refs)
    )
    return f"""\
openapi: 3.0.3
info: {{title: Orders, version: "1", x-service: orders, x-bu-owner: ECOM-BU, x-slo-p99: 200ms}}
paths:
  /v1/orders:
    get:
      operationId: listOrders
      responses:{responses}
"""


PROBLEM = "Problem:\n  type: object\n  properties:\n    title: {type: string}\n"


def _check(*args: str | Path) -> tuple[int, list[tuple[str, str, int]], str]:
    """`check ARGS --no-cache`: (exit code, (rule, file, line) of each finding, all output)."""
    result = invoke("check", *args, "--no-cache", "--format", "json")
    report: dict[str, Any] = json.loads(result.stdout) if result.stdout else {"findings": []}
    found = [(f["rule"], f["file"], f["line"]) for f in report["findings"]]
    return result.exit_code, found, result.stdout + result.stderr


@pytest.fixture
def repo(in_tmp: Path) -> Path:
    """A work tree with specs/a/openapi.yaml referring to ../common/errors.yaml (no commit needed)."""
    init_git_repo(in_tmp)
    (in_tmp / "specs" / "a").mkdir(parents=True)
    (in_tmp / "specs" / "common").mkdir()
    (in_tmp / "specs" / "common" / "errors.yaml").write_text(PROBLEM)
    (in_tmp / "specs" / "a" / "openapi.yaml").write_text(_spec("../common/errors.yaml#/Problem"))
    return in_tmp


def test_a_single_file_may_refer_to_a_shared_folder_of_its_work_tree(repo: Path) -> None:
    assert _check("specs/a/openapi.yaml")[:2] == (0, [])


def test_a_worktree_or_submodule_whose_git_is_a_file_counts_too(in_tmp: Path) -> None:
    (in_tmp / ".git").write_text("gitdir: ../elsewhere/.git/worktrees/x\n")
    (in_tmp / "specs" / "a").mkdir(parents=True)
    (in_tmp / "specs" / "common").mkdir()
    (in_tmp / "specs" / "common" / "errors.yaml").write_text(PROBLEM)
    (in_tmp / "specs" / "a" / "openapi.yaml").write_text(_spec("../common/errors.yaml#/Problem"))
    assert _check("specs/a/openapi.yaml")[:2] == (0, [])


def test_outside_any_work_tree_the_common_folder_of_the_inputs_is_the_root(in_tmp: Path) -> None:
    (in_tmp / "specs" / "a").mkdir(parents=True)
    (in_tmp / "specs" / "common").mkdir()
    (in_tmp / "specs" / "common" / "errors.yaml").write_text(PROBLEM)
    (in_tmp / "specs" / "a" / "openapi.yaml").write_text(_spec("../common/errors.yaml#/Problem"))
    assert _check("specs/a/openapi.yaml")[:2] == (1, [("ref-forbidden", "specs/a/openapi.yaml", 13)])
    assert _check("specs")[:2] == (0, [])


def test_inputs_in_two_work_trees_fall_back_to_their_common_folder(in_tmp: Path) -> None:
    for name in ("one", "two"):
        (in_tmp / name / "specs").mkdir(parents=True)
        init_git_repo(in_tmp / name)
    (in_tmp / "one" / "specs" / "errors.yaml").write_text(PROBLEM)
    (in_tmp / "one" / "specs" / "openapi.yaml").write_text(_spec("errors.yaml#/Problem"))
    (in_tmp / "two" / "specs" / "openapi.yaml").write_text(
        _spec("../../one/specs/errors.yaml#/Problem").replace("orders", "billing")
    )
    assert _check("two/specs/openapi.yaml")[:2] == (1, [("ref-forbidden", "two/specs/openapi.yaml", 13)])
    assert _check("one/specs/openapi.yaml", "two/specs/openapi.yaml")[:2] == (0, [])


def test_ref_root_given_or_configured_wins_over_the_work_tree(repo: Path) -> None:
    forbidden = [("ref-forbidden", "specs/a/openapi.yaml", 13)]
    assert _check("specs/a/openapi.yaml", "--ref-root", "specs/a")[:2] == (1, forbidden)
    Path("contract-gate.toml").write_text('ref-root = "specs/a"\n')
    assert _check("specs/a/openapi.yaml")[:2] == (1, forbidden)


def test_nothing_outside_the_work_tree_or_in_its_git_folder_is_read(repo: Path) -> None:
    outside = repo.parent / f"{repo.name}-outside.yaml"
    outside.write_text(f"Problem: {{type: object, description: {SECRET}}}\n")
    (repo / "specs" / "common" / "link.yaml").symlink_to(outside)
    with (repo / ".git" / "config").open("a") as config:
        config.write(f'[http "https://example.invalid/"]\n\textraheader = AUTHORIZATION: basic {SECRET}\n')
    refs = ("../common/link.yaml#/Problem", "../../.git/config", f"../../../{outside.name}#/Problem")
    (repo / "specs" / "a" / "openapi.yaml").write_text(_spec(*refs))
    code, found, output = _check("specs/a/openapi.yaml")
    assert code == 1
    assert found == [("ref-forbidden", "specs/a/openapi.yaml", line) for line in (13, 19, 25)]
    assert "leads into a .git folder" in output
    assert SECRET not in output


@pytest.fixture
def mapped(repo: Path) -> Path:
    """ref-map of a 127.0.0.1 prefix to shared/common/; the spec refers to it and to another URL."""
    (repo / "shared" / "common").mkdir(parents=True)
    (repo / "shared" / "common" / "errors.yaml").write_text(PROBLEM)
    return repo


def test_a_mapped_url_is_read_locally_and_no_url_is_ever_fetched(mapped: Path) -> None:
    with counting_server(json.dumps({"Problem": {"type": "object"}}).encode()) as (url, hits):
        Path("contract-gate.toml").write_text(f'[ref-map]\n"{url}/common/" = "shared/common/"\n')
        spec = Path("specs/a/openapi.yaml")
        spec.write_text(_spec(f"{url}/common/errors.yaml#/Problem", f"{url}/other/errors.yaml#/Problem"))
        code, found, output = _check(spec)
        assert hits == []
    assert (code, found) == (1, [("ref-forbidden", "specs/a/openapi.yaml", 19)])
    assert "is remote; remote references are never fetched" in output


def test_a_finding_in_a_mapped_file_is_reported_at_that_file(mapped: Path) -> None:
    Path("contract-gate.toml").write_text('[ref-map]\n"https://schemas.acme.example/" = "shared/common/"\n')
    Path("shared/common/errors.yaml").write_text("Problem:\n  $ref: '#/Missing'\n")
    Path("specs/a/openapi.yaml").write_text(_spec("https://schemas.acme.example/errors.yaml#/Problem"))
    code, found, _ = _check("specs/a/openapi.yaml")
    assert (code, found) == (1, [("ref-unresolved", "shared/common/errors.yaml", 2)])


def test_a_mapped_folder_outside_the_ref_root_is_a_config_error(mapped: Path) -> None:
    Path("contract-gate.toml").write_text('[ref-map]\n"https://schemas.acme.example/" = "../elsewhere/"\n')
    code, found, output = _check("specs/a/openapi.yaml")
    assert (code, found) == (2, [])
    assert "https://schemas.acme.example/ maps to ../elsewhere/, which is outside the ref root" in output


@pytest.mark.parametrize("prefix", ["https://schemas.acme.example", "ftp://schemas.acme.example/", "shared/"])
def test_a_prefix_must_be_an_http_url_ending_in_a_slash(mapped: Path, prefix: str) -> None:
    Path("contract-gate.toml").write_text(f'[ref-map]\n"{prefix}" = "shared/common/"\n')
    code, _, output = _check("specs/a/openapi.yaml")
    assert code == 2
    assert "ref-map" in output and "not http(s) URL prefixes ending in /" in output


def test_the_result_cache_tells_two_mappings_apart(mapped: Path) -> None:
    (mapped / "shared" / "v2").mkdir()
    (mapped / "shared" / "v2" / "errors.yaml").write_text("Other: {type: object}\n")
    Path("specs/a/openapi.yaml").write_text(_spec("https://schemas.acme.example/errors.yaml#/Problem"))
    results = []
    for folder in ("shared/common/", "shared/v2/", "shared/common/"):
        Path("contract-gate.toml").write_text(f'[ref-map]\n"https://schemas.acme.example/" = "{folder}"\n')
        results.append(invoke("check", "specs/a/openapi.yaml").exit_code)
    assert results == [0, 1, 0]
