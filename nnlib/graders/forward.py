"""Checkers of notebook 03-forward-pass.

Expected values come from ``nnlib.network`` (``dense``, ``forward``) at judging time; every
named wrong variant is computed from the case's own inputs. The exercises that may build on
``dense`` (``forward``, ``two_layer``, ``three_layer``) run with :func:`reference_dense` in
place of the notebook's ``dense`` (``upstream``), so a mistake in ``dense`` costs points once.

``dense(A_prev, W, b, h)`` -> ``(Z, A)``, each (N, n): ``Z = A_prev W^T + b``, ``A = h(Z)``.
  Cases: visible, a square 2 x 3 -> 3 tanh layer that can be checked by hand and a (4, 3)
  batch through W of shape (2, 3) with sigmoid. Hidden (6): tanh, sigmoid, ReLU, ELU and the
  identity; one square W (n = n_prev, where a missing transpose gives wrong values instead of
  a shape error), the others with n != n_prev; a batch of one; rows of very different scale.
  Named: not the pair (Z, A); Z and A swapped; the bias missing; the bias added after the
  activation; the bias with the wrong sign; W not transposed (values, or the ValueError of
  ``A_prev @ W``); h not applied (A = Z); Z holding the activations; calling nnlib's
  ``dense``/``forward``.

``forward(X, W, b, hidden, output)`` -> ``(z, a)``, lists of length L + 1 indexed by layer.
  Cases: visible, 2 -> 3 -> 1 (tanh, identity output), 3 -> 5 -> 4 -> 3 (ReLU, softmax) and
  L = 1 (sigmoid outputs). Hidden (5): depths L = 1..4 (always one L = 1 and one L >= 3),
  odd widths 1..6, every output unit (identity, sigmoid, softmax) and hidden activations
  tanh/sigmoid/ReLU/ELU drawn per case, a batch of one, rows of very different scale.
  Named: not the pair (z, a); (a, z) returned in the wrong order; a list without layer 0
  (``z[1:]``), a list without the last layer (the loop stops at L - 1); z[0] not None; a[0]
  not X; per layer: the hidden activation not applied, the output unit used in a hidden
  layer, the hidden activation applied to the output layer, the output unit skipped; the
  bias missing, W not transposed; calling nnlib's ``forward``/``dense``/``MLP``.

``two_layer(x, W1, b1, W2, b2, h, sigma)`` -> ``y`` of shape (K,), one example.
  Cases: visible, D=3, M=4 tanh, K=2 sigmoid and D=2, M=5 ReLU, K=1 identity. Hidden (5):
  h among tanh/sigmoid/ReLU/ELU, sigma among identity/sigmoid (both in every draw), one case
  D = M = K (a transposed W1 or W2 gives wrong values instead of a shape error), D >= 2
  everywhere, one with K = 1 and one with M = 1. Named: the hidden bias counted D times
  (added inside the sum over i); the output bias counted M times; sigma missing; h missing;
  h and sigma swapped; W1 or W2 indexed the other way round; calling nnlib.
  The exercise asks for explicit sums as a way of working; the checker sees values only and
  says so (it cannot and does not check how they were computed).

``three_layer(x, W1, b1, W2, b2, W3, b3, h1, h2, sigma)`` -> ``y`` of shape (K,).
  Cases: visible, D=3, M1=4 tanh, M2=3 sigmoid, K=2 sigmoid. Hidden (4): h1 != h2 drawn from
  tanh/sigmoid/ReLU/ELU (never the pair ReLU/ELU, which agree for z > 0), sigma identity or
  sigmoid, widths 1..5 with one case of four different widths. Named: h1 used in both hidden
  layers; h2 used in both; h1 and h2 swapped; sigma missing; one bias missing (which layer);
  calling nnlib.

``collapse(W, b)`` -> ``(W_eff, b_eff)`` of shapes (n_L, n_0) and (n_L,).
  Expected: the affine map read off nnlib's forward pass with identity units (output at
  x = 0 is b_eff, at x = e_i minus b_eff is column i of W_eff). Cases: visible, three square
  layers 2 -> 2 -> 2 -> 2 with small integers and widths 3 -> 5 -> 4 -> 2. Hidden (5): first a
  deep square network (L >= 3, all widths equal, where the wrong order of the product and the
  un-propagated biases give values instead of shape errors), one L = 1 network, odd widths
  1..6 with a bottleneck of width 1. Named: the layers multiplied in the wrong order; the
  biases summed without passing through the later layers; only the last bias; W_eff transposed
  (by shape); the ValueError of a product in the wrong order; calling nnlib.

``reference_forward``, ``reference_two_layer``, ``reference_collapse``: the references in the
notebook's signatures, for the fallbacks of its demo cells only (never for grading).
"""
from __future__ import annotations

