"""Checkers of notebook 04-backprop.

The network of the notebook has any hidden activation ``h`` (given to ``backward`` by its
derivative ``h_prime``, a function of the pre-activation) and a canonical output pair: identity +
mean squared error, sigmoid + binary cross-entropy, softmax + cross-entropy, each with ``E`` the
mean over the batch, so that ``delta[L] = (y - T) / N`` (Bishop PRML eqs. 5.18, 5.54-5.56).
Expected values come from ``nnlib`` at judging time (``nnlib.activations``,
``nnlib.gradcheck.numerical_gradient``, ``nnlib.network.backward``,
``nnlib.gradcheck.relative_error``); every named wrong variant is computed from the case's own
inputs. Exercises that build on earlier ones run with the references in place of the notebook's
functions (``upstream``): ``backward`` with the reference ``output_delta``; ``gradient_check``
with the reference ``numerical_gradient``, ``backward`` and ``forward``.

``sigmoid_prime(u)``: ``sigma'(u) = sigma(u) (1 - sigma(u))`` elementwise, the shape of ``u``.
  Cases: visible, ``u = [-2, 0, 1, 3]`` and the number ``0.0`` (``sigma'(0) = 1/4``). Hidden (6):
  a vector, a batch (N, n), a 3-D array, a batch of one (1, n), a Python number, and extreme
  pre-activations mixed with moderate ones (always one below -710 and one above 710, where
  ``exp`` overflows, so a form that overflows gives NaN for every student).
  Floating-point warnings are silenced during the call (values are judged, not warnings).
  Named: ``u (1 - u)`` (the activation form applied to the pre-activation); ``sigma(u)`` itself;
  ``sigma'`` evaluated at the activation ``sigma(sigma(u))``; ``1 - sigma(u)^2`` (the tanh
  form); the wrong sign; NaN from an overflowing ``exp``; calling nnlib's ``sigmoid_prime``.

``numerical_gradient(f, x, eps=1e-6)``: the central difference ``(f(x + eps e_i) - f(x - eps
  e_i)) / (2 eps)`` for every entry ``i``, the shape of ``x``, ``x`` unchanged.
  Cases: visible, ``sum(exp(x))`` on a 2 x 2 array with ``eps = 1e-4``. Hidden (5): five
  functions (exponential, cubic with a quadratic form, log-sum-exp, sine plus a square, a
  quartic on entries of very different scale), shapes (n,), (2, 3)-like, 3-D and (1,), and a
  step that differs in every case: large (0.03 to 0.3, where ignoring ``eps`` changes the
  answer by more than the tolerance), small, and once left at its default (1e-6).
  Named: a forward difference; divided by ``eps`` instead of ``2 eps``; the step ``eps`` ignored
  (the default used); a whole row ``x[i]`` perturbed at once (``range(len(x))`` on a matrix);
  a perturbation not undone before the next entry; the wrong sign; ``x`` changed in place;
  calling nnlib's ``numerical_gradient``/``check_gradients``.

``output_delta(y, T)``: ``(y - T) / N``, shape (N, K).
  Cases: visible, softmax outputs (3, 2) with one-hot targets. Hidden (5): the three canonical
  pairs (outputs of their output unit, targets of their kind), a batch of one, one output unit.
  Named: the wrong sign; a factor ``y (1 - y)`` (sigmoid + SSE, non-canonical); no 1/N (a sum);
  divided by N K.

``backward(W, b, z, a, T, h_prime)`` -> ``(dW, db)``, lists indexed by layer (entry 0 None).
  Cases: visible, [3, 4, 5, 2] tanh identity + MSE with N = 4 and [3, 4, 3] ReLU softmax + CE
  with N = 3. Hidden (7): depths L = 1..4 in a random order with widths 1..5, hidden activations
  drawn from sigmoid, tanh, ReLU, leaky ReLU, ELU, swish, all three canonical pairs, one network
  of equal widths (where ``W[l]`` for ``W[l+1]``, ``a[l]`` for ``a[l-1]`` and a transposed ``dW``
  give values instead of shape errors), a batch of one, inputs whose rows differ in scale.
  Named: ``dW`` transposed; the wrong sign; a sum over the batch (no 1/N); 1/N applied twice;
  ``h_prime(z[l])`` missing in the recursion; ``h_prime`` applied to the activation;
  ``h_prime`` (or sigma') applied at the output layer; off by one layer; ``a[l]`` for
  ``a[l-1]``; ``db[l]`` not summed; not a pair of lists of length L + 1; calling nnlib's
  ``backward``/``MLP.gradients``/``Loss.delta``.

``gradient_check(W, b, X, T, hidden, h_prime, output, loss, backward_fn=None, eps=1e-6)`` ->
  ``{"W[1]": rel, "b[1]": rel, ...}``, the relative error (``nnlib.relative_error``) between
  ``backward_fn(W, b, z, a, T, h_prime)``'s gradient and the central difference of
  ``loss(y, T)`` with the case's ``eps`` (to 1e-3 of its size, plus 1e-6; with a small step,
  values below 1e-5 are round-off and any value below 1e-4 agrees with them).
  Cases: visible, network [2, 3, 2] tanh identity + MSE with N = 3, a correct ``backward_fn``
  and one without ``h'(z)``. Hidden (8): hidden activations and the three pairs varied; a
  correct backward pass; one without ``h'(z)``; one with sigma'(z[L]) in the base case; one
  that sums over the batch; ``backward_fn`` left out; large and tiny gradients (where an
  absolute error and the relative error disagree); a large step with a correct backward pass.
  Named: an absolute error; another form of relative error; a zero numerical gradient;
  ``eps`` ignored; ``backward_fn`` ignored; the sum over the batch instead of E; a broken
  backward pass missed; a correct gradient flagged; the wrong keys.

Shared helpers another topic may use: :func:`reference_numerical_gradient`,
:func:`reference_forward`, :func:`reference_backward` (the notebook's signatures) and
:func:`random_network`.
"""
from __future__ import annotations

