"""Contract snapshots (SPEC §11): an estate split by service gives what the estate gives whole.

Every multi-service estate in samples/ and tests/cases/ is copied into a git repository (the
default ref root), each spec exported on its own; then checking one service with the others as
context gives that service's pairs, findings and alignment exactly as the check of all specs,
and `score` on the snapshots gives exactly the metrics of all specs. A property test does the
same over generated estates.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from conftest import REPO, SAMPLES, git, init_git_repo, invoke
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CASES = REPO / "tests" / "cases"
SUFFIXES = {".yaml", ".yml", ".json"}
SNAPSHOT_SCHEMA = json.loads((REPO / "schemas" / "snapshot.schema.json").read_text(encoding="utf-8"))
# Numbers that depend on the whole run, not on one service: the thresholds judge the run's metrics.
RUN_WIDE = {"threshold-completeness", "threshold-alignment"}


def _spec_files(folder: Path) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        if path.suffix not in SUFFIXES or not path.is_file():
            continue
        head = path.read_text(encoding="utf-8", errors="replace")[:2000]
        if "openapi" in head or "swagger" in head:
            found.append(path)
    return found


def _estates() -> list[Any]:
    """samples/estate, samples/legacy and every case folder holding two specs or more."""
    folders = [SAMPLES / "estate", SAMPLES / "legacy"]
    folders += [
        case
        for rule in sorted(CASES.iterdir())
        if rule.is_dir() and rule.name != "service-duplicate"  # one id, two specs: nothing to split
        for case in sorted(rule.iterdir())
        if case.is_dir() and len(_spec_files(case)) >= 2
    ]
    return [pytest.param(folder, id=str(folder.relative_to(REPO))) for folder in folders]


def _report(*args: str | Path) -> tuple[int, dict[str, Any]]:
    result = invoke(*args, "--format", "json", "--no-cache")
    return result.exit_code, json.loads(result.stdout)


def _repository(source: Path, work: Path) -> Path:
    """A copy of `source` as a git repository of its own (the ref root its specs' $refs expect)."""
    shutil.copytree(source, work)
    init_git_repo(work)
    git("add", ".", cwd=work)
    git("commit", "--quiet", "-m", "specs", cwd=work)
    return work


def _export_each(estate: Path, snapshots: Path) -> dict[str, Path]:
    """Each spec of `estate` exported on its own into `snapshots`: service id -> its spec."""
    snapshots.mkdir()
    services: dict[str, Path] = {}
    for index, spec in enumerate(_spec_files(estate)):
        target = snapshots / f"{index:03d}-{spec.stem}.json"
        result = invoke("export", spec.relative_to(estate), "-o", target, "--no-cache")
        assert result.exit_code == 0, result.output
        document = json.loads(target.read_text(encoding="utf-8"))
        jsonschema.validate(document, SNAPSHOT_SCHEMA)
        for service in document["services"]:
            services.setdefault(service["id"], spec)
    return services


def _own(report: dict[str, Any], service: str, files: set[str]) -> list[dict[str, Any]]:
    """The findings about `service`: on its files, or naming it, without the run-wide ones."""
    return sorted(
        (
            f
            for f in report["findings"]
            if f["rule"] not in RUN_WIDE and (f["file"] in files or f["service"] == service)
        ),
        key=lambda f: json.dumps(f, sort_keys=True),
    )


def _pairs_of(report: dict[str, Any], service: str) -> list[dict[str, Any]]:
    return [p for p in report["pairs"] if service in (p["caller"]["service"], p["callee"]["service"])]


def _files_of(report: dict[str, Any], service: str) -> set[str]:
    (entry,) = [s for s in report["services"] if s["id"] == service]
    return {entry["file"]}


def assert_split_equals_whole(estate: Path, snapshots: Path) -> None:
    """The property of SPEC §11 on one estate (the working directory is `estate`)."""
    services = _export_each(estate, snapshots)
    _, whole = _report("check", ".")
    for service, spec in services.items():
        _, alone = _report("check", spec.relative_to(estate), "--context", snapshots)
        files = _files_of(whole, service)
        assert _pairs_of(alone, service) == _pairs_of(whole, service), service
        assert alone["pairs"] == _pairs_of(whole, service), service
        assert _own(alone, service, files) == _own(whole, service, files), service
        assert alone["metrics"]["by_service"][service] == whole["metrics"]["by_service"][service]
        # Only the checked service is gated: nothing is reported about the context's services.
        assert all(f["service"] in {service, None} for f in alone["findings"] if f["rule"] not in RUN_WIDE)
    _, scored = _report("score", snapshots)
    assert scored["metrics"] == whole["metrics"]
    assert scored["pairs"] == whole["pairs"]


@pytest.mark.parametrize("estate", _estates())
def test_an_estate_split_into_snapshots_gives_what_the_whole_gives(
    estate: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = _repository(estate, tmp_path / "estate")
    monkeypatch.chdir(work)
    assert_split_equals_whole(work, tmp_path / "snapshots")


# Generated estates: services calling each other (and services nobody loaded), owners and SLOs
# at every level, valid or not, internal operations, agreements that match or not.

SERVICE_IDS = ["orders", "payments", "risk", "ledger"]
BUS = ["ECOM-BU", "PAY-BU", "RISK-BU", "bad owner"]
DURATIONS = ["50ms", "100ms", "0.2s", "250ms", "1s", "fast", 7]
METHODS = ["get", "post"]


@st.composite
def estates(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    count = draw(st.integers(2, 4))
    ids = SERVICE_IDS[:count]
    some_paths = st.lists(st.sampled_from(["/a", "/b", "/c/{id}"]), min_size=1, max_size=3, unique=True)
    shape = {sid: draw(some_paths) for sid in ids}
    maybe_bu = st.one_of(st.none(), st.sampled_from(BUS))
    maybe_slo = st.one_of(st.none(), st.sampled_from(DURATIONS))
    target_service = st.sampled_from([*ids, "unloaded"])
    specs: dict[str, dict[str, Any]] = {}
    for sid in ids:
        info: dict[str, Any] = {"title": sid, "version": "1", "x-service": sid}
        if (bu := draw(maybe_bu)) is not None:
            info["x-bu-owner"] = bu
        if (slo := draw(maybe_slo)) is not None:
            info["x-slo-p99"] = slo
        paths: dict[str, Any] = {}
        for path in shape[sid]:
            item: dict[str, Any] = {}
            if draw(st.booleans()) and (bu := draw(maybe_bu)) is not None:
                item["x-bu-owner"] = bu
            for method in draw(st.lists(st.sampled_from(METHODS), min_size=1, max_size=2, unique=True)):
                op: dict[str, Any] = {
                    "operationId": f"{method}{path.strip('/').replace('/', '').replace('{id}', 'One')}",
                    "responses": {"200": {"description": "ok"}},
                }
                if (slo := draw(maybe_slo)) is not None:
                    op["x-slo-p99"] = slo
                if draw(st.integers(0, 5)) == 0:
                    op["x-internal"] = True
                for key in ("x-calls", "x-consumers"):
                    entries = []
                    for _ in range(draw(st.integers(0, 2))):
                        other = draw(target_service)
                        other_path = draw(st.sampled_from(shape.get(other, ["/a"])))
                        entry: dict[str, Any] = {
                            "service": other,
                            "operation": f"{draw(st.sampled_from(METHODS)).upper()} {other_path}",
                        }
                        if (budget := draw(maybe_slo)) is not None:
                            entry["x-slo-p99"] = budget
                        if key == "x-calls" and draw(st.booleans()):
                            entry["mode"] = "async"
                        entries.append(entry)
                    if entries:
                        op[key] = entries
                item[method] = op
            paths[path] = item
        specs[sid] = {"openapi": "3.0.3", "info": info, "paths": paths}
    return specs


# `make fuzz-snapshots` runs more examples (SNAPSHOT_EXAMPLES).
@settings(
    max_examples=int(os.environ.get("SNAPSHOT_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(estate=estates())
def test_generated_estates_split_into_snapshots_give_what_the_whole_gives(
    estate: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("generated")
    work = root / "estate"
    work.mkdir()
    for sid, spec in estate.items():
        (work / f"{sid}.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    init_git_repo(work)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(work)
        assert_split_equals_whole(work, root / "snapshots")


# What a snapshot holds, and what a run makes of one that is not one.


@pytest.fixture
def snapshots(tmp_path: Path) -> Path:
    folder = tmp_path / "snapshots"
    folder.mkdir()
    return folder


@pytest.fixture
def orders_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = _repository(SAMPLES / "estate", tmp_path / "repo")
    git("remote", "add", "origin", "https://ci-bot:s3cret@git.example.com/acme/estate.git", cwd=work)
    monkeypatch.chdir(work)
    return work


def test_export_says_where_it_came_from_and_holds_no_schemas(
    orders_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    result = invoke("export", ".", "-o", "contracts.json", "--no-cache")
    assert result.exit_code == 0, result.output
    text = (orders_repo / "contracts.json").read_text(encoding="utf-8")
    document = json.loads(text)
    jsonschema.validate(document, SNAPSHOT_SCHEMA)
    assert document["kind"] == "contract-gate-snapshot"
    assert document["source"] == {
        "repository": "https://git.example.com/acme/estate.git",  # the token is not published
        "commit": git("rev-parse", "HEAD", cwd=orders_repo).strip(),
        "time": "2026-01-01T00:00:00Z",
    }
    assert "s3cret" not in text
    assert "description" not in text and "components" not in text
    orders = next(s for s in document["services"] if s["id"] == "order-service")
    create = next(op for op in orders["operations"] if op["operation_id"] == "createOrder")
    assert create["owner"]["valid"] and create["slo"]["valid"]
    assert {call["service"] for call in create["calls"]} >= {"payment-service"}
    # A few KB per service.
    assert len(text) / len(document["services"]) < 8_000

    result = invoke("export", ".", "-o", "named.json", "--source", "github.com/acme/estate", "--no-cache")
    assert json.loads((orders_repo / "named.json").read_text())["source"]["repository"] == (
        "github.com/acme/estate"
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"kind": "contract-gate-snapshot", "schema_version": 1, "services": [', "not valid JSON"),
        ('{"kind": "contract-gate-baseline", "schema_version": 1}', 'its kind is "contract-gate-baseline"'),
        (
            '{"kind": "contract-gate-snapshot", "schema_version": 7, "services": []}',
            "schema_version 7 is newer than this contract-gate reads",
        ),
        (
            '{"kind": "contract-gate-snapshot", "schema_version": 1, "generator": "x",'
            ' "source": {"time": "2026-01-01T00:00:00Z"}, "services": [{"id": "a"}]}',
            "services[0].file: Field required",
        ),
    ],
    ids=["truncated", "wrong-kind", "newer-schema", "missing-field"],
)
@pytest.mark.parametrize("where", ["context", "input"])
def test_a_snapshot_that_is_not_one_is_one_error_naming_it_and_nothing_else_is_lost(
    orders_repo: Path, snapshots: Path, content: str, reason: str, where: str
) -> None:
    assert invoke("export", "orders", "-o", snapshots / "orders.json", "--no-cache").exit_code == 0
    bad = snapshots / "broken.json"
    bad.write_text(content, encoding="utf-8")
    if where == "context":
        code, report = _report("check", "payments", "--context", snapshots)
    else:
        code, report = _report("check", "payments", snapshots / "orders.json", bad)
    assert code == 2
    (error,) = [f for f in report["findings"] if f["rule"] == "snapshot-invalid"]
    assert error["file"].endswith("broken.json")
    assert reason in error["message"]
    # Everything else is still there: payments checked, and orders resolved from its snapshot.
    assert "payment-service" in report["metrics"]["by_service"]
    assert any(p["caller"]["service"] == "order-service" for p in report["pairs"])


def test_reporting_commands_exit_2_on_a_broken_snapshot_and_say_why(
    orders_repo: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"kind": "contract-gate-snapshot", "schema_version": 1, "serv', encoding="utf-8")
    result = invoke("score", "payments", bad, "--no-cache")
    assert result.exit_code == 2
    assert "broken.json" in result.output and "snapshot-invalid" in result.output
    assert "Traceback" not in result.output


def test_two_snapshots_holding_one_service_name_both(orders_repo: Path) -> None:
    tmp_path = orders_repo / "snapshots"  # named relative to the working folder, as in a job
    tmp_path.mkdir()
    for name in ("first", "second"):
        assert invoke("export", "orders", "-o", tmp_path / f"{name}.json", "--no-cache").exit_code == 0
    code, report = _report("score", tmp_path / "first.json", tmp_path / "second.json")
    (duplicate,) = [f for f in report["findings"] if f["rule"] == "service-duplicate"]
    assert duplicate["file"].endswith("second.json")
    assert "first.json" in duplicate["message"] and "second.json" in duplicate["message"]
    assert code == 0  # score exits 0 unless it cannot run


def test_a_snapshot_older_than_max_snapshot_age_is_stale(
    orders_repo: Path, snapshots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path = snapshots
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1577836800")  # 2020-01-01
    assert invoke("export", "orders", "-o", tmp_path / "old.json", "--no-cache").exit_code == 0
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert invoke("export", "shipping", "-o", tmp_path / "new.json", "--no-cache").exit_code == 0
    (orders_repo / "contract-gate.toml").write_text('max-snapshot-age = "30d"\n', encoding="utf-8")
    _, report = _report("check", "payments", "--context", tmp_path)
    (stale,) = [f for f in report["findings"] if f["rule"] == "snapshot-stale"]
    assert stale["file"].endswith("old.json") and stale["severity"] == "warning"
    assert "max-snapshot-age 30d" in stale["message"]
    # Still used: the calls of orders into payments are judged.
    assert any(p["caller"]["service"] == "order-service" for p in report["pairs"])
    (orders_repo / "contract-gate.toml").write_text("", encoding="utf-8")
    _, report = _report("check", "payments", "--context", tmp_path)
    assert not [f for f in report["findings"] if f["rule"] == "snapshot-stale"]


def test_a_context_that_does_not_exist_is_a_usage_error(orders_repo: Path) -> None:
    (orders_repo / "contract-gate.toml").write_text('context = ["../snapshots"]\n', encoding="utf-8")
    result = invoke("check", "payments")
    assert result.exit_code == 2
    assert "../snapshots" in result.output and "no such file or folder" in result.output


def test_diff_mode_with_context_fails_the_change_that_breaks_a_consumer_in_another_repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """payments loosens a p99 that order-service, in another repository, budgets for."""
    others = _repository(SAMPLES / "estate", tmp_path / "others")
    monkeypatch.chdir(others)
    assert invoke("export", "orders", "-o", tmp_path / "orders.json", "--no-cache").exit_code == 0
    payments = _repository(SAMPLES / "estate" / "payments", tmp_path / "payments")
    monkeypatch.chdir(payments)
    spec = next(payments.glob("*.yaml"))
    _, before = _report("check", ".", "--context", tmp_path / "orders.json")
    called = next(
        p for p in before["pairs"] if p["caller"]["service"] == "order-service" and p["status"] == "aligned"
    )
    text = spec.read_text(encoding="utf-8")
    assert text.count(f"x-slo-p99: {called['commitment']}") >= 1
    looser = text.replace(f"x-slo-p99: {called['commitment']}", "x-slo-p99: 59s")
    spec.write_text(looser, encoding="utf-8")
    git("commit", "--quiet", "-am", "slower", cwd=payments)
    code, report = _report("check", ".", "--base", "HEAD~1", "--context", tmp_path / "orders.json")
    assert code == 1
    loosened = [f for f in report["findings"] if f["rule"] == "slo-loosened"]
    assert loosened and any("order-service" in f["message"] for f in loosened)
    # Without the context the caller is out of view, and nothing names it.
    _, alone = _report("check", ".", "--base", "HEAD~1")
    assert not any("order-service" in f["message"] for f in alone["findings"] if f["rule"] == "slo-loosened")


@pytest.mark.parametrize(
    "command",
    [
        ["audit", "--bu", "ECOM-BU", "--format", "json"],
        ["audit", "--bu", "(unowned)", "--format", "csv"],
        ["graph", "--format", "mermaid"],
        ["prometheus-rules"],
        ["badge", "--metric", "alignment", "--format", "shields"],
        ["score", "--format", "prometheus"],
    ],
    ids=lambda words: " ".join(words[:3]),
)
def test_every_reporting_command_reads_snapshots_as_the_specs_they_came_from(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = _repository(SAMPLES / "legacy", tmp_path / "legacy")
    monkeypatch.chdir(work)
    _export_each(work, tmp_path / "snapshots")
    from_specs = invoke(command[0], ".", *command[1:], "--no-cache")
    from_snapshots = invoke(command[0], tmp_path / "snapshots", *command[1:], "--no-cache")
    assert from_specs.exit_code == from_snapshots.exit_code == 0, from_snapshots.output
    assert from_snapshots.stdout == from_specs.stdout


def test_a_service_both_checked_and_in_the_context_is_judged_as_checked(
    orders_repo: Path, snapshots: Path
) -> None:
    """The pull request's spec wins over its own published snapshot (SPEC §11)."""
    assert invoke("export", ".", "-o", snapshots / "estate.json", "--no-cache").exit_code == 0
    _, before = _report("check", "payments", "--context", snapshots)
    aligned = [p for p in before["pairs"] if p["callee"]["service"] == "payment-service" and p["budget"]]
    assert aligned
    spec = next((orders_repo / "payments").glob("openapi.*"))
    text = spec.read_text(encoding="utf-8")
    for pair in aligned:
        text = text.replace(f"x-slo-p99: {pair['commitment']}", "x-slo-p99: 59s")
    spec.write_text(text, encoding="utf-8")
    _, after = _report("check", "payments", "--context", snapshots)
    judged = [p for p in after["pairs"] if p["callee"]["service"] == "payment-service" and p["budget"]]
    assert {p["commitment"] for p in judged} == {"59s"}
    assert {p["status"] for p in judged} == {"violated"}
    assert len(after["services"]) == 1  # the context's copy of payments is not reported twice


def test_a_check_with_context_says_which_snapshots_it_was_judged_against(
    orders_repo: Path, snapshots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")  # 2025-12-01
    assert invoke("export", "orders", "-o", snapshots / "orders.json", "--no-cache").exit_code == 0
    commit = git("rev-parse", "HEAD", cwd=orders_repo).strip()
    _, report = _report("check", "payments", "--context", snapshots)
    jsonschema.validate(report, json.loads((REPO / "schemas" / "report.schema.json").read_text()))
    (source,) = report["context"]
    assert source["file"].endswith("orders.json") and source["commit"] == commit
    assert source["time"] == "2025-12-01T00:00:00Z" and source["services"] == 1
    text = invoke("check", "payments", "--context", snapshots, "--no-cache").stdout
    assert "Context (not gated): 1 service from 1 snapshot" in text
    assert f"https://git.example.com/acme/estate.git@{commit[:12]}, exported 2025-12-01 00:00 UTC" in text
    _, alone = _report("check", "payments")
    assert "context" not in alone


def test_export_warns_of_a_service_id_declared_twice_and_keeps_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = _repository(CASES / "service-duplicate" / "fail_same_x_service", tmp_path / "dup")
    monkeypatch.chdir(work)
    result = invoke("export", ".", "-o", "contracts.json", "--no-cache")
    assert result.exit_code == 0
    assert "legacy-orders.yaml" in result.stderr and "left out of the snapshot" in result.stderr
    (service,) = json.loads((work / "contracts.json").read_text())["services"]
    assert service["file"] == "legacy-orders.yaml"


def test_export_writes_nothing_when_an_input_cannot_be_read(orders_repo: Path, snapshots: Path) -> None:
    bad = snapshots / "broken.json"
    bad.write_text('{"kind": "contract-gate-snapshot", "schema_version": 1,', encoding="utf-8")
    result = invoke("export", "orders", bad, "-o", snapshots / "merged.json", "--no-cache")
    assert result.exit_code == 2
    assert "broken.json:1:1: error [snapshot-invalid]" in result.stderr
    assert "nothing written" in result.stderr
    assert not (snapshots / "merged.json").exists()
