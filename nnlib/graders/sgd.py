"""Checkers of notebook 07-sgd (mini-batch stochastic gradient descent).

``minibatches(n, batch_size, rng)``: the index arrays of one epoch. Checked by properties, not
against one permutation: 1-D integer arrays; every index 0..n-1 exactly once; sizes
``batch_size`` with the remainder ``n % batch_size`` last; a new order on a second call with
the same generator (reshuffled every epoch); the same order for the same generator state
whatever numpy's global random state; another order for another generator. Each case calls the
function five times (two epochs, two fresh generators of one seed with different global seeds,
one other generator); the evidence is each call's batch sizes, index order, dimensions and dtype
kinds. Cases: visible ``n=10, batch_size=4``; hidden, six with ``n`` from 10 to 300 and
``batch_size`` = 1, = n, > n, a divisor of n (no remainder) and two with a remainder, each with
its own generator seeds. Named mistakes: the last, partial batch dropped (remainder missing);
an example repeated or never used (no permutation); batch sizes other than ``batch_size`` with
the remainder last (e.g. ``np.array_split``); the same order every call (no reshuffling);
numpy's global random state used instead of ``rng``; a fixed order independent of ``rng``;
batches not 1-D, indices not integers.

``sgd_step(W, b, dW, db, vW, vb, learning_rate, momentum, weight_decay)``: one step of classical
momentum with L2 weight decay, in place, compared with ``nnlib.training.sgd_step`` on copies of
the same inputs (``W``, ``b``, ``vW``, ``vb`` after the step, every layer). Cases: visible, one
layer (2, 3) with earlier velocities, and the plain step (momentum 0, decay 0); hidden, six
networks of 1 to 3 layers with odd, non-square shapes (a layer of one unit among them), earlier
velocities that are not zero, and learning rate, momentum and weight decay all drawn per case
(one case with momentum 0, one with weight decay 0). Named mistakes: weight decay missing or
with the wrong sign; the biases decayed too; momentum step with the wrong sign (uphill);
W <- W - v; W moved with the old velocity; weight decay applied outside the velocity (before or
after the momentum step); the other velocity convention (v <- mu v + g, W <- W - eta v);
momentum ignored in the velocity; a layer or the biases not updated; new lists returned instead
of updating in place; the gradients dW, db changed in place.

``warmup(learning_rate, warmup_steps)``: the linear warm-up schedule (Goyal et al. 2017, sec.
2.2), a function of the step s returning eta min(1, (s + 1) / S), constant for S = 0; its values
at the steps of the ramp, its end and long after it are compared with ``nnlib.training.warmup``
(relative error 1e-9). Cases: visible, eta = 0.5 with S = 4, and S = 0; hidden, S = 0, 1, one
of 2..7, 10..39 and 50..199, each with its own eta. Named mistakes: a number returned instead
of the schedule; ZeroDivisionError for S = 0; not constant for S = 0; the ramp starting at 0
(s / S); no min (growing after the warm-up); integer division; a ramp of S + 1 steps; a ramp
downwards; no warm-up; a ramp ending at eta / S.

``gradients(net, X, y)``: ``(E, dW, db)`` of a mini-batch with the student's own forward and
backward passes (their 03 and 04 code), compared with nnlib's ``net.forward`` / ``net.backward``
and the loss's value (relative error 1e-6); calling any of nnlib's passes or loss values fails.
The network is an ``nnlib.MLP`` built from the case's seed with biases that are not zero and an
output layer scaled so that |z[L]| <= 8. Cases: visible, [3, 4, 3] tanh softmax with class ids
(N = 5) and [2, 3, 4, 2] ReLU sum-of-squares (N = 4); hidden, one network per activation of the
registry at depths 2 to 4, the four canonical pairs (softmax with class ids and with one-hot
rows, sum-of-squares, binary cross-entropy, logistic with -1/+1 targets), odd widths, a batch of
one, a network of equal widths, and two of depth 1. Named mistakes: the batch's sum instead of
the mean (in the deltas or in E); db the mean of delta (1/N twice); db summed over the wrong
axis; dW transposed; h' missing or evaluated at a; the hidden activation at the output layer;
the (y - t)/N delta for the logistic pair; sigma'(z) in the delta of sigmoid with cross-entropy;
h'(z[L]) in the output delta; W[l] for W[l+1] and a[l] for a[l-1] (equal widths); E without the
1/2, averaged over the outputs, or the vector of E_n; the net changed; not a triple.

``train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng,
warmup_steps=0)``: the loop alone. While it runs, the notebook's names ``minibatches``,
``sgd_step``, ``gradients`` and ``warmup`` are nnlib's (through ``upstream``, so helper
functions of the student's see them too), wrapped to log every call: the arguments of each
``minibatches`` call (n, batch size, the given ``rng``), each ``gradients`` call (rows, the
trained net, before which step), the learning rate, momentum and weight decay of each
``sgd_step`` call, which epoch it belongs to, and whether the velocities it receives are the
ones the previous step left (or zeros at the first step). The evidence is that log, the final
``W``, ``b`` and the returned loss history; the judge compares the learning rate of every step
with the warm-up schedule and the rest with ``nnlib.fit(..., warmup_steps=S)`` run on the same
network and seed (relative error 1e-6). Cases: visible, 30 examples, batch size 8, 3 epochs,
without warm-up and with S = 6 (across the first epoch boundary); hidden, four with the loss
(softmax cross-entropy with class ids or one-hot rows, sum-of-squares, binary cross-entropy),
the hidden activation, the sizes, N, epochs (1 to 5), batch size (1, N, and two others with a
remainder), learning rate, momentum (one case 0), weight decay (one case 0) and warm-up (longer
than an epoch; over several one-step epochs; none) all drawn per case. Named mistakes:
minibatches not called once per epoch (e.g. drawn once before the loop) or with other
arguments; gradients never called (nnlib's backward pass used instead), or a step without it;
steps missing or extra; the learning rate divided by the batch size; momentum and learning rate
swapped, or values that are not the arguments; the warm-up missing, its step counter reset every
epoch, counting epochs, read one step late or early, warmup called with other arguments; the
warmup_steps parameter missing; the velocities reset (every epoch or every step) or not zeros at
the start; ``net.W`` not updated; the gradient taken on the whole training set each step; as the
history: E of the last mini-batch, E before the epoch, the mean of the mini-batch errors during
the epoch, E with the weight-decay penalty, the accuracy, the error before training included, a
history of the wrong length.

``train_digits(X, y, rng)``: the capstone, run with the student's own ``train``,
``minibatches``, ``warmup``, ``gradients`` (their forward and backward passes) and ``sgd_step``
(no reference is swapped in; nnlib's ``fit``, ``SGD.step``, ``sgd_step`` and ``minibatches``
must not run, and a run of nnlib's backward pass, ``net.backward`` or ``net.gradients``, fails
the case with its count). No wall clock decides: the work is bounded instead. The kernel
counts every call of the student's ``gradients`` (and of nnlib's backward pass, should one
run): at most :data:`MAX_STEPS` steps, and at most :data:`MAX_WORK` examples through them
times the network's parameters (the solution needs 230 steps and about 6.9e7; 15 epochs of
mini-batches of 32 need 675 steps and 1.0e8). A run that passes a bound is stopped at its next
``sgd_step`` call, so that the bound also bounds its time. The judge rebuilds the returned
network from its ``W``, ``b``, sizes and activations and computes its accuracy on the held-out
test set of ``nnlib.data.digits()`` in the trusted process: at least :data:`MIN_ACCURACY` is
required (the solution reaches 0.969 to 0.978 on seeds 0 to 7). Cases: visible, seed 1;
hidden, one seed drawn for the student. When the accuracy is too low the message names the
piece that is wrong, from evidence recorded in the same call: the learning rate that ``train``
passes to ``sgd_step`` (divided by the batch size?), the student's ``gradients``, ``sgd_step``,
``minibatches`` and ``warmup`` run on their visible cases (judged as above), and a history
that became NaN or infinite (diverged).
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import math
import sys
import warnings

import numpy as np

from .. import activations, checks, data, network, training
from ..losses import Loss
from ..network import MLP
from .base import Case, Exercise, Wrong
from .common import TRANSPOSED_DW, check_gradient_shapes
from .registry import register
from .runner import replaced_globals

ASSIGNMENT = "07-sgd"

# train_digits: the bounds on the work of one training run, and the accuracy required
MAX_STEPS = 1500
MAX_WORK = 3e8
MIN_ACCURACY = 0.95


__all__ = ["Minibatches", "SgdStep", "Warmup", "Gradients", "Train", "TrainDigits", "MAX_STEPS",
           "MAX_WORK", "MIN_ACCURACY", "WorkBoundReached", "count_backward", "quiet",
           "reference_sgd_step", "reference_gradients"]


class WorkBoundReached(BaseException):
    """Raised at the next ``sgd_step`` once a capstone run has passed a work bound: the run is
    stopped there (a BaseException, so that an ``except Exception`` in the training code does
    not swallow it)."""


# --------------------------------------------------------------------------------------------
# shared pieces (candidates for nnlib.graders.common)
# --------------------------------------------------------------------------------------------
@contextlib.contextmanager
def quiet():
    """No floating-point warnings while the block runs: a diverging run must not write to
    stderr (the judge fails a test cell that did), its NaN weights are the evidence."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


@contextlib.contextmanager
def count_backward(counter: dict):
    """Count the backward passes run inside the block, however they are reached
    (``net.backward``, ``nnlib.backward``, ``nnlib.network.backward``): ``counter['steps']``
    calls, ``counter['work']`` the sum over calls of (examples in the batch) x (parameters
    of the network). Chains to the profiler already installed (``checks.forbid``'s)."""
    code = network.backward.__code__
    previous = sys.getprofile()
    counter.setdefault("steps", 0)
    counter.setdefault("work", 0.0)

    def profiler(frame, event, arg):
        if event == "call" and frame.f_code is code:
            counter["steps"] += 1
            try:
                loc = frame.f_locals
                rows = np.shape(loc["fp"].a[0])[0]
                params = sum(np.size(w) + np.shape(w)[0] for w in loc["W"][1:])
                counter["work"] += float(rows) * float(params)
            except Exception:  # an odd call: counted as a step, its work unknown
                counter["work"] = math.inf
        if previous is not None:
            previous(frame, event, arg)

    sys.setprofile(profiler)
    try:
        yield counter
    finally:
        sys.setprofile(previous)


