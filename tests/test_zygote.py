"""The kernel fork server: kernels forked from one zygote share nothing with each other.

Most probes start two kernels from one zygote in this process (as a worker does) and let
kernel A try to leave something for kernel B. Each prints ``LEAK`` if it gets what it is
after, and stays harmless to the host if the isolation failed: tiny files, sockets that
die with the kernel, `sleep`s of bounded length, bounded waits.
"""
import asyncio
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell
from needs import require
from toy_course import AID, built_toy_course, toy_notebook, write_submission

from course import sandbox, zygote_client
from course.engine import Engine
from course.execute_task import ExecutionRequest, execute_notebook
from course.grade import grade
from course.sandbox_kernel import SandboxKernelManager
from course.submission import student_submission

pytestmark = pytest.mark.slow

TOKEN = uuid.uuid4().hex[:12]
SLEEP = "91.7"    # `sleep` duration that marks the detached probe's child
WAIT = 30         # seconds for a process to go, at most


def _wait_gone(find, timeout=WAIT):
    end = time.monotonic() + timeout
    while find() and time.monotonic() < end:
        time.sleep(0.2)
    return find()


@pytest.fixture(scope="module")
def zygote():
    require(sandbox.problem())
    if os.geteuid() != 0:
        pytest.skip("the fork server needs root (a user id per kernel)")
    z = zygote_client.Zygote()
    yield z
    z.close()


