"""How long `contract-gate portal` takes on a large estate, and how large its pages get.

Not part of the test suite (a timing on a shared machine is no test). It generates COUNT small
services (bench/estate_gen.py, the same bytes on every machine), then times with the venv's
`contract-gate`, each with --no-cache so the gate's checks count too:
    first build    into an empty folder
    rebuild        the same specs again: every file is compared, none is written
    one change     one spec's SLO changed: only the files that show it are written

    .venv/bin/python bench/portal_scale.py [COUNT]      # default 1000; results in docs/portal.md
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from estate_gen import generate

CONTRACT_GATE = Path(sys.executable).parent / "contract-gate"


def timed(specs: Path, site: Path) -> tuple[float, str]:
    """Seconds of one `contract-gate portal` run and what it said."""
    start = time.perf_counter()
    ran = subprocess.run(
        [str(CONTRACT_GATE), "portal", str(specs), "-o", str(site), "--no-cache"],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if ran.returncode != 0:
        raise SystemExit(f"portal exited {ran.returncode}: {ran.stderr}")
    return elapsed, ran.stderr.strip().splitlines()[-1]


def main(argv: list[str]) -> int:
    """`portal_scale.py [COUNT]`."""
    count = int(argv[0]) if argv else 1000
    with tempfile.TemporaryDirectory() as folder:
        specs, site = Path(folder) / "specs", Path(folder) / "site"
        paths = generate(count, specs)
        for label in ("first build", "rebuild"):
            seconds, said = timed(specs, site)
            print(f"{label:12} {seconds:6.1f} s  {said}")
        text = paths[0].read_text("utf-8")
        paths[0].write_text(text.replace("x-slo-p99: 100ms", "x-slo-p99: 90ms", 1), "utf-8")
        seconds, said = timed(specs, site)
        print(f"{'one change':12} {seconds:6.1f} s  {said}")
        files = [p for p in site.rglob("*") if p.is_file()]
        largest = max(files, key=lambda p: p.stat().st_size)
        print(f"{len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB in all")
        for name in ("index.html", "graph.svg"):
            print(f"{name}: {(site / name).stat().st_size / 1e6:.2f} MB")
        print(f"largest file: {largest.relative_to(site)} ({largest.stat().st_size / 1e6:.2f} MB)")
        shutil.rmtree(site)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