import numpy as np

from .. import activations, checks, network
from ..gradcheck import relative_error
from .base import Case, Exercise, Wrong
from .common import expect_sequence, size_other_than
from .registry import register

__all__ = ["reference_dense", "reference_forward", "reference_two_layer", "reference_collapse",
           "spread_rows", "HIDDEN", "OUTPUT_UNITS"]

ASSIGNMENT = "03-forward-pass"

# the functions handed to students' code, by name (module-level functions, so a case's digest
# names them); output units with the nnlib loss whose output unit they are
HIDDEN = {"tanh": activations.tanh, "sigmoid": activations.sigmoid, "relu": activations.relu,
          "elu": activations.elu, "identity": activations.identity}
OUTPUT_UNITS = {"identity": (activations.identity, "sse"), "sigmoid": (activations.sigmoid, "bce"),
                "softmax": (activations.softmax, "softmax_ce")}
REFERENCES = (network.dense, network.forward, network.MLP.forward)


def reference_dense(A_prev, W, b, h):
    """The reference of exercise ``dense`` in the notebook's signature, for ``upstream``.

    ``A_prev``: (N, n_prev); ``W``: (n, n_prev); ``b``: (n,); ``h``: elementwise function.
    Returns ``(Z, A)``, each (N, n), ``Z = A_prev W^T + b`` and ``A = h(Z)``. Raises
    ``ValueError`` on shapes that do not chain. (Not ``nnlib.network.dense`` itself: that one
    is forbidden while a student's function runs.)
    """
    A_prev, W, b = (np.asarray(v, dtype=float) for v in (A_prev, W, b))
    if A_prev.ndim != 2 or W.ndim != 2 or A_prev.shape[1] != W.shape[1] or b.shape != W.shape[:1]:
        raise ValueError(f"dense: A_prev {A_prev.shape}, W {W.shape} and b {b.shape} do not "
                         f"fit: expected A_prev (N, n_prev), W (n, n_prev), b (n,)")
    Z = A_prev @ W.T + b
    return Z, h(Z)


def reference_forward(X, W, b, hidden, output):
    """The reference of exercise ``forward`` in the notebook's signature (for the demo cells'
    fallbacks): ``(z, a)``, lists of length L + 1 with ``z[0] = None``, ``a[0] = X`` and
    ``z[l]``, ``a[l]`` of shape (N, n_l); ``hidden``: elementwise function of layers 1..L-1,
    ``output``: the output unit applied to ``z[L]`` (N, n_L). Raises ``ValueError`` naming the
    layer on shapes that do not chain."""
    fp = network.forward(X, W, b, hidden, "sse")          # identity output: a[L] = z[L]
    return list(fp.z), list(fp.a[:-1]) + [output(fp.z[-1])]


def reference_two_layer(x, W1, b1, W2, b2, h, sigma):
    """The reference of exercise ``two_layer``: ``y`` (K,) for one example ``x`` (D,)."""
    return _chain(x, [W1, W2], [b1, b2], [h, sigma])


