"""Checkers of notebook 01-adaptive-basis.

``phi(X, U, a, h)``: the adaptive basis ``Phi = h(X U^T + a)``, shape (N, M), compared with
``nnlib.network.dense``. Cases: the fixed 2x2 -> 3 batch of the visible test; hidden, five
batches with sigmoid/tanh/ReLU, one with M = D (where a missing transpose gives wrong values
instead of a shape error), the others M != D, one batch of a single example, one with rows of
very different scale. Named mistakes: U not transposed; the bias missing or subtracted; h
applied before adding the bias; calling nnlib's dense or forward.

``model_output(Phi, w)``: the scores ``f = Phi w``, shape (N,), compared with nnlib's dense
layer with one linear output unit. Cases: the fixed N=4, M=3 batch; hidden, five: M != N
(two), N = M (where ``Phi.T @ w`` and a sum over axis 0 run without a shape error), a batch
of one, and rows of very different scale. Named mistakes: a column (N, 1) or row (1, N)
instead of a flat (N,); the sum over the examples instead of over the basis functions j
(shape (M,), or wrong values when N = M); ``Phi * w`` without the sum over j; the mean over
j instead of the sum; one number for the whole batch; calling nnlib's dense or forward.

``logistic_loss(f, t)``: ``L = sum_i log(1 + exp(-t_i f_i))``, a float, compared with
``nnlib.losses.softplus``. Cases: the visible margins (2, -1, -0.5, 0) and (-800, 900, 1000);
hidden, five: ordinary margins (scale 1 and 5), margins of size 500-1500 of both signs (always
one below -800, where ``exp(-m)`` overflows), a batch of one with a margin below -750, and
margins spread over six decades (1e-3 to 1e3). Named mistakes: the sign of the margin; the
mean instead of the sum; an overflow to inf (the naive formula); the labels t not used; the
per-example losses (shape (N,)) instead of their sum; the term max(-m, 0) of the softplus
identity left out; the exponent clipped (at 30, 50, 100, 500, 700, 709 or 710); calling
nnlib's softplus or Loss.

``bump(x, left, right, height, steepness)``: ``height * (sigmoid(s (x - left)) - sigmoid(s (x -
right)))``, shape (N,), compared with ``nnlib.approx.bump`` (a 1-2-1 sigmoid network run by
``nnlib.network.forward``). Cases: visible, x = (-1, 0, 0.5, 1, 2) with the bump (0, 1), height 2,
steepness 10, and a negative height on a grid; hidden, five: every argument varied (heights of
both signs never 1, steepness never 1, edges of both signs), a batch of one, a steepness of
1000 (where a naive exp overflows; the values are still finite), inputs on both sides of and
inside the bump. Named mistakes: the steps subtracted the wrong way round; the steepness not
multiplying the shift (``sigmoid(s x - left)``); the height missing; the steepness missing in
one step; a product of a rising and a falling step instead of a difference; tanh instead of
the sigmoid; the edges with the wrong sign; calling nnlib's ``approx.bump`` (or the networks of
``nnlib.approx``).

Each exercise also has its reference in the notebook's signature (``reference_<name>``), for
the fallbacks of the demo cells (``nnlib.notebook.yours_or_reference``); never for grading.
"""
from __future__ import annotations

import numpy as np

from .. import approx, checks, losses, network
from ..activations import get_activation, sigmoid
from .base import Case, Exercise, Wrong
from .common import ACTIVATIONS, scaled_rows, size_other_than
from .registry import register

ASSIGNMENT = "01-adaptive-basis"

__all__ = ["reference_phi", "reference_model_output", "reference_logistic_loss", "reference_bump"]


def reference_phi(X, U, a, h):
    """``h(X U^T + a)``, (N, M), for X (N, D), U (M, D), a (M,); nnlib's dense layer."""
    return network.dense(X, U, a, h)[1]


def reference_model_output(Phi, w):
    """``Phi w``, (N,), for Phi (N, M) and w (M,): a dense layer with one linear output unit."""
    w = np.asarray(w, dtype=float)
    return network.dense(Phi, w.reshape(1, -1), np.zeros(1), "identity")[0][:, 0]


