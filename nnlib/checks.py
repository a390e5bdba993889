"""The checks behind every graded cell: compare an answer with nnlib and say what is wrong.

Used by the notebooks' visible and hidden test cells (docs/design.md, "Graded cells"), and by students who
want to check their own work. A failed check raises ``AssertionError`` whose message names the
quantity, the relative error and, where it can tell, the mistake in the lectures' terms: wrong
shape (with the expected one), transposed, wrong sign, off by a constant factor (e.g. the batch
size: a sum where the convention is the mean), one of a list of known wrong answers (e.g.
"missing the activation derivative"), not finite.

Randomized cases come from :func:`student_rng`, seeded by a stable hash (SHA-256) of the student
id and the exercise name, so a re-grade gives the same cases and two students get different ones.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from pathlib import Path

import numpy as np

from .gradcheck import relative_error

__all__ = [
    "STUDENT_ENV", "student_id", "seeded_rng", "student_rng", "check_array", "check_scalar", "forbid",
    "CalledReference", "passed",
]

STUDENT_ENV = "NNCOURSE_STUDENT_ID"


def student_id() -> str:
    """The id of the student whose notebook is running.

    In order: the ``NNCOURSE_STUDENT_ID`` environment variable (set by ``course grade``); the
    nbgrader directory layout ``.../autograded/<student>/<assignment>/`` of the working
    directory (plain ``nbgrader autograde``); else ``'local'`` (a student checking their work).
    """
    sid = os.environ.get(STUDENT_ENV, "").strip()
    if sid:
        return sid
    cwd = Path.cwd()
    if len(cwd.parents) >= 2 and cwd.parents[1].name == "autograded":
        return cwd.parent.name
    return "local"


def seeded_rng(student: str, exercise: str) -> np.random.Generator:
    """A Generator seeded by SHA-256 of ``'<student>/<exercise>'`` (never Python's ``hash()``,
    which changes between processes), so each student's hidden cases are stable and their own,
    and the trusted judge can draw the same cases again."""
    digest = hashlib.sha256(f"{student}/{exercise}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def student_rng(exercise: str) -> np.random.Generator:
    """:func:`seeded_rng` for the student whose notebook is running (:func:`student_id`)."""
    return seeded_rng(student_id(), exercise)


def _close(u, v, rtol):
    return u.shape == v.shape and relative_error(u, v) <= rtol


def _as_float_array(got, name):
    if got is None:
        raise AssertionError(f"{name}: your function returned None. Did you forget `return`?")
    try:
        arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(
            f"{name}: expected a numeric array, got {type(got).__name__}"
        ) from None
    return arr


def check_array(got, expected, name="result", rtol=1e-7, batch_size=None, wrong=None):
    """Assert that ``got`` equals ``expected`` up to relative error ``rtol``.

    ``got``: the student's answer (any array-like); ``expected``: the reference array (from
    nnlib at grading time). Relative error as in :func:`nnlib.gradcheck.relative_error`.
    ``batch_size``: N of the batch, so a factor N or 1/N is named as sum-vs-mean.
    ``wrong``: ``{description: array}`` of known wrong answers; a match is named in the message.
    Raises ``AssertionError`` with the diagnosis; returns the relative error when it passes.
    """
    expected = np.asarray(expected, dtype=float)
    got = _as_float_array(got, name)
    if got.shape != expected.shape:
        if got.ndim == 2 and got.T.shape == expected.shape and _close(got.T, expected, rtol):
            raise AssertionError(
                f"{name}: transposed. Got shape {got.shape}, expected {expected.shape}; "
                f"your values are right but rows and columns are swapped."
            )
        if got.size == expected.size and _close(got.reshape(expected.shape), expected, rtol):
            raise AssertionError(
                f"{name}: wrong shape {got.shape}, expected {expected.shape} (the values are "
                f"right: reshape, and keep batches as rows)."
            )
        raise AssertionError(f"{name}: wrong shape {got.shape}, expected {expected.shape}.")
    exp_finite = np.isfinite(expected)
    if np.any(~np.isfinite(got) & exp_finite):
        bad = int(np.sum(~np.isfinite(got) & exp_finite))
        raise AssertionError(
            f"{name}: {bad} entr{'y is' if bad == 1 else 'ies are'} NaN or infinite where the "
            f"answer is finite: an overflow or a log of 0? (e.g. exp of a large number, or "
            f"ln of an underflowed probability: use the stable, shifted form)"
        )
    err = relative_error(got, expected)
    if err <= rtol:
        return err
    msg = f"{name}: relative error {err:.2e} (tolerance {rtol:.0e})."
    for description, alternative in (wrong or {}).items():
        if _close(got, np.asarray(alternative, dtype=float), max(rtol, 1e-6)):
            raise AssertionError(f"{msg} Your answer matches a known mistake: {description}.")
    if got.ndim == 2 and got.shape[0] == got.shape[1] > 1 and _close(got.T, expected, rtol):
        raise AssertionError(f"{msg} Transposed: your matrix is the transpose of the expected one "
                             f"(rows and columns swapped).")
    denom = float(np.sum(expected * expected))
    if denom > 0:
        c = float(np.sum(got * expected)) / denom
        if abs(c) > 1e-12 and _close(got, c * expected, max(rtol, 1e-6)):
            hint = _factor_hint(c, batch_size)
            # any two numbers differ by a factor: for a scalar only sign and batch size say more
            if got.size > 1 or not hint.startswith("Off by a constant"):
                raise AssertionError(msg + " " + hint)
    raise AssertionError(msg + _first_mismatch(got, expected))


def _factor_hint(c, batch_size):
    if abs(c + 1) < 1e-6:
        return "Wrong sign: your answer is minus the expected one."
    if batch_size and batch_size > 1:
        if abs(c - batch_size) < 1e-6 * batch_size:
            return (f"Off by a factor N = {batch_size}, the batch size: you summed over the batch "
                    f"where the convention is the mean (divide by N).")
        if abs(c - 1 / batch_size) < 1e-6:
            return (f"Off by a factor 1/N = 1/{batch_size}: you divided by the batch size once too "
                    f"often (or took a mean where a sum is asked).")
    return f"Off by a constant factor: your answer is {c:.6g} times the expected one."


def _first_mismatch(got, expected):
    if got.ndim == 0:
        return f" Got {float(got):.6g}, expected {float(expected):.6g}."
    idx = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
    return (f" Largest difference at index {tuple(int(i) for i in idx)}: got "
            f"{got[idx]:.6g}, expected {expected[idx]:.6g}.")


def check_scalar(got, expected, name="result", rtol=1e-7, batch_size=None, wrong=None):
    """:func:`check_array` for a single number (a loss, an accuracy, ...)."""
    if np.ndim(got) != 0 and np.size(got) == 1:
        got = np.asarray(got, dtype=float).reshape(())
    elif np.ndim(got) != 0 and got is not None:
        raise AssertionError(f"{name}: expected a single number, got an array of shape {np.shape(got)}.")
    return check_array(got, np.asarray(expected, dtype=float).reshape(()), name, rtol, batch_size, wrong)


class CalledReference(AssertionError):
    """Raised by :func:`forbid` when a graded function called the reference implementation."""


@contextlib.contextmanager
def forbid(*functions, exercise="this exercise"):
    """Fail if any of ``functions`` (nnlib's reference for the exercise) runs inside the block.

    Detects the call by code object (via ``sys.setprofile``), so it does not matter under which
    name or alias the reference was imported. Raises :class:`CalledReference` at the end of
    the block naming the function called.
    """
    codes = {}
    for f in functions:
        code = getattr(getattr(f, "__func__", f), "__code__", None)
        if code is None:
            raise TypeError(f"forbid() needs Python functions, got {f!r}")
        codes[code] = f"{getattr(f, '__module__', '?')}.{getattr(f, '__qualname__', f.__name__)}"
    called = []

    def profiler(frame, event, arg):
        if event == "call" and frame.f_code in codes:
            called.append(codes[frame.f_code])

    def verdict():
        return CalledReference(
            f"{exercise}: your code calls the reference implementation {called[0]}. "
            f"Write the computation yourself; that is what is graded."
        )

    previous = sys.getprofile()
    sys.setprofile(profiler)
    try:
        yield
    except Exception as error:  # the call to the reference is the news, not what came after
        if called:
            raise verdict() from error
        raise
    finally:
        sys.setprofile(previous)
    if called:
        raise verdict()


def passed(what):
    """Print a one-line confirmation for a visible test."""
    print(f"\u2714 {what}")
