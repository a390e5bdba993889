"""The sample class: fake submissions that prove the graders.

Roster, per assignment ``<id>``:

- ``reference`` submits the solution unchanged;
- ``blank`` submits the untouched release notebook;
- each student named in ``course/sample/mistakes/<id>.toml`` submits the solution
  with their one patch applied (students without a mistake in ``<id>`` do not submit it).

Every submission is built from the release notebook (``course.submission``), as a
real student's would be.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from course.mistakes import Mistake, load_mistakes, mistakes_dir
from course.paths import RELEASE, CourseError, check_ids, source_notebook
from course.submission import student_submission

REFERENCE, BLANK = "reference", "blank"


def load_all_mistakes(root: Path, ids: list[str] | None = None) -> dict[str, list[Mistake]]:
    """``assignment id -> mistakes`` for every assignment in ``ids`` (default: all);
    assignments without a mistakes file map to ``[]``.

    Raises:
        CourseError: from ``load_mistakes``, or a mistakes file for an unknown assignment.
    """
    root = Path(root)
    ids = check_ids(root, ids)
    mdir = mistakes_dir(root)
    if mdir.is_dir():
        known = set(check_ids(root, None))
        orphans = sorted(p.name for p in mdir.glob("*.toml") if p.stem not in known)
        if orphans:
            raise CourseError(f"{mdir}: mistakes file(s) for unknown assignment(s): {', '.join(orphans)}")
    out = {}
    for aid in ids:
        path = mdir / f"{aid}.toml"
        out[aid] = load_mistakes(path, nbformat.read(source_notebook(root, aid), as_version=4)) \
            if path.is_file() else []
    return out


def assemble(root: Path, dest: Path, ids: list[str] | None = None,
             release_dir: Path | None = None) -> dict[str, dict[str, Mistake | None]]:
    """Write the sample class to ``dest/<student>/<id>/<id>.ipynb`` (``dest`` is replaced).

    Args:
        root: course root.
        dest: output directory, in the layout ``course grade --submissions`` reads.
        ids: assignments (default: all).
        release_dir: where the release notebooks are (default ``<root>/notebooks``).

    Returns:
        ``student -> {assignment id -> Mistake or None}`` for every submission written.

    Raises:
        CourseError: invalid mistakes file, or a release notebook is missing.
    """
    root, dest = Path(root), Path(dest)
    release_dir = Path(release_dir) if release_dir else root / RELEASE
    mistakes = load_all_mistakes(root, ids)
    if dest.exists():
        shutil.rmtree(dest)
    roster: dict[str, dict[str, Mistake | None]] = {}
    for aid, entries in mistakes.items():
        rel_path = release_dir / aid / f"{aid}.ipynb"
        if not rel_path.is_file():
            raise CourseError(f"release notebook {rel_path} is missing; run `course build` first")
        release = nbformat.read(rel_path, as_version=4)
        source = nbformat.read(source_notebook(root, aid), as_version=4)
        subs = {REFERENCE: (student_submission(release, source), None), BLANK: (release, None)}
        for m in entries:
            subs[m.student] = (student_submission(release, source, {m.cell: m.apply(source)}), m)
        for student, (nb, mistake) in subs.items():
            out = dest / student / aid / f"{aid}.ipynb"
            out.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, out)
            roster.setdefault(student, {})[aid] = mistake
    return roster

