"""Run one nbgrader converter in-process for one assignment (and student).

A thin layer over nbgrader's converters and ``nbgrader.utils.capture_log``:
the converter is built from ``course_config(root)`` plus overrides, started, and
its log captured, exactly as ``nbgrader.apps.api.NbGraderAPI`` does, without the
exchange set-up that the API object performs on construction.
"""
from __future__ import annotations

import os
from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from nbgrader.utils import capture_log
from traitlets.config import Config

from course.nbgrader_config import course_config, ensure_env_on_path  # noqa: F401 (re-export)


def run_converter(converter_cls, root: Path, assignment: str, student: str | None = None,
                  timeout: int = 30, overrides: Config | None = None, **attrs) -> dict:
    """Start ``converter_cls`` (e.g. ``nbgrader.converters.Autograde``) on one assignment.

    Args:
        converter_cls: an nbgrader ``BaseConverter`` subclass.
        root: course root.
        assignment: assignment id.
        student: student id (None: nbgrader's default ``*``).
        timeout: per-cell execution timeout in seconds.
        overrides: extra config merged over the course config.
        **attrs: attributes set on the converter before ``start()`` (e.g. ``force=True``).

    Returns:
        nbgrader's result dict: ``success`` (bool), ``log`` (str), ``error`` (traceback str).
    """
    ensure_env_on_path()
    cfg = course_config(root, timeout=timeout)
    if overrides is not None:
        cfg.merge(overrides)
    coursedir = CourseDirectory(config=cfg)
    coursedir.assignment_id = assignment
    if student is not None:
        coursedir.student_id = student
    app = converter_cls(coursedir=coursedir, config=cfg)
    for name, value in attrs.items():
        setattr(app, name, value)
    return capture_log(app)


def failure_text(result: dict, max_lines: int = 30) -> str:
    """The last ``max_lines`` lines of a failed result's log (or traceback)."""
    text = result.get("log") or result.get("error") or "unknown nbgrader failure"
    return "\n".join(text.rstrip().splitlines()[-max_lines:])


THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def single_blas_thread() -> None:
    """Limit the BLAS/OpenMP threads of kernels started from now on to one (unless the user
    set them): the notebooks' matrices are small, where extra threads only add
    synchronization, and parallel workers would oversubscribe the cores."""
    for var in THREAD_VARS:
        os.environ.setdefault(var, "1")
