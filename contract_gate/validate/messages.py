"""What a structural error says: the reason first, at the innermost place it applies.

A `oneOf`/`anyOf` that no branch satisfies is explained by the branch the value meant: the one
whose `type`, `in` or `flow` it names (or whose `$ref` it has), else the one whose errors go
deepest; then that branch's innermost error, at its own place. An error of openapi-spec-validator's
Rust backend carries no branches, so its place in the OpenAPI schema is checked again with
jsonschema (a few values, only when there are errors). The value appears after the reason, short.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from jsonschema.exceptions import ValidationError
from jsonschema.validators import validator_for

_BRANCHING = ("oneOf", "anyOf")
_DISCRIMINATORS = ("type", "in", "flow")
_MAX_SHOWN = 40
_UNEXPECTED = re.compile(r"\((.+) (?:was|were) unexpected\)")
_TOKEN = "an RFC 9110 token (letters, digits and !#$%&'*+-.^_`|~)"
# Patterns of the OpenAPI schemas said in words: RFC 9110's token (3.2's header and method names)
# and the names of components (3.1, 3.2).
_NAMED_PATTERNS = {
    "^[0-9A-Za-z!#$%&'*+.^_`|~-]+$": _TOKEN,
    "^[a-zA-Z0-9!#$%&'*+.^_`|~-]+$": _TOKEN,
    "^[a-zA-Z0-9._-]+$": "made of letters, digits, `.`, `_` and `-`",
}
_JSON_TYPES = {"object": "an object", "array": "an array", "integer": "an integer", "string": "a string"}


def explain(
    error: Any, root: Mapping[str, Any] | None, document: Any, place: list[str]
) -> tuple[list[str], str] | None:
    """(path below the error's own place, message), or None to keep the validator's message.

    `place` is the path of the error's own place in the document;
    `root` is the OpenAPI schema the document was validated against (for an error of the Rust
    backend, which names its place in it by `schema_path`); `document` the data validated.
    """
    if not isinstance(error, ValidationError):
        return None
    if from_rust(error):
        error = _again_in_python(error, root, document)
        if error is None:
            return None
    chain, leaf, context = _innermost(error, root)
    below = [str(p) for p in chain]
    if "propertyNames" in leaf.absolute_schema_path and isinstance(leaf.instance, str):
        return [*below, leaf.instance], _name_reason(leaf, context)
    return below, _reason(leaf, context, [*place, *below])


def from_rust(error: Any) -> bool:
    """An error of the Rust backend: no keyword of its own, only a `schema_path`."""
    return repr(getattr(error, "validator", None)) == "<unset>"


def keyword_of(error: Any) -> str:
    """The JSON Schema keyword an error is about ("" if it has none)."""
    if from_rust(error):
        return str(error.schema_path[-1]) if error.schema_path else ""
    return str(getattr(error, "validator", "") or "")


def _again_in_python(error: Any, root: Mapping[str, Any] | None, document: Any) -> ValidationError | None:
    """The Rust backend's error as jsonschema reports it, with its branches (None if not found)."""
    schema_path = list(error.schema_path)
    if root is None or not schema_path:
        return None
    keyword = str(schema_path[-1])
    subschema: Any = root
    instance = document
    try:
        for part in schema_path[:-1]:
            subschema = subschema[part]
        for part in error.path:
            # The Rust backend names a key that looks like a number ("200") by the number.
            instance = instance[str(part) if isinstance(instance, Mapping) and part not in instance else part]
    except (KeyError, IndexError, TypeError):
        return None
    validator = _python_validator(root)
    resolved = validator.evolve(schema=subschema, _resolver=validator._resolver)
    found = [e for e in resolved.iter_errors(instance) if e.validator == keyword and not e.path]
    if not found and isinstance(instance, Mapping):
        # A name that breaks `propertyNames`: the Rust error is at the map, the name in its message.
        names = resolved.evolve(schema={"propertyNames": subschema})
        message = str(getattr(error, "message", ""))
        found = [
            e
            for e in names.iter_errors(instance)
            if e.validator == keyword and message.startswith(json.dumps(e.instance, ensure_ascii=False) + " ")
        ]
    return found[0] if found else None


_PYTHON_VALIDATORS: dict[int, tuple[Mapping[str, Any], Any]] = {}


def _python_validator(root: Mapping[str, Any]) -> Any:
    """The jsonschema validator of `root`, made once per schema (its references crawled once)."""
    known = _PYTHON_VALIDATORS.get(id(root))
    if known is None or known[0] is not root:
        known = (root, validator_for(root)(root))
        _PYTHON_VALIDATORS[id(root)] = known
    return known[1]


def _innermost(
    error: ValidationError, root: Mapping[str, Any] | None
) -> tuple[list[Any], ValidationError, str]:
    chain: list[Any] = []
    context = ""
    while error.validator in _BRANCHING and error.context:
        meant, why = _meant_branch(error, root)
        if not meant:
            break
        context = why or context
        best = max(meant, key=_depth)
        chain.extend(list(best.absolute_path)[len(list(error.absolute_path)) :])
        error = best
    return chain, error, context


def _depth(error: ValidationError) -> tuple[int, bool, bool]:
    return (len(error.relative_path), error.validator not in _BRANCHING, error.validator != "required")


def _meant_branch(
    error: ValidationError, root: Mapping[str, Any] | None
) -> tuple[list[ValidationError], str]:
    """The errors of the branch the value meant, and the naming keys that chose it ("" if none did)."""
    by_branch: dict[int, list[ValidationError]] = {}
    for sub in error.context or []:
        if sub.relative_schema_path:
            by_branch.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    listed = error.validator_value if isinstance(error.validator_value, list) else []
    branches = {index: _resolved(listed[index], root) if index < len(listed) else {} for index in by_branch}
    instance = error.instance
    scored = []
    for index, errors in by_branch.items():
        matches, mismatches = _discriminated(branches[index], instance)
        scored.append(((-mismatches, matches, max(len(e.relative_path) for e in errors)), index))
    if not scored:
        return [], ""
    (mismatch, _, _), index = max(scored)
    if mismatch:
        unnamed = _none_named(error, branches)
        return ([unnamed] if unnamed else by_branch[index]), ""
    return by_branch[index], _naming(instance, index, branches)


def _naming(instance: Any, chosen: int, branches: Mapping[int, Any]) -> str:
    """The naming keys whose value another branch does not allow: `type: oauth2`."""
    if not isinstance(instance, Mapping):
        return ""
    named = []
    for key in _DISCRIMINATORS:
        others = [
            _allowed(_properties(branch).get(key)) for index, branch in branches.items() if index != chosen
        ]
        if key in instance and any(
            allowed is not None and instance[key] not in allowed for allowed in others
        ):
            named.append(f"{key}: {instance[key]}")
    return ", ".join(named)


def _none_named(error: ValidationError, branches: Mapping[int, Any]) -> ValidationError | None:
    """An `enum` error on the naming key no branch allows (`in: cookie2`), listing what all allow."""
    instance = error.instance
    if not isinstance(instance, Mapping):
        return None
    for key in _DISCRIMINATORS:
        allowed = [_allowed(_properties(branch).get(key)) for branch in branches.values()]
        if key in instance and allowed and all(a is not None and instance[key] not in a for a in allowed):
            union = list(dict.fromkeys(value for values in allowed for value in values or []))
            return ValidationError(
                f"{instance[key]!r} is not one of {union!r}",
                validator="enum",
                validator_value=union,
                instance=instance[key],
                path=[*error.relative_path, key],
                parent=error.parent,
            )
    return None


def _properties(branch: Any) -> Mapping[str, Any]:
    properties = branch.get("properties") if isinstance(branch, Mapping) else None
    return properties if isinstance(properties, Mapping) else {}


def _discriminated(branch: Any, instance: Any) -> tuple[int, int]:
    """How many of the branch's naming keys the value matches, and how many it contradicts."""
    if not isinstance(branch, Mapping) or not isinstance(instance, Mapping):
        return 0, 0
    matches = mismatches = 0
    properties = _properties(branch)
    for key in _DISCRIMINATORS:
        allowed = _allowed(properties.get(key))
        if allowed is None or key not in instance:
            continue
        if instance[key] in allowed:
            matches += 1
        else:
            mismatches += 1
    required = branch.get("required")
    if isinstance(required, list) and "$ref" in required:
        matches, mismatches = (matches + 1, mismatches) if "$ref" in instance else (matches, mismatches + 1)
    return matches, mismatches


def _allowed(schema: Any) -> list[Any] | None:
    if not isinstance(schema, Mapping):
        return None
    if isinstance(schema.get("enum"), list):
        return list(schema["enum"])
    return [schema["const"]] if "const" in schema else None


def _resolved(branch: Any, root: Mapping[str, Any] | None) -> Any:
    for _ in range(8):
        ref = branch.get("$ref") if isinstance(branch, Mapping) else None
        if not isinstance(ref, str) or root is None or "#/" not in ref:
            return branch
        node: Any = root
        for token in ref.split("#/", 1)[1].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or token not in node:
                return branch
            node = node[token]
        branch = node
    return branch


def _reason(error: ValidationError, context: str, path: list[str]) -> str:
    keyword = error.validator
    value = error.validator_value
    instance = error.instance
    field = _field(path)
    where = f" ({context})" if context else ""
    if keyword == "required" and isinstance(instance, Mapping) and isinstance(value, list):
        missing = [name for name in value if name not in instance]
        names = ", ".join(f"`{name}`" for name in missing) or str(value)
        plural = "s" if len(missing) > 1 else ""
        return f"the field{plural} {names} must be present here{where}"
    if keyword in ("additionalProperties", "unevaluatedProperties"):
        extra = _UNEXPECTED.search(error.message)
        names = extra.group(1) if extra else "some fields"
        return f"{names} not allowed here{where}"
    if keyword == "not" and _excluded(value):
        names = " and ".join(f"`{name}`" for name in value["required"])
        return f"{names} are mutually exclusive: keep one of them{where}"
    if keyword == "type":
        wanted = " or ".join(_JSON_TYPES.get(t, f"a {t}") for t in _listed(value))
        return f"{field} must be {wanted}{where}; found {_shown(instance)}"
    if keyword in ("enum", "const"):
        options = ", ".join(_shown(v) for v in _listed(value))
        lead = "one of " if keyword == "enum" else ""
        return f"{field} must be {lead}{options}{where}; found {_shown(instance)}"
    if keyword == "pattern":
        return f"{field} must {_matching(value)}{where}; found {_shown(instance)}"
    if keyword in _BRANCHING:
        return f"{field} matches none of the forms allowed here{where}; found {_shown(instance)}"
    shown = repr(instance)
    message = error.message
    rest = message[len(shown) :].strip() if message.startswith(shown) else message
    return f"{field} {rest}{where}; found {_shown(instance)}" if rest != message else f"{message}{where}"


def _name_reason(error: ValidationError, context: str) -> str:
    """What is wrong with a name (a key that breaks `propertyNames`), said at the name."""
    where = f" ({context})" if context else ""
    name = _shown(error.instance)
    if error.validator == "pattern":
        return f"the name {name} must {_matching(error.validator_value)}{where}"
    return f"the name {name} is not allowed here{where}"


def _matching(pattern: Any) -> str:
    named = _NAMED_PATTERNS.get(pattern) if isinstance(pattern, str) else None
    return f"be {named}" if named else f"match the pattern {pattern}"


def _excluded(value: Any) -> bool:
    """`not: {required: [a, b]}`: fields that must not appear together."""
    if not isinstance(value, Mapping) or list(value) != ["required"]:
        return False
    names = value["required"]
    return isinstance(names, list) and len(names) == 2 and all(isinstance(name, str) for name in names)


def _field(path: list[str]) -> str:
    if not path:
        return "the value"
    if path[-1].isdigit():
        return f"`{path[-2]}[{path[-1]}]`" if len(path) > 1 else f"item {path[-1]}"
    return f"`{path[-1]}`"


def _listed(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list) else [value]


def _shown(value: Any) -> str:
    """A short excerpt of a value, as JSON."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def without_consequences(items: Iterable[tuple[str, str, Any]]) -> list[tuple[str, str, Any]]:
    """Drop an `unevaluatedProperties` complaint where another error at or under its place explains it."""
    listed = list(items)
    places = [pointer for pointer, kind, _ in listed if kind != "unevaluatedProperties"]
    return [
        item
        for item in listed
        if item[1] != "unevaluatedProperties"
        or not any(p == item[0] or p.startswith(item[0] + "/") for p in places)
    ]