import numpy as np

from .. import activations, checks, gradcheck, losses, network
from ..gradcheck import relative_error
from .base import Case, Exercise, Wrong
from .common import TRANSPOSED_DW, check_gradient_shapes, expect_sequence, scaled_rows
from .registry import register

__all__ = ["reference_numerical_gradient", "reference_backward", "reference_forward",
           "reference_error", "reference_output_delta", "reference_gradient_check", "random_network",
           "PAIRS", "HIDDEN"]

ASSIGNMENT = "04-backprop"
DEFAULT_EPS = 1e-6


# --- the network of the notebook: any hidden activation, a canonical output pair ----------------
def mse(y, T):
    """Identity output with the squared error: E = (1/N) sum_n 1/2 ||y_n - t_n||^2 (PRML eq. 5.11)."""
    return float(0.5 * np.sum((y - T) ** 2) / len(y))


def bce(y, T):
    """Sigmoid output with the binary cross-entropy, the mean over the batch (PRML eq. 5.21)."""
    y = np.clip(y, 1e-300, 1.0)
    return float(-np.sum(T * np.log(y) + (1 - T) * np.log(np.clip(1 - y, 1e-300, 1.0))) / len(y))


def cross_entropy(y, T):
    """Softmax output with the cross-entropy, the mean over the batch (PRML eq. 5.24)."""
    return float(-np.sum(T * np.log(np.clip(y, 1e-300, 1.0))) / len(y))


# output unit, error of the three canonical pairs, and nnlib's name of the loss
PAIRS = {"identity + MSE": (activations.identity, mse, "sse"),
         "sigmoid + BCE": (activations.sigmoid, bce, "bce"),
         "softmax + CE": (activations.softmax, cross_entropy, "softmax_ce")}
LOSS_OF = {err: (out, name) for out, err, name in PAIRS.values()}
# hidden activations of nnlib's registry, as (h, h') pairs of module-level functions
HIDDEN = {"sigmoid": (activations.sigmoid, activations.sigmoid_prime),
          "tanh": (activations.tanh, activations.tanh_prime),
          "relu": (activations.relu, activations.relu_prime),
          "leaky_relu": (activations.leaky_relu, activations.leaky_relu_prime),
          "elu": (activations.elu, activations.elu_prime),
          "swish": (activations.swish, activations.swish_prime),
          "identity": (activations.identity, activations.identity_prime)}
NAME_OF_PRIME = {hp: name for name, (_, hp) in HIDDEN.items()}
NAME_OF_H = {h: name for name, (h, _) in HIDDEN.items()}


IDENTITY_MSE = losses.get_loss("sse", output="identity")   # delta[L] = (y - t)/N from y


# --- references in the notebook's signatures (for `upstream`) ---------------------------------
def reference_numerical_gradient(f, x, eps=DEFAULT_EPS):
    """Central-difference gradient of ``f`` (which takes an array of the shape of ``x``) at
    ``x``, in the notebook's signature; ``x`` is left unchanged. Returns a float array of the
    shape of ``x``. Built on :func:`nnlib.gradcheck.numerical_gradient` (PRML eq. 5.69)."""
    work = np.array(x, dtype=float)          # a C-contiguous float64 copy, perturbed in place
    return gradcheck.numerical_gradient(lambda: f(work), work, eps)


def reference_forward(X, W, b, hidden, output):
    """The notebook's ``forward(X, W, b, hidden, output)`` (notebook 03): lists ``z``, ``a``."""
    z, a = [None], [np.asarray(X, dtype=float)]
    for l in range(1, len(W)):
        z.append(network.dense(a[l - 1], W[l], b[l], activations.identity, layer=l)[0])
        a.append((hidden if l < len(W) - 1 else output)(z[l]))
    return z, a


def reference_error(W, b, X, T, hidden, output, loss):
    """E of the notebook: ``loss(y, T)`` of the forward pass's output (the mean over the batch)."""
    return loss(reference_forward(X, W, b, hidden, output)[1][-1], np.asarray(T, dtype=float))


def reference_output_delta(y, T):
    """delta[L] = (y - T) / N of a canonical pair (PRML eq. 5.18)."""
    return (np.asarray(y, dtype=float) - np.asarray(T, dtype=float)) / len(y)


def reference_backward(W, b, z, a, T, h_prime):
    """The reference of exercise ``backward`` in the notebook's signature: ``(dW, db)`` of a
    canonical output pair (delta[L] = (y - T)/N) and the hidden derivative ``h_prime``, built on
    :func:`nnlib.network.backward` (the hidden activation is looked up by its derivative; an
    unknown derivative is used as given)."""
    L, N = len(W) - 1, len(T)
    name = NAME_OF_PRIME.get(h_prime)
    if name is not None:
        g = network.backward(network.ForwardPass(list(z), list(a)), T, W, name, IDENTITY_MSE)
        return list(g.dW), list(g.db)
    delta = [None] * (L + 1)
    delta[L] = reference_output_delta(a[L], T)
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ W[l + 1]) * h_prime(z[l])
    return ([None] + [delta[l].T @ a[l - 1] for l in range(1, L + 1)],
            [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)])


def random_network(sizes, rng):
    """Lists W, b for widths ``sizes = [n_0, ..., n_L]``: W[l] ~ N(0, 1/n_(l-1)), b[l] ~ 0.1 N(0, 1)
    (the notebook's ``random_network``; entry 0 is None)."""
    W = [None] + [rng.normal(size=(sizes[l], sizes[l - 1])) / np.sqrt(sizes[l - 1])
                  for l in range(1, len(sizes))]
    b = [None] + [0.1 * rng.normal(size=sizes[l]) for l in range(1, len(sizes))]
    return W, b


