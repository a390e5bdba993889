"""``course demo``: build the release, grade the sample class, print the gradebook.

Steps: ``course build`` (all assignments, into ``notebooks/``); assemble the sample
class (``course.sample_class``) into ``course-data/sample-submissions/``; grade
every assignment on one grading engine (``os.cpu_count()`` workers of an embedded Dask
cluster, or an existing cluster); print a students x assignments
table of ``score/max`` (``—`` = did not submit) with a total column.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from course.build import build
from course.engine import Engine
from course.grade import Outcome, grade, gradebook_url, print_report
from course.nbgrader_config import DATA
from course.sample_class import BLANK, REFERENCE, assemble

MISSING = "—"


def _pts(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def gradebook_table(outcomes: list[Outcome], assignments: list[str]) -> str:
    """Plain-text table: one row per student (``reference``, ``blank``, then A-Z), one
    column per assignment (``score/max``; ``—`` not submitted; ``failed`` no score)
    and a ``total`` column over the graded submissions."""
    by = {(o.student, o.assignment): o for o in outcomes}
    others = sorted({o.student for o in outcomes} - {REFERENCE, BLANK})
    students = [s for s in (REFERENCE, BLANK) if any(o.student == s for o in outcomes)] + others
    header = ["student", *assignments, "total"]
    rows = []
    for s in students:
        row, got, top = [s], 0.0, 0.0
        for a in assignments:
            o = by.get((s, a))
            if o is None:
                row.append(MISSING)
            elif o.score is None:
                row.append("failed")
            else:
                row.append(f"{_pts(o.score)}/{_pts(o.max_score)}")
                got, top = got + o.score, top + o.max_score
        row.append(f"{_pts(got)}/{_pts(top)}" if top else MISSING)
        rows.append(row)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                              for i, (c, w) in enumerate(zip(r, widths)))
    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *map(fmt, rows)])


def demo(root: Path, jobs: int | None = None, timeout: int = 30,
         ids: list[str] | None = None, scheduler: str | None = None,
         sandboxed: bool = True, db_url: str | None = None) -> int:
    """Run the demo in course root ``root`` for assignments ``ids`` (default: all); print
    progress and the gradebook. ``scheduler``, ``sandboxed`` and ``db_url`` as for
    ``course.grade.grade``.

    Returns:
        0 when every submission was graded without an unexpected problem, else 1.

    Raises:
        CourseError: see ``course.grade.grade``.
    """
    root = Path(root)
    t0 = time.monotonic()
    ids = build(root, ids)
    print(f"built the release of {len(ids)} assignment(s) into {root / 'notebooks'}")
    subs = root / DATA / "sample-submissions"
    roster = assemble(root, subs, ids)
    print(f"assembled the sample class ({len(roster)} students) in {subs}")
    jobs = jobs or os.cpu_count() or 1
    outcomes: list[Outcome] = []
    with gradebook_url(db_url), Engine(jobs, scheduler, sandboxed) as engine:
        for aid in ids:
            outcomes += grade(root, aid, subs, timeout=timeout, engine=engine)
    print()
    print(gradebook_table(outcomes, ids))
    problems = print_report(root, outcomes, "<student>/<assignment>/<assignment>.html")
    print(f"gradebook (nbgrader): {db_url or root / DATA / 'gradebook.db'}")
    print(f"done in {time.monotonic() - t0:.0f} s with {jobs} worker(s)")
    return 1 if problems else 0
