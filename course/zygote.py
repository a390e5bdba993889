"""The fork server ("zygote") that starts graded kernels; it runs INSIDE the sandbox.

This file is a standalone script (standard library only, plus the modules it preloads):
``course.zygote_client`` bind-mounts it read-only into a bubblewrap sandbox (the same
read-only view as a kernel's, the ``course`` package masked) and runs it as root there
with the capabilities it needs to build each kernel's own sandbox::

    python zygote.py SPOOL

It imports the kernel stack once (ipykernel, IPython, zmq, numpy, matplotlib with Agg,
nnlib and its graders, the notebooks' other imports), never runs student code, and
serves requests on the Unix socket ``SPOOL/zygote.sock`` (SOCK_SEQPACKET). A request is
one JSON message (``scratch``, ``uid``, ``limits``, ``env``, ``cwd``, ``argv``) with the
kernel log's file descriptor attached. For each request it forks; the child:

1. unshares a mount, PID, network, IPC and UTS namespace; in the new mount namespace it
   mounts a fresh tmpfs on ``/tmp`` and ``/dev/shm`` (binding back, read-only, what the
   read-only view had under ``/tmp``), hides the spool under a tmpfs and
   binds back only its own scratch directory (same absolute path); brings up loopback;
2. forks the kernel, PID 1 of the new PID namespace, which mounts a fresh ``/proc``,
   tells the client its PID (``SCM_CREDENTIALS``: the client sees its host PID) and waits
   for "go", closes every inherited descriptor, sets the rlimits, switches to the
   request's unprivileged uid/gid, drops every capability, sets no_new_privs, replaces
   the environment, chdirs and runs ``ipykernel_launcher`` in-process;
3. waits for the kernel and sends the client ``{"exit": status}``.

Killing the kernel (PID 1 of its namespace) kills every process it started.
"""
from __future__ import annotations

import ctypes
import fcntl
import json
import os
import select
import signal
import socket
import struct
import sys
import traceback

SOCKET_NAME = "zygote.sock"
MAX_MESSAGE = 1 << 16
MPL_DIR = "/tmp/matplotlib"   # matplotlib's config dir in the zygote and in every kernel
PRELOAD = (
    "numpy", "matplotlib", "matplotlib.pyplot", "matplotlib.patches", "zmq",
    "IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell",
    "ipykernel.debugger", "IPython.core.completer", "sqlite3", "pdb",
    "matplotlib_inline.backend_inline",   # inert at import: the backend is Agg here
    "ipywidgets", "threadpoolctl", "sympy", "scipy.special",
    "sklearn.datasets", "sklearn.model_selection", "sklearn.preprocessing",
)
CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND = 0x2, 0x4, 0x8, 0x1000
MS_REC, MS_PRIVATE = 0x4000, 0x40000
MS_RDONLY, MS_REMOUNT = 0x1, 0x20
PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_CAP_AMBIENT = 38, 24, 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
CAP_LAST = 63
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
_libc = ctypes.CDLL(None, use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int,
           data: str | None = None) -> None:
    """mount(2). Raises OSError."""
    enc = (lambda s: s.encode() if s is not None else None)
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags),
                       enc(data)), f"mount {target}")


def _prctl(option: int, arg: int = 0) -> int:
    return _libc.prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0),
                       ctypes.c_ulong(0))


