"""The estate at scale (issue 17): `check` of generated estates of 1k, 5k and 20k services.

Part of `make bench` (bench/run.py writes its section into docs/benchmarks.md), and runnable
alone: `make bench-estate` (`python bench/scale.py`) measures only this and rewrites only its
section of docs/benchmarks.md, between the markers below, leaving the peers' tables as they are.

For each size, bench/estate_gen.py writes the estate (ten operations and about twenty x-calls
per service) and contract-gate checks it:
    cold      `--no-cache`, so every file is read, validated and modelled
    warm      with the result cache filled by one untimed run, nothing changed since (replayed
              from the run's record, contract_gate/engine/run_record.py)
    changed   the same, after a comment was added to one spec: every other file's result from
              the cache, the estate analysis and the reports done again
    analysis  `analyze` and `compute_metrics` alone, timed inside a warm run (bench/estate_timing.py)
At the target size the code of BENCH_SCALE_BASE (the commit before the scale work) is measured
too, alternated run by run with today's, and the two JSON reports must be byte-identical.

Targets (issue 17, point 5): at 5,000 services cold `check` at most 0.6 times the base code's and
a warm re-run at most 2 s; the estate analysis linear in pairs (its time per pair at the largest
size at most 1.5 times that at the smallest); `score` of a 5,000-service snapshot at most 10 s and
1 GB (`measure_snapshot_score`: the estate exported once, its snapshot scored).

Settings (environment variables):
    BENCH_SCALE_SIZES      comma list of estate sizes (default 1000,5000,20000)
    BENCH_SCALE_TARGET     the size the targets are judged at (default 5000)
    BENCH_SCALE_RUNS       runs of each measurement up to the target size (default 3)
    BENCH_SCALE_BIG_RUNS   runs above it (default 1: a cold 20,000-service check takes minutes)
    BENCH_SCALE_BASE       git revision measured beside today's code at the target size
                           (default 7add069, before the scale work; "none" skips it)
    BENCH_TIMEOUT, BENCH_JOBS, BENCH_OUTPUT, BENCH_NETNS as for bench/run.py
"""

from __future__ import annotations

import datetime as dt
import filecmp
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from estate_gen import generate
from run import (
    MB,
    QUIET_ENV,
    REPO,
    VENV_BIN,
    Sample,
    _env_int,
    _env_list,
    git_state,
    measure,
    netns_prefix,
    print_failure,
)

BEGIN, END = "<!-- estate-scale: begin (bench/scale.py) -->", "<!-- estate-scale: end -->"
DEFAULT_BASE = "7add069"
TARGET_COLD_RATIO = 0.6
TARGET_WARM_SECONDS = 2.0
LINEAR_SLACK = 1.5
SNAPSHOT_SECONDS, SNAPSHOT_MB = 10.0, 1024
HEAD = (
    "| services | code | operations | calls | pairs | runs | cold wall s | cold CPU s | cold largest "
    "process MB | cold tree RSS MB | warm wall s | warm CPU s | warm largest process MB | one spec changed "
    "wall s | analyze s | metrics s | µs per pair | report |\n"
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
)


@dataclass
class Code:
    """A version of contract-gate to run: today's (the repo) or a base revision's sources."""

    label: str
    root: Path  # the folder holding contract_gate/, put first on PYTHONPATH


@dataclass
class Row:
    """The measurements of one code version on one estate size."""

    size: int
    code: str
    cold: list[Sample] = field(default_factory=list)
    warm: list[Sample] = field(default_factory=list)
    changed: list[Sample] = field(default_factory=list)  # warm, but one spec edited before each run
    analysis: dict[str, float] = field(default_factory=dict)
    same_report: bool | None = None  # as the other code's, where both ran


@dataclass
class Scale:
    """Everything the section shows."""

    rows: list[Row]
    target: int
    snapshot: str
    snapshot_met: bool
    base: str
    took: float


def median(samples: list[Sample], attribute: str) -> float:
    """Median of one attribute of the samples."""
    return statistics.median(getattr(s, attribute) for s in samples)