def random_targets(rng, pair, N, K):
    """Targets of the pair: real numbers (MSE), 0/1 (BCE) or one-hot rows (CE)."""
    if pair == "identity + MSE":
        return rng.normal(size=(N, K))
    if pair == "sigmoid + BCE":
        return rng.integers(0, 2, size=(N, K)).astype(float)
    return np.eye(K)[rng.integers(0, K, size=N)]


# --- Exercise 1: sigmoid_prime ----------------------------------------------------------------
SIGMOID = activations.ACTIVATIONS["sigmoid"]


@register
class SigmoidPrime(Exercise):
    name = "sigmoid_prime"
    assignment = ASSIGNMENT
    references = tuple(f for f in (activations.sigmoid_prime, activations.Activation.prime,
                                   activations.Activation.prime_given, SIGMOID.derivative,
                                   SIGMOID.derivative_from_activation) if f is not None)

    def fixed_cases(self):
        return [Case("u = [-2, 0, 1, 3]", (np.array([-2.0, 0.0, 1.0, 3.0]),)),
                Case("u = 0.0, where sigma'(0) = 1/4", (0.0,))]

    def cases(self, rng):
        out = []
        n = int(rng.integers(2, 7))
        out.append(Case(f"u of shape ({n},)", (rng.normal(scale=rng.uniform(0.5, 4.0), size=n),)))
        N, m = int(rng.integers(2, 6)), int(rng.integers(1, 5))
        out.append(Case(f"a batch u of shape ({N}, {m})", (rng.normal(scale=rng.uniform(2.0, 8.0), size=(N, m)),)))
        shape = tuple(int(s) for s in rng.integers(1, 4, size=3))
        out.append(Case(f"u of shape {shape}", (rng.normal(scale=3.0, size=shape),)))
        m = int(rng.integers(2, 6))
        out.append(Case(f"a batch of one, u of shape (1, {m})", (rng.normal(scale=2.0, size=(1, m)),)))
        x = float(np.round(rng.uniform(-4.0, 4.0), 3))
        out.append(Case(f"the number u = {x}", (x,)))
        # both signs past exp's overflow (|u| > 710), and two large ones of either sign
        big = np.concatenate([[-rng.uniform(710.0, 1000.0), rng.uniform(710.0, 1000.0)],
                              rng.choice([30.0, 50.0, 200.0], size=2) * rng.choice([-1.0, 1.0], size=2)])
        u = np.concatenate([big, rng.normal(size=4)])
        u = rng.permutation(u).reshape(2, 4)
        out.append(Case("extreme pre-activations (|u| up to 1000) among moderate ones", (u,)))
        return out

    def call(self, fn, case):
        with np.errstate(all="ignore"):     # an overflow is judged by the values it gives
            return fn(*case.args, **case.kwargs)

    def judge(self, case, output):
        u = np.asarray(case.args[0], dtype=float)
        expected = activations.sigmoid_prime(u)
        with np.errstate(all="ignore"):
            s = activations.sigmoid(u)
            wrong = {
                "u (1 - u): the form a (1 - a) needs the activation a = sigma(u), not the "
                "pre-activation u": u * (1 - u),
                "sigma(u) itself instead of its derivative sigma(u) (1 - sigma(u))": s,
                "sigma'(sigma(u)): the derivative is evaluated at the activation a = sigma(u); "
                "it belongs at the pre-activation u (or write it as a (1 - a) with a = sigma(u))":
                    activations.sigmoid_prime(s),
                "1 - sigma(u)^2, the form of the tanh derivative (1 - tanh^2); the sigmoid's is "
                "sigma(u) (1 - sigma(u))": 1 - s ** 2,
            }
        what = f"sigmoid_prime(u) ({case.label})"
        if np.ndim(case.args[0]) == 0:
            checks.check_scalar(output, expected, what, wrong=wrong)
        else:
            checks.check_array(output, expected, what, wrong=wrong)


# --- Exercise 2: numerical_gradient -----------------------------------------------------------
def _f_sum_exp(c):
    def f(v):
        return float(np.sum(np.exp(c * v)))
    return f


def _f_cubic(A):
    def f(v):
        flat = np.ravel(v)
        return float(np.sum(flat ** 3) / 3 + 0.5 * flat @ A @ flat)
    return f


def _f_logsumexp(v):
    v = 2.0 * np.ravel(v)
    m = np.max(v)
    return float(m + np.log(np.sum(np.exp(v - m))))


def _f_sin_square(c):
    def f(v):
        return float(np.sum(np.sin(c * v)) + np.sum(v * v))
    return f


def _f_quartic(v):
    return float(np.sum(np.asarray(v) ** 4) / 4)


def _f_fixed(v):
    return float(np.sum(np.exp(v)))


def _row_perturbed(f, x, eps):
    """The 'x[i] for a whole row' mistake: perturb x[i] (a row of a matrix) at once."""
    work = np.array(x, dtype=float)
    grad = np.zeros_like(work)
    for i in range(len(work)):
        old = work[i].copy()
        work[i] = old + eps
        fp = f(work)
        work[i] = old - eps
        fm = f(work)
        work[i] = old
        grad[i] = (fp - fm) / (2 * eps)
    return grad


def _not_restored(f, x, eps):
    """The 'perturbation not undone' mistake: each entry is left at x_i - eps."""
    work = np.array(x, dtype=float)
    grad = np.zeros_like(work)
    for i in np.ndindex(work.shape):
        old = work[i]
        work[i] = old + eps
        fp = f(work)
        work[i] = old - eps
        fm = f(work)
        grad[i] = (fp - fm) / (2 * eps)
    return grad