def _layers(arrays):
    return [None] + [np.array(a, dtype=float) for a in arrays[1:]]


def _float(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def _fmt(x):
    return f"{x:.6g}" if isinstance(x, (int, float)) else repr(x)


# --------------------------------------------------------------------------------------------
# Exercise 1: minibatches
# --------------------------------------------------------------------------------------------
def _epoch_summary(batches):
    """What the judge needs of one call's result (compact: sizes, order, dims, dtype kinds)."""
    if batches is None:
        return None
    if isinstance(batches, np.ndarray) and batches.ndim == 1:
        items = [batches[i] for i in range(batches.shape[0])]  # a flat permutation: 0-D items
    else:
        items = list(batches)
    arrays = [np.asarray(i) for i in items]
    flat = [a.ravel() for a in arrays if a.dtype.kind in "biuf"]
    return {
        "sizes": np.array([a.size for a in arrays], dtype=np.int64),
        "ndims": np.array([a.ndim for a in arrays], dtype=np.int64),
        "kinds": "".join(sorted({a.dtype.kind for a in arrays if a.size})),
        "order": np.concatenate(flat) if flat else np.zeros(0, dtype=np.int64),
    }


@register
class Minibatches(Exercise):
    name = "minibatches"
    assignment = ASSIGNMENT
    references = (training.minibatches,)

    @staticmethod
    def _case(n, batch_size, seed, seed_other):
        return Case(f"n={n}, batch_size={batch_size}", (int(n), int(batch_size)),
                    {"seed": int(seed), "seed_other": int(seed_other)})

    def fixed_cases(self):
        return [self._case(10, 4, 0, 7)]

    def cases(self, rng):
        out = []
        for k in range(6):
            if k == 0:                                   # single-example SGD
                n, B = int(rng.integers(10, 41)), 1
            elif k == 1:                                 # gradient descent: one batch
                n = int(rng.integers(10, 120))
                B = n
            elif k == 2:                                 # batch_size > n: still one batch
                n = int(rng.integers(10, 60))
                B = n + int(rng.integers(1, 10))
            elif k == 3:                                 # no remainder
                B = int(rng.integers(2, 9))
                n = B * int(rng.integers(3, 12))
            else:                                        # with a remainder
                n = int(rng.integers(10, 120) if k == 4 else rng.integers(100, 301))
                B = int(rng.integers(2, min(n, 40)))
                while n % B == 0:
                    B = int(rng.integers(2, min(n, 40)))
            out.append(self._case(n, B, int(rng.integers(2**31)), int(rng.integers(2**31))))
        return out

    def call(self, fn, case):
        n, B = case.args
        seed, other = case.kwargs["seed"], case.kwargs["seed_other"]
        gen = np.random.default_rng(seed)
        first = _epoch_summary(fn(n, B, gen))
        second = _epoch_summary(fn(n, B, gen))
        state = np.random.get_state()
        try:
            np.random.seed(1)
            global_1 = _epoch_summary(fn(n, B, np.random.default_rng(other)))
            np.random.seed(2)
            global_2 = _epoch_summary(fn(n, B, np.random.default_rng(other)))
        finally:
            np.random.set_state(state)
        other_rng = _epoch_summary(fn(n, B, np.random.default_rng(other + 1)))
        return {"first": first, "second": second, "global_1": global_1, "global_2": global_2,
                "other_rng": other_rng}

    def explain_error(self, case, error, message):
        n, B = case.args
        if error == "ValueError" and "reshape" in message:
            return (f"minibatches raised ValueError ({message}): a reshape into rows of "
                    f"batch_size only works when n is a multiple of batch_size; here n = {n}, "
                    f"batch_size = {B}, and the last batch must keep the remainder "
                    f"n % batch_size = {n % B}. Slice the permutation instead.")
        return None

    @staticmethod
    def check_epoch(summary, n, B, what):
        """Raise :class:`Wrong` naming what is wrong with one epoch's batches."""
        if summary is None:
            raise Wrong(f"{what}: your function returned None. Did you forget `return`?")
        if not isinstance(summary, dict):
            raise Wrong(f"{what}: return a list of 1-D integer arrays")
        sizes, ndims = np.asarray(summary["sizes"]), np.asarray(summary["ndims"])
        kinds, order = str(summary["kinds"]), np.asarray(summary["order"])
        if sizes.size and ndims.min() == 0 and ndims.max() == 0:
            raise Wrong(f"{what}: got {sizes.size} single indices; return a list of mini-batches, "
                        f"each a 1-D array of indices (a flat permutation is one epoch's order, "
                        f"not its batches).")
        if np.any(ndims != 1):
            raise Wrong(f"{what}: every mini-batch must be a 1-D array of indices.")
        if "b" in kinds:
            raise Wrong(f"{what}: got boolean masks; indices must be integers (they are used as X[idx]).")
        if set(kinds) - set("iu"):
            raise Wrong(f"{what}: indices must be integers (they are used as X[idx]); got "
                        f"arrays of dtype kind {kinds!r}.")
        full, rest = divmod(n, B)
        expected = [B] * full + ([rest] if rest else [])
        got = [int(s) for s in sizes]
        if rest and got == expected[:-1]:
            raise Wrong(f"{what}: {len(got)} batches, expected {len(expected)}: the last, partial "
                        f"batch of n % batch_size = {rest} examples is missing. Keep the remainder "
                        f"instead of dropping it, so that every example is used once per epoch.")
        if order.size and (order.min() < 0 or order.max() >= n):
            raise Wrong(f"{what}: indices must lie in 0..{n - 1}, got {order.min()}..{order.max()}.")
        counts = np.bincount(order.astype(np.int64), minlength=n)
        if counts.max(initial=0) > 1:
            j = int(np.argmax(counts))
            raise Wrong(f"{what}: example {j} appears {counts[j]} times in one epoch; every "
                        f"example must appear exactly once (draw a permutation, without replacement).")
        if counts.min() == 0:
            missing = np.flatnonzero(counts == 0)
            raise Wrong(f"{what}: {missing.size} example(s) never appear in the epoch, e.g. "
                        f"{missing[:5].tolist()}; every example must appear exactly once.")
        if got != expected:
            shown = (lambda s: ", ".join(map(str, s[:6])) + (", ..." if len(s) > 6 else ""))
            raise Wrong(f"{what}: batch sizes {shown(got)}, expected {shown(expected)}: every "
                        f"batch has batch_size = {B} indices except the last, which keeps the "
                        f"remainder n % batch_size = {rest}" + (" (here none)" if not rest else "") + ".")

    def judge(self, case, output):
        n, B = case.args
        what = f"minibatches({n}, {B}, rng)"
        if not isinstance(output, dict):
            raise Wrong(f"{what}: the result could not be read")
        self.check_epoch(output["first"], n, B, what)
        self.check_epoch(output["second"], n, B, what + ", second call")
        first, second = output["first"]["order"], output["second"]["order"]
        if np.array_equal(first, second):
            raise Wrong(f"{what}: two calls (two epochs) gave the same order. Shuffle every epoch: "
                        f"draw a new permutation from rng on every call.")
        for key in ("global_1", "global_2", "other_rng"):
            self.check_epoch(output[key], n, B, what + " with a fresh generator")
        if not np.array_equal(output["global_1"]["order"], output["global_2"]["order"]):
            raise Wrong(f"{what}: the same rng gave different orders when numpy's global random "
                        f"state changed. Draw the permutation from rng (rng.permutation), never "
                        f"from numpy's global random state (np.random.permutation, np.random.shuffle).")
        if np.array_equal(output["global_1"]["order"], output["other_rng"]["order"]):
            raise Wrong(f"{what}: two different generators gave the same order. The permutation "
                        f"must come from rng (the order must not be fixed).")


# --------------------------------------------------------------------------------------------
# Exercise 2: sgd_step
# --------------------------------------------------------------------------------------------
def reference_sgd_step(W, b, dW, db, vW, vb, learning_rate, momentum, weight_decay):
    """nnlib's step in the exercise's signature (velocities after the gradients, not last)."""
    for name, value in (("vW", vW), ("vb", vb)):
        if not isinstance(value, (list, tuple)):
            raise TypeError(
                f"sgd_step(W, b, dW, db, vW, vb, learning_rate, momentum, weight_decay): {name} "
                f"must be the list of velocities, got {type(value).__name__}. (nnlib's "
                f"training.sgd_step takes the velocities last; the exercise's takes them after db.)")
    training.sgd_step(W, b, dW, db, learning_rate, momentum, weight_decay, vW, vb)


@register
class SgdStep(Exercise):
    name = "sgd_step"
    assignment = ASSIGNMENT
    references = (training.sgd_step, training.SGD.step)
    may_mutate = True  # W, b, vW, vb are updated in place; call() checks dW, db itself

    @staticmethod
    def _case(W, b, dW, db, vW, vb, lr, mu, wd, label):
        return Case(label, (W, b, dW, db, vW, vb, float(lr), float(mu), float(wd)))

    def fixed_cases(self):
        W = [None, np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])]
        b = [None, np.array([0.3, -0.2])]
        dW = [None, np.array([[0.1, 0.2, -0.3], [-0.4, 0.5, 0.6]])]
        db = [None, np.array([0.05, -0.1])]
        vW = [None, np.array([[0.01, 0.0, -0.02], [0.03, -0.01, 0.0]])]
        vb = [None, np.array([0.02, 0.01])]
        zeros = lambda v: [None, np.zeros_like(v[1])]  # noqa: E731
        return [
            self._case(W, b, dW, db, vW, vb, 0.1, 0.9, 0.01,
                       "one layer (2, 3), earlier velocities, eta=0.1, mu=0.9, lambda=0.01"),
            self._case(W, b, dW, db, zeros(vW), zeros(vb), 0.5, 0.0, 0.0,
                       "plain step W - eta dW, eta=0.5, mu=0, lambda=0"),
        ]

    def cases(self, rng):
        out = []
        for k in range(6):
            L = [1, 2, 3, 2, 3, 1][k]
            sizes = [int(s) for s in rng.integers(1, 7, size=L + 1)]
            if k == 2:
                sizes[1] = 1                         # a layer of one unit
            if L >= 1 and sizes[1] == sizes[0] and k != 2:
                sizes[0] = sizes[1] % 6 + 1          # non-square first layer
            scale = 10.0 ** rng.uniform(-1, 1)

            def draw(shape_of, s=1.0):
                return [None] + [s * rng.normal(size=shape_of(l)) for l in range(1, L + 1)]
            W = draw(lambda l: (sizes[l], sizes[l - 1]), scale)
            dW, vW = draw(lambda l: (sizes[l], sizes[l - 1])), draw(lambda l: (sizes[l], sizes[l - 1]), 0.3)
            b = draw(lambda l: (sizes[l],), scale)
            db, vb = draw(lambda l: (sizes[l],)), draw(lambda l: (sizes[l],), 0.3)
            lr = float(rng.uniform(0.01, 0.5))
            mu = 0.0 if k == 3 else float(rng.uniform(0.3, 0.95))
            wd = 0.0 if k == 4 else float(rng.uniform(0.005, 0.2))
            out.append(self._case(W, b, dW, db, vW, vb, lr, mu, wd,
                                  f"sizes {sizes}, eta={lr:.3g}, mu={mu:.3g}, lambda={wd:.3g}"))
        return out

    def call(self, fn, case):
        W, b, dW, db, vW, vb, lr, mu, wd = case.args
        sW, sb, sdW, sdb, svW, svb = (_layers(a) for a in (W, b, dW, db, vW, vb))
        result = fn(sW, sb, sdW, sdb, svW, svb, lr, mu, wd)
        changed = [f"{name}[{l}]" for name, got, was in (("dW", sdW, dW), ("db", sdb, db))
                   for l in range(1, len(was)) if not np.array_equal(np.asarray(got[l]), was[l])]
        return {"W": sW, "b": sb, "vW": svW, "vb": svb, "changed_gradients": changed,
                "returned": None if result is None else type(result).__name__}

    def explain_error(self, case, error, message):
        if error == "TypeError" and "argument" in message:
            return (f"sgd_step raised TypeError ({message}); it is called as sgd_step(W, b, dW, db, "
                    f"vW, vb, learning_rate, momentum, weight_decay), all nine positional.")
        return None

    @staticmethod
    def expected(case):
        W, b, dW, db, vW, vb, lr, mu, wd = case.args
        eW, eb, evW, evb = (_layers(a) for a in (W, b, vW, vb))
        training.sgd_step(eW, eb, _layers(dW), _layers(db), lr, mu, wd, evW, evb)
        return eW, eb, evW, evb

    def judge(self, case, output):
        W, b, dW, db, vW, vb, lr, mu, wd = case.args
        if not isinstance(output, dict):
            raise Wrong("the result could not be read")
        L = len(W) - 1
        eW, eb, evW, evb = self.expected(case)
        gW, gb, gvW, gvb = output["W"], output["b"], output["vW"], output["vb"]
        for name, got in (("W", gW), ("b", gb), ("vW", gvW), ("vb", gvb)):
            if not isinstance(got, (list, tuple)) or len(got) != L + 1:
                raise Wrong(f"the list {name} must keep its length {L + 1} (entry 0 None and "
                            f"one array per layer); update its entries, do not append or remove.")
        same = lambda got, was: all(np.array_equal(np.asarray(got[l], dtype=float), was[l])  # noqa: E731
                                    for l in range(1, L + 1))
        if same(gW, W) and same(gb, b) and same(gvW, vW) and same(gvb, vb) and \
                output.get("returned") is None:
            raise Wrong("nothing changed: layer 1 was not updated, nor any other (W, b, vW and vb "
                        "are as they were). Loop over every layer l = 1..L, range(1, len(W)), and "
                        "update the lists in place (W[l] = ... or W[l] += ...).")
        if same(gW, W):
            hint = ("; do not return new lists." if output.get("returned") is not None else ".")
            raise Wrong(f"the weights in the list W did not change. Update W, b, vW, vb in place "
                        f"(W[l] = ... or W[l] += ...){hint}")
        for l in range(1, L + 1):
            w, v, g = W[l], vW[l], dW[l]
            v_new = mu * v - lr * (g + wd * w)
            wrong_W = {
                "momentum step with the wrong sign: v <- mu v - eta g, then W <- W + v (you moved uphill)":
                    w + (mu * v + lr * (g + wd * w)),
                "the weights moved against the velocity: W <- W - v instead of W <- W + v":
                    w - v_new,
                "the velocity in another convention (v <- mu v + g, W <- W - eta v); this course "
                "keeps v <- mu v - eta g, W <- W + v": w - lr * (mu * v + g + wd * w),
                f"layer {l} was not updated (loop over l = 1..L, range(1, len(W)))": w,
            }
            if mu and np.any(v):
                wrong_W["W moved with the old velocity: update v first, then W <- W + v (new v)"] = w + v
                wrong_W["momentum ignored in the velocity: v <- mu v - eta g"] = w - lr * (g + wd * w)
            if wd:
                wrong_W["weight decay is missing (g = dW[l] + weight_decay * W[l])"] = w + mu * v - lr * g
                wrong_W["weight decay with the wrong sign (it must shrink the weights: + weight_decay * W[l])"] = \
                    w + mu * v - lr * (g - wd * w)
                if mu and np.any(v):
                    wrong_W["weight decay applied outside the velocity: the decay term belongs in "
                            "g = dW[l] + weight_decay * W[l], which the velocity accumulates"] = \
                        w + mu * v - lr * g - lr * wd * w
                    wrong_W["weight decay applied after the momentum step (to the new W): the decay "
                            "term uses W[l] from before the step, inside g"] = \
                        (w + mu * v - lr * g) * (1 - lr * wd)
            checks.check_array(gW[l], eW[l], f"W[{l}] after the step", wrong=wrong_W)
            wrong_vW = {"momentum step with the wrong sign: v <- mu v - eta g (you moved uphill)":
                        mu * v + lr * (g + wd * w),
                        f"the velocity vW[{l}] was not updated": v}
            if wd:
                wrong_vW["weight decay is missing in the velocity (g = dW[l] + weight_decay * W[l])"] = mu * v - lr * g
            checks.check_array(gvW[l], evW[l], f"velocity vW[{l}] after the step", wrong=wrong_vW)
        for l in range(1, L + 1):
            p, v, g = b[l], vb[l], db[l]
            wrong_b = {"momentum step with the wrong sign: v <- mu v - eta g, then b <- b + v":
                       p + mu * v + lr * g,
                       f"the biases b[{l}] were not updated (they take the same momentum step, "
                       f"without decay)": p,
                       "the biases moved against the velocity: b <- b - v instead of b <- b + v":
                           p - (mu * v - lr * g)}
            if wd:
                wrong_b["the biases were decayed too; weight decay applies to the weights W only"] = \
                    p + mu * v - lr * (g + wd * p)
            if mu and np.any(v):
                wrong_b["b moved with the old velocity: update v first, then b <- b + v (new v)"] = p + v
            checks.check_array(gb[l], eb[l], f"b[{l}] after the step", wrong=wrong_b)
            wrong_vb = {f"the velocity vb[{l}] was not updated": v}
            if wd:
                wrong_vb["the biases were decayed too; weight decay applies to the weights W only"] = \
                    mu * v - lr * (g + wd * p)
            checks.check_array(gvb[l], evb[l], f"velocity vb[{l}] after the step", wrong=wrong_vb)
        changed = list(output.get("changed_gradients") or [])
        if changed:
            raise Wrong(f"your sgd_step changed the gradient {changed[0]} in place (the caller's "
                        f"array). The step updates W, b, vW and vb only: compute "
                        f"g = dW[l] + weight_decay * W[l] as a new array.")


