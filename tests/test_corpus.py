"""Every real spec of ../shared/corpus through the gate, checked against openapi-spec-validator.

The corpus is split into SHARDS parametrized tests (file i of manifest.txt goes to
shard i % SHARDS) so that `pytest -n 2 --dist loadgroup` spreads it over both
workers. Each shard runs contract-gate once, in-process, on all of its files,
and then the reference: openapi-spec-validator used through its own Python API
(its reader, `get_validator_cls`, `iter_errors`), on the same files.

The reference must never touch the network nor read files outside the corpus:
its validator is built from a SchemaPath whose handler table answers for every
URI scheme with `_read_local`, which serves files under the corpus only and {}
for anything else; and sockets are refused while a shard runs (which also
checks that contract-gate itself never opens one).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pytest
from conftest import CORPUS, invoke
from jsonschema_path import SchemaPath
from openapi_spec_validator.readers import read_from_filename
from openapi_spec_validator.shortcuts import get_validator_cls
from openapi_spec_validator.validation.validators import SpecValidator

pytestmark = pytest.mark.corpus

MANIFEST = CORPUS / "manifest.txt"
SHARDS = 8

Verdict = Literal["valid", "invalid", "unreadable"]


@dataclass(frozen=True)
class Disagreement:
    """A file on which contract-gate and openapi-spec-validator legitimately differ."""

    reference: Verdict  # what openapi-spec-validator (PyYAML, YAML 1.1) says
    contract_gate: Verdict  # what contract-gate (YAML 1.2, lenient where lenient parsers are) says
    why: str


_TAB = (
    "a TAB-only blank line inside a block scalar (line {}): libyaml refuses it, lenient parsers"
    " (Redocly, Spectral, contract-gate's fallback, which adds a yaml-lenient warning) read it."
)
_ADYEN_31 = (
    " Read that way the OpenAPI 3.1 document is invalid, and openapi-spec-validator agrees when given"
    " the same data: a root key `source:` (unevaluatedProperties) and `default: [<all available types>]`"
    " outside the enum of sdkUiType."
)
_EQUALS = (
    "a bare `=` plain scalar (line {}): PyYAML resolves it to YAML 1.1's `value` tag and has no"
    " constructor for it; YAML 1.2 (contract-gate) reads the string '='."
)

# Checked by hand, one by one. Every other file of the corpus must get the same verdict from both.
# contract-gate validates against the newest OpenAPI schemas (validate/oas_schemas), the reference
# against the older ones it ships: on this corpus they give the same verdicts.
# Files both read the same way but where YAML 1.1 and 1.2 still differ in data without changing the
# verdict are not listed (sexagesimal `12:30`, `on`/`off`/`no` in enums of already invalid or
# string-typed values, `2016_01_28`, ...; e.g. fec.gov, beezup.com, ticketmaster.com, api2cart.com).
DISAGREEMENTS: dict[str, Disagreement] = {
    # The specification text is stricter than openapi-spec-validator here (the text wins).
    "apis-guru/avaza.com/v1/swagger.yaml": Disagreement(
        "valid",
        "invalid",
        "Swagger 2.0, Parameter Object: a type file parameter's consumes MUST be multipart/form-data"
        " or application/x-www-form-urlencoded; POST /api/Expense/Attachment consumes"
        " application/form-data (line 884), which openapi-spec-validator does not check.",
    ),
    # The reference cannot read these at all (its reader raises), so it gives no verdict.
    "apis-guru/adyen.com/CheckoutService/40/openapi.yaml": Disagreement(
        "unreadable", "invalid", _TAB.format(4804) + _ADYEN_31
    ),
    "apis-guru/adyen.com/CheckoutService/66/openapi.yaml": Disagreement(
        "unreadable", "invalid", _TAB.format(5007) + _ADYEN_31
    ),
    "apis-guru/adyen.com/PayoutService/50/openapi.yaml": Disagreement(
        "unreadable", "invalid", _TAB.format(991) + _ADYEN_31
    ),
    "apis-guru/adyen.com/PayoutService/68/openapi.yaml": Disagreement(
        "unreadable", "invalid", _TAB.format(1151) + _ADYEN_31
    ),
    "apis-guru/adyen.com/PayoutService/46/openapi.yaml": Disagreement(
        "unreadable",
        "invalid",
        _TAB.format(542) + " Read that way this OpenAPI 3.0 document is invalid, and openapi-spec-validator"
        " agrees when given the same data: quoted defaults ('true', 'false', '60') of boolean/integer"
        " schemas and a string default of an array schema.",
    ),
    "apis-guru/docusign.net/v2.1/openapi.yaml": Disagreement(
        "unreadable",
        "valid",
        "U+0083 (a C1 control character, 7 times in descriptions, first at line 43239): PyYAML refuses"
        " it, lenient parsers read it (yaml-lenient warning); the data read is valid, and"
        " openapi-spec-validator agrees when given the same data.",
    ),
    "apis-guru/atlassian.com/jira/1001.0.0-SNAPSHOT/openapi.yaml": Disagreement(
        "unreadable",
        "valid",
        _EQUALS.format(27386)
        + " With it the document is valid (openapi-spec-validator agrees on that data).",
    ),
    "apis-guru/azure.com/cognitiveservices-LUIS-Authoring/2.0/swagger.yaml": Disagreement(
        "unreadable",
        "invalid",
        _EQUALS.format(4904) + " The document is then invalid as openapi-spec-validator reads Swagger 2.0:"
        " `type: file` outside a form parameter (2 places; the same rule makes opendatasoft.com and the"
        " windows.net batch specs invalid for both tools).",
    ),
    # Both read it, but YAML 1.1 and YAML 1.2 give different data, and the verdict follows the data.
    "apis-guru/surevoip.co.uk/9dcb0dc8/openapi.yaml": Disagreement(
        "invalid",
        "valid",
        "parameter schema `type: string, enum: [yes, no], default: yes` of GET /: YAML 1.1 reads"
        " yes/no as booleans (True is not of type 'string'), YAML 1.2 as strings, which is valid.",
    ),
    # `format` is spec-format (a warning), judged as the specifications say (issue 15).
    "apis-guru/amazonaws.com/redshift/2012-12-01/openapi.yaml": Disagreement(
        "invalid",
        "valid",
        "patterns such as `^[\\p{L}_][\\p{L}\\p{N}@$#_]+$` are ECMA-262 (the dialect OpenAPI names);"
        " openapi-spec-validator judges them by Python's `re`, which has no `\\p{L}`.",
    ),
    "apis-guru/prss.org/2.0.0/swagger.yaml": Disagreement(
        "invalid",
        "valid",
        "relative `authorizationUrl`/`tokenUrl`/`externalDocs.url` break `format: uri`: spec-format"
        " warnings; openapi-spec-validator's Rust backend asserts formats, its Python one does not.",
    ),
    "apis-guru/twinehealth.com/v7.78.1/swagger.yaml": Disagreement(
        "invalid", "valid", "a relative `tokenUrl: /oauth/token` breaks `format: uri`: a spec-format warning."
    ),
    "apis-guru/azure.com/servicebus/2017-04-01/swagger.yaml": Disagreement(
        "invalid", "valid", "an empty `url` breaks `format: uri`: a spec-format warning."
    ),
}


def _manifest() -> list[str]:
    return [line.strip() for line in MANIFEST.read_text(encoding="utf-8").splitlines() if line.strip()]


def _shard(index: int) -> list[str]:
    return _manifest()[index::SHARDS]


def _heaviest_first() -> list[int]:
    """Shard numbers, those with the most bytes first, so the big specs (GitHub's 13 MB) start early."""
    if not MANIFEST.is_file():
        return list(range(SHARDS))

    def size(index: int) -> int:
        return sum((CORPUS / rel).stat().st_size for rel in _shard(index) if (CORPUS / rel).is_file())

    return sorted(range(SHARDS), key=size, reverse=True)


# ---------------------------------------------------------------- the reference, confined


def _inside_corpus(path: Path) -> bool:
    root = CORPUS.resolve()
    real = path.resolve()
    return real.is_file() and root in real.parents


def _read_local(uri: str) -> Any:
    """The reference's only way to follow a $ref: a file under the corpus, else {}."""
    parts = urlsplit(uri)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return {}
    path = Path(url2pathname(unquote(parts.path)))
    if not _inside_corpus(path):
        return {}
    spec, _ = read_from_filename(str(path))
    return spec


class _LocalOnly(dict[str, Callable[[str], Any]]):
    """A handler table that answers for every URI scheme with `_read_local`."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> Callable[[str], Any]:
        return _read_local

    def get(self, key: str, default: Any = None) -> Callable[[str], Any]:
        return _read_local


@dataclass(frozen=True)
class ReferenceResult:
    verdict: Verdict
    errors: list[str]


def _reference(rel: str) -> ReferenceResult:
    """openapi-spec-validator's verdict on one corpus file, with no network and no outside file."""
    path = CORPUS / rel
    assert _inside_corpus(path), rel
    try:
        spec, file_uri = read_from_filename(str(path.resolve()))
    except Exception as error:  # PyYAML refuses the file: no verdict
        return ReferenceResult("unreadable", [f"{type(error).__name__}: {error}"])
    validator_cls = get_validator_cls(spec)
    schema_path = SchemaPath.from_dict(spec, base_uri=file_uri, handlers=_LocalOnly())
    validator = validator_cls(schema_path)
    try:
        errors = [str(getattr(e, "message", e)).splitlines()[0] for e in validator.iter_errors()]
    finally:
        _forget_validators()
    return ReferenceResult("invalid" if errors else "valid", errors)


def _forget_validators() -> None:
    # SpecValidator.iter_errors is an lru_cache keyed by the validator: it would keep every spec alive.
    cached = getattr(SpecValidator.iter_errors, "__wrapped__", None)
    if cached is not None and hasattr(cached, "cache_clear"):
        cached.cache_clear()


# ---------------------------------------------------------------- contract-gate


def _no_network(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError(f"network access attempted during the corpus check: {args!r}")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse every socket connection and name lookup for the duration of the test."""
    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    monkeypatch.setattr(socket, "getaddrinfo", _no_network)


def _contract_gate(files: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, Any]:
    """`contract-gate check FILES --format json` from the corpus folder, refs confined to it."""
    config = tmp_path / "contract-gate.toml"
    # The config pins defaults (no config file of the surroundings is used) and the ref root.
    config.write_text(f"ref-root = {json.dumps(str(CORPUS.resolve()))}\n", encoding="utf-8")
    monkeypatch.chdir(CORPUS)
    result = invoke("--config", config, "check", *files, "--format", "json")
    assert result.exit_code != 2, result.stderr
    return result.exit_code, json.loads(result.stdout)


def _placed(finding: dict[str, Any]) -> bool:
    line, column = finding.get("line"), finding.get("column")
    return isinstance(line, int) and isinstance(column, int) and line >= 1 and column >= 1


@pytest.mark.parametrize("shard", _heaviest_first(), ids=lambda i: f"shard{i}of{SHARDS}")
def test_corpus_shard(shard: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: None) -> None:
    if not MANIFEST.is_file():
        pytest.skip(f"the corpus is absent ({MANIFEST} not found)")
    files = _shard(shard)
    assert files, f"shard {shard} is empty"

    code, report = _contract_gate(files, tmp_path, monkeypatch)

    # 1. Every file loaded and reported, no internal error, every finding placed.
    assert code == 1, f"exit code {code}: the corpus must fail the gate (1), never stop it (2)"
    findings = report["findings"]
    internal = [f for f in findings if "internal error" in f["message"].lower()]
    assert not internal, json.dumps(internal[:5], indent=1)
    reported = {s["file"] for s in report["services"]} | {f["file"] for f in findings if f.get("file")}
    missing = [f for f in files if f not in reported]
    assert not missing, f"files neither a service nor in a finding: {missing}"
    unplaced = [f for f in findings if f.get("file") and not _placed(f)]
    assert not unplaced, json.dumps(unplaced[:5], indent=1)
    # No spec of the corpus declares calls: alignment is n/a (never 100%) and no pair exists.
    assert report["pairs"] == []
    assert report["metrics"]["alignment"]["percent"] is None
    assert not any(f["rule"] == "threshold-alignment" for f in findings)

    # 2. Structural validity: the same verdict as openapi-spec-validator, but for the listed files.
    invalid_by_gate: dict[str, list[str]] = {}
    for finding in findings:
        if finding["rule"] == "spec-invalid" and finding.get("file"):
            invalid_by_gate.setdefault(finding["file"], []).append(finding["message"])
    problems = []
    for rel in files:
        reference = _reference(rel)
        gate: Verdict = "invalid" if rel in invalid_by_gate else "valid"
        known = DISAGREEMENTS.get(rel)
        expected = (known.reference, known.contract_gate) if known else (reference.verdict, reference.verdict)
        if (reference.verdict, gate) != expected:
            problems.append(
                f"{rel}: openapi-spec-validator {reference.verdict} {reference.errors[:3]},"
                f" contract-gate {gate} {invalid_by_gate.get(rel, [])[:3]}"
                + (f"; listed as reference {known.reference}, gate {known.contract_gate}" if known else "")
            )
    assert not problems, "\n".join(problems)


def test_disagreements_are_in_the_manifest() -> None:
    if not MANIFEST.is_file():
        pytest.skip(f"the corpus is absent ({MANIFEST} not found)")
    manifest = set(_manifest())
    assert not set(DISAGREEMENTS) - manifest, "a listed disagreement names a file the corpus no longer has"
    assert all(d.reference != d.contract_gate for d in DISAGREEMENTS.values())


def test_reference_reads_nothing_outside_the_corpus(offline: None) -> None:
    if not MANIFEST.is_file():
        pytest.skip(f"the corpus is absent ({MANIFEST} not found)")
    handlers = _LocalOnly()
    assert all(scheme in handlers for scheme in ("http", "https", "ftp", "file", "urn", ""))
    assert handlers["https"] is _read_local and handlers.get("http") is _read_local
    assert _read_local("https://example.com/spec.yaml") == {}
    assert _read_local(Path("/etc/hostname").as_uri()) == {}
    assert _read_local((CORPUS / ".." / "SPEC.md").resolve().as_uri()) == {}
    first = CORPUS / _manifest()[0]
    assert _read_local(first.resolve().as_uri()) == read_from_filename(str(first))[0]