def reference_collapse(W, b):
    """The reference of exercise ``collapse``: ``(W_eff, b_eff)`` of shapes (n_L, n_0) and
    (n_L,), read off nnlib's forward pass with identity units."""
    n0 = W[1].shape[1]
    b_eff = network.forward(np.zeros((1, n0)), W, b, "identity", "sse").y[0]
    return (network.forward(np.eye(n0), W, b, "identity", "sse").y - b_eff).T, b_eff


def _close(got, alternative, rtol=1e-6) -> bool:
    """``got`` equals ``alternative`` (same shape, finite, relative error <= rtol)."""
    try:
        g = np.asarray(got, dtype=float)
        a = np.asarray(alternative, dtype=float)
    except (TypeError, ValueError):
        return False
    return (g.shape == a.shape and bool(np.all(np.isfinite(g))) and bool(np.all(np.isfinite(a)))
            and relative_error(g, a) <= rtol)


def _named(got: tuple, variants: dict, what: str) -> None:
    """Raise :class:`Wrong` naming the first variant (a tuple of arrays) that ``got`` matches."""
    for description, parts in variants.items():
        if len(parts) == len(got) and all(_close(g, p) for g, p in zip(got, parts)):
            raise Wrong(f"{what}: your answer matches a known mistake: {description}.")


def spread_rows(rng: np.random.Generator, n: int, d: int, decades: float = 3.0) -> np.ndarray:
    """An (n, d) batch (n >= 2) whose row scales span ``10**-decades .. 10**decades`` for
    sure (:func:`~.common.scaled_rows` draws the scales, so two rows may come out alike)."""
    scales = 10.0 ** rng.permutation(np.linspace(-decades, decades, n))
    return rng.normal(size=(n, d)) * scales[:, None]


def _random_network(rng, sizes):
    W = [None] + [rng.normal(size=(sizes[l], sizes[l - 1])) for l in range(1, len(sizes))]
    b = [None] + [rng.normal(size=sizes[l]) for l in range(1, len(sizes))]
    return W, b


def _arrow(sizes) -> str:
    return " -> ".join(str(s) for s in sizes)


# --------------------------------------------------------------------------------- dense
@register
class Dense(Exercise):
    name = "dense"
    assignment = ASSIGNMENT
    references = REFERENCES

    @staticmethod
    def _case(A_prev, W, b, h):
        N, n_prev = A_prev.shape
        n = W.shape[0]
        square = " (square W)" if n == n_prev else ""
        return Case(f"N={N}, n_prev={n_prev} -> n={n}{square}, {h}", (A_prev, W, b, HIDDEN[h]),
                    data={"h": h})

    def fixed_cases(self):
        A_prev = np.array([[1.0, 0.0, 2.0], [0.0, -1.0, 1.0]])
        W = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0], [3.0, 0.0, 1.0]])
        b = np.array([0.5, -1.0, 0.0])
        rng = np.random.default_rng(3)
        return [self._case(A_prev, W, b, "tanh"),
                self._case(rng.normal(size=(4, 3)), rng.normal(size=(2, 3)), rng.normal(size=2),
                           "sigmoid")]

    def cases(self, rng):
        names = ["tanh", "sigmoid", "relu", "elu", "identity", str(rng.choice(["tanh", "relu"]))]
        out = []
        for k, h in enumerate(names):
            if k == 0:                      # square W: A_prev @ W runs, with wrong values
                n_prev = n = int(rng.integers(2, 6))
            else:
                n_prev = int(rng.integers(1, 6))
                n = size_other_than(rng, n_prev)
            N = 1 if k == 2 else int(rng.integers(3 if k == 5 else 2, 7))
            A_prev = spread_rows(rng, N, n_prev) if k == 5 else rng.normal(size=(N, n_prev))
            out.append(self._case(A_prev, rng.normal(size=(n, n_prev)), rng.normal(size=n), h))
        return out

    def explain_error(self, case, error, message):
        A_prev, W = case.args[:2]
        if error == "ValueError" and "matmul" in message:
            return (f"dense raised ValueError ({message}) for A_prev of shape (N, n_prev) = "
                    f"{A_prev.shape} and W of shape (n, n_prev) = {W.shape}: transposed weights? "
                    f"Row k of W holds the weights into unit k, so the batch form is "
                    f"A_prev @ W.T + b, of shape (N, n) = {(A_prev.shape[0], W.shape[0])}.")
        return None

    def judge(self, case, output):
        A_prev, W, b, h = case.args
        Z, A = expect_sequence(output, 2, "dense", "the pair (Z, A), e.g. `return Z, A`")
        Z_exp, A_exp = network.dense(A_prev, W, b, h)
        if _close(Z, Z_exp, 1e-7) and _close(A, A_exp, 1e-7):
            return None
        lin = A_prev @ W.T
        variants = {
            "Z and A are swapped: return (Z, A), the pre-activations first": (A_exp, Z_exp),
            "bias added after the activation: h(A_prev W^T) + b instead of h(A_prev W^T + b); "
            "b belongs inside the pre-activation Z": (lin, h(lin) + b),
            "the bias is missing: Z = A_prev W^T + b": (lin, h(lin)),
            "the bias with the wrong sign: Z = A_prev W^T + b, not A_prev W^T - b":
                (lin - b, h(lin - b)),
            "the activation function h is not applied: A = h(Z), not Z": (Z_exp, Z_exp),
            "Z holds the activations h(A_prev W^T + b); Z is the pre-activation, before h":
                (A_exp, A_exp),
        }
        if W.shape[0] == W.shape[1]:
            variants = {"transposed weights: you computed A_prev @ W + b, but row k of W holds "
                        "the weights INTO unit k, so the batch form is A_prev @ W.T + b":
                            (A_prev @ W + b, h(A_prev @ W + b)), **variants}
        _named((Z, A), variants, "dense")
        checks.check_array(Z, Z_exp, "dense: Z (pre-activations of the layer)",
                           wrong={"the bias is missing from Z": lin})
        checks.check_array(A, A_exp, "dense: A (activations of the layer)",
                           wrong={"A = Z: the activation function h is not applied": Z_exp})


