"""Numerical gradients by finite differences, the relative error, and a per-parameter check.

Forward difference  (E(w + eps) - E(w)) / eps            has error O(eps);
central difference  (E(w + eps) - E(w - eps)) / (2 eps)  has error O(eps^2)
(Bishop, PRML eqs. 5.68 and 5.69). Each costs O(W) per weight, so O(W^2) for all W weights,
against O(W) for backpropagation (PRML sec. 5.3.3).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "numerical_gradient", "relative_error", "network_numerical_gradients",
    "check_gradients", "GradCheckReport",
]


def numerical_gradient(f, x, eps=1e-6, method="central"):
    """dF/dx by finite differences for a scalar function ``f`` of an array ``x``.

    ``x``: float array of any shape; it is perturbed in place one entry at a time and restored
    (so ``f`` may read it by reference, as a network reads its own weights). Returns a float64
    array of the shape of ``x``. ``method``: ``'central'`` (O(eps^2)) or ``'forward'`` (O(eps)).
    The quotient divides by the step actually taken, ``(x + eps) - x`` as stored in ``x``'s
    dtype, so a float32 ``x`` (where ``x + eps`` rounds) still gives the right gradient.
    Raises ``ValueError`` for another method, a non-positive eps, a non-float array, an eps
    too small to change an entry of ``x`` in its dtype, or an ``f`` that does not return a
    finite scalar.
    """
    if method not in ("central", "forward"):
        raise ValueError(f"method must be 'central' or 'forward', got {method!r}")
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps}")
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise ValueError("x must be a float numpy array (it is perturbed in place)")
    grad = np.zeros_like(x, dtype=float)
    f0 = _scalar(f) if method == "forward" else None
    flat = x.reshape(-1)  # a view: writing into it perturbs x
    if not np.shares_memory(flat, x):
        raise ValueError("x must be contiguous so it can be perturbed in place")
    g = grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        up = float(flat[i]) - float(old)  # the step as stored (rounded in float32)
        f_plus = _scalar(f)
        if method == "central":
            flat[i] = old - eps
            down = float(old) - float(flat[i])
            f_minus = _scalar(f)
            step, diff = up + down, f_plus - f_minus
        else:
            step, diff = up, f_plus - f0
        flat[i] = old
        if step == 0.0:
            raise ValueError(f"eps = {eps:g} does not change x[{i}] = {float(old):g} in {x.dtype}: "
                             f"use a larger eps")
        g[i] = diff / step
    return grad


def _scalar(f):
    value = f()
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"f must return a scalar, got {type(value).__name__} {np.shape(value)}") from None
    if not np.isfinite(value):
        raise ValueError(f"f returned {value} during the finite-difference evaluation")
    return value


def relative_error(u, v, floor=1e-12):
    """``max|u - v| / max(floor, max(|u| + |v|))``: 0 for equal arrays, at most 1 otherwise.

    Scale-free, and well defined when both are (nearly) zero thanks to ``floor``.
    Raises ``ValueError`` if the shapes differ.
    """
    u = np.asarray(u, dtype=float)
    v = np.asarray(v, dtype=float)
    if u.shape != v.shape:
        raise ValueError(f"cannot compare arrays of shapes {u.shape} and {v.shape}")
    if u.size == 0:
        return 0.0
    return float(np.max(np.abs(u - v)) / max(floor, float(np.max(np.abs(u) + np.abs(v)))))


def network_numerical_gradients(net, X, T, eps=1e-6, method="central"):
    """Numerical dE/dW[l], dE/db[l] of ``net.error(X, T)`` for every layer.

    Returns ``(dW, db)``: lists indexed by layer (entry 0 None) with the parameters' shapes.
    Costs 2 W forward passes (central) for W parameters.
    """
    dW = [None] + [numerical_gradient(lambda: net.error(X, T), net.W[l], eps, method)
                   for l in range(1, net.L + 1)]
    db = [None] + [numerical_gradient(lambda: net.error(X, T), net.b[l], eps, method)
                   for l in range(1, net.L + 1)]
    return dW, db


@dataclass
class GradCheckReport:
    """Relative errors per parameter (``{'W[1]': 3e-10, 'b[1]': ...}``) and the tolerance."""

    errors: dict
    tolerance: float

    @property
    def ok(self):
        return all(e <= self.tolerance for e in self.errors.values())

    def __str__(self):
        lines = [f"{'parameter':<10} {'relative error':>15}  (tolerance {self.tolerance:.0e})"]
        for name, err in self.errors.items():
            lines.append(f"{name:<10} {err:>15.2e}  {'ok' if err <= self.tolerance else 'FAIL'}")
        return "\n".join(lines)


def check_gradients(net, X, T, grads=None, eps=1e-6, tolerance=1e-7):
    """Compare backprop gradients with central differences, per parameter.

    ``grads``: a :class:`~nnlib.network.Gradients` to check (default: ``net``'s own backward
    pass). Returns a :class:`GradCheckReport`; ``print`` it for a table.
    """
    if grads is None:
        _, grads = net.gradients(X, T)
    num_dW, num_db = network_numerical_gradients(net, X, T, eps)
    errors = {}
    for l in range(1, net.L + 1):
        errors[f"W[{l}]"] = relative_error(grads.dW[l], num_dW[l])
        errors[f"b[{l}]"] = relative_error(grads.db[l], num_db[l])
    return GradCheckReport(errors, tolerance)
