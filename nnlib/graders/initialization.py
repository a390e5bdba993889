"""Checkers of notebook 06-initialization.

``he_normal(shape, rng)`` and ``xavier_normal(shape, rng)`` (one shared checker,
:class:`InitializerExercise`): random weights cannot be compared entry by entry, so the judge
compares statistics of the drawn matrix ``W`` of ``shape = (fan_out, fan_in) = (n_l, n_{l-1})``
with those of N(0, s^2) (He: s^2 = 2/fan_in, He et al. 2015, eq. 10; Xavier/Glorot:
s^2 = 2/(fan_in + fan_out), Glorot & Bengio 2010, eq. 12), each within ``K_SE`` = 6 standard errors of its estimator for the ``n``
weights drawn: the mean (standard error sd/sqrt(n)), the kurtosis E[w^4]/E[w^2]^2 (3 for a
normal distribution, standard error sqrt(24/n)) and the sample variance v = mean(w^2) about
the true mean 0 (standard error s^2 sqrt(2/n)). A correct initializer fails by chance with a
probability far below one in a million; the wrong variances named below differ from the right
one by 15% or more (many standard errors) on the visible case and on most hidden ones; where a
wrong formula happens to coincide with the right one (Xavier and He for fan_out = 1), the other
cases catch it.
Cases: one statistics case per shape, all non-square with 30k-45k weights: the visible
(240, 150); hidden, a tall one (fan_out >= 1.5 fan_in), a wide one (fan_in >= 1.5 fan_out) and
a thin one (one side of 1 to 4 units), drawn per student. One reproducibility case each (the
visible (30, 20), a hidden odd shape): the function is called with two generators of the same
seed and one of another seed; the same seed must give the same weights, the other seed other
weights. Every call is made in the kernel with numpy's global random state recorded before
and after; the evidence carries the drawn matrices (.npy) and that observation (a boolean).
Named mistakes: numpy's global random state used or changed; the rng ignored (same weights for
other seeds); not reproducible; wrong shape or transposed shape; all weights equal; a nonzero
mean (and ``rng.normal(std, size=...)``, which makes std the mean); not normal (a uniform
distribution, by its kurtosis 1.8); and the variance: He with 1/fan_in, 2/fan_out (fans
swapped), (2/fan_in)^2 (the variance used as the standard deviation), 6/fan_in (r^2 of the
uniform version), 2/fan_in^2 (``np.sqrt(2) / fan_in``), the Xavier variance; Xavier with
1/fan_in, 1/fan_out, 2/fan_in (He's), the variance as the standard deviation, 1/(fan_in +
fan_out), 6/(fan_in + fan_out); calling ``nnlib.init``'s initializers.

``activation_stds(X, W, b, h)``: the standard deviation (ddof 0, over all N n_l entries) of the
activation a[l] of every layer l = 1..L of a network using ``h`` in every layer, compared with
``nnlib.network.dense`` layer by layer (relative error 1e-6). Cases: the visible 2-layer tanh
network on 4 examples; hidden, six networks with tanh, ReLU and sigmoid: one with every layer
of the same width (a missing transpose runs and gives wrong values), a batch of one example,
rows of very different scale (``common.scaled_rows``, two rows forced to 1e-2 and 1e2), a layer of one unit, a single layer (L = 1), a deep one (L = 6), sizes drawn per
student. Named mistakes: the pre-activations z[l] instead of a[l]; off by one layer (a[l-1]);
the input X included (L + 1 numbers); ddof=1; the mean of per-unit or per-example stds; the
variance; the bias missing; W[l] not transposed; h left out of the last layer; calling nnlib's
forward pass.

``train_with_init(init, hidden, X, t, rng, hidden_sizes, epochs, batch_size, learning_rate)``:
the training loss E (mean over the training set) after every epoch of ``nnlib.fit`` on
``nnlib.MLP([D, *hidden_sizes, K], hidden, "softmax_ce", init=init, rng=rng)``. The network
draws its weights from ``rng`` and ``fit`` then draws the mini-batch orders from it, so a
correct answer reproduces nnlib's own run of the same settings exactly: the judge trains that
run (small networks, at most 8 epochs: cheap) and compares the losses (relative error 1e-8).
The initializers passed are nnlib's, never the student's (one mistake costs points once).
Cases: visible, two moons (N = 60, 3 x 12 units, 8 epochs, batch 15, learning rate 0.3): He
with ReLU, called twice with generators of the same seed (the runs must agree; the loss falls
well below ln 2), and zeros with tanh (the loss stays at ln 2); hidden, four runs drawn per
student with every argument varied: init zeros, Xavier (with ReLU), He, N(0, s^2); hidden tanh,
ReLU, sigmoid in a shuffled order; 1-3 hidden layers of 3-12 units; 2-6 epochs; batch sizes that
leave a remainder, one of them 1; learning rates 0.05-0.6; none of them the defaults; two
spirals or, for one run, three blobs (K = 3); one run called twice. Named mistakes: a History
returned instead of its losses; the accuracies instead of the losses; not one loss per epoch;
not reproducible; init not passed to the MLP (its default initialization); hidden,
hidden_sizes, learning_rate or batch_size not used (a default instead); K, D, the loss or rng
wrong (from nnlib's errors); from zeros, a loss that falls (the symmetry cannot break).

Shared pieces (for any exercise whose answer is a random initializer): :func:`call_watching_global_state`,
:func:`judge_normal_sample`, :func:`judge_reproducible` and :class:`InitializerExercise`.
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable, ClassVar

import numpy as np

from .. import activations, checks, data, init, network, training
from ..gradcheck import relative_error
from ..network import MLP
from .base import Case, Exercise, Wrong
from .common import scaled_rows
from .evidence import Opaque
from .registry import register
from .symbolic import SymbolicAnswer

__all__ = ["InitializerExercise", "HeNormal", "XavierNormal", "ActivationStds", "TrainWithInit",
           "call_watching_global_state", "judge_normal_sample", "judge_reproducible",
           "match_wrong", "K_SE"]

ASSIGNMENT = "06-initialization"
K_SE = 6.0   # how many standard errors a statistic of a correct sample may be off
LN2 = math.log(2.0)


# --- shared pieces: random initializers ----------------------------------------------------
def _same_global_state(a, b) -> bool:
    return (a[0] == b[0] and np.array_equal(a[1], b[1]) and tuple(a[2:]) == tuple(b[2:]))


def call_watching_global_state(fn: Callable, *args, **kwargs) -> tuple[Any, bool]:
    """``(fn(*args, **kwargs), unchanged)``: ``unchanged`` is whether numpy's global random
    state (``np.random.get_state()``, what ``np.random.randn``/``np.random.seed`` use) is the
    same after the call as before. Runs in the kernel; the state is restored afterwards, so a
    student's notebook is not disturbed by the test."""
    before = np.random.get_state()
    try:
        out = fn(*args, **kwargs)
        unchanged = _same_global_state(before, np.random.get_state())
    finally:
        np.random.set_state(before)
    return _plain(out), bool(unchanged)


