"""The result cache: an unchanged estate is not re-validated; any change that matters is."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import io
import os
import pickle
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES, check_json

import contract_gate.engine.cache as cache_module
import contract_gate.findings as findings_module
import contract_gate.validate.structure as validation
from contract_gate.config.settings import Config
from contract_gate.engine.cache import _HEADER as HEADER
from contract_gate.engine.cache import Cache, classes_fingerprint, signing_key
from contract_gate.engine.checker import FileResult, Settings
from contract_gate.engine.run import run
from contract_gate.engine.run_record import FOLDER as RUNS
from contract_gate.outputs.report_model import build_report_model
from contract_gate.pickling import by_constructor


@pytest.fixture
def estate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    shutil.copytree(SAMPLES / "estate", tmp_path / "estate")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "estate"


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the files structurally validated, in this process."""
    seen: list[str] = []
    real = validation.validate_structure

    def counting(document: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(document.path.name if document.path.parent.name != "catalog" else "catalog")
        return real(document, *args, **kwargs)

    monkeypatch.setattr(validation, "validate_structure", counting)
    return seen


def _run(estate: Path, config: Config | None = None) -> dict[str, Any]:
    settings = Settings(config or Config(), estate.resolve())
    report = run([estate], settings, cache=Cache.open(Path(".contract-gate-cache")))
    return build_report_model(report).model_dump()


def test_unchanged_estate_is_not_revalidated(estate: Path, validations: list[str]) -> None:
    cold = _run(estate)
    assert len(validations) == 7
    warm = _run(estate)
    assert len(validations) == 7  # nothing validated again
    assert warm == cold


def test_editing_one_spec_rechecks_only_that_spec(estate: Path, validations: list[str]) -> None:
    _run(estate)
    validations.clear()
    spec = estate / "orders" / "openapi.yaml"
    spec.write_text(spec.read_text().replace("x-slo-p99: 1.2s", "x-slo-p99: 1.3s", 1))
    report = _run(estate)
    assert validations == ["openapi.yaml"]
    assert report["metrics"]["completeness"]["percent"] == 100.0


def test_editing_a_referenced_file_rechecks_the_spec_that_uses_it(
    estate: Path, validations: list[str]
) -> None:
    _run(estate)
    validations.clear()
    fragment = estate / "catalog" / "paths" / "product.yaml"
    fragment.write_text(fragment.read_text().replace("x-slo-p99", "x-slo-p99-typo", 1))
    report = _run(estate)
    assert validations == ["catalog"]
    assert report["metrics"]["completeness"]["numerator"] < report["metrics"]["completeness"]["denominator"]


def test_changed_config_or_tool_version_invalidates(
    estate: Path, validations: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(estate)
    validations.clear()
    _run(estate, Config(min_completeness=50))
    assert len(validations) == 7
    validations.clear()
    monkeypatch.setattr(cache_module, "__version__", "9.9.9")
    _run(estate)
    assert len(validations) == 7


class _Planted:
    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, ("touch planted-by-pr",))


def _records(folder: Path) -> dict[bytes, bytes]:
    """The latest record of each name in a cache folder's packs (see contract_gate.engine.cache)."""
    records = {}
    for pack in sorted(folder.glob("*.pack")):
        data, at = pack.read_bytes(), 0
        while at + HEADER.size <= len(data):
            _stamp, _slot, name, size = HEADER.unpack_from(data, at)
            records[name] = data[at : at + HEADER.size + size]
            at += HEADER.size + size
    return records


def _pack(records: list[tuple[bytes, bytes]], key: bytes | None) -> bytes:
    """Records (header, payload) as a pack, signed with `key` (None: a signature of zeros)."""
    chunks = []
    for header, payload in records:
        stamp, slot, name, _size = HEADER.unpack(header)
        header = HEADER.pack(stamp, slot, name, 32 + len(payload))
        signature = hmac.new(key, header + payload, hashlib.sha256).digest() if key else b"\0" * 32
        chunks.append(header + signature + payload)
    return b"".join(chunks)


def _tamper(folder: Path, payload: Callable[[bytes], bytes], key: bytes | None) -> None:
    """Replace every record of every pack by one with `payload(its payload)`, signed with `key`."""
    for pack in folder.glob("*.pack"):
        data, at, records = pack.read_bytes(), 0, []
        while at + HEADER.size <= len(data):
            size = HEADER.unpack_from(data, at)[3]
            start, at = at + HEADER.size, at + HEADER.size + size
            records.append((data[start - HEADER.size : start], payload(data[start + 32 : at])))
        pack.write_bytes(_pack(records, key))


def _unsigned_planted(_payload: bytes) -> bytes:
    return pickle.dumps([]) + pickle.dumps(_Planted())


def test_a_planted_unsigned_entry_is_never_unpickled(estate: Path, validations: list[str]) -> None:
    _run(estate)
    _tamper(Path(".contract-gate-cache"), _unsigned_planted, None)
    validations.clear()
    _run(estate)
    assert not Path("planted-by-pr").exists()
    assert len(validations) == 7  # every entry was refused and rechecked


def test_a_planted_pack_that_sorts_last_hides_nothing(
    estate: Path, validations: list[str], tmp_path: Path
) -> None:
    _run(estate)
    folder, side = Path(".contract-gate-cache"), tmp_path / "side"
    side.mkdir()
    shutil.copy(next(folder.glob("*.pack")), side / "ffffffffffffffff-planted.pack")
    _tamper(side, _unsigned_planted, None)
    shutil.move(side / "ffffffffffffffff-planted.pack", folder)
    packs, validations[:] = _packs(folder), []
    _run(estate)
    assert validations == []  # the records behind the planted ones were read
    assert _packs(folder) == packs


def test_a_pack_planted_as_a_symlink_is_not_read(estate: Path, validations: list[str]) -> None:
    folder = Path(".contract-gate-cache")
    folder.mkdir()
    (folder / "ffffffffffffffff-planted.pack").symlink_to("/dev/zero")  # read whole, it never ends
    _run(estate)
    assert len(validations) == 7


def test_stale_records_are_compacted_and_live_ones_kept(estate: Path, validations: list[str]) -> None:
    folder = Path(".contract-gate-cache")
    spec = estate / "orders" / "openapi.yaml"
    original = spec.read_text()
    counts = []
    for millis in range(1200, 1220):  # each run rechecks one spec: a pack of one record
        spec.write_text(original.replace("x-slo-p99: 1.2s", f"x-slo-p99: {millis}ms", 1))
        _run(estate)
        counts.append(len(list(folder.glob("*.pack"))))
    most = cache_module._MOST_PACKS
    assert counts[: most + 1] == list(range(1, most + 2))  # a pack per run
    assert counts[most + 1 :] == [2, 3, 4]  # past the most: compacted into one (and the run's own)
    validations.clear()
    warm = _run(estate)
    assert validations == []  # every live record kept
    assert warm == build_report_model(run([estate], Settings(Config(), estate.resolve()))).model_dump()


def test_cached_results_unpickle_to_equal_objects(estate: Path) -> None:
    # Findings, operations and pairs are pickled through their constructors (contract_gate.pickling).
    shutil.copytree(SAMPLES / "legacy", estate / "legacy")
    settings = Settings(Config(), estate.resolve())
    report = run([estate], settings)
    assert report.findings and report.services and report.pairs
    for value in (report.findings, report.services, report.pairs):
        assert pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) == value


