"""Where a snapshot comes from: the git remote and commit of the specs, and the time of export."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from contract_gate.snapshot.codec import Source


def source_of(folder: Path, repository: str | None = None) -> Source:
    """The git remote (`origin`, without credentials) and HEAD commit of `folder`; now, in UTC.

    `repository` (export's --source) replaces the remote. SOURCE_DATE_EPOCH, the reproducible
    builds convention, replaces the time.
    """
    remote = repository if repository is not None else _git(folder, "config", "--get", "remote.origin.url")
    commit = _git(folder, "rev-parse", "--verify", "--quiet", "HEAD")
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    time = datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else datetime.now(UTC)
    return Source(_without_credentials(remote) if remote else None, commit, time.replace(microsecond=0))


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = done.stdout.decode("utf-8", "replace").strip()
    return text if done.returncode == 0 and text else None


def _without_credentials(remote: str) -> str:
    """`https://user:token@host/repo` -> `https://host/repo`: a snapshot is published."""
    parts = urlsplit(remote)
    if parts.scheme and "@" in parts.netloc:
        return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    return remote
