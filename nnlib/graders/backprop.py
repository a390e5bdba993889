"""Checkers of notebook 04-backprop.

The network of the notebook has a logistic sigmoid in every layer (the output included) and the
error ``E = (1/N) sum_n 1/2 ||y_n - t_n||^2``, the mean over the batch. Expected values come
from ``nnlib`` at judging time (``nnlib.activations.sigmoid_prime``,
``nnlib.gradcheck.numerical_gradient``, ``nnlib.network.backward``,
``nnlib.gradcheck.relative_error``); every named wrong variant is computed from the case's own
inputs. Exercises that build on earlier ones run with the references in place of the
notebook's functions (``upstream``), so one mistake costs points once: ``backward`` with the
reference ``sigmoid_prime``; ``gradient_check`` with the reference ``numerical_gradient``,
``backward``, ``forward_pass`` and ``error``.

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

``backward(W, b, z, a, T)`` -> ``(dW, db)``, lists indexed by layer (entry 0 None).
  Cases: visible, network [3, 4, 5, 2] with N = 4. Hidden (7): depths L = 1..4 in a random
  order with widths 1..5, one network of equal widths (where ``W[l]`` for ``W[l+1]``, ``a[l]``
  for ``a[l-1]`` and a transposed ``dW`` give values instead of shape errors), a batch of one,
  inputs whose rows differ in scale (``common.scaled_rows``).
  Named: ``dW`` transposed; the wrong sign of the delta (t - y); a sum over the batch (no
  1/N); 1/N applied twice; ``h'(z[l])`` missing in the recursion; ``sigma'(z[L])`` missing in
  the base case; ``sigma'`` computed as ``z (1 - z)``; off by one layer (``W[l]`` for
  ``W[l+1]``, or its shape error); ``a[l]`` for ``a[l-1]`` (by value or by shape); ``db[l]``
  not summed over the batch (by shape); ``db[l]`` a mean (factor 1/N); not a pair of lists of
  length L + 1; calling nnlib's ``backward``/``MLP.gradients``/``Loss.delta``.

``gradient_check(W, b, X, T, backward_fn=None, eps=1e-6)`` -> ``{"W[1]": rel, "b[1]": rel, ...}``.
  The expected value of every entry is the relative error (``nnlib.relative_error``) between
  ``backward_fn``'s gradient and the reference central difference with the case's ``eps``,
  compared entry by entry (to 1e-3 of its size, plus 1e-6; with a small step, values below 1e-5
  are round-off and any value below 1e-4 agrees with them).
  Cases: visible, network [2, 3, 2] with N = 3, a correct ``backward_fn`` and one without
  ``h'(z)`` in the recursion. Hidden (8): a correct backward pass; one without ``h'(z)``; one
  without ``sigma'(z[L])``; one that sums over the batch; ``backward_fn`` left out (the
  reference ``backward`` is used); large gradients (targets far outside (0, 1), inputs scaled by
  100) and tiny ones (targets within 1e-5 of the outputs), where an absolute error and the
  relative error disagree; a large step ``eps`` (0.1 to 0.3) with a correct backward pass,
  where ignoring ``eps`` changes the answer.
  Named: an absolute error ``max|g - g~|``; another form of relative error (divided by the
  larger of the two maxima, by norms, entry by entry, by one gradient only); a zero numerical
  gradient (E evaluated at the unperturbed weights); ``eps`` ignored; ``backward_fn`` ignored;
  the numerical gradient of the sum over the batch instead of E; a broken backward pass missed;
  a correct gradient flagged; the wrong keys; calling nnlib's ``check_gradients``.

Shared helpers another topic may use: :func:`reference_numerical_gradient` (the notebooks'
``numerical_gradient(f, x, eps)`` signature over nnlib's in-place one) and
:func:`random_network` (the notebook's ``random_network``).
"""
from __future__ import annotations

import numpy as np

from .. import activations, checks, gradcheck, losses, network
from ..gradcheck import relative_error
from .base import Case, Exercise, Wrong
from .common import expect_sequence, scaled_rows
from .registry import register

__all__ = ["reference_numerical_gradient", "reference_backward", "reference_forward_pass",
           "reference_error", "random_network"]

ASSIGNMENT = "04-backprop"
LOSS = losses.get_loss("sse", output="sigmoid")   # squared error with a sigmoid output unit
DEFAULT_EPS = 1e-6


