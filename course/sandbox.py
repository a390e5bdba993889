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

import fcntl
import functools
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

GiB = 1 << 30
MiB = 1 << 20
NNLIB_MOUNT = "/opt/nncourse/lib"   # where nnlib appears inside the sandbox (on PYTHONPATH)
HIDDEN_PACKAGES = ("course",)       # masked where they are installed in the environment
ETC_FILES = ("ld.so.cache", "localtime", "nsswitch.conf", "passwd", "group", "hosts",
             "fonts", "mime.types")
SYSTEM_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
UID_BASE = 100_000  # root mode: the kernel runs as UID_BASE + (worker pid % UID_SPAN)
UID_SPAN = 50_000
KERNEL_UIDS = 50     # fork-server mode: user ids per worker process, one per kernel in turn
ZYGOTE_UID_BASE = UID_BASE + UID_SPAN  # fork-server mode: blocks above the per-worker ids
UID_BLOCKS = 1000
UID_LOCK_DIR = Path(tempfile.gettempdir()) / "nncourse-uid-blocks"
NO_SANDBOX_HINT = ("or grade without isolation with `course grade --no-sandbox` "
                   "(student code then runs with your rights)")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one graded notebook.

    ``memory``: address-space limit per process, bytes (RLIMIT_AS); ``processes``: processes
    plus threads of the sandbox's user (RLIMIT_NPROC); ``file_size``: largest file it may
    write, bytes (RLIMIT_FSIZE); ``tmp_size``: size of its private ``/tmp``, bytes;
    ``cell_timeout``: seconds per cell (the cell is interrupted, the notebook goes on);
    ``deadline``: wall-clock seconds for the whole notebook, kernel start included (then
    every process of the sandbox is killed).

    Raises:
        ValueError: a limit is not positive.
    """

    memory: int = 2 * GiB
    processes: int = 64
    file_size: int = 1 * GiB
    tmp_size: int = 256 * MiB
    cell_timeout: int = 30
    deadline: float = 600.0

    def __post_init__(self):
        for name in ("memory", "processes", "file_size", "tmp_size", "cell_timeout",
                     "deadline"):
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


def sandbox_uid() -> int | None:
    """The unprivileged user id the kernel runs as when the grader is root, one per worker
    process (so two sandboxes never share a process limit); None when not root."""
    if os.geteuid() != 0:
        return None
    return UID_BASE + os.getpid() % UID_SPAN


_BLOCK: list = []   # (first id, the lock file's descriptor) of this process's block
_BLOCK_LOCK = threading.Lock()


def uid_block() -> int:
    """The first user id of this process's block of KERNEL_UIDS ids (fork-server mode,
    root), from ZYGOTE_UID_BASE on. The block is reserved for the life of the process by an
    exclusive lock (``flock``) on a file under UID_LOCK_DIR, so two worker processes of one
    machine never share a block, whatever their PIDs; the lock goes with the process.

    Raises:
        RuntimeError: all UID_BLOCKS blocks are held by other processes.
    """
    with _BLOCK_LOCK:
        if not _BLOCK:
            UID_LOCK_DIR.mkdir(mode=0o700, exist_ok=True)
            start = os.getpid() % UID_BLOCKS
            for k in range(UID_BLOCKS):
                block = (start + k) % UID_BLOCKS
                fd = os.open(UID_LOCK_DIR / f"{block}.lock", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                _BLOCK.append((ZYGOTE_UID_BASE + block * KERNEL_UIDS, fd))
                break
            else:
                raise RuntimeError(f"all {UID_BLOCKS} blocks of kernel user ids are in use "
                                   f"(lock files in {UID_LOCK_DIR})")
        return _BLOCK[0][0]


def kernel_uid(serial: int) -> int:
    """The unprivileged user id of this worker's ``serial``-th kernel (root only): the ids
    of its block (``uid_block``) in turn, so that a kernel's process limit never counts
    the processes of the one before, nor those of another worker's kernels."""
    return uid_block() + serial % KERNEL_UIDS


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


def bwrap_args(writable: list[Path], env: dict[str, str], tmp_size: int,
               chdir: Path, readonly: dict[Path, str] | None = None) -> list[str]:
    """The ``bwrap ... --`` part of a sandbox's command line: the read-only view (system,
    Python environment, nnlib; ``course`` masked), a private ``/tmp`` of ``tmp_size``
    bytes, no network, own PID/IPC/UTS namespaces, death with the parent.

    Args:
        writable: directories bound read-write at the same absolute paths (must exist).
        env: the complete environment inside.
        tmp_size: size of the private ``/tmp``, bytes.
        chdir: working directory inside.
        readonly: further files or directories, ``{host path: path inside}``, read-only.

    Returns:
        The argv prefix, ending with ``--``.
    """
    args = ["bwrap", "--die-with-parent", "--unshare-pid", "--unshare-net", "--unshare-ipc",
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
             "--size", str(tmp_size), "--tmpfs", "/tmp"]
    roots = _python_roots()
    extra = {Path(k): Path(v) for k, v in (readonly or {}).items()}
    # bwrap would create the parents of mount points with the host's modes (e.g. a 0700
    # home): make them traversable
    targets = [*roots, Path(NNLIB_MOUNT) / "nnlib", *extra.values(), *writable]
    for parent in _parents(targets):
        args += ["--perms", "0755", "--dir", str(parent)]
    for root in roots:
        args += ["--ro-bind", str(root), str(root)]
    for path in _masked_packages(roots):
        args += ["--tmpfs", str(path), "--remount-ro", str(path)]
    args += ["--ro-bind", str(nnlib_dir()), f"{NNLIB_MOUNT}/nnlib"]
    for src, dest in extra.items():
        args += ["--ro-bind", str(src), str(dest)]
    for d in writable:
        args += ["--bind", str(d), str(d)]
    args += ["--chdir", str(chdir), "--clearenv"]
    for key, value in sorted(env.items()):
        args += ["--setenv", key, value]
    return args + ["--"]


def command(cmd: list[str], dirs: SandboxDirs, env: dict[str, str], limits: Limits,
            uid: int | None = None) -> list[str]:
    """The ``bwrap ... -- prlimit ... -- cmd`` command line.

    Args:
        cmd: the kernel command (e.g. ``[python, -m, ipykernel_launcher, -f, FILE]``).
        dirs: the sandbox's writable directories (must exist).
        env: the complete environment of the kernel.
        limits: resource limits.
        uid: run as this user id (only when the caller is root; see ``sandbox_uid``).

    Returns:
        The argv list to execute instead of ``cmd``.
    """
    args = bwrap_args(list(dirs.all()), env, limits.tmp_size, dirs.work)
    if uid is not None:
        args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--"]
    args += ["prlimit", f"--as={limits.memory}", f"--nproc={limits.processes}",
             f"--fsize={limits.file_size}", "--core=0", "--"]
    return args + list(cmd)


def seed_matplotlib_cache(dest: Path) -> None:
    """Copy this process's matplotlib font list into the directory ``dest`` (created), so
    that a sandboxed matplotlib does not rebuild it (a sandbox starts with an empty home)."""
    try:
        import matplotlib
        from matplotlib import font_manager
    except ImportError:  # pragma: no cover (a dependency)
        return
    src = Path(matplotlib.get_cachedir()) / f"fontlist-v{font_manager.FontManager.__version__}.json"
    if src.is_file():
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, dest / src.name)


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
        "NNCOURSE_STUDENT_ID": student,
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