def reference_logistic_loss(f, t):
    """``sum_i log(1 + exp(-t_i f_i))`` (a float; the SUM over the N examples), stable."""
    return float(np.sum(losses.softplus(-np.asarray(t, float) * np.asarray(f, float))))


def reference_bump(x, left, right, height, steepness):
    """``height * (sigmoid(s (x - left)) - sigmoid(s (x - right)))``, (N,), for x (N,)."""
    return approx.bump(x, left, right, height, steepness)


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
                     h(X @ U.T) + a,
                 "the bias a subtracted: h(X U^T - a) instead of h(X U^T + a)": h(X @ U.T - a)}
        if U.shape[0] == U.shape[1]:
            wrong["U not transposed: h(X U + a) instead of h(X U^T + a)"] = h(X @ U + a)
        checks.check_array(output, expected, f"phi(X, U, a, {case.data['h']})",
                           batch_size=X.shape[0], wrong=wrong)


@register
class ModelOutput(Exercise):
    name = "model_output"
    assignment = ASSIGNMENT
    references = (network.dense, network.forward)

    def fixed_cases(self):
        Phi = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, -1.0], [0.2, 0.3, 0.4], [-1.0, 2.0, 0.0]])
        w = np.array([2.0, -1.0, 0.5])
        return [Case("N=4, M=3", (Phi, w))]

    def cases(self, rng):
        out = []
        for k in range(5):
            if k == 2:                   # N = M: Phi.T @ w and sums over axis 0 run
                N = M = int(rng.integers(2, 6))
            elif k == 3:                 # a batch of one
                N, M = 1, int(rng.integers(2, 6))
            else:
                N = int(rng.integers(2, 9))
                M = size_other_than(rng, N)
            Phi = scaled_rows(rng, N, M) if k == 4 else rng.normal(size=(N, M))
            out.append(Case(f"N={N}, M={M}" + (", rows of very different scale" if k == 4 else ""),
                            (Phi, rng.normal(size=M))))
        return out

    def explain_error(self, case, error, message):
        Phi, w = case.args
        if error == "ValueError":
            return (f"model_output raised ValueError ({message}) for Phi of shape (N, M) = "
                    f"{Phi.shape} and w of shape (M,) = {w.shape}: the scores are Phi @ w, "
                    f"one per example, shape (N,) = {(Phi.shape[0],)}.")
        return None

    def judge(self, case, output):
        Phi, w = case.args
        N, M = Phi.shape
        expected = network.dense(Phi, w.reshape(1, -1), np.zeros(1), "identity")[0][:, 0]
        got = np.asarray(output, dtype=float) if not isinstance(output, str) else output
        name = f"f(X) = Phi w (N={N}, M={M})"
        if isinstance(got, np.ndarray) and got.shape != (N,):
            flat = got.reshape(-1) if got.size == N else None
            if flat is not None and got.ndim == 2 and checks.relative_error(flat, expected) <= 1e-7:
                form = "a column" if got.shape == (N, 1) else "a row"
                raise Wrong(f"{name}: {form} of shape {got.shape}; the scores are a flat vector "
                            f"of shape (N,) = {(N,)} (use Phi @ w with w of shape (M,), not a "
                            f"matrix w).")
            if got.shape == (M,):
                raise Wrong(f"{name}: shape (M,) = {(M,)}, one number per basis function. The "
                            f"scores need one number per example, shape (N,) = {(N,)}: sum over "
                            f"the basis functions j (the columns of Phi), not over the examples.")
            if got.shape == (N, M) and checks.relative_error(got, Phi * w) <= 1e-7:
                raise Wrong(f"{name}: shape (N, M) = {(N, M)}: Phi * w multiplies each column "
                            f"by w_j, but the sum over the basis functions j is missing "
                            f"(f_n = sum_j Phi[n, j] w_j).")
            if got.ndim == 0 and checks.relative_error(got, np.sum(Phi * w)) <= 1e-7:
                raise Wrong(f"{name}: a single number, the sum over the examples as well as over "
                            f"the basis functions; return one score per example, shape (N,).")
        wrong = {"the mean over the basis functions j instead of the sum (divided by M)":
                     expected / M}
        if N == M:
            wrong["the sum over the examples n instead of over the basis functions j "
                  "(Phi.T @ w, or a sum over axis 0)"] = Phi.T @ w
            wrong["the sum over the examples n instead of over the basis functions j "
                  "(sum_n Phi[n, j] w_j, a sum over axis 0)"] = np.sum(Phi * w, axis=0)
        checks.check_array(got, expected, name, wrong=wrong)


