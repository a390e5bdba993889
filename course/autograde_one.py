"""Autograde ONE student's submission of one assignment, in the current process.

Runs nbgrader's ``Autograde`` converter then ``GenerateFeedback`` in-process, reads
the scores back from the gradebook and notes cells that hit the per-cell timeout.
Meant to run inside a ``course.workers`` process: it sets ``NNCOURSE_STUDENT_ID``
in this process's environment, which the notebook kernel inherits (the hidden
tests seed their random cases from it).
"""
from __future__ import annotations

import os
import random
import re
import time
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.converters import Autograde, GenerateFeedback
from sqlalchemy.exc import OperationalError

from course.nbgrader_config import COURSE_ID, DATA, course_config
from course.nbgrader_run import run_converter
from course.submission import nbgrader_meta

LOCKED = "database is locked"
# failures of the machinery, not of the submission: worth another try
TRANSIENT = (LOCKED, "Address already in use", "Kernel didn't respond in",
             "Kernel died before replying to kernel_info")
RETRIES = 6
EXC_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b:?.*)$")


def _transient(result: dict) -> bool:
    text = result.get("log", "") + result.get("error", "")
    return any(t in text for t in TRANSIENT)


def _unlocked(fn):
    """``fn()``, called again (with jitter) while the SQLite gradebook is locked by another
    worker; the last attempt's error propagates."""
    for attempt in range(RETRIES):
        try:
            return fn()
        except OperationalError as e:
            if LOCKED not in str(e) or attempt == RETRIES - 1:
                raise
            time.sleep(0.5 + random.random() * (attempt + 1))


def _retrying(step):
    """Call ``step()`` again (with jitter) while it fails for a transient reason
    (SQLite gradebook locked, kernel failed to start)."""
    for attempt in range(RETRIES):
        result = _unlocked(step)
        text = result.get("log", "") + result.get("error", "")
        limit = RETRIES if LOCKED in text else 2  # a kernel start is retried once
        if result.get("success") or not _transient(result) or attempt >= limit - 1:
            return result
        time.sleep(0.5 + random.random() * (attempt + 1))
    return result


def summarise_failure(result: dict) -> str:
    """One line saying why nbgrader failed: the last exception line in its log/traceback."""
    text = (result.get("log", "") + "\n" + result.get("error", "")).splitlines()
    for line in reversed(text):
        m = EXC_LINE.match(line.replace("[ERROR]", "").strip())
        if m and "NbGraderException" not in m.group(1):
            return m.group(1).strip()[:300]
    errors = [ln for ln in text if ln.startswith("[ERROR]")]
    return (errors[0][8:] if errors else "nbgrader failed without a message")[:300]


def read_scores(root: Path, assignment: str, student: str):
    """``(score, max_score, {grade_id: (score, max_score)})`` from the gradebook
    (test cells and manually graded cells alike; points as floats)."""
    db_url = course_config(root).CourseDirectory.db_url
    with Gradebook(db_url, COURSE_ID) as gb:
        sub = gb.find_submission(assignment, student)
        cells = {g.name: (float(g.score), float(g.max_score))
                 for nb in sub.notebooks for g in nb.grades}
        return float(sub.score), float(sub.max_score), cells


def timed_out_cells(path: Path, timeout: int) -> list[str]:
    """Problems for cells of an autograded notebook that hit the per-cell timeout."""
    if not path.is_file():
        return []
    nb = nbformat.read(path, as_version=4)
    out = []
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error" and o.get("ename") == "CellTimeoutError":
                name = nbgrader_meta(cell).get("grade_id") or f"#{i + 1}"
                out.append(f"cell {name} timed out after {timeout} s and was interrupted")
                break
    return out


def autograde_one(root: Path, assignment: str, student: str, timeout: int = 30) -> dict:
    """Autograde ``course-data/submitted/<student>/<assignment>/`` and write feedback.

    Args:
        root: course root.
        assignment: assignment id.
        student: student id (also exported as ``NNCOURSE_STUDENT_ID``).
        timeout: per-cell timeout in seconds.

    Returns:
        dict with ``score``/``max_score`` (floats, or None if nbgrader gave no score),
        ``cells`` ({grade_id: (score, max)}), ``problems`` (list of str),
        ``feedback`` (path of the HTML file, or None).
    """
    root = Path(root)
    os.environ["NNCOURSE_STUDENT_ID"] = student
    problems: list[str] = []
    result = _retrying(lambda: run_converter(Autograde, root, assignment, student,
                                             timeout=timeout, force=True, create_student=True))
    print(result.get("log", ""), result.get("error", ""), sep="\n", flush=True)
    if not result.get("success"):
        problems.append(f"autograde failed: {summarise_failure(result)}")
    graded = root / DATA / "autograded" / student / assignment
    problems += timed_out_cells(graded / f"{assignment}.ipynb", timeout)
    score = max_score = None
    cells: dict = {}
    feedback = None
    if result.get("success"):
        try:
            score, max_score, cells = _unlocked(lambda: read_scores(root, assignment, student))
        except MissingEntry:
            problems.append("no score recorded in the gradebook")
        fb = _retrying(lambda: run_converter(GenerateFeedback, root, assignment, student,
                                             force=True))
        html = root / DATA / "feedback" / student / assignment / f"{assignment}.html"
        if fb.get("success") and html.is_file():
            feedback = str(html)
        else:
            problems.append(f"feedback failed: {summarise_failure(fb)}")
    return {"score": score, "max_score": max_score, "cells": cells,
            "problems": problems, "feedback": feedback}
