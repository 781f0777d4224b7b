"""Checking a policy's paths in worker processes (``check --jobs N``).

Workers are forked from the process that loaded the estate and resolved the segments, so they
share both without copying or re-reading; each answers whole tasks (one path, or one protected
segment) and returns its findings, which the parent puts back in task order: the result does
not depend on the number of workers or on which finished first. The largest tasks (by the
member pairs they may ask about) are handed out first, so one long task does not end up last.
Where ``fork`` is not available the tasks run in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathwarden.check.compare import _Checker
    from pathwarden.check.findings import Finding

_CHECKER: Any = None  # the forked workers' checker (set in the parent just before the fork)


def default_jobs() -> int:
    """One worker per CPU this process may use, at most 8."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(8, cpus or 1))


def _weight(checker: _Checker, task: tuple[str, int]) -> int:
    kind, i = task
    if kind == "protect":
        target = checker.segments[checker.policy.protect[i].segment]
        return len(checker.everyone) * max(1, len(target.members))
    p = checker.policy.paths[i]
    return len(checker.segments[p.src].members) * len(checker.segments[p.dst].members)


def _work(item: tuple[int, tuple[str, int]]) -> tuple[int, list[Finding]]:
    from pathwarden.check.compare import run_task

    index, task = item
    return index, run_task(_CHECKER, task)


def run_parallel(checker: _Checker, tasks: list[tuple[str, int]], jobs: int
                 ) -> list[list[Finding]]:
    from pathwarden.check.compare import run_task

    if "fork" not in multiprocessing.get_all_start_methods():
        return [run_task(checker, t) for t in tasks]
    global _CHECKER
    _CHECKER = checker
    warm = getattr(checker.engine, "prewarm", None)
    if warm is not None:
        warm()
    order = sorted(range(len(tasks)), key=lambda k: -_weight(checker, tasks[k]))
    out: list[list[Finding]] = [[] for _ in tasks]
    try:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(tasks))) as pool:
            for index, findings in pool.imap_unordered(_work, [(k, tasks[k]) for k in order]):
                out[index] = findings
    finally:
        _CHECKER = None
    return out
