"""Benchmark contract-gate against Redocly CLI and Spectral on the real corpus (`make bench`).

Not part of the test suite. `make bench` installs the peers (pinned in bench/package.json and
bench/package-lock.json) into .bench/node/ and then runs this script with the venv's python.

Workloads: Stripe's spec3.yaml, GitHub's api.github.com.json, the 100 specs of slice100.txt and
all specs of manifest.txt, each tool given every file of a workload in one process. The section
"The estate at scale" (estate-scale) is bench/scale.py's: `python bench/run.py --only estate`
(`make bench-estate`) runs it alone and rewrites only that section. Two more workloads
measure contract-gate's result cache alone (see `run_cache_workload`):
    cache-cost      5,000 generated services (bench/estate_gen.py): the first run with an
                    empty cache against `--no-cache` (target: at most 1.15 times as long)
    restored-cache  slice100: a run on a cache restored from another run, under a fresh HOME and
                    the same CONTRACT_GATE_CACHE_KEY, as on a new CI runner, against `--no-cache`
                    (target: under a quarter of the time)

Measured per run: wall time from spawn to exit of the tool's process, and memory of its whole
process tree. Every 50 ms the script sums the resident set (RSS, /proc/PID/stat) of every process
in the tool's session or below it, and keeps the peak of that sum ("tree RSS"); pages shared
between processes (a forked worker's copy of the interpreter) count once per process, so a forked
tree is overstated, never understated. It also keeps ru_maxrss from wait4(), the peak RSS of the
largest single process (what `/usr/bin/time -f %M` prints), which catches peaks between polls.

Settings (environment variables):
    BENCH_RUNS               runs per tool and workload (default 3); the median is reported
    BENCH_SPECTRAL_BIG_RUNS  runs of Spectral on slice100 and the corpus (default 1: one takes minutes)
    BENCH_TIMEOUT            seconds one run may take before it is killed (default 900)
    BENCH_SPECTRAL_TIMEOUT   the same for Spectral on slice100 and the corpus (default 300: it hangs
                             on one corpus spec, and 300 s already bounds its ratio below 0.1)
    BENCH_WORKLOADS          comma list of stripe,github,slice100,corpus,cache-cost,restored-cache,
                             estate-scale (default: all)
    BENCH_ESTATE_SIZE        services generated for cache-cost (default 5000)
    BENCH_TOOLS              comma list of contract-gate,redocly,spectral (default: all)
    BENCH_JOBS               --jobs for contract-gate (default: its own, the CPU count)
    BENCH_REDOCLY_RULESET    the ruleset the Redocly config extends (default: minimal)
    BENCH_CORPUS             the corpus folder (default: ../shared/corpus from the repo root)
    BENCH_OUTPUT             the report written (default: docs/benchmarks.md)
    BENCH_NETNS=0            do not run the tools in an empty network namespace
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import select
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from estate_gen import generate

REPO = Path(__file__).resolve().parents[1]
NODE_BIN = REPO / ".bench" / "node" / "node_modules" / ".bin"
VENV_BIN = Path(sys.executable).parent
POLL_SECONDS = 0.05
PAGE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
START_LOAD = " ".join(Path("/proc/loadavg").read_text("utf-8").split()[:3])
MB = 1024 * 1024

# Keep the peers off the network: no telemetry, no update or announcement checks.
QUIET_ENV = {
    "REDOCLY_TELEMETRY": "off",
    "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
    "REDOCLY_SUPPRESS_NOTIFICATIONS": "true",
    "NO_UPDATE_NOTIFIER": "1",
    "DO_NOT_TRACK": "1",
    "NO_COLOR": "1",
    "FORCE_COLOR": "0",
}


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _env_list(name: str, default: Sequence[str]) -> list[str]:
    raw = os.environ.get(name, "").strip()
    return [part.strip() for part in raw.split(",") if part.strip()] if raw else list(default)


@dataclass(frozen=True)
class Workload:
    """A set of spec files every tool checks in one process."""

    key: str
    label: str
    files: list[Path]
    big: bool


@dataclass
class Sample:
    """One measured run."""

    wall: float
    tree_rss: int
    max_rss: int
    code: int
    timed_out: bool
    cpu: float
    others_cpu: float


@dataclass
class Result:
    """The runs of one tool on one workload."""

    workload: Workload
    tool: str
    samples: list[Sample] = field(default_factory=list)
    findings: int | None = None
    skipped: str = ""

    @property
    def wall(self) -> float:
        """Median wall seconds."""
        return statistics.median(s.wall for s in self.samples)

    @property
    def tree_rss(self) -> float:
        """Median of the runs' peak tree RSS, in MB."""
        return statistics.median(s.tree_rss for s in self.samples) / MB

    @property
    def max_rss(self) -> float:
        """Median of the runs' largest single-process RSS, in MB."""
        return statistics.median(s.max_rss for s in self.samples) / MB

    @property
    def cpu(self) -> float:
        """Median CPU seconds (user + system) of the tool's process tree."""
        return statistics.median(s.cpu for s in self.samples)

    @property
    def timed_out(self) -> bool:
        """Whether a run was killed at BENCH_TIMEOUT."""
        return any(s.timed_out for s in self.samples)

    @property
    def codes(self) -> str:
        """The distinct exit codes."""
        return ",".join(str(c) for c in sorted({s.code for s in self.samples}))


