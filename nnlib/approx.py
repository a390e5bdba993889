"""Networks built by hand that show what one hidden layer and what depth can represent.

Universal approximation (Cybenko 1989; Bishop, PRML sec. 5.1): a 1-D function on an interval is
approximated by a one-hidden-layer network of sigmoid units arranged in pairs, each pair a
*bump* (a steep step up followed by a steep step down), one bump per sub-interval, its height
the function's value in the middle of it.

Depth versus width (Telgarsky 2016, "Benefits of depth in neural networks", COLT; Montufar et
al. 2014, "On the number of linear regions of deep neural networks", NeurIPS): the k-fold
composition of the tent map ``g(x) = 2 relu(x) - 4 relu(x - 1/2)`` on [0, 1] is a sawtooth with
``2^(k-1)`` teeth (``2^k`` linear pieces). A ReLU network with k hidden layers of 2 units
computes it; one hidden layer needs at least ``2^k - 1`` units, since a one-hidden-layer ReLU
network of m units on a 1-D input is piecewise linear with at most m + 1 pieces.

All networks are returned as ``(W, b)``, per-layer lists indexed by layer with entry 0 ``None``,
``W[l]`` of shape ``(n_l, n_{l-1})`` and ``b[l]`` of shape ``(n_l,)``, to be run by
:func:`nnlib.network.forward` with a linear output unit (loss ``"sse"``).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import network

__all__ = ["bump", "bump_network", "staircase_network", "sup_error", "sawtooth",
           "sawtooth_deep", "sawtooth_shallow", "count_pieces"]


def _finite_positive(value, what: str) -> float:
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{what} must be a finite number > 0, got {value!r}")
    return value


def bump_network(left, right, height, steepness):
    """``(W, b)`` of the 1-2-1 sigmoid network whose output is :func:`bump`.

    Hidden unit 1 is a step up at ``left``, hidden unit 2 a step up at ``right``; the output
    weights ``(height, -height)`` subtract the second from the first. ``W[1]``: (2, 1),
    ``b[1]``: (2,), ``W[2]``: (1, 2), ``b[2]``: (1,). Raises ``ValueError`` unless
    ``left < right`` and ``steepness > 0``.
    """
    left, right, height = float(left), float(right), float(height)
    s = _finite_positive(steepness, "steepness")
    if not left < right:
        raise ValueError(f"a bump needs left < right, got left={left!r}, right={right!r}")
    W = [None, np.array([[s], [s]]), np.array([[height, -height]])]
    b = [None, np.array([-s * left, -s * right]), np.zeros(1)]
    return W, b


def bump(x, left, right, height, steepness):
    """``height * (sigmoid(s (x - left)) - sigmoid(s (x - right)))`` with ``s = steepness``.

    ``x``: (N,) inputs. Returns (N,): about ``height`` inside (left, right), about 0 outside,
    ``height / 2`` at the two edges. Computed by :func:`nnlib.network.forward` on the network of
    :func:`bump_network` (stable for any steepness). Raises ``ValueError`` for ``x`` that is
    not 1-D, ``left >= right`` or ``steepness <= 0``.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"bump: x must have shape (N,), got {x.shape}")
    W, b = bump_network(left, right, height, steepness)
    return network.forward(x[:, None], W, b, "sigmoid", "sse").y[:, 0]


