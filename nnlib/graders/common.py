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


TRANSPOSED_DW = ("transposed: a[l-1].T @ delta[l] instead of dW[l] = delta[l].T @ a[l-1], which "
                 "has the shape (n_l, n_(l-1)) of W[l]")


def check_gradient_shapes(l: int, where: str, dW_l: Any, db_l: Any, n_l: int, n_prev: int,
                          N: int) -> None:
    """Name the shape mistakes of layer ``l``'s gradients before their values are compared.

    ``dW_l`` should have the shape ``(n_l, n_prev)`` of ``W[l]`` and ``db_l`` the shape
    ``(n_l,)``; ``N`` is the batch size, ``where`` the case's label for the message.

    Raises:
        Wrong: dW from ``a[l]`` instead of ``a[l-1]``; dW transposed; db summed over the
            wrong axis or not summed over the batch at all.
    """
    shape_W, shape_b = np.shape(dW_l), np.shape(db_l)
    if shape_W == (n_l, n_l) and n_l != n_prev:
        raise Wrong(f"dW[{l}] {where} has shape {shape_W}, expected {(n_l, n_prev)}, the shape "
                    f"of W[{l}]: delta[{l}].T @ a[{l}]? The gradient of W[l] uses a[l-1], the "
                    f"input of layer l: dW[l] = delta[l].T @ a[l-1].")
    if shape_W == (n_prev, n_l) and n_l != n_prev:
        raise Wrong(f"dW[{l}] {where} has shape {shape_W}, expected {(n_l, n_prev)}: "
                    f"transposed; dW[l] = delta[l].T @ a[l-1] has the shape of W[l].")
    if shape_b == (N,) and N != n_l:
        raise Wrong(f"db[{l}] {where} has shape {shape_b}, expected {(n_l,)}: db[l] is "
                    f"delta[l] summed over the batch (axis 0), delta[l].sum(axis=0).")
    if shape_b == (N, n_l) and N > 1:
        raise Wrong(f"db[{l}] {where} has shape {shape_b}, expected {(n_l,)}: db[l] is delta[l] "
                    f"summed over the batch, delta[l].sum(axis=0).")