# --------------------------------------------------------------------------------------------
# Exercise 3: warmup (the learning-rate schedule)
# --------------------------------------------------------------------------------------------
@register
class Warmup(Exercise):
    name = "warmup"
    assignment = ASSIGNMENT
    references = (training.warmup,)

    @staticmethod
    def _case(lr, S, steps):
        return Case(f"learning_rate={lr:.6g}, warmup_steps={S}", (float(lr), int(S)),
                    data={"steps": [int(s) for s in steps]})

    @staticmethod
    def _steps(S):
        """The steps s at which the schedule is read: the ramp, its end and long after it."""
        return sorted(set(range(0, 2 * S + 4)) | {S + 10, 10 * S + 7, 100000})

    def fixed_cases(self):
        return [self._case(0.5, 4, self._steps(4)), self._case(0.1, 0, self._steps(0))]

    def cases(self, rng):
        out = []
        for S in (0, 1, int(rng.integers(2, 8)), int(rng.integers(10, 40)), int(rng.integers(50, 200))):
            lr = float(10.0 ** rng.uniform(-3, 0.5))
            out.append(self._case(lr, S, self._steps(S)))
        return out

    def call(self, fn, case):
        lr, S = case.args
        schedule = fn(lr, S)
        if not callable(schedule):
            return {"callable": False, "returned": type(schedule).__name__, "values": None}
        return {"callable": True, "returned": type(schedule).__name__,
                "values": [_float(schedule(s)) for s in case.data["steps"]]}

    def explain_error(self, case, error, message):
        if error == "ZeroDivisionError":
            return (f"warmup raised ZeroDivisionError ({message}) for warmup_steps = "
                    f"{case.args[1]}: warmup_steps = 0 means no warm-up, a constant learning rate "
                    f"(treat it before dividing by warmup_steps).")
        return None

    def judge(self, case, output):
        lr, S = case.args
        if not isinstance(output, dict):
            raise Wrong("the result could not be read")
        if not output["callable"]:
            raise Wrong(f"warmup must return the schedule, a function of the step s (e.g. "
                        f"`def schedule(step): ...; return schedule`), not a "
                        f"{output['returned']}.")
        steps = np.array(case.data["steps"], dtype=float)
        expected = np.array([training.warmup(lr, S)(int(s)) for s in steps])
        got = np.asarray(output["values"], dtype=float)
        what = f"the learning rates eta_s at the steps s = {_list(steps)}"
        if S == 0:
            wrong = {"the learning rate is not constant for warmup_steps = 0 (no warm-up: "
                     "eta_s = eta at every step)": np.zeros_like(expected)}
        else:
            ramp = lambda f: np.array([lr * f(s) for s in steps])  # noqa: E731
            wrong = {
                "the ramp starts at 0: eta_s = eta (s + 1) / S, so the first step (s = 0) "
                "already takes eta / S": ramp(lambda s: min(1.0, s / S)),
                "the learning rate keeps growing after the warm-up: eta_s = eta min(1, (s + 1) / S) "
                "stays at eta from step S - 1 on": ramp(lambda s: (s + 1) / S),
                "integer division (s + 1) // S: the schedule jumps instead of growing linearly; "
                "divide with /": ramp(lambda s: min(1.0, (s + 1) // S)),
                "the ramp takes S + 1 steps: eta_s = eta min(1, (s + 1) / S) reaches eta at step "
                "s = S - 1": ramp(lambda s: min(1.0, (s + 1) / (S + 1))),
                "the ramp goes the wrong way (from eta down): warm-up grows the learning rate":
                    ramp(lambda s: max(0.0, 1.0 - s / S)),
                "no warm-up: the learning rate is constant; grow it linearly over the first "
                "warmup_steps steps": np.full_like(expected, lr),
                f"the ramp ends at eta / S = {lr / S:.6g} instead of eta: multiply the learning "
                f"rate by min(1, (s + 1) / S)": ramp(lambda s: min(1.0, (s + 1) / S) / S),
            }
        checks.check_array(got, expected, what, rtol=1e-9, wrong=wrong)


def _list(steps):
    s = [str(int(v)) for v in steps]
    return ", ".join(s) if len(s) <= 12 else ", ".join(s[:10]) + ", ..., " + s[-1]


# --------------------------------------------------------------------------------------------
# Exercise 4: gradients (the student's own forward and backward passes)
# --------------------------------------------------------------------------------------------
def reference_gradients(net, X, y):
    """nnlib's ``(E, dW, db)`` of the batch ``X``, ``y`` in the exercise's signature."""
    fp = net.forward(X)
    grads = net.backward(fp, y)
    return net.loss.value(fp.z[-1], y, layer=net.L), grads.dW, grads.db


def _variant(net, X, T, *, output=None, base=None, hprime=None, E_n=None, W_of=lambda l: l + 1,
             a_index=lambda l: l - 1):
    """``(E, dW, db)`` of a forward and backward pass with one piece replaced (the named wrong
    variants of :class:`Gradients`). ``T``: float targets ``(N, K)``."""
    L, N = net.L, X.shape[0]
    h = net.hidden[1] if L > 1 else None
    f = output or net.loss.output
    z, a = [None], [np.asarray(X, dtype=float)]
    for l in range(1, L + 1):
        z.append(a[l - 1] @ net.W[l].T + net.b[l])
        a.append(h(z[l]) if l < L else f(z[l]))
    if E_n is None:
        E = float(np.mean(net.loss.error.value(a[L], T)))
    else:
        E = float(np.mean(E_n(z[L], a[L], T)))
    delta = [None] * (L + 1)
    if base is not None:
        delta[L] = base(z[L], a[L], T)
    elif net.loss.error.name == "logistic":                  # -t sigma(-t z) / N
        delta[L] = -T * activations.sigmoid(-T * z[L]) / N
    else:                                                    # (y - t) / N
        delta[L] = (a[L] - T) / N
    for l in range(L - 1, 0, -1):
        delta[l] = (delta[l + 1] @ net.W[W_of(l)]) * (h.prime(z[l]) if hprime is None else hprime(h, z[l], a[l]))
    dW = [None] + [delta[l].T @ a[a_index(l)] for l in range(1, L + 1)]
    db = [None] + [delta[l].sum(axis=0) for l in range(1, L + 1)]
    return E, dW, db


@register
class Gradients(Exercise):
    name = "gradients"
    assignment = ASSIGNMENT
    # (net.error and net.evaluate run MLP.forward, so they fail too; they are not listed, since
    # the static scan would then flag every ``net.loss.error`` of an answer)
    references = (network.forward, network.backward, network.dense, MLP.forward, MLP.backward,
                  MLP.gradients, Loss.value, Loss.delta, Loss.per_example, reference_gradients)

    @staticmethod
    def _case(sizes, hidden, loss, N, targets, seed, what=""):
        label = (f"network {sizes}, {hidden if len(sizes) > 2 else 'no hidden layer'}, {loss}"
                 f"{' with ' + targets if targets else ''}, N={N}{' (a batch of one)' if N == 1 else ''}"
                 f"{what}")
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(N, sizes[0]))
        K = sizes[-1]
        if loss == "softmax_ce":
            ids = rng.integers(0, K, size=N)
            y = ids if targets == "class ids" else np.eye(K)[ids]
        elif loss == "bce":
            y = rng.integers(0, 2, size=(N, K)).astype(float)
        elif loss == "logistic":
            y = rng.choice([-1.0, 1.0], size=(N, K))
        else:
            y = rng.normal(size=(N, K))
        return Case(label, (X, y), {"sizes": [int(s) for s in sizes], "hidden": hidden,
                                    "loss": loss, "seed": int(seed)})

    @staticmethod
    def network(case):
        """The case's network: nnlib's initialization, then biases that are not zero; the
        output layer is scaled down where needed so that |z[L]| <= 8 (outputs stay away from
        0 and 1: a plain ln y is then accurate, the stable form is not required here)."""
        s = case.kwargs
        rng = np.random.default_rng(s["seed"] + 1)
        net = MLP(s["sizes"], hidden=s["hidden"], loss=s["loss"], rng=rng)
        for l in range(1, net.L + 1):
            net.b[l] = 0.3 * rng.normal(size=net.b[l].shape)
        with quiet():
            a = np.asarray(case.args[0], dtype=float)   # by hand: nnlib's forward is forbidden here
            for l in range(1, net.L + 1):
                z = a @ net.W[l].T + net.b[l]
                a = net.hidden[l](z) if l < net.L else z
            top = float(np.max(np.abs(z)))
        if top > 8.0:
            net.W[-1] = net.W[-1] * (8.0 / top)
            net.b[-1] = net.b[-1] * (8.0 / top)
        return net

    def fixed_cases(self):
        return [self._case([3, 4, 3], "tanh", "softmax_ce", 5, "class ids", 11),
                self._case([2, 3, 4, 2], "relu", "sse", 4, "", 12)]

    def cases(self, rng):
        out = []
        acts = [str(a) for a in rng.permutation(["identity", "sigmoid", "tanh", "relu", "leaky_relu",
                                                 "elu", "swish", "gelu"])]
        pairs = [("softmax_ce", "class ids"), ("softmax_ce", "one-hot rows"), ("sse", ""),
                 ("bce", ""), ("logistic", "")]
        order = [int(k) for k in rng.permutation(len(pairs))]
        for k, act in enumerate(acts):
            L = [2, 3, 4][k % 3]
            sizes = [int(s) for s in rng.integers(1, 7, size=L + 1)]
            loss, targets = pairs[order[k % len(pairs)]]
            if loss == "softmax_ce":
                sizes[-1] = max(sizes[-1], 2)
            N = 1 if k == 3 else int(rng.integers(2, 9))
            if k == 5:                            # equal widths: W[l] for W[l+1] runs silently
                n = int(rng.integers(2, 5))
                sizes = [n] * (L + 1)
            out.append(self._case(sizes, act, loss, N, targets, int(rng.integers(2**31))))
        for loss, targets in (("softmax_ce", "class ids"), ("logistic", "")):   # L = 1
            sizes = [int(rng.integers(2, 6)), int(rng.integers(2, 5))]
            out.append(self._case(sizes, "tanh", loss, int(rng.integers(2, 7)), targets,
                                  int(rng.integers(2**31))))
        return out

    def call(self, fn, case):
        X, y = case.args
        net = self.network(case)
        W0, b0 = [None] + [w.copy() for w in net.W[1:]], [None] + [v.copy() for v in net.b[1:]]
        result = fn(net, X, y)
        changed = any(not np.array_equal(np.asarray(net.W[l]), W0[l]) or
                      not np.array_equal(np.asarray(net.b[l]), b0[l]) for l in range(1, net.L + 1))
        if isinstance(result, tuple) or isinstance(result, list):
            items = list(result)
        else:
            items = None
        out = {"items": None, "returned": type(result).__name__, "changed_net": changed}
        if items is not None:
            out["items"] = [list(v) if isinstance(v, (list, tuple)) else v for v in items]
        return out

    def explain_error(self, case, error, message):
        X, y = case.args
        if error == "ValueError" and "broadcast" in message and np.ndim(y) == 1:
            return (f"gradients raised ValueError ({message}): the targets y are class ids of "
                    f"shape {np.shape(y)} here; turn them into one-hot rows T of shape (N, K) "
                    f"first (np.eye(K)[y]) before computing y - T.")
        if error in ("ValueError", "IndexError", "TypeError", "AttributeError"):
            return (f"gradients raised {error}: {message}. Check the pieces: the forward pass "
                    f"z[l] = a[l-1] @ W[l].T + b[l], the hidden activation net.hidden[1] (an "
                    f"Activation: h(z) and h.prime(z); no hidden layer when net.L = 1), the "
                    f"output unit net.loss.output, targets as (N, K) rows, and the recursion "
                    f"delta[l] = (delta[l+1] @ W[l+1]) * h'(z[l]).")
        return None

    def judge(self, case, output):
        X, y = case.args
        net = self.network(case)
        L, N = net.L, X.shape[0]
        if not isinstance(output, dict):
            raise Wrong("the result could not be read")
        if output.get("changed_net"):
            raise Wrong("gradients changed net.W or net.b: it computes E and the gradients only; "
                        "the update is sgd_step's job.")
        items = output.get("items")
        if items is None or len(items) != 3:
            got = (f"{len(items)} values" if items is not None else f"a {output.get('returned')}")
            hint = (" (E first, then the lists dW and db)" if items is not None and len(items) == 2
                    else "")
            raise Wrong(f"return the triple (E, dW, db){hint}; got {got}.")
        E, dW, db = items
        E_ref, dW_ref, db_ref = reference_gradients(net, X, y)
        T = net.loss.targets(y, (N, net.sizes[-1]), layer=L)
        pair = net.loss.error.name
        variants = {}
        if L > 1:
            variants["missing the activation derivative h'(z[l]) in the recursion delta[l] = "
                     "(delta[l+1] @ W[l+1]) * h'(z[l])"] = _variant(net, X, T, hprime=lambda h, z_l, a_l: 1.0)
            variants["h' evaluated at the activation a[l]; it is a function of the pre-activation: "
                     "h.prime(z[l])"] = _variant(net, X, T, hprime=lambda h, z_l, a_l: h.prime(a_l))
            h = net.hidden[1]
            variants["the output layer uses the hidden activation; its unit is the pair's output "
                     "unit f, net.loss.output (identity, sigmoid or softmax)"] = \
                _variant(net, X, T, output=h)
            if len(set(net.sizes)) == 1:
                variants["off by one layer: the recursion uses W[l+1], the weights of the NEXT "
                         "layer, not W[l]"] = _variant(net, X, T, W_of=lambda l: l)
                variants["dW[l] = delta[l].T @ a[l]: the gradient of W[l] uses a[l-1], the input "
                         "of layer l"] = _variant(net, X, T, a_index=lambda l: l)
        if pair == "logistic":
            variants["the delta (y - t)/N of the other pairs: for the logistic loss with targets in "
                     "{-1, +1} the output delta is -t sigma(-t z[L]) / N"] = \
                _variant(net, X, T, base=lambda z_L, y_L, T_: (y_L - T_) / N)
        if pair == "bce":
            variants["the output unit's derivative in the output delta: (y - t) sigma'(z[L]) / N "
                     "belongs to a sigmoid with the squared error; for sigmoid with cross-entropy "
                     "it cancels and delta[L] = (y - t)/N"] = \
                _variant(net, X, T, base=lambda z_L, y_L, T_: (y_L - T_) * y_L * (1 - y_L) / N)
        if pair in ("sse", "bce", "softmax_ce") and L > 1:
            variants["the hidden activation's derivative h'(z[L]) in the output delta: for a "
                     "canonical pair delta[L] = (y - t)/N"] = \
                _variant(net, X, T, base=lambda z_L, y_L, T_: (y_L - T_) * net.hidden[1].prime(z_L) / N)
        where = f"({case.label})"
        wrong_E = {d: v[0] for d, v in variants.items()}
        if pair == "sse":
            wrong_E["E without the 1/2: E_n = 1/2 sum_k (y_k - t_k)^2"] = 2 * E_ref
        if net.sizes[-1] > 1 and pair in ("sse", "bce", "logistic"):
            wrong_E["E averaged over the K outputs too: E_n sums over the outputs, E is the mean "
                    "over the batch only"] = E_ref / net.sizes[-1]
        if N > 1:
            wrong_E["E summed over the batch: E is the mean, (1/N) sum_n E_n"] = N * E_ref
        if np.ndim(E) != 0 and np.size(E) == N and N > 1:
            raise Wrong(f"E {where} has shape {np.shape(E)}: the errors E_n of the examples; E is "
                        f"their mean over the batch, a single number.")
        checks.check_scalar(E, E_ref, f"E {where}", rtol=1e-6, wrong=wrong_E)
        if not isinstance(dW, (list, tuple)) or not isinstance(db, (list, tuple)):
            raise Wrong("dW and db must be lists indexed by layer (entry 0 None).")
        if len(dW) != L + 1 or len(db) != L + 1:
            raise Wrong(f"dW and db must be lists indexed by layer 0..L = 0..{L} (length {L + 1}, "
                        f"entry 0 None); got lengths {len(dW)} and {len(db)}.")
        for l in range(L, 0, -1):
            n_l, n_prev = dW_ref[l].shape
            check_gradient_shapes(l, where, dW[l], db[l], n_l, n_prev, N)
            wrong_W = {d: v[1][l] for d, v in variants.items()}
            if n_l == n_prev:
                wrong_W[TRANSPOSED_DW] = dW_ref[l].T
            checks.check_array(dW[l], dW_ref[l], f"dW[{l}] {where}", rtol=1e-6, batch_size=N,
                               wrong=wrong_W)
            wrong_b = {d: v[2][l] for d, v in variants.items()}
            if N > 1:
                wrong_b["db[l] is the mean of delta[l] over the batch: it is the sum, "
                        "delta[l].sum(axis=0), because the 1/N is already inside delta"] = db_ref[l] / N
            checks.check_array(db[l], db_ref[l], f"db[{l}] {where}", rtol=1e-6, batch_size=N,
                               wrong=wrong_b)


# --------------------------------------------------------------------------------------------
# Exercise 5: train (the loop alone, with nnlib's minibatches, sgd_step, warmup, gradients)
# --------------------------------------------------------------------------------------------
def _reference_minibatches(n, batch_size, rng):
    return training.minibatches(n, batch_size, rng)


def _velocity_state(vW, vb, saved, W):
    """How the velocities passed to a step relate to what the previous step left."""
    try:
        arrays = [np.asarray(v, dtype=float) for v in list(vW[1:]) + list(vb[1:])]
    except Exception:
        return "unreadable"
    if saved is None:  # the first step: zeros of the shapes of W[l], b[l]
        if [a.shape for a in arrays[:len(W) - 1]] != [np.shape(w) for w in W[1:]]:
            return "shape"
        return "zeros" if not any(np.any(a) for a in arrays) else "nonzero"
    if len(arrays) == len(saved) and all(a.shape == s.shape and np.array_equal(a, s, equal_nan=True)
                                         for a, s in zip(arrays, saved)):
        return "kept"
    return "zeros" if not any(np.any(a) for a in arrays) else "other"


class _TrainLog:
    """The logging wrappers installed over nnlib's minibatches and sgd_step during a call."""

    def __init__(self, rng, W, net=None):
        self.rng, self.W, self.net = rng, W, net
        self.minibatches, self.steps, self.velocity, self.epoch_of_step = [], [], [], []
        self.gradient_calls, self.warmup_calls = [], []
        self.saved = None

    def gradients_fn(self, net, X, y):
        self.gradient_calls.append([_float(np.shape(X)[0]) if np.ndim(X) else math.nan,
                                    net is self.net, len(self.steps)])
        return reference_gradients(net, X, y)

    def warmup_fn(self, learning_rate, warmup_steps):
        self.warmup_calls.append([_float(learning_rate), _float(warmup_steps)])
        return training.warmup(learning_rate, warmup_steps)

    def minibatches_fn(self, n, batch_size, rng):
        self.minibatches.append([_float(n), _float(batch_size), rng is self.rng])
        return _reference_minibatches(n, batch_size, rng)

    def sgd_step_fn(self, W, b, dW, db, vW, vb, learning_rate, momentum, weight_decay):
        self.steps.append([_float(learning_rate), _float(momentum), _float(weight_decay)])
        self.epoch_of_step.append(len(self.minibatches))
        if vW is None or vb is None:
            self.velocity.append("none")
        else:
            self.velocity.append(_velocity_state(vW, vb, self.saved, self.W))
        reference_sgd_step(W, b, dW, db, vW, vb, learning_rate, momentum, weight_decay)
        self.saved = [np.array(v, dtype=float) for v in list(vW[1:]) + list(vb[1:])]

    def evidence(self):
        return {"minibatches": self.minibatches, "steps": self.steps,
                "velocity": self.velocity, "epoch_of_step": self.epoch_of_step,
                "gradient_calls": self.gradient_calls, "warmup_calls": self.warmup_calls}


def _steps_per_epoch(N, B):
    return -(-N // B)


def _schedule(lr, S):
    """The learning rate of every step: nnlib's linear warm-up (constant when S = 0)."""
    return training.warmup(lr, S) if S else (lambda step: lr)


def _reference_trajectory(net, X, T, epochs, B, lr, mu, wd, rng_seed, S=0):
    """Replicate ``nnlib.fit``'s loop (same draws, same step), keeping what the named wrong
    histories need: the parameters before every step and every epoch's batches."""
    net = net.copy()
    rng = np.random.default_rng(rng_seed)
    T = net.loss.targets(T, (X.shape[0], net.sizes[-1]), layer=net.L)
    before, batches = [], []
    vel = (None, None)
    eta = _schedule(lr, S)
    for _ in range(epochs):
        epoch = training.minibatches(X.shape[0], B, rng)
        batches.append(epoch)
        for idx in epoch:
            before.append((_layers(net.W), _layers(net.b)))
            grads = net.backward(net.forward(X[idx]), T[idx], targets_checked=True)
            vel = training.sgd_step(net.W, net.b, grads.dW, grads.db, eta(len(before) - 1), mu, wd, *vel)
    before.append((_layers(net.W), _layers(net.b)))
    return before, batches


def _full_batch_weights(net, X, T, epochs, B, lr, mu, wd, S=0):
    """Final weights when every step takes the gradient on the whole X (a named mistake)."""
    net = net.copy()
    vel = (None, None)
    eta = _schedule(lr, S)
    for k in range(epochs * _steps_per_epoch(X.shape[0], B)):
        grads = net.backward(net.forward(X), T)
        vel = training.sgd_step(net.W, net.b, grads.dW, grads.db, eta(k), mu, wd, *vel)
    return net


@register
class Train(Exercise):
    name = "train"
    assignment = ASSIGNMENT
    references = (training.fit, training.SGD.step)
    upstream = {"minibatches": _reference_minibatches, "sgd_step": reference_sgd_step,
                "gradients": reference_gradients, "warmup": training.warmup}
    test_students = 20  # each case trains a small network (and the judge runs nnlib.fit)

    @staticmethod
    def _case(X, y, epochs, B, lr, mu, wd, sizes, hidden, loss, init_seed, rng_seed, what, S=0):
        N = X.shape[0]
        label = (f"{what}, N={N}, sizes {sizes}, {hidden}, {loss}, {epochs} epoch"
                 f"{'s' if epochs != 1 else ''}, batch size {B}, eta={lr:.3g}, mu={mu:.3g}, "
                 f"lambda={wd:.3g}" + (f", warm-up over {S} steps" if S else ""))
        return Case(label, (X, y, int(epochs), int(B), float(lr), float(mu), float(wd)),
                    {"sizes": [int(s) for s in sizes], "hidden": hidden, "loss": loss,
                     "init_seed": int(init_seed), "rng_seed": int(rng_seed),
                     "warmup_steps": int(S)})

    def fixed_cases(self):
        data_rng = np.random.default_rng(3)
        X = data_rng.normal(size=(30, 4))
        y = data_rng.integers(0, 3, size=30)
        return [self._case(X, y, 3, 8, 0.2, 0.9, 0.01, [4, 5, 3], "tanh", "softmax_ce", 0, 1,
                           "class ids"),
                self._case(X, y, 3, 8, 0.5, 0.9, 0.01, [4, 5, 3], "tanh", "softmax_ce", 0, 1,
                           "class ids", S=6)]

    def cases(self, rng):
        out = []
        plan = [("softmax_ce", "tanh", "class ids"), ("sse", "relu", "real targets"),
                ("bce", "sigmoid", "0/1 targets"), ("softmax_ce", "relu", "one-hot targets")]
        for k, (loss, hidden, what) in enumerate(plan):
            N = int(rng.integers(6, 13)) if k == 1 else int(rng.integers(12, 40))
            depth = int(rng.integers(1, 3))
            sizes = [int(rng.integers(2, 6))] + [int(s) for s in rng.integers(2, 8, size=depth)]
            K = int(rng.integers(2, 4))
            sizes.append(K)
            X = rng.normal(size=(N, sizes[0]))
            if what == "class ids":
                y = rng.integers(0, K, size=N)
            elif what == "one-hot targets":
                y = np.eye(K)[rng.integers(0, K, size=N)]
            elif what == "0/1 targets":
                y = rng.integers(0, 2, size=(N, K)).astype(float)
            else:
                y = rng.normal(size=(N, K))
            if k == 0 or k == 3:                  # a batch size with a remainder, <= 6 steps an epoch
                B = int(rng.integers(N // 6 + 1, N))
                while N % B == 0:
                    B = int(rng.integers(N // 6 + 1, N))
            else:
                B = 1 if k == 1 else N            # single-example SGD; gradient descent
            epochs = {0: int(rng.integers(2, 4)), 1: 2, 2: int(rng.integers(3, 6)),
                      3: int(rng.integers(1, 4))}[k]
            mu = 0.0 if k == 2 else float(rng.uniform(0.5, 0.9))
            wd = 0.0 if k == 3 else float(rng.uniform(0.001, 0.05))
            lr = float(rng.uniform(0.01, 0.1) if k == 1 else rng.uniform(0.01, 0.3))
            init_seed, rng_seed = int(rng.integers(2**31)), int(rng.integers(2**31))
            per_epoch = _steps_per_epoch(N, B)
            # warm-up across an epoch boundary (k = 0), over several one-step epochs (k = 2)
            S = 0
            if k == 0:
                S = per_epoch + int(rng.integers(1, per_epoch + 1))
            elif k == 2:
                S = int(rng.integers(2, epochs + 1))
            case = self._case(X, y, epochs, B, lr, mu, wd, sizes, hidden, loss, init_seed,
                              rng_seed, what, S)
            for _ in range(6):  # a case whose training diverges says nothing: smaller steps
                if self._stable(case):
                    break
                lr /= 4
                case = self._case(X, y, epochs, B, lr, mu, wd, sizes, hidden, loss, init_seed,
                                  rng_seed, what, S)
            out.append(case)
        return out

    @classmethod
    def _stable(cls, case):
        X, y, epochs, B, lr, mu, wd = case.args
        net = cls.network(case)
        with quiet():
            try:
                loss = training.fit(net, X, y, epochs, B, lr, mu, wd,
                                    warmup_steps=case.kwargs["warmup_steps"],
                                    rng=np.random.default_rng(case.kwargs["rng_seed"]),
                                    record="full").loss
            except training.TrainingDiverged:
                return False
        return all(np.isfinite(w).all() and np.abs(w).max() < 1e3 for w in net.W[1:]) and \
            max(loss) < 1e3

    @staticmethod
    def network(case):
        s = case.kwargs
        return MLP(s["sizes"], hidden=s["hidden"], loss=s["loss"], rng=s["init_seed"])

    def call(self, fn, case):
        X, y, epochs, B, lr, mu, wd = case.args
        net = self.network(case)
        rng = np.random.default_rng(case.kwargs["rng_seed"])
        log = _TrainLog(rng, net.W, net)
        with quiet(), replaced_globals(fn, {"minibatches": log.minibatches_fn,
                                            "sgd_step": log.sgd_step_fn,
                                            "gradients": log.gradients_fn,
                                            "warmup": log.warmup_fn}):
            history = fn(net, X, y, epochs, B, lr, mu, wd, rng,
                         warmup_steps=case.kwargs["warmup_steps"])
        if history is not None and not isinstance(history, (list, tuple, np.ndarray)):
            try:
                history = list(history)
            except TypeError:
                pass
        if isinstance(history, (list, tuple)):
            history = [_float(h) for h in history]
        return {"history": history, "W": list(net.W), "b": list(net.b), **log.evidence()}

    def explain_error(self, case, error, message):
        if error == "TypeError" and "warmup_steps" in message:
            return (f"train raised TypeError ({message}): train takes the keyword argument "
                    f"warmup_steps=0 after rng, train(net, X, y, epochs, batch_size, "
                    f"learning_rate, momentum, weight_decay, rng, warmup_steps=0).")
        if error == "TypeError" and "sgd_step" in message:
            return (f"train raised TypeError ({message}). Call sgd_step(net.W, net.b, grads.dW, "
                    f"grads.db, vW, vb, learning_rate, momentum, weight_decay).")
        if error == "ValueError" and ("target" in message.lower() or "shape" in message):
            return (f"train raised ValueError ({message}): net.backward(fp, y[idx]) needs the "
                    f"targets of the same rows as fp = net.forward(X[idx]).")
        return None

    def judge(self, case, output):
        X, y, epochs, B, lr, mu, wd = case.args
        N = X.shape[0]
        if not isinstance(output, dict):
            raise Wrong("the result could not be read")
        history = output["history"]
        if history is None:
            raise Wrong("train returned None. Return the list of the training error E after "
                        "each epoch (did you forget `return history`?).")
        calls = list(output["minibatches"])
        if len(calls) != epochs:
            raise Wrong(
                f"minibatches was called {len(calls)} time(s) for {epochs} epochs"
                + (": the same mini-batches in the same order every epoch" if len(calls) == 1 and epochs > 1 else "")
                + ". Call it once at the start of every epoch, so that every epoch has a new order.")
        for n, b_size, same_rng in calls:
            if (n, b_size) != (N, B) or not same_rng:
                raise Wrong(f"call minibatches(X.shape[0], batch_size, rng) with the rng you were "
                            f"given; got n={_fmt(n)}, batch_size={_fmt(b_size)}"
                            + ("" if same_rng else ", another generator") + ".")
        per_epoch = _steps_per_epoch(N, B)
        steps, epoch_of = list(output["steps"]), list(output["epoch_of_step"])
        if len(steps) != epochs * per_epoch:
            raise Wrong(f"{len(steps)} calls of sgd_step, expected {epochs * per_epoch} (one per "
                        f"mini-batch: {epochs} epoch(s) of ceil(N / batch_size) = {per_epoch} steps).")
        if epoch_of != [1 + k // per_epoch for k in range(len(steps))]:
            raise Wrong("the steps do not follow the epochs' mini-batches: make one step for each "
                        "mini-batch of the epoch's minibatches(...) call, in order.")
        self._judge_gradient_calls(output, N, len(steps))
        S = case.kwargs.get("warmup_steps", 0)
        eta = _schedule(lr, S)
        sizes = ([B] * (N // B) + ([N % B] if N % B else [])) if B < N else [N]
        for k, (got_lr, got_mu, got_wd) in enumerate(steps):
            want = eta(k)
            if not math.isclose(got_lr, want, rel_tol=1e-12):
                size = sizes[k % per_epoch]
                if got_lr > 0 and size > 1 and math.isclose(got_lr * size, want, rel_tol=1e-9):
                    raise Wrong(f"sgd_step got learning_rate={got_lr:.6g}, expected {want:.6g}: the "
                                f"learning rate divided by the batch size ({size}). Your gradients "
                                f"already return the gradient of the batch mean, so pass the "
                                f"learning rate unchanged.")
                if got_lr == mu and got_mu == want:
                    raise Wrong(f"sgd_step got learning_rate={got_lr:.6g} and momentum="
                                f"{got_mu:.6g}: learning rate and momentum swapped. The order is "
                                f"sgd_step(W, b, dW, db, vW, vb, learning_rate, momentum, weight_decay).")
                if S:
                    self._judge_schedule(output, steps, lr, S, per_epoch, k)
                raise Wrong(f"sgd_step got learning_rate={_fmt(got_lr)} at step {k + 1}, expected "
                            f"{want:.6g} (pass train's learning_rate argument"
                            + (", through the warm-up schedule" if S else "") + ").")
            if (got_mu, got_wd) != (mu, wd):
                raise Wrong(f"sgd_step got momentum={_fmt(got_mu)}, weight_decay={_fmt(got_wd)}; "
                            f"expected {mu:.6g} and {wd:.6g} (pass train's arguments).")
        velocity = list(output["velocity"])
        if mu > 0 and velocity:
            if velocity[0] == "none":
                raise Wrong("sgd_step got vW=None: create vW, vb as zeros shaped like net.W[l], "
                            "net.b[l] ([None] + [...]) before the first epoch.")
            if velocity[0] in ("nonzero", "shape", "unreadable"):
                raise Wrong("the velocities at the first step must be zeros shaped like net.W[l], "
                            "net.b[l] (entry 0 None).")
            lost = [k for k, state in enumerate(velocity) if k and state != "kept"]
            if lost:
                starts = {k for k in range(1, len(steps)) if k % per_epoch == 0}
                if set(lost) == starts:
                    where = "at the start of every epoch"
                elif len(lost) == len(steps) - 1:
                    where = "at every step"
                else:
                    where = f"at step {lost[0] + 1}"
                raise Wrong(f"the velocities passed to sgd_step are not the ones the previous step "
                            f"left: they were reset {where}. Create vW, vb once, before the first "
                            f"epoch, and pass the same lists at every step.")
        net0 = self.network(case)
        ref = net0.copy()
        with quiet():
            expected = training.fit(ref, X, y, epochs, B, lr, mu, wd,
                                    warmup_steps=case.kwargs.get("warmup_steps", 0),
                                    rng=np.random.default_rng(case.kwargs["rng_seed"]),
                                    record="full")  # train records net.error(X, y) per epoch
        gW, gb = output["W"], output["b"]
        if not isinstance(gW, (list, tuple)) or len(gW) != net0.L + 1:
            raise Wrong("net.W must stay a list indexed by layer (entry 0 None).")
        if all(np.array_equal(np.asarray(gW[l], dtype=float), net0.W[l]) and
               np.array_equal(np.asarray(gb[l], dtype=float), net0.b[l]) for l in range(1, net0.L + 1)):
            raise Wrong("net.W did not change during training: pass net.W and net.b themselves "
                        "to sgd_step (it updates them in place), not copies.")
        full = None
        for l in range(1, net0.L + 1):
            for name, got, exp in ((f"net.W[{l}]", gW[l], ref.W[l]), (f"net.b[{l}]", gb[l], ref.b[l])):
                try:
                    checks.check_array(got, exp, f"{name} after training", rtol=1e-6)
                except AssertionError as e:
                    if full is None:
                        with quiet():
                            full = _full_batch_weights(net0, X, net0.loss.targets(
                                y, (N, net0.sizes[-1]), layer=net0.L), epochs, B, lr, mu, wd,
                                case.kwargs.get("warmup_steps", 0))
                    alt = full.W[l] if name.startswith("net.W") else full.b[l]
                    if np.shape(got) == np.shape(alt) and checks.relative_error(
                            np.asarray(got, dtype=float), alt) <= 1e-6:
                        raise Wrong(f"{e} Your steps take the gradient on the whole training set: "
                                    f"each step uses its mini-batch, gradients(net, X[idx], "
                                    f"y[idx]).") from None
                    raise Wrong(f"{e} Your loop called minibatches and sgd_step as it should, but "
                                f"the weights differ from nnlib.fit's: do you draw other random "
                                f"numbers from rng, train on other rows than X[idx], y[idx], or "
                                f"change net.W between the steps?") from None
        hist = np.asarray(history, dtype=float).ravel() if isinstance(history, (list, tuple, np.ndarray)) else None
        if hist is None:
            raise Wrong(f"train returned a {type(history).__name__}; return the list of the "
                        f"training error E after each epoch.")
        loss = np.asarray(expected.loss, dtype=float)
        what = "loss history (E on the whole training set, net.error(X, y), after each epoch)"
        if hist.size == epochs and np.all(np.isfinite(hist)):
            try:
                checks.check_array(hist, loss, what, rtol=1e-6)
                return None
            except AssertionError:
                pass  # name the mistake below
        self._judge_history(case, net0, hist, loss, what)

    @staticmethod
    def _judge_gradient_calls(output, N, n_steps):
        """Every step's gradient comes from the notebook's gradients, on the mini-batch."""
        calls = list(output.get("gradient_calls") or [])
        if not calls:
            raise Wrong("your train never called gradients: compute each mini-batch's gradients "
                        "with your own gradients(net, X[idx], y[idx]); net.backward is nnlib's "
                        "backward pass, not yours.")
        if any(not same_net for _, same_net, _ in calls):
            raise Wrong("gradients was called with another network than net: pass the network "
                        "being trained, gradients(net, X[idx], y[idx]).")
        per_step = [sum(1 for _, _, before in calls if before == k) for k in range(n_steps)]
        if any(c == 0 for c in per_step):
            k = per_step.index(0)
            raise Wrong(f"step {k + 1} was taken without a call of gradients before it: call "
                        f"gradients(net, X[idx], y[idx]) once per mini-batch, then sgd_step.")

    @staticmethod
    def _judge_schedule(output, steps, lr, S, per_epoch, k):
        """The learning rates passed to sgd_step differ from the warm-up schedule at step k:
        name how."""
        got = np.array([s[0] for s in steps], dtype=float)
        n = len(got)
        ramp = training.warmup(lr, S)
        variants = {
            "the step counter starts again at 0 every epoch; it counts the steps of the whole "
            "run, across epochs": [ramp(j % per_epoch) for j in range(n)],
            "the warm-up is missing: the learning rate is constant from the first step; use "
            "warmup(learning_rate, warmup_steps)(step) with a step counter": [lr] * n,
            "the schedule is read one step late: the first step takes warmup(...)(0), so the "
            "counter starts at 0 and grows by one after each step": [ramp(j + 1) for j in range(n)],
            "the schedule is read one step early: the counter must be 0 at the first step":
                [ramp(j - 1) if j else ramp(0) for j in range(n)],
            "the step counter counts epochs, not steps: it grows by one after each mini-batch":
                [ramp(j // per_epoch) for j in range(n)],
        }
        for description, alt in variants.items():
            if np.allclose(got, alt, rtol=1e-9, atol=0):
                raise Wrong(f"sgd_step got learning_rate={got[k]:.6g} at step {k + 1}, expected "
                            f"{ramp(k):.6g}: {description}.")
        calls = list(output.get("warmup_calls") or [])
        if calls and any(c != [lr, float(S)] for c in calls):
            bad = next(c for c in calls if c != [lr, float(S)])
            raise Wrong(f"warmup was called as warmup({_fmt(bad[0])}, {_fmt(bad[1])}); call it "
                        f"with train's arguments, warmup(learning_rate, warmup_steps).")

    @staticmethod
    def _judge_history(case, net0, hist, loss, what):
        """The history differs from nnlib.fit's: name the mistake (the named variants need the
        parameters before every step, so they are computed only here)."""
        X, y, epochs, B, lr, mu, wd = case.args
        per_epoch = _steps_per_epoch(X.shape[0], B)
        before, batches = _reference_trajectory(net0, X, y, epochs, B, lr, mu, wd,
                                                case.kwargs["rng_seed"],
                                                case.kwargs.get("warmup_steps", 0))
        probe = net0.copy()

        def error_at(params, rows=None):
            probe.set_params(*params)
            return probe.error(X, y) if rows is None else probe.error(X[rows], y[rows])

        if hist.size == epochs + 1 and np.allclose(hist[1:], loss, rtol=1e-6, atol=0) and \
                math.isclose(hist[0], error_at(before[0]), rel_tol=1e-6):
            raise Wrong(f"the history has {epochs + 1} entries, expected {epochs}: the error before "
                        f"training is included. Append E once after each epoch.")
        if hist.size != epochs:
            raise Wrong(f"the history has {hist.size} entries, expected {epochs} (one per epoch: "
                        f"E on the whole training set after the epoch).")
        ends = [before[(k + 1) * per_epoch] for k in range(epochs)]
        starts = [before[k * per_epoch] for k in range(epochs)]
        batch_errors = [[error_at(before[k * per_epoch + j], idx) for j, idx in enumerate(batches[k])]
                        for k in range(epochs)]
        weights = [np.array([len(idx) for idx in batches[k]], dtype=float) for k in range(epochs)]
        wrong = {
            "E of the last mini-batch of each epoch; record E on the whole training set, net.error(X, y)":
                [error_at(ends[k], batches[k][-1]) for k in range(epochs)],
            "E before each epoch's updates; record it after the epoch":
                [error_at(p) for p in starts],
            "the mean of the mini-batch errors during the epoch (each before its step); record E "
            "on the whole training set after the epoch, net.error(X, y)":
                [float(np.dot(e, w) / w.sum()) for e, w in zip(batch_errors, weights)],
            "the average of the mini-batch errors during the epoch (each before its step); record "
            "E on the whole training set after the epoch, net.error(X, y)":
                [float(np.mean(e)) for e in batch_errors],
        }
        if wd:
            penalty = [0.5 * wd * sum(float(np.sum(w**2)) for w in W[1:]) for W, _ in ends]
            wrong["E plus the weight-decay penalty lambda/2 sum ||W||^2; record the error E alone, "
                  "net.error(X, y)"] = list(loss + np.array(penalty))
        if net0.loss.error.targets != "real":
            acc = []
            for W, b_ in ends:
                probe.set_params(W, b_)
                acc.append(probe.accuracy(X, y))
            wrong["the accuracy instead of the training error E, net.error(X, y)"] = acc
        checks.check_array(hist, loss, what, rtol=1e-6, wrong=wrong)


# --------------------------------------------------------------------------------------------
# Exercise 6: train_digits (the capstone, with the student's own pieces)
# --------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _digits():
    return data.digits()


def _net_evidence(net):
    return {"sizes": [int(s) for s in net.sizes],
            "hidden": [getattr(h, "name", None) for h in net.hidden[1:]],
            "loss": net.loss.error.name, "output": net.loss.output_name,
            "W": list(net.W), "b": list(net.b)}


def _probe(ex, fn):
    """Run the student's function ``fn`` on the checker ``ex``'s first visible case; the
    result (or the exception) is evidence for a diagnosis, never a grade."""
    if not callable(fn):
        return None
    case = ex.fixed_cases()[0]
    try:
        return {"output": ex.call(fn, case)}
    except Exception as e:
        return {"raised": [type(e).__name__, str(e)[:300]]}


def _positional(fn, args, kwargs):
    """The arguments of a call of ``fn`` by position (defaults applied), or None."""
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
        bound.apply_defaults()
        return bound.args
    except (TypeError, ValueError):
        return None


class _PieceLog:
    """Wrappers around the student's own train, gradients and sgd_step: what train was asked
    and what it passed on (the learning rate above all), and the work of every gradients call
    (``counter``: ``steps`` calls, ``work`` the examples in the batch times the parameters of
    the network, summed). They pass every call through unchanged, until the work passes a
    bound: the next ``sgd_step`` raises :class:`WorkBoundReached`."""

    def __init__(self, space, counter, nnlib_counter=None):
        self.counter = counter
        self.nnlib_counter = {} if nnlib_counter is None else nnlib_counter
        counter.setdefault("steps", 0)
        counter.setdefault("work", 0.0)
        self.train_calls, self.step_args = [], []
        self.inner_train, self.inner_step = space.get("train"), space.get("sgd_step")
        self.inner_gradients = space.get("gradients")

    def names(self):
        out = {}
        inner_train, inner_step = self.inner_train, self.inner_step
        inner_gradients = self.inner_gradients
        if callable(inner_train):
            def train(*args, **kwargs):
                a = _positional(inner_train, args, kwargs)
                if a is not None and len(a) >= 8:   # net, X, y, epochs, batch_size, lr, mu, wd
                    self.train_calls.append([_float(a[3]), _float(a[4]), _float(a[5]),
                                             _float(a[6]), _float(a[7]),
                                             float(np.shape(a[1])[0]) if np.ndim(a[1]) else math.nan,
                                             _float(a[9]) if len(a) >= 10 else 0.0])
                return inner_train(*args, **kwargs)
            out["train"] = train
        if callable(inner_gradients):
            def gradients(*args, **kwargs):
                self.counter["steps"] += 1
                try:
                    net, X = (_positional(inner_gradients, args, kwargs) or (None, None))[:2]
                    params = sum(np.size(w) + np.shape(w)[0] for w in net.W[1:])
                    self.counter["work"] += float(np.shape(X)[0]) * float(params)
                except Exception:  # an odd call: counted as a step, its work unknown
                    self.counter["work"] = math.inf
                return inner_gradients(*args, **kwargs)
            out["gradients"] = gradients
        if callable(inner_step):
            def sgd_step(*args, **kwargs):
                other = self.nnlib_counter
                if self.counter.get("steps", 0) + other.get("steps", 0) > MAX_STEPS or \
                        self.counter.get("work", 0) + other.get("work", 0) > MAX_WORK:
                    raise WorkBoundReached()
                a = _positional(inner_step, args, kwargs)
                if a is not None and len(a) >= 9 and len(self.step_args) < 5000:
                    self.step_args.append([_float(a[6]), _float(a[7]), _float(a[8])])
                return inner_step(*args, **kwargs)
            out["sgd_step"] = sgd_step
        return out


@register
class TrainDigits(Exercise):
    name = "train_digits"
    assignment = ASSIGNMENT
    # the whole run is the student's: nnlib's training loop, step and batches must not run;
    # nnlib's backward pass is counted (``count_backward``) and fails the case with its own
    # diagnosis (its forward pass may run: net.error and net.accuracy measure the result)
    references = (training.fit, training.SGD.step, training.sgd_step, training.minibatches)
    test_students = 1  # every case trains a network on the digits

    @staticmethod
    def _case(seed, label):
        d = _digits()
        return Case(f"{label}, seed {seed}", (d.X_train.copy(), d.t_train.copy(),
                                              np.random.default_rng(seed)), data={"seed": seed})

    def fixed_cases(self):
        return [self._case(1, "digits")]

    def cases(self, rng):
        return [self._case(int(rng.integers(2**31)), "digits, your graded seed")]

    def call(self, fn, case):
        X, y, rng = case.args
        space = getattr(fn, "__globals__", {})
        counter, nnlib_counter = {}, {}
        pieces = _PieceLog(space, counter, nnlib_counter)
        stopped = False
        with quiet(), replaced_globals(fn, pieces.names()), count_backward(nnlib_counter):
            try:
                result = fn(X, y, rng)
            except WorkBoundReached:
                result, stopped = None, True
        out = {"steps": counter.get("steps", 0) + nnlib_counter.get("steps", 0),
               "work": counter.get("work", 0.0) + nnlib_counter.get("work", 0.0),
               "nnlib_backward": nnlib_counter.get("steps", 0), "stopped": stopped,
               "train_calls": pieces.train_calls, "step_args": pieces.step_args,
               "result": f"a {type(result).__name__}", "net": None, "history": None}
        if isinstance(result, tuple) and len(result) == 2:
            net, history = result
            if isinstance(net, MLP):
                out["net"] = _net_evidence(net)
            else:
                out["result"] = f"a pair with a {type(net).__name__} first"
            try:
                out["history"] = np.asarray(history, dtype=float).ravel()
            except (TypeError, ValueError):
                pass
        with quiet():
            out["probe_sgd_step"] = _probe(SgdStep(), pieces.inner_step)
            out["probe_minibatches"] = _probe(Minibatches(), space.get("minibatches"))
            out["probe_gradients"] = _probe(Gradients(), pieces.inner_gradients)
            out["probe_warmup"] = _probe(Warmup(), space.get("warmup"))
        return out

    def judge(self, case, output):
        if not isinstance(output, dict):
            raise Wrong("the result could not be read")
        steps, work = int(output["steps"]), float(output["work"])
        stopped = " (the run was stopped there)" if output.get("stopped") else ""
        if steps > MAX_STEPS:
            raise Wrong(f"the training made more than {MAX_STEPS} steps (backward passes), the "
                        f"bound{stopped}. Use larger mini-batches or fewer epochs (10 epochs of "
                        f"mini-batches of 64 are 230 steps, 15 epochs of 32 are 675).")
        if work > MAX_WORK:
            raise Wrong(f"the training did more than {MAX_WORK:.0e} units of work (examples "
                        f"through the backward pass x parameters of the network), the bound"
                        f"{stopped}. Use fewer epochs or a smaller network (a 64-64-10 network "
                        f"has 4,810 parameters: 10 epochs of the 1,437 training images need "
                        f"about 6.9e7).")
        net_ev = output.get("net")
        if net_ev is None:
            raise Wrong(f"return the pair (net, history) with net an nnlib.MLP; got "
                        f"{output.get('result')}.")
        sizes = list(net_ev["sizes"])
        if sizes[0] != 64 or sizes[-1] != 10:
            raise Wrong(f"the network must have 64 inputs and 10 outputs, got sizes {sizes}.")
        if net_ev["loss"] != "softmax_ce" or net_ev["output"] != "softmax":
            raise Wrong(f"build the MLP with loss=\"softmax_ce\" (softmax output, cross-entropy); "
                        f"got the error {net_ev['loss']!r} with a {net_ev['output']!r} output.")
        nnlib_backward = int(output.get("nnlib_backward", 0))
        if nnlib_backward:
            never = steps == nnlib_backward
            raise Wrong(f"nnlib's backward pass ran {nnlib_backward} time(s) while train_digits "
                        f"trained (net.backward or net.gradients): the capstone runs your own code "
                        f"only, so every step takes its gradients from your gradients(net, X[idx], "
                        f"y[idx])" + (" (your train never called gradients)." if never else "."))
        if steps == 0:
            raise Wrong("gradients was never called while train_digits ran: train the network "
                        "with your train, which takes every step with your gradients and your "
                        "sgd_step.")
        net = MLP(sizes, hidden=[None] + list(net_ev["hidden"]), loss="softmax_ce", init="zeros") \
            if len(sizes) > 2 else MLP(sizes, loss="softmax_ce", init="zeros")
        net.set_params(list(net_ev["W"]), list(net_ev["b"]))
        d = _digits()
        with quiet():
            accuracy = net.accuracy(d.X_test, d.t_test)
        if accuracy >= MIN_ACCURACY:
            return f"test accuracy {accuracy:.3f} after {steps} steps"
        raise Wrong(f"test accuracy {accuracy:.3f}, needs at least {MIN_ACCURACY}. "
                    + self.diagnose(output, net))

    @staticmethod
    def diagnose(output, net):
        """Why the capstone learned too little, from the evidence of the same call."""
        notes = []
        finite = all(np.isfinite(np.asarray(w, dtype=float)).all() for w in net.W[1:])
        history = output.get("history")
        if not finite or (history is not None and np.size(history) and not np.isfinite(history).all()):
            notes.append("The training diverged: the weights or the training error became NaN or "
                         "infinite, so the steps go uphill or are too large.")
        calls, step_args = list(output.get("train_calls") or []), list(output.get("step_args") or [])
        if calls and step_args:
            epochs, B, lr, _, _, N = calls[0][:6]
            S = calls[0][6] if len(calls[0]) > 6 else 0.0
            got = step_args[0][0]
            if S and math.isfinite(S) and S > 0:
                lr = lr * min(1.0, 1.0 / S)      # the first step of the warm-up
            if not math.isclose(got, lr, rel_tol=1e-12) and got > 0:
                ratio = lr / got
                if math.isclose(ratio, round(ratio), rel_tol=1e-9) and round(ratio) in (B, N):
                    notes.append(f"Your train passes learning_rate={got:.6g} to sgd_step although it "
                                 f"was given {lr:.6g}: the learning rate divided by the batch size "
                                 f"({round(ratio)}). Your gradients already return the gradient of "
                                 f"the batch mean, so pass the learning rate unchanged.")
                else:
                    notes.append(f"Your train passes learning_rate={got:.6g} to sgd_step although it "
                                 f"was given {lr:.6g}.")
        for ex, key in ((Gradients(), "probe_gradients"), (SgdStep(), "probe_sgd_step"),
                        (Minibatches(), "probe_minibatches"), (Warmup(), "probe_warmup")):
            probe = output.get(key)
            if not isinstance(probe, dict):
                continue
            case = ex.fixed_cases()[0]
            if "raised" in probe:
                ename, msg = (list(probe["raised"]) + ["", ""])[:2]
                notes.append(f"Your {ex.name} raises {ename} on its visible case: {msg}")
                continue
            try:
                ex.judge(case, probe.get("output"))
            except AssertionError as e:
                notes.append(f"Your {ex.name} is wrong ({case.label}): {e}")
        if not notes:
            notes.append("Check your training curve: if the error grows or is NaN the steps go "
                         "uphill or are too large; if it falls slowly, use a larger learning "
                         "rate, momentum or more epochs.")
        return " ".join(notes)
