"""Discovery progress on stderr (cloud-neutral): a rich progress bar when stderr is a
terminal, nothing otherwise (cron, CI, pipes stay quiet). Safe to call from worker threads.

:meth:`Progress.note` is different: a line that must be seen either way (a retry that makes
the run wait). It goes above the bar on a terminal, and to stderr as a plain line otherwise.
"""

from __future__ import annotations

import sys
from typing import Any, Protocol

from pathwarden.textsafe import terminal_safe


class Progress(Protocol):
    def add_total(self, units: int) -> None: ...
    def advance(self, label: str, units: int = 1) -> None: ...
    def note(self, text: str) -> None: ...
    def close(self) -> None: ...


class NullProgress:
    def add_total(self, units: int) -> None:
        pass

    def note(self, text: str) -> None:
        sys.stderr.write(f"pathwarden: {terminal_safe(text)}\n")
        sys.stderr.flush()

    def advance(self, label: str, units: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class RichProgress:
    def __init__(self, description: str) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bar: Any = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[label]}"),
            console=Console(stderr=True),
            transient=False,
        )
        self._task = self._bar.add_task(description, total=0, label="")
        self._bar.start()

    def add_total(self, units: int) -> None:
        total = self._bar.tasks[0].total or 0
        self._bar.update(self._task, total=total + units)

    def advance(self, label: str, units: int = 1) -> None:
        self._bar.update(self._task, advance=units, label=label)

    def note(self, text: str) -> None:
        self._bar.console.print(f"pathwarden: {terminal_safe(text)}", markup=False,
                                highlight=False)

    def close(self) -> None:
        self._bar.stop()


def make_progress(enabled: bool, description: str) -> Progress:
    """A bar only when asked for, stderr is a TTY and rich is installed."""
    if not enabled or not sys.stderr.isatty():
        return NullProgress()
    try:
        return RichProgress(description)
    except ImportError:
        return NullProgress()
