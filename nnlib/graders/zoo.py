"""Checkers of notebook 05's activation zoo: the derivatives of leaky ReLU, ELU and GELU.

Each exercise is an elementwise derivative ``h'(z)`` of the pre-activation, compared with
nnlib's registry (``nnlib.activations``) on arrays of any shape and on plain numbers. At a kink
(``z = 0`` for leaky ReLU and ELU) any value between the left and the right derivative is a
subgradient and is accepted; everywhere else the value must match to a relative error of 1e-7.

Cases: visible, a few values on both sides of 0; hidden, six: a vector spanning -6..6 with 0
itself, a batch ``(N, m)``, a 3-D array, a batch of one, a plain number, and extreme
pre-activations (|z| up to 1000, where a careless ``exp`` overflows), with ``alpha`` drawn per
case (never the default, so an ignored ``alpha`` shows).

Named mistakes. ``leaky_relu_prime(z, alpha)``: ReLU's derivative (0 for z < 0); ``alpha z``
(the function's negative part); the function itself; the two slopes swapped; the default
alpha = 0.01 instead of the given one. ``elu_prime(z, alpha)``: ``e^z`` without ``alpha``;
the function ``alpha (e^z - 1)`` itself; ``alpha e^z`` on both sides; 1 on both sides.
``gelu_prime(z)``: the derivative of the exact GELU ``Phi(z) + z phi(z)`` where the course's
GELU is the tanh approximation; the product rule's second term missing; the chain rule's
``1 + 3 c z^2`` missing; ``1 - tanh`` for ``1 - tanh^2``; GELU itself; the derivative of the
sigmoid approximation ``z sigma(1.702 z)``.
"""
from __future__ import annotations

import math

import numpy as np

from .. import activations, checks
from .base import Case, Exercise
from .registry import register

ASSIGNMENT = "05-output-deltas"


class _Derivative(Exercise):
    """An elementwise derivative, with an optional ``alpha`` and a kink at 0 (or none)."""

    assignment = ASSIGNMENT
    has_alpha = True
    kink = True

    def _args(self, z, alpha):
        return (z, alpha) if self.has_alpha else (z,)

    def fixed_cases(self):
        z = np.array([-2.0, -0.5, 0.5, 1.0, 3.0])
        return [Case(f"z = {z.tolist()}" + (", alpha = 0.2" if self.has_alpha else ""),
                     self._args(z, 0.2))]

    def cases(self, rng):
        alpha = lambda: float(np.round(rng.uniform(0.05, 0.6), 3))  # noqa: E731
        out = []
        v = np.concatenate([np.linspace(-6, 6, 9), [0.0]]) + 0.0
        a = alpha()
        out.append(Case(f"z from -6 to 6 with 0 itself, alpha = {a}" if self.has_alpha else
                        "z from -6 to 6 with 0 itself", self._args(rng.permutation(v), a)))
        N, m = int(rng.integers(2, 6)), int(rng.integers(1, 5))
        a = alpha()
        out.append(Case(f"a batch ({N}, {m}), alpha = {a}", self._args(rng.normal(scale=2.5, size=(N, m)), a)))
        shape = tuple(int(s) for s in rng.integers(1, 4, size=3))
        a = alpha()
        out.append(Case(f"an array of shape {shape}", self._args(rng.normal(scale=2.0, size=shape), a)))
        m = int(rng.integers(2, 6))
        a = alpha()
        out.append(Case(f"a batch of one (1, {m})", self._args(rng.normal(size=(1, m)), a)))
        x = float(np.round(rng.uniform(-3.0, 3.0), 3))
        a = alpha()
        out.append(Case(f"the number z = {x}", self._args(x, a)))
        big = np.array([-rng.uniform(710.0, 1000.0), rng.uniform(710.0, 1000.0), -50.0, 50.0])
        a = alpha()
        out.append(Case("extreme pre-activations (|z| up to 1000)",
                        self._args(rng.permutation(np.concatenate([big, rng.normal(size=4)])).reshape(2, 4), a)))
        return out

    def call(self, fn, case):
        with np.errstate(all="ignore"):     # an overflow is judged by the values it gives
            return fn(*case.args, **case.kwargs)

    def expected(self, z, alpha):
        raise NotImplementedError

    def wrong(self, z, alpha):
        raise NotImplementedError

    def judge(self, case, output):
        z = np.asarray(case.args[0], dtype=float)
        alpha = case.args[1] if self.has_alpha else None
        with np.errstate(all="ignore"):
            expected = self.expected(z, alpha)
            wrong = self.wrong(z, alpha)
        what = f"{self.name}({'z, alpha' if self.has_alpha else 'z'}) ({case.label})"
        got = output
        if self.kink and np.any(z == 0):
            # any subgradient between the left and the right derivative is right at z = 0
            got = np.array(output, dtype=float, copy=True) if np.ndim(output) else output
            lo, hi = sorted((self.left_at_zero(alpha), 1.0))
            if np.ndim(got) and np.shape(got) == z.shape:
                at = (z == 0) & (got >= lo) & (got <= hi)
                got[at] = expected[at]
        if np.ndim(case.args[0]) == 0:
            checks.check_scalar(got, expected, what, wrong=wrong)
        else:
            checks.check_array(got, expected, what, wrong=wrong)