# --- references in the notebook's signatures (for `upstream`) ---------------------------------
def reference_numerical_gradient(f, x, eps=DEFAULT_EPS):
    """Central-difference gradient of ``f`` (which takes an array of the shape of ``x``) at
    ``x``, in the notebook's signature; ``x`` is left unchanged. Returns a float array of the
    shape of ``x``. Built on :func:`nnlib.gradcheck.numerical_gradient` (PRML eq. 5.69)."""
    work = np.array(x, dtype=float)          # a C-contiguous float64 copy, perturbed in place
    return gradcheck.numerical_gradient(lambda: f(work), work, eps)


def reference_forward_pass(W, b, X):
    """The notebook's ``forward_pass`` (sigmoid in every layer): lists ``z``, ``a`` by layer."""
    fp = network.forward(np.asarray(X, dtype=float), W, b, "sigmoid", LOSS)
    return list(fp.z), list(fp.a)


def reference_error(W, b, X, T):
    """The notebook's ``error``: E = (1/N) sum_n 1/2 ||y_n - t_n||^2 (the mean over the batch)."""
    _, a = reference_forward_pass(W, b, X)
    return float(0.5 * np.sum((a[-1] - np.asarray(T, dtype=float)) ** 2) / len(X))


def reference_backward(W, b, z, a, T):
    """The reference of exercise ``backward`` in the notebook's signature: ``(dW, db)``."""
    g = network.backward(network.ForwardPass(list(z), list(a)), T, W, "sigmoid", LOSS)
    return list(g.dW), list(g.db)


def random_network(sizes, rng):
    """Lists W, b for widths ``sizes = [n_0, ..., n_L]``: W[l] ~ N(0, 1/n_(l-1)), b[l] ~ 0.1 N(0, 1)
    (the notebook's ``random_network``; entry 0 is None)."""
    W = [None] + [rng.normal(size=(sizes[l], sizes[l - 1])) / np.sqrt(sizes[l - 1])
                  for l in range(1, len(sizes))]
    b = [None] + [0.1 * rng.normal(size=sizes[l]) for l in range(1, len(sizes))]
    return W, b


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


# --- Exercise 3: backward ---------------------------------------------------------------------
def _gradients_from_deltas(delta, a, a_index=lambda l: l - 1):
    L = len(delta) - 1
    dW = [None] + [delta[l].T @ a[a_index(l)] for l in range(1, L + 1)]
    db = [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)]
    return dW, db


def _variant_deltas(W, z, a, T, *, base, hprime, W_of=lambda l: l + 1, extra=1.0):
    """Deltas of a backward pass with one piece replaced (for named wrong variants)."""
    L, N = len(W) - 1, len(T)
    delta = [None] * (L + 1)
    delta[L] = base(z[L], a[L], T, N)
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ W[W_of(l)]) * hprime(z[l], a[l]) * extra
    return delta


def _sig_prime(z_l, a_l):
    return a_l * (1 - a_l)


def _base_sse(z_L, y, T, N):
    return (y - T) * y * (1 - y) / N


