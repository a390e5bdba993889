"""``course grade ID --submissions DIR``: autograde a class in parallel.

``DIR/<student>/<ID>/`` is copied to ``course-data/submitted/<student>/<ID>/``;
each student is autograded in its own worker process (``course.workers``) by
nbgrader's in-process converters (``course.autograde_one``); a tqdm bar shows
progress. Submissions that are malformed, hang, crash the grader or kill their
worker are reported at the end; the others are graded regardless. Scores go to
the gradebook and ``course-data/grades.csv``; feedback HTML (hidden tests
stripped) to ``course-data/feedback/<student>/<ID>/``; each worker's output (nbgrader
and kernel messages) to ``course-data/logs/<ID>/<student>.log``.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from tqdm import tqdm

from course.autograde_one import autograde_one
from course.build import build
from course.gradescsv import merge_grades
from course.nbgrader_config import DATA
from course.nbgrader_run import single_blas_thread
from course.paths import CourseError, check_ids
from course.precheck import cell_problems, read_submission
from course.workers import run_tasks


@dataclass
class Outcome:
    """Grading result of one submission.

    ``score``/``max_score`` in points (None when nbgrader gave no score);
    ``cells``: {grade_id: (score, max_score)}; ``problems``: reasons to look at it.
    """

    student: str
    assignment: str
    score: float | None = None
    max_score: float | None = None
    cells: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    feedback: str | None = None
    seconds: float = 0.0


def _grade_task(root: Path, assignment: str, student: str, timeout: int) -> dict:
    """Worker-process body: send this process's output (nbgrader's warnings, the
    kernel's stderr) to ``course-data/logs/<assignment>/<student>.log``, then grade
    with one BLAS thread per kernel (:func:`single_blas_thread`)."""
    single_blas_thread()
    log = root / DATA / "logs" / assignment / f"{student}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    warnings.simplefilter("ignore")  # SQLAlchemy warnings from nbgrader's gradebook
    return autograde_one(root, assignment, student, timeout)


def find_students(submissions: Path, assignment: str) -> list[str]:
    """Sorted names of the directories ``submissions/<student>/<assignment>/``."""
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise CourseError(f"submissions directory {submissions} does not exist")
    return sorted(p.name for p in submissions.iterdir()
                  if p.is_dir() and (p / assignment).is_dir() and not p.name.startswith("."))


def default_deadline(release: nbformat.NotebookNode, timeout: int) -> float:
    """Whole-notebook deadline in seconds: every code cell may use its full timeout,
    plus two minutes for kernel start-up, bookkeeping and feedback."""
    n_code = sum(c.cell_type == "code" for c in release.cells)
    return timeout * max(n_code, 1) + 120.0


def grade(root: Path, assignment: str, submissions: Path, jobs: int | None = None,
          timeout: int = 30, deadline: float | None = None,
          progress: bool = True) -> list[Outcome]:
    """Autograde every ``submissions/<student>/<assignment>/`` submission.

    Args:
        root: course root.
        assignment: assignment id.
        submissions: directory in the layout ``<student>/<assignment>/<assignment>.ipynb``.
        jobs: worker processes (default ``os.cpu_count()``).
        timeout: per-cell timeout, seconds.
        deadline: whole-submission deadline, seconds (default: ``default_deadline``).
        progress: show a tqdm progress bar on stderr.

    Returns:
        One ``Outcome`` per student, sorted by student. ``grades.csv`` is updated.
    """
    root = Path(root).resolve()
    check_ids(root, [assignment])
    students = find_students(submissions, assignment)
    jobs = max(1, jobs or os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix="course-release-") as tmp:
        build(root, [assignment], out=Path(tmp))  # records the assignment in the gradebook
        release = nbformat.read(Path(tmp) / assignment / f"{assignment}.ipynb", as_version=4)
    deadline = deadline or default_deadline(release, timeout)

    outcomes: dict[str, Outcome] = {}
    tasks = []
    for student in students:
        out = outcomes[student] = Outcome(student, assignment)
        src = Path(submissions) / student / assignment
        dest = root / DATA / "submitted" / student / assignment
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(src, dest)
        nb, reason = read_submission(dest / f"{assignment}.ipynb")
        if nb is None:
            out.problems.append(reason)
            for step in ("autograded", "feedback"):  # no stale results of an older grading
                shutil.rmtree(root / DATA / step / student / assignment, ignore_errors=True)
            continue
        out.problems += cell_problems(nb, release)
        tasks.append((student, _grade_task, (root, assignment, student, timeout)))

    bar = tqdm(total=len(students), desc=f"grading {assignment}", unit="nb",
               disable=not progress, leave=True)
    bar.update(len(students) - len(tasks))

    def done(res):
        out = outcomes[res.key]
        out.seconds = res.seconds
        if res.status == "ok":
            v = res.value
            out.score, out.max_score, out.cells = v["score"], v["max_score"], v["cells"]
            out.feedback = v["feedback"]
            out.problems += v["problems"]
        elif res.status == "error":
            last = res.detail.strip().splitlines()[-1] if res.detail.strip() else "?"
            out.problems.append(f"grader crashed: {last}")
        else:
            out.problems.append(res.detail)
        bar.update(1)

    try:
        run_tasks(tasks, jobs=jobs, deadline=deadline, on_done=done)
    finally:
        bar.close()
    merge_grades(root / DATA / "grades.csv", assignment,
                 {s: (o.score, o.max_score, "; ".join(o.problems)) for s, o in outcomes.items()})
    return [outcomes[s] for s in students]


def format_problems(outcomes: list[Outcome]) -> list[str]:
    """Lines ``student/assignment: reason [score s/m]`` for submissions with problems."""
    lines = []
    for o in outcomes:
        for p in o.problems:
            sc = f" [score {o.score:g}/{o.max_score:g}]" if o.score is not None else " [no score]"
            lines.append(f"{o.student}/{o.assignment}: {p}{sc}")
    return lines


def print_report(root: Path, outcomes: list[Outcome], feedback_pattern: str) -> list[str]:
    """Print the submissions that need a look and where grades and feedback are.

    ``feedback_pattern``: the feedback path below ``course-data/feedback/``, e.g.
    ``<student>/02-xor/02-xor.html``. Returns the problem lines (empty: all is well).
    """
    problems = format_problems(outcomes)
    if problems:
        print("\nsubmissions that need a look:")
        print("\n".join("  " + p for p in problems))
    print(f"\ngrades:   {Path(root) / DATA / 'grades.csv'}")
    print(f"feedback: {Path(root) / DATA / 'feedback'}/{feedback_pattern}")
    return problems