def _plain(value):
    """Arrays stay arrays; a list/tuple of numbers becomes an array (the evidence carries it as
    .npy bytes, not as one JSON node per number); anything else is left as it is."""
    if isinstance(value, (list, tuple)):
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return value
        return arr
    return value


def _weights(value, what: str, shape: tuple[int, int]) -> np.ndarray:
    """The returned weights as a float array of ``shape``, or :class:`Wrong` saying why not."""
    if value is None:
        raise Wrong(f"{what} returned None. Did you forget `return`?")
    if isinstance(value, Opaque):
        raise Wrong(f"{what} returned {value!r}; return a numpy array of shape {shape}.")
    try:
        W = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise Wrong(f"{what}: expected a numeric array, got {type(value).__name__}") from None
    if W.shape != tuple(shape):
        if W.shape == tuple(shape)[::-1]:
            raise Wrong(f"{what}: transposed shape {W.shape}; a weight matrix W[l] has shape "
                        f"{tuple(shape)} = (fan_out, fan_in) = (n_l, n_(l-1)), the shape passed in.")
        raise Wrong(f"{what}: wrong shape {W.shape}, expected {tuple(shape)} = (fan_out, fan_in) "
                    f"= (n_l, n_(l-1)), the shape passed in.")
    if not np.all(np.isfinite(W)):
        raise Wrong(f"{what}: {int(np.sum(~np.isfinite(W)))} weights are NaN or infinite.")
    return W


def judge_normal_sample(W: np.ndarray, variance: float, what: str, formula: str,
                        wrong: dict[str, float] | None = None, k: float = K_SE) -> str:
    """Decide whether ``W`` (any shape, n entries) looks like a sample of N(0, ``variance``).

    Checked in this order, each within ``k`` standard errors of its estimator: all entries
    equal (no randomness); the mean (standard error sd/sqrt(n), with the sample's own sd, so
    that a wrong variance is not reported as a wrong mean; a mean equal to the standard
    deviation is named as ``rng.normal(std, ...)``); the kurtosis E[w^4]/E[w^2]^2 (3 for a
    normal, 1.8 for a uniform distribution; standard error sqrt(24/n)); the sample variance
    v = mean(w^2) against ``variance`` (standard error variance sqrt(2/n)). ``wrong``: named
    wrong variances ``{description: value}``, reported when v is within k standard errors of
    one. ``formula``: how the variance is written in the message (``"2/fan_in"``).
    Raises :class:`Wrong`; returns a note for the ✔ line.
    """
    W = np.asarray(W, dtype=float)
    n = W.size
    s = math.sqrt(variance)
    if n < 2 or float(np.max(W) - np.min(W)) == 0.0:
        raise Wrong(f"{what}: all {n} weights are equal ({float(W.flat[0]):.3g}). Draw them at "
                    f"random: equal weights never break the symmetry between units.")
    mean, sd = float(W.mean()), float(W.std())
    if abs(mean) > k * sd / math.sqrt(n):
        if abs(mean - s) <= k * sd / math.sqrt(n) + 1e-3 * s:
            raise Wrong(f"{what}: the mean of the weights is {mean:.3g}, the standard deviation "
                        f"sqrt({formula}) = {s:.3g}: rng.normal's first argument is the mean "
                        f"(loc), the second the standard deviation (scale). Write "
                        f"rng.normal(0.0, std, size=shape).")
        raise Wrong(f"{what}: the mean of the weights is {mean:.3g}, but it must be 0 (allowed: "
                    f"|mean| <= {k * sd / math.sqrt(n):.2g}, {k:g} standard errors). Draw from a "
                    f"zero-mean distribution.")
    W2 = W * W
    v = float(np.mean(W2))
    kurtosis = float(np.mean(W2 * W2)) / v ** 2
    se_k = math.sqrt(24.0 / n)
    if abs(kurtosis - 3.0) > k * se_k:
        kind = (" That is the kurtosis of a uniform distribution (1.8): use rng.normal, not "
                "rng.uniform." if abs(kurtosis - 1.8) <= k * se_k else " Use rng.normal.")
        raise Wrong(f"{what}: the weights do not look normally distributed: their kurtosis "
                    f"E[w^4]/E[w^2]^2 is {kurtosis:.2f}, a normal distribution has 3.{kind}")

    def near(target):
        return abs(v - target) <= k * target * math.sqrt(2.0 / n)

    if near(variance):
        return f"variance {v:.4g}, expected {formula} = {variance:.4g}"
    head = (f"{what}: the sample variance of the weights is {v:.4g}, but {formula} = "
            f"{variance:.4g} (allowed: {k:g} standard errors, {100 * k * math.sqrt(2.0 / n):.1f}%)")
    for description, target in (wrong or {}).items():
        if near(target):
            raise Wrong(f"{head}. Your weights match a known mistake: {description}.")
    raise Wrong(f"{head}: {v / variance:.3g} times the expected variance (a standard deviation "
                f"{math.sqrt(v / variance):.3g} times sqrt({formula})).")


