"""atheris (libFuzzer) target for the loader: `make fuzz FUZZ_SECONDS=60`.

Every input is written to a temporary `.yaml` and a `.json` file and read with
`contract_gate.load.loader.load_document`, and also decoded and handed to
`contract_gate.load.yamlparse.parse_yaml`. The only exceptions expected are the ones
that become findings: `LoadError`, `YamlError` and `LimitExceeded`. Anything
else escapes and libFuzzer saves the input as a crash (see `-artifact_prefix`).

Run by hand: `.venv/bin/python tests/fuzz/fuzz_loader.py CORPUS_DIR -max_total_time=60`
(libFuzzer flags; `-help=1` lists them). A crash file replays with
`.venv/bin/python tests/fuzz/fuzz_loader.py CRASH_FILE`.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["contract_gate"]):
    from contract_gate.load.limits import LimitExceeded, Limits
    from contract_gate.load.loader import LoadError, load_document
    from contract_gate.load.yamlparse import YamlError, parse_yaml

# Smaller than the defaults so that one input stays cheap (the defaults are for 13 MB specs).
LIMITS = Limits(max_file_size=1_000_000, max_depth=64, max_nodes=200_000)
_WORK = Path(tempfile.mkdtemp(prefix="contract-gate-fuzz-"))
_FILES = (_WORK / "input.yaml", _WORK / "input.json")


def test_one_input(data: bytes) -> None:
    """One libFuzzer input through both entry points."""
    for path in _FILES:
        path.write_bytes(data)
        try:
            load_document(path, LIMITS)
        except LoadError as error:
            assert error.rule, "a LoadError names the rule of its finding"
    with contextlib.suppress(YamlError, LimitExceeded):
        parse_yaml(data.decode("utf-8", errors="replace"), LIMITS)


def main() -> None:
    """Hand the command line to libFuzzer."""
    sys.setrecursionlimit(20_000)  # as check_file does in the worker processes
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