@register
class Backward(Exercise):
    name = "backward"
    assignment = ASSIGNMENT
    references = (network.backward, network.MLP.backward, network.MLP.gradients,
                  losses.Loss.delta, reference_backward)
    upstream = {"sigmoid_prime": activations.sigmoid_prime}

    @staticmethod
    def _case(label, W, b, X, T):
        fp = network.forward(X, W, b, "sigmoid", LOSS)
        return Case(label, (W, b, list(fp.z), list(fp.a), T))

    def fixed_cases(self):
        rng = np.random.default_rng(4)
        W, b = random_network([3, 4, 5, 2], rng)
        X, T = rng.normal(size=(4, 3)), rng.uniform(size=(4, 2))
        return [self._case("network [3, 4, 5, 2], N=4", W, b, X, T)]

    def cases(self, rng):
        out = []
        for L in (int(L) for L in rng.permutation([1, 2, 3, 4])):
            sizes = [int(s) for s in rng.integers(1, 6, size=L + 1)]
            W, b = random_network(sizes, rng)
            N = int(rng.integers(2, 8))
            out.append(self._case(f"network {sizes}, N={N}", W, b, rng.normal(size=(N, sizes[0])),
                                  rng.uniform(size=(N, sizes[-1]))))
        n = int(rng.integers(2, 5))       # equal widths: a W[l] for W[l+1] slip runs silently
        W, b = random_network([n] * 4, rng)
        N = int(rng.integers(2, 8))
        out.append(self._case(f"network {[n] * 4} (equal widths), N={N}", W, b,
                              rng.normal(size=(N, n)), rng.uniform(size=(N, n))))
        sizes = [int(s) for s in rng.integers(2, 6, size=3)]
        W, b = random_network(sizes, rng)
        out.append(self._case(f"network {sizes}, a batch of one (N=1)", W, b,
                              rng.normal(size=(1, sizes[0])), rng.uniform(size=(1, sizes[-1]))))
        sizes = [int(s) for s in rng.integers(2, 6, size=3)]
        W, b = random_network(sizes, rng)
        N = int(rng.integers(3, 7))
        out.append(self._case(f"network {sizes}, N={N}, rows of X of very different scale", W, b,
                              scaled_rows(rng, N, sizes[0], decades=1.0), rng.uniform(size=(N, sizes[-1]))))
        return out

    def explain_error(self, case, error, message):
        if error in ("ValueError", "IndexError", "TypeError"):
            W, _, _, a, _ = case.args
            N = a[0].shape[0]
            return (f"backward raised {error}: {message}. A shape mismatch in the backward pass "
                    f"(network widths {[a_l.shape[1] for a_l in a]}, N = {N}): delta[l] has shape "
                    f"(N, n_l) and the recursion delta[l] = (delta[l+1] @ W[l+1]) * h'(z[l]) uses "
                    f"W[l+1] of shape (n_(l+1), n_l); W[l] is off by one layer. dW[l] = "
                    f"delta[l].T @ a[l-1] has the shape of W[l].")
        return None

    def judge(self, case, output):
        W, b, z, a, T = case.args
        L, N = len(W) - 1, len(T)
        fp = network.ForwardPass(list(z), list(a))
        expected = network.backward(fp, T, W, "sigmoid", LOSS)
        variants = {
            "wrong sign of the delta: the base case is (y - t) sigma'(z[L]) / N, output minus target":
                ([None] + [-g for g in expected.dW[1:]], [None] + [-g for g in expected.db[1:]]),
            "missing the activation derivative h'(z[l]) in the recursion delta[l] = "
            "(delta[l+1] @ W[l+1]) * h'(z[l])":
                _gradients_from_deltas(_variant_deltas(W, z, a, T, base=_base_sse,
                                                       hprime=lambda z_l, a_l: 1.0), a),
            "missing sigma'(z[L]) in the base case: (y - t)/N is the delta of a linear output (or "
            "of sigmoid with cross-entropy); a sigmoid output with squared error has delta[L] = "
            "(y - t) sigma'(z[L]) / N":
                _gradients_from_deltas(_variant_deltas(W, z, a, T, base=lambda z_L, y, T, N: (y - T) / N,
                                                       hprime=_sig_prime), a),
            "sigma' computed as z (1 - z): the form a (1 - a) needs the activation a = sigma(z), "
            "not the pre-activation z":
                _gradients_from_deltas(_variant_deltas(
                    W, z, a, T, base=lambda z_L, y, T, N: (y - T) * z_L * (1 - z_L) / N,
                    hprime=lambda z_l, a_l: z_l * (1 - z_l)), a),
        }
        if N > 1:
            variants["a sum over the batch where E is the mean: delta[L] carries the factor 1/N "
                     "of the batch mean"] = ([None] + [N * g for g in expected.dW[1:]],
                                             [None] + [N * g for g in expected.db[1:]])
            if L >= 2:
                variants["the factor 1/N of the batch mean applied again in every step of the "
                         "recursion: it enters once, in the base case"] = _gradients_from_deltas(
                    _variant_deltas(W, z, a, T, base=_base_sse, hprime=_sig_prime, extra=1.0 / N), a)
        widths = [a_l.shape[1] for a_l in a]
        if L >= 2 and len(set(widths)) == 1:      # all widths equal: these slips run silently
            variants["off by one layer: the recursion uses W[l+1], the weights of the NEXT layer, "
                     "not W[l]"] = _gradients_from_deltas(
                _variant_deltas(W, z, a, T, base=_base_sse, hprime=_sig_prime, W_of=lambda l: l), a)
            variants["dW[l] = delta[l].T @ a[l]: the gradient of W[l] uses a[l-1], the input of "
                     "layer l"] = _gradients_from_deltas(expected.delta, a, a_index=lambda l: l)
        dW, db = expect_sequence(output, 2, "backward", "a pair (dW, db) of lists indexed by layer")
        if not isinstance(dW, (list, tuple)) or not isinstance(db, (list, tuple)):
            raise Wrong("backward must return a pair (dW, db) of lists indexed by layer.")
        if len(dW) != L + 1 or len(db) != L + 1:
            raise Wrong(f"dW and db must be lists indexed by layer 0..L = 0..{L} (length {L + 1}, "
                        f"entry 0 None); got lengths {len(dW)} and {len(db)}.")
        where = f"(network {widths}, N = {N})"
        for l in range(L, 0, -1):
            n_l, n_prev = expected.dW[l].shape
            shape_W, shape_b = np.shape(dW[l]), np.shape(db[l])
            if shape_W == (n_l, n_l) and n_l != n_prev:
                raise Wrong(f"dW[{l}] {where} has shape {shape_W}, expected {(n_l, n_prev)}, the shape "
                            f"of W[{l}]: delta[{l}].T @ a[{l}]? The gradient of W[l] uses a[l-1], the "
                            f"input of layer l: dW[l] = delta[l].T @ a[l-1].")
            if shape_b == (N, n_l) and N > 1:
                raise Wrong(f"db[{l}] {where} has shape {shape_b}, expected {(n_l,)}: db[l] is delta[l] "
                            f"summed over the batch, delta[l].sum(axis=0).")
            wrong_W = {d: g[0][l] for d, g in variants.items()}
            if expected.dW[l].shape[0] == expected.dW[l].shape[1]:
                wrong_W["transposed: a[l-1].T @ delta[l] instead of dW[l] = delta[l].T @ a[l-1], "
                        "which has the shape (n_l, n_(l-1)) of W[l]"] = expected.dW[l].T
            checks.check_array(dW[l], expected.dW[l], f"dW[{l}] {where}", rtol=1e-6,
                               batch_size=N, wrong=wrong_W)
            checks.check_array(db[l], expected.db[l], f"db[{l}] {where}", rtol=1e-6,
                               batch_size=N, wrong={d: g[1][l] for d, g in variants.items()})


