"""Checkers of notebook 01-adaptive-basis.

``phi(X, U, a, h)``: the adaptive basis ``Phi = h(X U^T + a)``, shape (N, M), compared with
``nnlib.network.dense``. Cases: the fixed 2x2 -> 3 batch of the visible test; hidden, five
batches with sigmoid/tanh/ReLU, one with M = D (where a missing transpose gives wrong values
instead of a shape error), the others M != D, one batch of a single example, one with rows of
very different scale. Named mistakes: U not transposed; the bias missing; h applied before
adding the bias; calling nnlib's dense or forward.
"""
from __future__ import annotations

import numpy as np

from .. import checks, network
from ..activations import get_activation
from .base import Case, Exercise
from .common import ACTIVATIONS, scaled_rows, size_other_than
from .registry import register

ASSIGNMENT = "01-adaptive-basis"


@register
class Phi(Exercise):
    name = "phi"
    assignment = ASSIGNMENT
    references = (network.dense, network.forward)

    def fixed_cases(self):
        X = np.array([[0.0, 1.0], [2.0, -1.0]])
        U = np.array([[1.0, 0.0], [0.5, -1.0], [0.0, 2.0]])
        a = np.array([0.0, 0.1, -0.2])
        return [Case("N=2, D=2, M=3, tanh", (X, U, a, get_activation("tanh").function),
                     data={"h": "tanh"})]

    def cases(self, rng):
        out = []
        for k in range(5):
            N = 1 if k == 3 else int(rng.integers(2, 8))
            if k == 0:                    # M = D: X @ U runs, so a missing transpose gives wrong values
                D = M = int(rng.integers(2, 5))
            else:
                D = int(rng.integers(1, 5))
                M = size_other_than(rng, D)
            X = scaled_rows(rng, N, D) if k == 4 else rng.normal(size=(N, D))
            U, a = rng.normal(size=(M, D)), rng.normal(size=M)
            h = ACTIVATIONS[k % 3]
            out.append(Case(f"N={N}, D={D}, M={M}, {h}", (X, U, a, get_activation(h).function),
                            data={"h": h}))
        return out

    def explain_error(self, case, error, message):
        X, U = case.args[:2]
        if error == "ValueError":
            return (f"phi raised ValueError ({message}) for X of shape (N, D) = {X.shape} and U "
                    f"of shape (M, D) = {U.shape}: the pre-activations X @ U.T + a have shape "
                    f"(N, M) = {(X.shape[0], U.shape[0])}. (X @ U only works when M = D.)")
        return None

    def judge(self, case, output):
        X, U, a, h = case.args
        _, expected = network.dense(X, U, a, h)
        wrong = {"the bias a is missing: h(X U^T) instead of h(X U^T + a)": h(X @ U.T),
                 "h applied before adding the bias: h(X U^T) + a instead of h(X U^T + a)":
                     h(X @ U.T) + a}
        if U.shape[0] == U.shape[1]:
            wrong["U not transposed: h(X U + a) instead of h(X U^T + a)"] = h(X @ U + a)
        checks.check_array(output, expected, f"phi(X, U, a, {case.data['h']})",
                           batch_size=X.shape[0], wrong=wrong)
