"""The bubblewrap sandbox every graded kernel runs in.

``command(cmd, dirs, env, limits)`` wraps a kernel command line in ``bwrap``
(https://github.com/containers/bubblewrap) so that the process sees:

- the system (``/usr`` and the ``/bin``, ``/lib*`` links, a few files of ``/etc``), the
  Python environment (``sys.prefix``, ``sys.base_prefix``) and the ``nnlib`` package, all
  read-only; the ``course`` package is masked by an empty directory when it is installed
  there (its sample mistakes quote solution code);
- its own writable scratch directories (``SandboxDirs``: the submission's files, the
  kernel's sockets and connection file, a home) at the same absolute paths as outside, and
  a small private ``/tmp``; nothing else of the host: not the course root, the gradebook,
  other submissions or the instructor's home;
- no network (``--unshare-net``; the kernel talks to its client over Unix sockets in the
  scratch directory), its own PID, IPC and UTS namespaces, and it dies with its parent
  (``--die-with-parent``): killing the ``bwrap`` process kills every process inside;
- only the environment variables it is given (``--clearenv``);
- resource limits (``Limits``) set with util-linux ``prlimit`` inside the sandbox: address
  space (memory), processes and threads, file size, no core dumps. When the grader runs as
  root, the kernel runs under an unprivileged user id of its own (util-linux ``setpriv``),
  because the kernel does not enforce the process limit for root.

``problem()`` says why the sandbox cannot run here (or None), for a clear error before
grading starts.
"""
from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

GiB = 1 << 30
MiB = 1 << 20
NNLIB_MOUNT = "/opt/nncourse/lib"   # where nnlib appears inside the sandbox (on PYTHONPATH)
HIDDEN_PACKAGES = ("course",)       # masked where they are installed in the environment
ETC_FILES = ("ld.so.cache", "localtime", "nsswitch.conf", "passwd", "group", "hosts",
             "fonts", "mime.types")
