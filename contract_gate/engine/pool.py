"""Checking files in worker processes: in parallel, and so that no file can take the run down.

Each file is checked in a worker process. A worker that dies (a segfault in a C
extension, the memory limit) or runs past the time limit is replaced, and the
file it was checking gets a finding of its own; every other file is still
checked. Workers are forked (cheap on Linux) and capped in address space.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import os
import pickle
import select
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from contract_gate.engine.checker import FileResult, Settings, problems_to_findings
from contract_gate.engine.rules import CHECKER_CRASHED
from contract_gate.findings import Problem
from contract_gate.load.discovery import Candidate
from contract_gate.load.loader import display_path

if TYPE_CHECKING:
    import multiprocessing.context
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

Progress = Callable[[int, int], None]
# Called in the worker with each result and its pickle (what the result cache stores).
Keep = Callable[[Candidate, Settings, FileResult, bytes], None]

# Collect young objects every 50,000 allocations instead of 700: parsing a large spec or
# unpickling a large estate allocates millions of objects that live on, and the default
# collects them over and over (a tenth of the check time of a 13 MB spec).
_GC_THRESHOLDS = (50_000, 20, 100)
# Files sent to a worker ahead of its answers. With one, a worker waits after every file until
# the parent is scheduled to send the next; on a machine whose every core runs a worker that
# wait was a third of a cold run of 5,000 small specs.
_QUEUED = 3
# select.poll, where there is one: multiprocessing's wait() and Connection.poll() build a
# selector on every call, a tenth of the main process's time in a cold run of 5,000 small specs.
_POLL = hasattr(select, "poll")


_tuned = False  # tune_gc ran in this process: it is contract-gate's own (the CLI's, a worker)


def tune_gc() -> None:
    """Set this process's garbage collector for contract-gate's work: called once per process.

    What exists already (modules, config) is frozen out of every collection; in a forked
    worker that also keeps the collector from writing to, and so copying, the parent's pages.
    """
    global _tuned
    gc.freeze()
    gc.set_threshold(*_GC_THRESHOLDS)
    _tuned = True


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """No automatic garbage collection inside; a process forked inside must enable it again.

    For the main process's work on whole estates: unpickling cached results and the estate
    analysis allocate millions of records that live on and hold no reference cycles, which the
    collector would only walk again and again (a seventh of a warm run). In contract-gate's
    own process (`tune_gc`) they are then frozen out of later collections too, as what existed
    at start was; elsewhere (tests, a program using the API) the process's objects are left
    as they were.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if _tuned:
            gc.freeze()
        gc.enable()


@dataclass(frozen=True, slots=True)
class Isolation:
    """How files are run: how many workers, and what one file may cost."""

    jobs: int = 1
    seconds: float = 120.0  # per file
    memory: int = 2 * 1024**3  # address space per worker, bytes


def check_isolated(
    candidates: list[Candidate],
    settings: Settings,
    isolation: Isolation,
    check: Callable[[Candidate, Settings], FileResult],
    progress: Progress | None = None,
    keep: Keep | None = None,
) -> list[FileResult]:
    """`check` every candidate in worker processes; results in candidate order.

    `keep`, when given, is called in the worker with each result and the pickle sent back.
    """
    import multiprocessing  # only when some file is not answered by the cache

    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    # Largest files first: a big spec started last would leave the other workers idle at the end.
    pending = deque(sorted(range(len(candidates)), key=lambda i: -_size(candidates[i])))
    results: dict[int, FileResult] = {}
    workers: list[_Worker] = []
    # Unpickling the results builds the records the estate analysis reads: no cycles among them.
    with collection_paused():
        try:
            while len(results) < len(candidates):
                starting = min(isolation.jobs - len(workers), len(pending))
                start = (context, candidates, settings, isolation.memory, check, keep)
                workers.extend(_Worker.start(*start) for _ in range(starting))
                _top_up(workers, pending)
                _wait(workers, isolation.seconds)
                for worker in list(workers):
                    for index, result in worker.outcomes(candidates, settings, isolation.seconds, pending):
                        results[index] = result
                        if progress is not None:
                            progress(len(results), len(candidates))
                    if worker.ended or not (pending or worker.queue):
                        worker.stop()
                        workers.remove(worker)
        finally:
            for worker in workers:
                worker.stop()
    return [results[i] for i in range(len(candidates))]


def _top_up(workers: list[_Worker], pending: deque[int]) -> None:
    """Send each worker files until `_QUEUED` wait for it, in turns: a short run still spreads."""
    for depth in range(1, _QUEUED + 1):
        for worker in workers:
            if len(worker.queue) < depth and pending:
                worker.send(pending.popleft())


def _size(candidate: Candidate) -> int:
    try:
        return candidate.path.stat().st_size
    except OSError:
        return 0