def base_code(work: Path, revision: str) -> Code | None:
    """The sources of `revision` (contract_gate/ only) unpacked under `work`, or None."""
    if revision.lower() == "none":
        return None
    try:
        blob = subprocess.run(
            ["git", "-C", str(REPO), "archive", revision, "contract_gate"], capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"bench: estate scale: no base code at {revision}: {error}", file=sys.stderr)
        return None
    root = work / f"base-{revision}"
    with tarfile.open(fileobj=io.BytesIO(blob)) as archive:
        archive.extractall(root, filter="data")
    return Code(f"base {revision}", root)


class Runner:
    """Runs `python -m contract_gate` of one code version on the estates, in $WORK."""

    def __init__(self, work: Path, prefix: list[str], timeout: float) -> None:
        self.work, self.prefix, self.timeout = work, prefix, timeout
        jobs = os.environ.get("BENCH_JOBS", "")
        self.jobs = ["--jobs", jobs] if jobs else []

    def env(self, code: Code, cache: Path) -> dict[str, str]:
        """The environment of a run: this code first on the path, its own cache folder."""
        return {
            **os.environ,
            **QUIET_ENV,
            "PYTHONPATH": str(code.root),
            "CONTRACT_GATE_CACHE_DIR": str(cache),
        }

    def check(self, code: Code, estate: str, out: Path, cache: Path, cold: bool, label: str) -> Sample:
        """One timed `check ESTATE --format json`, printed."""
        argv = [*self.prefix, str(VENV_BIN / "python"), "-m", "contract_gate", "check", estate]
        argv += ["--format", "json", "-o", str(out), *self.jobs, *(["--no-cache"] if cold else [])]
        sample = measure(argv, self.work, self.env(code, cache), out, self.timeout)
        print(
            f"  {label:<34} {estate:<12}: {sample.wall:8.2f} s  tree {sample.tree_rss / MB:6.0f} MB  "
            f"largest {sample.max_rss / MB:6.0f} MB  cpu {sample.cpu:7.1f} s  "
            f"others' cpu {sample.others_cpu:6.1f} s  exit {sample.code}",
            flush=True,
        )
        print_failure(sample, out)
        return sample

    def analysis(self, code: Code, estate: str, cache: Path) -> dict[str, float]:
        """`analyze` and `compute_metrics` timed inside a warm `check` (bench/estate_timing.py)."""
        result, out = self.work / "timing.json", self.work / "timing.out"
        # Without the run's record (contract_gate/engine/run_record.py): a replayed run analyses nothing.
        shutil.rmtree(cache / "runs", ignore_errors=True)
        script = str(Path(__file__).with_name("estate_timing.py"))
        argv = [*self.prefix, str(VENV_BIN / "python"), script, str(result), "check", estate]
        argv += ["--format", "json", "-o", str(out), *self.jobs]
        done = subprocess.run(
            argv, cwd=self.work, env=self.env(code, cache), capture_output=True, check=False
        )
        if done.returncode not in (0, 1) or not result.exists():
            print(
                f"bench: estate timing failed: {done.stderr.decode(errors='replace')[-500:]}", file=sys.stderr
            )
            return {}
        figures: dict[str, float] = json.loads(result.read_text("utf-8"))
        result.unlink()
        print(
            f"  {f'estate analysis ({code.label})':<34} {estate:<12}: analyze {figures['analyze']:6.2f} s"
            f"  metrics {figures['metrics']:6.2f} s  {figures['pairs']:,} pairs",
            flush=True,
        )
        return figures


