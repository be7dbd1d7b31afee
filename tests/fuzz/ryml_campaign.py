"""A crash hunt in rapidyaml: `make fuzz-rapidyaml FUZZ_SECONDS=120`.

rapidyaml is C++: an input that crashes it kills the process, which no `try` can
catch. This campaign feeds it generated YAML (token soup weighted towards flow
collections, properties and indicators, and lines of real specs with tokens
spliced in) in child processes, notes each input that kills the child, shrinks it
to a minimal form and reports it twice:

- *raw*: what kills `ryml.parse_in_place` itself (crash families of the library);
- *guarded*: what kills `contract_gate.load.fastyaml.parse_fast`, the way every spec is
  read. This must stay empty: the fast path must send such inputs to libyaml.

Exit status 1 when a guarded crash was found. Each new family belongs in
`tests/test_fastyaml.py`'s CRASHING_INPUTS, with a guard in `fastyaml` for it.
Run by hand: `.venv/bin/python tests/fuzz/ryml_campaign.py --seconds 60 --seed 1`.
"""

from __future__ import annotations

import argparse
import random
import struct
import subprocess
import sys
import time
from pathlib import Path

_CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

_TOKENS = [
    "{", "}", "[", "]", ", ", ",", ": ", ":", "? ", "?", "- ", "-", " ", "  ", "\n", "\n  ", "\t",
    "!a ", "!a", "!!str ", "!<tag:x> ", "! ", "&a ", "&a", "*a ", "*a", "|", "|-\n  ", ">", ">+\n ",
    "'x'", "'", '"y"', '"', "x", "key", "1", "~", "#c", "# c\n", "---\n", "...\n", "%YAML 1.2\n",
    "%TAG ! tag:x:\n", "<<: ", "@", "`", "%", "\\", "\r\n", "\r", "\x85", "\u2028", "\ufeff", "é",
]  # fmt: skip
_WEIGHTED = ["{", "[", "!a ", "&a ", "*a ", "? ", ": ", ", ", "}", "]"]

# The child reads inputs (4-byte length, then UTF-8) from stdin and writes each index (4 bytes)
# before parsing it, so the parent knows which input killed it.
_CHILD = r"""
import os, struct, sys
mode = sys.argv[1]
if mode == "raw":
    import ryml
    def parse(text):
        try:
            tree = ryml.parse_in_place(bytearray(text.encode("utf-8")))
            ryml.emit_json(tree, tree.root_id())
        except Exception:
            pass
else:
    from contract_gate.load.fastyaml import parse_fast
    from contract_gate.load.limits import Limits
    limits = Limits(max_file_size=1_000_000, max_depth=64, max_nodes=200_000)
    def parse(text):
        try:
            parse_fast(text, limits)
        except Exception:
            pass
devnull = os.open(os.devnull, os.O_WRONLY)
os.dup2(devnull, 2)
read, out = sys.stdin.buffer.read, sys.stdout.buffer
index = 0
while True:
    head = read(4)
    if len(head) < 4:
        break
    text = read(struct.unpack("<I", head)[0]).decode("utf-8")
    out.write(struct.pack("<I", index)); out.flush()
    parse(text)
    index += 1
"""


def _soup(rng: random.Random) -> str:
    tokens = [rng.choice(_WEIGHTED if rng.random() < 0.4 else _TOKENS) for _ in range(rng.randint(1, 40))]
    return "".join(tokens)


def _spliced(rng: random.Random, lines: list[str]) -> str:
    start = rng.randrange(len(lines))
    chosen = lines[start : start + rng.randint(1, 12)]
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(chosen))
        line = chosen[at]
        cut = rng.randint(0, len(line))
        chosen[at] = line[:cut] + _soup(rng) + line[cut:]
    return "\n".join(chosen) + "\n"


def _corpus_lines(rng: random.Random) -> list[str]:
    files = sorted(_CORPUS.rglob("*.yaml"))[:400] if _CORPUS.is_dir() else []
    lines: list[str] = []
    for path in rng.sample(files, min(20, len(files))):
        lines.extend(path.read_text(encoding="utf-8", errors="replace").splitlines()[:400])
    return lines or ["openapi: 3.0.3", "info: {title: t, version: '1'}", "paths: {}"]


def _run_batch(mode: str, inputs: list[str]) -> int | None:
    """Index of the first input that killed the child, or None when it got through all."""
    payload = b"".join(struct.pack("<I", len(data)) + data for data in (i.encode("utf-8") for i in inputs))
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, mode], input=payload, capture_output=True, timeout=600
    )
    if child.returncode >= 0:
        return None
    seen = child.stdout
    return struct.unpack("<I", seen[-4:])[0] if len(seen) >= 4 else 0


def _crashes(mode: str, text: str) -> bool:
    return _run_batch(mode, [text]) is not None


def _shrink(mode: str, text: str) -> str:
    """Delta debugging by characters: drop chunks while the input still crashes."""
    chunk = max(1, len(text) // 2)
    while chunk >= 1:
        at, changed = 0, False
        while at < len(text):
            candidate = text[:at] + text[at + chunk :]
            if candidate and _crashes(mode, candidate):
                text, changed = candidate, True
            else:
                at += chunk
        if not changed:
            chunk //= 2
    return text


def _hunt(
    mode: str, rng: random.Random, lines: list[str], deadline: float, batch: int
) -> tuple[int, set[str]]:
    ran, found = 0, set()
    while time.monotonic() < deadline:
        inputs = [_soup(rng) if rng.random() < 0.5 else _spliced(rng, lines) for _ in range(batch)]
        while inputs:
            crashed = _run_batch(mode, inputs)
            if crashed is None:
                ran += len(inputs)
                break
            ran += crashed + 1
            found.add(_shrink(mode, inputs[crashed]))
            inputs = inputs[crashed + 1 :]
    return ran, found


def main() -> int:
    """Hunt for the given time; print what crashed; exit 1 if the guarded path crashed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--batch", type=int, default=2000)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    rng = random.Random(seed)
    lines = _corpus_lines(rng)
    half = args.seconds / 2
    raw_ran, raw = _hunt("raw", rng, lines, time.monotonic() + half, args.batch)
    guarded_ran, guarded = _hunt("guarded", rng, lines, time.monotonic() + half, args.batch)
    print(f"seed {seed}: {raw_ran:,} inputs to rapidyaml, {guarded_ran:,} to parse_fast")
    print(f"rapidyaml itself crashed on {len(raw)} minimal input(s):")
    for text in sorted(raw, key=len):
        print(f"  {text!r}  (parse_fast: {'CRASHES' if _crashes('guarded', text) else 'guarded'})")
    print(f"parse_fast crashed on {len(guarded)} minimal input(s):")
    for text in sorted(guarded, key=len):
        print(f"  {text!r}")
    return 1 if guarded or any(_crashes("guarded", text) for text in raw) else 0


if __name__ == "__main__":
    sys.exit(main())
