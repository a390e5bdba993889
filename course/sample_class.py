"""The sample class: fake submissions that prove the graders.

Roster, per assignment ``<id>``:

- ``reference`` submits the solution unchanged;
- ``blank`` submits the untouched release notebook;
- each student named in ``course/sample/mistakes/<id>.toml`` submits the solution
  with their one patch applied (students without a mistake in ``<id>`` do not submit it);
- each student of ``course/sample/cheats.toml`` submits the solution with whole cells
  replaced and/or nbgrader metadata changed, to try to fool the graders in one way (their
  ``flags`` say what the integrity checks must find)::

      [[cheat]]
      student = "pia"
      assignment = "01-adaptive-basis"
      how = "replaces the course's comparison functions"
      flags = ["module-patch"]            # kinds of course.integrity findings, or "copy", "pair"
      [cheat.cells]                       # optional: solution grade_id -> whole new source
      phi = '''...'''
      [cheat.metadata.test_phi]           # optional: grade_id -> nbgrader metadata to change
      points = 40

Every submission is built from the release notebook (``course.submission``), as a
real student's would be.
"""
from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course.mistakes import Mistake, load_mistakes, mistakes_dir
from course.paths import RELEASE, CourseError, check_ids, source_notebook
from course.submission import cells_by_grade_id, student_submission

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REFERENCE, BLANK = "reference", "blank"
CHEATS = Path("course") / "sample" / "cheats.toml"


@dataclass(frozen=True)
class Cheat:
    """A sample student who tries to fool the graders (see the module docstring)."""

    student: str
    assignment: str
    how: str
    flags: tuple
    cells: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)

    def notebook(self, release, source):
        """The submission: the solution, with this cheat's cells and metadata."""
        nb = student_submission(release, source, dict(self.cells))
        for cell in nb.cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid in self.metadata:
                cell.metadata["nbgrader"].update(self.metadata[gid])
        return nb


def load_cheats(root: Path, ids: list[str] | None = None) -> list[Cheat]:
    """The cheats of ``course/sample/cheats.toml`` for the assignments ``ids`` (default: all).

    Raises:
        CourseError: unreadable file, a missing key, an unknown assignment or cell, or a
            student who also makes a mistake in the same assignment.
    """
    path = Path(root) / CHEATS
    if not path.is_file():
        return []
    try:
        entries = tomllib.loads(path.read_text(encoding="utf-8")).get("cheat", [])
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise CourseError(f"{path}: cannot read: {e}") from e
    known = set(check_ids(root, None))
    wanted = set(check_ids(root, ids))
    out = []
    for n, e in enumerate(entries, 1):
        where = f"{path} cheat #{n}"
        for key in ("student", "assignment", "how", "flags"):
            if key not in e:
                raise CourseError(f"{where}: key {key!r} is missing")
        if e["assignment"] not in known:
            raise CourseError(f"{where}: unknown assignment {e['assignment']!r}")
        if e["assignment"] not in wanted:
            continue
        cells = cells_by_grade_id(nbformat.read(source_notebook(root, e["assignment"]), as_version=4))
        for gid in list(e.get("cells", {})) + list(e.get("metadata", {})):
            if gid not in cells:
                raise CourseError(f"{where}: no cell {gid!r} in {e['assignment']}")
        out.append(Cheat(e["student"], e["assignment"], e["how"], tuple(e["flags"]),
                         dict(e.get("cells", {})), dict(e.get("metadata", {}))))
    return out


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
    cheats = load_cheats(root, ids)
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
        for c in cheats:
            if c.assignment == aid:
                if c.student in subs:
                    raise CourseError(f"{CHEATS}: {c.student!r} also submits {aid} as another "
                                      f"sample student")
                subs[c.student] = (c.notebook(release, source), None)
        for student, (nb, mistake) in subs.items():
            out = dest / student / aid / f"{aid}.ipynb"
            out.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, out)
            roster.setdefault(student, {})[aid] = mistake
    return roster

