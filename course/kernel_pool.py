"""Sandboxed kernels started before their submission arrives.

Starting a kernel (bubblewrap, Python, ipykernel) and importing what the notebooks import
(numpy, matplotlib, nnlib, scikit-learn's datasets) takes seconds. A grading worker
therefore keeps one ``WarmKernel`` ready: while it runs notebook N, the kernel for N+1 is
already started in a sandbox of its own whose scratch directory is still empty, and has
imported ``PRELOAD`` (into ``sys.modules`` only: no name of the user namespace is bound, no
execution count used). When N+1 arrives, its files are written into that scratch
directory, the kernel is told the student id (``introduce``) and nbgrader's ``Execute``
runs the notebook on it. A warm kernel serves exactly one submission and is then killed
with its whole process tree (``WarmKernel.close``); every guarantee of ``course.sandbox``
holds, since the kernel is the same sandboxed kernel started earlier.

``KernelPool`` (one per worker process, ``pool()``) starts kernels in a thread of its own
that lives as long as the process (bubblewrap's ``--die-with-parent`` follows the thread
that started it), and keeps at most one kernel waiting. A waiting kernel started with other
limits or another kernel name than the submission needs is killed and replaced.
"""
from __future__ import annotations

import asyncio
import atexit
import itertools
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from course import sandbox
from course.sandbox_kernel import SandboxKernelManager

# modules the course's notebooks import; a missing one is skipped (the kernel's log says so)
PRELOAD = ("numpy", "matplotlib", "matplotlib.pyplot", "matplotlib_inline.backend_inline",
           "ipywidgets", "nnlib", "nnlib.checks", "nnlib.data", "nnlib.graders",
           "nnlib.notebook", "nnlib.plotting", "sklearn.datasets")
# inline figures of a graded notebook are rendered at this dpi (matplotlib's default is
# 100): they only illustrate the feedback, and half the pixels make the kernel's PNGs,
# the notebook sent back and the feedback page (parsed whole by nbconvert) cheaper
FIGURE_DPI = 72
START_TIMEOUT = 120.0
_SERIAL = itertools.count()  # seconds to wait for a kernel's start (the deadline still applies)


def preload_line(modules=PRELOAD) -> str:
    """One IPython line importing ``modules`` without binding a name (the expression is
    None, so nothing is displayed or stored in ``_``); a module that fails to import is
    skipped."""
    names = ", ".join(repr(m) for m in modules)
    return ("None if [__import__('importlib.util').util.find_spec(m.split('.')[0]) is None "
            f"or __import__(m) for m in ({names},)] else None")


def introduce_code(student: str) -> str:
    """Code run (silently) in a warm kernel before the notebook: the student id for the
    hidden tests' seeds, and fresh import caches (the submission's files are new)."""
    return (f"__import__('os').environ.__setitem__({sandbox.STUDENT_VAR!r}, {student!r}); "
            "__import__('importlib').invalidate_caches()")


@dataclass(frozen=True)
class KernelKey:
    """What a kernel is started with, so a waiting one can be matched to a submission."""

    sandboxed: bool
    memory: int
    tree_memory: int
    processes: int
    file_size: int
    tmp_size: int
    kernel_name: str
    extra_arguments: tuple = ()

    @classmethod
    def of(cls, limits: sandbox.Limits, sandboxed: bool, kernel_name: str = "python3",
           extra_arguments=()) -> "KernelKey":
        return cls(bool(sandboxed), limits.memory, limits.tree_memory, limits.processes,
                   limits.file_size, limits.tmp_size, kernel_name, tuple(extra_arguments))

    def limits(self) -> sandbox.Limits:
        return sandbox.Limits(memory=self.memory, tree_memory=self.tree_memory,
                              processes=self.processes,
                              file_size=self.file_size, tmp_size=self.tmp_size)


def kernel_config(home: Path, modules=PRELOAD, dpi: int = FIGURE_DPI) -> Path:
    """Write the kernel's IPython profile config under ``home``: the inline figures' dpi
    and, when ``modules``, the pre-import line."""
    profile = home / ".ipython" / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    path = profile / "ipython_kernel_config.py"
    lines = ["c = get_config()  # noqa: F821",
             f"c.InlineBackend.print_figure_kwargs = {{'bbox_inches': 'tight', 'dpi': {int(dpi)}}}"]
    if modules:
        lines.append(f"c.IPKernelApp.exec_lines = [{preload_line(modules)!r}]")
    path.write_text("\n".join(lines) + "\n")
    return path


