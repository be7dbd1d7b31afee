"""openapi-spec-validator's schema walk, made fast without changing what it reports.

Its `SchemaValidator.__call__` asks a schema path a dozen `"key" in schema`
questions, each a full reference resolution, and remembers visited schemas in
lists (quadratic on large specs: 14 s of GitHub's 15 s). This walk reads each
schema's resolved value once, answers those questions on the dict, keeps the
visited ids in sets, and descends through schema paths exactly where the
original does, so references and errors resolve as before.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from jsonschema.exceptions import ValidationError
from jsonschema_path import SchemaPath
from jsonschema_path import resolvers as _resolvers
from jsonschema_path.accessors import SchemaAccessor
from openapi_spec_validator.validation.exceptions import ExtraParametersError, OpenAPIValidationError
from pathable.accessors import LookupAccessor, SubscriptableAccessor

_subnode_of_any = SubscriptableAccessor._get_subnode.__func__  # type: ignore[attr-defined]


def _subnode(cls: type, node: Any, part: Any) -> Any:
    # The library asks `isinstance(node, Subscriptable)`, a runtime Protocol check that costs
    # more than the lookup itself (a third of the validation time on large specs). A dict or
    # a list always passes it; anything else takes the library's own path.
    if type(node) is dict or type(node) is list:
        try:
            return node[part]
        except (KeyError, IndexError, TypeError) as exc:
            raise KeyError(part) from exc
    return _subnode_of_any(cls, node, part)


class _TypeOnly:
    """Stands for a generic class where a module names it only in `cast(Cls[T], value)`."""

    def __class_getitem__(cls, item: Any) -> type[_TypeOnly]:
        return cls


# jsonschema-path's resolver evaluates `cast(Resolved[...], ...)` for every step of every lookup;
# each subscript goes through typing's cache (an eighth of the validation time). That module
# uses these two names in type expressions only, so a stand-in changes nothing else.
_TYPE_ONLY_NAMES = {name: getattr(_resolvers, name) for name in ("Resolved", "Resolver")}


_resolved_value = SchemaAccessor.__getitem__


def _value_at(accessor: SchemaAccessor, parts: Sequence[Any]) -> Any:
    """The resolved value at `parts`, as jsonschema-path finds it (`SchemaAccessor.__getitem__`).

    In a spec that is one file (`single_file_root`), a path made of plain keys and `#/...`
    references is followed on the data itself; anything else (a missing key, another file,
    an escaped fragment) is left to the library, which then also raises its own errors.
    """
    root = single_file_root.get()
    if root is not None and accessor._node is root:
        node = _resolved(root, root)
        for part in parts:
            if node is _UNKNOWN or not _holds(node, part):
                break
            node = _resolved(root, node[part])
        else:
            if node is not _UNKNOWN:
                return node
    return _resolved_value(accessor, parts)


def _holds(node: Any, part: Any) -> bool:
    kind = type(node)
    if kind is dict:
        return part in node
    return kind is list and type(part) is int and 0 <= part < len(node)


def _resolved(root: Any, node: Any) -> Any:
    if type(node) is dict and "$ref" in node:
        return _local_target(root, node)
    return node


_lookups = {"fast": False}


def use_fast_lookups(enabled: bool) -> None:
    """Turn the fast path of jsonschema-path's lookups on (fast path) or off (reference path).

    A worker process checks every file one way, so this changes the classes once.
    """
    if _lookups["fast"] == enabled:
        return
    _lookups["fast"] = enabled
    if enabled:
        LookupAccessor._get_subnode = classmethod(_subnode)  # type: ignore[method-assign,assignment]
        SchemaAccessor.__getitem__ = _value_at  # type: ignore[method-assign]
        for name in _TYPE_ONLY_NAMES:
            setattr(_resolvers, name, _TypeOnly)
    else:
        if "_get_subnode" in LookupAccessor.__dict__:
            del LookupAccessor._get_subnode  # the inherited SubscriptableAccessor method again
        SchemaAccessor.__getitem__ = _resolved_value  # type: ignore[method-assign]
        for name, original in _TYPE_ONLY_NAMES.items():
            setattr(_resolvers, name, original)


class _IdSet(set[int]):
    """A set where the original code expects a list (`append`, `in`)."""

    def append(self, item: int) -> None:
        self.add(item)


def _draft4_checker() -> Any:
    try:
        import jsonschema_rs
        from openapi_schema_validator import OAS30Validator

        return jsonschema_rs.Draft4Validator(OAS30Validator.META_SCHEMA, validate_formats=False)
    except Exception:
        return None


_DRAFT4 = _draft4_checker()


_UNKNOWN = object()
# The data of the spec being validated, when it refers to no other file; None otherwise.
single_file_root: contextvars.ContextVar[Any] = contextvars.ContextVar("single_file_root", default=None)
_MAX_REF_HOPS = 64


def _note(known: dict[tuple[Any, ...], Any], parts: tuple[Any, ...], item: Any, root: Any) -> None:
    """Remember a child schema's value: a plain mapping, or where a `#/` chain of a one-file spec ends."""
    if type(item) is not dict or (root is None and "$ref" in item):
        return
    target = _resolved(root, item)
    if target is not _UNKNOWN:
        known[parts] = target