# ------------------------------------------------------------------------------- forward
@register
class Forward(Exercise):
    name = "forward"
    assignment = ASSIGNMENT
    references = REFERENCES
    upstream = {"dense": reference_dense}

    @staticmethod
    def _case(X, W, b, h, f):
        sizes = [X.shape[1]] + [w.shape[0] for w in W[1:]]
        hidden = f"{h} hidden" if len(W) > 2 else "no hidden layer"
        return Case(f"N={X.shape[0]}, {_arrow(sizes)}, {hidden}, {f} output",
                    (X, W, b, HIDDEN[h], OUTPUT_UNITS[f][0]), data={"h": h, "f": f})

    def fixed_cases(self):
        rng = np.random.default_rng(0)
        out = []
        for sizes, N, h, f in (([2, 3, 1], 4, "tanh", "identity"),
                               ([3, 5, 4, 3], 6, "relu", "softmax"),
                               ([2, 2], 5, "tanh", "sigmoid")):
            W, b = _random_network(rng, sizes)
            out.append(self._case(rng.normal(size=(N, sizes[0])), W, b, h, f))
        return out

    def cases(self, rng):
        depths = [1, int(rng.integers(3, 5)), int(rng.integers(2, 5)), 2, int(rng.integers(1, 5))]
        units = [str(v) for v in rng.permutation(["identity", "sigmoid", "softmax"])] + \
            [str(v) for v in rng.choice(["identity", "sigmoid", "softmax"], size=2)]
        out = []
        for k, (L, f) in enumerate(zip(depths, units)):
            sizes = [int(v) for v in rng.integers(1, 7, size=L + 1)]
            if f == "softmax" and sizes[-1] == 1:
                sizes[-1] = int(rng.integers(2, 5))      # softmax of one output is always 1
            if k == 3:
                sizes[1] = size_other_than(rng, sizes[0])  # a non-square first layer
            W, b = _random_network(rng, sizes)
            N = 1 if k == 2 else int(rng.integers(3 if k == 4 else 2, 7))
            X = spread_rows(rng, N, sizes[0]) if k == 4 else rng.normal(size=(N, sizes[0]))
            h = str(rng.choice(["tanh", "sigmoid", "relu", "elu"]))
            out.append(self._case(X, W, b, h, f))
        return out

    def explain_error(self, case, error, message):
        if error == "ValueError" and "matmul" in message:
            return (f"forward raised ValueError ({message}): transposed weights? W[l] has shape "
                    f"(n_l, n_(l-1)), so layer l is z[l] = a[l-1] @ W[l].T + b[l].")
        return None

    def judge(self, case, output):
        X, W, b, hfun, ffun = case.args
        h_name, f_name = case.data["h"], case.data["f"]
        L = len(W) - 1
        z, a = expect_sequence(output, 2, "forward", "the pair (z, a) of lists indexed by layer")
        if (isinstance(z, (list, tuple)) and isinstance(a, (list, tuple)) and len(z) and len(a)
                and a[0] is None and _close(z[0], X)):
            raise Wrong("forward: the lists are returned in the wrong order: return (z, a), the "
                        "pre-activations first (z[0] = None, a[0] = X).")
        for what, values in (("z", z), ("a", a)):
            if not isinstance(values, (list, tuple)) or len(values) != L + 1:
                got = (f"{len(values)} entries" if isinstance(values, (list, tuple))
                       else f"a {type(values).__name__}")
                hint = ""
                if isinstance(values, (list, tuple)) and len(values) == L:
                    starts_with_input = (values[0] is None if what == "z" else _close(values[0], X))
                    hint = (" The last layer is missing: the loop must run over l = 1..L, "
                            "range(1, L + 1)." if starts_with_input else
                            " You left out layer 0: the lists are indexed by layer like W, so "
                            "they start with z[0] = None and a[0] = X.")
                raise Wrong(f"forward: {what} must be a list indexed by layer l = 0..L, i.e. "
                            f"L + 1 = {L + 1} entries for this {L}-layer network; got {got}.{hint}")
        if z[0] is not None:
            raise Wrong("forward: z[0] must be None: layer 0 is the input, it has no "
                        "pre-activation.")
        checks.check_array(a[0], X, "forward: a[0] (must be the input batch X)")
        exp = network.forward(X, W, b, h_name, OUTPUT_UNITS[f_name][1])
        for l in range(1, L + 1):
            lin = exp.a[l - 1] @ W[l].T
            wrong_z = {f"the bias b[{l}] is missing: z[{l}] = a[{l - 1}] W[{l}]^T + b[{l}]": lin}
            if W[l].shape[0] == W[l].shape[1]:
                wrong_z[f"transposed weights: a[{l - 1}] @ W[{l}] instead of a[{l - 1}] @ "
                        f"W[{l}].T (row k of W[{l}] holds the weights into unit k)"] = \
                    exp.a[l - 1] @ W[l] + b[l]
            checks.check_array(z[l], exp.z[l], f"forward: z[{l}] (pre-activation of layer {l} "
                               f"of {L})", wrong=wrong_z)
            if l < L:
                if f_name == "identity":     # f(z) = z: using f here and skipping h agree
                    wrong = {f"a[{l}] = z[{l}]: the hidden activation h is not applied (hidden "
                             f"layers use h; the output unit f, here the identity, belongs to "
                             f"layer L only)": exp.z[l]}
                else:
                    wrong = {f"a[{l}] = z[{l}]: the hidden activation h is not applied": exp.z[l],
                             f"the output unit f is used in hidden layer {l}: hidden layers use "
                             f"h; f belongs to layer L only": ffun(exp.z[l])}
                where = f"hidden layer {l} of {L}"
            else:
                wrong = {"the output unit is skipped: a[L] must be f(z[L]), not z[L]": exp.z[L]}
                if h_name != f_name:
                    wrong["the hidden activation h is applied to the output layer: a[L] must be "
                          "the output unit f(z[L]), not h(z[L])"] = hfun(exp.z[L])
                where = "the network output y"
            checks.check_array(a[l], exp.a[l], f"forward: a[{l}] ({where})", wrong=wrong)