def judge_reproducible(first, again, other, what: str, shape: tuple[int, int]) -> None:
    """Raise :class:`Wrong` unless ``first`` and ``again`` (drawn with two generators of the
    same seed) are equal and ``other`` (another seed) differs from ``first``."""
    W1, W2, W3 = (_weights(x, what, shape) for x in (first, again, other))
    if W1.size > 1 and float(np.max(W1) - np.min(W1)) == 0.0:
        raise Wrong(f"{what}: all {W1.size} weights are equal ({float(W1.flat[0]):.3g}). Draw them "
                    f"at random: equal weights never break the symmetry between units.")
    if not np.array_equal(W1, W2):
        raise Wrong(f"{what} called twice with generators of the same seed gave different weights "
                    f"(largest difference {float(np.max(np.abs(W1 - W2))):.3g}): draw every number "
                    f"from the rng passed in (no np.random.default_rng() without a seed, no numpy "
                    f"global state), so that a seed reproduces the run.")
    if np.array_equal(W1, W3):
        raise Wrong(f"{what} returns the same weights for generators with different seeds: it "
                    f"ignores its rng argument (a generator of its own, or a fixed seed?). Draw "
                    f"from the rng passed in.")


GLOBAL_STATE = ("{what} changed numpy's global random state (np.random.randn, np.random.normal, "
                "np.random.seed, ...). Draw every number from the rng passed in, e.g. "
                "rng.normal(0.0, std, size=shape): then a seed reproduces the run, and nothing "
                "else in the program changes the weights.")


def _thin_and_balanced_shapes(rng: np.random.Generator, low: int = 30_000,
                              high: int = 45_000) -> list[tuple[int, int]]:
    """Three non-square shapes ``(fan_out, fan_in)`` with ``low..high`` entries: tall
    (fan_out >= 1.5 fan_in), wide (fan_in >= 1.5 fan_out), thin (one side 1..4)."""
    shapes = []
    for tall in (True, False):
        n, r = int(rng.integers(low, high)), float(rng.uniform(1.6, 5.0))
        small = max(1, int(round(math.sqrt(n / r))))
        big = int(round(n / small))
        shapes.append((big, small) if tall else (small, big))
    side = int(rng.integers(1, 5))
    big = int(rng.integers(low, high)) // side
    shapes.append((big, side) if rng.random() < 0.5 else (side, big))
    return shapes


