"""Structural validation with openapi-spec-validator: every error, each with a place.

Import it after `engine.fast_paths.install()`, which trims the validators' start-up.

The validator is given the resolver's sanitized data and a retrieval hook that
only serves files the resolver already confined and loaded, for every URI
scheme, so it never opens a socket or a file of its own. Its OpenAPI-specific
checks report no location; each keyword check is wrapped so that an error
carries the path of the object it was checking.

The document is validated against the OpenAPI Initiative's newest schemas (`official.py`), not the
older ones openapi-spec-validator ships; its keyword (semantic) checks are its own.
Its checks leave `format` out (the document's, and the meta-check of each Schema Object),
whichever JSON Schema backend it uses: formats are `spec-format`, judged by `formats.py`.
In OpenAPI 3.1/3.2, Schema Objects of another JSON Schema dialect are left out (`dialects.py`).
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Iterator
from functools import cache, partial
from typing import Any

from jsonschema_path import SchemaPath
from openapi_spec_validator.schemas.backend import get_validator_backend
from openapi_spec_validator.schemas.backend.jsonschema import create_validator
from openapi_spec_validator.schemas.backend.jsonschema_rs import JsonschemaRsValidatorWrapper
from openapi_spec_validator.validation import (
    OpenAPIV2SpecValidator,
    OpenAPIV30SpecValidator,
    OpenAPIV31SpecValidator,
    OpenAPIV32SpecValidator,
)
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from openapi_spec_validator.validation.keywords import SchemaValidator, ValueValidator

from contract_gate.findings import Problem
from contract_gate.load import pointer as jp
from contract_gate.load.loader import Document
from contract_gate.load.refs import RefResolver
from contract_gate.validate import dialects, official
from contract_gate.validate.fastschema import FastSchemaWalk, single_file_root, use_fast_lookups
from contract_gate.validate.messages import explain, keyword_of, without_consequences
from contract_gate.validate.rules import SPEC_INVALID

_MAX_MESSAGE = 300
_OPERATION_IN_PATH = re.compile(r"for '(\w+)'(?: operation)? in '([^']+)'")
_VERSIONS: dict[str, Any] = {
    "2.0": OpenAPIV2SpecValidator,
    "3.0": OpenAPIV30SpecValidator,
    "3.1": OpenAPIV31SpecValidator,
    "3.2": OpenAPIV32SpecValidator,
}


def spec_version(data: dict[str, Any]) -> tuple[str | None, str | None]:
    """(version family to validate with, or None; a message when the version is wrong)."""
    if "swagger" in data:
        value = data["swagger"]
        if value == "2.0":
            return "2.0", None
        if value == 2.0:
            return "2.0", 'swagger: 2.0 is a number; quote it: swagger: "2.0"'
        return None, f'swagger: {value!r} is not supported; contract-gate reads Swagger "2.0"'
    value = data.get("openapi")
    if isinstance(value, int | float) and not isinstance(value, bool):
        family = _number_family(value)
        if family is None:
            return None, 'openapi: must be a version string such as "3.0.3"'
        message = f'openapi: {family} is a number; quote the full version, e.g. openapi: "{family}.0"'
        return (family if family in _VERSIONS else None), message
    if isinstance(value, str):
        family = ".".join(value.split(".")[:2])
        if family in _VERSIONS:
            return family, None
    return None, f"openapi: {value!r} is not a supported version (3.0.x, 3.1.x or 3.2.x)"


def _number_family(value: float) -> str | None:
    """3.0 -> "3.0", 3 -> "3.0"; None for numbers that cannot be a version (huge, inf, nan)."""
    if isinstance(value, int) and abs(value) >= 100:
        return None
    if isinstance(value, float) and not (math.isfinite(value) and abs(value) < 100):
        return None
    return f"{value:.1f}"


def validate_structure(
    document: Document, family: str, resolver: RefResolver, reported: list[str], fast: bool = True
) -> list[Problem]:
    """One `spec-invalid` problem per structural error, except at places in `reported`.

    `reported` holds pointers already explained by another finding (a broken `$ref`
    emptied before validation, a wrong version), so one mistake is one finding.
    """
    use_fast_lookups(fast)
    validator_cls = _confined(family, fast)
    data = resolver.sanitized(document)
    schema_path = SchemaPath.from_dict(
        data,
        base_uri=resolver.real(document.path).as_uri(),
        handlers=_AllSchemes(resolver.retrieve),
    )
    validator = validator_cls(schema_path)
    problems: list[Problem] = []
    found: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    one_file = fast and len(resolver.documents()) <= 1
    root_token = single_file_root.set(data if one_file else None)
    root_schema = openapi_schema(family)
    notes = dialects.notes_for(family, data, resolver)
    notes_token = dialects.unchecked.set(notes)
    try:
        for error in _iter_errors(validator):
            parts = jp.split(_pointer_of(error))
            # A Schema Object's meta-check error is about the meta-schema, not the OpenAPI schema.
            schema = None if isinstance(error, OpenAPIValidationError) else root_schema
            explained = explain(error, schema, data, parts)
            if explained is not None:
                parts = [*parts, *explained[0]]
            message = explained[1] if explained is not None else _message_of(error)
            pointer = jp.join(*jp.canonical(document.data, parts))
            if (pointer, message) in seen or _under(pointer, reported):
                continue
            seen.add((pointer, message))
            found.append((pointer, keyword_of(error), message))
    except RecursionError:
        problems.append(_stopped(document, "the document nests or refers to itself too deeply"))
    except Exception:
        # Its keyword checks assume a schema-valid document; on a broken one they crash on what
        # the schema errors already reported, or on a broken `$ref` emptied before validation
        # (reported as such: `reported`). Only a crash with nothing reported is news.
        if not found and not reported:
            problems.append(_stopped(document, "it met a value its checks could not handle"))
    finally:
        single_file_root.reset(root_token)
        dialects.unchecked.reset(notes_token)
    explained_problems = [
        Problem(SPEC_INVALID, message, document.display, pointer, discriminator=message)
        for pointer, _, message in without_consequences(found)
    ]
    return dialects.unchecked_problems(document, notes) + explained_problems + problems


def _iter_errors(validator: Any) -> Iterator[Any]:
    # SpecValidator.iter_errors memoizes every validator (and its document) forever.
    yield from validator.schema_validator.iter_errors(validator.schema)
    yield from validator.root_validator(validator.schema_path)


def _under(pointer: str, prefixes: list[str]) -> bool:
    return any(pointer == p or pointer.startswith(p + "/") for p in prefixes)


def _stopped(document: Document, why: str) -> Problem:
    return Problem(
        SPEC_INVALID,
        f"openapi-spec-validator stopped early on this document ({why}); its remaining checks did not run",
        document.display,
        discriminator="stopped",
    )


def _pointer_of(error: Any) -> str:
    path = [str(p) for p in getattr(error, "absolute_path", None) or []]
    # Keyword checks report paths relative to the object they checked (tagged as parts).
    parts = list(getattr(error, "contract_gate_parts", None) or [])
    if path or parts:
        return jp.join(*parts, *path)
    match = _OPERATION_IN_PATH.search(str(getattr(error, "message", "")))
    if match:
        return jp.join("paths", match.group(2), match.group(1))
    return ""


def _message_of(error: Any) -> str:
    message = _first_line(str(getattr(error, "message", error)))
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 3] + "..."


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


class _AllSchemes(dict[str, Callable[[str], Any]]):
    """A handler table that answers for every URI scheme with one confined hook."""

    def __init__(self, hook: Callable[[str], Any]) -> None:
        super().__init__()
        self._hook = hook

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> Callable[[str], Any]:
        return self._hook

    def get(self, key: str, default: Any = None) -> Callable[[str], Any]:
        return self._hook


@cache
def _confined(family: str, fast: bool = True) -> Any:
    """A validator class whose keyword checks tag their errors with where they looked, formats left out."""
    base = _VERSIONS[family]
    keywords = {
        name: _located(_dialect_aware(family, _fast(_formatless(check)) if fast else _formatless(check)))
        for name, check in base.keyword_validators.items()
    }
    namespace = {"keyword_validators": keywords, "schema_validator": _formatless_schema_validator(family)}
    return type(f"Located{base.__name__}", (base,), namespace)


def openapi_schema(family: str) -> dict[str, Any]:
    """The OpenAPI schema of a version family (the newest published iteration), read once."""
    return official.schema(family)


@cache
def _formatless_schema_validator(family: str) -> Any:
    """The library's validator of the document against the OpenAPI schema, without `format`.

    Every `$ref` of the schema is inside it or to a meta-schema both backends hold: nothing is fetched.
    """
    schema = openapi_schema(family)
    if get_validator_backend() == "jsonschema-rs":
        import jsonschema_rs

        rust = jsonschema_rs.validator_cls_for(schema)(schema, validate_formats=False, offline=True)
        return JsonschemaRsValidatorWrapper(schema, validator=rust)
    return create_validator(schema)  # jsonschema without a format checker


def _formatless(check: Any) -> Any:
    """The same keyword check, with no `format` asserted on schemas (their meta-check)."""
    if issubclass(check, SchemaValidator):
        return type(check.__name__, (_SchemaMetaWithoutFormats, check), {})
    if issubclass(check, ValueValidator):
        return type(check.__name__, (_ValueSkippingForeignPatterns, check), {})
    return check


class _SchemaMetaWithoutFormats:
    def _get_schema_checker(self, schema: SchemaPath, schema_value: Any) -> Callable[[Any], None]:
        checker = super()._get_schema_checker(schema, schema_value)  # type: ignore[misc]
        return partial(checker, format_checker=None)


class _ValueSkippingForeignPatterns:
    def __call__(self, schema: SchemaPath, value: Any) -> Iterator[Any]:
        # A `pattern` Python's `re` cannot compile (ECMA-262's `\p{L}`, `(?<name>…)`) cannot judge a
        # default; the pattern itself is `spec-format`'s business.
        try:
            yield from super().__call__(schema, value)  # type: ignore[misc]
        except re.error:
            return


def _fast(check: Any) -> Any:
    """The same keyword check, with the schema walk replaced by the fast equivalent."""
    if issubclass(check, SchemaValidator):
        return type(check.__name__, (FastSchemaWalk, check), {})
    return check


def _dialect_aware(family: str, check: Any) -> Any:
    """The same keyword check, leaving Schema Objects of a foreign dialect unchecked (3.1/3.2)."""
    if family in dialects.FAMILIES and issubclass(check, SchemaValidator):
        return type(check.__name__, (dialects.DialectSkipping, check), {})
    return check


def _located(check: Any) -> Any:
    def __call__(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
        parts = next((a.parts for a in args if isinstance(a, SchemaPath)), None)
        for error in check.__call__(self, *args, **kwargs):
            if parts and not getattr(error, "contract_gate_parts", None):
                with contextlib.suppress(AttributeError):
                    error.contract_gate_parts = tuple(str(p) for p in parts)
            yield error

    return type(check.__name__, (check,), {"__call__": __call__})