# ----------------------------------------------------------------------------- two_layer
def _chain(x, Ws, bs, hs):
    """The output for one example ``x`` of layers ``Ws``/``bs`` with activations ``hs`` (the
    last one the output unit), chained through ``nnlib.network.dense``."""
    a = np.asarray(x, dtype=float)[None, :]
    for W, b, h in zip(Ws, bs, hs):
        _, a = network.dense(a, W, b, h)
    return a[0]


@register
class TwoLayer(Exercise):
    name = "two_layer"
    assignment = ASSIGNMENT
    references = REFERENCES
    upstream = {"dense": reference_dense}

    @staticmethod
    def _case(rng, D, M, K, h, s):
        x, W1, b1 = rng.normal(size=D), rng.normal(size=(M, D)), rng.normal(size=M)
        W2, b2 = rng.normal(size=(K, M)), rng.normal(size=K)
        return Case(f"D={D}, M={M} {h} units, K={K} {s} output{'s' if K > 1 else ''}",
                    (x, W1, b1, W2, b2, HIDDEN[h], OUTPUT_UNITS[s][0]), data={"h": h, "sigma": s})

    def fixed_cases(self):
        rng = np.random.default_rng(5)
        return [self._case(rng, 3, 4, 2, "tanh", "sigmoid"),
                self._case(rng, 2, 5, 1, "relu", "identity")]

    def cases(self, rng):
        sig = ["identity", "sigmoid"] + [str(v) for v in rng.choice(["identity", "sigmoid"], 3)]
        out = []
        for k in range(5):
            if k == 0:                       # square: W1, W2 indexed the other way still run
                D = M = K = int(rng.integers(2, 5))
            else:
                D = int(rng.integers(2, 6))
                M = 1 if k == 3 else size_other_than(rng, D)
                K = 1 if k == 2 else int(rng.integers(1, 6))
            h = str(rng.choice(["tanh", "sigmoid", "relu", "elu"]))
            out.append(self._case(rng, D, M, K, h, sig[k]))
        return out

    def explain_error(self, case, error, message):
        x, W1, b1, W2, b2 = case.args[:5]
        if error in ("ValueError", "IndexError"):
            return (f"two_layer raised {error} ({message}) for x of shape (D,) = {x.shape}, W1 "
                    f"{W1.shape} = (M, D) and W2 {W2.shape} = (K, M): W1 or W2 indexed the other "
                    f"way round? W1[j, i] is the weight from input i into hidden unit j "
                    f"(into, from), so the sum over i runs along the second index of W1.")
        return None

    def judge(self, case, output):
        x, W1, b1, W2, b2, h, sigma = case.args
        ident = activations.identity
        D, M = len(x), len(b1)
        expected = _chain(x, [W1, W2], [b1, b2], [h, sigma])
        wrong = {
            f"the hidden bias b1[j] is added inside the sum over i, so it is counted D = {D} "
            f"times; add it once, after the sum": _chain(x, [W1, W2], [D * b1, b2], [h, sigma]),
            "the output unit sigma is missing": _chain(x, [W1, W2], [b1, b2], [h, ident]),
            "the hidden activation h is missing": _chain(x, [W1, W2], [b1, b2], [ident, sigma]),
            "h and sigma are swapped: h belongs to the hidden units (the inner sum), sigma to "
            "the outputs": _chain(x, [W1, W2], [b1, b2], [sigma, h]),
        }
        if M > 1:
            wrong[f"the output bias b2[k] is added inside the sum over j, so it is counted "
                  f"M = {M} times; add it once, after the sum"] = \
                _chain(x, [W1, W2], [b1, M * b2], [h, sigma])
        if W1.shape[0] == W1.shape[1]:
            wrong["W1 indexed the other way round: W1[j, i] is the weight from input i into "
                  "hidden unit j (into, from)"] = _chain(x, [W1.T, W2], [b1, b2], [h, sigma])
        if W2.shape[0] == W2.shape[1]:
            wrong["W2 indexed the other way round: W2[k, j] is the weight from hidden unit j "
                  "into output k (into, from)"] = _chain(x, [W1, W2.T], [b1, b2], [h, sigma])
        checks.check_array(output, expected, "two_layer: y (compared by value only)", wrong=wrong)


