"""``course demo``: build the release, grade the sample class, print the gradebook.

The demo keeps to its own course copy, ``course-data/demo/`` (the demo root): it copies
``solutions/`` and ``course/sample/`` there, builds the release into
``course-data/demo/notebooks/``, assembles the sample class (``course.sample_class``)
into ``course-data/demo/sample-submissions/`` and grades every assignment on one grading engine (``os.cpu_count()`` workers of an
embedded Dask cluster, or an existing cluster), so its gradebook, ``grades.csv`` and feedback are under
``course-data/demo/course-data/``, never mixed with a real class's. It prints a
students x assignments table of ``score/max`` with a total column in which a missing or
ungraded submission counts as 0.
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from course.build import build
from course.engine import Engine
from course.grade import Outcome, grade, gradebook_url, print_report
from course.mistakes import mistakes_dir
from course.nbgrader_config import DATA
from course.paths import SOLUTIONS
from course.sample_class import BLANK, REFERENCE, assemble

MISSING = "—"
LEGEND = (f"{MISSING} = no submission, counted as 0; failed = could not be graded "
          "(see below), counted as 0")


def _pts(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def gradebook_table(outcomes: list[Outcome], assignments: list[str]) -> str:
    """Plain-text table: one row per student (``reference``, ``blank``, then A-Z), one
    column per assignment (``score/max``; ``—`` not submitted; ``failed`` no score), a
    ``total`` column in which both count as 0 of the assignment's maximum, and a legend
    line saying so."""
    by = {(o.student, o.assignment): o for o in outcomes}
    top = {}
    for o in outcomes:
        if o.max_score is not None:
            top.setdefault(o.assignment, o.max_score)
    others = sorted({o.student for o in outcomes} - {REFERENCE, BLANK})
    students = [s for s in (REFERENCE, BLANK) if any(o.student == s for o in outcomes)] + others
    header = ["student", *assignments, "total"]
    rows = []
    for s in students:
        row, got = [s], 0.0
        for a in assignments:
            o = by.get((s, a))
            if o is None:
                row.append(MISSING)
            elif o.score is None:
                row.append("failed")
            else:
                row.append(f"{_pts(o.score)}/{_pts(o.max_score)}")
                got += o.score
        possible = sum(top.get(a, 0.0) for a in assignments)
        row.append(f"{_pts(got)}/{_pts(possible)}" if possible else MISSING)
        rows.append(row)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                              for i, (c, w) in enumerate(zip(r, widths)))
    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *map(fmt, rows),
                      f"({LEGEND})"])


def demo_root(root: Path) -> Path:
    """``<root>/course-data/demo``: the demo's own course copy (solutions, mistakes,
    release, sample class, and its grading state in ``course-data/`` below it)."""
    return Path(root) / DATA / "demo"


def prepare_demo_root(root: Path) -> Path:
    """Copy ``solutions/`` and ``course/sample/`` of ``root`` into a fresh demo root
    (its previous grading state is removed) and return it.

    Raises:
        OSError: the copy failed.
    """
    root, dest = Path(root), demo_root(root)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(root / SOLUTIONS, dest / SOLUTIONS,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    sample = mistakes_dir(root).parent  # course/sample: mistakes/ and cheats.toml
    if sample.is_dir():
        shutil.copytree(sample, mistakes_dir(dest).parent)
    return dest


def demo(root: Path, jobs: int | None = None, timeout: int = 30,
         ids: list[str] | None = None, scheduler: str | None = None,
         sandboxed: bool = True, db_url: str | None = None) -> int:
    """Run the demo in course root ``root`` for assignments ``ids`` (default: all); print
    progress and the gradebook. ``scheduler``, ``sandboxed`` and ``db_url`` as for
    ``course.grade.grade``.

    Returns:
        0 when every submission was graded without an unexpected problem, else 1.

    Raises:
        CourseError: unknown id, invalid mistakes file, or nbgrader failed to build.
        See also ``course.grade.grade``.
    """
    root = Path(root).resolve()
    t0 = time.monotonic()
    droot = prepare_demo_root(root)
    ids = build(droot, ids)
    print(f"demo course (its own copy, never the real class's data): {droot}")
    print(f"built the release of {len(ids)} assignment(s) into {droot / 'notebooks'}")
    subs = droot / "sample-submissions"
    roster = assemble(droot, subs, ids)
    print(f"assembled the sample class ({len(roster)} students) in {subs}")
    jobs = jobs or os.cpu_count() or 1
    outcomes: list[Outcome] = []
    with gradebook_url(db_url), Engine(jobs, scheduler, sandboxed) as engine:
        for aid in ids:
            outcomes += grade(droot, aid, subs, timeout=timeout, engine=engine)
    print()
    print(gradebook_table(outcomes, ids))
    problems = print_report(droot, outcomes, "<student>/<assignment>/<assignment>.html")
    print(f"gradebook (nbgrader): {db_url or droot / DATA / 'gradebook.db'}")
    from course.report import collect, write_report
    index, _ = write_report(collect(droot / DATA, ids), droot / DATA / "report")
    print(f"class report: {index}")
    print(f"done in {time.monotonic() - t0:.0f} s with {jobs} worker(s)")
    return 1 if problems else 0
