"""Typical mistakes, kept as small patches to solution cells (``course/sample/mistakes/<id>.toml``).

File format (one table per mistake)::

    [[mistake]]
    student = "ben"                      # sample student who makes this mistake
    cell = "logistic_loss"               # grade_id of the SOLUTION cell patched
    find = '''np.log1p(np.exp(-m))'''    # exact text in that cell, must occur exactly once
    replace = '''np.log(1 + np.exp(-m))'''
    breaks = ["test_logistic_loss"]      # grade_ids of test cells that must lose points
    why = "exp overflow for large margins"
    diagnosis = "overflow"               # optional: text the grader's message must contain,
                                         # the proof that the feedback names this mistake
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode

from course.paths import CourseError
from course.submission import cells_by_grade_id, nbgrader_meta, graded_test_ids

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RESERVED = {"reference", "blank"}
STUDENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
REQUIRED = {"student": str, "cell": str, "find": str, "replace": str, "breaks": list, "why": str}


@dataclass(frozen=True)
class Mistake:
    """One patch: in assignment ``assignment``, ``student`` writes ``replace`` for ``find``
    in solution cell ``cell``; test cells ``breaks`` must lose points."""

    assignment: str
    student: str
    cell: str
    find: str
    replace: str
    breaks: tuple[str, ...]
    why: str
    origin: str  # "<file> mistake #<n>" for messages
    diagnosis: str = ""  # text the grader's message for this mistake must contain

    def apply(self, source: NotebookNode) -> str:
        """The patched text of solution cell ``cell`` of the source notebook."""
        text = cells_by_grade_id(source)[self.cell].source
        return text.replace(self.find, self.replace, 1)


def mistakes_dir(root: Path) -> Path:
    """``<root>/course/sample/mistakes``."""
    return Path(root) / "course" / "sample" / "mistakes"


def load_mistakes(path: Path, source: NotebookNode) -> list[Mistake]:
    """Read and validate one mistakes file against the assignment's source notebook.

    The assignment id is the file's stem.

    Raises:
        CourseError: naming the file and mistake for: bad TOML, missing/mistyped key,
            bad student name, unknown or non-solution ``cell``, ``find`` absent or not
            unique in that cell, unknown ``breaks`` grade_id (must be a graded test
            cell), empty ``breaks``, or a student with two mistakes in the file.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise CourseError(f"{path}: cannot read mistakes file: {e}") from e
    entries = data.get("mistake", [])
    if not isinstance(entries, list):
        raise CourseError(f"{path}: expected [[mistake]] tables")
    cells = cells_by_grade_id(source)
    tests = set(graded_test_ids(source))
    out: list[Mistake] = []
    seen: dict[str, str] = {}
    for n, entry in enumerate(entries, 1):
        where = f"{path} mistake #{n}"
        for key, typ in REQUIRED.items():
            if not isinstance(entry.get(key), typ):
                raise CourseError(f"{where}: key '{key}' is missing or not a {typ.__name__}")
        student, cell = entry["student"], entry["cell"]
        where = f"{path} mistake #{n} (student {student!r}, cell {cell!r})"
        if not STUDENT_RE.match(student) or student in RESERVED:
            raise CourseError(f"{where}: invalid student name (reserved: {sorted(RESERVED)})")
        if student in seen:
            raise CourseError(
                f"{where}: student {student!r} already has a mistake in this assignment "
                f"({seen[student]}); one mistake per student per assignment")
        seen[student] = f"mistake #{n}"
        if cell not in cells or not nbgrader_meta(cells[cell]).get("solution"):
            known = [g for g, c in cells.items() if nbgrader_meta(c).get("solution")]
            raise CourseError(f"{where}: unknown solution cell {cell!r}; "
                              f"solution cells: {', '.join(known)}")
        count = cells[cell].source.count(entry["find"])
        if count != 1:
            raise CourseError(f"{where}: 'find' text occurs {count} times in cell {cell!r} "
                              f"(must occur exactly once): {entry['find']!r}")
        if entry["find"] == entry["replace"]:
            raise CourseError(f"{where}: 'replace' equals 'find'")
        bad = [b for b in entry["breaks"] if b not in tests]
        if bad or not entry["breaks"]:
            raise CourseError(f"{where}: 'breaks' must list graded test cells; unknown: "
                              f"{bad or '(empty list)'}; test cells: {', '.join(sorted(tests))}")
        if not isinstance(entry.get("diagnosis", ""), str):
            raise CourseError(f"{where}: key 'diagnosis' must be a string")
        out.append(Mistake(path.stem, student, cell, entry["find"], entry["replace"],
                           tuple(entry["breaks"]), entry["why"], where,
                           entry.get("diagnosis", "")))
    return out