# --- Exercise 4: gradient_check ---------------------------------------------------------------
# backward passes handed to the student's gradient_check (module-level: a case's digest names them)
def correct_backward(W, b, z, a, T):
    """A correct backward pass (nnlib's)."""
    return reference_backward(W, b, z, a, T)


def backward_without_h_prime(W, b, z, a, T):
    """A broken backward pass: the recursion forgets h'(z[l])."""
    g = network.backward(network.ForwardPass(list(z), list(a)), T, W, "identity", LOSS)
    return list(g.dW), list(g.db)


def backward_without_sigma_prime_L(W, b, z, a, T):
    """A broken backward pass: the base case forgets sigma'(z[L]) (the delta of sigmoid + BCE)."""
    g = network.backward(network.ForwardPass(list(z), list(a)), T, W, "sigmoid", "bce")
    return list(g.dW), list(g.db)


def backward_summed_over_batch(W, b, z, a, T):
    """A broken backward pass: a sum over the batch (every gradient N times too large)."""
    dW, db = reference_backward(W, b, z, a, T)
    N = len(T)
    return [None] + [N * g for g in dW[1:]], [None] + [N * g for g in db[1:]]


BROKEN = {correct_backward: "a correct backward_fn",
          backward_without_h_prime: "backward_fn without h'(z) in the recursion",
          backward_without_sigma_prime_L: "backward_fn without sigma'(z[L]) in the base case",
          backward_summed_over_batch: "backward_fn summing over the batch"}