@register
class LeakyReluPrime(_Derivative):
    name = "leaky_relu_prime"
    references = (activations.leaky_relu_prime,)

    def left_at_zero(self, alpha):
        return alpha

    def expected(self, z, alpha):
        return activations.leaky_relu_prime(z, alpha)

    def wrong(self, z, alpha):
        return {"ReLU's derivative: for z < 0 the slope of leaky ReLU is alpha, not 0": (z > 0) * 1.0,
                "alpha z, the function's negative part: its derivative is the constant alpha":
                    np.where(z > 0, 1.0, alpha * z),
                "leaky ReLU itself instead of its derivative": activations.leaky_relu(z, alpha),
                "the two slopes swapped: 1 for z > 0, alpha for z < 0": np.where(z > 0, alpha, 1.0),
                "the default alpha = 0.01 instead of the alpha given": activations.leaky_relu_prime(z, 0.01)}


@register
class EluPrime(_Derivative):
    name = "elu_prime"
    references = (activations.elu_prime,)

    def left_at_zero(self, alpha):
        return alpha

    def expected(self, z, alpha):
        return activations.elu_prime(z, alpha)

    def wrong(self, z, alpha):
        neg = np.minimum(z, 0.0)
        return {"e^z without the factor alpha: d/dz alpha (e^z - 1) = alpha e^z": np.where(z > 0, 1.0, np.exp(neg)),
                "ELU itself, alpha (e^z - 1), instead of its derivative": activations.elu(z, alpha),
                "alpha e^z for every z: for z > 0 ELU is z, with slope 1": alpha * np.exp(np.minimum(z, 700.0)),
                "1 for every z: for z < 0 the slope is alpha e^z": np.ones_like(z)}


_C = math.sqrt(2.0 / math.pi)


@register
class GeluPrime(_Derivative):
    name = "gelu_prime"
    references = (activations.gelu_prime,)
    has_alpha = False
    kink = False

    def expected(self, z, alpha):
        return activations.gelu_prime(z)

    def wrong(self, z, alpha):
        from scipy.special import ndtr

        u = _C * (z + 0.044715 * z ** 3)
        t = np.tanh(u)
        du = _C * (1 + 3 * 0.044715 * z ** 2)
        phi = np.exp(-0.5 * np.minimum(z * z, 1e4)) / math.sqrt(2 * math.pi)
        s = activations.sigmoid(1.702 * z)
        return {"the derivative of the exact GELU, Phi(z) + z phi(z): this course's GELU is the tanh "
                "approximation, differentiate that one": ndtr(z) + z * phi,
                "the product rule's second term is missing: d/dz [0.5 z (1 + tanh u)] = "
                "0.5 (1 + tanh u) + 0.5 z (1 - tanh^2 u) du/dz": 0.5 * (1 + t),
                "the chain rule's du/dz is incomplete: u = c (z + 0.044715 z^3) gives "
                "du/dz = c (1 + 3 * 0.044715 z^2)": 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * _C,
                "1 - tanh(u) where tanh' = 1 - tanh^2": 0.5 * (1 + t) + 0.5 * z * (1 - t) * du,
                "GELU itself instead of its derivative": activations.gelu(z),
                "the derivative of the sigmoid approximation z sigma(1.702 z); the course's GELU is "
                "the tanh approximation": s + 1.702 * z * s * (1 - s)}
