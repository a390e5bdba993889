"""The class report's pieces that the sample class does not reach: late submissions from
nbgrader's due dates, and the names given to diagnoses when they are counted."""
import datetime

from nbgrader.api import Gradebook

from course.nbgrader_config import COURSE_ID, course_config
from course.report import _late, mistake_key


def test_late_submissions_come_from_the_due_date_in_the_gradebook(tmp_path):
    db_url = course_config(tmp_path).CourseDirectory.db_url
    due = datetime.datetime(2026, 11, 1, 12, 0)
    with Gradebook(db_url, COURSE_ID) as gb:
        gb.add_assignment("01-toy", duedate=due)
        for s in ("ann", "bob"):
            gb.add_student(s)
        gb.add_submission("01-toy", "ann", timestamp=due + datetime.timedelta(hours=26))
        gb.add_submission("01-toy", "bob", timestamp=due - datetime.timedelta(hours=1))
    assert _late(tmp_path, "01-toy") == {"ann": 26 * 3600.0}
    assert _late(tmp_path, "no-such-assignment") == {}


def test_a_diagnosis_is_counted_by_the_mistake_it_names_not_by_its_numbers():
    a = ("AssertionError: phi, case 1 (N=2, D=2, M=3, tanh): phi(X, U, a, tanh): relative error "
         "8.80e-02 (tolerance 1e-07). Your answer matches a known mistake: the bias a is missing.")
    b = ("phi, case 4 (N=7, D=1, M=5, relu): phi(X, U, a, relu): relative error 3.1e-01 "
         "(tolerance 1e-07). Your answer matches a known mistake: the bias a is missing.")
    assert mistake_key(a) == mistake_key(b) == "the bias a is missing"
    c = "dense, case 2 (N=3): Z: wrong shape (3, 4), expected (4, 3)."
    d = "dense, case 5 (N=1): Z: wrong shape (1, 2), expected (2, 1)."
    assert mistake_key(c) == mistake_key(d) != mistake_key(a)
