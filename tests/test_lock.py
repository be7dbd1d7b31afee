"""The test environment is the lock file: nothing more, nothing less, and the lock fits pyproject."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

from conftest import REPO
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LOCK = REPO / "requirements.lock"
# What `make install` adds beside the lock: the venv's own installer and contract-gate itself.
NOT_LOCKED = {"pip", "contract-gate"}


def _locked() -> dict[str, str]:
    """Pinned versions of the packages the lock installs on this platform and Python."""
    pins: dict[str, str] = {}
    for line in LOCK.read_text().splitlines():
        found = re.match(r"([A-Za-z0-9._-]+)==([^ ;\\]+)\s*(?:;\s*([^\\]+))?", line)
        if found is None:
            continue
        name, version, marker = found.groups()
        if marker is None or Marker(marker.strip()).evaluate():
            pins[canonicalize_name(name)] = version
    return pins


def test_every_lock_entry_has_hashes() -> None:
    entries = re.split(r"\n(?=[A-Za-z])", LOCK.read_text().split("\n", 2)[2])
    assert entries
    for entry in entries:
        assert "--hash=sha256:" in entry, entry.splitlines()[0]


def test_the_venv_holds_exactly_what_the_lock_pins() -> None:
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}
    locked = _locked()
    assert {name: installed.get(name) for name in locked if installed.get(name) != locked[name]} == {}
    assert set(installed) - set(locked) - NOT_LOCKED == set()


def test_the_lock_satisfies_every_range_of_pyproject() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    locked = _locked()
    unmet = []
    for text in wanted:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        version = locked.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            unmet.append(f"{text} (locked: {version})")
    assert unmet == [], "pyproject changed without `make lock`"
