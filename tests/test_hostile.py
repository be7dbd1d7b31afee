"""One estate of hostile specs, checked in one run of the installed `contract-gate` CLI.

The estate (built in a temporary folder) holds a good spec and every kind of file a
malicious or broken pull request may bring: a remote `$ref` aimed at a counting HTTP
server on 127.0.0.1, `$ref`s that climb out of the ref root (directly and through a
symlink) towards a file holding a secret token, a YAML alias bomb, 50,000-deep nesting
(YAML and JSON), a self-referencing path item, undecodable bytes, a BOM, NUL bytes,
duplicate keys, a tab-only line in a block scalar, list and scalar roots, `openapi: 3.0`
as a number, `paths: null`, a file over `max-file-size`, and a symlink to a spec
outside the root.

The CLI runs once, as a subprocess (`contract-gate check specs --format json`, from a
working folder whose `contract-gate.toml` sets a small `max-file-size`); each test
below asserts one property of that run.

Memory: the CLI is started with `subprocess.Popen` and reaped with `os.wait4`, whose
`ru_maxrss` is the peak resident set size of the largest single process among the CLI
and the descendants it reaped — the forked workers that check the files (the same
number `/usr/bin/time -v` prints as "Maximum resident set size"). It is not the sum
over processes: at most `jobs` workers plus the parent are alive at once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import counting_server

# The tests share one run of the CLI (module fixture): ask xdist to keep them on one worker.
# (pytest 9.2 with pytest-xdist 3.8 ignores xdist_group: xdist sets item._nodeid, pytest 9 reads
# item._id. Then each worker that gets some of these tests runs the CLI once, ~1.5 s.)
pytestmark = pytest.mark.xdist_group("hostile")

CLI = Path(sys.executable).with_name("contract-gate")
SECRET = f"hostile-secret-{uuid.uuid4().hex}"
MAX_SECONDS = 10.0
MAX_RSS_BYTES = int(1.5 * 1024**3)
MAX_FILE_SIZE = 256_000  # bytes, set in the estate's contract-gate.toml
DEPTH = 50_000


# --------------------------------------------------------------------------- the server


@dataclass
class _Server:
    url: str
    hits: list[str]


# --------------------------------------------------------------------------- the estate


def _spec(title: str, *, schema_ref: str | None = None, description: str = "ok") -> str:
    """A small valid OpenAPI 3.0 spec with one documented operation (GET /things)."""
    text = f"""\
openapi: 3.0.3
info: {{title: {title}, version: "1", x-bu-owner: ECOM-BU, x-slo-p99: 200ms}}
paths:
  /things:
    get:
      operationId: list{title.replace(" ", "")}
      responses:
        "200":
          description: {description}
"""
    if schema_ref is not None:
        text += f"""\
          content:
            application/json:
              schema:
                $ref: '{schema_ref}'
"""
    return text


GOOD = """\
openapi: 3.0.3
info: {title: Good Service, version: "1", x-bu-owner: ECOM-BU, x-slo-p99: 200ms}
paths:
  /orders:
    get: {operationId: listOrders, responses: {"200": {description: ok}}}
    post: {operationId: createOrder, responses: {"201": {description: created}}}
  /orders/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string}}]
    get: {operationId: getOrder, responses: {"200": {description: ok}}}
    patch: {operationId: updateOrder, responses: {"200": {description: ok}}}
    delete: {operationId: deleteOrder, responses: {"204": {description: gone}}}
