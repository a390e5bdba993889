"""The worker's side of the fork server (``course/zygote.py``): start it, ask it for kernels.

One ``Zygote`` per worker process (``worker_zygote()``): a bubblewrap sandbox with the
kernel's read-only view (``sandbox.bwrap_args``) and only the worker's spool directory
writable, started from a thread that lives as long as the worker (``--die-with-parent``
follows the thread that started it), so that the worker's death ends the zygote and every
kernel under it. ``Zygote.launch`` sends one request and returns a ``KernelProcess``: the
kernel's host PID (from ``SCM_CREDENTIALS``) held as a pidfd, to poll and to kill (killing
it, PID 1 of its own PID namespace, kills everything it started).

The zygote is used when the worker runs as root (each kernel gets a user id of its own)
and ``$NNCOURSE_ZYGOTE`` is not ``0``; otherwise, or when it cannot start, kernels are
started by ``bwrap`` one by one as before (``course.sandbox.command``), and the worker's
log says why.
"""
from __future__ import annotations

import atexit
import json
import logging
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from course import sandbox

ZYGOTE_ENV = "NNCOURSE_ZYGOTE"        # "0": start every kernel with its own bwrap
SCRIPT = Path(__file__).with_name("zygote.py")
SCRIPT_MOUNT = "/opt/nncourse/zygote/nncourse_zygote.py"
SOCKET_NAME = "zygote.sock"           # as in zygote.py
SPOOL_PREFIX = "nncourse-zygote-"     # + the worker's pid + "-": its spool directory
START_TIMEOUT = 120.0                 # seconds for the zygote's imports, at most
LAUNCH_TIMEOUT = 60.0                 # seconds from a request to the kernel's PID
EXIT_REPORT_WAIT = 5.0                # seconds for the exit status after the kernel ended
MAX_MESSAGE = 1 << 16
CAPS = ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_NET_ADMIN",
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER")
log = logging.getLogger("course.zygote")


class ZygoteError(RuntimeError):
    """The zygote could not be started or could not start a kernel."""


def wanted() -> bool:
    """Whether kernels should come from a zygote (``$NNCOURSE_ZYGOTE`` is not ``0``)."""
    return os.environ.get(ZYGOTE_ENV, "1").strip() not in ("0", "no", "false", "off")


def zygote_env(spool: Path) -> dict[str, str]:
    """The zygote's whole environment (its kernels get ``sandbox.kernel_env`` instead)."""
    home = spool / "zygote-home"
    env = sandbox.kernel_env("zygote", sandbox.SandboxDirs(home, home, home))
    env.pop("NNCOURSE_STUDENT_ID")
    env["NNCOURSE_MPL_SEED"] = str(spool / "mpl-seed")
    return env


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_spools() -> list[Path]:
    """Remove the spool directories of worker processes that no longer run (a worker
    killed before its exit handlers ran) and that belong to this user; returns them."""
    removed = []
    for path in Path(tempfile.gettempdir()).glob(f"{SPOOL_PREFIX}*-*"):
        pid = path.name[len(SPOOL_PREFIX):].split("-")[0]
        try:
            mine = path.is_dir() and not path.is_symlink() and \
                path.stat().st_uid == os.geteuid()
        except OSError:
            continue
        if mine and pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


class KernelProcess:
    """A kernel started by the zygote. ``pid``: its PID in this process's namespace."""

    def __init__(self, pid: int, pidfd: int, conn: socket.socket):
        self.pid, self._pidfd, self._conn = pid, pidfd, conn
        self.returncode: int | None = None
        self._lock = threading.Lock()   # kill (a deadline timer) vs close

    def poll(self) -> int | None:
        """None while the kernel runs, else its exit status (negative: killed by that
        signal)."""
        if self.returncode is None and self._pidfd >= 0:
            if not select.select([self._pidfd], [], [], 0)[0]:
                return None
            self.returncode = -signal.SIGKILL
            try:
                self._conn.settimeout(EXIT_REPORT_WAIT)
                self.returncode = int(json.loads(self._conn.recv(MAX_MESSAGE))["exit"])
            except (OSError, ValueError, KeyError, TypeError):
                pass
        return self.returncode

    def kill(self) -> None:
        """SIGKILL the kernel and so its whole PID namespace; safe from any thread and more
        than once."""
        with self._lock:
            if self._pidfd >= 0:
                try:
                    signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
                except OSError:  # already gone
                    pass

    def close(self) -> None:
        """Kill the kernel and release the descriptors."""
        self.kill()
        with self._lock:
            if self._pidfd >= 0:
                os.close(self._pidfd)
                self._pidfd = -1
        self._conn.close()