def staircase_network(target: Callable, M: int, steepness, lo=0.0, hi=1.0):
    """``(W, b)`` of a 1-M-1 sigmoid network that approximates ``target`` on ``[lo, hi]``.

    The interval is cut into ``K = M // 2`` equal pieces; hidden units ``2k`` and ``2k + 1``
    form bump k (:func:`bump_network`) over piece k with the height ``target`` takes at the
    piece's centre. The outer edges of the first and last bump are moved one interval length
    outside ``[lo, hi]`` so that the ends are not cut to half height. ``target``: a function
    of an (K,) array returning (K,). ``W[1]``: (M, 1), ``b[1]``: (M,), ``W[2]``: (1, M),
    ``b[2]``: (1,). Raises ``ValueError`` for an odd or non-positive ``M``, ``lo >= hi`` or
    ``steepness <= 0``.
    """
    if int(M) != M or M < 2 or M % 2:
        raise ValueError(f"M must be an even number of hidden units >= 2, got {M!r}")
    if not lo < hi:
        raise ValueError(f"need lo < hi, got lo={lo!r}, hi={hi!r}")
    s = _finite_positive(steepness, "steepness")
    K = int(M) // 2
    edges = np.linspace(lo, hi, K + 1)
    heights = np.asarray(target(0.5 * (edges[:-1] + edges[1:])), dtype=float).reshape(K)
    edges[0], edges[-1] = lo - (hi - lo), hi + (hi - lo)
    W1 = np.full((2 * K, 1), s)
    b1 = -s * np.column_stack([edges[:-1], edges[1:]]).reshape(-1)
    W2 = np.column_stack([heights, -heights]).reshape(1, -1)
    return [None, W1, W2], [None, b1, np.zeros(1)]


def sup_error(approximation, exact) -> float:
    """``max_n |approximation[n] - exact[n]|``, the sup-norm error on a grid; (N,) arrays."""
    approximation, exact = np.asarray(approximation, float), np.asarray(exact, float)
    if approximation.shape != exact.shape:
        raise ValueError(f"sup_error: shapes {approximation.shape} and {exact.shape} differ")
    return float(np.max(np.abs(approximation - exact)))


def sawtooth(x, k: int):
    """The k-fold tent map on [0, 1]: ``2^(k-1)`` teeth of height 1; ``x``: (N,) -> (N,)."""
    x = np.asarray(x, dtype=float)
    for _ in range(int(k)):
        x = np.where(x < 0.5, 2.0 * x, 2.0 - 2.0 * x)
    return x


def _check_depth(k) -> int:
    if int(k) != k or k < 1:
        raise ValueError(f"k must be an integer >= 1, got {k!r}")
    return int(k)


def sawtooth_deep(k: int):
    """``(W, b)`` of a ReLU network with k hidden layers of 2 units computing
    :func:`sawtooth` on [0, 1] (L = k + 1 layers, 2k hidden units).

    Each hidden layer holds ``relu(g)`` and ``relu(g - 1/2)`` of the previous tent ``g``; the
    next layer reads ``g = 2 a_1 - 4 a_2`` from them. Raises ``ValueError`` for ``k < 1``.
    """
    k = _check_depth(k)
    tent = np.array([[2.0, -4.0]])
    W = [None, np.array([[1.0], [1.0]])] + [np.vstack([tent, tent]) for _ in range(k - 1)] + [tent]
    b = [None] + [np.array([0.0, -0.5]) for _ in range(k)] + [np.zeros(1)]
    return W, b


def sawtooth_shallow(k: int):
    """``(W, b)`` of a one-hidden-layer ReLU network with ``2^k`` units computing
    :func:`sawtooth` on [0, 1]: unit j is ``relu(x - j / 2^k)``, its output weight the change of
    slope there (``2^k`` at 0, then alternately ``-2^(k+1)`` and ``+2^(k+1)``). Raises
    ``ValueError`` for ``k < 1``.
    """
    k = _check_depth(k)
    n = 2 ** k
    slopes = n * np.array([1.0, -2.0] + [2.0 * (-1.0) ** j for j in range(n - 2)])
    W = [None, np.ones((n, 1)), slopes.reshape(1, n)]
    b = [None, -np.arange(n) / n, np.zeros(1)]
    return W, b


def count_pieces(x, y, tol=1e-6) -> int:
    """The number of linear pieces of the piecewise-linear samples ``y`` (N,) on the sorted
    grid ``x`` (N,): one more than the number of grid steps where the slope changes."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 2:
        raise ValueError(f"count_pieces: x {x.shape} and y {y.shape} must be equal 1-D shapes, N >= 2")
    slopes = np.diff(y) / np.diff(x)
    changes = np.abs(np.diff(slopes)) > tol * max(1.0, float(np.max(np.abs(slopes))))
    # a kink between grid points shows as two consecutive slope changes; count it once
    kinks = changes & ~np.concatenate([[False], changes[:-1]])
    return int(np.sum(kinks)) + 1