def measure_size(runner: Runner, codes: list[Code], size: int, runs: int) -> list[Row]:
    """Cold runs (the codes alternated), then warm runs and the analysis of each code."""
    estate = f"estate-{size}"
    generate(size, runner.work / estate)
    for path in (runner.work / estate).rglob("*.yaml"):
        path.read_bytes()  # into the page cache, so no run pays the first disk read
    rows = [Row(size, code.label) for code in codes]
    outs = {code.label: runner.work / f"{estate}-{index}.json" for index, code in enumerate(codes)}
    for _ in range(runs):
        for code, row in zip(codes, rows, strict=True):
            cache = runner.work / "no-cache"
            row.cold.append(runner.check(code, estate, outs[code.label], cache, True, f"cold ({code.label})"))
    for code, row in zip(codes, rows, strict=True):
        cache = runner.work / f"cache-{size}-{code.label.replace(' ', '-')}"
        shutil.rmtree(cache, ignore_errors=True)
        prime = runner.work / "prime.json"
        runner.check(code, estate, prime, cache, False, f"(priming the cache, {code.label})")
        for _ in range(runs):
            row.warm.append(runner.check(code, estate, prime, cache, False, f"warm ({code.label})"))
        row.changed = one_spec_changed(runner, code, estate, cache, runs)
        row.analysis = runner.analysis(code, estate, cache)
        shutil.rmtree(cache, ignore_errors=True)
        if not filecmp.cmp(prime, outs[code.label], shallow=False):
            print(f"bench: WARNING: {code.label}: the warm report differs from the cold one", flush=True)
    if len(codes) > 1:
        same = filecmp.cmp(outs[codes[0].label], outs[codes[1].label], shallow=False)
        for row in rows:
            row.same_report = same
        print(f"  reports of {' and '.join(c.label for c in codes)}: {'identical' if same else 'DIFFERENT'}")
    shutil.rmtree(runner.work / estate, ignore_errors=True)
    return rows


def one_spec_changed(runner: Runner, code: Code, estate: str, cache: Path, runs: int) -> list[Sample]:
    """Warm runs after a new comment in one spec each time: no run record to replay, one file to check."""
    spec = min((runner.work / estate).rglob("*.yaml"))
    original = spec.read_bytes()
    out = runner.work / "changed.json"
    samples = []
    try:
        for run in range(runs):
            spec.write_bytes(original + f"# edited before run {run}\n".encode())
            samples.append(runner.check(code, estate, out, cache, False, f"one spec changed ({code.label})"))
    finally:
        spec.write_bytes(original)
    return samples


def measure_snapshot_score(runner: Runner, code: Code, size: int) -> tuple[str, bool]:
    """`score` of a snapshot of `size` services (SPEC §11), BENCH_SCALE_RUNS runs: what the table says, met.

    The snapshot is exported once from the generated estate (the export is not timed: the
    repositories' own jobs pay for it); the score reads it and parses no spec.
    """
    env = runner.env(code, runner.work / "no-cache")
    estate, snapshot = f"estate-{size}", runner.work / "snapshot.json"
    generate(size, runner.work / estate)
    export = [
        str(VENV_BIN / "python"),
        "-m",
        "contract_gate",
        "export",
        estate,
        "-o",
        str(snapshot),
        "--no-cache",
    ]
    exported = subprocess.run(export, cwd=runner.work, env=env, capture_output=True, check=False)
    shutil.rmtree(runner.work / estate, ignore_errors=True)
    if exported.returncode != 0 or not snapshot.is_file():
        return f"export failed (exit {exported.returncode}): {exported.stderr.decode()[-300:]}", False
    megabytes = snapshot.stat().st_size / MB
    argv = [*runner.prefix, str(VENV_BIN / "python"), "-m", "contract_gate", "score", str(snapshot)]
    samples = [
        measure([*argv, "--format", "json"], runner.work, env, runner.work / "score.out", runner.timeout)
        for _ in range(_env_int("BENCH_SCALE_RUNS", 3))
    ]
    wall, rss = median(samples, "wall"), median(samples, "max_rss") / MB
    codes = {sample.code for sample in samples}
    met = wall <= SNAPSHOT_SECONDS and rss <= SNAPSHOT_MB and codes == {0}
    said = f"{wall:.2f} s, {rss:.0f} MB (median of {len(samples)}; snapshot {megabytes:.0f} MB, exit {codes})"
    return said, met