def _clip_variants(s):
    """``{description: L}`` for the exponent of log(1 + e^s) clipped at typical values."""
    return {f"the exponent clipped at {c:g} (log(1 + exp(min(-m, {c:g})))): the loss of "
            f"every example with -m_i > {c:g} is cut off; use the softplus identity":
            float(np.sum(losses.softplus(np.minimum(s, c))))
            for c in (30.0, 50.0, 100.0, 500.0, 700.0, 709.0, 710.0) if np.any(s > c)}


@register
class LogisticLoss(Exercise):
    name = "logistic_loss"
    assignment = ASSIGNMENT
    references = (losses.Loss.value, losses.Loss.per_example, losses.softplus)

    def fixed_cases(self):
        return [Case("margins (2, -1, -0.5, 0)",
                     (np.array([2.0, -1.0, 0.5, 0.0]), np.array([1.0, 1.0, -1.0, 1.0]))),
                Case("margins (-800, 900, 1000), no overflow",
                     (np.array([800.0, -900.0, 1000.0]), np.array([-1.0, -1.0, 1.0])))]

    def cases(self, rng):
        out = []
        for k in range(5):
            N = 1 if k == 3 else int(rng.integers(3, 25))
            t = rng.choice([-1.0, 1.0], size=N)
            if k < 2:                                    # ordinary margins
                m = rng.normal(scale=(1.0, 5.0)[k], size=N)
                what = "ordinary margins"
            elif k == 2:                                 # size ~1000, both signs for sure
                m = rng.choice([-1.0, 1.0], size=N) * rng.uniform(500.0, 1500.0, size=N)
                m[0], m[1] = abs(m[0]), -rng.uniform(800.0, 1500.0)
                what = "margins of size 500-1500, both signs"
            elif k == 3:                                 # batch of one, confidently wrong
                m = np.array([-rng.uniform(750.0, 1200.0)])
                what = "a batch of one, margin below -750"
            else:                                        # six decades of scale
                m = rng.choice([-1.0, 1.0], size=N) * 10.0 ** rng.uniform(-3.0, 3.0, size=N)
                m[0] = -10.0 ** rng.uniform(2.9, 3.0)
                what = "margins from 1e-3 to 1e3"
            out.append(Case(f"N={N}, {what}", (t * m, t)))
        return out

    def judge(self, case, output):
        f, t = case.args
        N = len(f)
        s = -t * f                                       # log(1 + e^s) per example
        expected = float(np.sum(losses.softplus(s)))
        name = f"L for N={N} margins up to |m| = {np.max(np.abs(s)):.3g}"
        if not isinstance(output, (int, float, np.ndarray, np.generic)) or isinstance(output, bool):
            raise Wrong(f"{name}: return L as a single float, got {type(output).__name__}.")
        got = np.asarray(output, dtype=float)
        if got.shape == (N,) and N > 1:
            if checks.relative_error(got, losses.softplus(s)) <= 1e-7:
                raise Wrong(f"{name}: you returned the per-example losses log(1 + e^(-m_i)), "
                            f"shape (N,) = {(N,)}; L is their sum over the batch, one float.")
            raise Wrong(f"{name}: expected a single number, got an array of shape {got.shape}.")
        wrong = {
            "wrong sign of the margin: log(1 + exp(+t f)) instead of log(1 + exp(-t f))":
                float(np.sum(losses.softplus(-s))),
            "the mean over the examples; this exercise asks for the SUM, as in the lecture's L":
                expected / N,
            "the labels t are not used: log(1 + exp(-f)) instead of log(1 + exp(-t f))":
                float(np.sum(losses.softplus(-f))),
            "the term max(-m, 0) of the softplus identity is missing: log(1 + e^(-|m|)) alone":
                float(np.sum(np.log1p(np.exp(-np.abs(s))))),
        }
        wrong.update(_clip_variants(s))
        if N == 1:   # sum and mean coincide; so may other variants: keep only real differences
            wrong.pop("the mean over the examples; this exercise asks for the SUM, as in the "
                      "lecture's L")
        wrong = {k: v for k, v in wrong.items() if abs(v - expected) > 1e-6 * abs(expected)}
        checks.check_scalar(got, expected, name, batch_size=N, wrong=wrong)