class InitializerExercise(Exercise):
    """The checker of an initializer ``f(shape, rng) -> W`` drawing N(0, s^2) weights.

    A subclass sets ``name``, ``assignment``, ``formula`` (the variance as written in the
    messages, e.g. ``"2/fan_in"``) and defines :meth:`variance` and :meth:`wrong_variances`
    (``{description: variance}`` of the named mistakes); it inherits the cases (one
    reproducibility case and one statistics case visible, a reproducibility case and three
    non-square statistics cases hidden, ``_thin_and_balanced_shapes``), the call (numpy's global
    state watched in the kernel) and the judgment (:func:`judge_normal_sample`,
    :func:`judge_reproducible`).

    Case data: ``kind`` (``"stats"`` or ``"repro"``), ``seeds`` (of the generators passed).
    """

    references = (init.he_normal, init.he_uniform, init.xavier_normal, init.xavier_uniform)
    # each student's evidence carries ~150k weights; a correct sample's chance of failing is
    # shown analytically (6 standard errors) and by tests/test_grader_initialization.py
    test_students = 20
    formula: ClassVar[str] = ""
    visible_shape: ClassVar[tuple[int, int]] = (240, 150)     # fan_out = 240, fan_in = 150

    def variance(self, fan_in: int, fan_out: int) -> float:
        raise NotImplementedError

    def wrong_variances(self, fan_in: int, fan_out: int) -> dict[str, float]:
        return {}

    # cases
    def _repro(self, shape, seed):
        return Case(f"shape {shape}, generators of seeds {seed}, {seed}, {seed + 1}: reproducible, "
                    f"numpy's global random state untouched",
                    (shape,), data={"kind": "repro", "seeds": (seed, seed, seed + 1)})

    def _stats(self, shape, seed):
        fan_out, fan_in = shape
        return Case(f"shape {shape}: fan_out = {fan_out}, fan_in = {fan_in}, seed {seed}", (shape,),
                    data={"kind": "stats", "seeds": (seed,)})

    def fixed_cases(self):
        return [self._repro((30, 20), 5), self._stats(self.visible_shape, 0)]

    def cases(self, rng):
        odd = (int(rng.integers(2, 12)) * 2 + 1, int(rng.integers(2, 12)) * 2)  # odd x even
        out = [self._repro(odd if rng.random() < 0.5 else odd[::-1], int(rng.integers(1, 2**31)))]
        out += [self._stats(s, int(rng.integers(2**31))) for s in _thin_and_balanced_shapes(rng)]
        return out

    # the call, in the kernel
    def call(self, fn, case):
        (shape,) = case.args
        draws, unchanged = [], True
        for seed in case.data["seeds"]:
            W, same = call_watching_global_state(fn, tuple(shape), np.random.default_rng(seed))
            draws.append(W)
            unchanged = unchanged and same
        return {"weights": draws, "global_state_unchanged": unchanged}

    # the decision
    def judge(self, case, output):
        (shape,) = case.args
        what = f"{self.name}({tuple(shape)}, rng)"
        if not isinstance(output, dict) or not isinstance(output.get("weights"), (list, tuple)):
            raise Wrong("the recorded result has an unexpected form")
        draws = list(output["weights"])
        if len(draws) != len(case.data["seeds"]):
            raise Wrong("the recorded result has an unexpected number of draws")
        if output.get("global_state_unchanged") is not True:
            raise Wrong(GLOBAL_STATE.format(what=what))
        fan_out, fan_in = shape
        if case.data["kind"] == "repro":
            judge_reproducible(*draws, what=what, shape=tuple(shape))
            return None
        W = _weights(draws[0], what, tuple(shape))
        wrong = {d: v for d, v in self.wrong_variances(fan_in, fan_out).items()}
        return judge_normal_sample(W, self.variance(fan_in, fan_out), what, self.formula, wrong)

    def explain_error(self, case, error, message):
        if error == "AttributeError" and "Generator" in message:
            return (f"{error}: {message}. rng is a np.random.Generator: it draws with "
                    f"rng.normal(loc, scale, size) or rng.standard_normal(size) (it has no randn).")
        if error == "TypeError" and ("unpack" in message or "not iterable" in message):
            return (f"{error}: {message}. shape is one tuple (fan_out, fan_in): unpack it with "
                    f"fan_out, fan_in = shape.")
        return None


@register
class HeNormal(InitializerExercise):
    name = "he_normal"
    assignment = ASSIGNMENT
    formula = "2/fan_in"

    def variance(self, fan_in, fan_out):
        return 2.0 / fan_in

    def wrong_variances(self, fan_in, fan_out):
        return {
            "variance 1/fan_in instead of 2/fan_in (a ReLU zeroes half of its inputs, so He "
            "doubles it)": 1.0 / fan_in,
            "fan_in and fan_out swapped: the variance is 2/fan_out, but fan_in = shape[1] = "
            "n_(l-1)": 2.0 / fan_out,
            "the variance 2/fan_in was used as the standard deviation (np.sqrt missing)":
                (2.0 / fan_in) ** 2,
            "the Xavier variance 2/(fan_in + fan_out), not He's 2/fan_in": 2.0 / (fan_in + fan_out),
            "variance 6/fan_in: that is r^2 of the uniform version U[-r, r]; a normal with the "
            "same variance has 2/fan_in = r^2/3": 6.0 / fan_in,
            "standard deviation np.sqrt(2) / fan_in instead of np.sqrt(2 / fan_in) (the square "
            "root of the whole fraction)": 2.0 / fan_in ** 2,
            "variance 1/fan_out: fans swapped and the factor 2 missing": 1.0 / fan_out,
        }


@register
class XavierNormal(InitializerExercise):
    name = "xavier_normal"
    assignment = ASSIGNMENT
    formula = "2/(fan_in + fan_out)"

    def variance(self, fan_in, fan_out):
        return 2.0 / (fan_in + fan_out)

    def wrong_variances(self, fan_in, fan_out):
        return {
            "variance 1/fan_in: Xavier uses both fans, 2/(fan_in + fan_out)": 1.0 / fan_in,
            "variance 1/fan_out: Xavier uses both fans, 2/(fan_in + fan_out)": 1.0 / fan_out,
            "the He variance 2/fan_in, not Xavier's 2/(fan_in + fan_out)": 2.0 / fan_in,
            "the variance 2/(fan_in + fan_out) was used as the standard deviation (np.sqrt "
            "missing)": (2.0 / (fan_in + fan_out)) ** 2,
            "variance 1/(fan_in + fan_out): the factor 2 is missing": 1.0 / (fan_in + fan_out),
            "variance 6/(fan_in + fan_out): that is r^2 of the uniform version U[-r, r]; a "
            "normal with the same variance has 2/(fan_in + fan_out) = r^2/3": 6.0 / (fan_in + fan_out),
            "standard deviation np.sqrt(2) / (fan_in + fan_out) instead of "
            "np.sqrt(2 / (fan_in + fan_out))": 2.0 / (fan_in + fan_out) ** 2,
            "the He variance for fan_out, 2/fan_out": 2.0 / fan_out,
        }