@register
class NumericalGradient(Exercise):
    name = "numerical_gradient"
    assignment = ASSIGNMENT
    references = (gradcheck.numerical_gradient, gradcheck.network_numerical_gradients,
                  gradcheck.check_gradients, reference_numerical_gradient)

    def fixed_cases(self):
        x = np.array([[0.0, 0.5], [1.0, -1.0]])
        return [Case("sum(exp(x)), x of shape (2, 2), eps = 1e-4", (_f_fixed, x), {"eps": 1e-4})]

    def cases(self, rng):
        out = []
        # large steps (ignoring eps changes the answer), a small one, and the default
        steps = [float(rng.choice([0.1, 0.2, 0.3])), float(rng.choice([1e-3, 3e-4])), None,
                 float(rng.choice([0.03, 0.05])), float(rng.choice([1e-2, 2e-2]))]
        n = int(rng.integers(2, 7))
        c = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.7, 1.5))
        out.append(("sum(exp(c x))", _f_sum_exp(c), rng.normal(size=n)))
        shape = (int(rng.integers(2, 4)), int(rng.integers(2, 4)))
        A = rng.normal(size=(shape[0] * shape[1],) * 2)
        out.append(("a cubic with a quadratic form", _f_cubic(A), rng.normal(size=shape)))
        shape3 = (int(rng.integers(2, 4)), 1, int(rng.integers(2, 4)))
        out.append(("log(sum(exp(2 x)))", _f_logsumexp, rng.normal(size=shape3)))
        c2 = float(rng.choice([-1.0, 1.0]) * rng.uniform(0.7, 1.5))
        out.append(("sum(sin(c x)) + x.x", _f_sin_square(c2), rng.normal(size=1)))
        rows = scaled_rows(rng, int(rng.integers(2, 4)), int(rng.integers(2, 4)), decades=1.0)
        out.append(("sum(x^4)/4 on rows of very different scale", _f_quartic, rows))
        cases = []
        for (what, f, x), eps in zip(out, steps):
            shape_text = str(tuple(int(d) for d in x.shape))
            if eps is None:
                cases.append(Case(f"{what}, x of shape {shape_text}, eps left at its default",
                                  (f, x), data={"eps": DEFAULT_EPS}))
            else:
                cases.append(Case(f"{what}, x of shape {shape_text}, eps = {eps:g}",
                                  (f, x), {"eps": eps}))
        return cases

    def judge(self, case, output):
        f, x = case.args
        eps = case.kwargs.get("eps", case.data.get("eps", DEFAULT_EPS))
        expected = reference_numerical_gradient(f, x, eps)
        work = np.array(x, dtype=float)
        forward = gradcheck.numerical_gradient(lambda: f(work), work, eps, method="forward")
        wrong = {
            "a forward difference (f(x + eps) - f(x)) / eps, whose error is O(eps); the central "
            "difference (f(x + eps) - f(x - eps)) / (2 eps) is O(eps^2)": forward,
            "the central difference divided by eps instead of 2 eps": 2 * expected,
        }
        if eps != DEFAULT_EPS:
            wrong[f"the step eps is ignored: this is the central difference with eps = 1e-6, but "
                  f"numerical_gradient was called with eps = {eps:g} (use the eps you are given)"] = \
                reference_numerical_gradient(f, x, DEFAULT_EPS)
        if x.ndim >= 2:
            wrong["a whole row x[i] perturbed at once (x[i] of a matrix is a row): perturb one "
                  "entry at a time, e.g. for i in np.ndindex(x.shape)"] = _row_perturbed(f, x, eps)
        if x.size > 1:
            wrong["a perturbation that is not undone: restore x[i] to its old value before "
                  "perturbing the next entry"] = _not_restored(f, x, eps)
        checks.check_array(output, expected, f"numerical gradient of {case.label}", rtol=1e-7,
                           wrong=wrong)


# --- Exercise 3: output_delta -----------------------------------------------------------------
@register
class OutputDelta(Exercise):
    name = "output_delta"
    assignment = ASSIGNMENT
    references = (losses.Loss.delta, reference_output_delta)

    def fixed_cases(self):
        y = np.array([[0.2, 0.8], [0.6, 0.4], [0.9, 0.1]])
        T = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]])
        return [Case("softmax outputs y of shape (3, 2), one-hot T", (y, T))]

    def cases(self, rng):
        out = []
        for pair in rng.permutation(list(PAIRS)):
            out_fn = PAIRS[str(pair)][0]
            N, K = int(rng.integers(2, 7)), int(rng.integers(2, 5))
            y = out_fn(rng.normal(scale=2.0, size=(N, K)))
            out.append(Case(f"{pair}: y of shape ({N}, {K})", (y, random_targets(rng, str(pair), N, K))))
        K = int(rng.integers(2, 5))
        out.append(Case(f"a batch of one, y of shape (1, {K})",
                        (rng.normal(size=(1, K)), rng.normal(size=(1, K)))))
        N = int(rng.integers(3, 7))
        out.append(Case(f"one output unit, y of shape ({N}, 1)",
                        (activations.sigmoid(rng.normal(size=(N, 1))),
                         rng.integers(0, 2, size=(N, 1)).astype(float))))
        return out

    def judge(self, case, output):
        y, T = (np.asarray(v, dtype=float) for v in case.args)
        N = len(y)
        expected = reference_output_delta(y, T)
        wrong = {"wrong sign: output minus target, (y - T)/N": -expected,
                 "y (1 - y) (y - T)/N is the delta of a sigmoid output with the squared error, a "
                 "non-canonical pair; for a canonical pair the derivative of the output unit "
                 "cancels": y * (1 - y) * expected,
                 "divided by N K (all entries) instead of N: E sums over the outputs and is the "
                 "mean over the batch only": expected / y.shape[1]}
        checks.check_array(output, expected, f"output_delta(y, T) ({case.label})",
                           batch_size=N if N > 1 else None, wrong=wrong)