"""
GOOD_OPERATIONS = {
    "GET /orders": "listOrders",
    "POST /orders": "createOrder",
    "GET /orders/{id}": "getOrder",
    "PATCH /orders/{id}": "updateOrder",
    "DELETE /orders/{id}": "deleteOrder",
}


def _alias_bomb() -> str:
    """9 levels x 10 aliases in an `x-` field: 10**9 values once expanded (~1 KB of text)."""
    lines = ["x-bomb:", "  l0: &l0 [" + ", ".join(['"lol"'] * 10) + "]"]
    lines += [f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 9)]
    return _spec("Bomb") + "\n".join(lines) + "\n"


def _build(base: Path, server_url: str) -> Path:
    """Lay the estate out under `base`; return the working folder (holding specs/)."""
    outside = base / "outside"
    outside.mkdir()
    secret = outside / "secret.yaml"
    secret.write_text(f"type: object\ndescription: {SECRET}\n")
    outside_spec = outside / "other-team.yaml"
    outside_spec.write_text(
        _spec("Outside").replace("description: ok", f"description: {SECRET}") + f"x-note: {SECRET}\n"
    )

    work = base / "work"
    specs = work / "specs"
    specs.mkdir(parents=True)
    (work / "contract-gate.toml").write_text(f"max-file-size = {MAX_FILE_SIZE}\n")

    (specs / "good.yaml").write_text(GOOD)
    (specs / "remote.yaml").write_text(_spec("Remote", schema_ref=f"{server_url}/schemas/item.json"))
    # Enough `../` to climb to / from wherever tmp_path is, then the secret's absolute path.
    climb = "../" * max(4, len(specs.resolve().parts))
    (specs / "secret_ref.yaml").write_text(
        _spec("Secret Ref", schema_ref=climb + str(secret.resolve()).lstrip("/"))
    )
    # A $ref to a file inside the folder that is a symlink to the secret (not walked: .txt).
    (specs / "leak.txt").symlink_to(secret.resolve())
    (specs / "symlink_ref.yaml").write_text(_spec("Symlink Ref", schema_ref="./leak.txt"))
    (specs / "bomb.yaml").write_text(_alias_bomb())
    (specs / "deep.yaml").write_text("[" * DEPTH + "]" * DEPTH + "\n")
    (specs / "deep.json").write_text("[" * DEPTH + "]" * DEPTH + "\n")
    (specs / "selfref.yaml").write_text(_spec("Self Ref") + "  /loop:\n    $ref: '#/paths/~1loop'\n")
    (specs / "bad_utf8.yaml").write_bytes(
        _spec("Bad Utf").encode().replace(b"description: ok", b"description: caf\xe9 \xff")
    )
    (specs / "bom.yaml").write_bytes(b"\xef\xbb\xbf" + _spec("Bom Service").encode())
    (specs / "nul.yaml").write_bytes(
        _spec("Nul").encode().replace(b"description: ok", b"description: o\x00k")
    )
    (specs / "dup_keys.yaml").write_text(
        _spec("Dup").replace("description: ok\n", "description: ok\n          description: again\n")
    )
    (specs / "tab.yaml").write_text(
        _spec("Tab").replace(
            "description: ok\n", "description: |\n            first\n\t\n            second\n"
        )
    )
    (specs / "list_root.yaml").write_text(
        "- openapi: 3.0.3\n  info: {title: List Root, version: '1'}\n  paths: {}\n"
    )
    (specs / "scalar_root.yaml").write_text('"openapi: 3.0.3"\n')
    (specs / "number.yaml").write_text(_spec("Number").replace("openapi: 3.0.3", "openapi: 3.0"))
    (specs / "paths_null.yaml").write_text(
        'openapi: 3.0.3\ninfo: {title: Paths Null, version: "1", x-bu-owner: ECOM-BU,'
        " x-slo-p99: 200ms}\npaths: null\n"
    )
    padding = ("  " + "p" * 78 + "\n") * (MAX_FILE_SIZE // 80 + 100)
    (specs / "big.yaml").write_text(_spec("Big") + "x-padding: |\n" + padding)
    (specs / "link.yaml").symlink_to(outside_spec.resolve())
    return work


# --------------------------------------------------------------------------- the run


@dataclass
class HostileRun:
    code: int
    stdout: str
    stderr: str
    report: dict[str, Any]
    seconds: float
    max_rss: int  # bytes
    hits: list[str]
    work: Path

    def findings(self, file: str) -> list[dict[str, Any]]:
        return [f for f in self.report["findings"] if f["file"] == f"specs/{file}"]


def _run_measured(args: list[str], cwd: Path, limit: float = 120.0) -> tuple[int, str, str, float, int]:
    """Run a command; (exit code, stdout, stderr, wall seconds, peak RSS in bytes via wait4)."""
    out_path, err_path = cwd / ".stdout", cwd / ".stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.monotonic()
        process = subprocess.Popen(args, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > limit:  # never let a hang hang the suite
                process.send_signal(signal.SIGKILL)
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.01)
        seconds = time.monotonic() - start
    process.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
    return (
        process.returncode,
        out_path.read_text("utf-8", errors="replace"),
        err_path.read_text("utf-8", errors="replace"),
        seconds,
        usage.ru_maxrss * 1024,  # kilobytes on Linux
    )


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    with counting_server(json.dumps({"type": "object", "description": SECRET}).encode()) as (url, hits):
        yield _Server(url, hits)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, server: _Server) -> HostileRun:
    if not CLI.exists():
        pytest.skip(f"the installed CLI is missing: {CLI}")
    work = _build(tmp_path_factory.mktemp("hostile"), server.url)
    code, stdout, stderr, seconds, max_rss = _run_measured(
        [str(CLI), "check", "specs", "--format", "json"], work
    )
    try:
        report = json.loads(stdout)
    except json.JSONDecodeError:
        pytest.fail(f"no JSON report (exit {code}); stderr:\n{stderr[-3000:]}")
    print(f"hostile estate: exit {code}, {seconds:.2f} s wall, peak RSS {max_rss / 2**20:.0f} MiB")
    return HostileRun(code, stdout, stderr, report, seconds, max_rss, list(server.hits), work)


# --------------------------------------------------------------------------- the run as a whole


def test_the_gate_fails_without_an_internal_error(hostile: HostileRun) -> None:
    assert hostile.code == 1, hostile.stderr[-3000:]
    assert hostile.report["passed"] is False
    assert "Traceback" not in hostile.stderr
    assert "internal error" not in hostile.stderr


def test_it_is_fast(hostile: HostileRun) -> None:
    assert hostile.seconds < MAX_SECONDS


def test_its_memory_is_bounded(hostile: HostileRun) -> None:
    assert hostile.max_rss > 10 * 2**20, "the measurement looks broken (a Python process is bigger)"
    assert hostile.max_rss < MAX_RSS_BYTES


def test_nothing_is_fetched(hostile: HostileRun) -> None:
    assert hostile.hits == []


def test_the_secret_appears_nowhere(hostile: HostileRun) -> None:
    assert SECRET not in hostile.stdout
    assert SECRET not in hostile.stderr
    assert SECRET not in json.dumps(hostile.report)


def test_no_message_shows_an_exception_of_the_tool(hostile: HostileRun) -> None:
    """Findings speak about the spec, not about the tool's own exceptions."""
    words = ("KeyError", "TypeError", "AttributeError", "Traceback", "could not finish", "internal error")
    leaked = [
        (f["file"], f["message"]) for f in hostile.report["findings"] if any(w in f["message"] for w in words)
    ]
    assert leaked == []