# --- shared piece: named variants that may differ in shape or hold NaN ----------------------
def match_wrong(got, wrong: dict[str, Any], rtol: float = 1e-6) -> str | None:
    """The description of the first of ``wrong`` (``{description: array}``) that ``got``
    equals: same shape, NaN in the same places, relative error at most ``rtol`` elsewhere.
    Unlike ``checks.check_array``'s ``wrong=``, a variant may have another shape than the
    right answer (e.g. one number too many) or be undefined somewhere (ddof=1 on one entry)."""
    try:
        g = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None
    for description, alt in wrong.items():
        alt = np.asarray(alt, dtype=float)
        if alt.shape != g.shape:
            continue
        nan_g, nan_a = ~np.isfinite(g), ~np.isfinite(alt)
        if not np.array_equal(nan_g, nan_a):
            continue
        keep = ~nan_a
        if not keep.any() or relative_error(g[keep], alt[keep]) <= rtol:
            return description
    return None


# --- activation_stds -----------------------------------------------------------------------
_H = {"tanh": activations.tanh, "relu": activations.relu, "sigmoid": activations.sigmoid}


@register
class ActivationStds(Exercise):
    name = "activation_stds"
    assignment = ASSIGNMENT
    references = (network.forward, network.dense, MLP.forward)
    rtol: ClassVar[float] = 1e-6

    @staticmethod
    def _case(label_extra, X, W, b, h):
        sizes = [X.shape[1]] + [w.shape[0] for w in W[1:]]
        label = (f"N={X.shape[0]}, sizes {'-'.join(map(str, sizes))}, {h}"
                 + (f", {label_extra}" if label_extra else ""))
        return Case(label, (X, W, b, _H[h]), data={"h": h})

    def fixed_cases(self):
        X = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, 1.0], [2.0, 0.0, -1.0], [-1.0, 0.5, 0.0]])
        W = [None, np.array([[0.5, -0.3, 0.8], [-0.2, 0.4, 0.1]]),
             np.array([[1.0, -1.5], [0.3, 0.7], [-0.6, 0.2]])]
        b = [None, np.array([0.1, -0.2]), np.array([0.0, 0.5, -0.5])]
        return [self._case("", X, W, b, "tanh")]

    def cases(self, rng):
        out = []
        kinds = ["square", "batch of one", "rows of very different scale", "a layer of one unit",
                 "one layer", "deep"]
        names = ["tanh", "relu", "sigmoid"]
        first = int(rng.integers(3))
        for k, kind in enumerate(kinds):
            h = names[(first + k) % 3]
            L = {"one layer": 1, "deep": 6}.get(kind, int(rng.integers(2, 5)))
            if kind == "square":
                sizes = [int(rng.integers(2, 6))] * (L + 1)
            else:
                sizes = [int(n) for n in rng.integers(2, 8, size=L + 1)]
                if kind == "a layer of one unit":
                    sizes[int(rng.integers(1, L + 1))] = 1
            N = 1 if kind == "batch of one" else int(rng.integers(3, 7))
            if kind == "rows of very different scale":   # and surely so: 1e-2 to 1e2
                X = scaled_rows(rng, N, sizes[0], decades=2.0)
                X[:2] *= 10.0 ** (np.array([[-2.0], [2.0]]) - np.log10(np.abs(X[:2]).max(axis=1, keepdims=True)))
            else:
                X = rng.normal(size=(N, sizes[0]))
            W = [None] + [rng.normal(size=(sizes[l], sizes[l - 1])) for l in range(1, L + 1)]
            b = [None] + [rng.normal(size=sizes[l]) for l in range(1, L + 1)]
            out.append(self._case(kind, X, W, b, h))
        return out

    @staticmethod
    def _reference(X, W, b, h):
        """Expected stds and named wrong variants, from nnlib.network.dense layer by layer."""
        L = len(W) - 1
        a, zs, acts = np.asarray(X, dtype=float), [], [np.asarray(X, dtype=float)]
        for l in range(1, L + 1):
            z, a = network.dense(a, W[l], b[l], h, layer=l)
            zs.append(z)
            acts.append(a)
        A = acts[1:]
        with np.errstate(all="ignore"):
            wrong = {
                "the standard deviation of the pre-activations z[l], not of the activations "
                "a[l] = h(z[l])": [z.std() for z in zs],
                "off by one layer: entry l-1 holds the std of a[l-1] (starting with the input X), "
                "not of a[l]": [a.std() for a in acts[:-1]],
                "the input a[0] = X is included (L + 1 numbers); it is not a layer with weights: "
                "return the stds of a[1], ..., a[L] only": [a.std() for a in acts],
                "sample standard deviation with ddof=1; use np.std's default ddof=0":
                    [a.std(ddof=1) for a in A],
                "the mean of the per-unit standard deviations (axis=0), not the std of all "
                "N * n_l entries": [a.std(axis=0).mean() for a in A],
                "the mean of the per-example standard deviations (axis=1), not the std of all "
                "N * n_l entries": [a.std(axis=1).mean() for a in A],
                "the variance (np.var), not the standard deviation": [a.var() for a in A],
            }
            a, nobias, nolast, trans = acts[0], [], [], []
            for l in range(1, L + 1):
                a = h(a @ W[l].T)
                nobias.append(a.std())
            wrong["the bias b[l] is missing: a[l] = h(a[l-1] W[l]^T) instead of "
                  "h(a[l-1] W[l]^T + b[l])"] = nobias
            a = acts[0]
            for l in range(1, L + 1):
                z = a @ W[l].T + b[l]
                a = z if l == L else h(z)
                nolast.append(a.std())
            wrong["h is left out of the last layer; here every layer, the last too, applies h"] = nolast
            if all(w.shape[0] == w.shape[1] for w in W[1:]) and acts[0].shape[1] == W[1].shape[0]:
                a = acts[0]
                for l in range(1, L + 1):
                    a = h(a @ W[l] + b[l])
                    trans.append(a.std())
                wrong["W[l] not transposed: a[l-1] W[l] + b[l] instead of a[l-1] W[l]^T + b[l]"] = trans
        return np.array([a.std() for a in A]), wrong

    def judge(self, case, output):
        X, W, b, h = case.args
        L = len(W) - 1
        expected, wrong = self._reference(X, W, b, h)
        what = f"activation_stds for {L} layer{'s' if L > 1 else ''} with {case.data['h']}"
        got = output
        if isinstance(got, Opaque):
            raise Wrong(f"{what}: returned {got!r}; return a numpy array of shape (L,) = ({L},).")
        try:
            checks.check_array(got, expected, what, rtol=self.rtol)
            return None
        except AssertionError as e:
            named = match_wrong(got, wrong, self.rtol)
            if named:
                raise Wrong(f"{what}: your answer matches a known mistake: {named}.") from None
            if np.shape(got) == (L + 1,):
                raise Wrong(f"{what}: you returned L + 1 = {L + 1} numbers for a network with "
                            f"L = {L} layers. The input a[0] = X is not a layer with weights: "
                            f"return the stds of a[1], ..., a[L] only.") from None
            raise Wrong(str(e)) from None

    def explain_error(self, case, error, message):
        X, W, b, h = case.args
        if error in ("TypeError", "AttributeError") and "NoneType" in message:
            return (f"{error}: {message}. W[0] and b[0] are None (layers are numbered from 1): "
                    f"loop over l = 1, ..., L = len(W) - 1.")
        if error == "ValueError" and ("matmul" in message or "shapes" in message
                                      or "broadcast" in message):
            return (f"{error}: {message}. With batches as rows, a[l] = h(a[l-1] @ W[l].T + b[l]): "
                    f"a[l-1] is (N, n_(l-1)), W[l] is (n_l, n_(l-1)), b[l] is (n_l,). (Did you "
                    f"forget to transpose W[l]?)")
        return None