def preload() -> list[str]:
    """Import the kernel stack and nnlib (one BLAS thread, Agg); returns the modules that
    could not be imported (the kernel imports them itself if it needs them)."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    os.environ["MPLBACKEND"] = "Agg"
    os.environ["MPLCONFIGDIR"] = MPL_DIR
    os.makedirs(MPL_DIR, exist_ok=True)
    seed = os.environ.pop("NNCOURSE_MPL_SEED", "")
    if os.path.isdir(seed):   # the worker's font list: not rebuilt here
        import shutil
        for name in os.listdir(seed):
            shutil.copy(os.path.join(seed, name), MPL_DIR)
    failed = []
    for name in PRELOAD:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 (an optional dependency)
            failed.append(name)
    try:
        import pkgutil

        import nnlib
        for info in pkgutil.walk_packages(nnlib.__path__, "nnlib."):
            try:
                __import__(info.name)
            except Exception:  # noqa: BLE001
                failed.append(info.name)
    except Exception:  # noqa: BLE001
        failed.append("nnlib")
    return failed


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, SIOCGIFFLAGS, req))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


def _inside(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip("/") + "/")


def read_only_mounts_under(top: str, spool: str,
                           mountinfo: str = "/proc/self/mountinfo") -> list[str]:
    """The outermost mount points strictly below ``top`` that are not in ``spool``, from
    ``mountinfo``: the parts of the sandbox's read-only view that a fresh tmpfs on ``top``
    would hide (a Python environment in a checkout under /tmp, for one)."""
    points = []
    with open(mountinfo, encoding="utf-8") as f:
        for line in f:
            point = line.split()[4].encode().decode("unicode_escape")   # "\040" is a space
            if _inside(point, top) and point != top and not _inside(point, spool):
                points.append(point)
    points = sorted(set(points), key=lambda p: (p.count("/"), p))
    outer: list[str] = []
    for p in points:
        if not any(_inside(p, o) for o in outer):
            outer.append(p)
    return outer


def isolate(spool: str, scratch: str, uid: int, tmp_size: int) -> None:
    """In the calling process: new namespaces (mount, PID for its children, network, IPC,
    UTS), fresh ``/tmp`` and ``/dev/shm``, only ``scratch`` visible of ``spool``.

    Raises:
        OSError: a namespace or mount could not be made.
    """
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC
                         | CLONE_NEWUTS), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    own = os.open(scratch, os.O_PATH | os.O_DIRECTORY)   # in the new namespace's mounts
    kept = [(p, os.open(p, os.O_PATH)) for p in read_only_mounts_under("/tmp", spool)]
    for target in ("/tmp", "/dev/shm"):
        os.makedirs(target, exist_ok=True)
        _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV,
               f"size={tmp_size},mode=1777")
    for point, fd in kept:   # back in place, read-only, with what is mounted inside them
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.makedirs(point, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(point), exist_ok=True)
            open(point, "a").close()
        _mount(f"/proc/self/fd/{fd}", point, None, MS_BIND | MS_REC)
        _mount(None, point, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        os.close(fd)
    if os.path.commonpath([spool, "/tmp"]) != "/tmp":
        _mount("tmpfs", spool, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    os.makedirs(scratch, mode=0o755, exist_ok=True)
    _mount(f"/proc/self/fd/{own}", scratch, None, MS_BIND | MS_REC)
    os.close(own)
    os.makedirs(MPL_DIR, exist_ok=True)
    os.chown(MPL_DIR, uid, uid)
    _loopback_up()


def drop_privileges(uid: int, limits: dict) -> None:
    """Set the rlimits, become ``uid``/``uid`` with no groups and no capabilities (bounding,
    ambient and inheritable sets cleared), and set no_new_privs.

    Raises:
        OSError: a step failed (the caller must not go on).
    """
    import resource

    for name, value in (("RLIMIT_AS", limits["memory"]), ("RLIMIT_NPROC", limits["processes"]),
                        ("RLIMIT_FSIZE", limits["file_size"]), ("RLIMIT_CORE", 0)):
        res = getattr(resource, name)
        resource.setrlimit(res, (value, value))
    for cap in range(CAP_LAST + 1):
        _prctl(PR_CAPBSET_DROP, cap)   # EINVAL past the last capability: ignored
    _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    header = struct.pack("Ii", 0x20080522, 0)   # _LINUX_CAPABILITY_VERSION_3, this process
    _check(_libc.capset(header, bytes(24)), "capset")
    _check(_prctl(PR_SET_NO_NEW_PRIVS, 1), "no_new_privs")
    with open("/proc/self/status") as f:
        caps = [ln for ln in f if ln.startswith(("CapEff", "CapPrm", "CapBnd", "CapInh"))]
    if any(int(ln.split()[1], 16) for ln in caps) or os.getuid() == 0:
        raise OSError(f"privileges remain: {caps}")


def _handshake(conn: socket.socket) -> None:
    """Tell the client this process's PID (translated into its namespace by the kernel)
    and wait for its "go" (it then holds a pidfd: no PID reuse race)."""
    ucred = struct.pack("3i", os.getpid(), os.getuid(), os.getgid())
    conn.sendmsg([b'{"started": true}'],
                 [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, ucred)])
    conn.settimeout(60)
    if conn.recv(16) != b"go":
        raise OSError("the client did not confirm the kernel's start")


def run_kernel(conn: socket.socket, req: dict, log_fd: int) -> None:
    """PID 1 of the new PID namespace: lock down, then run the kernel. Never returns."""
    code = 0
    try:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        _handshake(conn)
        conn.close()
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.closerange(3, 1 << 16)
        drop_privileges(req["uid"], req["limits"])
        os.environ.clear()
        os.environ.update(req["env"])
        os.environ["PWD"] = req["cwd"]   # as bwrap --chdir sets it
        os.chdir(req["cwd"])
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()   # not the zygote's stream in every kernel
        sys.path[:] = [p for p in sys.path if p != os.path.dirname(os.path.abspath(__file__))]
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        import runpy
        sys.argv = [req["argv"][0], *req["argv"][1:]]
        runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:  # noqa: BLE001 (reported in the kernel log)
        traceback.print_exc()
        code = 127
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve_one(conn: socket.socket, req: dict, log_fd: int, spool: str) -> None:
    """The forked child of the zygote: isolate, fork the kernel, report its exit status.
    Never returns."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        isolate(spool, req["scratch"], req["uid"], req["limits"]["tmp_size"])
        pid = os.fork()
        if pid == 0:
            run_kernel(conn, req, log_fd)
        os.close(log_fd)
        _, status = os.waitpid(pid, 0)
        reply = {"exit": os.waitstatus_to_exitcode(status)}
    except BaseException as e:  # noqa: BLE001
        reply = {"error": f"{type(e).__name__}: {e}"}
    try:
        conn.send(json.dumps(reply).encode())
    finally:
        os._exit(0)


