"""Support for the notebooks' demo cells (never used by a graded cell).

Two things every notebook needs around its exercises:

- :func:`yours_or_reference`: a figure or experiment that uses a function the student has not
  written yet (it still raises ``NotImplementedError``) falls back to nnlib's reference and
  says so in a visible banner, instead of stopping *Run All* with a traceback. The fallback
  only ever runs in demo cells: test cells call the student's function directly, so it never
  earns points.
- :func:`grading` / :func:`demo_size`: a demo that only teaches (a sweep, a timing
  experiment, a long training run) may use a smaller size while nbgrader grades the notebook
  (nbgrader sets ``NBGRADER_EXECUTION=autograde`` in the kernel's environment then); the
  demo's output says so.
"""
from __future__ import annotations

import functools
import os
from typing import Callable, TypeVar

__all__ = ["yours_or_reference", "grading", "demo_size", "banner"]

T = TypeVar("T")


def grading() -> bool:
    """True while nbgrader autogrades this kernel (``NBGRADER_EXECUTION=autograde``)."""
    return os.environ.get("NBGRADER_EXECUTION") == "autograde"


def demo_size(full: T, while_grading: T) -> T:
    """``while_grading`` during an autograde run, else ``full``; prints a note when it shrinks.

    For demo cells only (never for a graded computation): e.g.
    ``epochs = demo_size(200, 20)``.
    """
    if grading():
        print(f"(graded run: this demo uses {while_grading!r} instead of {full!r}; it earns no points)")
        return while_grading
    return full


def banner(text: str) -> None:
    """Show ``text`` as a yellow banner in Jupyter (plain text elsewhere)."""
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:  # pragma: no cover - IPython is a dependency of the notebooks
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display(HTML(
            '<div style="background:#fff3cd;border-left:4px solid #e0a800;padding:6px 10px;'
            f'margin:4px 0;color:#533f03">&#9888; {text}</div>'))
        return
    print(f"!! {text}")


def yours_or_reference(yours: Callable, reference: Callable, name: str | None = None) -> Callable:
    """A stand-in for the student's function ``yours`` in demo cells.

    Calls ``yours``; if it raises ``NotImplementedError`` (the release's stub), shows a banner
    ("your ``name`` is not written yet; this cell uses nnlib's reference") once and uses
    ``reference`` from then on. Any other exception propagates: a function that is written
    but wrong should show its error, since that is what the student needs to see.

    Args:
        yours: the student's function.
        reference: nnlib's function with the same signature and result.
        name: the name to show (default: ``yours.__name__``).

    Returns:
        A function with the same signature as ``yours``.
    """
    label = name or getattr(yours, "__name__", "function")
    state = {"use_reference": False}

    @functools.wraps(yours)
    def call(*args, **kwargs):
        if not state["use_reference"]:
            try:
                return yours(*args, **kwargs)
            except NotImplementedError:
                state["use_reference"] = True
                banner(f"your <code>{label}</code> is not written yet; this cell uses nnlib's "
                       "reference instead (write yours and re-run the cell to see your own)")
        return reference(*args, **kwargs)

    return call
