"""Time the estate analysis inside a real `contract-gate check` run (for bench/scale.py).

    python bench/estate_timing.py RESULT.json check ESTATE [options...]

runs the command as `contract-gate` would, with `analyze` (pairs, call and budget rules) and
`compute_metrics` wrapped so that each call is timed, and each is timed twice more on the same
input after the run (the garbage collector paused as the run pauses it, where it does). Writes
{"services", "operations", "calls", "pairs", "analyze", "metrics"} (the medians, in seconds) to
RESULT.json. The command's own exit code is this script's.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from contract_gate.engine import pool as engine_pool
from contract_gate.engine import run as engine_run

REPEATS = 2  # timed again after the run, on the same input


def main(argv: list[str]) -> int:
    """`estate_timing.py RESULT.json COMMAND ARGS...`."""
    if len(argv) < 2:
        print("usage: estate_timing.py RESULT.json COMMAND ARGS...", file=sys.stderr)
        return 2
    calls: dict[str, tuple[tuple[Any, ...], list[float]]] = {}

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            start = time.perf_counter()
            result = function(*args)
            calls[name] = (args, [time.perf_counter() - start])
            return result

        return wrapper

    analyze, compute_metrics = engine_run.analyze, engine_run.compute_metrics
    engine_run.analyze = timed("analyze", analyze)  # type: ignore[assignment]
    engine_run.compute_metrics = timed("metrics", compute_metrics)  # type: ignore[assignment]
    from contract_gate.cli.main import main as cli

    engine_pool.tune_gc()  # as `contract-gate` does
    code = cli.main(argv[1:], prog_name="contract-gate", standalone_mode=False)
    functions = {"analyze": analyze, "metrics": compute_metrics}
    # As the run calls them: with the collector paused where the code measured pauses it.
    paused = getattr(engine_pool, "collection_paused", contextlib.nullcontext)
    for name, (args, times) in calls.items():
        for _ in range(REPEATS):
            with paused():
                start = time.perf_counter()
                functions[name](*args)
                times.append(time.perf_counter() - start)
    services = calls["analyze"][0][0]
    operations = [op for service in services for op in service.operations]
    pairs, _ = analyze(*calls["analyze"][0])
    figures = {
        "services": len(services),
        "operations": len(operations),
        "calls": sum(len(op.calls) for op in operations),
        "pairs": len(pairs),
        **{name: statistics.median(times) for name, (_, times) in calls.items()},
    }
    Path(argv[0]).write_text(json.dumps(figures), "utf-8")
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
