"""Grading through an existing Dask cluster: a scheduler and two workers started here, on
127.0.0.1, each worker in a directory of its own with nothing of the course."""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from needs import require
from toy_course import AID, built_toy_course, write_submission

from course import sandbox
from course.grade import grade
from course.submission import student_submission

pytestmark = pytest.mark.slow
DASK = str(Path(sys.executable).with_name("dask"))
WAIT = 90  # seconds for the cluster to come up, at most


def _wait_for(condition, what, timeout=WAIT):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def _start(args, cwd):
    return subprocess.Popen([DASK, *args], cwd=cwd, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """``(scheduler address, [worker process, worker process])``."""
    require(sandbox.problem())
    base = tmp_path_factory.mktemp("cluster")
    sched_file = base / "scheduler.json"
    procs = [_start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(sched_file)], base)]
    try:
        _wait_for(sched_file.is_file, "the scheduler")
        from distributed import Client
        client = Client(scheduler_file=str(sched_file), timeout=WAIT)
        for i in range(2):
            wdir = base / f"worker{i}"
            wdir.mkdir()
            procs.append(_start(["worker", "--scheduler-file", str(sched_file), "--nthreads",
                                 "1", "--nworkers", "1", "--no-dashboard", "--local-directory",
                                 str(wdir), "--name", f"w{i}"], wdir))
        client.wait_for_workers(2, timeout=WAIT)
        yield client, procs[1:]
        client.close()
    finally:
        for p in procs:
            _stop(p)


def _class(root):
    root, rel, src = built_toy_course(root)
    subs = root / "incoming"
    write_submission(subs, "good0", student_submission(rel, src))
    write_submission(subs, "blank", rel)
    write_submission(subs, "ann", student_submission(
        rel, src, {"square": "def square(x):\n    return x * abs(x)"}))
    write_submission(subs, "bob", student_submission(
        rel, src, {"total": "def total(values):\n    return sum(values[:3])"}))
    return subs


def _grades(outcomes):
    return {o.student: (o.score, o.max_score, tuple(o.problems)) for o in outcomes}


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    root = tmp_path_factory.mktemp("embedded")
    return _grades(grade(root, AID, _class(root), jobs=2, progress=False))


def test_existing_cluster_gives_the_embedded_grades(cluster, embedded, tmp_path):
    client, _ = cluster
    subs = _class(tmp_path)
    got = _grades(grade(tmp_path, AID, subs, scheduler=client.scheduler.address,
                        progress=False))
    assert got == embedded
    assert embedded["good0"][:2] == (3, 3) and embedded["blank"][:2] == (0, 3)
    assert embedded["ann"][:2] == (2, 3) and embedded["bob"][:2] == (1, 3)


def test_a_worker_killed_mid_run_loses_no_submission(cluster, embedded, tmp_path):
    client, workers = cluster
    subs = _class(tmp_path)
    result = {}
    addr = client.scheduler.address
    run = threading.Thread(target=lambda: result.update(
        _grades(grade(tmp_path, AID, subs, scheduler=addr, progress=False))))
    run.start()
    victim = workers[0]
    name_of = {w["name"]: a for a, w in client.scheduler_info()["workers"].items()}
    _wait_for(lambda: client.processing().get(name_of.get("w0"), ()), "a task on worker w0")
    _stop(victim)
    run.join(timeout=300)
    assert not run.is_alive(), "grading did not finish after a worker was killed"
    assert result == embedded
