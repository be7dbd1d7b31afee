"""A progress bar on stderr for long runs, shown only when stderr is a terminal."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

# Below this many files to check, a run is over before a bar would help.
MIN_FILES = 20


@contextlib.contextmanager
def progress_bar(enabled: bool, min_files: int = MIN_FILES) -> Iterator[Callable[[int, int], None] | None]:
    """Yield a `progress(done, total)` callback that draws a bar on stderr, or None when disabled.

    The bar appears on the first call whose total reaches `min_files`, and is removed when
    the run ends, so that it never mixes with the report.
    """
    if not enabled:
        yield None
        return
    # Imported here: rich costs a tenth of the start-up, and most runs (CI) have no terminal.
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    bar = Progress(
        TextColumn("checking specs"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
    task: list[Any] = []

    def progress(done: int, total: int) -> None:
        if total < min_files:
            return
        if not task:
            bar.start()
            task.append(bar.add_task("check", total=total))
        bar.update(task[0], completed=done)

    try:
        yield progress
    finally:
        if task:
            bar.stop()
