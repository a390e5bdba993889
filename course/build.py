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


# What JupyterLab writes into a notebook when it opens, runs or saves it: none of it
# changes what the release says or how it is graded.
LAB_NOTEBOOK_METADATA = ("kernelspec", "language_info", "widgets")
LAB_CELL_METADATA = ("execution", "collapsed", "scrolled", "jupyter", "trusted")


def _files(base: Path) -> set[str]:
    if not base.is_dir():
        return set()
    return {str(p.relative_to(base)) for p in base.rglob("*")
            if p.is_file() and ".ipynb_checkpoints" not in p.parts}


def _without_lab_metadata(nb: dict) -> dict:
    nb = json.loads(json.dumps(nb))
    for key in LAB_NOTEBOOK_METADATA:
        nb.get("metadata", {}).pop(key, None)
    for cell in nb.get("cells", []):
        for key in LAB_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
    return nb


def notebook_differences(fresh: Path, committed: Path, limit: int = 5) -> tuple[list[str], bool]:
    """How a committed release notebook differs from a freshly generated one.

    Args:
        fresh: the notebook ``course build`` generates.
        committed: the notebook in ``notebooks/``.
        limit: at most this many differences are described.

    Returns:
        ``(what, lab_only)``: ``what`` names the differences (e.g. ``"cell 7 (test_phi):
        source"``, ``"outputs saved in cells 3, 5"``, ``"metadata JupyterLab writes:
        kernelspec, language_info"``); ``lab_only`` is True when nothing but the metadata
        that JupyterLab writes on open differs (``LAB_NOTEBOOK_METADATA``,
        ``LAB_CELL_METADATA``). A file that is not JSON differs as a whole.
    """
    try:
        new = json.loads(fresh.read_text(encoding="utf-8"))
        old = json.loads(committed.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        return [f"not a readable notebook ({type(e).__name__})"], False
    lab = sorted({k for k in LAB_NOTEBOOK_METADATA
                  if new.get("metadata", {}).get(k) != old.get("metadata", {}).get(k)}
                 | {k for c in old.get("cells", []) for k in LAB_CELL_METADATA
                    if k in c.get("metadata", {})})
    a, b = _without_lab_metadata(new), _without_lab_metadata(old)
    if a == b:
        return ([f"metadata JupyterLab writes: {', '.join(lab)}"] if lab else []), True
    what: list[str] = []
    if a.get("metadata") != b.get("metadata"):
        keys = sorted(k for k in set(a.get("metadata", {})) | set(b.get("metadata", {}))
                      if a["metadata"].get(k) != b["metadata"].get(k))
        what.append(f"notebook metadata: {', '.join(keys)}")
    ca, cb = a.get("cells", []), b.get("cells", [])
    if len(ca) != len(cb):
        what.append(f"{len(cb)} cells instead of {len(ca)}")
    ran = [str(i + 1) for i, c in enumerate(cb)
           if c.get("outputs") or c.get("execution_count") is not None]
    if ran:
        what.append(f"outputs saved in cell(s) {', '.join(ran[:10])} (clear them)")
    for i, (x, y) in enumerate(zip(ca, cb)):
        if x == y:
            continue
        keys = [k for k in sorted(set(x) | set(y))
                if x.get(k) != y.get(k) and k not in ("outputs", "execution_count")]
        if keys:
            gid = x.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            what.append(f"cell {i + 1}{f' ({gid})' if gid else ''}: {', '.join(keys)}")
    if not what:
        what.append("formatting only (run `course build`)")
    return what[:limit] + ([f"... and {len(what) - limit} more"] if len(what) > limit else []), False


def check(root: Path, ids: list[str] | None = None, notes: list[str] | None = None) -> list[str]:
    """Build into a temporary directory and compare with the committed ``notebooks/``.

    Metadata that JupyterLab writes into a notebook it opens (kernelspec,
    language_info, widget state, cell execution/view metadata) is not a difference;
    such a notebook is mentioned in ``notes``.

    Args:
        root: course root.
        ids: assignments to compare (default: all).
        notes: if given, gets one line per notebook that differs only in such metadata.

    Returns:
        One line per difference (``differs: notebooks/<id>/<file>: <what>``,
        ``missing: ...`` when not committed, ``extra: ...`` when committed but not
        generated); empty when identical. Only the assignments in ``ids`` are compared;
        without ``ids``, release folders that have no source are reported too.

    Raises:
        CourseError: unknown id, or nbgrader failed.
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
                elif filecmp.cmp(new / rel, old / rel, shallow=False):
                    continue
                elif rel.endswith(".ipynb"):
                    what, lab_only = notebook_differences(new / rel, old / rel)
                    if not lab_only:
                        problems.append(f"differs: {name}: {'; '.join(what)}")
                    elif notes is not None:
                        notes.append(f"{name}: only {what[0] if what else 'formatting'} "
                                     "differs (ignored)")
                else:
                    problems.append(f"differs: {name}")
    return problems