# --- train_with_init -----------------------------------------------------------------------
_INITS = {"zeros": init.zeros, "Xavier": init.xavier_normal, "He": init.he_normal}
_DEFAULTS = dict(hidden_sizes=(32,) * 6, epochs=30, batch_size=50, learning_rate=0.2)


def _blobs(rng, n, k=3):
    """``n`` points in the plane around ``k`` centres on a circle (class ids 0..k-1)."""
    t = np.arange(n) % k
    angles = 2 * np.pi * t / k
    X = np.column_stack([np.cos(angles), np.sin(angles)]) * 1.5 + rng.normal(0.0, 0.6, size=(n, 2))
    return X, t


_RUNS: dict = {}   # (case digest, variant) -> History: the judge trains each run once per process


def _cached_run(case: Case, variant: str, **run) -> training.History:
    """:func:`_reference_losses`'s History for ``case`` (and a named ``variant`` of its
    settings), computed once per process: the same student's case is judged again and again
    by the tests, and a run depends on the case's inputs only."""
    from .runner import case_digest
    key = (case_digest(case), variant)
    if key not in _RUNS:
        if len(_RUNS) > 512:
            _RUNS.clear()
        try:
            with np.errstate(all="ignore"):
                _RUNS[key] = _reference_losses(return_history=True, **run)
        except Exception as e:   # a variant nnlib refuses (or that diverges): no candidate
            _RUNS[key] = e
    out = _RUNS[key]
    if isinstance(out, Exception):
        raise out
    return out


def _reference_losses(init_fn, hidden, X, t, seed, hidden_sizes, epochs, batch_size,
                      learning_rate, K=None, return_history=False):
    """nnlib's own run of the exercise's recipe: MLP([D, *hidden_sizes, K], hidden,
    "softmax_ce", init, rng), then fit with the same rng. The training loss per epoch."""
    rng = np.random.default_rng(seed)
    K = int(np.max(t)) + 1 if K is None else K
    net = MLP([X.shape[1], *hidden_sizes, K], hidden=hidden, loss="softmax_ce", init=init_fn, rng=rng)
    hist = training.fit(net, X, t, epochs=epochs, batch_size=batch_size,
                        learning_rate=learning_rate, rng=rng)
    return hist if return_history else np.array(hist.loss)