def test_the_good_spec_is_reported_in_full(hostile: HostileRun) -> None:
    assert hostile.findings("good.yaml") == []
    services = {s["id"]: s for s in hostile.report["services"]}
    good = services["good-service"]
    assert good["file"] == "specs/good.yaml"
    assert {op["key"]: op["operation_id"] for op in good["operations"]} == GOOD_OPERATIONS
    assert all(op["documented"] for op in good["operations"])


def test_the_bom_spec_is_checked_normally(hostile: HostileRun) -> None:
    assert hostile.findings("bom.yaml") == []
    services = {s["id"]: s for s in hostile.report["services"]}
    assert [op["key"] for op in services["bom-service"]["operations"]] == ["GET /things"]


def test_the_tab_spec_is_still_checked(hostile: HostileRun) -> None:
    services = {s["id"]: s for s in hostile.report["services"]}
    assert [op["key"] for op in services["tab"]["operations"]] == ["GET /things"]


def test_no_service_comes_from_outside_the_root(hostile: HostileRun) -> None:
    assert "outside" not in {s["id"] for s in hostile.report["services"]}
    assert all(s["file"].startswith("specs/") for s in hostile.report["services"])


# --------------------------------------------------------------------------- each bad file

# file -> (rule, words every message of that rule must contain, (line, column) or None)
EXPECTED: dict[str, tuple[str, tuple[str, ...], tuple[int, int] | None]] = {
    "remote.yaml": ("ref-forbidden", ("remote", "never fetched", "/schemas/item.json"), (13, 23)),
    "secret_ref.yaml": ("ref-forbidden", ("leaves the ref root", "was not read"), (13, 23)),
    "symlink_ref.yaml": ("ref-forbidden", ("leak.txt", "leaves the ref root"), (13, 23)),
    "bomb.yaml": ("too-many-nodes", ("max-nodes", "aliases"), None),
    "deep.yaml": ("nesting-too-deep", ("deeper than", "max-depth 256"), (1, 257)),
    "deep.json": ("nesting-too-deep", ("nesting",), None),
    "selfref.yaml": ("ref-cycle", ("#/paths/~1loop", "cycle"), (11, 11)),
    "bad_utf8.yaml": ("parse-error", ("UTF-8", "0xe9"), (9, 27)),
    "nul.yaml": ("parse-error", ("NUL byte",), (9, 25)),
    "dup_keys.yaml": ("duplicate-key", ('"description"', "twice"), (10, 11)),
    "tab.yaml": ("yaml-lenient", ("tab", "lenient"), (11, 1)),
    "list_root.yaml": ("not-a-spec", ("a list", "not a spec"), (1, 1)),
    "scalar_root.yaml": ("not-a-spec", ("a string", "not a spec"), (1, 1)),
    "number.yaml": ("spec-invalid", ("openapi: 3.0 is a number", "quote"), (1, 10)),
    "paths_null.yaml": ("spec-invalid", ("null", "`paths` must be an object"), (3, 8)),
    "big.yaml": ("file-too-large", ("max-file-size", "not read"), (1, 1)),
    "link.yaml": ("ref-forbidden", ("symlink", "outside the ref root", "not read"), (1, 1)),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_bad_file_has_a_clear_finding(hostile: HostileRun, name: str) -> None:
    rule, words, position = EXPECTED[name]
    findings = hostile.findings(name)
    assert rule in {f["rule"] for f in findings}, findings
    clear = [
        f
        for f in findings
        if f["rule"] == rule
        and all(word in f["message"] for word in words)
        and (position is None or (f["line"], f["column"]) == position)
    ]
    assert clear, f"no {rule} finding saying {words} at {position}: {findings}"


def test_every_file_is_accounted_for(hostile: HostileRun) -> None:
    specs = hostile.work / "specs"
    walked = {p.name for p in specs.iterdir() if p.suffix in {".yaml", ".json"}}
    assert walked == set(EXPECTED) | {"good.yaml", "bom.yaml"}
    assert hostile.report["summary"]["files"] == len(walked)


def test_the_bomb_is_placed_in_the_bomb(hostile: HostileRun) -> None:
    (finding,) = [f for f in hostile.findings("bomb.yaml") if f["rule"] == "too-many-nodes"]
    assert 10 <= finding["line"] <= 19  # the x-bomb block


def test_paths_null_is_one_finding_at_paths(hostile: HostileRun) -> None:
    findings = hostile.findings("paths_null.yaml")
    assert [(f["rule"], f["pointer"]) for f in findings] == [("spec-invalid", "/paths")]


def test_deep_json_is_as_precise_as_deep_yaml(hostile: HostileRun) -> None:
    (finding,) = hostile.findings("deep.json")
    assert finding["message"] == "nesting is deeper than max-depth 256"
    assert (finding["line"], finding["column"]) == (1, 257)


# --------------------------------------------------------------------------- bugs found on the way
# Each of these was a bug the fuzzing or the estate found; the test keeps it fixed.


def _cli_json(folder: Path, *args: str) -> tuple[int, dict[str, Any], str, float, int]:
    """`contract-gate check <folder> --format json` from the folder's parent; measured."""
    code, stdout, stderr, seconds, rss = _run_measured(
        [str(CLI), "check", folder.name, "--format", "json", *args], folder.parent
    )
    try:
        return code, json.loads(stdout), stderr, seconds, rss
    except json.JSONDecodeError:
        pytest.fail(f"no JSON report (exit {code}); stderr:\n{stderr[-3000:]}")


def _small_spec(title: str, extra: str = "") -> str:
    return (
        f'openapi: 3.0.3\ninfo: {{title: {title}, version: "1", x-bu-owner: ECOM-BU, x-slo-p99: 200ms}}\n'
        'paths: {/a: {get: {responses: {"200": {description: ok}}}}}\n' + extra
    )


def test_deep_nesting_behind_a_lenient_trigger_is_cheap(tmp_path: Path) -> None:
    if not CLI.exists():
        pytest.skip(f"the installed CLI is missing: {CLI}")
    specs = tmp_path / "specs"
    specs.mkdir()
    deep = "[" * 20_000 + "]" * 20_000
    (specs / "ctl.yaml").write_text(_small_spec("Ctl", f"x-note: a\x01b\nx-deep: {deep}\n"))
    (specs / "tab.yaml").write_text(_small_spec("Tab", f"x-note: |\n  a\n\t\n  b\nx-deep: {deep}\n"))
    # Without the depth pre-check the lenient parser composes the whole nest (a crash, or a
    # timeout); with it a file takes about a second: 20 s keeps a loaded machine from failing it
    # (3 s did, at load 9).
    (tmp_path / "contract-gate.toml").write_text("file-timeout = 20\n")
    code, report, _, seconds, _ = _cli_json(specs)
    assert code == 1
    rules = {(f["file"], f["rule"]) for f in report["findings"]}
    # Each file under its file-timeout (else checker-crashed); the whole run only bounded,
    # as the other hostile inputs are.
    assert rules == {("specs/ctl.yaml", "nesting-too-deep"), ("specs/tab.yaml", "nesting-too-deep")}
    assert seconds < MAX_SECONDS


def test_nested_complex_keys_are_bounded(tmp_path: Path) -> None:
    if not CLI.exists():
        pytest.skip(f"the installed CLI is missing: {CLI}")
    specs = tmp_path / "specs"
    specs.mkdir()
    keys = "".join(" " * (2 * i + 2) + "?\n" for i in range(34)) + " " * 70 + "x\n"
    (specs / "keys.yaml").write_text(_small_spec("Keys", "x-keys:\n" + keys))
    code, report, stderr, seconds, rss = _cli_json(specs)
    # Complex keys cannot be JSON keys; they are kept as a short placeholder, never expanded.
    assert code == 0, stderr[-2000:]
    assert report["findings"] == []
    assert seconds < MAX_SECONDS
    assert rss < 512 * 2**20


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param("", id="paths-null"),
        pytest.param("parameter-without-name", id="parameter-without-name"),
    ],
)
def test_validator_crash_is_not_shown_as_a_python_exception(tmp_path: Path, extra: str) -> None:
    from contract_gate.config.settings import Config
    from contract_gate.engine.checker import Settings, check_file

    path = tmp_path / "spec.yaml"
    if extra:
        path.write_text(
            _small_spec("P").replace(
                "{get: {responses:", "{get: {parameters: [{in: query, schema: {type: string}}], responses:"
            )
        )
    else:
        path.write_text('openapi: 3.0.3\ninfo: {title: N, version: "1"}\npaths: null\n')
    result = check_file(path, True, Settings(config=Config(), ref_root=tmp_path))
    messages = [f.message for f in result.findings if f.rule == "spec-invalid"]
    assert messages, result.findings
    assert not [m for m in messages if "could not finish" in m or "Error:" in m], messages