SYSTEM_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
UID_BASE = 100_000  # root mode: a kernel runs as UID_BASE + 2 * (worker pid % (UID_SPAN / 2)) + slot
UID_SPAN = 50_000
STUDENT_VAR = "NNCOURSE_STUDENT_ID"
NO_SANDBOX_HINT = ("or grade without isolation with `course grade --no-sandbox` "
                   "(student code then runs with your rights)")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one graded notebook.

    ``memory``: address-space limit per process, bytes (RLIMIT_AS); ``tree_memory``: memory
    of all the sandbox's processes together, bytes (a memory cgroup, where this machine
    lets the grader make one: ``MemoryCgroup``); ``processes``: processes
    plus threads of the sandbox's user (RLIMIT_NPROC); ``file_size``: largest file it may
    write, bytes (RLIMIT_FSIZE); ``tmp_size``: size of its private ``/tmp``, bytes;
    ``cell_timeout``: seconds per cell (the cell is interrupted, the notebook goes on);
    ``deadline``: wall-clock seconds for the whole notebook, kernel start included (then
    every process of the sandbox is killed).

    Raises:
        ValueError: a limit is not positive.
    """

    memory: int = 2 * GiB
    tree_memory: int = 3 * GiB
    processes: int = 64
    file_size: int = 1 * GiB
    tmp_size: int = 256 * MiB
    cell_timeout: int = 30
    deadline: float = 600.0

    def __post_init__(self):
        for name in ("memory", "tree_memory", "processes", "file_size", "tmp_size",
                     "cell_timeout", "deadline"):
            if not getattr(self, name) > 0:
                raise ValueError(f"Limits.{name} must be positive, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class SandboxDirs:
    """The writable directories of one sandbox (absolute paths, same inside and outside):
    ``work`` the submission's files and the kernel's working directory, ``run`` the
    connection file and socket files, ``home`` its ``$HOME``."""

    work: Path
    run: Path
    home: Path

    @classmethod
    def create(cls, scratch: Path) -> "SandboxDirs":
        """Make ``scratch/{work,run,home}`` and return them."""
        dirs = cls(*(Path(scratch) / name for name in ("work", "run", "home")))
        for d in (dirs.work, dirs.run, dirs.home):
            d.mkdir(parents=True, exist_ok=True)
        return dirs

    def all(self) -> tuple[Path, ...]:
        return (self.work, self.run, self.home)


def sandbox_uid(slot: int = 0) -> int | None:
    """The unprivileged user id a kernel runs as when the grader is root: two per worker
    process (``slot`` 0 or 1: the kernel running and the one started for the next
    submission), so two sandboxes never share a process limit; None when not root."""
    if os.geteuid() != 0:
        return None
    return UID_BASE + 2 * (os.getpid() % (UID_SPAN // 2)) + (slot & 1)


def nnlib_dir() -> Path:
    """The directory of the importable ``nnlib`` package (what the sandbox exposes of it).

    Raises:
        RuntimeError: nnlib is not importable in this environment.
    """
    spec = importlib.util.find_spec("nnlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("nnlib is not installed in this Python environment")
    return Path(list(spec.submodule_search_locations)[0]).resolve()


def _python_roots() -> list[Path]:
    roots = []
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
        path = Path(p).resolve()
        if not str(path).startswith("/usr/") and path != Path("/usr") and path not in roots:
            roots.append(path)
    # the interpreter binary may be a symlink into another tree (pyenv, conda, uv)
    exe = Path(sys.executable).resolve().parent.parent
    if not str(exe).startswith("/usr") and exe not in roots:
        roots.append(exe)
    return roots


def _parents(paths: list[Path]) -> list[Path]:
    """Every ancestor directory (except ``/``) of ``paths``, shallowest first, once each."""
    seen: list[Path] = []
    for path in paths:
        for parent in reversed(Path(path).parents):
            if parent != Path("/") and parent not in seen and not str(parent).startswith("/usr"):
                seen.append(parent)
    return sorted(seen, key=lambda p: len(p.parts))


def _masked_packages(roots: list[Path]) -> list[Path]:
    """Installed copies of HIDDEN_PACKAGES inside the exposed Python trees."""
    out = []
    for name in HIDDEN_PACKAGES:
        spec = importlib.util.find_spec(name)
        for loc in (spec.submodule_search_locations or []) if spec else []:
            path = Path(loc).resolve()
            if any(root in path.parents for root in roots):
                out.append(path)
    return out


class MemoryCgroup:
    """A memory cgroup of its own for one sandbox: a limit on the memory of its whole
    process tree (RLIMIT_AS only bounds each process). Made below the cgroup this process
    is in, with cgroup v2 (``memory.max``) or v1's memory controller
    (``memory.limit_in_bytes``), when that directory is writable; ``create`` returns None
    where it is not (then RLIMIT_AS per process is the only memory limit).
    """

    def __init__(self, path: Path, version: int):
        self.path, self.version = Path(path), version

    @staticmethod
    def parent() -> tuple[Path, int] | None:
        """The writable cgroup directory (and version) new memory cgroups go below."""
        try:
            lines = Path("/proc/self/cgroup").read_text().splitlines()
        except OSError:
            return None
        for line in lines:
            hid, controllers, rel = (line.split(":", 2) + ["", ""])[:3]
            if "memory" in controllers.split(","):
                base = Path("/sys/fs/cgroup/memory") / rel.lstrip("/")
                if (base / "memory.limit_in_bytes").exists() and os.access(base, os.W_OK):
                    return base, 1
            if hid == "0" and controllers == "":
                for mount in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified")):
                    base = mount / rel.lstrip("/")
                    try:
                        ok = "memory" in (base / "cgroup.subtree_control").read_text().split()
                    except OSError:
                        ok = False
                    if ok and os.access(base, os.W_OK):
                        return base, 2
        return None

    @classmethod
    def create(cls, name: str, limit: int) -> "MemoryCgroup | None":
        """A new cgroup ``name`` limited to ``limit`` bytes, or None where none can be made."""
        found = cls.parent()
        if found is None:
            return None
        base, version = found
        group = cls(base / name, version)
        try:
            group.path.mkdir()
            if version == 1:
                (group.path / "memory.limit_in_bytes").write_text(str(limit))
                swap = group.path / "memory.memsw.limit_in_bytes"
                if swap.exists():  # memory plus swap: the tree cannot swap its way past it
                    swap.write_text(str(limit))
            else:
                (group.path / "memory.max").write_text(str(limit))
                if (group.path / "memory.swap.max").exists():
                    (group.path / "memory.swap.max").write_text("0")
        except OSError:
            group.remove()
            return None
        return group

    def procs_file(self) -> Path:
        return self.path / "cgroup.procs"

    def out_of_memory(self) -> bool:
        """Whether the limit was reached and the kernel's OOM killer killed a process."""
        try:
            if self.version == 1:
                text = (self.path / "memory.oom_control").read_text()
            else:
                text = (self.path / "memory.events").read_text()
        except OSError:
            return False
        fields = dict(line.split() for line in text.splitlines() if len(line.split()) == 2)
        return int(fields.get("oom_kill", 0)) > 0

    def remove(self) -> None:
        """Kill what is still in the cgroup and delete it (a few tries while the processes
        end)."""
        import signal
        import time

        for _ in range(50):
            try:
                pids = [int(p) for p in self.procs_file().read_text().split()]
            except OSError:
                pids = []
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.1)


# the sandbox's launcher moves itself into the memory cgroup, then becomes bwrap
CGROUP_ENTER = 'echo $$ > "$0" && exec "$@"'


