"""grades.csv: every student of the class has a row for every graded assignment."""
import csv

from course.gradescsv import MISSING, class_rows, merge_grades


def rows_of(path):
    with open(path, newline="") as f:
        return [(r["student"], r["assignment"], r["score"], r["max_score"], r["note"])
                for r in csv.DictReader(f)]


def test_students_without_a_submission_get_zero_marked_missing(tmp_path):
    path = tmp_path / "grades.csv"
    merge_grades(path, "a1", {"ann": (3, 3, ""), "bob": (1, 3, "")})
    merge_grades(path, "a2", {"ann": (2, 4, ""), "cy": (None, None, "not a notebook")})
    assert rows_of(path) == [
        ("ann", "a1", "3", "3", ""),
        ("ann", "a2", "2", "4", ""),
        ("bob", "a1", "1", "3", ""),
        ("bob", "a2", "0", "4", MISSING),
        ("cy", "a1", "0", "3", MISSING),
        ("cy", "a2", "", "", "not a notebook"),
    ]


def test_a_late_submission_replaces_its_missing_row(tmp_path):
    path = tmp_path / "grades.csv"
    merge_grades(path, "a1", {"ann": (3, 3, "")})
    merge_grades(path, "a2", {"bob": (2, 4, "")})
    assert ("bob", "a1", "0", "3", MISSING) in rows_of(path)
    merge_grades(path, "a1", {"bob": (2, 3, "")})
    assert ("bob", "a1", "2", "3", "") in rows_of(path)
    assert ("ann", "a2", "0", "4", MISSING) in rows_of(path)


def test_printed_rows_count_missing_and_ungraded_as_zero(tmp_path):
    path = tmp_path / "grades.csv"
    merge_grades(path, "a1", {"ann": (3, 3, "")})
    merge_grades(path, "a2", {"bob": (2, 4, ""), "cy": (None, None, "not a notebook")})
    text = class_rows(path, "a2").splitlines()
    assert text[:3] == ["  ann: 0/4 (missing)", "  bob: 2/4", "  cy: 0/4 (no score)"]
    assert "counted as 0" in text[-1]