@pytest.mark.parametrize("target", ["missing", "remote", "long-chain"])
def test_a_ref_to_a_broken_ref_is_not_called_a_cycle(tmp_path: Path, target: str) -> None:
    from contract_gate.config.settings import Config
    from contract_gate.engine.checker import Settings, check_file

    schemas = {
        "missing": ["A: {$ref: '#/components/schemas/B'}", "B: {$ref: '#/components/schemas/Missing'}"],
        "remote": ["A: {$ref: '#/components/schemas/B'}", "B: {$ref: 'http://127.0.0.1:9/b.json'}"],
        "long-chain": [f"S{i}: {{$ref: '#/components/schemas/S{i + 1}'}}" for i in range(70)]
        + ["S70: {type: string}"],
    }[target]
    path = tmp_path / "spec.yaml"
    path.write_text(
        _small_spec("Chain", "components:\n  schemas:\n" + "".join(f"    {s}\n" for s in schemas))
    )
    result = check_file(path, True, Settings(config=Config(), ref_root=tmp_path))
    assert [f for f in result.findings if f.rule == "ref-cycle"] == []


def test_lenient_parsing_prints_nothing_on_stderr(tmp_path: Path) -> None:
    if not CLI.exists():
        pytest.skip(f"the installed CLI is missing: {CLI}")
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "anchors.yaml").write_text(_small_spec("Anchors", "x-n: a\x01b\nx-a: &a {}\nx-b: &a {c: d}\n"))
    code, report, stderr, _, _ = _cli_json(specs)
    assert code == 0
    assert [f["rule"] for f in report["findings"]] == ["yaml-lenient"]
    assert stderr == ""


