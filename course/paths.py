"""Where things live in a course root.

The course root is the directory that contains ``solutions/`` and ``course/``.
"""
from __future__ import annotations

import os
from pathlib import Path

SOLUTIONS = "solutions"
RELEASE = "notebooks"
# grading-state directories and the course id are defined in course/nbgrader_config.py


class CourseError(Exception):
    """A problem the user can fix; the CLI prints it without a traceback."""


def find_root(root: str | os.PathLike | None = None) -> Path:
    """Resolve the course root.

    Order: ``root`` if given; else the current directory if it contains
    ``solutions/``; else the parent of the installed ``course`` package.

    Raises:
        CourseError: ``root`` was given but is not a directory.
    """
    if root is not None:
        path = Path(root).resolve()
        if not path.is_dir():
            raise CourseError(f"course root {path} is not a directory")
        return path
    cwd = Path.cwd()
    if (cwd / SOLUTIONS).is_dir():
        return cwd.resolve()
    return Path(__file__).resolve().parent.parent


def assignment_ids(root: Path) -> list[str]:
    """Sorted ids ``<id>`` for which ``solutions/<id>/<id>.ipynb`` exists."""
    base = Path(root) / SOLUTIONS
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / f"{p.name}.ipynb").is_file())


def source_notebook(root: Path, aid: str) -> Path:
    """``solutions/<id>/<id>.ipynb`` (the nbgrader source, with solutions and hidden tests)."""
    return Path(root) / SOLUTIONS / aid / f"{aid}.ipynb"


def release_notebook(root: Path, aid: str) -> Path:
    """``notebooks/<id>/<id>.ipynb`` (the committed student release)."""
    return Path(root) / RELEASE / aid / f"{aid}.ipynb"


def check_ids(root: Path, ids: list[str] | None) -> list[str]:
    """Return ``ids`` (or all assignment ids when empty), rejecting unknown ones.

    Raises:
        CourseError: an id has no ``solutions/<id>/<id>.ipynb``, or there are none.
    """
    known = assignment_ids(root)
    if not ids:
        if not known:
            raise CourseError(f"no assignments found under {Path(root) / SOLUTIONS}")
        return known
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise CourseError(
            f"unknown assignment(s) {', '.join(unknown)}; known: {', '.join(known) or 'none'}")
    return list(ids)