def serve(spool: str) -> None:
    """Preload, listen on ``spool/zygote.sock`` and fork a kernel per request, until
    SIGTERM or the death of the sandbox."""
    failed = preload()
    import threading
    print(f"zygote {os.getpid()}: preloaded; not importable: {failed or 'none'}; "
          f"threads: {threading.active_count()} (forking needs 1)", flush=True)
    path = os.path.join(spool, SOCKET_NAME)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path + ".new")
    os.chmod(path + ".new", 0o600)
    listener.listen(16)
    os.rename(path + ".new", path)   # the client connects once everything is loaded
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    while True:
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        if not select.select([listener], [], [], 1.0)[0]:
            continue
        conn, _ = listener.accept()
        fds: list[int] = []
        try:
            data, fds, _, _ = socket.recv_fds(conn, MAX_MESSAGE, 1)
            req = json.loads(data)
            if len(fds) != 1:
                raise ValueError("a request needs the kernel log's descriptor")
            sys.stdout.flush()
            sys.stderr.flush()
            if os.fork() == 0:
                listener.close()
                serve_one(conn, req, fds[0], spool)
        except Exception as e:  # noqa: BLE001 (a bad request: answered, the zygote goes on)
            try:
                conn.send(json.dumps({"error": f"{type(e).__name__}: {e}"}).encode())
            except OSError:
                pass
        finally:
            conn.close()
            for fd in fds:
                os.close(fd)


if __name__ == "__main__":
    serve(os.path.abspath(sys.argv[1]))
