"""The fast paths, behind one door: which of them this process uses, switched on in one place.

Some of contract-gate's speed comes from code that reads or replaces private internals of
its dependencies (docs/fast-paths.md lists each, what it buys and the test that holds it
equal to the reference path). Such code is right only for the versions it was written
for, so the fast paths are used only when every installed version is one of those; else
every file takes the reference path (the dependencies' own code), slower and as right.
The checker asks `reference_path` for each file; `install` acts once per process.
"""

from __future__ import annotations

import functools
import importlib.metadata
import sys

# The dependencies whose internals the fast paths use, and the release series they were
# written and tested for (pyproject pins the same ranges; an install that ignores them,
# with --no-deps or another resolver, gets the reference path instead of a wrong one).
WRITTEN_FOR: dict[str, str] = {
    "rapidyaml": "0.15",  # load/fastyaml.py: node flags, buffer offsets, its JSON emitter
    "jsonschema-path": "0.5",  # validate/fastschema.py: accessor lookups, resolver type names
    "pathable": "0.6",  # validate/fastschema.py: LookupAccessor._get_subnode
    "openapi-spec-validator": "0.9",  # validate/fastschema.py (SchemaValidator); its settings module
    "openapi-schema-validator": "0.9",  # validate/validator_settings.py stands in for its settings
}


def installed_version(distribution: str) -> str | None:
    """The installed version of a distribution, None when it is not installed."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


@functools.cache
def mismatches() -> dict[str, str | None]:
    """The dependencies installed at a version the fast paths were not written for."""
    found = {name: installed_version(name) for name in WRITTEN_FOR}
    return {name: version for name, version in found.items() if not _in_series(version, WRITTEN_FOR[name])}


def _in_series(version: str | None, series: str) -> bool:
    """Version 0.5.3 is in the series 0.5; versions 0.50.1 and 0.6.0 are not."""
    return version is not None and (version == series or version.startswith(f"{series}."))


def usable() -> bool:
    """True when every dependency is at a version the fast paths were written for."""
    return not mismatches()


def reference_path(requested: bool) -> bool:
    """Whether a file is read and validated by the dependencies' own code only (`requested`: asked so)."""
    return requested or not usable()


_installed = False


def install() -> None:
    """Once per process, before the validators are imported: their start-up without what we never use.

    - jsonschema-path is imported while `requests` cannot be (it then falls back to urllib, and
      it never fetches: every URI goes to the confined hook of validate/structure.py);
    - the validators' settings modules are the stand-in of validate/validator_settings.py when
      none of their environment variables is set (pydantic-settings is a third of their import).
    """
    global _installed
    if _installed:
        return
    _installed = True
    if "jsonschema_path" not in sys.modules and "requests" not in sys.modules:
        sys.modules["requests"] = None  # type: ignore[assignment]  # `import requests` raises ImportError
        try:
            import jsonschema_path  # noqa: F401
        finally:
            del sys.modules["requests"]
    if not usable():
        return
    from contract_gate.validate import validator_settings

    if validator_settings.defaults_apply():
        for name in validator_settings.MODULES:
            if name.partition(".")[0] not in sys.modules:
                sys.modules.setdefault(name, validator_settings)