@functools.lru_cache(maxsize=1)
def _visible_moons():
    return data.moons(60, noise=0.1, rng=np.random.default_rng(7))


@register
class TrainWithInit(Exercise):
    name = "train_with_init"
    assignment = ASSIGNMENT
    test_students = 5        # each judgment trains a few small networks
    rtol: ClassVar[float] = 1e-8

    @staticmethod
    def _case(init_name, init_fn, hidden, X, t, seed, data_name, twice=False, **settings):
        s = settings
        label = (f"{data_name} N={X.shape[0]}, {init_name}, {hidden}, hidden {tuple(s['hidden_sizes'])}, "
                 f"{s['epochs']} epochs, batch {s['batch_size']}, learning rate {s['learning_rate']:g}, "
                 f"seed {seed}" + (", run twice" if twice else ""))
        return Case(label, (init_fn, hidden, X, t), dict(settings),
                    data={"seed": seed, "init": init_name, "twice": twice})

    def fixed_cases(self):
        X, t = (a.copy() for a in _visible_moons())
        settings = dict(hidden_sizes=(12,) * 3, epochs=8, batch_size=15, learning_rate=0.3)
        return [self._case("He", init.he_normal, "relu", X, t, 11, "two moons", twice=True,
                           **settings),
                self._case("zeros", init.zeros, "tanh", X, t, 11, "two moons", **settings)]

    def cases(self, rng):
        out = []
        hiddens = ["tanh", "relu", "sigmoid"]
        rng.shuffle(hiddens)
        plan = [("zeros", hiddens[0]), ("Xavier", "relu"), ("He", hiddens[1]),
                ("normal", hiddens[2])]
        three = int(rng.integers(1, 4))          # which of the learning runs has 3 classes
        for k, (init_name, hidden) in enumerate(plan):
            N = int(rng.integers(12, 21)) if k == 2 else int(rng.integers(24, 49))
            if k == three:
                X, t = _blobs(rng, N)
                data_name = "three blobs"
            else:
                X, t = data.spirals(N, noise=0.1, turns=0.75, rng=rng)
                data_name = "two spirals"
            if init_name == "normal":
                s = float(rng.choice([0.05, 0.2, 0.5]))
                init_fn, init_name = init.normal(s), f"N(0, {s:g}^2)"
            else:
                init_fn = _INITS[init_name]
            batch = 1 if k == 2 else int(rng.integers(5, 19))
            while N % batch == 0 and batch > 1:       # leave a remainder batch
                batch += 1
            settings = dict(
                hidden_sizes=tuple(int(n) for n in rng.integers(3, 13, size=int(rng.integers(1, 4)))),
                epochs=2 if batch == 1 else int(rng.integers(3, 7)),
                batch_size=batch,
                learning_rate=round(float(rng.uniform(0.05, 0.6)), 3))
            out.append(self._case(init_name, init_fn, hidden, X, t, int(rng.integers(2**31)),
                                  data_name, twice=(k == 1), **settings))
        return out

    def call(self, fn, case):
        runs = []
        for _ in range(2 if case.data["twice"] else 1):
            got = fn(*case.args, np.random.default_rng(case.data["seed"]), **case.kwargs)
            if isinstance(got, training.History):  # say what it was, rather than "opaque"
                return {"history": True}
            runs.append(_plain(got))
        return {"first": runs[0], "again": runs[-1]}

    def _losses(self, value, epochs):
        if value is None:
            raise Wrong("train_with_init returned None. Did you forget `return`?")
        if isinstance(value, Opaque):
            raise Wrong(f"train_with_init returned {value!r}; return the list of training losses "
                        f"(history.loss).")
        try:
            got = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise Wrong(f"train_with_init: expected a list of numbers, got {type(value).__name__}") from None
        if got.shape != (epochs,):
            raise Wrong(f"train_with_init should return one training loss per epoch, {epochs} "
                        f"numbers for epochs={epochs}; got shape {got.shape}. Pass epochs to "
                        f"nnlib.fit and return history.loss.")
        if not np.all(np.isfinite(got)):
            raise Wrong(f"train_with_init: the losses are not all finite: {got}")
        return got

    def judge(self, case, output):
        init_fn, hidden, X, t = case.args
        s = case.kwargs
        seed = case.data["seed"]
        if isinstance(output, dict) and output.get("history"):
            raise Wrong("train_with_init returned a History; return its list of losses, history.loss.")
        if not isinstance(output, dict) or "first" not in output or "again" not in output:
            raise Wrong("the recorded result has an unexpected form")
        got = self._losses(output["first"], s["epochs"])
        again = self._losses(output["again"], s["epochs"])
        if not np.array_equal(got, again):
            raise Wrong("train_with_init called twice with generators of the same seed gave "
                        f"different losses ({got[-1]:.6g} and {again[-1]:.6g} after the last "
                        "epoch): pass rng to nnlib.MLP and to nnlib.fit, and no other source of "
                        "randomness.")
        hist = _cached_run(case, "", init_fn=init_fn, hidden=hidden, X=X, t=t, seed=seed, **s)
        expected = np.array(hist.loss)
        if relative_error(got, expected) <= self.rtol:
            return f"loss {expected[0]:.3f} after epoch 1, {expected[-1]:.3f} after epoch {len(expected)}"
        what = "train_with_init"
        head = (f"{what}: your losses differ from those of nnlib's run with the same settings and a "
                f"generator of the same seed (relative error {relative_error(got, expected):.2e})")
        if relative_error(got, np.array(hist.accuracy)) <= self.rtol:
            raise Wrong(f"{head}: they are the accuracies; return history.loss, not history.accuracy.")
        for description, settings in self._variants(case):
            settings = dict(settings)
            alt_init = settings.pop("init", init_fn)
            alt_hidden = settings.pop("hidden", hidden)
            try:
                alt = np.array(_cached_run(case, description, init_fn=alt_init, hidden=alt_hidden,
                                           X=X, t=t, seed=seed, **settings).loss)
            except Exception:   # a variant nnlib refuses (or that diverges) is no candidate
                continue
            if relative_error(got, alt) <= self.rtol:
                raise Wrong(f"{head}. Your losses match a known mistake: {description}.")
        if case.data["init"] == "zeros" and got.min() < 0.9 * LN2:
            raise Wrong(f"{head}: from zero weights the loss fell to {got.min():.3f}, but a "
                        f"zero-initialized network cannot learn (its hidden units stay identical, "
                        f"section 1): it stays near ln 2 = {LN2:.3f}. Do you pass init=init to "
                        f"nnlib.MLP?")
        k = int(np.argmax(np.abs(got - expected) > self.rtol * np.abs(expected)))
        raise Wrong(f"{head}, from epoch {k + 1} on (got {got[k]:.6g}, expected {expected[k]:.6g}). "
                    f"Build nnlib.MLP([D, *hidden_sizes, K], hidden=hidden, loss=\"softmax_ce\", "
                    f"init=init, rng=rng) and train it with nnlib.fit(net, X, t, epochs=epochs, "
                    f"batch_size=batch_size, learning_rate=learning_rate, rng=rng).")

    @staticmethod
    def _variants(case):
        """(description, settings of the run) of the named mistakes, a setting ignored or
        replaced by a default."""
        init_fn, hidden, X, t = case.args
        s = dict(case.kwargs)
        out = [("init is not passed to nnlib.MLP, so it uses its default initialization "
                "(init='auto') instead of the init given", {**s, "init": "auto"})]
        if hidden != "tanh":
            out.append((f"the hidden activation is not passed to nnlib.MLP (it used tanh, not "
                        f"{hidden})", {**s, "hidden": "tanh"}))
        for key, label in (("learning_rate", "learning rate"), ("batch_size", "batch size")):
            for default, whose in ((_DEFAULTS[key], "train_with_init's default"),
                                   ({"learning_rate": 0.1, "batch_size": 32}[key], "fit's default")):
                if s[key] != default:
                    out.append((f"the {label} given is not used ({key}={default}, {whose}, instead "
                                f"of {s[key]})", {**s, key: default}))
        out.append(("hidden_sizes is not used (the default (32,) * 6 instead of "
                    f"{tuple(s['hidden_sizes'])})", {**s, "hidden_sizes": _DEFAULTS["hidden_sizes"]}))
        return out

    def explain_error(self, case, error, message):
        if "class ids must be in" in message:
            return (f"{error}: {message}. The output layer has K = t.max() + 1 units, one per "
                    f"class (class ids 0, ..., K-1).")
        if "but the network expects" in message:
            return (f"{error}: {message}. The input layer has D = X.shape[1] units (X is (N, D), "
                    f"batches are rows).")
        if "targets T have shape" in message:
            return (f"{error}: {message}. Use loss=\"softmax_ce\", which takes class ids t of "
                    f"shape (N,).")
        if "rng=" in message and error == "TypeError":
            return (f"{error}: {message}. Pass rng=rng to nnlib.MLP (the initialization) and to "
                    f"nnlib.fit (the mini-batch order).")
        if error == "TrainingDiverged":
            return (f"{error}: {message}. nnlib's run with these settings does not diverge: check "
                    f"that init, hidden_sizes and learning_rate are the ones given.")
        return None


# --- "show that": He's second moment of a ReLU unit, as a formula (nnlib/graders/symbolic.py) ---
@register
class ReluSecondMoment(SymbolicAnswer):
    """E[h^2] of a ReLU unit whose pre-activation sums d inputs with weights of variance s^2."""

    name = "relu_second_moment"
    assignment = ASSIGNMENT
    symbols = ("d", "s")
    domain = {"d": [1.0, 2.0, 7.0, 64.0, 300.0], "s": (0.01, 2.0)}
    what = "E[h^2] for h = max(0, z), z = sum_j w_j x_j"
    expected = "d*s**2/2"
    mistakes = {
        "the ReLU keeps only the positive half of the symmetric z: E[max(0, z)^2] = Var(z) / 2":
            "d*s**2",
        "the sum over the d inputs is missing: Var(z) = d s^2 E[x^2]": "s**2/2",
        "s is the standard deviation of the weights; their variance is s^2": "d*s/2",
        "the d terms of the sum are independent: their variances add up to d s^2, not d^2 s^2":
            "d**2*s**2/2",
        "half of Var(z), not a quarter: the zeros of the negative half add nothing to E[h^2]":
            "d*s**2/4",
    }