class Kernel:
    """One kernel from ``zygote`` with a client; ``run(code)`` returns its printed text."""

    def __init__(self, zygote, serial):
        self.scratch = Path(tempfile.mkdtemp(prefix="probe-", dir=zygote.spool))
        dirs = sandbox.SandboxDirs.create(self.scratch / "box")
        uid = sandbox.kernel_uid(serial)
        for d in (dirs.work.parent, *dirs.all()):
            os.chown(d, uid, uid)
        self.km = SandboxKernelManager(dirs, sandbox.kernel_env(f"probe{serial}", dirs),
                                       sandbox.Limits(), self.scratch / "kernel.log",
                                       uid=uid, zygote=zygote, kernel_name="python3")
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.km.start_kernel(cwd=str(dirs.work)))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.loop.run_until_complete(self.kc.wait_for_ready(timeout=60))

    def run(self, code, timeout=30):
        out = []

        def hook(msg):
            if msg["header"]["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["header"]["msg_type"] == "error":
                out.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")
        self.loop.run_until_complete(
            self.kc.execute_interactive(code, output_hook=hook, timeout=timeout))
        return "".join(out)

    def stop(self):
        if self.loop.is_closed():
            return
        self.kc.stop_channels()
        self.km.kill_tree()
        self.loop.run_until_complete(self.km.shutdown_kernel(now=True))
        self.loop.close()


@pytest.fixture
def kernels(zygote):
    made = []

    def start():
        made.append(Kernel(zygote, len(made) + 1))
        return made[-1]
    yield start
    for k in made:
        try:
            k.stop()
        except Exception:  # noqa: BLE001 (already stopped by the test)
            pass


def test_a_kernel_is_pid_1_of_its_own_namespace(kernels):
    a = kernels()
    text = a.run("import os\nprint('PID', os.getpid(), 'UID', os.getuid(), "
                 "'PROCS', sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))")
    assert "PID 1 " in text and "UID 0" not in text, text
    procs = eval(text.split("PROCS")[1])  # noqa: S307 (a list of ints printed by the kernel)
    assert procs == [1], text  # nothing of the zygote, the worker or another kernel
    b = kernels()
    text = b.run("import os\nprint(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))")
    assert text.strip() == "[1]", text


def test_tmp_and_shm_are_fresh_for_each_kernel(kernels):
    a = kernels()
    wrote = a.run(f"for d in ('/tmp', '/dev/shm'):\n"
                  f"    open(d + '/left-{TOKEN}', 'w').write('x')\n"
                  f"print('WROTE', sorted(__import__('os').listdir('/tmp')), "
                  f"sorted(__import__('os').listdir('/dev/shm')))")
    assert wrote.count(f"left-{TOKEN}") == 2, wrote
    a.stop()
    b = kernels()
    text = b.run(f"import os\nfound = [d for d in ('/tmp', '/dev/shm') "
                 f"if 'left-{TOKEN}' in os.listdir(d)]\n"
                 f"print('LEAK', found) if found else print('nothing left')")
    assert "nothing left" in text and "LEAK" not in text, text


def test_kernels_cannot_reach_each_other_by_socket(kernels):
    a = kernels()
    listening = a.run(
        "import socket\n"
        "tcp = socket.create_server(('127.0.0.1', 0))\n"
        "unix = socket.socket(socket.AF_UNIX)\n"
        f"unix.bind('\\0nncourse-probe-{TOKEN}')\n"
        "unix.listen()\n"
        "print('PORT', tcp.getsockname()[1])")
    assert "PORT" in listening, listening
    port = int(listening.split("PORT")[1].split()[0])
    b = kernels()
    text = b.run(
        "import socket\nleaks = []\n"
        f"for family, addr in ((socket.AF_INET, ('127.0.0.1', {port})), "
        f"(socket.AF_UNIX, '\\0nncourse-probe-{TOKEN}')):\n"
        "    s = socket.socket(family)\n"
        "    s.settimeout(3)\n"
        "    try:\n"
        "        s.connect(addr)\n"
        "        leaks.append(addr)\n"
        "    except OSError as e:\n"
        "        print('refused', e)\n"
        "print('LEAK', leaks) if leaks else print('no connection')")
    assert "no connection" in text and "LEAK" not in text, text
    assert "listening still" in a.run("print('listening still', tcp.fileno() > 0)")


def test_a_patched_preloaded_module_is_pristine_in_the_next_kernel(kernels):
    a = kernels()
    patched = a.run("import numpy, nnlib, nnlib.checks\n"
                    "numpy.allclose = lambda *a, **k: True\n"
                    "nnlib.checks.PATCHED = True\n"
                    "nnlib.__version__ = 'patched'\n"
                    "print('patched', numpy.allclose(0, 1))")
    assert "patched True" in patched, patched
    b = kernels()
    text = b.run("import numpy, nnlib, nnlib.checks\n"
                 "bad = [numpy.allclose(0, 1), hasattr(nnlib.checks, 'PATCHED'), "
                 "nnlib.__version__ == 'patched']\n"
                 "print('LEAK', bad) if any(bad) else print('pristine')")
    assert "pristine" in text and "LEAK" not in text, text


def _sleepers():
    return [p for p in psutil.process_iter(["cmdline"])
            if p.info["cmdline"] and f"sleep {SLEEP}" in " ".join(p.info["cmdline"])]


def test_a_detached_process_does_not_outlive_its_kernel(kernels):
    a = kernels()
    try:
        text = a.run("import subprocess\n"
                     f"subprocess.Popen(['setsid', 'sh', '-c', 'sleep {SLEEP} & sleep {SLEEP}'], "
                     "start_new_session=True)\nprint('detached')")
        assert "detached" in text, text
        end = time.monotonic() + WAIT
        while len(_sleepers()) < 2 and time.monotonic() < end:
            time.sleep(0.2)
        assert len(_sleepers()) >= 2  # the probe did start them
        a.stop()
        assert _wait_gone(_sleepers) == []
    finally:
        for p in _sleepers():
            p.kill()


def _notebook(code):
    nb = toy_notebook()
    nb.cells.append(new_code_cell(code))
    return nbformat.writes(nb)


def test_the_worker_keeps_one_zygote_and_leaves_nothing_after_the_engine(tmp_path):
    require(sandbox.problem())
    if os.geteuid() != 0:
        pytest.skip("the fork server needs root")
    request = ExecutionRequest(_notebook("import os\nprint('PID', os.getpid())"),
                               f"{AID}.ipynb", "ada", files={"numbers.txt": b"1 2 3 4\n"})
    with Engine(1) as engine:
        pids = []
        for _ in range(2):
            result = engine.client.submit(execute_notebook, request, pure=False).result(120)
            assert result.error == "" and '"PID 1\\n"' in result.notebook, result.error
            pids += engine.client.run(lambda: zygote_client.worker_zygote().pid).values()
        spool = list(engine.client.run(lambda: str(zygote_client.worker_zygote().spool))
                     .values())[0]
        assert len(set(pids)) == 1 and psutil.pid_exists(pids[0])  # the same, running

        def left():  # the worker's zygote, and every kernel process it started
            return [p for p in psutil.process_iter(["cmdline", "uids"])
                    if spool in " ".join(p.info["cmdline"] or ())
                    or (p.info["uids"] and p.info["uids"].real in worker_uids)]
        block = list(engine.client.run(sandbox.uid_block).values())[0]
        worker_uids = set(range(block, block + sandbox.KERNEL_UIDS))
        assert left()
    assert _wait_gone(left) == []
    assert not psutil.pid_exists(pids[0])


def test_a_kernel_the_zygote_cannot_start_is_started_by_bwrap(tmp_path, monkeypatch):
    require(sandbox.problem())

    class Broken:
        spool = tmp_path

        def launch(self, *args, **kwargs):
            raise zygote_client.ZygoteError("the zygote did not start the kernel: broken")
    monkeypatch.setattr(zygote_client, "_STATE", {"zygote": Broken(), "why": None})
    monkeypatch.setattr(zygote_client, "worker_zygote",
                        lambda: None if zygote_client._STATE["why"] else Broken())
    request = ExecutionRequest(_notebook("import os\nprint('PID', os.getpid())"),
                               f"{AID}.ipynb", "ada", files={"numbers.txt": b"1 2 3 4\n"})
    result = execute_notebook(request)
    assert result.error == "" and "visible total test passed" in result.notebook, result.error
    assert '"PID 1\\n"' not in result.notebook   # bwrap's own PID 1 runs the kernel
    assert "broken" in zygote_client.fallback_reason()
    assert "broken" in execute_notebook(request).log   # the next ones say why, in the log


def test_spools_of_dead_workers_are_swept(tmp_path):
    import subprocess
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = Path(tempfile.gettempdir()) / f"{zygote_client.SPOOL_PREFIX}{gone.pid}-probe{TOKEN}"
    live = Path(tempfile.gettempdir()) / f"{zygote_client.SPOOL_PREFIX}{os.getpid()}-probe{TOKEN}"
    try:
        for d in (stale, live):
            (d / "zygote-home").mkdir(parents=True)
        assert stale in zygote_client.sweep_stale_spools()
        assert not stale.exists() and live.is_dir()
    finally:
        for d in (stale, live):
            shutil.rmtree(d, ignore_errors=True)


def test_forcing_the_per_kernel_sandbox_gives_the_same_grades(tmp_path, monkeypatch):
    require(sandbox.problem())
    root, rel, src = built_toy_course(tmp_path)
    subs = root / "incoming"
    write_submission(subs, "good", student_submission(rel, src))
    write_submission(subs, "blank", rel)
    write_submission(subs, "ann", student_submission(
        rel, src, {"square": "def square(x):\n    import os\n    print('PID', os.getpid())\n"
                             "    return x * abs(x)"}))
    got = {}
    for mode in ("1", "0"):
        monkeypatch.setenv(zygote_client.ZYGOTE_ENV, mode)  # before the workers start
        with Engine(1) as engine:
            outcomes = grade(root, AID, subs, progress=False, engine=engine)
        got[mode] = {o.student: (o.score, o.max_score, tuple(o.problems)) for o in outcomes}
        graded = (root / "course-data" / "autograded" / "ann" / AID / f"{AID}.ipynb").read_text()
        assert ("PID 1\\n" in graded) == (mode == "1" and os.geteuid() == 0)
    assert got["1"] == got["0"]
    assert got["1"]["good"][:2] == (3, 3) and got["1"]["blank"][:2] == (0, 3)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))


