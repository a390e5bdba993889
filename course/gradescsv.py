"""``course-data/grades.csv``: one row per student per assignment graded so far.

Columns ``student, assignment, score, max_score, note``; rows sorted by (student,
assignment); grading an assignment replaces the rows of the students just graded
and keeps every other row. Every submission has a row: one that got no score (not a
notebook, a crashed grader) has an empty score, and ``note`` gives the reason for any
submission that needs a look (a timed-out cell, a deleted test cell, ...).
"""
from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

FIELDS = ["student", "assignment", "score", "max_score", "note"]


def _fmt(x) -> str:
    return "" if x is None else f"{float(x):g}"


def read_grades(path: Path) -> list[dict]:
    """Rows of an existing grades.csv as dicts of strings ([] if it does not exist)."""
    path = Path(path)
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return [dict(r) for r in csv.DictReader(f)]


def merge_grades(path: Path, assignment: str, scores: dict[str, tuple]) -> list[dict]:
    """Update grades.csv for one assignment and return all its rows.

    Args:
        path: the csv file (created with its directory if missing).
        assignment: assignment id just graded.
        scores: ``student -> (score, max_score, note)``; score and max_score are None
            when the submission got no score; note is "" or the reasons it needs a look.
    """
    path = Path(path)
    rows = {(r["student"], r["assignment"]): r for r in read_grades(path)}
    for student, (score, max_score, note) in scores.items():
        rows[(student, assignment)] = {"student": student, "assignment": assignment,
                                       "score": _fmt(score), "max_score": _fmt(max_score),
                                       "note": note}
    ordered = [rows[k] for k in sorted(rows)]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".csv")
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(ordered)
    os.replace(tmp, path)
    return ordered
