"""``course validate NOTEBOOK``: run a notebook and report each test cell.

Executes the notebook in-process with nbgrader's ``Validator`` preprocessors
(``CheckCellMetadata``, ``ClearOutput``, ``Execute``: the same per-cell timeout as
grading) in the notebook's own directory, then scores each test cell with
``nbgrader.utils.determine_grade``. Unlike ``nbgrader validate``, the result is
meant for an exit status.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nbgrader import utils
from nbgrader.validator import Validator

from course.nbgrader_config import execution_config
from course.nbgrader_run import ensure_env_on_path, single_blas_thread
from course.paths import CourseError
from course.precheck import read_submission
from course.submission import nbgrader_meta


@dataclass
class CellReport:
    """``status`` is ``passed``/``failed`` (test cells) or ``error`` (any other code
    cell that raised); ``name`` the grade_id or ``#<position>``; ``message`` the
    one-line error."""

    name: str
    status: str
    message: str = ""


def _first_error(cell) -> str:
    for o in cell.get("outputs", []):
        if o.get("output_type") == "error":
            return f"{o.get('ename')}: {o.get('evalue')}".rstrip(": ")
        if o.get("output_type") == "stream" and o.get("name") == "stderr":
            return "wrote to stderr: " + o.get("text", "").strip().splitlines()[-1][:200] \
                if o.get("text", "").strip() else "wrote to stderr"
    return ""


def validate(path: Path, timeout: int = 30) -> list[CellReport]:
    """Execute ``path`` and report its test cells and erroring cells, in notebook order.

    Raises:
        CourseError: the file is missing or is not a notebook.
    """
    path = Path(path).resolve()
    nb, reason = read_submission(path)
    if nb is None:
        raise CourseError(f"{path}: {reason}")
    ensure_env_on_path()
    single_blas_thread()
    validator = Validator(config=execution_config(timeout))
    resources = {"metadata": {"path": str(path.parent)}}
    with utils.setenv(NBGRADER_VALIDATING="1", NBGRADER_EXECUTION="validate"):
        for pp_cls in validator.preprocessors:
            nb, resources = pp_cls(parent=validator).preprocess(nb, resources)
    reports = []
    for i, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell)
        name = meta.get("grade_id") or f"#{i + 1}"
        if cell.cell_type != "code":
            continue
        if utils.is_grade(cell) and not utils.is_solution(cell):
            score, max_score = utils.determine_grade(cell)
            if score is not None and score >= max_score:
                reports.append(CellReport(name, "passed"))
            else:
                reports.append(CellReport(name, "failed", _first_error(cell) or
                                          f"partial credit {score:g}/{max_score:g}"))
        elif any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            reports.append(CellReport(name, "error", _first_error(cell)))
    return reports


def format_reports(reports: list[CellReport]) -> tuple[str, bool]:
    """(printable text, ok) where ok means no failed test and no erroring cell."""
    lines, ok = [], True
    for r in reports:
        tag = {"passed": "PASS ", "failed": "FAIL ", "error": "ERROR"}[r.status]
        lines.append(f"{tag} {r.name}" + (f": {r.message}" if r.message else ""))
        ok &= r.status == "passed"
    tests = [r for r in reports if r.status != "error"]
    passed = sum(r.status == "passed" for r in tests)
    lines.append(f"{passed}/{len(tests)} test cells passed"
                 + ("" if ok else "; see FAIL/ERROR above"))
    return "\n".join(lines), ok