# --- Exercise 4: backward ---------------------------------------------------------------------
def _gradients_from_deltas(delta, a, a_index=lambda l: l - 1):
    L = len(delta) - 1
    dW = [None] + [delta[l].T @ a[a_index(l)] for l in range(1, L + 1)]
    db = [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)]
    return dW, db


def _variant_deltas(W, z, a, T, h_prime, *, base=None, hprime=None, W_of=lambda l: l + 1, extra=1.0):
    """Deltas of a backward pass with one piece replaced (for named wrong variants)."""
    L, N = len(W) - 1, len(T)
    base = base or (lambda z_L, y: (y - T) / N)
    hprime = hprime or (lambda z_l, a_l: h_prime(z_l))
    delta = [None] * (L + 1)
    delta[L] = base(z[L], a[L])
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ W[W_of(l)]) * hprime(z[l], a[l]) * extra
    return delta


@register
class Backward(Exercise):
    name = "backward"
    assignment = ASSIGNMENT
    references = (network.backward, network.MLP.backward, network.MLP.gradients,
                  losses.Loss.delta, reference_backward)
    upstream = {"output_delta": reference_output_delta}

    @staticmethod
    def _case(label, rng, sizes, N, hidden, pair, X=None, note=""):
        W, b = random_network(sizes, rng)
        X = rng.normal(size=(N, sizes[0])) if X is None else X
        h, h_prime = HIDDEN[hidden]
        z, a = reference_forward(X, W, b, h, PAIRS[pair][0])
        T = random_targets(rng, pair, N, sizes[-1])
        one = " (a batch of one)" if N == 1 else ""
        return Case(f"network {sizes}, N={N}{one}, hidden {hidden}, output {pair}{note}",
                    (W, b, z, a, T, h_prime))

    def fixed_cases(self):
        rng = np.random.default_rng(4)
        return [self._case("", rng, [3, 4, 5, 2], 4, "tanh", "identity + MSE"),
                self._case("", rng, [3, 4, 3], 3, "relu", "softmax + CE")]

    def cases(self, rng):
        out = []
        hidden = list(rng.permutation(["sigmoid", "tanh", "relu", "leaky_relu", "elu", "swish"]))
        pairs = list(rng.permutation(list(PAIRS))) * 3
        for k, L in enumerate(int(L) for L in rng.permutation([1, 2, 3, 4])):
            sizes = [int(s) for s in rng.integers(1, 6, size=L + 1)]
            if pairs[k] == "softmax + CE":
                sizes[-1] = max(sizes[-1], 2)
            out.append(self._case("", rng, sizes, int(rng.integers(2, 8)), str(hidden[k]), str(pairs[k])))
        n = int(rng.integers(2, 5))       # equal widths: a W[l] for W[l+1] slip runs silently
        out.append(self._case("", rng, [n] * 4, int(rng.integers(2, 8)), str(hidden[4]), str(pairs[4])))
        sizes = [int(s) for s in rng.integers(2, 6, size=3)]
        out.append(self._case("", rng, sizes, 1, str(hidden[5]), str(pairs[5])))
        sizes = [int(s) for s in rng.integers(2, 6, size=3)]
        N = int(rng.integers(3, 7))
        out.append(self._case("", rng, sizes, N, "tanh", str(pairs[6]),
                              X=scaled_rows(rng, N, sizes[0], decades=1.0),
                              note=", rows of X of very different scale"))
        return out

    def explain_error(self, case, error, message):
        if error == "TypeError" and "positional argument" in message:
            return (f"backward raised TypeError: {message}. The signature is "
                    f"backward(W, b, z, a, T, h_prime): h_prime, the derivative of the hidden "
                    f"activation, is the sixth argument.")
        if error in ("ValueError", "IndexError", "TypeError"):
            W, _, _, a, _, _ = case.args
            N = a[0].shape[0]
            return (f"backward raised {error}: {message}. A shape mismatch in the backward pass "
                    f"(network widths {[a_l.shape[1] for a_l in a]}, N = {N}): delta[l] has shape "
                    f"(N, n_l) and the recursion delta[l] = (delta[l+1] @ W[l+1]) * h_prime(z[l]) "
                    f"uses W[l+1] of shape (n_(l+1), n_l); W[l] is off by one layer. dW[l] = "
                    f"delta[l].T @ a[l-1] has the shape of W[l].")
        return None

    def judge(self, case, output):
        W, b, z, a, T, h_prime = case.args
        L, N = len(W) - 1, len(T)
        expected_dW, expected_db = reference_backward(W, b, z, a, T, h_prime)
        from_deltas = lambda **kw: _gradients_from_deltas(_variant_deltas(W, z, a, T, h_prime, **kw), a)
        variants = {
            "wrong sign of the delta: the base case is (y - t)/N, output minus target":
                ([None] + [-g for g in expected_dW[1:]], [None] + [-g for g in expected_db[1:]]),
            "missing the activation derivative h_prime(z[l]) in the recursion delta[l] = "
            "(delta[l+1] @ W[l+1]) * h_prime(z[l])": from_deltas(hprime=lambda z_l, a_l: 1.0),
            "h_prime applied to the activation a[l]; it is a function of the pre-activation: "
            "h_prime(z[l])": from_deltas(hprime=lambda z_l, a_l: h_prime(a_l)),
            "h_prime applied at the output layer: for a canonical pair delta[L] = (y - t)/N, the "
            "derivative of the output unit has cancelled and h_prime belongs to the hidden layers":
                from_deltas(base=lambda z_L, y: (y - T) * h_prime(z_L) / N),
            "sigma'(z[L]) in the base case: (y - t) sigma'(z[L])/N is the delta of a sigmoid output "
            "with the squared error (non-canonical); for a canonical pair it is (y - t)/N":
                from_deltas(base=lambda z_L, y: (y - T) * activations.sigmoid_prime(z_L) / N),
        }
        if N > 1:
            variants["a sum over the batch where E is the mean: delta[L] carries the factor 1/N "
                     "of the batch mean"] = ([None] + [N * g for g in expected_dW[1:]],
                                             [None] + [N * g for g in expected_db[1:]])
            if L >= 2:
                variants["the factor 1/N of the batch mean applied again in every step of the "
                         "recursion: it enters once, in the base case"] = from_deltas(extra=1.0 / N)
        widths = [a_l.shape[1] for a_l in a]
        if L >= 2 and len(set(widths)) == 1:      # all widths equal: these slips run silently
            variants["off by one layer: the recursion uses W[l+1], the weights of the NEXT layer, "
                     "not W[l]"] = from_deltas(W_of=lambda l: l)
            variants["dW[l] = delta[l].T @ a[l]: the gradient of W[l] uses a[l-1], the input of "
                     "layer l"] = _gradients_from_deltas(_variant_deltas(W, z, a, T, h_prime), a,
                                                         a_index=lambda l: l)
        dW, db = expect_sequence(output, 2, "backward", "a pair (dW, db) of lists indexed by layer")
        if not isinstance(dW, (list, tuple)) or not isinstance(db, (list, tuple)):
            raise Wrong("backward must return a pair (dW, db) of lists indexed by layer.")
        if len(dW) != L + 1 or len(db) != L + 1:
            raise Wrong(f"dW and db must be lists indexed by layer 0..L = 0..{L} (length {L + 1}, "
                        f"entry 0 None); got lengths {len(dW)} and {len(db)}.")
        where = f"({case.label})"
        for l in range(L, 0, -1):
            n_l, n_prev = expected_dW[l].shape
            check_gradient_shapes(l, where, dW[l], db[l], n_l, n_prev, N)
            wrong_W = {d: g[0][l] for d, g in variants.items()}
            if n_l == n_prev:
                wrong_W[TRANSPOSED_DW] = expected_dW[l].T
            checks.check_array(dW[l], expected_dW[l], f"dW[{l}] {where}", rtol=1e-6,
                               batch_size=N, wrong=wrong_W)
            checks.check_array(db[l], expected_db[l], f"db[{l}] {where}", rtol=1e-6,
                               batch_size=N, wrong={d: g[1][l] for d, g in variants.items()})