def run_scale(work: Path, prefix: list[str]) -> Scale:
    """Measure every size; the base code too at the target size."""
    started = time.perf_counter()
    sizes = [int(size) for size in _env_list("BENCH_SCALE_SIZES", ["1000", "5000", "20000"])]
    target = _env_int("BENCH_SCALE_TARGET", 5000)
    runner = Runner(work, prefix, float(_env_int("BENCH_TIMEOUT", 900)))
    today = Code("today", REPO)
    revision = os.environ.get("BENCH_SCALE_BASE", DEFAULT_BASE).strip() or DEFAULT_BASE
    base = base_code(work, revision)
    rows: list[Row] = []
    for size in sizes:
        runs = _env_int("BENCH_SCALE_RUNS", 3) if size <= target else _env_int("BENCH_SCALE_BIG_RUNS", 1)
        codes = [base, today] if base is not None and size == target else [today]
        print(
            f"estate scale: {size:,} services, {runs} run(s) of {', '.join(c.label for c in codes)}",
            flush=True,
        )
        rows.extend(measure_size(runner, codes, size, runs))
    snapshot, snapshot_met = measure_snapshot_score(runner, today, target)
    print(f"  score of a {target:,}-service snapshot: {snapshot}", flush=True)
    return Scale(rows, target, snapshot, snapshot_met, revision, time.perf_counter() - started)


def targets(scale: Scale) -> list[str]:
    """The targets of issue 17 as table rows: measured, met or missed."""
    today = {row.size: row for row in scale.rows if row.code == "today"}
    base = next((row for row in scale.rows if row.code != "today"), None)
    lines = []
    at = today.get(scale.target)
    if at is not None and base is not None and at.cold and base.cold:
        ratio = median(at.cold, "wall") / median(base.cold, "wall")
        cpu = median(at.cold, "cpu") / median(base.cold, "cpu")
        lines.append(
            f"| cold `check`, {scale.target:,} services | ≤ {TARGET_COLD_RATIO} x base | "
            f"{median(at.cold, 'wall'):.2f} s ÷ {median(base.cold, 'wall'):.2f} s = {ratio:.2f} "
            f"(CPU: {cpu:.2f}) | {'met' if ratio <= TARGET_COLD_RATIO else 'MISSED'} |"
        )
    if at is not None and at.warm:
        warm = median(at.warm, "wall")
        before = f"; base {median(base.warm, 'wall'):.2f} s" if base is not None and base.warm else ""
        lines.append(
            f"| warm re-run, {scale.target:,} services | ≤ {TARGET_WARM_SECONDS:g} s | {warm:.2f} s "
            f"(CPU {median(at.warm, 'cpu'):.1f} s{before}) | "
            f"{'met' if warm <= TARGET_WARM_SECONDS else 'MISSED'} |"
        )
    per_pair = {size: us for size, row in today.items() if (us := _per_pair(row)) is not None}
    if len(per_pair) >= 2:
        small, large = min(per_pair), max(per_pair)
        growth = per_pair[large] / per_pair[small]
        lines.append(
            f"| estate analysis linear in pairs | µs per pair at {large:,} ≤ {LINEAR_SLACK} x at {small:,} | "
            f"{per_pair[large]:.1f} ÷ {per_pair[small]:.1f} = {growth:.2f} | "
            f"{'met' if growth <= LINEAR_SLACK else 'MISSED'} |"
        )
    lines.append(
        f"| `score` of a {scale.target:,}-service snapshot | ≤ {SNAPSHOT_SECONDS:g} s and "
        f"{SNAPSHOT_MB / 1024:g} GB | {scale.snapshot} | {'met' if scale.snapshot_met else 'MISSED'} |"
    )
    return lines


def _per_pair(row: Row) -> float | None:
    """Microseconds of the estate analysis (analyze + compute_metrics) per pair."""
    figures = row.analysis
    if not figures.get("pairs"):
        return None
    return (figures["analyze"] + figures["metrics"]) / figures["pairs"] * 1e6


