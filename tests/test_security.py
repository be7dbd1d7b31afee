"""Untrusted specs: no network, nothing read outside the ref root, nothing of it printed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import counting_server, invoke

SECRET = "s3cr3t-token-that-must-never-appear"


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    with counting_server(json.dumps({"type": "object", "description": SECRET}).encode()) as running:
        yield running


def _spec(ref: str) -> str:
    return f"""\
openapi: 3.0.3
info: {{title: Pets, version: "1", x-bu-owner: ECOM-BU, x-slo-p99: 200ms}}
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '{ref}'
"""


def _run(*args: str) -> tuple[int, str, dict[str, object]]:
    text = invoke("check", *args)
    as_json = invoke("check", *args, "--format", "json")
    assert text.exit_code == as_json.exit_code
    return (
        as_json.exit_code,
        text.stdout + text.stderr + as_json.stdout + as_json.stderr,
        json.loads(as_json.stdout),
    )


def test_remote_ref_is_never_fetched(in_tmp: Path, server: tuple[str, list[str]]) -> None:
    url, hits = server
    Path("specs").mkdir()
    Path("specs/pets.yaml").write_text(_spec(f"{url}/schemas/item.json"))
    Path("specs/pets2.yaml").write_text(_spec(f"{url}/schemas/item.json#/components/x").replace("Pets", "P2"))
    code, output, report = _run("specs")
    assert hits == []
    assert code == 1
    forbidden = [f for f in report["findings"] if f["rule"] == "ref-forbidden"]  # type: ignore[union-attr]
    assert len(forbidden) == 2
    assert all(f["line"] == 13 and "never fetched" in f["message"] for f in forbidden)
    assert SECRET not in output


def test_ref_outside_the_root_reads_nothing(in_tmp: Path) -> None:
    secret = in_tmp / "outside" / "secret.yaml"
    secret.parent.mkdir()
    secret.write_text(f"type: object\ndescription: {SECRET}\n")
    specs = in_tmp / "repo" / "specs"
    specs.mkdir(parents=True)
    depth = len(specs.resolve().parts)
    (specs / "pets.yaml").write_text(_spec("../../outside/secret.yaml"))
    (specs / "deep.yaml").write_text(
        _spec("../" * depth + str(secret.resolve()).lstrip("/")).replace("Pets", "D")
    )
    (specs / "abs.yaml").write_text(_spec(secret.resolve().as_uri()).replace("Pets", "A"))
    code, output, report = _run("repo/specs")
    assert code == 1
    forbidden = [f for f in report["findings"] if f["rule"] == "ref-forbidden"]  # type: ignore[union-attr]
    assert sorted(f["file"].rsplit("/", 1)[-1] for f in forbidden) == ["abs.yaml", "deep.yaml", "pets.yaml"]
    assert SECRET not in output
    assert all("leaves the ref root" in f["message"] for f in forbidden)


def test_system_password_file_is_never_read(in_tmp: Path) -> None:
    Path("specs").mkdir()
    Path("specs/pets.yaml").write_text(_spec("../../../../../../../../etc/passwd"))
    code, output, _ = _run("specs")
    assert code == 1
    assert "root:" not in output


def test_ref_root_can_be_widened_explicitly(in_tmp: Path) -> None:
    shared = in_tmp / "shared"
    shared.mkdir()
    (shared / "item.yaml").write_text("type: object\n")
    (in_tmp / "specs").mkdir()
    Path("specs/pets.yaml").write_text(_spec("../shared/item.yaml"))
    assert invoke("check", "specs").exit_code == 1
    assert invoke("check", "specs", "--ref-root", ".").exit_code == 0


def test_symlink_leaving_the_root_is_refused(in_tmp: Path) -> None:
    outside = in_tmp / "outside.yaml"
    outside.write_text(f"openapi: 3.0.3\ninfo: {{title: {SECRET}, version: '1'}}\npaths: {{}}\n")
    Path("specs").mkdir()
    Path("specs/pets.yaml").write_text(
        _spec("#/components/schemas/Pet") + "components: {schemas: {Pet: {}}}\n"
    )
    Path("specs/link.yaml").symlink_to(outside)
    code, output, report = _run("specs")
    assert code == 1
    rules = [(f["rule"], f["file"]) for f in report["findings"]]  # type: ignore[union-attr]
    assert rules == [("ref-forbidden", "specs/link.yaml")]
    assert SECRET not in output