# --- Exercise 4: gradient_check ---------------------------------------------------------------
# backward passes handed to the student's gradient_check (module-level: a case's digest names them)
def correct_backward(W, b, z, a, T, h_prime):
    """A correct backward pass (nnlib's)."""
    return reference_backward(W, b, z, a, T, h_prime)


def backward_without_h_prime(W, b, z, a, T, h_prime):
    """A broken backward pass: the recursion forgets h'(z[l])."""
    return reference_backward(W, b, z, a, T, activations.identity_prime)


def backward_with_output_h_prime(W, b, z, a, T, h_prime):
    """A broken backward pass: the base case multiplies (y - t)/N by sigma'(z[L])."""
    L, N = len(W) - 1, len(T)
    return _gradients_from_deltas(_variant_deltas(
        W, z, a, T, h_prime, base=lambda z_L, y: (y - T) * activations.sigmoid_prime(z_L) / N), a)


def backward_summed_over_batch(W, b, z, a, T, h_prime):
    """A broken backward pass: a sum over the batch (every gradient N times too large)."""
    dW, db = reference_backward(W, b, z, a, T, h_prime)
    N = len(T)
    return [None] + [N * g for g in dW[1:]], [None] + [N * g for g in db[1:]]


BROKEN = {correct_backward: "a correct backward_fn",
          backward_without_h_prime: "backward_fn without h'(z) in the recursion",
          backward_with_output_h_prime: "backward_fn with sigma'(z[L]) in the base case",
          backward_summed_over_batch: "backward_fn summing over the batch"}


def _numerical(W, b, X, T, net, eps, scale=1.0):
    dW = [None] + [scale * reference_numerical_gradient(
        lambda W_l, l=l: reference_error(W[:l] + [W_l] + W[l + 1:], b, X, T, *net), W[l], eps)
        for l in range(1, len(W))]
    db = [None] + [scale * reference_numerical_gradient(
        lambda b_l, l=l: reference_error(W, b[:l] + [b_l] + b[l + 1:], X, T, *net), b[l], eps)
        for l in range(1, len(W))]
    return dW, db


def _errors(grads, num, measure=relative_error):
    dW, db = grads
    nW, nb = num
    out = {}
    for l in range(1, len(dW)):
        out[f"W[{l}]"] = float(measure(dW[l], nW[l]))
        out[f"b[{l}]"] = float(measure(db[l], nb[l]))
    return out


def _abs(u, v):
    return np.max(np.abs(u - v))


def _over_larger_max(u, v):
    return np.max(np.abs(u - v)) / max(1e-300, np.max(np.abs(u)), np.max(np.abs(v)))


def _norms(u, v):
    return np.linalg.norm(u - v) / max(1e-300, np.linalg.norm(u) + np.linalg.norm(v))


def _entrywise(u, v):
    return np.max(np.abs(u - v) / np.maximum(1e-300, np.abs(u) + np.abs(v)))


def _over_numerical(u, v):
    return np.max(np.abs(u - v)) / max(1e-300, np.max(np.abs(v)))


def _over_backprop(u, v):
    return np.max(np.abs(u - v)) / max(1e-300, np.max(np.abs(u)))