# --------------------------------------------------------------------------- three_layer
@register
class ThreeLayer(Exercise):
    name = "three_layer"
    assignment = ASSIGNMENT
    references = REFERENCES
    upstream = {"dense": reference_dense}

    @staticmethod
    def _case(rng, D, M1, M2, K, h1, h2, s):
        x = rng.normal(size=D)
        W1, b1 = rng.normal(size=(M1, D)), rng.normal(size=M1)
        W2, b2 = rng.normal(size=(M2, M1)), rng.normal(size=M2)
        W3, b3 = rng.normal(size=(K, M2)), rng.normal(size=K)
        return Case(f"D={D}, M1={M1} ({h1}), M2={M2} ({h2}), K={K} {s} output{'s' if K > 1 else ''}",
                    (x, W1, b1, W2, b2, W3, b3, HIDDEN[h1], HIDDEN[h2], OUTPUT_UNITS[s][0]),
                    data={"h1": h1, "h2": h2, "sigma": s})

    def fixed_cases(self):
        rng = np.random.default_rng(6)
        return [self._case(rng, 3, 4, 3, 2, "tanh", "sigmoid", "sigmoid")]

    def cases(self, rng):
        pairs = [(p, q) for p in ("tanh", "sigmoid", "relu", "elu")
                 for q in ("tanh", "sigmoid", "relu", "elu")
                 if p != q and {p, q} != {"relu", "elu"}]
        sig = ["identity", "sigmoid"] + [str(v) for v in rng.choice(["identity", "sigmoid"], 2)]
        out = []
        for k in range(4):
            if k == 0:
                D, M1, M2, K = (int(v) for v in rng.permutation(np.arange(1, 6))[:4])
            else:
                D, M1, M2, K = (int(v) for v in rng.integers(1, 6, size=4))
            M2 = max(M2, 2)                      # h2 must show in more than one unit
            h1, h2 = pairs[int(rng.integers(len(pairs)))]
            out.append(self._case(rng, D, M1, M2, K, h1, h2, sig[k]))
        return out

    def explain_error(self, case, error, message):
        x, W1, _, W2, _, W3 = case.args[:6]
        if error in ("ValueError", "IndexError"):
            return (f"three_layer raised {error} ({message}) for x {x.shape} = (D,), W1 "
                    f"{W1.shape} = (M1, D), W2 {W2.shape} = (M2, M1), W3 {W3.shape} = (K, M2): a "
                    f"weight matrix indexed the other way round? Every weight is written (into, "
                    f"from), so each sum runs along the second index.")
        return None

    def judge(self, case, output):
        x, W1, b1, W2, b2, W3, b3, h1, h2, sigma = case.args
        Ws, bs = [W1, W2, W3], [b1, b2, b3]

        def ref(hs, bias=bs):
            return _chain(x, Ws, bias, hs)

        expected = ref([h1, h2, sigma])
        wrong = {"h1 is used in both hidden layers: layer 2 needs h2": ref([h1, h1, sigma]),
                 "h2 is used in both hidden layers: layer 1 needs h1": ref([h2, h2, sigma]),
                 "h1 and h2 are swapped: h1 belongs to layer 1 (the inner sum)": ref([h2, h1, sigma]),
                 "the output unit sigma is missing": ref([h1, h2, activations.identity])}
        for l in range(3):
            bias = [bb if i != l else np.zeros_like(bb) for i, bb in enumerate(bs)]
            wrong[f"the bias b{l + 1} of layer {l + 1} is missing"] = ref([h1, h2, sigma], bias)
        checks.check_array(output, expected, "three_layer: y (compared by value only)", wrong=wrong)


