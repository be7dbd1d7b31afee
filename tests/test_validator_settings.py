"""The validators' settings stand-in: the same names and default values as the real modules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from contract_gate.validate import validator_settings

REAL_VALUES = """
import json, sys, types
import openapi_spec_validator.settings as spec
import openapi_schema_validator.settings as schema

def defined(module):
    return sorted(
        name for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
        and getattr(value, "__module__", module.__name__) == module.__name__
    )

names = {m.__name__: defined(m) for m in (spec, schema)}
made = spec.OpenAPISpecValidatorSettings()
values = {
    "resolved_cache_maxsize": spec.get_resolved_cache_maxsize(),
    "schema_validator_backend": spec.get_schema_validator_backend(),
    "made": [made.resolved_cache_maxsize, made.schema_validator_backend],
    "compiled_validator_cache_max_size": schema.get_settings().compiled_validator_cache_max_size,
    "constants": [spec.ENV_PREFIX, spec.RESOLVED_CACHE_MAXSIZE_DEFAULT, spec.SCHEMA_VALIDATOR_BACKEND_DEFAULT,
                  sorted(spec.SCHEMA_VALIDATOR_BACKEND_ALLOWED)],
    "stand_in": spec.__file__.endswith("validator_settings.py"),
    "pydantic": "pydantic" in sys.modules,
}
print(json.dumps({"names": names, "values": values}))
"""


# What a checking process does before it imports the validator (contract_gate/engine/checker.py).
INSTALLED = (
    "from contract_gate.engine import fast_paths\n"
    "fast_paths.install()\n"
    "import contract_gate.validate.structure\n"
)


def _clean_environment(**extra: str) -> dict[str, str]:
    prefixes = tuple(prefix.lower() for prefix in validator_settings.PREFIXES)
    kept = {name: value for name, value in os.environ.items() if not name.lower().startswith(prefixes)}
    return {**kept, **extra}


def _run(code: str, env: dict[str, str], cwd: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env, cwd=cwd
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_stand_in_has_every_name_and_default_of_the_real_modules(tmp_path: Path) -> None:
    real = _run(REAL_VALUES, _clean_environment(), tmp_path)
    stand_in = _run(INSTALLED + REAL_VALUES, _clean_environment(), tmp_path)
    names = real["names"]
    assert isinstance(names, dict)
    for module, public in names.items():
        assert public, module
        assert [name for name in public if not hasattr(validator_settings, name)] == [], module
    real_values, stand_in_values = dict(real["values"]), dict(stand_in["values"])  # type: ignore[call-overload]
    assert real_values.pop("stand_in") is False and stand_in_values.pop("stand_in") is True
    assert real_values.pop("pydantic") is True
    assert stand_in_values.pop("pydantic") is False, "the validators' import pulled pydantic in anyway"
    assert stand_in_values == real_values


@pytest.mark.parametrize(
    ("name", "value", "key", "expected"),
    [
        ("OPENAPI_SPEC_VALIDATOR_RESOLVED_CACHE_MAXSIZE", "7", "resolved_cache_maxsize", 7),
        (
            "openapi_spec_validator_schema_validator_backend",
            "jsonschema",
            "schema_validator_backend",
            "jsonschema",
        ),
        (
            "OPENAPI_SCHEMA_VALIDATOR_COMPILED_VALIDATOR_CACHE_MAX_SIZE",
            "3",
            "compiled_validator_cache_max_size",
            3,
        ),
    ],
)
def test_a_set_variable_is_read_by_the_real_modules(
    tmp_path: Path, name: str, value: str, key: str, expected: object
) -> None:
    values = _run(
        INSTALLED + REAL_VALUES,
        _clean_environment(**{name: value}),
        tmp_path,
    )
    seen = dict(values["values"])  # type: ignore[call-overload]
    assert seen["stand_in"] is False
    assert seen[key] == expected