def _close(r, v, eps):
    """Whether a reported relative error ``r`` agrees with the reference ``v``. With a small
    step the relative error of a correct gradient is round-off (up to about 1e-5 when the
    gradient is tiny), which depends on how E is evaluated: below 1e-5, any value below 1e-4
    agrees. Otherwise to 1e-3 of the value, plus 1e-6."""
    if eps <= 1e-4 and v < 1e-5 and 0 <= r < 1e-4:
        return True
    return abs(r - v) <= 1e-3 * abs(v) + 1e-6


FORMULA = ("the relative error of this notebook is max_i |g_i - g~_i| / max_i (|g_i| + |g~_i|) "
           "(nnlib.relative_error)")


@register
class GradientCheck(Exercise):
    name = "gradient_check"
    assignment = ASSIGNMENT
    references = (gradcheck.check_gradients, gradcheck.network_numerical_gradients)
    upstream = {"numerical_gradient": reference_numerical_gradient, "backward": reference_backward,
                "forward": reference_forward, "error": reference_error}
    test_students = 10        # each student's cases take 10 gradient checks by central differences

    @staticmethod
    def _net_args(W, b, X, T, hidden, pair):
        h, h_prime = HIDDEN[hidden]
        output, loss, _ = PAIRS[pair]
        return (W, b, X, T, h, h_prime, output, loss)

    def fixed_cases(self):
        rng = np.random.default_rng(5)
        W, b = random_network([2, 3, 2], rng)
        X, T = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
        args = self._net_args(W, b, X, T, "tanh", "identity + MSE")
        return [Case(f"network [2, 3, 2], N=3, tanh, identity + MSE, {BROKEN[fn]}", args,
                     {"backward_fn": fn}) for fn in (correct_backward, backward_without_h_prime)]

    def cases(self, rng):
        out = []
        hiddens = [str(h) for h in rng.permutation(["sigmoid", "tanh", "relu", "elu", "swish"])] * 2
        pairs = [str(p) for p in rng.permutation(list(PAIRS))] * 3

        def net(min_layers=1, pair=None):
            L = int(rng.integers(min_layers, 4))
            sizes = [int(s) for s in rng.integers(1, 5, size=L + 1)]
            pair = pair or pairs.pop()
            if pair == "softmax + CE":
                sizes[-1] = max(2, sizes[-1])
            W, b = random_network(sizes, rng)
            N = int(rng.integers(2, 6))
            X = rng.normal(size=(N, sizes[0]))
            return sizes, pair, W, b, X, random_targets(rng, pair, N, sizes[-1])

        small_eps = [1e-6, 3e-6, 1e-5]
        for fn, min_layers in ((correct_backward, 1), (backward_without_h_prime, 2),
                               (backward_with_output_h_prime, 1), (backward_summed_over_batch, 1)):
            sizes, pair, W, b, X, T = net(min_layers)
            eps = float(rng.choice(small_eps))
            hidden = hiddens.pop()
            out.append(Case(f"network {sizes}, N={len(X)}, {hidden}, {pair}, {BROKEN[fn]}, eps = {eps:g}",
                            self._net_args(W, b, X, T, hidden, pair), {"backward_fn": fn, "eps": eps}))
        sizes, pair, W, b, X, T = net()
        hidden = hiddens.pop()
        out.append(Case(f"network {sizes}, N={len(X)}, {hidden}, {pair}, backward_fn left out (your "
                        f"backward is used), eps at its default", self._net_args(W, b, X, T, hidden, pair)))
        # large gradients: inputs scaled by 100 (W[1] scaled down to keep z), targets far from y
        sizes, pair, W, b, X, T = net(2, "identity + MSE")
        W = [None, W[1] / 100.0] + W[2:]
        X, T = 100.0 * X, rng.choice([-1.0, 1.0], size=T.shape) * rng.uniform(20.0, 60.0, size=T.shape)
        fn = [backward_without_h_prime, backward_summed_over_batch][int(rng.integers(2))]
        out.append(Case(f"network {sizes}, N={len(X)}, tanh, {pair}, large gradients, {BROKEN[fn]}",
                        self._net_args(W, b, X, T, "tanh", pair), {"backward_fn": fn, "eps": 1e-6}))
        # tiny gradients: targets within 1e-5 of the outputs
        sizes, pair, W, b, X, T = net(1, "identity + MSE")
        y = reference_forward(X, W, b, activations.sigmoid, activations.identity)[1][-1]
        T = y + 1e-5 * rng.uniform(0.5, 1.0, size=y.shape) * rng.choice([-1.0, 1.0], size=y.shape)
        fn = [backward_with_output_h_prime, backward_summed_over_batch][int(rng.integers(2))]
        out.append(Case(f"network {sizes}, N={len(X)}, sigmoid, {pair}, tiny gradients (targets within "
                        f"1e-5 of the outputs), {BROKEN[fn]}", self._net_args(W, b, X, T, "sigmoid", pair),
                        {"backward_fn": fn, "eps": 1e-5}))
        # a large step with a correct backward pass: the truncation error O(eps^2) shows
        sizes, pair, W, b, X, T = net(2)
        eps = float(rng.choice([0.1, 0.2, 0.3]))
        out.append(Case(f"network {sizes}, N={len(X)}, tanh, {pair}, a correct backward_fn, a large "
                        f"step eps = {eps:g}", self._net_args(W, b, X, T, "tanh", pair),
                        {"backward_fn": correct_backward, "eps": eps}))
        return out

    def judge(self, case, output):
        W, b, X, T, h, h_prime, out_unit, loss = case.args
        net = (h, out_unit, loss)
        fn = case.kwargs.get("backward_fn") or reference_backward
        eps = case.kwargs.get("eps", DEFAULT_EPS)
        keys = [f"{p}[{l}]" for l in range(1, len(W)) for p in ("W", "b")]
        if not isinstance(output, dict) or set(output) != set(keys):
            got = sorted(output) if isinstance(output, dict) else type(output).__name__
            raise Wrong(f"gradient_check must return a dict with the keys {keys} (one relative "
                        f"error per parameter); got {got}.")
        got = {}
        for k in keys:
            v = output[k]
            # (a numpy scalar comes back from the evidence as an array of shape (1,))
            if isinstance(v, (str, bool, np.bool_)) or np.size(v) != 1 or \
                    np.asarray(v).dtype.kind not in "iuf":
                raise Wrong(f"gradient_check's {k} must be one number (the relative error of the "
                            f"whole gradient of {k}); got {type(v).__name__} of shape {np.shape(v)}.")
            got[k] = float(np.ravel(v)[0])
            if not np.isfinite(got[k]):
                raise Wrong(f"gradient_check's {k} is {got[k]}: not a finite number.")
        z, a = reference_forward(X, W, b, h, out_unit)
        grads = fn(W, b, z, a, T, h_prime)
        num = _numerical(W, b, X, T, net, eps)
        ref = _errors(grads, num)
        bad = [k for k in keys if not _close(got[k], ref[k], eps)]
        if not bad:
            return None
        k = bad[0]
        N = len(X)
        scale = max(float(np.max(np.abs(g))) for g in grads[0][1:] + grads[1][1:])
        # named variants: each a dict of the values that mistake gives
        variants = [
            (lambda: _errors(grads, num, _abs),
             f"you computed the absolute error max|g - g~|, not the relative error: the gradients "
             f"of this case are of size up to {scale:.1e}, so the two differ; {FORMULA}, which "
             f"does not depend on the scale of the gradient"),
            (lambda: {q: (1.0 if q.startswith(k[0]) else ref[q]) for q in keys},
             "a relative error of 1 means that your numerical gradient is zero: E must be evaluated "
             "at the perturbed weights (the argument of the function you give numerical_gradient), "
             "not at the unchanged W or b"),
            (lambda: {q: 1.0 for q in keys},
             "a relative error of 1 means that your numerical gradient is zero: E must be evaluated "
             "at the perturbed weights (the argument of the function you give numerical_gradient), "
             "not at the unchanged W or b"),
        ]
        if eps != DEFAULT_EPS:
            variants.append((lambda: _errors(grads, _numerical(W, b, X, T, net, DEFAULT_EPS)),
                             f"the step eps is ignored: your values are those of eps = 1e-6, but "
                             f"gradient_check was called with eps = {eps:g} (pass it on to "
                             f"numerical_gradient)"))
        if case.kwargs.get("backward_fn") not in (None, correct_backward):
            variants.append((lambda: _errors(reference_backward(W, b, z, a, T, h_prime), num),
                             "backward_fn is ignored: your values are those of your own backward, "
                             "but the backward pass under test is the backward_fn you are given "
                             f"({BROKEN.get(fn, 'another backward pass')})"))
        if N > 1:
            variants.append((lambda: _errors(grads, _numerical(W, b, X, T, net, eps, scale=N)),
                             "your numerical gradient is N times that of E: E is the MEAN over the "
                             "batch (use loss(y, T) of the forward pass), not the sum"))
        for measure, text in ((_over_larger_max, "divided by the larger of max|g| and max|g~|"),
                              (_norms, "with norms, ||g - g~|| / (||g|| + ||g~||)"),
                              (_entrywise, "entry by entry, the largest |g_i - g~_i| / (|g_i| + |g~_i|)"),
                              (_over_numerical, "divided by max|g~| of the numerical gradient only"),
                              (_over_backprop, "divided by max|g| of backward_fn's gradient only")):
            variants.append((lambda m=measure: _errors(grads, num, m),
                             f"a relative error of another form ({text}); {FORMULA}"))
        for values, text in variants:
            try:
                vals = values()
            except Exception:  # a variant that cannot be formed on this case
                continue
            if all(_close(got[q], vals[q], eps) for q in bad) and not _close(vals[k], ref[k], eps):
                raise Wrong(f"gradient_check reports {got[k]:.3e} for {k} where the relative error "
                            f"is {ref[k]:.3e}: {text}.")
        if ref[k] > 1e-2 and not got[k] > 1e-3:
            raise Wrong(f"gradient_check missed a broken backward pass ({BROKEN.get(fn, 'backward')}): "
                        f"its {k} is wrong (relative error {ref[k]:.2e} against central differences) "
                        f"but your check reports {got[k]:.2e}. Compare the gradient of backward_fn with "
                        f"the numerical gradient of E at the same weights.")
        if ref[k] < 1e-6 and not got[k] < 1e-4:
            hint = (" A relative error near 1 means the two gradients have nothing in common: is your "
                    "numerical gradient zero, i.e. is E evaluated at the perturbed weights?"
                    if got[k] > 0.5 else "")
            raise Wrong(f"gradient_check flags {k} of a correct gradient as wrong: you report a "
                        f"relative error of {got[k]:.2e}, central differences agree with it to "
                        f"{ref[k]:.1e}.{hint}")
        raise Wrong(f"gradient_check reports {got[k]:.3e} for {k}; the relative error between "
                    f"backward_fn's gradient and central differences with eps = {eps:g} is "
                    f"{ref[k]:.3e} ({FORMULA}).")


def reference_gradient_check(W, b, X, T, hidden, h_prime, output, loss, backward_fn=None, eps=DEFAULT_EPS):
    """The notebook's ``gradient_check`` built on nnlib (for demo cells that fall back to it):
    ``{"W[l]": rel, "b[l]": rel}``, the relative error between ``backward_fn``'s gradient
    (default :func:`reference_backward`) and central differences of ``loss(y, T)``."""
    fn = backward_fn or reference_backward
    z, a = reference_forward(X, W, b, hidden, output)
    return _errors(fn(W, b, z, a, T, h_prime), _numerical(W, b, X, T, (hidden, output, loss), eps))
GradientCheck.references = GradientCheck.references + (reference_gradient_check,)
