"""Hostile submissions, graded in the sandbox on the toy course: one class, one test each.

Every probe sits in an extra cell of an otherwise correct submission and prints ``LEAK``
if it gets what it is after. Each stays harmless even if the sandbox failed: bounded
counts and sizes (far below the machine's memory and disk), short sleeps.
"""
import csv
import os
import socket
import threading
import uuid

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell
from nbgrader.api import Gradebook
from needs import require
from toy_course import AID, HIDDEN_MARK, built_toy_course, write_submission

from course import sandbox
from course.engine import Engine
from course.grade import grade
from course.nbgrader_config import COURSE_ID, DATA
from course.submission import student_submission

pytestmark = pytest.mark.slow

TOKEN = uuid.uuid4().hex[:12]
SECRET = f"instructor-secret-{TOKEN}"
SLEEP_FORK, SLEEP_DETACHED = "97.5", "93.5"  # `sleep` durations that mark the probes' children

PROBES = {
    "reader": '''
import glob, pathlib, nnlib
paths = ["../" * k + "solutions/{aid}/{aid}.ipynb" for k in range(12)]
paths += ["{root}/solutions/{aid}/{aid}.ipynb", "{root}/course-data/gradebook.db"]
paths += glob.glob(str(pathlib.Path(nnlib.__file__).resolve().parents[1] / "solutions" / "*" / "*.ipynb"))
paths += glob.glob(str(pathlib.Path(nnlib.__file__).resolve().parents[1] / "course" / "sample" / "mistakes" / "*"))
found = []
for p in paths:
    try:
        found.append(p + ": " + open(p, errors="replace").read(200))
    except OSError as e:
        pass
print("LEAK", found) if found else print("nothing found in", len(paths), "places")
print(sorted(pathlib.Path(nnlib.__file__).resolve().parents[1].iterdir()))
''',
    "tamperer": '''
import sqlite3
db = sqlite3.connect("file:{root}/course-data/gradebook.db?mode=rw", uri=True, timeout=2)
db.execute("UPDATE grade SET manual_score = 0, auto_score = 0")
db.commit()
print("LEAK gradebook rewritten")
''',
    "snooper": '''
import glob
hits = glob.glob("{root}/course-data/submitted/victim/*/*.ipynb") + glob.glob("{subs}/victim/*/*.ipynb")
hits += glob.glob("../../victim/*/*.ipynb") + glob.glob("../victim/*")
print("LEAK", hits) if hits else print("no other submission visible")
open("{subs}/victim/{aid}/{aid}.ipynb").read()
''',
    "writer": '''
import pathlib
targets = ["{root}/PWNED-{token}", "{home}/PWNED-{token}", "/tmp/PWNED-{token}",
           "../PWNED-{token}", "{subs}/PWNED-{token}"]
done = []
for t in targets:
    try:
        pathlib.Path(t).write_text("x")
        done.append(t)
    except OSError:
        pass
print("wrote (inside the sandbox only, if anywhere):", done)
open("/usr/PWNED-{token}", "w")
''',
    "caller": '''
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=3).sendall(b"LEAK")
    print("LEAK connected")
except OSError as e:
    print("no connection:", e)
    raise
''',
    "envprinter": '''
import os
print("ENV", sorted(os.environ.items()))
''',
    "forker": '''
import os
pids = []
for i in range(300):
    try:
        pid = os.fork()
    except OSError as e:
        print("fork refused after", len(pids), e)
        raise
    if pid == 0:
        os.execv("/bin/sleep", ["sleep", "{sleep_fork}"])
    pids.append(pid)
print("LEAK forked", len(pids))
''',
    "detacher": '''
import subprocess
for i in range(3):
    subprocess.Popen(["setsid", "sh", "-c", "sleep {sleep_detached} & sleep {sleep_detached}"],
                     start_new_session=True)
print("detached 3")
''',
    "hog": '''
import numpy as np
chunks, got = [], 0
try:
    while got < 8 * 2**30:
        chunks.append(np.ones(2**25))   # 256 MiB, touched
        got += 2**28
finally:
    print("GOT", got)
    del chunks
''',
    "filler": '''
block, wrote = b"x" * 2**26, 0
try:
    with open("big.bin", "wb") as f:
        while wrote < 4 * 2**30:
            f.write(block)
            f.flush()
            wrote += len(block)
finally:
    print("WROTE", wrote)
    import os; os.remove("big.bin")
''',
    "sleeper": '''
import time
for _ in range(1000):
    time.sleep(1)
''',
}
GOOD = ("reference", "victim")
DEADLINE, TIMEOUT = 25, 60  # a cell may run past the deadline: the sleeper meets it


def _sandbox_processes(pattern):
    out = []
    for p in psutil.process_iter(["cmdline"]):
        if p.info["cmdline"] and pattern in " ".join(p.info["cmdline"]):
            out.append(p)
    return out


