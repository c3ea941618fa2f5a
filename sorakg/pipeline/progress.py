"""What a long build shows while it runs.

The pipeline reports its stages through one callback (``"SHACL validation …"`` when a stage
starts, ``"SHACL validation done in 3.80 s"`` when it ends). :class:`StageProgress` is that
callback for the command line:

* on a terminal, a rich progress display (a bar over the stages, the running stage with a
  spinner and its elapsed time), removed when the build ends so only the summary line stays;
* elsewhere (a pipe, a log, CI), one plain line per stage as it starts, so a log shows where a
  slow or stuck build is;
* with ``-v``, every message as a plain line, timings included.
"""

from __future__ import annotations

import os
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

STARTS = " …"
ENDS = " done in "


def interactive(console: Console) -> bool:
    """A terminal a person watches (not CI, whose logs may claim to be one)."""
    return console.is_terminal and not os.environ.get("CI")


class StageProgress:
    def __init__(self, console: Console, stages: int, verbose: bool = False) -> None:
        self.console = console
        self.verbose = verbose
        self.bar: Progress | None = None
        if interactive(console) and not verbose:
            self.bar = Progress(
                SpinnerColumn(),
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                TextColumn("{task.completed}/{task.total} stages"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self.task = self.bar.add_task("starting", total=stages)

    def __enter__(self) -> StageProgress:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, message: str) -> None:
        if self.bar is not None:
            if message.endswith(STARTS):
                self.bar.update(self.task, description=message.removesuffix(STARTS))
            elif ENDS in message:
                self.bar.advance(self.task)
        elif self.verbose or message.endswith(STARTS):
            self.console.print(message, style="dim", markup=False, highlight=False)
