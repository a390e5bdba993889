"""``course build``: generate the student release ``notebooks/`` from ``solutions/``.

Uses nbgrader's ``GenerateAssignment`` converter in-process (solutions replaced by
stubs, hidden tests removed, outputs cleared, checksums computed, cells recorded
in the gradebook), then rewrites every generated notebook canonically so that a
rebuild is byte-identical.
"""
from __future__ import annotations

import filecmp
import json
import tempfile
from pathlib import Path

import nbformat
from nbgrader.converters import GenerateAssignment
from traitlets.config import Config

from course.nbgrader_run import failure_text, run_converter
from course.paths import RELEASE, CourseError, check_ids


def normalise(path: Path) -> None:
    """Rewrite one generated notebook canonically (nbformat 4.5, sorted keys,
    indent 1, trailing newline).

    Cell ids are the only part of a release that may come out random (nbformat
    invents them for cells that have none): cells that had no id in the file get
    one derived from their grade_id or position.
    """
    with open(path, encoding="utf-8") as f:
        had_ids = [("id" in c) for c in json.load(f).get("cells", [])]
    nb = nbformat.read(path, as_version=4)
    nb.nbformat_minor = max(nb.nbformat_minor, 5)
    seen = {c["id"] for c, had in zip(nb.cells, had_ids) if had}
    for i, (cell, had) in enumerate(zip(nb.cells, had_ids)):
        if had:
            continue
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        cid = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in (gid or f"cell-{i}"))[:60]
        while cid in seen:
            cid = f"{cid[:55]}-{i}"
        seen.add(cid)
        cell["id"] = cid
    text = nbformat.writes(nb, version=4)
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def build(root: Path, ids: list[str] | None = None, out: Path | None = None,
          use_database: bool = True) -> list[str]:
    """Generate the release of each assignment in ``ids`` (default: all).

    Args:
        root: course root.
        ids: assignment ids; empty/None means every ``solutions/<id>/``.
        out: release directory (default ``<root>/notebooks``); ``out/<id>/`` is replaced.
        use_database: record the assignment's cells in the gradebook (needed to grade).

    Returns:
        The ids built.

    Raises:
        CourseError: unknown id, or nbgrader failed (its error lines are included).
    """
    root = Path(root)
    ids = check_ids(root, ids)
    over = Config()
    over.CourseDirectory.release_directory = str(Path(out) if out else root / RELEASE)
    if not use_database:  # what `nbgrader generate_assignment --no-db` sets
        over.GenerateAssignment.no_database = True
        over.SaveCells.enabled = False
    for aid in ids:
        result = run_converter(GenerateAssignment, root, aid, overrides=over,
                               force=True, create_assignment=True)
        if not result["success"]:
            raise CourseError(f"generate_assignment failed for {aid}:\n{failure_text(result)}")
        out_dir = (Path(out) if out else root / RELEASE) / aid
        for nb_path in sorted(out_dir.rglob("*.ipynb")):
            normalise(nb_path)
    return ids


def _files(base: Path) -> set[str]:
    if not base.is_dir():
        return set()
    return {str(p.relative_to(base)) for p in base.rglob("*")
            if p.is_file() and ".ipynb_checkpoints" not in p.parts}


def check(root: Path, ids: list[str] | None = None) -> list[str]:
    """Build into a temporary directory and compare with the committed ``notebooks/``.

    Returns:
        One line per difference (``differs: notebooks/<id>/<file>``,
        ``missing: ...`` when not committed, ``extra: ...`` when committed but not
        generated); empty when identical. Only the assignments in ``ids`` are compared;
        without ``ids``, release folders that have no source are reported too.
    """
    root = Path(root)
    everything = not ids
    ids = check_ids(root, ids)
    problems: list[str] = []
    if everything and (root / RELEASE).is_dir():
        for d in sorted(p for p in (root / RELEASE).iterdir() if p.is_dir()):
            if d.name not in ids and not d.name.startswith("."):
                problems.append(f"extra: {RELEASE}/{d.name}/ (no solutions/{d.name}/{d.name}.ipynb)")
    with tempfile.TemporaryDirectory(prefix="course-build-") as tmp:
        build(root, ids, out=Path(tmp), use_database=False)
        for aid in ids:
            new, old = Path(tmp) / aid, root / RELEASE / aid
            fresh, committed = _files(new), _files(old)
            for rel in sorted(fresh | committed):
                name = f"{RELEASE}/{aid}/{rel}"
                if rel not in committed:
                    problems.append(f"missing: {name} (generated but not in {RELEASE}/)")
                elif rel not in fresh:
                    problems.append(f"extra: {name} (in {RELEASE}/ but not generated)")
                elif not filecmp.cmp(new / rel, old / rel, shallow=False):
                    problems.append(f"differs: {name}")
    return problems
