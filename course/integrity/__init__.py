"""Integrity checks of a class's submissions: tampering, copies of the reference, shared answers.

They read the submitted notebooks only (static analysis and code similarity), so they work
wherever the notebooks were executed. Their findings are *flags*: lines an instructor reads in
``grades.csv`` and the class report. A flag never changes a score unless the instructor asks
for it (``course grade --on-flag zero``).

- :mod:`.scan`: the tamper scan of one submission (AST);
- :mod:`.similarity`: copies of nnlib's reference implementation, and pairs of students
  sharing answers (winnowing, via ``copydetect``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from nbformat import NotebookNode

from course.submission import nbgrader_meta

__all__ = ["Flags", "answer_cells", "check_class"]


@dataclass
class Flags:
    """What the integrity checks found in one submission.

    ``findings``: the tamper scan's lines (``"phi line 3: replaces ... [module-patch]"``);
    ``exercises``: the exercises (solution grade_ids) the flags involve, for ``--on-flag zero``;
    ``copies``: ``{exercise: share}`` of answers that copy the reference implementation;
    ``pairs``: ``[(other student, share, exercises, shared lines)]``.
    """

    findings: list = field(default_factory=list)
    exercises: set = field(default_factory=set)
    copies: dict = field(default_factory=dict)
    pairs: list = field(default_factory=list)

    def lines(self) -> list[str]:
        """One line per flag, for grades.csv and the report."""
        out = list(self.findings)
        out += [f"copy of the reference implementation in {ex} ({share:.0%} of the answer)"
                for ex, share in sorted(self.copies.items())]
        out += [f"shares answers with {other} ({share:.0%}: {', '.join(exs)})"
                for other, share, exs, _ in self.pairs]
        return out

    def __bool__(self):
        return bool(self.findings or self.copies or self.pairs)


def answer_cells(nb: NotebookNode) -> dict[str, str]:
    """``{grade_id: source}`` of the solution cells (the answers) of a notebook."""
    return {m["grade_id"]: c.source for c in nb.cells
            if c.cell_type == "code" and (m := nbgrader_meta(c)).get("solution") and m.get("grade_id")}


def _references(assignment: str) -> dict[str, list]:
    from nnlib import graders
    return {ex.name: list(ex.references) for ex in graders.exercises(assignment)}


def check_class(assignment: str, submissions: dict[str, NotebookNode],
                release: NotebookNode) -> dict[str, Flags]:
    """Run every integrity check on the submissions of one assignment.

    Args:
        assignment: assignment id (its checkers name each exercise's reference).
        submissions: ``{student: submitted notebook}`` (unreadable ones left out).
        release: the release notebook.

    Returns:
        ``{student: Flags}`` for every student given (empty Flags when nothing was found).
    """
    from course.integrity.scan import reference_names, scan_submission
    from course.integrity.similarity import reference_copies, reference_source, shared_answers

    refs = _references(assignment)
    names = {ex: reference_names(fs) for ex, fs in refs.items()}
    sources = {ex: reference_source(fs) for ex, fs in refs.items()}
    stubs = answer_cells(release)
    out: dict[str, Flags] = {}
    answers = {}
    for student, nb in submissions.items():
        flags = out[student] = Flags()
        for f in scan_submission(nb, release, names):
            flags.findings.append(str(f))
            if f.cell in stubs:
                flags.exercises.add(f.cell)
        answers[student] = {ex: src for ex, src in answer_cells(nb).items() if ex in stubs}
        flags.copies = reference_copies(answers[student], sources, stubs)
        flags.exercises |= set(flags.copies)
    for p in shared_answers(answers, stubs):
        out[p.first].pairs.append((p.second, p.share, p.exercises, p.lines))
        out[p.second].pairs.append((p.first, p.share, p.exercises, p.lines))
        out[p.first].exercises |= set(p.exercises)
        out[p.second].exercises |= set(p.exercises)
    return out