def section(scale: Scale) -> str:
    """The Markdown section, between its markers."""
    rows = []
    for row in scale.rows:
        figures = row.analysis
        per_pair = _per_pair(row)
        same = "" if row.same_report is None else ("identical" if row.same_report else "DIFFERENT")
        rows.append(
            f"| {row.size:,} | {row.code} | {figures.get('operations', 0):,} | {figures.get('calls', 0):,} | "
            f"{figures.get('pairs', 0):,} | {len(row.cold)} | {median(row.cold, 'wall'):.2f} | "
            f"{median(row.cold, 'cpu'):.1f} | {median(row.cold, 'max_rss') / MB:.0f} | "
            f"{median(row.cold, 'tree_rss') / MB:.0f} | {median(row.warm, 'wall'):.2f} | "
            f"{median(row.warm, 'cpu'):.1f} | {median(row.warm, 'max_rss') / MB:.0f} | "
            f"{median(row.changed, 'wall'):.2f} | "
            f"{figures.get('analyze', 0):.2f} | {figures.get('metrics', 0):.2f} | "
            f"{'' if per_pair is None else f'{per_pair:.1f}'} | {same} |"
        )
    runs = _env_int("BENCH_SCALE_RUNS", 3)
    big = _env_int("BENCH_SCALE_BIG_RUNS", 1)
    return f"""{BEGIN}
## The estate at scale

Measured by bench/scale.py on {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} in
{scale.took / 60:.1f} minutes (contract-gate {git_state()}); `make bench-estate` re-runs this
section alone. Estates generated by `bench/estate_gen.py N`: ten operations per service, two of
them internal, about twenty `x-calls` per service; aligned, violated, undeclared, unresolved and
out-of-view pairs, `x-consumers` agreements, owners and SLOs at every level. "base" is the code
of commit {scale.base}, before the scale work, run the same way; its JSON report and today's
must be byte-identical ("report").

| target | wanted | measured | |
|---|---|---|---|
{chr(10).join(targets(scale))}

{HEAD}
{chr(10).join(rows)}

- Every run is `python -m contract_gate check estate-N --format json -o OUT` from $WORK, the code
  first on `PYTHONPATH`, with the same settings as the rest of the bench (network namespace,
  `BENCH_JOBS`). Medians of the runs ({runs} up to {scale.target:,} services, {big} above); at
  {scale.target:,} services the two codes alternate run by run. On a machine others share, the
  CPU seconds (user + system of the process tree) say more than the wall time.
- **cold**: `--no-cache`. **warm**: the result cache filled by one untimed run, nothing changed:
  today's code replays the run's record (its outputs, exit code and stderr lines) after hashing
  every file, where the base code unpickled every file's result and redid the estate analysis
  and the report. **one spec changed**: warm, but a comment added to one spec before each run,
  so the run is not replayed: 4,999 results from the cache, one file checked, the estate
  analysis and the report done again. Wall, CPU, largest process (`ru_maxrss`) and tree RSS
  as in the tables above.
- **analyze s / metrics s**: `estate.alignment.analyze` (pairs, call and budget rules) and
  `estate.metrics.compute_metrics`, timed inside a warm run (bench/estate_timing.py; the median
  of that call and two more on the same services). **µs per pair**: their sum per pair.
{END}
"""


def splice(page: str, text: str) -> str:
    """`page` with its estate-scale section replaced by `text` (appended when it has none)."""
    if BEGIN in page and END in page:
        head, rest = page.split(BEGIN, 1)
        return head + text.rstrip("\n") + rest.split(END, 1)[1]
    return page.rstrip("\n") + "\n\n" + text


def main() -> int:
    """`make bench-estate`: measure the estate at scale; rewrite its section of docs/benchmarks.md."""
    output = Path(os.environ.get("BENCH_OUTPUT", str(REPO / "docs" / "benchmarks.md")))
    with tempfile.TemporaryDirectory(prefix="contract-gate-scale-") as tmp:
        scale = run_scale(Path(tmp), netns_prefix())
    text = section(scale)
    print()
    print(text)
    page = output.read_text("utf-8") if output.exists() else "# Benchmarks\n"
    output.write_text(splice(page, text), "utf-8")
    print(f"bench: estate scale took {scale.took / 60:.1f} min; wrote its section of {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
