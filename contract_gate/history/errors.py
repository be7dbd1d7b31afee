"""Errors that mean the gate cannot run (exit 2), of the optional modes that are imported on use."""

from __future__ import annotations


class BaselineError(Exception):
    """A baseline file that cannot be used; the message is one line naming the file."""


class DiffError(Exception):
    """Diff mode cannot run: not in a git repository, an unknown revision, git failing."""