def _wait(workers: list[_Worker], seconds: float) -> None:
    """Block until a worker answers or dies, or the nearest time limit passes."""
    now = time.monotonic()
    timeout = max(0.0, min((w.started + seconds - now for w in workers), default=0.0)) + 0.01
    if not _POLL:  # pragma: no cover - Windows: its handles need multiprocessing's wait
        from multiprocessing.connection import wait

        wait([w.connection for w in workers] + [w.process.sentinel for w in workers], timeout=timeout)
        return
    poller = select.poll()
    for worker in workers:
        poller.register(worker.connection.fileno(), select.POLLIN)
        poller.register(worker.process.sentinel, select.POLLIN)
    poller.poll(timeout * 1000)


def _readable(connection: Connection) -> bool:
    """Whether an answer (or the end of the pipe) waits: `Connection.poll()` without its selector."""
    if not _POLL:  # pragma: no cover - Windows
        return connection.poll()
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN)
    return bool(poller.poll(0))


class _Worker:
    """One worker process and the files sent to it, the first of which it is on."""

    def __init__(self, process: BaseProcess, connection: Connection) -> None:
        self.process = process
        self.connection = connection
        self.queue: deque[int] = deque()
        self.started = 0.0  # when it began the first file of its queue
        self.ended = False  # it died, or was killed: replaced by a new worker

    @classmethod
    def start(
        cls,
        context: multiprocessing.context.BaseContext,
        candidates: list[Candidate],
        settings: Settings,
        memory: int,
        check: Callable[[Candidate, Settings], FileResult],
        keep: Keep | None,
    ) -> _Worker:
        parent, child = context.Pipe()
        process = context.Process(  # type: ignore[attr-defined]
            target=_serve, args=(child, candidates, settings, memory, check, keep), daemon=True
        )
        process.start()
        child.close()
        return cls(process, parent)

    def send(self, index: int) -> None:
        """Queue a file for it (a dead worker's queue is given back by `outcomes`)."""
        if not self.queue:
            self.started = time.monotonic()
        self.queue.append(index)
        with contextlib.suppress(OSError, ValueError):
            self.connection.send(index)

    def outcomes(
        self, candidates: list[Candidate], settings: Settings, seconds: float, pending: deque[int]
    ) -> Iterator[tuple[int, FileResult]]:
        """The results it sent, in order; a finding for its current file when it died or timed out.

        The rest of a dead worker's queue goes back to `pending`, for another worker.
        """
        with contextlib.suppress(EOFError, OSError):
            while self.queue and _readable(self.connection):
                blob = self.connection.recv_bytes()  # first: at EOF the file is still the current one
                self.started = time.monotonic()
                yield self.queue.popleft(), pickle.loads(blob)
        if not self.queue:
            return
        if not self.process.is_alive():
            why = _death(self.process.exitcode)
        elif time.monotonic() - self.started > seconds:
            self.process.kill()
            why = f"checking it took longer than {seconds:g} s"
        else:
            return
        self.ended = True
        index = self.queue.popleft()
        pending.extendleft(reversed(self.queue))
        self.queue.clear()
        yield index, _failure(candidates[index], settings, why)

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError, BrokenPipeError):
            if self.process.is_alive():
                self.connection.send(None)
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=2)
        with contextlib.suppress(OSError):
            self.connection.close()


def _serve(
    connection: Connection,
    candidates: list[Candidate],
    settings: Settings,
    memory: int,
    check: Callable[[Candidate, Settings], FileResult],
    keep: Keep | None,
) -> None:
    """Worker loop: receive an index, send back its result; None ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    faulthandler.disable()  # a crash is reported as a finding, not as a stack dump on stderr
    gc.enable()  # forked where the parent paused it (check_isolated)
    tune_gc()
    _limit_memory(memory)
    while True:
        try:
            index = connection.recv()
        except (EOFError, OSError):
            return
        if index is None:
            return
        try:
            result = check(candidates[index], settings)
        except MemoryError:
            result = _failure(candidates[index], settings, "it needed more memory than a file may use")
        # Pickled once, for the parent and for `keep` alike.
        blob = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        if keep is not None:
            with contextlib.suppress(Exception):  # best effort: the result is what counts
                keep(candidates[index], settings, result, blob)
        connection.send_bytes(blob)


def _limit_memory(memory: int) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on this platform
        return
    with contextlib.suppress(ValueError, OSError):
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        with contextlib.suppress(ValueError):
            return f"the checker process died on it ({signal.Signals(-exitcode).name})"
    return f"the checker process died on it (exit code {exitcode})"


def _failure(candidate: Candidate, settings: Settings, why: str) -> FileResult:
    display = display_path(candidate.path)
    problem = Problem(
        CHECKER_CRASHED,
        f"{why}; the file was not checked. Other files were.",
        display,
        line=1,
        column=1,
    )
    return FileResult(display, True, findings=problems_to_findings([problem], settings.config), lost=True)


def default_jobs() -> int:
    """Worker count: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
