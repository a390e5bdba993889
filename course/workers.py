"""Run tasks in isolated worker processes, a few at a time, each with a deadline.

Each task gets its own process (forked where the platform allows, so the already
imported nbgrader stack is reused) in its own process group. A task that crashes
its process or runs past the deadline is reported, never re-raised: the other
tasks go on. Child processes of a killed worker (e.g. a Jupyter kernel) are
killed with it.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any, Callable, Iterable

try:
    import psutil
except ImportError:  # pragma: no cover (ipykernel depends on psutil)
    psutil = None


@dataclass
class TaskResult:
    """What happened to one task.

    status: ``"ok"`` (``value`` is the function's return value), ``"error"``
    (the function raised; ``detail`` is the traceback), ``"died"`` (the process
    exited without a result; ``detail`` names the exit code or signal) or
    ``"deadline"`` (killed after ``deadline`` seconds). ``seconds``: wall time.
    """

    key: Any
    status: str
    value: Any = None
    detail: str = ""
    seconds: float = 0.0


def _context():
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


def _child(conn, fn, args):
    if hasattr(os, "setpgrp"):
        os.setpgrp()
    try:
        conn.send(("ok", fn(*args)))
    except BaseException:  # report anything, including SystemExit
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def _kill_tree(proc) -> None:
    """Kill a worker process, its process group and all its descendants."""
    pids = []
    if psutil is not None:
        try:
            pids = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
        except psutil.Error:
            pids = []
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    proc.kill()
    proc.join(5)


def _exit_detail(code) -> str:
    if code is not None and code < 0:
        try:
            return f"grading process was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"grading process was killed by signal {-code}"
    return f"grading process exited with code {code} without a result"


def run_tasks(tasks: Iterable[tuple[Any, Callable, tuple]], jobs: int, deadline: float,
              on_done: Callable[[TaskResult], None] | None = None) -> list[TaskResult]:
    """Run ``fn(*args)`` for each ``(key, fn, args)``, at most ``jobs`` at once.

    Args:
        tasks: ``(key, fn, args)``; ``fn`` must be picklable where fork is unavailable.
        jobs: number of concurrent worker processes (>= 1).
        deadline: wall-clock seconds a task may take before its process tree is killed.
        on_done: called in this process with each finished ``TaskResult``.

    Returns:
        One ``TaskResult`` per task, in the order given.
    """
    ctx = _context()
    pending = list(tasks)
    order = [t[0] for t in pending]
    pending.reverse()
    running: dict[Any, tuple] = {}  # key -> (proc, reader, start)
    results: dict[Any, TaskResult] = {}

    def finish(key, res):
        proc, reader, start = running.pop(key)
        res.seconds = time.monotonic() - start
        reader.close()
        results[key] = res
        if on_done:
            on_done(res)

    try:
        _loop(ctx, pending, running, jobs, deadline, finish)
    finally:  # interrupted (Ctrl-C, SIGTERM): leave no worker or kernel behind
        for proc, reader, _ in running.values():
            _kill_tree(proc)
            reader.close()
    return [results[k] for k in order]


def _loop(ctx, pending, running, jobs, deadline, finish) -> None:
    while pending or running:
        while pending and len(running) < max(1, jobs):
            key, fn, args = pending.pop()
            reader, writer = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(writer, fn, args), daemon=False)
            proc.start()
            writer.close()
            running[key] = (proc, reader, time.monotonic())
        now = time.monotonic()
        next_deadline = min(start + deadline for _, _, start in running.values())
        handles = [h for proc, reader, _ in running.values() for h in (reader, proc.sentinel)]
        wait(handles, timeout=max(0.0, next_deadline - now) + 0.05)
        for key, (proc, reader, start) in list(running.items()):
            if reader.poll():
                try:
                    status, payload = reader.recv()
                except (EOFError, OSError):
                    proc.join(5)
                    finish(key, TaskResult(key, "died", detail=_exit_detail(proc.exitcode)))
                    continue
                proc.join(30)
                if proc.is_alive():
                    _kill_tree(proc)
                if status == "ok":
                    finish(key, TaskResult(key, "ok", value=payload))
                else:
                    finish(key, TaskResult(key, "error", detail=payload))
            elif not proc.is_alive():
                proc.join()
                finish(key, TaskResult(key, "died", detail=_exit_detail(proc.exitcode)))
            elif time.monotonic() - start > deadline:
                _kill_tree(proc)
                finish(key, TaskResult(
                    key, "deadline",
                    detail=f"grading took longer than the {deadline:.0f} s deadline and was killed"))
