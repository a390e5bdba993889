"""Look at a submission before grading: is it a notebook, are the graded cells intact?

nbgrader itself restores edited test cells from the gradebook and scores deleted
ones as missing, silently; these checks make such submissions visible to the
instructor.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat import NotebookNode

from course.submission import cells_by_grade_id, nbgrader_meta


def read_submission(path: Path) -> tuple[NotebookNode | None, str]:
    """Read a submitted notebook.

    Returns:
        ``(notebook, "")`` or ``(None, reason)`` when the file is missing (the reason
        names it, without listing its folder), not JSON, or not a valid nbformat-4
        notebook.
    """
    path = Path(path)
    if not path.exists():
        return None, f"missing notebook {path.name} ({path} does not exist)"
    if not path.is_file():
        return None, f"{path} is not a file"
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as e:  # nbformat raises NotJSONError, ValueError, KeyError, ...
        first = (str(e).strip().splitlines() or [""])[0]
        return None, f"not a notebook ({type(e).__name__}: {first[:160]})"
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as e:
        return None, f"invalid notebook ({e.message[:160]})"
    return nb, ""


def cell_problems(submitted: NotebookNode, release: NotebookNode) -> list[str]:
    """Differences in graded/locked cells between a submission and the release.

    Reports, by grade_id: deleted cells, cells whose type changed, and test or
    locked cells whose source was edited (nbgrader grades with the original).
    """
    problems = []
    got = cells_by_grade_id(submitted)
    for gid, cell in cells_by_grade_id(release).items():
        meta = nbgrader_meta(cell)
        is_test = meta.get("grade") and not meta.get("solution")
        kind = "test cell" if is_test else "solution cell" if meta.get("solution") else "cell"
        if gid not in got:
            if is_test or meta.get("solution") or meta.get("locked"):
                problems.append(f"deleted {kind} {gid}")
            continue
        if got[gid].cell_type != cell.cell_type:
            problems.append(f"{kind} {gid} changed type to {got[gid].cell_type}")
        elif (is_test or meta.get("locked")) and got[gid].source.strip() != cell.source.strip():
            problems.append(f"edited {kind} {gid} (graded with the original)")
    return problems
