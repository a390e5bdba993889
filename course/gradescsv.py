"""``course-data/grades.csv``: one row per student of the class per assignment graded so far.

Columns ``student, assignment, score, max_score, note, flags``; rows sorted by (student,
assignment); grading an assignment replaces the rows of the students just graded
and keeps every other row. The class is every student who has a row; each of them has a
row for every assignment in the file, as in ``nbgrader export``: a student with no
submission of an assignment gets score 0 with note ``missing``. A submission that got no
score (not a notebook, a crashed grader) has an empty score, and ``note`` gives the
reason for any submission that needs a look (a timed-out cell, a deleted test cell, ...).
``flags`` lists what the integrity checks found (``course.integrity``: tampering, a copy of
the reference, answers shared with another student), ``; ``-separated; a flag changes no
score unless the instructor asks for it (``course grade --on-flag zero``).
"""
from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

FIELDS = ["student", "assignment", "score", "max_score", "note", "flags"]
MISSING = "missing"
LEGEND = ("missing: no submission, counted as 0; no score: the submission could not be "
          "graded (see the reasons below), counted as 0")


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
        scores: ``student -> (score, max_score, note)`` or ``(score, max_score, note,
            flags)``; score and max_score are None when the submission got no score; note
            is "" or the reasons it needs a look; flags "" or the integrity findings.

    Returns:
        Every row, with a ``missing`` row (score 0) for each student of the class who
        has no submission of an assignment in the file.
    """
    path = Path(path)
    rows = {(r["student"], r["assignment"]): r for r in read_grades(path)}
    for student, (score, max_score, note, *flags) in scores.items():
        rows[(student, assignment)] = {"student": student, "assignment": assignment,
                                       "score": _fmt(score), "max_score": _fmt(max_score),
                                       "note": note, "flags": flags[0] if flags else ""}
    rows = _with_missing(rows)
    ordered = [rows[k] for k in sorted(rows)]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".csv")
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n", restval="")
        w.writeheader()
        w.writerows(ordered)
    os.replace(tmp, path)
    return ordered


def _with_missing(rows: dict) -> dict:
    """``rows`` plus a ``missing`` row for every (student, assignment) pair without one;
    its max_score is the assignment's (from any row that has one)."""
    students = {s for s, _ in rows}
    assignments = {a for _, a in rows}
    top = {}
    for r in rows.values():
        if r["max_score"]:
            top[r["assignment"]] = r["max_score"]
    out = {}
    for key, r in rows.items():  # missing rows are recomputed (max_score may be known now)
        if r.get("note") != MISSING:
            out[key] = r
    for s in students:
        for a in assignments:
            if (s, a) not in out:
                out[(s, a)] = {"student": s, "assignment": a, "score": "0",
                               "max_score": top.get(a, ""), "note": MISSING, "flags": ""}
    return out


def class_rows(path: Path, assignment: str) -> str:
    """Printable lines ``  student: score/max`` for every student of the class in
    ``assignment`` (``missing`` and ``no score`` marked, both counted as 0), and the
    legend that says so.

    Raises:
        OSError: ``path`` cannot be read.
    """
    lines = []
    rows = [r for r in read_grades(path) if r["assignment"] == assignment]
    known = next((r["max_score"] for r in rows if r["max_score"]), "?")
    for r in rows:
        top = r["max_score"] or known
        if r["note"] == MISSING:
            lines.append(f"  {r['student']}: 0/{top} (missing)")
        elif not r["score"]:
            lines.append(f"  {r['student']}: 0/{top} (no score)")
        else:
            lines.append(f"  {r['student']}: {r['score']}/{top}")
    return "\n".join(lines + [f"  ({LEGEND})"])
