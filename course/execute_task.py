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

import itertools
import os
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

import nbformat

from course import sandbox, zygote_client
from course.sandbox_kernel import SandboxKernelManager

LOG_CHARS = 20_000
# IPython configuration of every graded kernel: figures drawn once, at 72 dpi. The inline
# backend otherwise draws each figure twice (the second time to fit its tight bounding
# box) at matplotlib's 100 dpi; a feedback page needs no more. Only for this kernel: the
# file lives in its scratch home.
KERNEL_CONFIG = """# written by the grader for this graded kernel only: cheaper figures while grading
c.InlineBackend.print_figure_kwargs = {"bbox_inches": None}
c.InlineBackend.rc = {"figure.dpi": 72}
"""
_KERNEL_SERIAL = itertools.count()   # this worker's kernels, for their user ids


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
    limits it ran under.
    """

    notebook: str | None = None
    error: str = ""
    killed: str = ""
    log: str = ""
    seconds: float = 0.0
    cell_seconds: float = 0.0
    worker: str = ""
    limits: sandbox.Limits | None = None


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


def _chown_tree(top: Path, uid: int) -> None:
    for dirpath, dirnames, filenames in os.walk(top):
        for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
            os.lchown(name, uid, uid)


def write_kernel_config(ipython_dir: Path) -> Path:
    """Write KERNEL_CONFIG as ``ipython_dir/profile_default/ipython_kernel_config.py``
    (``IPYTHONDIR`` of the graded kernel, ``sandbox.kernel_env``); returns its path."""
    profile = ipython_dir / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    path = profile / "ipython_kernel_config.py"
    path.write_text(KERNEL_CONFIG, encoding="utf-8")
    return path


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


def prepare_worker(sandboxed: bool = True) -> str | None:
    """Ready this worker process for tasks (import the execution stack, build the font
    cache, start the kernel fork server in the background) and return why the sandbox
    cannot run on it, or None. Run on every worker when an engine starts
    (``distributed.Client.run``)."""
    import matplotlib.font_manager  # noqa: F401 (builds the font cache the sandboxes copy)
    from nbgrader.preprocessors import Execute  # noqa: F401

    why = sandbox.problem() if sandboxed else None
    if sandboxed and not why:
        threading.Thread(target=zygote_client.worker_zygote, daemon=True).start()
    return why


def _execute(request: ExecutionRequest, result: ExecutionResult, zygote) -> None:
    """Execute the notebook in a fresh scratch directory with a kernel from ``zygote``
    (a bwrap of its own when None) and fill in ``result``.

    Raises:
        course.zygote_client.ZygoteError: the zygote could not start the kernel.
    """
    from nbgrader.preprocessors import Execute

    nb = nbformat.reads(request.notebook, as_version=4)
    with tempfile.TemporaryDirectory(prefix="nncourse-grade-",
                                     dir=zygote.spool if zygote else None) as scratch:
        dirs = sandbox.SandboxDirs.create(Path(scratch) / "box")
        _write_files(dirs.work, request.files)
        sandbox.seed_matplotlib_cache(dirs.home / ".matplotlib")
        write_kernel_config(dirs.home / ".ipython")
        uid = None
        if request.sandboxed:
            uid = (sandbox.kernel_uid(next(_KERNEL_SERIAL)) if zygote
                   else sandbox.sandbox_uid())
        if uid is not None:
            _chown_tree(dirs.work.parent, uid)
        log_path = Path(scratch) / "kernel.log"
        if request.sandboxed and zygote is None and zygote_client.fallback_reason():
            log_path.write_text(f"(kernel started by bwrap: no fork server on this worker: "
                                f"{zygote_client.fallback_reason()})\n")
        kernel_name = nb.metadata.get("kernelspec", {}).get("name", "python3")
        km = SandboxKernelManager(
            dirs, sandbox.kernel_env(request.student, dirs, request.sandboxed),
            request.limits, log_path, sandboxed=request.sandboxed, uid=uid,
            zygote=zygote, kernel_name=kernel_name)
        executor = Execute(**request.options)
        expired = threading.Event()

        def at_deadline():
            expired.set()
            km.kill_tree()

        timer = threading.Timer(request.limits.deadline, at_deadline)
        timer.daemon = True
        timer.start()
        try:
            nb, _ = executor.preprocess(nb, {"metadata": {"path": str(dirs.work)}}, km=km)
        except zygote_client.ZygoteError:
            raise  # the fork server's failure, not the notebook's: the caller retries
        except Exception as e:  # what the notebook did to its kernel; reported, not raised
            first = (str(e).strip().splitlines() or [""])[0][:300]
            result.error = f"{type(e).__name__}: {first}".rstrip(": ")
        finally:
            timer.cancel()
            km.kill_tree()  # nothing started inside survives the task
        if expired.is_set():
            result.killed = (f"killed at the deadline: the notebook ran longer than "
                             f"{request.limits.deadline:g} s")
        result.cell_seconds = _cell_seconds(nb)
        result.notebook = nbformat.writes(nb)
        if log_path.is_file():
            result.log = log_path.read_text(errors="replace")[-LOG_CHARS:]


def execute_notebook(request: ExecutionRequest) -> ExecutionResult:
    """Execute ``request.notebook`` in a fresh sandbox; never raises for what the notebook
    does (a dead kernel, the deadline): that is reported in the result.

    Raises:
        ValueError: a file name in ``request.files`` is absolute or contains ``..``.
    """
    t0 = time.monotonic()
    result = ExecutionResult(worker=f"{socket.gethostname()}:{os.getpid()}",
                             limits=request.limits)
    why = sandbox.problem() if request.sandboxed else None
    if why:
        result.error = f"SandboxUnavailable: on worker {result.worker}: {why}"
        return result
    zygote = zygote_client.worker_zygote() if request.sandboxed else None
    try:
        _execute(request, result, zygote)
    except zygote_client.ZygoteError as e:  # the fork server failed: this kernel by bwrap
        zygote_client.give_up(str(e))
        _execute(request, result, None)
    result.seconds = time.monotonic() - t0
    return result
