"""course grade into a PostgreSQL gradebook: a real server started here, and two grading
processes at once."""
import csv
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from needs import require
from pg_server import postgres, problem
from toy_course import AID, built_toy_course, write_submission

from course import sandbox
from course.cli import main
from course.nbgrader_config import COURSE_ID, DATA
from course.submission import student_submission

pytestmark = pytest.mark.slow
COURSE = str(Path(sys.executable).with_name("course"))


@pytest.fixture(scope="module")
def db_url():
    require(problem())
    require(sandbox.problem())
    with postgres() as url:
        yield url


def _class(root, students):
    root, rel, src = built_toy_course(root, use_database=False)
    expected = {}
    for student in students:
        if student.startswith("blank"):
            write_submission(root / "incoming", student, rel)
            expected[student] = 0.0
        else:
            write_submission(root / "incoming", student, student_submission(rel, src))
            expected[student] = 3.0
    return root / "incoming", expected


def _scores(url, students):
    with Gradebook(url, COURSE_ID) as gb:
        return {s: gb.find_submission(AID, s).score for s in students}


def _csv(root):
    with open(root / DATA / "grades.csv", newline="") as f:
        return {r["student"]: float(r["score"]) for r in csv.DictReader(f)}


def test_grading_into_postgresql(db_url, tmp_path, capsys):
    subs, expected = _class(tmp_path, ["ada", "blank1"])
    assert main(["grade", AID, "--submissions", str(subs), "--root", str(tmp_path),
                 "--db", db_url, "--jobs", "2"]) == 0
    assert _scores(db_url, expected) == expected == _csv(tmp_path)
    assert not (tmp_path / DATA / "gradebook.db").exists()  # SQLite was not used


def test_two_grading_processes_at_once(db_url, tmp_path):
    runs = []
    for grader, students in (("one", ["p1", "p2", "blank2"]), ("two", ["q1", "q2", "blank3"])):
        root = tmp_path / grader
        subs, expected = _class(root, students)
        proc = subprocess.Popen([COURSE, "grade", AID, "--submissions", str(subs), "--root",
                                 str(root), "--db", db_url, "--jobs", "1"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        runs.append((proc, root, expected))
    for proc, root, expected in runs:
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, out
        assert _scores(db_url, expected) == expected == _csv(root), out


def test_an_unsupported_database_url_is_a_clear_error(tmp_path, capsys):
    subs, _ = _class(tmp_path, ["ada"])
    assert main(["grade", AID, "--submissions", str(subs), "--root", str(tmp_path),
                 "--db", "mysql://x@y/z"]) == 2
    assert "unsupported gradebook URL" in capsys.readouterr().err