def test_finding_messages_stay_short(tmp_path: Path) -> None:
    if not CLI.exists():
        pytest.skip(f"the installed CLI is missing: {CLI}")
    specs = tmp_path / "specs"
    specs.mkdir()
    long, digits = "x" * 3000, "1" * 3000
    (specs / "long.yaml").write_text(
        f'openapi: 3.0.3\ninfo: {{title: Long, version: "1", x-bu-owner: "{long}",'
        f' x-slo-p99: "{digits}ms"}}\n'
        "paths:\n  /a:\n    get:\n"
        f'      x-calls: [{{service: "s{long}", operation: "GET /{long}", x-slo-p99: "{digits}s"}}]\n'
        '      responses: {"200": {description: ok}}\n'
    )
    code, report, _, _, _ = _cli_json(specs)
    assert code == 1
    assert {f["rule"] for f in report["findings"]} >= {"owner-invalid", "slo-invalid", "call-invalid"}
    assert max(len(f["message"]) for f in report["findings"]) <= 500


@pytest.mark.parametrize("version", [".nan", ".inf"])
def test_version_hint_is_a_real_version(tmp_path: Path, version: str) -> None:
    from contract_gate.config.settings import Config
    from contract_gate.engine.checker import Settings, check_file

    path = tmp_path / "spec.yaml"
    path.write_text(_small_spec("V").replace("openapi: 3.0.3", f"openapi: {version}"))
    result = check_file(path, True, Settings(config=Config(), ref_root=tmp_path))
    (finding,) = [f for f in result.findings if f.pointer == "/openapi"]
    assert "nan" not in finding.message.split("e.g.")[-1]
    assert "inf" not in finding.message.split("e.g.")[-1]
