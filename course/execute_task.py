"""The untrusted half of grading: execute one prepared notebook in a sandbox.

``execute_notebook(request)`` is what an executor runs (a Dask task on any worker, or a
plain call): notebook JSON, the files of its directory, the student id and the limits
in; executed notebook JSON, the kernel's log and timings out. It needs no gradebook, no
course directory and no shared filesystem: everything lives in a scratch directory that
is deleted afterwards. Cells are executed by nbgrader's own ``Execute`` preprocessor (the
same per-cell timeout, interrupt and error handling as ``nbgrader autograde``) with a
``SandboxKernelManager``; at the deadline every process of the sandbox is killed.
"""
from __future__ import annotations

import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

import nbformat

from course import kernel_pool, sandbox
from course.kernel_pool import KernelKey

LOG_CHARS = 20_000


@dataclass
class ExecutionRequest:
    """One notebook to execute.

    ``notebook``: nbformat-4 JSON text; ``name``: its file name (e.g. ``02-xor.ipynb``);
    ``student``: student id (``NNCOURSE_STUDENT_ID`` of the kernel); ``files``: the other
    files of the notebook's directory, ``{relative posix path: bytes}``; ``limits``:
    ``sandbox.Limits``; ``sandboxed``: run the kernel in bubblewrap; ``options``: traits of
    nbgrader's ``Execute`` (``timeout``, ``interrupt_on_timeout``, ...).
    """

    notebook: str
    name: str
    student: str
    files: dict = field(default_factory=dict)
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    sandboxed: bool = True
    options: dict = field(default_factory=dict)


@dataclass
class ExecutionResult:
    """What came back.

    ``notebook``: executed notebook JSON (None when execution failed before any output
    could be kept); ``error``: ``""`` or one line ``ExceptionName: message`` (the kernel
    died, the sandbox could not start, ...); ``killed``: ``""`` or why the sandbox was
    killed (the deadline); ``log``: the kernel's stdout/stderr (last LOG_CHARS
    characters); ``seconds``: wall time of the whole task; ``cell_seconds``: time spent
    running the notebook's cells; ``worker``: ``host:pid`` that ran it; ``limits``: the
    limits it ran under; ``phases``: seconds of the task's parts (``kernel_wait``: taking
    the warm kernel, ``execute``: the kernel's readiness and all cells).
    """

    notebook: str | None = None
    error: str = ""
    killed: str = ""
    log: str = ""
    seconds: float = 0.0
    cell_seconds: float = 0.0
    worker: str = ""
    limits: sandbox.Limits | None = None
    phases: dict = field(default_factory=dict)


def _safe_relpath(rel: str) -> PurePosixPath:
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"file name {rel!r} leaves the notebook's directory")
    return path


def _write_files(work: Path, files: dict) -> None:
    for rel, data in files.items():
        dest = work / _safe_relpath(rel)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)