@pytest.fixture(scope="module")
def probed(tmp_path_factory):
    require(sandbox.problem())
    root, rel, src = built_toy_course(tmp_path_factory.mktemp("probes"))
    subs = root / "incoming"
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.5)
    connections = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connections.append(server.accept())
            except OSError:
                pass
    threading.Thread(target=serve, daemon=True).start()
    fields = {"root": root, "aid": AID, "subs": subs, "home": os.path.expanduser("~"),
              "token": TOKEN, "port": server.getsockname()[1], "sleep_fork": SLEEP_FORK,
              "sleep_detached": SLEEP_DETACHED}
    for student in GOOD:
        write_submission(subs, student, student_submission(rel, src))
    for student, code in PROBES.items():
        nb = student_submission(rel, src)
        nb.cells.insert(2, new_code_cell(code.format(**fields)))
        write_submission(subs, student, nb)
    os.environ["NNCOURSE_PROBE_SECRET"] = SECRET  # before this cluster's workers start
    try:
        with Engine(2) as engine:
            outcomes = {o.student: o for o in grade(root, AID, subs, timeout=TIMEOUT,
                                                    deadline=DEADLINE, progress=False,
                                                    engine=engine)}
    finally:
        os.environ.pop("NNCOURSE_PROBE_SECRET", None)
        stop.set()
    survivors = _sandbox_processes(f"sleep {SLEEP_FORK}") + \
        _sandbox_processes(f"sleep {SLEEP_DETACHED}")
    for p in survivors:  # leave nothing behind, even when the test fails
        p.kill()
    server.close()
    with open(root / DATA / "grades.csv", newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    return {"root": root, "outcomes": outcomes, "rows": rows, "connections": connections,
            "survivors": survivors}


def output(probed, student):
    path = probed["root"] / DATA / "autograded" / student / AID / f"{AID}.ipynb"
    nb = nbformat.read(path, as_version=4)
    return "\n".join(str(o.get("text", "")) + str(o.get("evalue", "")) + str(o.get("ename", ""))
                     for c in nb.cells for o in c.get("outputs", []))


def full_marks(probed, student):
    o = probed["outcomes"][student]
    assert (o.score, o.max_score) == (3, 3), (student, o)


def note(probed, student):
    return probed["rows"][student]["note"]


def test_good_students_are_graded_as_always(probed):
    for student in GOOD:
        full_marks(probed, student)
        assert note(probed, student) == ""


def test_reading_solutions_finds_nothing(probed):
    text = output(probed, "reader")
    assert "nothing found in" in text and "LEAK" not in text and HIDDEN_MARK not in text, text
    full_marks(probed, "reader")


def test_gradebook_cannot_be_rewritten(probed):
    text = output(probed, "tamperer")
    assert "LEAK" not in text and "OperationalError" in text, text
    root = probed["root"]
    with Gradebook("sqlite:///" + str(root / DATA / "gradebook.db"), COURSE_ID) as gb:
        for student in ("victim", "reference", "tamperer"):
            sub = gb.find_submission(AID, student)
            assert sub.score == 3, student
            assert all(g.manual_score is None for nb in sub.notebooks for g in nb.grades)
    full_marks(probed, "tamperer")


def test_other_submissions_are_invisible(probed):
    text = output(probed, "snooper")
    assert "no other submission visible" in text and "LEAK" not in text, text
    full_marks(probed, "snooper")


def test_nothing_is_written_outside_the_scratch_dir(probed):
    text = output(probed, "writer")
    assert "wrote (inside the sandbox only" in text, text
    home = os.path.expanduser("~")
    root = probed["root"]
    for place in (root, home, "/tmp", root / "incoming", root / DATA / "submitted"):
        assert not any(TOKEN in p for p in os.listdir(place)), place
    assert "refused by the sandbox" in note(probed, "writer")


def test_no_network(probed):
    text = output(probed, "caller")
    assert "no connection" in text and "LEAK" not in text, text
    assert probed["connections"] == []
    assert "network" in note(probed, "caller")


def test_kernel_environment_is_its_own(probed):
    text = output(probed, "envprinter")
    assert "ENV" in text and SECRET not in text and "NNCOURSE_PROBE_SECRET" not in text, text
    assert "('NNCOURSE_STUDENT_ID', 'envprinter')" in text
    assert "('NBGRADER_EXECUTION', 'autograde')" in text
    assert "('OPENBLAS_NUM_THREADS', '1')" in text
    assert os.path.expanduser("~") not in text.replace("/usr", "")


def test_fork_bomb_is_bounded_and_leaves_nothing(probed):
    text = output(probed, "forker")
    assert "fork refused after" in text and "LEAK" not in text, text
    refused_after = int(text.split("fork refused after")[1].split()[0])
    assert refused_after < sandbox.Limits().processes
    assert not [p for p in probed["survivors"] if SLEEP_FORK in " ".join(p.info["cmdline"])]
    assert "process limit" in note(probed, "forker")


def test_detached_processes_do_not_survive(probed):
    assert "detached 3" in output(probed, "detacher")
    assert probed["survivors"] == []
    full_marks(probed, "detacher")


def test_memory_is_limited(probed):
    text = output(probed, "hog")
    got = int(text.split("GOT")[1].split()[0])
    assert got <= sandbox.Limits().memory, text
    assert "ran out of memory" in note(probed, "hog")
    full_marks(probed, "hog")


def test_file_size_is_limited(probed):
    text = output(probed, "filler")
    wrote = int(text.split("WROTE")[1].split()[0])
    assert wrote <= sandbox.Limits().file_size, text
    assert "file-size limit" in note(probed, "filler")
    full_marks(probed, "filler")


def test_sleeping_forever_is_killed_at_the_deadline(probed):
    o = probed["outcomes"]["sleeper"]
    assert o.score is None
    assert f"killed at the deadline: the notebook ran longer than {DEADLINE} s" \
        in note(probed, "sleeper")


def test_grades_csv_agrees_with_the_gradebook(probed):
    root = probed["root"]
    assert set(probed["rows"]) == set(GOOD) | set(PROBES)
    with Gradebook("sqlite:///" + str(root / DATA / "gradebook.db"), COURSE_ID) as gb:
        for student, row in probed["rows"].items():
            if row["score"] == "":
                assert row["note"], student
                continue
            sub = gb.find_submission(AID, student)
            assert (float(row["score"]), float(row["max_score"])) == (sub.score, sub.max_score)