# ------------------------------------------------------------------------------------ bump
@register
class Bump(Exercise):
    name = "bump"
    assignment = ASSIGNMENT
    references = (approx.bump, approx.bump_network, approx.staircase_network)

    def fixed_cases(self):
        return [Case("x = (-1, 0, 0.5, 1, 2), bump (0, 1), height 2, steepness 10",
                     (np.array([-1.0, 0.0, 0.5, 1.0, 2.0]), 0.0, 1.0, 2.0, 10.0)),
                Case("x on [-2, 3], bump (-0.5, 1.5), height -0.75, steepness 4",
                     (np.linspace(-2.0, 3.0, 11), -0.5, 1.5, -0.75, 4.0))]

    def cases(self, rng):
        out = []
        for k in range(5):
            N = 1 if k == 3 else int(rng.integers(4, 30))
            left = float(rng.uniform(-2.0, 1.0))
            right = left + float(rng.uniform(0.3, 2.0))
            height = float(rng.choice([-1.0, 1.0]) * rng.uniform(1.5, 4.0))
            steepness = 1000.0 if k == 2 else float(rng.uniform(2.0, 30.0))
            width = right - left
            if k == 3:      # a batch of one, inside the bump near an edge
                x = np.array([left + float(rng.uniform(0.05, 0.3)) * width])
            else:           # on both sides of the bump and inside it, unsorted
                x = rng.uniform(left - width, right + width, size=N)
                x[:3] = [left - 0.5 * width, 0.5 * (left + right), right + 0.5 * width][:N]
            what = ("a batch of one" if k == 3 else
                    "steepness 1000, a naive exp overflows" if k == 2 else f"N={N}")
            out.append(Case(f"{what}: bump ({left:.2f}, {right:.2f}), height {height:.2f}, "
                            f"steepness {steepness:g}", (x, left, right, height, steepness)))
        return out

    def judge(self, case, output):
        x, left, right, height, s = case.args
        expected = approx.bump(x, left, right, height, s)
        up, down = sigmoid(s * (x - left)), sigmoid(s * (x - right))
        shift = ("the steepness does not multiply the shift: sigmoid(s x - edge) puts the step at "
                 "x = edge / s; write sigmoid(s (x - edge))")
        with np.errstate(over="ignore"):
            wrong = {
                f"{shift} (in the rising step)": height * (sigmoid(s * x - left) - down),
                f"{shift} (in the falling step)": height * (up - sigmoid(s * x - right)),
                "the steps are subtracted the wrong way round: the step at `right` minus the step "
                "at `left` gives a bump of height -height": -expected,
                f"{shift} (in both steps)":
                    height * (sigmoid(s * x - left) - sigmoid(s * x - right)),
                "the edges with the wrong sign: sigmoid(s (x + left)) steps up at x = -left":
                    height * (sigmoid(s * (x + left)) - sigmoid(s * (x + right))),
                "the height is missing: the two steps give a bump of height 1":
                    expected / height,
                "the steepness is missing in the falling step sigmoid(x - right)":
                    height * (sigmoid(s * (x - left)) - sigmoid(x - right)),
                "the steepness is missing in the rising step sigmoid(x - left)":
                    height * (sigmoid(x - left) - sigmoid(s * (x - right))),
                "a product of a rising and a falling step, sigmoid(...) (1 - sigmoid(...)), instead "
                "of their difference":
                    height * sigmoid(s * (x - left)) * (1.0 - sigmoid(s * (x - right))),
                "tanh instead of the logistic sigmoid (tanh steps go from -1 to 1)":
                    height * (np.tanh(s * (x - left)) - np.tanh(s * (x - right))),
            }
        checks.check_array(output, expected, f"bump(x, {left:.3g}, {right:.3g}, {height:.3g}, "
                           f"{s:g}) for N={len(x)}", wrong=wrong)