def command(cmd: list[str], dirs: SandboxDirs, env: dict[str, str], limits: Limits,
            uid: int | None = None, cgroup: MemoryCgroup | None = None) -> list[str]:
    """The ``bwrap ... -- prlimit ... -- cmd`` command line.

    Args:
        cmd: the kernel command (e.g. ``[python, -m, ipykernel_launcher, -f, FILE]``).
        dirs: the sandbox's writable directories (must exist).
        env: the complete environment of the kernel.
        limits: resource limits.
        uid: run as this user id (only when the caller is root; see ``sandbox_uid``).
        cgroup: the sandbox's memory cgroup (``MemoryCgroup``): ``sh`` enters it, then
            executes ``bwrap``, so every process of the sandbox is in it.

    Returns:
        The argv list to execute instead of ``cmd``.
    """
    args = ["sh", "-c", CGROUP_ENTER, str(cgroup.procs_file())] if cgroup else []
    args += ["bwrap", "--die-with-parent", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox",
            "--ro-bind", "/usr", "/usr"]
    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            args += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            args += ["--ro-bind", d, d]
    for name in ETC_FILES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    args += ["--proc", "/proc", "--dev", "/dev",
             "--size", str(limits.tmp_size), "--tmpfs", "/tmp"]
    roots = _python_roots()
    # bwrap would create the parents of mount points with the host's modes (e.g. a 0700
    # home): make them traversable
    targets = [*roots, Path(NNLIB_MOUNT) / "nnlib", *dirs.all()]
    for parent in _parents(targets):
        args += ["--perms", "0755", "--dir", str(parent)]
    for root in roots:
        args += ["--ro-bind", str(root), str(root)]
    for path in _masked_packages(roots):
        args += ["--tmpfs", str(path), "--remount-ro", str(path)]
    args += ["--ro-bind", str(nnlib_dir()), f"{NNLIB_MOUNT}/nnlib"]
    for d in dirs.all():
        args += ["--bind", str(d), str(d)]
    args += ["--chdir", str(dirs.work), "--clearenv"]
    for key, value in sorted(env.items()):
        args += ["--setenv", key, value]
    args.append("--")
    if uid is not None:
        args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--"]
    args += ["prlimit", f"--as={limits.memory}", f"--nproc={limits.processes}",
             f"--fsize={limits.file_size}", "--core=0", "--"]
    return args + list(cmd)


def kernel_env(student: str, dirs: SandboxDirs, sandboxed: bool = True) -> dict[str, str]:
    """The whole environment of a graded kernel: nothing of the grader's.

    ``NNCOURSE_STUDENT_ID`` (hidden tests seed their cases from it),
    ``NBGRADER_EXECUTION=autograde``, one BLAS/OpenMP thread, the Agg backend, a home and
    config directories in the scratch area, and ``PYTHONPATH`` pointing at nnlib when
    ``sandboxed``.
    """
    env = {
        "PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin",
                                 "/bin"]),
        "HOME": str(dirs.home),
        "TMPDIR": "/tmp" if sandboxed else str(dirs.home),
        "LANG": "C.UTF-8",
        STUDENT_VAR: student,
        "NBGRADER_EXECUTION": "autograde",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(dirs.home / ".matplotlib"),
        "IPYTHONDIR": str(dirs.home / ".ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    if sandboxed:
        env["PYTHONPATH"] = NNLIB_MOUNT
    return env


@functools.lru_cache(maxsize=1)
def problem() -> str | None:
    """Why a sandboxed kernel cannot start on this machine, or None when it can.

    Starts ``python -c pass`` in the same sandbox a kernel gets (once per process; the
    answer is cached).
    """
    if not sys.platform.startswith("linux"):
        return (f"the grading sandbox needs Linux with bubblewrap; this is {sys.platform}; "
                + NO_SANDBOX_HINT)
    missing = [tool for tool in ("bwrap", "prlimit") + (("setpriv",) if os.geteuid() == 0
                                                           else ()) if not shutil.which(tool)]
    if missing:
        return (f"{', '.join(missing)} not found: install bubblewrap and util-linux "
                f"(Debian/Ubuntu: apt-get install bubblewrap) {NO_SANDBOX_HINT}")
    with tempfile.TemporaryDirectory(prefix="nncourse-sandbox-check-") as tmp:
        dirs = SandboxDirs.create(Path(tmp))
        uid = sandbox_uid()
        if uid is not None:
            for d in dirs.all():
                os.chown(d, uid, uid)
        argv = command([sys.executable, "-c", "import nnlib"], dirs,
                       kernel_env("check", dirs), Limits(), uid)
        try:
            res = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as e:
            return f"bubblewrap could not start a sandbox ({e}) {NO_SANDBOX_HINT}"
    if res.returncode != 0:
        why = (res.stderr.strip().splitlines() or [f"exit status {res.returncode}"])[-1]
        return (f"bubblewrap cannot start a sandbox here ({why}; user namespaces may be "
                f"disabled) {NO_SANDBOX_HINT}")
    return None