@dataclass(frozen=True)
class Tool:
    """How to run one tool: argv around the file list, and how to count its findings."""

    key: str
    label: str
    before: list[str]
    after: list[str]
    output: str
    count: Callable[[str], int | None]
    big_runs: int | None = None


# --- measuring ---------------------------------------------------------------------------------


def _proc_table() -> dict[int, tuple[int, int, int]]:
    """Every process now: pid -> (ppid, session, rss bytes)."""
    table: dict[int, tuple[int, int, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_bytes()
        except OSError:
            continue
        fields = raw[raw.rfind(b")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), int(fields[3]), int(fields[21]) * PAGE)
    return table


def tree_rss(root: int) -> int:
    """Summed RSS of root, its descendants and every process of its session."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    members = {pid for pid, (_, session, _) in table.items() if session == root}
    stack = [root]
    while stack:
        pid = stack.pop()
        members.add(pid)
        stack.extend(child for child in children.get(pid, []) if child not in members)
    return sum(table[pid][2] for pid in members if pid in table)


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores; /proc/stat)."""
    fields = Path("/proc/stat").read_text("utf-8").split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def print_failure(sample: Sample, out: Path) -> None:
    """The last lines a failed or timed-out run wrote to its stderr file, indented under its line."""
    if sample.code not in (0, 1) or sample.timed_out:
        for line in out.with_suffix(".stderr").read_text("utf-8", "replace").strip().splitlines()[-5:]:
            print(f"      | {line}", flush=True)


def measure(argv: list[str], cwd: Path, env: dict[str, str], stdout: Path, timeout: float) -> Sample:
    """Run argv once; wall time, peak tree RSS, largest process RSS, exit code, CPU used."""
    with stdout.open("wb") as out, stdout.with_suffix(".stderr").open("wb") as err:
        busy = busy_seconds()
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True
        )
        peak = 0
        timed_out = False
        exited = _exit_signal(proc.pid)
        try:
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                peak = max(peak, tree_rss(proc.pid))
                if not timed_out and time.perf_counter() - start > timeout:
                    timed_out = True
                    _kill_group(proc.pid)
                # Wake at the next poll, or as soon as the process exits: a sleep would add up to
                # a poll interval to every run's wall time (a third of a 0.15 s run).
                if exited is None:
                    time.sleep(POLL_SECONDS)
                else:
                    select.select([exited], [], [], POLL_SECONDS)
        finally:
            if exited is not None:
                os.close(exited)
        wall = time.perf_counter() - start
        busy = busy_seconds() - busy
    proc.returncode = os.waitstatus_to_exitcode(status)
    _kill_group(proc.pid)  # anything the tool left running
    max_rss = usage.ru_maxrss * 1024
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(wall, max(peak, max_rss), max_rss, proc.returncode, timed_out, cpu, max(0.0, busy - cpu))


def _exit_signal(pid: int) -> int | None:
    """A pidfd that becomes readable when the process exits (Linux 5.3+), or None."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


# --- the tools ---------------------------------------------------------------------------------


def _decode_all(text: str) -> list[object]:
    """Every JSON value in text (some tools print one per file)."""
    decoder = json.JSONDecoder()
    values: list[object] = []
    index = 0
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            return values
        start = text.find("{", index) if text[index] not in "{[" else index
        if start < 0:
            return values
        value, index = decoder.raw_decode(text, start)
        values.append(value)


def count_contract_gate(text: str) -> int | None:
    """Findings in a contract-gate JSON report."""
    values = _decode_all(text)
    if not values or not isinstance(values[0], dict):
        return None
    findings = values[0].get("findings")
    return len(findings) if isinstance(findings, list) else None


def count_redocly(text: str) -> int | None:
    """Errors + warnings in Redocly's JSON output (one object per run or per file)."""
    total = 0
    seen = False
    for value in _decode_all(text):
        if isinstance(value, dict) and isinstance(value.get("totals"), dict):
            seen = True
            total += int(value["totals"].get("errors", 0)) + int(value["totals"].get("warnings", 0))
    return total if seen else None


def count_spectral(text: str) -> int | None:
    """Results in Spectral's JSON output."""
    values = _decode_all(text)
    return len(values[0]) if values and isinstance(values[0], list) else None


def tools(work: Path, jobs: str, ruleset: str) -> dict[str, Tool]:
    """The tools, keyed; peers only when installed."""
    gate = str(VENV_BIN / "contract-gate")
    jobs_args = ["--jobs", jobs] if jobs else []
    found = {
        "contract-gate": Tool(
            "contract-gate",
            "contract-gate (cold)",
            [gate, "check"],
            ["--format", "json", "-o", "OUT", "--no-cache", *jobs_args],
            "file",
            count_contract_gate,
        ),
        "contract-gate-warm": Tool(
            "contract-gate-warm",
            "contract-gate (warm cache)",
            [gate, "check"],
            ["--format", "json", "-o", "OUT", *jobs_args],
            "file",
            count_contract_gate,
        ),
    }
    (work / "redocly.yaml").write_text(f"extends:\n  - {ruleset}\ntelemetry: off\n", "utf-8")
    (work / "spectral.yaml").write_text('extends: ["spectral:oas"]\n', "utf-8")
    redocly = NODE_BIN / "redocly"
    spectral = NODE_BIN / "spectral"
    if redocly.exists():
        found["redocly"] = Tool(
            "redocly",
            "Redocly CLI",
            [str(redocly), "lint", "--config", str(work / "redocly.yaml"), "--format=json"],
            [],
            "stdout",
            count_redocly,
        )
    if spectral.exists():
        found["spectral"] = Tool(
            "spectral",
            "Spectral",
            [str(spectral), "lint", "-r", str(work / "spectral.yaml"), "-f", "json", "-o", "OUT"],
            [],
            "file",
            count_spectral,
            big_runs=_env_int("BENCH_SPECTRAL_BIG_RUNS", 1),
        )
    return found


def netns_prefix() -> list[str]:
    """A command prefix that runs a tool with no network at all, when the machine allows it."""
    if os.environ.get("BENCH_NETNS", "1") == "0":
        return []
    for prefix in (["unshare", "--net"], ["unshare", "--net", "--map-root-user"]):
        try:
            probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=10, check=False)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return prefix
    return []


def version(argv: list[str], env: dict[str, str]) -> str:
    """First line of a tool's --version that looks like a version."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    for line in done.stdout.splitlines():
        if line.strip():
            return line.strip()
    return "?"


def gate_version(env: dict[str, str]) -> str:
    """contract-gate's version number."""
    return version([str(VENV_BIN / "contract-gate"), "--version"], env).rsplit(" ", 1)[-1]


def source_digest() -> str:
    """A digest of contract_gate/'s sources, to notice edits made while the bench runs."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "contract_gate").rglob("*.py")):
        digest.update(path.relative_to(REPO).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def git_state() -> str:
    """The commit measured, and whether contract_gate/ differed from it."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "contract_gate"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"commit {head}" + (" with uncommitted changes in contract_gate/" if dirty else "")


# --- the run -----------------------------------------------------------------------------------


def workloads(corpus: Path, wanted: list[str]) -> list[Workload]:
    """The workloads, those wanted (cache-cost's files are generated when it runs)."""

    def listed(name: str) -> list[Path]:
        lines = (corpus / name).read_text("utf-8").splitlines()
        return [corpus / line.strip() for line in lines if line.strip()]

    every = [
        Workload("stripe", "Stripe spec3.yaml", [corpus / "stripe/openapi/spec3.yaml"], False),
        Workload(
            "github",
            "GitHub api.github.com.json",
            [corpus / "octokit-openapi/generated/api.github.com.json"],
            False,
        ),
        Workload("slice100", "slice100 (100 specs)", listed("slice100.txt"), True),
        Workload("corpus", "whole corpus (318 specs)", listed("manifest.txt"), True),
        Workload("cache-cost", f"{_env_int('BENCH_ESTATE_SIZE', 5000):,} generated services", [], True),
        Workload("restored-cache", "slice100, restored cache", listed("slice100.txt"), True),
    ]
    for load in every:
        for path in load.files:
            path.read_bytes()  # into the page cache, so no tool pays the first disk read
    return [load for load in every if load.key in wanted]


# The cache workloads: each row's target, as a ratio of contract-gate (cold) on the workload.
CACHE_TARGETS = {
    "contract-gate-empty-cache": ("<=", 1.15),
    "contract-gate-restored": ("<", 0.25),
}


def run_cache_workload(load: Workload, runs: int, ctx: Context) -> list[Result]:
    """contract-gate's result cache alone: `--no-cache` runs, then runs of the cache's case.

    cache-cost: the estate is generated into $WORK/estate and checked from $WORK as `estate`;
    each empty-cache run gets a new cache folder (all are deleted with $WORK, at the end).

    restored-cache: one untimed run under a HOME of its own fills a cache; each timed run gets
    a copy of it (as actions/cache restores one) and another HOME, never used before, with the
    same CONTRACT_GATE_CACHE_KEY.
    """
    gate = str(VENV_BIN / "contract-gate")
    jobs = os.environ.get("BENCH_JOBS", "")
    common = ["--format", "json", "-o", "OUT", *(["--jobs", jobs] if jobs else [])]
    base = ctx.work / load.key
    base.mkdir()
    if load.key == "cache-cost":
        generate(_env_int("BENCH_ESTATE_SIZE", 5000), ctx.work / "estate")
        load = replace(load, files=sorted((ctx.work / "estate").rglob("*.yaml")))
        for path in load.files:
            path.read_bytes()
        inputs = ["estate"]
    else:
        inputs = [str(path) for path in load.files]
    key = os.urandom(16).hex()  # what a CI secret would be

    def env_for(run: int) -> dict[str, str]:
        home = base / f"home-{run}"
        home.mkdir()
        env = {**ctx.env, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
        env["CONTRACT_GATE_CACHE_DIR"] = str(base / f"cache-{run}")
        if load.key == "restored-cache":
            env["CONTRACT_GATE_CACHE_KEY"] = key
        return env

    case = "contract-gate-empty-cache" if load.key == "cache-cost" else "contract-gate-restored"
    cold, cached = Result(load, "contract-gate"), Result(load, case)
    argv = [gate, "check", *inputs, *common]
    outs = {result.tool: ctx.work / f"{result.tool}-{load.key}.out" for result in (cold, cached)}
    if load.key == "restored-cache":
        _measure_one("(filling the cache to restore)", load, argv, env_for(0), ctx)
    for run in range(1, runs + 1):
        # Alternated, so that a slow spell of the machine weighs on both sides alike.
        env = env_for(run)
        cold.samples.append(
            _measure_one("contract-gate (cold)", load, [*argv, "--no-cache"], env, ctx, outs[cold.tool])
        )
        if load.key == "restored-cache":
            shutil.copytree(base / "cache-0", env["CONTRACT_GATE_CACHE_DIR"])
        cached.samples.append(_measure_one(CACHE_LABELS[case], load, argv, env, ctx, outs[case]))
    for result in (cold, cached):
        with contextlib.suppress(OSError, ValueError):
            result.findings = count_contract_gate(outs[result.tool].read_text("utf-8", "replace"))
    shown = " ".join(
        [
            *ctx.prefix,
            ".venv/bin/contract-gate",
            "check",
            "estate" if load.key == "cache-cost" else "FILES...",
            *common,
        ]
    ).replace("OUT", "$WORK/out")
    ctx.commands.setdefault(case, f"# {CACHE_LABELS[case]}: {CACHE_COMMANDS[case]}\n    {shown}")
    return [cold, cached]


CACHE_LABELS = {
    "contract-gate-empty-cache": "contract-gate (empty cache)",
    "contract-gate-restored": "contract-gate (restored cache, new HOME)",
}
CACHE_COMMANDS = {
    "contract-gate-empty-cache": "alternated with the same command plus `--no-cache`; each run with "
    "CONTRACT_GATE_CACHE_DIR set to a new folder and a HOME of its own, from $WORK, where the "
    "services were generated (`bench/estate_gen.py N $WORK/estate`)",
    "contract-gate-restored": "alternated with the same command plus `--no-cache`; each run with "
    "a HOME of its own, CONTRACT_GATE_CACHE_KEY set to one random value for the whole workload, "
    "and CONTRACT_GATE_CACHE_DIR set to a copy of the cache one untimed run (another HOME) filled",
}


def _measure_one(
    label: str, load: Workload, argv: list[str], env: dict[str, str], ctx: Context, out: Path | None = None
) -> Sample:
    """One run of a cache workload, printed like run_tool's."""
    out = out or ctx.work / "prime.out"
    argv = [*ctx.prefix, *(str(out) if arg == "OUT" else arg for arg in argv)]
    sample = measure(argv, ctx.work, env, out, ctx.timeout)
    print(
        f"  {label:<40} {load.key:<14}: {sample.wall:8.2f} s  tree {sample.tree_rss / MB:7.0f} MB  "
        f"cpu {sample.cpu:7.1f} s  others' cpu {sample.others_cpu:6.1f} s  exit {sample.code}",
        flush=True,
    )
    print_failure(sample, out)
    return sample


def run_tool(
    tool: Tool,
    load: Workload,
    runs: int,
    ctx: Context,
) -> Result:
    """Measure one tool on one workload `runs` times (stops after a timeout)."""
    result = Result(load, tool.key)
    out = ctx.work / f"{tool.key}-{load.key}.out"
    argv = [*ctx.prefix, *tool.before, *map(str, load.files), *tool.after]
    argv = [str(out) if arg == "OUT" else arg for arg in argv]
    for index in range(runs):
        sample = measure(argv, ctx.work, ctx.env, out, ctx.timeout)
        result.samples.append(sample)
        note = " TIMED OUT" if sample.timed_out else ""
        print(
            f"  {tool.label:<27} {load.key:<9} run {index + 1}/{runs}: {sample.wall:8.2f} s "
            f"tree {sample.tree_rss / MB:7.0f} MB  largest {sample.max_rss / MB:6.0f} MB  "
            f"cpu {sample.cpu:7.1f} s  others' cpu {sample.others_cpu:6.1f} s  exit {sample.code}{note}",
            flush=True,
        )
        print_failure(sample, out)
        if sample.timed_out:
            break
    try:
        result.findings = tool.count(out.read_text("utf-8", "replace"))
    except (OSError, ValueError):
        result.findings = None
    ctx.commands.setdefault(tool.key, _render(tool, ctx))
    return result


def _render(tool: Tool, ctx: Context) -> str:
    """The command line of a tool as the report shows it."""
    parts = [*ctx.prefix, *tool.before, "FILES...", *tool.after]
    shown = []
    for part in parts:
        text = part.replace(str(ctx.work), "$WORK").replace(str(NODE_BIN), ".bench/node/node_modules/.bin")
        text = text.replace(str(VENV_BIN), ".venv/bin")
        text = "$WORK/out" if text == "OUT" else text
        shown.append(text if text == "FILES..." or text.startswith("$WORK") else shlex.quote(text))
    return " ".join(shown)


@dataclass
class Context:
    """What every run shares."""

    work: Path
    env: dict[str, str]
    prefix: list[str]
    timeout: float
    commands: dict[str, str] = field(default_factory=dict)


# --- the report --------------------------------------------------------------------------------


def _fmt_wall(result: Result) -> str:
    text = f"{result.wall:.2f}"
    return f"> {text} (timed out)" if result.timed_out else text


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b > 0 else "—"


def table(results: list[Result], labels: dict[str, str]) -> str:
    """The results as a Markdown table."""
    head = (
        "| workload | tool | runs | median wall s | median CPU s | peak tree RSS MB | largest process MB "
        "| findings | exit | time ratio | memory ratio |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|\n"
    )
    rows = []
    cold = {r.workload.key: r for r in results if r.tool == "contract-gate" and r.samples}
    for r in results:
        if r.skipped or not r.samples:
            rows.append(f"| {r.workload.label} | {labels[r.tool]} | 0 | skipped: {r.skipped} | | | | | | | |")
            continue
        base = cold.get(r.workload.key)
        if r.tool == "contract-gate" or base is None:
            time_ratio = mem_ratio = "—"
        elif r.tool in CACHE_TARGETS:
            relation, target = CACHE_TARGETS[r.tool]
            ratio = r.wall / base.wall if base.wall > 0 else float("inf")
            met = ratio <= target if relation == "<=" else ratio < target
            time_ratio = f"÷cold {ratio:.2f} (target {relation} {target}: {'met' if met else 'MISSED'})"
            mem_ratio = f"÷cold {_ratio(r.tree_rss, base.tree_rss)}"
        elif r.tool == "contract-gate-warm":
            time_ratio = f"warm÷cold {_ratio(r.wall, base.wall)}"
            mem_ratio = f"warm÷cold {_ratio(r.tree_rss, base.tree_rss)}"
        else:
            time_ratio = f"cg÷peer {_ratio(base.wall, r.wall)}"
            mem_ratio = f"cg÷peer {_ratio(base.tree_rss, r.tree_rss)}"
            if r.timed_out:
                time_ratio = f"< {_ratio(base.wall, r.wall)}"
        findings = "?" if r.findings is None else str(r.findings)
        rows.append(
            f"| {r.workload.label} | {labels[r.tool]} | {len(r.samples)} | {_fmt_wall(r)} | {r.cpu:.1f} | "
            f"{r.tree_rss:.0f} | {r.max_rss:.0f} | {findings} | {r.codes} | {time_ratio} | {mem_ratio} |"
        )
    return head + "\n".join(rows) + "\n"


def machine(env: dict[str, str], versions: dict[str, str]) -> list[str]:
    """Lines describing this machine and the tools."""
    model = "?"
    for line in Path("/proc/cpuinfo").read_text("utf-8").splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kb = 0
    for line in Path("/proc/meminfo").read_text("utf-8").splitlines():
        if line.startswith("MemTotal:"):
            mem_kb = int(line.split()[1])
    node = version(["node", "--version"], env)
    load = Path("/proc/loadavg").read_text("utf-8").split()[:3]
    lines = [
        f"- CPUs: {os.cpu_count()} (nproc {len(os.sched_getaffinity(0))}), {model}",
        f"- RAM: {mem_kb / 1024 / 1024:.1f} GiB",
        f"- OS: Linux {platform.release()}",
        f"- Python {platform.python_version()} (the venv's), Node.js {node}",
        f"- load average at the end: {' '.join(load)} (at the start: {START_LOAD})",
    ]
    lines += [f"- {name}: {ver}" for name, ver in versions.items()]
    return lines


def write_report(
    path: Path,
    results: list[Result],
    labels: dict[str, str],
    ctx: Context,
    info: list[str],
    took: float,
    scale_section: str = "",
) -> None:
    """docs/benchmarks.md (with bench/scale.py's section at the end, when it ran)."""
    runs = _env_int("BENCH_RUNS", 3)
    big = _env_int("BENCH_SPECTRAL_BIG_RUNS", 1)
    network = (
        f"every tool ran under `{' '.join(ctx.prefix)}` (an empty network namespace: no network at all)"
        if ctx.prefix
        else "no network namespace was available; the peers ran with their telemetry and update checks off"
    )
    raw = []
    for r in results:
        for i, s in enumerate(r.samples, 1):
            raw.append(
                f"| {r.workload.key} | {labels[r.tool]} | {i} | {s.wall:.2f} | {s.tree_rss / MB:.0f} | "
                f"{s.max_rss / MB:.0f} | {s.cpu:.1f} | {s.others_cpu:.1f} | "
                f"{s.code}{' (timed out)' if s.timed_out else ''} |"
            )
    commands = "\n".join(f"    {cmd}" for cmd in ctx.commands.values())
    interference = _interference(results)
    text = f"""# Benchmarks

Written by `make bench` (bench/run.py) on {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; the whole
bench took {took / 60:.1f} minutes. Not part of the test suite. Re-run it to refresh this page.

## Machine

{chr(10).join(info)}
- {interference}

## Results

Median of the runs ({runs} per tool and workload; Spectral {big} on slice100 and the corpus, where
one run takes minutes). Each tool is given every file of the workload in one process.

{table(results, labels)}
- **median wall s**: from spawn to exit of the tool's process.
- **median CPU s**: user + system time of the tool's process tree (`wait4()`); less sensitive than
  wall time to other load on the machine (see "other processes" above and "Every run" below).
- **peak tree RSS MB**: the peak, polled every 50 ms, of the summed RSS of every process in the
  tool's session and below it (contract-gate forks worker processes; the Node tools run as one
  process). Pages shared between processes count once per process, so a forked tree (contract-gate)
  is overstated, not understated. Never less than the next column.
- **largest process MB**: `ru_maxrss` from `wait4()`, the peak RSS of the largest single process
  (what `/usr/bin/time -f %M` prints).
- **findings**: problems in the tool's JSON output (contract-gate: `findings`; Redocly: errors +
  warnings; Spectral: results). The tools check different things, so the counts are not comparable
  with each other; they show that every run did its work.
- **exit**: the tool's exit codes (1 = it found errors, the normal outcome on these real specs).
- **time / memory ratio**: for a peer, contract-gate (cold) ÷ the peer (below 1: contract-gate is
  faster / smaller); for the warm row, warm ÷ cold; for the cache rows, the row ÷ cold, with
  its target. Memory ratios use the tree RSS.
- **cold**: `--no-cache`, structural validation (openapi-spec-validator) and every rule on.
  **warm cache**: the same command with the result cache on, in a fresh cache folder, after one
  untimed priming run, on an unchanged estate.
- **cache-cost**: {_env_int("BENCH_ESTATE_SIZE", 5000):,} services generated by
  `bench/estate_gen.py` (ten operations and about twenty `x-calls` each). **empty cache**: the
  first run with the result cache on, each run in a new cache folder, against `--no-cache`
  (alternated run by run). Target: at most 1.15 times the cold time.
- **restored-cache**: slice100 checked with a cache that another run filled, copied into place
  as a CI cache step restores it, under a HOME never used before and the same
  `CONTRACT_GATE_CACHE_KEY` (as on a fresh CI runner), against `--no-cache` (alternated).
  Target: under a quarter of the cold time.

## How it was run

Network: {network}. Redocly ran with `REDOCLY_TELEMETRY=off`, `REDOCLY_SUPPRESS_UPDATE_NOTICE=true`,
`REDOCLY_SUPPRESS_NOTIFICATIONS=true` and `telemetry: off` in its config; the peers were installed
by `make bench` (npm, pinned in bench/package-lock.json) before any timing. Every spec was read once
before the first run, so no tool paid a cold disk read. `$WORK` is a temporary folder holding the
outputs, the peers' configs and contract-gate's config (`contract-gate.toml` with
`cache-dir = "$WORK/cache"`); every tool ran with `$WORK` as its working directory. FILES... are the
workload's files as absolute paths under `$CORPUS` (= `../shared/corpus`): `stripe/openapi/spec3.yaml`,
`octokit-openapi/generated/api.github.com.json`, the lines of `slice100.txt`, the lines of `manifest.txt`.

    # $WORK/redocly.yaml
    extends:
      - {os.environ.get("BENCH_REDOCLY_RULESET", "minimal")}
    telemetry: off
    # $WORK/spectral.yaml
    extends: ["spectral:oas"]

Commands (contract-gate (warm cache) is the second line, run once untimed first; then those of the
cache workloads, with how they were run):

{commands}

Settings: `BENCH_RUNS` (runs per tool and workload, default 3), `BENCH_SPECTRAL_BIG_RUNS` (Spectral on
slice100 and the corpus, default 1), `BENCH_TIMEOUT` (seconds before a run is killed, default 900; a
killed run shows as "> N (timed out)": its wall time is a lower bound, its findings unknown; Spectral
hangs on `apis-guru/beezup.com/2.0`, whose `pattern` backtracks catastrophically on its own examples,
so its corpus run is expected to time out), `BENCH_SPECTRAL_TIMEOUT` (the same for Spectral on
slice100 and the corpus, default 300), `BENCH_WORKLOADS`, `BENCH_TOOLS`, `BENCH_JOBS`,
`BENCH_ESTATE_SIZE`, `BENCH_REDOCLY_RULESET`; see bench/run.py.

## Every run

CPU s: user + system time of the tool's process tree. Others' CPU s: CPU time the rest of the
machine spent busy during the run (/proc/stat, all cores, minus the tool's own; includes this
script's polling, about 2 ms per 50 ms). A large value means something else ran alongside and the
wall time is inflated.

| workload | tool | run | wall s | tree RSS MB | largest process MB | CPU s | others' CPU s | exit |
|---|---|---:|---:|---:|---:|---:|---:|---|
{chr(10).join(raw)}
"""
    if scale_section:
        text += "\n" + scale_section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def _interference(results: list[Result]) -> str:
    """How much else ran on the machine during the timed runs."""
    samples = [s for r in results for s in r.samples]
    wall = sum(s.wall for s in samples)
    others = sum(s.others_cpu for s in samples)
    cores = len(os.sched_getaffinity(0))
    share = others / (wall * cores) * 100 if wall else 0.0
    return (
        f"other processes used {others:.0f} CPU-seconds during the {wall:.0f} s of timed runs "
        f"({share:.0f}% of the {cores} cores; the bench's own polling is about 2%)"
    )


def main() -> int:
    """Run the bench; print the table; write docs/benchmarks.md."""
    started = time.perf_counter()
    corpus = Path(os.environ.get("BENCH_CORPUS", str(REPO.parent / "shared" / "corpus"))).resolve()
    if not (corpus / "manifest.txt").is_file():
        print(f"bench: no corpus at {corpus} (set BENCH_CORPUS)", file=sys.stderr)
        return 2
    runs = _env_int("BENCH_RUNS", 3)
    timeout = float(_env_int("BENCH_TIMEOUT", 900))
    spectral_timeout = float(_env_int("BENCH_SPECTRAL_TIMEOUT", 300))
    wanted_tools = _env_list("BENCH_TOOLS", ["contract-gate", "redocly", "spectral"])
    every = ["stripe", "github", "slice100", "corpus", "cache-cost", "restored-cache", "estate-scale"]
    wanted = _env_list("BENCH_WORKLOADS", every)
    loads = workloads(corpus, wanted)
    env = {**os.environ, **QUIET_ENV}
    output = Path(os.environ.get("BENCH_OUTPUT", str(REPO / "docs" / "benchmarks.md")))
    with tempfile.TemporaryDirectory(prefix="contract-gate-bench-") as tmp:
        work = Path(tmp)
        (work / "contract-gate.toml").write_text(f'cache-dir = "{work / "cache"}"\n', "utf-8")
        ctx = Context(work, env, netns_prefix(), timeout)
        found = tools(
            work, os.environ.get("BENCH_JOBS", ""), os.environ.get("BENCH_REDOCLY_RULESET", "minimal")
        )
        labels = {key: tool.label for key, tool in found.items()} | {
            "redocly": "Redocly CLI",
            "spectral": "Spectral",
            **CACHE_LABELS,
        }
        versions = {"contract-gate": f"{gate_version(env)}, {git_state()}"}
        digest = source_digest()
        for peer in ("redocly", "spectral"):
            if peer in found:
                versions[found[peer].label] = version([str(NODE_BIN / peer), "--version"], env)
            elif peer in wanted_tools:
                print(f"bench: skipping {labels[peer]}: {NODE_BIN / peer} is not installed (npm failed?)")
        print(f"bench: corpus {corpus}; network: {' '.join(ctx.prefix) or 'not isolated'}; {runs} runs")
        results: list[Result] = []
        for load in loads:
            if load.key in ("cache-cost", "restored-cache"):
                if "contract-gate" in wanted_tools:
                    print(f"{load.label}: contract-gate's result cache", flush=True)
                    results.extend(run_cache_workload(load, runs, ctx))
                continue
            print(f"{load.label}: {len(load.files)} file(s)", flush=True)
            for key in wanted_tools:
                if key not in found:
                    if key in labels:
                        results.append(Result(load, key, skipped="not installed"))
                    continue
                tool = found[key]
                count = tool.big_runs if load.big and tool.big_runs is not None else runs
                limited = key == "spectral" and load.big
                run_ctx = replace(ctx, timeout=spectral_timeout) if limited else ctx
                results.append(run_tool(tool, load, count, run_ctx))
                if key == "contract-gate":
                    warm = found["contract-gate-warm"]
                    _prime(warm, load, ctx)
                    results.append(run_tool(warm, load, runs, ctx))
        scale_section = ""
        if "estate-scale" in wanted and "contract-gate" in wanted_tools:
            import scale  # imports this module: not at the top

            (work / "scale").mkdir()
            scale_section = scale.section(scale.run_scale(work / "scale", ctx.prefix))
        took = time.perf_counter() - started
        if source_digest() != digest:
            versions["contract-gate"] += (
                f" at the start; contract_gate/ changed during the run (at the end: {git_state()}),"
                " so its rows may mix code versions"
            )
            print(f"bench: WARNING: contract_gate/ changed during the run; {versions['contract-gate']}")
        table_text = table(results, labels)
        print()
        print(table_text)
        print(f"bench: {_interference(results)}")
        write_report(output, results, labels, ctx, machine(env, versions), took, scale_section)
    print(f"bench: took {took / 60:.1f} min; wrote {output}")
    return 0


def _prime(tool: Tool, load: Workload, ctx: Context) -> None:
    """One untimed run that fills a fresh cache."""
    cache = ctx.work / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    out = ctx.work / "prime.out"
    argv = [*ctx.prefix, *tool.before, *map(str, load.files), *tool.after]
    sample = measure([str(out) if a == "OUT" else a for a in argv], ctx.work, ctx.env, out, ctx.timeout)
    print(f"  {'(priming the cache)':<27} {load.key:<9}      : {sample.wall:8.2f} s", flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--only", "estate"]:
        import scale

        sys.exit(scale.main())
    sys.exit(main())