def _local_target(root: Any, item: dict[str, Any]) -> Any:
    """What a chain of `#/...` references ends at, or _UNKNOWN (not local, or not found)."""
    for _ in range(_MAX_REF_HOPS):
        ref = item.get("$ref")
        if type(ref) is not str:
            return item
        if not ref.startswith("#/") or "%" in ref:
            return _UNKNOWN  # another file, or an escaped fragment: the resolver's business
        node = root
        for token in ref[2:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            if type(node) is dict and token in node:
                node = node[token]
            elif type(node) is list and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return _UNKNOWN
        if type(node) is not dict:
            return node
        item = node
    return _UNKNOWN


def _items(schema: SchemaPath, value: Mapping[str, Any], keyword: str) -> Iterator[SchemaPath]:
    """The paths of a list keyword's items, without resolving the list when it is a plain list."""
    items = value[keyword]
    if type(items) is list:
        return (schema / keyword / index for index in range(len(items)))
    return iter(schema / keyword)


class FastSchemaWalk:
    """Mixin for openapi-spec-validator's SchemaValidator classes (put it first in the bases)."""

    visited_schema_ids: Any
    meta_checked_schema_ids: Any

    def __init__(self, registry: Any) -> None:
        super().__init__(registry)  # type: ignore[call-arg]
        self.visited_schema_ids = _IdSet()
        self.meta_checked_schema_ids = _IdSet()
        # Values of child schemas read off their parent's value while walking it, by path parts:
        # resolving each child's path again from the root is most of the walk's time.
        self._child_values: dict[tuple[Any, ...], Any] = {}

    def _validate_schema_meta(self, schema: SchemaPath, schema_value: Any) -> Any:
        # OpenAPI 3.0 / Swagger 2.0 schemas are checked against the draft-04 meta-schema in Python,
        # without formats (`structure.py`). jsonschema-rs answers "valid" far faster; only a schema
        # it rejects goes to the exact check, so every error message is the original's.
        if _DRAFT4 is not None and self._checks_draft4():
            try:
                if _DRAFT4.is_valid(schema_value):
                    return None
            except Exception:  # values rs cannot take (e.g. inf): use the exact check
                pass
        return super()._validate_schema_meta(schema, schema_value)  # type: ignore[misc]

    def _checks_draft4(self) -> bool:
        from openapi_schema_validator import OAS30Validator

        return getattr(self, "schema_validator_cls", None) is OAS30Validator and not hasattr(
            self, "_get_schema_dialect_id"
        )

    def _collect_properties(self, schema: SchemaPath) -> set[str]:
        value = schema.read_value()
        props: set[str] = set()
        if not isinstance(value, Mapping):
            return props
        if "properties" in value:
            props.update(str(k) for k in (schema / "properties").keys())  # noqa: SIM118 - a SchemaPath
        for keyword in ("allOf", "anyOf", "oneOf"):
            if keyword in value:
                for sub in schema / keyword:
                    props.update(self._collect_properties(sub))
        for keyword in ("items", "not"):
            if keyword in value:
                props.update(self._collect_properties(schema / keyword))
        return props

    def __call__(
        self, schema: SchemaPath, require_properties: bool = True, meta_checked: bool = False
    ) -> Iterator[ValidationError]:
        """Check one schema and, once, everything it contains."""
        value = self._child_values.get(schema.parts, _UNKNOWN)
        if value is _UNKNOWN:
            value = schema.read_value()
        if not isinstance(value, Mapping | bool):
            yield OpenAPIValidationError(f"{value!r} is not of type 'object', 'boolean'")
            return
        schema_id = id(value)
        if not meta_checked and schema_id not in self.meta_checked_schema_ids:
            self.meta_checked_schema_ids.append(schema_id)
            error = self._validate_schema_meta(schema, value)
            if error is not None:
                yield error
                return
        if schema_id in self.visited_schema_ids:
            return
        self.visited_schema_ids.append(schema_id)
        if not isinstance(value, Mapping):
            return
        yield from self._walk(schema, value, require_properties)

    def _remember_children(self, parts: tuple[Any, ...], value: Mapping[str, Any]) -> None:
        """Note the values of the child schemas `_walk` descends into, where they are plain to find.

        A child that is a `$ref` is noted only when it points inside a spec that is one file
        (`single_file_root`): then the target is found by its JSON pointer as jsonschema-path
        would find it (siblings of `$ref` ignored, chains followed), without its resolver.
        """
        known = self._child_values
        root = single_file_root.get()
        for keyword in ("allOf", "anyOf", "oneOf"):
            items = value.get(keyword)
            if type(items) is list:
                for index, item in enumerate(items):
                    _note(known, (*parts, keyword, index), item, root)
        for keyword in ("not", "items"):
            _note(known, (*parts, keyword), value.get(keyword), root)
        properties = value.get("properties")
        if type(properties) is dict and "$ref" not in properties:
            for name, item in properties.items():
                _note(known, (*parts, "properties", name), item, root)

    def _walk(
        self, schema: SchemaPath, value: Mapping[str, Any], require_properties: bool
    ) -> Iterator[ValidationError]:
        self._remember_children(schema.parts, value)
        nested_properties: list[str] = []
        if "allOf" in value:
            for inner in _items(schema, value, "allOf"):
                yield from self(inner, require_properties=False, meta_checked=True)
                nested_properties += list(self._collect_properties(inner))
        for keyword in ("anyOf", "oneOf"):
            if keyword in value:
                for inner in _items(schema, value, keyword):
                    yield from self(inner, require_properties=False, meta_checked=True)
        for keyword in ("not", "items"):
            if keyword in value:
                yield from self(schema / keyword, require_properties=False, meta_checked=True)
        properties: Sequence[str] = []
        if "properties" in value:
            props = schema / "properties"
            plain = value["properties"]
            if type(plain) is dict and "$ref" not in plain:
                # The names are the dict's: no need to resolve the path to list them. Each is one
                # part as it is, as SchemaPath.items() makes them: `props / name` would parse it
                # as a path ("#text" loses its "#", "" names `properties` itself).
                for name in plain:
                    child = props._make_child_relpath(name)
                    yield from self(child, require_properties=False, meta_checked=True)
                properties = [str(key) for key in plain]
            else:
                for _, prop_schema in props.items():  # noqa: PERF102 - SchemaPath.values() differs
                    yield from self(prop_schema, require_properties=False, meta_checked=True)
                properties = [str(key) for key in props.keys()]  # noqa: SIM118 - a SchemaPath
        required = value.get("required") or []
        if "allOf" in value:
            extra = list(set(required) - set(properties) - set(nested_properties))
            if extra and require_properties:
                yield ExtraParametersError(f"Required list has not defined properties: {extra}")
        if "default" in value:
            default_value = value["default"]
            nullable = value.get("nullable", False)
            if default_value is not None or nullable is not True:
                yield from self.default_validator(schema, default_value)  # type: ignore[attr-defined]