def test_two_workers_never_share_a_block_of_kernel_user_ids():
    """The block is reserved by a lock, not derived from the PID alone: a second process
    that starts from the same block (same PID modulo UID_BLOCKS) gets another one while
    the first holds it, and the first's block is free again once it has ended."""
    import subprocess
    import sys
    ours = sandbox.uid_block()
    probe = ("import os, sys; os.getpid = lambda: int(sys.argv[1]); "
             "from course import sandbox; print(sandbox.uid_block())")
    same_start = [sys.executable, "-c", probe, str(os.getpid())]
    other = int(subprocess.run(same_start, capture_output=True, text=True, check=True,
                               timeout=60).stdout)
    assert other != ours and (other - sandbox.ZYGOTE_UID_BASE) % sandbox.KERNEL_UIDS == 0
    again = int(subprocess.run(same_start, capture_output=True, text=True, check=True,
                               timeout=60).stdout)
    assert again == other  # the first probe's lock ended with it
    assert sandbox.kernel_uid(0) == ours and sandbox.kernel_uid(sandbox.KERNEL_UIDS + 3) == ours + 3


def test_a_kernels_fresh_tmp_keeps_the_read_only_view_under_tmp(tmp_path):
    """A checkout (and its virtual environment) under /tmp is part of the sandbox's
    read-only view: the kernel's fresh /tmp binds it back, with what is mounted inside it
    (the masked ``course`` package), and leaves out the spool and /tmp itself."""
    from course.zygote import read_only_mounts_under
    lines = [
        "21 1 0:20 / / ro - tmpfs tmpfs rw",
        "22 21 8:1 /usr /usr ro,nosuid,nodev - ext4 /dev/vda rw",
        "23 21 0:21 / /tmp rw,nosuid,nodev - tmpfs tmpfs rw",
        "24 23 8:1 /tmp/ck/.venv /tmp/ck/.venv ro,nosuid,nodev - ext4 /dev/vda rw",
        "25 24 0:22 / /tmp/ck/.venv/lib/python3.11/site-packages/course ro - tmpfs tmpfs ro",
        "26 23 8:1 /tmp/spool /tmp/spool rw,nosuid,nodev - ext4 /dev/vda rw",
        "27 26 8:1 /tmp/spool/box /tmp/spool/box rw - ext4 /dev/vda rw",
        "28 23 8:1 /tmp/my\\040course/env /tmp/my\\040course/env ro - ext4 /dev/vda rw",
        "29 21 8:1 /opt/nncourse/lib/nnlib /opt/nncourse/lib/nnlib ro - ext4 /dev/vda rw",
    ]
    info = tmp_path / "mountinfo"
    info.write_text("\n".join(lines) + "\n")
    assert read_only_mounts_under("/tmp", "/tmp/spool", str(info)) == [
        "/tmp/ck/.venv", "/tmp/my course/env"]