def _numerical(W, b, X, T, eps, scale=1.0):
    dW = [None] + [scale * reference_numerical_gradient(
        lambda W_l, l=l: reference_error(W[:l] + [W_l] + W[l + 1:], b, X, T), W[l], eps)
        for l in range(1, len(W))]
    db = [None] + [scale * reference_numerical_gradient(
        lambda b_l, l=l: reference_error(W, b[:l] + [b_l] + b[l + 1:], X, T), b[l], eps)
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
                "forward_pass": reference_forward_pass, "error": reference_error}
    test_students = 10        # each student's cases take 10 gradient checks by central differences

    def fixed_cases(self):
        rng = np.random.default_rng(5)
        W, b = random_network([2, 3, 2], rng)
        X, T = rng.normal(size=(3, 2)), rng.uniform(size=(3, 2))
        return [Case(f"network [2, 3, 2], N=3, {BROKEN[fn]}", (W, b, X, T), {"backward_fn": fn})
                for fn in (correct_backward, backward_without_h_prime)]

    def cases(self, rng):
        out = []

        def net(min_layers=1):
            L = int(rng.integers(min_layers, 4))
            sizes = [int(s) for s in rng.integers(1, 5, size=L + 1)]
            W, b = random_network(sizes, rng)
            N = int(rng.integers(2, 6))
            return sizes, W, b, rng.normal(size=(N, sizes[0])), rng.uniform(size=(N, sizes[-1]))

        small_eps = [1e-6, 3e-6, 1e-5]
        for fn, min_layers in ((correct_backward, 1), (backward_without_h_prime, 2),
                               (backward_without_sigma_prime_L, 1), (backward_summed_over_batch, 1)):
            sizes, W, b, X, T = net(min_layers)
            eps = float(rng.choice(small_eps))
            out.append(Case(f"network {sizes}, N={len(X)}, {BROKEN[fn]}, eps = {eps:g}",
                            (W, b, X, T), {"backward_fn": fn, "eps": eps}))
        sizes, W, b, X, T = net()
        out.append(Case(f"network {sizes}, N={len(X)}, backward_fn left out (your backward is "
                        f"used), eps at its default", (W, b, X, T)))
        # large gradients: inputs scaled by 100 (W[1] scaled down to keep z), targets far from (0, 1)
        sizes, W, b, X, T = net(2)
        W = [None, W[1] / 100.0] + W[2:]
        X, T = 100.0 * X, rng.choice([-1.0, 1.0], size=T.shape) * rng.uniform(20.0, 60.0, size=T.shape)
        fn = [backward_without_h_prime, backward_summed_over_batch][int(rng.integers(2))]
        out.append(Case(f"network {sizes}, N={len(X)}, large gradients, {BROKEN[fn]}",
                        (W, b, X, T), {"backward_fn": fn, "eps": 1e-6}))
        # tiny gradients: targets within 1e-5 of the outputs
        sizes, W, b, X, T = net()
        y = reference_forward_pass(W, b, X)[1][-1]
        T = y + 1e-5 * rng.uniform(0.5, 1.0, size=y.shape) * rng.choice([-1.0, 1.0], size=y.shape)
        fn = [backward_without_sigma_prime_L, backward_summed_over_batch][int(rng.integers(2))]
        out.append(Case(f"network {sizes}, N={len(X)}, tiny gradients (targets within 1e-5 of the "
                        f"outputs), {BROKEN[fn]}", (W, b, X, T), {"backward_fn": fn, "eps": 1e-5}))
        # a large step with a correct backward pass: the truncation error O(eps^2) shows
        sizes, W, b, X, T = net(2)
        eps = float(rng.choice([0.1, 0.2, 0.3]))
        out.append(Case(f"network {sizes}, N={len(X)}, a correct backward_fn, a large step eps = {eps:g}",
                        (W, b, X, T), {"backward_fn": correct_backward, "eps": eps}))
        return out

    def judge(self, case, output):
        W, b, X, T = case.args
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
        z, a = reference_forward_pass(W, b, X)
        grads = fn(W, b, z, a, T)
        num = _numerical(W, b, X, T, eps)
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
            variants.append((lambda: _errors(grads, _numerical(W, b, X, T, DEFAULT_EPS)),
                             f"the step eps is ignored: your values are those of eps = 1e-6, but "
                             f"gradient_check was called with eps = {eps:g} (pass it on to "
                             f"numerical_gradient)"))
        if case.kwargs.get("backward_fn") not in (None, correct_backward):
            variants.append((lambda: _errors(reference_backward(W, b, z, a, T), num),
                             "backward_fn is ignored: your values are those of your own backward, "
                             "but the backward pass under test is the backward_fn you are given "
                             f"({BROKEN.get(fn, 'another backward pass')})"))
        if N > 1:
            variants.append((lambda: _errors(grads, _numerical(W, b, X, T, eps, scale=N)),
                             "your numerical gradient is N times that of E: E is the MEAN over the "
                             "batch (use error(W, b, X, T)), not the sum"))
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
