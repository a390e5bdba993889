"""The grading engine: a Dask cluster to execute on, and whether kernels are sandboxed.

``Engine`` is a context manager. By default it starts an embedded
``distributed.LocalCluster`` (``jobs`` worker processes, one thread each, on 127.0.0.1);
with ``scheduler="tcp://HOST:8786"`` it connects to an existing cluster (``dask
scheduler`` / ``dask worker``, dask-jobqueue, dask-kubernetes) whose workers have this
package installed. Before anything is graded every worker imports the execution stack,
checks that it can start the sandbox and starts its kernel fork server
(``course.execute_task.prepare_worker``); the engine stops with the reason if one cannot
start the sandbox. A fork server lives as long as its worker (for the embedded cluster:
until the engine closes).
"""
from __future__ import annotations

import atexit
import logging
import os
import threading

from course import sandbox
from course.execute_task import prepare_worker
from course.paths import CourseError

SCHEDULER_ENV = "NNCOURSE_SCHEDULER"   # default for --scheduler
CONNECT_TIMEOUT = 30                   # seconds to reach an existing scheduler
_SHARED: dict = {}
_SHARED_LOCK = threading.Lock()


class Engine:
    """Where graded notebooks run.

    Args:
        jobs: worker processes of the embedded cluster (default ``os.cpu_count()``;
            ignored with ``scheduler``).
        scheduler: address of an existing Dask scheduler (default: ``$NNCOURSE_SCHEDULER``,
            else an embedded cluster).
        sandboxed: run kernels in the bubblewrap sandbox.

    Raises (on ``__enter__``):
        CourseError: the sandbox cannot run (here or on a worker), or the scheduler is
            unreachable or has no workers.
    """

    def __init__(self, jobs: int | None = None, scheduler: str | None = None,
                 sandboxed: bool = True):
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
        self.sandboxed = sandboxed
        self.client = None
        self._cluster = None

    def __enter__(self) -> "Engine":
        from distributed import Client, LocalCluster

        if self.sandboxed and not self.scheduler and sandbox.problem():
            raise CourseError(sandbox.problem())
        try:
            if self.scheduler:
                self.client = Client(self.scheduler, timeout=CONNECT_TIMEOUT)
                self.client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
            else:
                self._cluster = LocalCluster(
                    n_workers=self.jobs, threads_per_worker=1, processes=True,
                    host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR)
                self.client = Client(self._cluster)
        except (OSError, TimeoutError) as e:
            self.close()
            raise CourseError(f"cannot reach the Dask scheduler {self.scheduler}: {e}") from e
        try:
            answers = self.client.run(prepare_worker, self.sandboxed)
        except Exception as e:  # e.g. a worker without this package
            self.close()
            raise CourseError(f"the Dask workers cannot run grading tasks ({type(e).__name__}: "
                              f"{e}); install this package on every worker") from e
        bad = {w: why for w, why in answers.items() if why}
        if bad:
            self.close()
            raise CourseError("the sandbox cannot run on worker(s) "
                              + "; ".join(f"{w}: {why}" for w, why in sorted(bad.items())))
        return self

    def slots(self) -> int:
        """Worker threads of the cluster (how many notebooks run at once)."""
        return max(1, sum(self.client.nthreads().values()))

    def close(self) -> None:
        for thing in (self.client, self._cluster):
            if thing is not None:
                try:
                    thing.close()
                except Exception:  # closing a half-started cluster
                    pass
        self.client = self._cluster = None

    def __exit__(self, *exc) -> None:
        self.close()


def shared_engine(jobs: int | None = None, sandboxed: bool = True) -> Engine:
    """An open embedded ``Engine`` with these settings, started on first use and kept for
    the rest of the process (closed at exit), so that repeated ``grade`` calls in one
    process do not start a cluster each. Arguments and errors as for ``Engine``."""
    if sandboxed and sandbox.problem():  # checked on every call, not only the first
        raise CourseError(sandbox.problem())
    key = (max(1, jobs or os.cpu_count() or 1), bool(sandboxed))
    with _SHARED_LOCK:
        engine = _SHARED.get(key)
        if engine is None or engine.client is None or engine.client.status != "running":
            engine = Engine(key[0], None, key[1])
            engine.scheduler = None  # embedded even when $NNCOURSE_SCHEDULER is set
            _SHARED[key] = engine.__enter__()
            atexit.register(engine.close)
        return engine
