"""``course grade ID --submissions DIR``: autograde a class.

``DIR/<student>/<ID>/`` is copied to ``course-data/submitted/<student>/<ID>/`` (symbolic
links are left out). Each submission is prepared and scored in this process by nbgrader's
own Autograde pipeline (``course.autograde_one``), whose execute step sends the notebook
to a Dask cluster (``course.engine``), where it runs in a bubblewrap sandbox
(``course.execute_task``). One thread per submission in flight; only one of them at a
time runs nbgrader (the gradebook has one writer), the others wait for their notebook to
come back. A tqdm bar shows progress. Submissions that are malformed, hang, crash or kill
their kernel, or run past the deadline are reported at the end; the others are graded
regardless. Scores go to the gradebook and ``course-data/grades.csv``; feedback HTML
(hidden tests stripped) to ``course-data/feedback/<student>/<ID>/``; nbgrader's and the
kernel's messages to ``course-data/logs/<ID>/<student>.log``.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from tqdm import tqdm

from course.autograde_one import autograde_one
from course.build import build
from course.engine import SCHEDULER_ENV, Engine, shared_engine
from course.executor import DaskExecutor
from course.gradebook_lock import exclusive
from course.gradescsv import merge_grades
from course.nbgrader_config import DATA, DB_ENV, check_db_url
from course.paths import CourseError, check_ids
from course.precheck import cell_problems, read_submission


@dataclass
class Outcome:
    """Grading result of one submission.

    ``score``/``max_score`` in points (None when nbgrader gave no score);
    ``cells``: {grade_id: (score, max_score)}; ``problems``: reasons to look at it;
    ``seconds``: wall time of its execution task; ``cell_seconds``: of that, the time
    spent in the notebook's cells; ``flags``: what the integrity checks found.
    """

    student: str
    assignment: str
    score: float | None = None
    max_score: float | None = None
    cells: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    feedback: str | None = None
    seconds: float = 0.0
    cell_seconds: float = 0.0
    flags: list = field(default_factory=list)
    flag_exercises: list = field(default_factory=list)


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


@contextlib.contextmanager
def gradebook_url(db_url: str | None):
    """Within the block, the gradebook is ``db_url`` (sets ``$NNCOURSE_DB_URL``, which
    ``course_config`` reads); None keeps the current setting.

    Raises:
        CourseError: unsupported URL.
    """
    if db_url is None:
        yield os.environ.get(DB_ENV)
        return
    try:
        check_db_url(db_url)
    except ValueError as e:
        raise CourseError(str(e)) from None
    old = os.environ.get(DB_ENV)
    os.environ[DB_ENV] = db_url
    try:
        yield db_url
    finally:
        if old is None:
            os.environ.pop(DB_ENV, None)
        else:
            os.environ[DB_ENV] = old


def _no_symlinks(directory, names):
    return [n for n in names if os.path.islink(os.path.join(directory, n))]


def grade(root: Path, assignment: str, submissions: Path, jobs: int | None = None,
          timeout: int = 30, deadline: float | None = None, progress: bool = True,
          scheduler: str | None = None, sandboxed: bool = True, db_url: str | None = None,
          engine: Engine | None = None, on_flag: str = "report") -> list[Outcome]:
    """Autograde every ``submissions/<student>/<assignment>/`` submission.

    Args:
        root: course root.
        assignment: assignment id.
        submissions: directory in the layout ``<student>/<assignment>/<assignment>.ipynb``.
        jobs: worker processes of the embedded Dask cluster (default ``os.cpu_count()``).
        timeout: per-cell timeout, seconds.
        deadline: whole-notebook deadline, seconds (default: ``default_deadline``).
        progress: show a tqdm progress bar on stderr.
        scheduler: address of an existing Dask scheduler (``tcp://HOST:8786``) instead of
            the embedded cluster.
        sandboxed: run every kernel in the bubblewrap sandbox.
        db_url: gradebook URL (default: ``$NNCOURSE_DB_URL`` or the course's SQLite file).
        engine: an open ``Engine`` to use (then ``jobs``, ``scheduler`` and ``sandboxed``
            are taken from it); default: an ``Engine`` for ``scheduler``, else the embedded
            ``course.engine.shared_engine``.
        on_flag: what a flag of the integrity checks (``course.integrity``) does:
            ``"report"`` (default) lists it in grades.csv's ``flags`` column and the report
            only; ``"zero"`` also gives the exercises involved 0 points (nbgrader's manual
            score, so the Formgrader shows it) and says so in the note.

    Returns:
        One ``Outcome`` per student, sorted by student. ``grades.csv`` is updated.

    Raises:
        CourseError: unknown assignment, missing submissions directory, unsupported
            gradebook URL, or the sandbox or the cluster is not available.
    """
    root = Path(root).resolve()
    check_ids(root, [assignment])
    if on_flag not in ON_FLAG:
        raise CourseError(f"on_flag must be one of {', '.join(ON_FLAG)}, not {on_flag!r}")
    students = find_students(submissions, assignment)
    scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
    with gradebook_url(db_url) as url, contextlib.ExitStack() as stack:
        if engine is None:
            engine = stack.enter_context(Engine(jobs, scheduler, sandboxed)) if scheduler \
                else shared_engine(jobs, sandboxed)
        with exclusive(url), tempfile.TemporaryDirectory(prefix="course-release-") as tmp:
            build(root, [assignment], out=Path(tmp))  # records the assignment in the gradebook
            release = nbformat.read(Path(tmp) / assignment / f"{assignment}.ipynb",
                                    as_version=4)
        deadline = deadline or default_deadline(release, timeout)
        outcomes, todo, notebooks = _prepare(root, assignment, submissions, students, release)
        pairs = _integrity(assignment, notebooks, release, outcomes)
        bar = tqdm(total=len(students), desc=f"grading {assignment}", unit="nb",
                   disable=not progress, leave=True)
        bar.update(len(students) - len(todo))
        try:
            _run(root, assignment, todo, outcomes, engine, timeout, deadline, bar.update)
        finally:
            bar.close()
        if on_flag == "zero":
            with exclusive(url):
                zero_flagged(root, assignment, outcomes)
    merge_grades(root / DATA / "grades.csv", assignment,
                 {s: (o.score, o.max_score, "; ".join(o.problems), "; ".join(o.flags))
                  for s, o in outcomes.items()})
    write_run(root, assignment, outcomes, pairs)
    return [outcomes[s] for s in students]


ON_FLAG = ("report", "zero")


def _integrity(assignment, notebooks, release, outcomes) -> list:
    """Run the integrity checks on the readable submissions; put each student's flag lines
    in their outcome; return the similarity pairs ``[(a, b, share, exercises, lines)]``.
    A failure of the checks themselves is a problem of every submission, never a crash."""
    from course.integrity import check_class

    try:
        flags = check_class(assignment, notebooks, release)
    except Exception as e:  # noqa: BLE001 (the class is still graded)
        for o in outcomes.values():
            o.problems.append(f"integrity checks failed: {type(e).__name__}: {e}")
        return []
    pairs = []
    for student, f in flags.items():
        outcomes[student].flags = f.lines()
        outcomes[student].flag_exercises = sorted(f.exercises)
        pairs += [(student, other, share, exs, lines) for other, share, exs, lines in f.pairs
                  if student < other]
    return pairs


def zero_flagged(root: Path, assignment: str, outcomes: dict) -> None:
    """``--on-flag zero``: 0 points (nbgrader's manual score) on the test cells of every
    exercise a flag involves; the outcome's scores are read back and its note says so."""
    from nbgrader.api import Gradebook, MissingEntry

    from course.autograde_one import read_scores
    from course.nbgrader_config import COURSE_ID, course_config
    from nnlib import graders

    cells_of = {ex.name: ex.test_cell for ex in graders.exercises(assignment)}
    db_url = course_config(root).CourseDirectory.db_url
    for o in outcomes.values():
        cells = sorted({cells_of[e] for e in o.flag_exercises if e in cells_of})
        if not cells or o.score is None:
            continue
        with Gradebook(db_url, COURSE_ID) as gb:
            for cell in cells:
                try:
                    gb.find_grade(cell, assignment, assignment, o.student).manual_score = 0.0
                except MissingEntry:
                    continue
            gb.db.commit()
        o.score, o.max_score, o.cells = read_scores(root, assignment, o.student)
        o.problems.append(f"zeroed because of its flags (--on-flag zero): {', '.join(cells)}")


def write_run(root: Path, assignment: str, outcomes: dict, pairs: list) -> Path:
    """``course-data/runs/<assignment>.json``: per student the grading time, problems and
    flags, and the similarity pairs, for ``course report``."""
    import json

    path = Path(root) / DATA / "runs" / f"{assignment}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"assignment": assignment,
           "students": {s: {"seconds": round(o.seconds, 3), "cell_seconds": round(o.cell_seconds, 3),
                            "problems": o.problems, "flags": o.flags}
                        for s, o in sorted(outcomes.items())},
           "pairs": [list(p) for p in pairs]}
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return path


def _prepare(root, assignment, submissions, students, release):
    """Copy each submission into ``submitted/`` and pre-check it; returns
    ``(outcomes by student, students to grade, their notebooks by student)``."""
    outcomes: dict[str, Outcome] = {}
    todo = []
    notebooks = {}
    for student in students:
        out = outcomes[student] = Outcome(student, assignment)
        src = Path(submissions) / student / assignment
        dest = root / DATA / "submitted" / student / assignment
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(src, dest, ignore=_no_symlinks)
        nb, reason = read_submission(dest / f"{assignment}.ipynb")
        if nb is None:
            out.problems.append(reason)
            for step in ("autograded", "feedback"):  # no stale results of an older grading
                shutil.rmtree(root / DATA / step / student / assignment, ignore_errors=True)
            continue
        out.problems += cell_problems(nb, release)
        todo.append(student)
        notebooks[student] = nb
    return outcomes, todo, notebooks


def _run(root, assignment, todo, outcomes, engine, timeout, deadline, tick) -> None:
    """Grade ``todo`` with up to ``engine.slots() + 1`` submissions in flight."""
    trusted = threading.Lock()
    in_flight = min(len(todo), engine.slots() + 1) or 1
    executor = DaskExecutor(engine.client, trusted, queued=in_flight)

    def one(student):
        with trusted, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SQLAlchemy warnings from nbgrader's gradebook
            return autograde_one(root, assignment, student, executor, timeout=timeout,
                                 deadline=deadline, sandboxed=engine.sandboxed)

    with ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix="grade") as pool:
        futures = {pool.submit(one, s): s for s in todo}
        for fut in as_completed(futures):
            out = outcomes[futures[fut]]
            try:
                v = fut.result()
            except Exception as e:  # a bug in the trusted side: report, go on
                out.problems.append(f"grader crashed: {type(e).__name__}: {e}")
            else:
                out.score, out.max_score, out.cells = v["score"], v["max_score"], v["cells"]
                out.feedback = v["feedback"]
                out.problems += v["problems"]
                out.seconds = sum(r.seconds for r in v["executions"])
                out.cell_seconds = sum(r.cell_seconds for r in v["executions"])
            tick(1)


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
    flagged = [f"{o.student}/{o.assignment}: {f}" for o in outcomes for f in o.flags]
    if flagged:
        print("\nflagged by the integrity checks (no score changed unless --on-flag zero):")
        print("\n".join("  " + f for f in flagged))
    print(f"\ngrades:   {Path(root) / DATA / 'grades.csv'}")
    print(f"feedback: {Path(root) / DATA / 'feedback'}/{feedback_pattern}")
    return problems