# ------------------------------------------------------------------------------ collapse
@register
class Collapse(Exercise):
    name = "collapse"
    assignment = ASSIGNMENT
    references = REFERENCES

    @staticmethod
    def _case(W, b):
        sizes = [W[1].shape[1]] + [w.shape[0] for w in W[1:]]
        return Case(f"L={len(W) - 1}, {_arrow(sizes)}", (W, b))

    def fixed_cases(self):
        W = [None, np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([[0.0, 1.0], [1.0, 0.0]]),
             np.array([[2.0, 0.0], [1.0, -1.0]])]
        b = [None, np.array([1.0, 0.0]), np.array([0.0, -1.0]), np.array([0.5, 0.5])]
        rng = np.random.default_rng(8)
        return [self._case(W, b), self._case(*_random_network(rng, [3, 5, 4, 2]))]

    def cases(self, rng):
        out = []
        for k in range(5):
            if k == 0:
                sizes = [int(rng.integers(2, 5))] * int(rng.integers(4, 6))     # square, L >= 3
            elif k == 1:
                sizes = [int(v) for v in rng.integers(1, 7, size=2)]           # L = 1
            else:
                sizes = [int(v) for v in rng.integers(1, 7, size=int(rng.integers(3, 6)))]
                if k == 2:
                    sizes[int(rng.integers(1, len(sizes) - 1))] = 1            # a bottleneck
                    sizes[0], sizes[-1] = int(rng.integers(2, 7)), int(rng.integers(2, 7))
            out.append(self._case(*_random_network(rng, sizes)))
        return out

    def explain_error(self, case, error, message):
        if error != "ValueError":
            return None
        if "broadcast" in message:
            return (f"collapse raised ValueError ({message}): the biases of different layers "
                    f"have different lengths, so they cannot be summed without passing through "
                    f"the later layers: each b[l] is multiplied by W[L] ... W[l+1], "
                    f"b_eff <- W[l] b_eff + b[l].")
        if "matmul" in message:
            return (f"collapse raised ValueError ({message}): the shapes do not chain; are the "
                    f"layers multiplied in the wrong order? Layer 1 acts on x first, so "
                    f"W_eff = W[L] ... W[2] W[1] (each new layer multiplied from the left, "
                    f"W_eff <- W[l] W_eff).")
        return None

    def judge(self, case, output):
        W, b = case.args
        L = len(W) - 1
        n0 = W[1].shape[1]
        W_eff, b_eff = expect_sequence(output, 2, "collapse", "the pair (W_eff, b_eff)")

        def linear_net(inputs):
            return network.forward(inputs, W, b, "identity", "sse").y

        b_exp = linear_net(np.zeros((1, n0)))[0]              # the output for x = 0 is b_eff
        W_exp = (linear_net(np.eye(n0)) - b_exp).T            # column i: the output for x = e_i
        wrong_W, wrong_b = {}, {}
        if L > 1 and all(W[l].shape == (n0, n0) for l in range(1, L + 1)):
            reverse = np.eye(n0)
            for l in range(1, L + 1):
                reverse = reverse @ W[l]
            wrong_W["the layers are multiplied in the wrong order: W[1] W[2] ... W[L] instead of "
                    "W[L] ... W[2] W[1] (layer 1 acts on x first, so its matrix stands "
                    "rightmost)"] = reverse
            wrong_b["the biases are summed without passing through the later layers: b[l] must "
                    "be multiplied by W[L] ... W[l+1]"] = sum(b[1:])
        if L > 1:
            wrong_b["only the last layer's bias b[L]: every b[l] is carried through the later "
                    "layers, b_eff = sum_l W[L] ... W[l+1] b[l]"] = b[L]
        checks.check_array(W_eff, W_exp, f"collapse: W_eff (shape (n_L, n_0) = {W_exp.shape})",
                           wrong=wrong_W)
        checks.check_array(b_eff, b_exp, f"collapse: b_eff (shape (n_L,) = {b_exp.shape})",
                           wrong=wrong_b)
