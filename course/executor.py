"""Executors: where ``SandboxedExecute`` sends a prepared notebook.

An executor is a callable ``ExecutionRequest -> ExecutionResult`` that also remembers
each result by ``(student, notebook file name)`` (for the grading log and the timings).
``Executor`` runs the request in this process; ``DaskExecutor`` submits it as a task to a
``dask.distributed`` cluster and, while the task runs, lets go of the trusted lock, so
that this process prepares and scores other submissions meanwhile (one thread at a time
touches the gradebook).
"""
from __future__ import annotations

import os
import threading
import uuid

from course.execute_task import ExecutionRequest, ExecutionResult, execute_notebook

# a task that the cluster has not finished this long after its own deadline is given up
GRACE_SECONDS = 120.0
NBGRADER_EXECUTION = "NBGRADER_EXECUTION"


class Executor:
    """Runs each request in this process (sandboxed as the request says)."""

    def __init__(self):
        self.results: dict[tuple[str, str], ExecutionResult] = {}

    def __call__(self, request: ExecutionRequest) -> ExecutionResult:
        result = self.run(request)
        self.results[(request.student, request.name)] = result
        return result

    def run(self, request: ExecutionRequest) -> ExecutionResult:
        """Execute one request; see ``course.execute_task.execute_notebook``."""
        return execute_notebook(request)


class DaskExecutor(Executor):
    """Runs each request as a task on a Dask cluster.

    Args:
        client: a connected ``distributed.Client``.
        trusted: the lock that the calling thread holds while it runs nbgrader; released
            while the task runs.
        queued: how many tasks may wait for a free worker thread before this one (its
            result is awaited for ``(queued + 1)`` deadlines plus GRACE_SECONDS).
        retries: Dask retries of a task that raised (a lost worker's task is rescheduled
            by the scheduler itself, up to ``distributed.scheduler.allowed-failures``).
    """

    def __init__(self, client, trusted: threading.Lock, queued: int = 1, retries: int = 1):
        super().__init__()
        self.client, self.trusted = client, trusted
        self.queued, self.retries = queued, retries

    def run(self, request: ExecutionRequest) -> ExecutionResult:
        key = f"execute-{request.student}-{request.name}-{uuid.uuid4().hex[:8]}"
        future = self.client.submit(execute_notebook, request, key=key, pure=False,
                                    retries=self.retries)
        wait = (self.queued + 1) * request.limits.deadline + GRACE_SECONDS
        self.trusted.release()
        try:
            return future.result(timeout=wait)
        except TimeoutError:
            future.cancel()
            return ExecutionResult(error=f"ClusterTimeout: no result from the cluster within "
                                         f"{wait:.0f} s")
        except Exception as e:  # KilledWorker, CancelledError, a worker without nbgrader...
            first = (str(e).strip().splitlines() or [""])[0][:300]
            return ExecutionResult(error=f"the cluster lost this task: {type(e).__name__}: "
                                         f"{first}")
        finally:
            self.trusted.acquire()
            # this step runs inside nbgrader's setenv(NBGRADER_EXECUTION="autograde"), which
            # deletes the variable when it ends: a submission that ended meanwhile has
            # already deleted it; put it back for ours
            os.environ[NBGRADER_EXECUTION] = "autograde"