class WarmKernel:
    """One sandboxed kernel in its own scratch directory, started without a submission.

    Args:
        key: ``KernelKey`` (limits, kernel name, kernel arguments).
        slot: 0 or 1; as root, the two kernels a worker may have at once (one running,
            one waiting) run under different user ids, so they never share a process limit.
        loop: the event loop (of the pool's thread) that starts the kernel.
    """

    def __init__(self, key: KernelKey, slot: int, loop: asyncio.AbstractEventLoop,
                 modules=PRELOAD):
        self.key = key
        self._tmp = tempfile.TemporaryDirectory(prefix="nncourse-grade-")
        self.scratch = Path(self._tmp.name)
        self.dirs = sandbox.SandboxDirs.create(self.scratch)
        seed_matplotlib_cache(self.dirs.home)
        kernel_config(self.dirs.home, modules)
        self.uid = sandbox.sandbox_uid(slot) if key.sandboxed else None
        if self.uid is not None:
            chown_tree(self.scratch, self.uid)
        self.log_path = self.scratch / "kernel.log"
        self.cgroup = sandbox.MemoryCgroup.create(
            f"nncourse-{os.getpid()}-{next(_SERIAL)}", key.tree_memory) \
            if key.sandboxed else None
        self.km = SandboxKernelManager(
            self.dirs, sandbox.kernel_env("", self.dirs, key.sandboxed), key.limits(),
            self.log_path, sandboxed=key.sandboxed, uid=self.uid, cgroup=self.cgroup,
            kernel_name=key.kernel_name)
        self._closed = False
        self._loop = loop
        self.started = asyncio.run_coroutine_threadsafe(
            self.km.start_kernel(cwd=str(self.dirs.work),
                                 extra_arguments=list(key.extra_arguments)), loop)

    def wait_started(self, timeout: float = START_TIMEOUT) -> None:
        """Block until the kernel process is launched (its imports may still run).

        Raises:
            Exception: whatever starting the kernel raised (bwrap missing, ...).
        """
        self.started.result(timeout=timeout)

    def give(self, files: dict) -> None:
        """Put the submission's files into the scratch directory (owned by the kernel's
        user when it has its own)."""
        from course.execute_task import _write_files

        _write_files(self.dirs.work, files)
        if self.uid is not None:
            chown_tree(self.dirs.work, self.uid)

    def close(self) -> None:
        """Kill the kernel's whole process tree and delete its scratch directory (once)."""
        if self._closed:
            return
        self._closed = True
        try:
            self.started.result(timeout=START_TIMEOUT)
        except Exception:  # noqa: BLE001 (never started: nothing to kill)
            pass
        self.km.kill_tree()
        prov = self.km.provisioner
        proc = getattr(prov, "process", None) if prov else None
        if proc is not None:
            try:
                proc.wait(timeout=10)
            except Exception:  # noqa: BLE001
                pass
        try:  # the control socket and connection file, in the loop that made them
            asyncio.run_coroutine_threadsafe(self.km.cleanup_resources(restart=False),
                                             self._loop).result(timeout=10)
        except Exception:  # noqa: BLE001 (a kernel that never started)
            pass
        if self.cgroup is not None:
            self.cgroup.remove()
        self._tmp.cleanup()


class KernelPool:
    """At most one waiting ``WarmKernel`` per process, started in the pool's own thread."""

    def __init__(self, modules=PRELOAD):
        self.modules = modules
        self._lock = threading.Lock()
        self._waiting: WarmKernel | None = None
        self._slot = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="nncourse-kernel-starter")
        self._thread.start()
        atexit.register(self.close)

    def _start(self, key: KernelKey, preload: bool = True) -> WarmKernel:
        self._slot ^= 1
        return WarmKernel(key, self._slot, self._loop, self.modules if preload else ())

    def prestart(self, key: KernelKey) -> None:
        """Start a kernel for ``key`` unless one is already waiting."""
        with self._lock:
            if self._waiting is None:
                self._waiting = self._start(key)

    def take(self, key: KernelKey, prestart_next: bool = True) -> WarmKernel:
        """The waiting kernel when it matches ``key`` (else a new one); then, if
        ``prestart_next``, start the next one. The caller owns the kernel it gets and
        must ``close()`` it. A kernel started here and now (none was waiting) imports
        nothing ahead unless ``prestart_next`` (a worker that keeps kernels ahead)."""
        with self._lock:
            warm, self._waiting = self._waiting, None
        if warm is not None and (warm.key != key or warm.started.done()
                                 and warm.started.exception() is not None):
            warm.close()
            warm = None
        if warm is None:  # started now for this submission: nothing to import ahead
            with self._lock:
                warm = self._start(key, preload=prestart_next)
        if prestart_next:
            self.prestart(key)
        return warm

    def close(self) -> None:
        """Kill the waiting kernel (at exit)."""
        with self._lock:
            warm, self._waiting = self._waiting, None
        if warm is not None:
            warm.close()


_POOL: KernelPool | None = None
_POOL_LOCK = threading.Lock()


def pool() -> KernelPool:
    """This process's ``KernelPool`` (created on first use)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = KernelPool()
        return _POOL


def chown_tree(top: Path, uid: int) -> None:
    for dirpath, dirnames, filenames in os.walk(top):
        for name in [dirpath, *(os.path.join(dirpath, n) for n in dirnames + filenames)]:
            os.lchown(name, uid, uid)


def seed_matplotlib_cache(home: Path) -> None:
    """Copy this worker's matplotlib font list into the sandbox's config directory, so the
    kernel does not rebuild it (every sandbox starts with an empty home)."""
    try:
        import matplotlib
        from matplotlib import font_manager
    except ImportError:  # pragma: no cover (a dependency)
        return
    src = Path(matplotlib.get_cachedir()) / f"fontlist-v{font_manager.FontManager.__version__}.json"
    if src.is_file():
        dest = home / ".matplotlib"
        dest.mkdir(exist_ok=True)
        shutil.copy(src, dest / src.name)
