"""Pieces shared by the checkers: draws of stress inputs, answers of a fixed form, comparisons.

Every checker compares through :mod:`nnlib.checks` (relative error, wrong shape, transposed,
wrong sign, off by the batch size, named wrong variants, not finite); what is here exists once
so that the topic modules stay short.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .base import Wrong

__all__ = ["ACTIVATIONS", "scaled_rows", "size_other_than", "expect_sequence", "finite_array"]

# the elementwise activations the checkers pass to students' functions, by name
ACTIVATIONS = ("sigmoid", "tanh", "relu")


def scaled_rows(rng: np.random.Generator, n: int, d: int, decades: float = 3.0) -> np.ndarray:
    """An (n, d) batch whose rows differ in scale by up to ``10**decades`` either way: a
    row-wise operation done over the whole batch (one max, one norm) shows up on it."""
    return rng.normal(size=(n, d)) * 10.0 ** rng.uniform(-decades, decades, size=(n, 1))


def size_other_than(rng: np.random.Generator, avoid: int, low: int = 1, high: int = 7) -> int:
    """An integer in ``[low, high)`` different from ``avoid`` (so that a swapped pair of
    dimensions fails on shape instead of passing by accident)."""
    choices = [m for m in range(low, high) if m != avoid]
    return int(rng.choice(choices))


def expect_sequence(output: Any, n: int, what: str, form: str) -> tuple:
    """``output`` as a tuple of ``n`` items, or :class:`Wrong` naming the expected ``form``
    (e.g. ``"the pair (Z, A)"``)."""
    if not isinstance(output, (tuple, list)) or len(output) != n:
        got = (f"a {type(output).__name__} of length {len(output)}"
               if isinstance(output, (tuple, list)) else f"a {type(output).__name__}")
        raise Wrong(f"{what}: return {form}; got {got}.")
    return tuple(output)


def finite_array(output: Any, what: str) -> np.ndarray:
    """``output`` as a float array, or :class:`Wrong` if it is not numeric."""
    try:
        return np.asarray(output, dtype=float)
    except (TypeError, ValueError):
        raise Wrong(f"{what}: expected a numeric array, got {type(output).__name__}") from None
