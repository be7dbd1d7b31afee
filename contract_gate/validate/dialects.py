"""Schema Objects of another JSON Schema dialect (OpenAPI 3.1/3.2) are left unchecked, and said so.

A root `jsonSchemaDialect`, or a schema's own `$schema`, may name any dialect; openapi-spec-validator
then checks the schema against whatever that URI is, or fails on it ("Unknown JSON Schema dialect").
Only the OpenAPI dialects and JSON Schema 2020-12 are judged here: `DialectSkipping` leaves every
other schema out of the walk and out of its parent's meta-check, on both paths alike, and notes it.
The OpenAPI dialects are those openapi-schema-validator knows and the vendored newest iterations
(`official.py`), registered with jsonschema here so that their meta-schemas resolve locally.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema.exceptions import SchemaError, ValidationError
from jsonschema.validators import extend, validates, validator_for
from jsonschema_path import SchemaPath
from jsonschema_specifications import REGISTRY as JSON_SCHEMA_REGISTRY
from openapi_schema_validator import (
    OAS31_BASE_DIALECT_ID,
    OAS32_BASE_DIALECT_ID,
    OAS31Validator,
    OAS32Validator,
)
from referencing import Registry, Resource

from contract_gate.findings import Problem
from contract_gate.load import pointer as jp
from contract_gate.load.loader import Document
from contract_gate.load.refs import RefResolver
from contract_gate.validate import official
from contract_gate.validate.rules import SCHEMA_DIALECT_UNCHECKED

_JSON_SCHEMA_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def _registered(version: str, base: Any) -> str:
    """The vendored dialect of `version`, known to jsonschema as `base` with that meta-schema; its id.

    Its meta-schema refers to the vocabulary's (`meta`): both are read from the vendored files,
    never fetched. A dialect jsonschema already knows (openapi-schema-validator's) is left as it is.
    """
    dialect = official.contents(version, "dialect")
    dialect_id: str = dialect["$id"]
    if validator_for({"$schema": dialect_id}, default=None) is not None:
        return dialect_id
    meta = official.contents(version, "meta")
    registry: Registry[Any] = JSON_SCHEMA_REGISTRY.with_resources(
        (item["$id"], Resource.from_contents(item)) for item in (dialect, meta)
    )

    def check_schema(cls: Any, schema: Any, format_checker: Any = None) -> None:
        checker = validator_for(cls.META_SCHEMA)(
            cls.META_SCHEMA, format_checker=format_checker, registry=registry
        )
        for error in checker.iter_errors(schema):
            raise SchemaError.create_from(error)

    validator = extend(base, {})
    validator.META_SCHEMA = dialect
    validator.check_schema = classmethod(check_schema)
    validates(f"oas{version}-{official.entry(version, 'dialect')['iteration']}")(validator)
    return dialect_id


KNOWN = frozenset(
    {
        OAS31_BASE_DIALECT_ID,
        OAS32_BASE_DIALECT_ID,
        _registered("3.1", OAS31Validator),
        _registered("3.2", OAS32Validator),
        _JSON_SCHEMA_2020_12,
        _JSON_SCHEMA_2020_12 + "#",
    }
)
FAMILIES = frozenset({"3.1", "3.2"})
# Keywords whose values are data, not schemas: a `$schema` key in them names no dialect.
_VALUES = frozenset({"default", "const", "enum", "examples", "example"})


class Unchecked:
    """What one validation left unchecked: the root's foreign dialect, and schemas naming their own."""

    def __init__(self, root_dialect: str | None) -> None:
        self.root_dialect = root_dialect
        # id of the schema value -> (path parts where first met, the dialect its `$schema` names)
        self.schemas: dict[int, tuple[tuple[str, ...], str]] = {}

    def note(self, value: Any, parts: tuple[str, ...], dialect: str) -> None:
        """Note a schema left unchecked for the dialect its own `$schema` names, where first met."""
        self.schemas.setdefault(id(value), (parts, dialect))


# Set by `structure.validate_structure` while it validates a document with a foreign dialect.
unchecked: contextvars.ContextVar[Unchecked | None] = contextvars.ContextVar("unchecked", default=None)


def notes_for(family: str, data: dict[str, Any], resolver: RefResolver) -> Unchecked | None:
    """What to note of foreign dialects while validating; None where the document names none."""
    if family not in FAMILIES:
        return None
    root = foreign_root_dialect(data)
    others = [other.data for other in resolver.documents()]
    if root is None and not has_foreign_dialect([data, *others]):
        return None
    return Unchecked(root)


def unchecked_problems(document: Document, notes: Unchecked | None) -> list[Problem]:
    """One `schema-dialect-unchecked` problem for the root's dialect, and one per schema naming its own."""
    if notes is None:
        return []
    problems = []
    if notes.root_dialect is not None:
        message = (
            f"jsonSchemaDialect {notes.root_dialect!r} is neither the OpenAPI dialect nor JSON Schema"
            " 2020-12: the Schema Objects of this document were left unchecked"
        )
        problems.append(Problem(SCHEMA_DIALECT_UNCHECKED, message, document.display, "/jsonSchemaDialect"))
    for parts, dialect in notes.schemas.values():
        pointer = jp.join(*jp.canonical(document.data, [*parts, "$schema"]))
        message = (
            f"$schema {dialect!r} is neither the OpenAPI dialect nor JSON Schema 2020-12:"
            " this Schema Object was left unchecked"
        )
        problems.append(Problem(SCHEMA_DIALECT_UNCHECKED, message, document.display, pointer))
    return problems


def foreign_root_dialect(data: Mapping[str, Any]) -> str | None:
    """The root `jsonSchemaDialect` when it names a dialect not judged here; None otherwise."""
    value = data.get("jsonSchemaDialect")
    return value if isinstance(value, str) and value not in KNOWN else None


def has_foreign_dialect(documents: list[Any]) -> bool:
    """Whether any of these values names a foreign `$schema` anywhere (a cheap walk, no resolving)."""
    stack = list(documents)
    while stack:
        node = stack.pop()
        if type(node) is dict:
            value = node.get("$schema")
            if isinstance(value, str) and value not in KNOWN:
                return True
            stack.extend(node.values())
        elif type(node) is list:
            stack.extend(node)
    return False


def _foreign(value: Any, root_dialect: str | None) -> tuple[bool, str | None]:
    """(left unchecked, the dialect its own `$schema` names when that is why)."""
    if not isinstance(value, Mapping) or "$schema" not in value:
        return root_dialect is not None, None
    own = value["$schema"]
    if not isinstance(own, str):
        return False, None  # the validator's own "Unknown JSON Schema dialect" error
    return own not in KNOWN, own if own not in KNOWN else None


def _pruned(value: Any, parts: tuple[str, ...], notes: Unchecked) -> Any:
    """The schema with every subschema of a foreign `$schema` replaced by `true` (anything goes), noted."""
    if isinstance(value, Mapping):
        return {
            key: item if key in _VALUES else _pruned_child(item, (*parts, str(key)), notes)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_pruned_child(item, (*parts, str(index)), notes) for index, item in enumerate(value)]
    return value


def _pruned_child(value: Any, parts: tuple[str, ...], notes: Unchecked) -> Any:
    own = _foreign(value, None)[1]
    if own is None:
        return _pruned(value, parts, notes)
    notes.note(value, parts, own)
    return True


class DialectSkipping:
    """Mixin for openapi-spec-validator's 3.1/3.2 SchemaValidator classes (put it first in the bases)."""

    def __call__(
        self, schema: SchemaPath, require_properties: bool = True, meta_checked: bool = False
    ) -> Iterator[ValidationError]:
        """Check the schema as the validator does, unless it is of a foreign dialect."""
        notes = unchecked.get()
        if notes is not None:
            value = schema.read_value()
            skip, own = _foreign(value, notes.root_dialect)
            if skip:
                if own is not None:
                    notes.note(value, tuple(str(p) for p in schema.parts), own)
                return
        yield from super().__call__(schema, require_properties, meta_checked)  # type: ignore[misc]

    def _validate_schema_meta(self, schema: SchemaPath, schema_value: Any) -> Any:
        notes = unchecked.get()
        if notes is not None and has_foreign_dialect([schema_value]):
            schema_value = _pruned(schema_value, tuple(str(p) for p in schema.parts), notes)
        return super()._validate_schema_meta(schema, schema_value)  # type: ignore[misc]
