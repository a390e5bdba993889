"""Autograde ONE student's submission of one assignment, in the trusted process.

Runs nbgrader's ``Autograde`` converter (whose execute step, ``SandboxedExecute``, hands
the prepared notebook to an executor) then ``GenerateFeedback``, reads the scores back
from the gradebook, notes cells that hit the per-cell timeout or a sandbox limit and
notebooks the executor could not run, and writes the grading log. The caller makes sure only one thread at a
time runs this (``course.grade``): nbgrader's gradebook has one writer.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.converters import Autograde, GenerateFeedback
from traitlets.config import Config

from course.executor import Executor
from course.nbgrader_config import COURSE_ID, DATA, autograde_preprocessors, course_config
from course.nbgrader_run import run_converter
from course.remote_execute import SandboxedExecute
from course.sandbox_notes import limit_notes
from course.submission import nbgrader_meta

EXC_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b:?.*)$")


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
    (test cells and manually graded cells alike; points as floats).

    Raises:
        nbgrader.api.MissingEntry: the gradebook has no such submission.
    """
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


def execution_config(executor: Executor, sandboxed: bool, deadline: float) -> Config:
    """Config that routes Autograde's execute step to ``executor``."""
    c = Config()
    c.Autograde.autograde_preprocessors = autograde_preprocessors(
        SandboxedExecute.bound(executor))
    c.SandboxedExecute.sandbox = bool(sandboxed)
    c.SandboxedExecute.deadline = float(deadline)
    return c


def _write_log(root: Path, assignment: str, student: str, parts: list[str]) -> None:
    log = root / DATA / "logs" / assignment / f"{student}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("\n".join(p for p in parts if p), encoding="utf-8")


def autograde_one(root: Path, assignment: str, student: str, executor: Executor,
                  timeout: int = 30, deadline: float = 600.0, sandboxed: bool = True) -> dict:
    """Autograde ``course-data/submitted/<student>/<assignment>/`` and write feedback.

    Args:
        root: course root.
        assignment: assignment id.
        student: student id (the kernel's ``NNCOURSE_STUDENT_ID``).
        executor: runs the prepared notebooks (``course.executor``).
        timeout: per-cell timeout in seconds.
        deadline: seconds for a whole notebook in its sandbox.
        sandboxed: run the kernel in the bubblewrap sandbox.

    Returns:
        dict with ``score``/``max_score`` (floats, or None if nbgrader gave no score),
        ``cells`` ({grade_id: (score, max)}), ``problems`` (list of str),
        ``feedback`` (path of the HTML file, or None), ``executions`` (the executor's
        ``ExecutionResult`` of each notebook).
    """
    root = Path(root)
    problems: list[str] = []
    result = run_converter(Autograde, root, assignment, student, timeout=timeout,
                           overrides=execution_config(executor, sandboxed, deadline),
                           force=True, create_student=True)
    executions = [r for (s, _), r in sorted(executor.results.items()) if s == student]
    own = [r.killed or f"autograde failed: {r.error}" for r in executions
           if r.killed or r.error]
    if not result.get("success"):
        problems += own or [f"autograde failed: {summarise_failure(result)}"]
    graded = root / DATA / "autograded" / student / assignment
    problems += timed_out_cells(graded / f"{assignment}.ipynb", timeout)
    for r in executions:
        if r.notebook and r.limits:
            problems += limit_notes(nbformat.reads(r.notebook, as_version=4), r.limits)
    score = max_score = None
    cells: dict = {}
    feedback = None
    fb = {}
    if result.get("success"):
        try:
            score, max_score, cells = read_scores(root, assignment, student)
        except MissingEntry:
            problems.append("no score recorded in the gradebook")
        fb = run_converter(GenerateFeedback, root, assignment, student, force=True)
        html = root / DATA / "feedback" / student / assignment / f"{assignment}.html"
        if fb.get("success") and html.is_file():
            feedback = str(html)
        else:
            problems.append(f"feedback failed: {summarise_failure(fb)}")
    _write_log(root, assignment, student,
               [result.get("log", ""), result.get("error", ""),
                *(f"--- kernel on {r.worker} ({r.seconds:.1f} s)\n{r.log}" for r in executions),
                fb.get("log", ""), fb.get("error", "")])
    return {"score": score, "max_score": max_score, "cells": cells,
            "problems": problems, "feedback": feedback, "executions": executions}