# --- a cache that works in CI: a shared key, another HOME, another checkout folder ------------


def _packs(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every pack of a cache folder: name -> (mtime in ns, bytes). A miss writes a record."""
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.glob("*.pack")}


def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> Path:
    """A fresh HOME (and no XDG_CACHE_HOME), as on a new CI runner."""
    home = tmp_path / name
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    return home


def test_the_key_from_the_environment_serves_the_cache_under_another_home(
    estate: Path, validations: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CONTRACT_GATE_CACHE_KEY", "a CI secret")
    _home(tmp_path, monkeypatch, "runner-1")
    cold = _run(estate)
    assert len(validations) == 7
    second = _home(tmp_path, monkeypatch, "runner-2")
    warm = _run(estate)
    assert len(validations) == 7  # every file served by the cache
    assert warm == cold
    assert not (second / ".cache").exists()  # no key file: the key is the variable's


def test_an_empty_key_variable_falls_back_to_the_key_file(
    estate: Path, validations: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A pull request from a fork sees the secret as an empty string: a cold run, never an error.
    monkeypatch.setenv("CONTRACT_GATE_CACHE_KEY", "a CI secret")
    _run(estate)
    monkeypatch.setenv("CONTRACT_GATE_CACHE_KEY", "")
    home = _home(tmp_path, monkeypatch, "fork")
    validations.clear()
    _run(estate)
    assert len(validations) == 7
    assert (home / ".cache" / "contract-gate" / "cache-key").is_file()


def _check_cli(estate: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict[str, Any]]:
    """`check` through the per-file records: the whole-run records (test_replay.py) are dropped first."""
    monkeypatch.setenv("CONTRACT_GATE_CACHE_DIR", str(cache))
    shutil.rmtree(cache / RUNS, ignore_errors=True)
    return check_json(estate.relative_to(Path.cwd()))


def test_the_cli_with_the_same_key_and_another_home_rewrites_nothing(
    estate: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cache = tmp_path / "restored-cache"
    monkeypatch.setenv("CONTRACT_GATE_CACHE_KEY", "a CI secret")
    _home(tmp_path, monkeypatch, "runner-1")
    cold = _check_cli(estate, cache, monkeypatch)
    assert len(_records(cache)) == 10  # every file walked, the 7 specs and 3 fragments
    stored = _packs(cache)
    _home(tmp_path, monkeypatch, "runner-2")
    assert _check_cli(estate, cache, monkeypatch) == cold
    assert _packs(cache) == stored  # all hits: nothing written


def test_another_key_misses_everything_and_still_gives_the_same_report(
    estate: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shutil.copytree(SAMPLES / "legacy", estate / "legacy")  # findings and exit code 1
    cache = tmp_path / "cache"
    monkeypatch.setenv("CONTRACT_GATE_CACHE_KEY", "one secret")
    cold = _check_cli(estate, cache, monkeypatch)
    assert cold[0] == 1 and cold[1]["findings"]
    stored = _records(cache)
    monkeypatch.setenv("CONTRACT_GATE_CACHE_KEY", "another secret")
    assert _check_cli(estate, cache, monkeypatch) == cold
    rewritten = _records(cache)
    assert rewritten.keys() == stored.keys()
    assert all(rewritten[name] != stored[name] for name in stored)  # every record signed again
    packs = _packs(cache)
    assert _check_cli(estate, cache, monkeypatch) == cold
    assert _packs(cache) == packs  # and now served


@by_constructor
@dataclass(frozen=True)
class _OldFinding:
    """Finding as an older contract-gate might have had it: fewer fields."""

    rule: str
    message: str


def _pickle_from_other_code(kind: str) -> bytes:
    """A result pickled by code whose classes differ from today's."""
    result = FileResult("estate/orders/openapi.yaml", True)
    if kind == "renamed class":
        # Pickled when contract_gate.engine.checker.FileResult was named FileRecord (same length).
        blob = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        return blob.replace(b"FileResult", b"FileRecord")
    # Pickled while contract_gate.findings.Finding had other fields.
    result.findings = [_OldFinding("spec-invalid", "an old message")]  # type: ignore[list-item]
    real = findings_module.Finding
    _OldFinding.__module__, _OldFinding.__qualname__ = "contract_gate.findings", "Finding"
    findings_module.Finding = _OldFinding  # type: ignore[misc,assignment]
    try:
        return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        findings_module.Finding = real  # type: ignore[misc]
        _OldFinding.__module__, _OldFinding.__qualname__ = __name__, "_OldFinding"


def _result_pickle(payload: bytes) -> bytes:
    stream = io.BytesIO(payload)
    pickle.load(stream)  # the files read and their hashes
    return payload[stream.tell() :]


@pytest.mark.parametrize("damage", ["truncated pickle", "renamed class", "finding with other fields"])
def test_a_record_that_does_not_unpickle_is_a_miss_and_is_written_again(
    estate: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, damage: str
) -> None:
    shutil.copytree(SAMPLES / "legacy", estate / "legacy")
    cache = tmp_path / "cache"
    monkeypatch.setenv("CONTRACT_GATE_CACHE_KEY", "a CI secret")
    cold = _check_cli(estate, cache, monkeypatch)
    stored = _records(cache)

    def damaged(payload: bytes) -> bytes:
        if damage == "truncated pickle":
            return payload[:-5]
        files_read = payload[: len(payload) - len(_result_pickle(payload))]
        return files_read + _pickle_from_other_code(damage)

    _tamper(cache, damaged, signing_key())  # signed with the right key: only unpickling fails
    assert _check_cli(estate, cache, monkeypatch) == cold  # exit code too: never 2
    assert _records(cache) == stored  # every record written again, as it was
    packs = _packs(cache)
    assert _check_cli(estate, cache, monkeypatch) == cold
    assert _packs(cache) == packs  # and now served


def test_the_fingerprint_follows_the_fields_of_the_pickled_classes() -> None:
    leaf = dataclasses.make_dataclass("Leaf", [("value", int)])
    root = dataclasses.make_dataclass("Root", [("leaves", list[leaf | None])])
    reshaped = dataclasses.make_dataclass("Leaf", [("value", int), ("unit", str)])
    root_again = dataclasses.make_dataclass("Root", [("leaves", list[leaf | None])])
    root_reshaped = dataclasses.make_dataclass("Root", [("leaves", list[reshaped | None])])
    assert classes_fingerprint(root) == classes_fingerprint(root_again)
    assert classes_fingerprint(root) != classes_fingerprint(root_reshaped)
    assert classes_fingerprint() == classes_fingerprint(FileResult)


def test_entries_written_by_code_with_other_classes_are_misses(
    estate: Path, validations: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = _run(estate)
    validations.clear()
    monkeypatch.setattr(cache_module, "classes_fingerprint", lambda: "classes with other fields")
    assert _run(estate) == cold
    assert len(validations) == 7


def test_a_cache_restored_into_another_checkout_folder_hits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, validations: list[str]
) -> None:
    monkeypatch.setenv("CONTRACT_GATE_CACHE_KEY", "a CI secret")
    first, second = tmp_path / "runner-1" / "work" / "repo", tmp_path / "runner-2" / "checkout"
    shutil.copytree(SAMPLES / "estate", first / "specs")
    monkeypatch.chdir(first)
    cold = _run(first / "specs")
    assert len(validations) == 7
    shutil.copytree(first, second)  # the checkout and its restored .contract-gate-cache/
    shutil.rmtree(first)
    monkeypatch.chdir(second)
    warm = _run(second / "specs")
    assert len(validations) == 7
    assert warm == cold
    # And the CLI, from the repository root as CI runs it.
    monkeypatch.delenv("CONTRACT_GATE_CACHE_DIR", raising=False)
    code, report = check_json("specs")
    stored = _packs(second / ".contract-gate-cache")
    shutil.copytree(second, first)
    monkeypatch.chdir(first)
    assert check_json("specs") == (code, report)
    assert _packs(first / ".contract-gate-cache") == stored  # copied with their times: nothing written


def test_cache_files_follow_the_umask(estate: Path) -> None:
    for umask, mode in ((0o022, 0o644), (0o077, 0o600)):
        shutil.rmtree(".contract-gate-cache", ignore_errors=True)
        previous = os.umask(umask)
        try:
            _run(estate)
        finally:
            os.umask(previous)
        written = list(Path(".contract-gate-cache").iterdir())
        assert len(written) == 2  # a pack and .gitignore
        assert {p.name: p.stat().st_mode & 0o777 for p in written if p.stat().st_mode & 0o777 != mode} == {}