def _cell_seconds(nb) -> float:
    """Sum of the cells' execution times recorded by nbclient (``record_timing``)."""
    total = 0.0
    for cell in nb.cells:
        ex = cell.get("metadata", {}).get("execution", {})
        start, end = ex.get("iopub.execute_input"), ex.get("shell.execute_reply")
        if start and end:
            total += (datetime.fromisoformat(end.replace("Z", "+00:00"))
                      - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
    return total


HIST_ARG = "--HistoryManager.hist_file=:memory:"  # what nbclient adds for IPython kernels


def kernel_key(request: ExecutionRequest, kernel_name: str) -> KernelKey:
    """The ``KernelKey`` a kernel for ``request`` is started with."""
    extra = list(request.options.get("extra_arguments") or [])
    if not any(a.startswith("--HistoryManager.hist_file") for a in extra):
        extra.append(HIST_ARG)
    return KernelKey.of(request.limits, request.sandboxed, kernel_name, extra)


def prepare_worker(sandboxed: bool = True, prestart: bool = True) -> str | None:
    """Ready this worker process for tasks (import the execution stack, build the font
    cache, and, with ``prestart``, start a warm kernel for the first submission, which
    from then on keeps one kernel ahead; ``course.kernel_pool``) and return why the
    sandbox cannot run on it, or None. Run on every worker when an engine starts
    (``distributed.Client.run``)."""
    import matplotlib.font_manager  # noqa: F401 (builds the font cache the sandboxes copy)
    from nbgrader.preprocessors import Execute  # noqa: F401

    why = sandbox.problem() if sandboxed else None
    if why is None and prestart:
        global PRESTART
        PRESTART = True
        default = ExecutionRequest(notebook="", name="", student="", sandboxed=sandboxed)
        kernel_pool.pool().prestart(kernel_key(default, "python3"))
    return why


def stop_worker() -> None:
    """Kill this worker's waiting kernel and start no more (before an engine closes)."""
    global PRESTART
    PRESTART = False
    kernel_pool.pool().close()


PRESTART = False  # set in Dask workers by prepare_worker


def _introducer(executor, student: str):
    """nbclient's ``on_notebook_start`` hook: tell the kernel its student before any cell
    runs (silently: no output, no execution count, no history)."""
    async def introduce(notebook=None, **_):
        msg_id = executor.kc.execute(kernel_pool.introduce_code(student), silent=True,
                                     store_history=False, allow_stdin=False)
        reply = await executor.async_wait_for_reply(msg_id)
        if reply is None or reply["content"].get("status") != "ok":
            raise RuntimeError("the kernel could not be told the student id")
    return introduce


def execute_notebook(request: ExecutionRequest) -> ExecutionResult:
    """Execute ``request.notebook`` in a fresh sandbox (a warm kernel of this worker's
    ``kernel_pool`` when one is waiting); never raises for what the notebook does (a dead
    kernel, the deadline): that is reported in the result.

    Raises:
        ValueError: a file name in ``request.files`` is absolute or contains ``..``.
    """
    from nbgrader.preprocessors import Execute  # the worker imports nbgrader only here

    t0 = time.monotonic()
    result = ExecutionResult(worker=f"{socket.gethostname()}:{os.getpid()}",
                             limits=request.limits)
    why = sandbox.problem() if request.sandboxed else None
    if why:
        result.error = f"SandboxUnavailable: on worker {result.worker}: {why}"
        return result
    for rel in request.files:
        _safe_relpath(rel)
    nb = nbformat.reads(request.notebook, as_version=4)
    kernel_name = nb.metadata.get("kernelspec", {}).get("name", "python3")
    warm = kernel_pool.pool().take(kernel_key(request, kernel_name), prestart_next=PRESTART)
    phases = result.phases
    phases["kernel_wait"] = time.monotonic() - t0
    expired = threading.Event()

    def at_deadline():
        expired.set()
        warm.km.kill_tree()

    timer = threading.Timer(request.limits.deadline, at_deadline)
    timer.daemon = True
    timer.start()
    try:
        warm.give(request.files)
        options = dict(request.options)
        options["extra_arguments"] = list(warm.key.extra_arguments)
        executor = Execute(**options)
        executor.on_notebook_start = _introducer(executor, request.student)
        t1 = time.monotonic()
        warm.wait_started()
        nb, _ = executor.preprocess(nb, {"metadata": {"path": str(warm.dirs.work)}},
                                    km=warm.km)
        phases["execute"] = time.monotonic() - t1
    except Exception as e:  # what the notebook did to its kernel; reported, not raised
        first = (str(e).strip().splitlines() or [""])[0][:300]
        result.error = f"{type(e).__name__}: {first}".rstrip(": ")
    finally:
        timer.cancel()
        warm.km.kill_tree()  # nothing started inside survives the task
    if expired.is_set():
        result.killed = (f"killed at the deadline: the notebook ran longer than "
                         f"{request.limits.deadline:g} s")
    elif result.error and warm.cgroup is not None and warm.cgroup.out_of_memory():
        result.killed = (f"killed: the sandbox's processes together used more than "
                         f"{request.limits.tree_memory / sandbox.GiB:g} GiB of memory")
    result.cell_seconds = _cell_seconds(nb)
    result.notebook = nbformat.writes(nb)
    if warm.log_path.is_file():
        result.log = warm.log_path.read_text(errors="replace")[-LOG_CHARS:]
    # the sandbox is dead already; deleting its cgroup and files need not delay the result
    threading.Thread(target=warm.close, daemon=True, name="nncourse-cleanup").start()
    result.seconds = time.monotonic() - t0
    return result