class Zygote:
    """A running zygote in a spool directory of its own (created, removed by ``close``).

    Raises (constructor):
        ZygoteError: bwrap failed or the zygote did not come up within START_TIMEOUT.
    """

    def __init__(self):
        sweep_stale_spools()
        self.spool = Path(tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}{os.getpid()}-")).resolve()
        self.socket_path = self.spool / SOCKET_NAME
        self._proc: subprocess.Popen | None = None
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def command(self) -> list[str]:
        """The ``bwrap ... python zygote.py SPOOL`` command line."""
        env = zygote_env(self.spool)
        args = sandbox.bwrap_args([self.spool], env, sandbox.Limits().tmp_size, self.spool,
                                  readonly={SCRIPT: SCRIPT_MOUNT})
        caps = [a for cap in CAPS for a in ("--cap-add", cap)]
        return args[:-1] + caps + ["--", sys.executable, SCRIPT_MOUNT, str(self.spool)]

    def _start(self) -> None:
        (self.spool / "zygote-home").mkdir()
        sandbox.seed_matplotlib_cache(self.spool / "mpl-seed")
        out = open(self.spool / "zygote.log", "ab")  # noqa: SIM115 (kept by the child)
        started = threading.Event()
        box: dict = {}

        def keep():  # bwrap --die-with-parent follows this thread: it lives as long
            try:
                box["proc"] = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                               stdout=out, stderr=out,
                                               start_new_session=True)
            except OSError as e:
                box["error"] = e
            started.set()
            if "proc" in box:
                box["proc"].wait()

        threading.Thread(target=keep, name="nncourse-zygote", daemon=True).start()
        started.wait()
        out.close()
        if "error" in box:
            raise ZygoteError(f"bwrap could not start: {box['error']}")
        self._proc = box["proc"]
        end = time.monotonic() + START_TIMEOUT
        while not self.socket_path.exists():
            if self._proc.poll() is not None:
                raise ZygoteError(f"the zygote exited ({self._proc.returncode}): "
                                  f"{self.log_tail()}")
            if time.monotonic() > end:
                raise ZygoteError(f"the zygote did not start within {START_TIMEOUT:g} s")
            time.sleep(0.05)

    def log_tail(self, chars: int = 2000) -> str:
        """The end of the zygote's own output (its start and its failures)."""
        try:
            return (self.spool / "zygote.log").read_text(errors="replace")[-chars:].strip()
        except OSError:
            return ""

    def alive(self) -> bool:
        """Whether the zygote process is running."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """PID of the zygote's ``bwrap`` process (None before it started)."""
        return self._proc.pid if self._proc else None

    def launch(self, scratch: Path, uid: int, limits: sandbox.Limits, env: dict[str, str],
               cwd: Path, argv: list[str], log_fd: int) -> KernelProcess:
        """Start a kernel in ``scratch`` (which holds its work/run/home directories).

        Args:
            scratch: the kernel's scratch directory, inside ``self.spool``.
            uid: its user and group id (``sandbox.kernel_uid``).
            limits: its ``sandbox.Limits``.
            env: its whole environment.
            cwd: its working directory.
            argv: ``ipykernel_launcher``'s arguments, ``[name, "-f", connection file]``.
            log_fd: descriptor that receives its stdout and stderr.

        Returns:
            The running kernel.

        Raises:
            ZygoteError: the zygote is gone or could not start the kernel.
        """
        limits_d = {k: getattr(limits, k) for k in ("memory", "processes", "file_size",
                                                     "tmp_size")}
        req = {"scratch": str(scratch), "uid": uid, "limits": limits_d, "env": env,
               "cwd": str(cwd), "argv": list(argv)}
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
            conn.settimeout(LAUNCH_TIMEOUT)
            conn.connect(str(self.socket_path))
            socket.send_fds(conn, [json.dumps(req).encode()], [log_fd])
            msg, anc, _, _ = conn.recvmsg(MAX_MESSAGE, socket.CMSG_SPACE(12))
            reply = json.loads(msg or b"{}")
            pids = [struct.unpack("3i", data[:12])[0] for level, kind, data in anc
                    if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS]
            if not reply.get("started") or not pids or pids[0] <= 0:
                raise ZygoteError(f"the zygote did not start the kernel: "
                                  f"{reply.get('error') or reply or 'no answer'}")
            pidfd = os.pidfd_open(pids[0])
            conn.send(b"go")
        except (OSError, ValueError) as e:
            conn.close()
            raise ZygoteError(f"the zygote did not start the kernel: {e}") from e
        except BaseException:
            conn.close()
            raise
        return KernelProcess(pids[0], pidfd, conn)

    def close(self) -> None:
        """Stop the zygote (and so every kernel it started) and remove the spool."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        shutil.rmtree(self.spool, ignore_errors=True)


_LOCK = threading.Lock()
_STATE: dict = {"zygote": None, "why": None}


def worker_zygote() -> Zygote | None:
    """This worker process's zygote, started on the first call (and again if it died);
    None when kernels must be started one by one: not root, ``$NNCOURSE_ZYGOTE=0``, or
    the zygote failed to start (said once in the worker's log)."""
    if not wanted():
        return None
    with _LOCK:
        zygote = _STATE["zygote"]
        if _STATE["why"]:
            return None
        if zygote is not None and zygote.alive():
            return zygote
        if zygote is not None:
            log.warning("the kernel fork server died (%s); starting another",
                        zygote.log_tail(300))
            zygote.close()
        try:
            if os.geteuid() != 0:
                raise ZygoteError("not root: kernels cannot get a user id each")
            _STATE["zygote"] = zygote = Zygote()
        except ZygoteError as e:
            _STATE["zygote"], _STATE["why"] = None, str(e)
            log.warning("kernels are started by bwrap one by one (no fork server): %s", e)
            return None
        atexit.register(zygote.close)
        return zygote


def give_up(why: str) -> None:
    """Start this worker's next kernels with bwrap one by one: its zygote failed to start a
    kernel (``why``, said in the worker's log). The zygote is left to its other kernels
    and stopped when the worker exits."""
    with _LOCK:
        _STATE["why"] = why
    log.warning("kernels are started by bwrap one by one from now on: %s", why)


def fallback_reason() -> str | None:
    """Why this worker starts kernels one by one, or None (not asked yet, or in use)."""
    return _STATE["why"]
