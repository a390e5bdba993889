"""Checkers of notebook 02-xor.

``linear_accuracy(w, b, X, t)``: the fraction of the N rows of X that the linear classifier
``z = X w + b``, class 1 where ``z > 0``, gets right; compared with an nnlib network with no
hidden layer and a sigmoid output (``MLP.accuracy``). The answer is called on the whole
batch, on each row alone (a batch of one) and with the targets flipped (1 - t), so that the
judge sees which examples the answer counts as right and can tell a wrong rule (per example)
from a wrong average (over the batch) or predictions that are not 0/1 class ids.
Cases: the three visible ones (the OR line on XOR, the line x1 + x2 = 1 with two ties z = 0,
a 3-D batch of 5); hidden, five: 0/1 inputs with integer weights (always with a tie z = 0),
a Gaussian batch (on both, every named wrong rule gives another accuracy), D = 1 with rows of
very different scale, a batch of one, a square batch (N = D). Named mistakes (only when the
per-example answers match them): the bias with the wrong sign, or left out; class 1 also at
z = 0; the classes swapped or the error rate; the threshold 0.5 applied to z; the number of
correct examples instead of the fraction; predictions laid out as a column (N, 1) compared
with t (N,) (broadcast to an (N, N) table); calling nnlib's network code.

``xor_network()``: the hand-chosen weights ``(W, b, hidden)`` of a 2-2-1 network with a sigmoid
output. Checked in order: the form (a triple; ``hidden`` one of sigmoid/tanh/relu; W and b
lists ``[None, layer 1, layer 2]``); every shape (``W[1]`` (2, 2), ``W[2]`` (1, 2), ``b[1]``
(2,), ``b[2]`` (1,)), with a layout laid out as a column or a flat vector named as such (and
whether the values would compute XOR once laid out as a row); finite entries; the predictions
on the four points (a wrong truth table named when it is OR, AND, NOT XOR, NAND or constant,
otherwise the points that are wrong); the margin, ``|y - t| <= 0.1`` on every point. When the
weights would compute XOR with ``W[1]`` transposed or with another of the three activations,
that is said. Cases: the four points in order (visible) and, hidden, the four points repeated
and shuffled (from the student's rng); all judged with nnlib's ``MLP``.

``success_rate(hidden_units, seeds, epochs, learning_rate, tol)``: trains networks, so the cases
are few and small (5 seeds each, at most 100 epochs). The answer is called on the seeds and on
each seed alone (and, visibly, a second time: the same answer). Cases: visible, 2 hidden units,
seeds 0-4, epochs=60 with the default learning rate and tol; hidden, two, every argument other
than in the visible case: 2 hidden units, 40 or 80 epochs, learning rate 1.0 or 1.5, tol 0.1, with
a seed on which training with 3.0 instead ends differently; and 3 hidden units, 20-30
epochs, learning rate 2.5-3.0, tol 0.3-0.4, with seeds on which tol = 0.1, 2 hidden units
and 100 epochs each change the outcome (seeds drawn one by one from the student's rng until
each of these is witnessed, at most 16 candidates), so that an answer ignoring an argument
fails. The reference errors are trained with nnlib when the cases are made. Named mistakes
(only when the per-seed results match them): the failure rate; the count instead of the
fraction; the learning rate, the number of epochs, tol or the number of hidden units not used
(or fit's default learning rate 0.1); one generator shared by all seeds; an answer that
changes between two calls; otherwise the seeds whose outcome differs, with nnlib's final
error.

``reference_linear_accuracy``, ``reference_xor_network``, ``reference_success_rate``: the
references in the notebook's signatures, for the fallbacks of its demo cells only.
"""
from __future__ import annotations

import numpy as np

from .. import data, network, training
from ..network import MLP
from .base import Case, Exercise, Wrong
from .common import scaled_rows
from .registry import register

ASSIGNMENT = "02-xor"

__all__ = ["LinearAccuracy", "XorNetwork", "SuccessRate", "reference_linear_accuracy",
           "reference_xor_network", "reference_success_rate"]


def _close(a: float, b: float) -> bool:
    return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(b)))


def _number(value, what: str) -> float:
    """``value`` as one float, or :class:`Wrong` saying what it is instead."""
    if isinstance(value, (bool, np.bool_)):
        raise Wrong(f"{what}: returned a bool ({value}); return a float, the fraction.")
    if isinstance(value, (int, float, np.generic)) or (isinstance(value, np.ndarray) and value.size == 1
                                                       and value.dtype.kind in "biuf"):
        return float(np.asarray(value).reshape(()))
    if isinstance(value, np.ndarray):
        raise Wrong(f"{what}: expected a single number, got an array of shape {value.shape}.")
    raise Wrong(f"{what}: expected a single number (a float), got {type(value).__name__}.")


# ------------------------------------------------------------------------------------------
# The references in the notebook's signatures, for the demo cells' fallbacks
# (``nnlib.notebook.yours_or_reference``); never used for grading.
# ------------------------------------------------------------------------------------------

def reference_linear_accuracy(w, b, X, t):
    """The fraction (a float) of the N rows of X (N, D) whose class [X w + b > 0] equals t (N,)."""
    return float(np.mean(_reference_predictions(np.asarray(w, float), b, np.asarray(X, float))
                         == np.asarray(t)))


def reference_xor_network():
    """``(W, b, "sigmoid")`` of a 2-2-1 network computing XOR with a margin: the hidden units
    are OR and AND of the inputs as steep sigmoids, the output is "OR and not AND"."""
    W = [None, np.full((2, 2), 20.0), np.array([[20.0, -20.0]])]
    b = [None, np.array([-10.0, -30.0]), np.array([-10.0])]
    return W, b, "sigmoid"


def reference_success_rate(hidden_units, seeds, epochs=100, learning_rate=3.0, tol=0.1):
    """The fraction of ``seeds`` whose 2-hidden_units-1 tanh network ends with E < tol."""
    seeds = list(seeds)
    final = _final_errors(hidden_units, seeds, epochs, learning_rate)[:, -1]
    return float(np.mean(final < tol))


# ------------------------------------------------------------------------------------------
# Exercise 1: linear_accuracy
# ------------------------------------------------------------------------------------------

def _reference_predictions(w, b, X):
    """Class predictions (N,) of nnlib's network with no hidden layer and a sigmoid output."""
    net = MLP([X.shape[1], 1], loss="bce", init="zeros")
    net.set_params([None, np.reshape(w, (1, -1))], [None, np.reshape(float(b), (1,))])
    return net.predict(X)


def _rule_variants(w, b, X):
    """``{mistake: predictions (N,)}`` of wrong per-example rules."""
    z = X @ w + b
    return {
        "the bias with the wrong sign (z = X w - b)": (X @ w - b > 0).astype(int),
        "class 1 also where z = 0 exactly (the rule is z > 0: an output sigmoid(0) = 0.5 is "
        "class 0)": (z >= 0).astype(int),
        "the classes swapped (class 1 predicted where z <= 0), or the error rate (the fraction "
        "wrong) instead of the accuracy": (z <= 0).astype(int),
        "the bias left out (z = X w)": (X @ w > 0).astype(int),
        "the threshold 0.5 applied to z (z > 0.5) instead of to y = sigmoid(z): class 1 is "
        "where z > 0": (z > 0.5).astype(int),
    }


@register
class LinearAccuracy(Exercise):
    name = "linear_accuracy"
    assignment = ASSIGNMENT
    test_students = 10   # each case calls the answer N + 2 times
    references = (MLP.accuracy, MLP.predict, MLP.output, MLP.forward, network.forward,
                  network.dense)

    def fixed_cases(self):
        X, t = data.xor()
        X3 = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, -1.0], [2.0, 2.0, 1.0],
                       [-1.0, 0.0, 0.0]])
        return [Case("the OR line x1 + x2 = 1/2 on XOR", (np.array([1.0, 1.0]), -0.5, X, t)),
                Case("the line x1 + x2 = 1 on XOR (two points have z = 0)",
                     (np.array([1.0, 1.0]), -1.0, X, t)),
                Case("a 3-D batch of 5 examples",
                     (np.array([0.5, -1.0, 2.0]), 0.25, X3, np.array([1, 0, 0, 1, 1])))]

    def cases(self, rng):
        out = []
        for k in range(5):
            for _ in range(200):   # redraw until the case tells the mistakes apart
                if k == 0:         # 0/1 inputs, integer weights: pre-activations of exactly 0
                    N, D = int(rng.integers(5, 9)), int(rng.integers(2, 4))
                    X = rng.integers(0, 2, size=(N, D)).astype(float)
                    w = rng.integers(-2, 3, size=D).astype(float)
                    b = float(rng.choice([-2.0, -1.0, 1.0, 2.0]))
                else:
                    N, D = {1: (int(rng.integers(5, 10)), int(rng.integers(2, 5))),
                            2: (int(rng.integers(5, 10)), 1),
                            3: (1, int(rng.integers(2, 5)))}.get(k, (0, 0))
                    if k == 4:
                        N = D = int(rng.integers(3, 6))
                    X = scaled_rows(rng, N, D) if k == 2 else rng.normal(size=(N, D))
                    w = rng.normal(size=D)
                    b = float(rng.normal())
                t = rng.integers(0, 2, size=N)
                if N == 1 or self._tells_apart(k, w, b, X, t):
                    break
            what = {0: "0/1 inputs with ties z = 0", 1: "a random batch",
                    2: "D = 1, rows of very different scale", 3: "a batch of one",
                    4: "a square batch"}[k]
            out.append(Case(f"{what} (N={N}, D={D})", (w, b, X, t)))
        return out

    @staticmethod
    def _tells_apart(k, w, b, X, t):
        correct = (X @ w + b > 0).astype(int) == t   # the rule (the judge asks nnlib)
        acc = float(np.mean(correct))
        if not 0.0 < acc < 1.0:
            return False
        z = X @ w + b
        if k == 0 and not np.any(z == 0):
            return False
        variants = _rule_variants(w, b, X)
        if k == 0:        # the tie rule and the bias sign change the accuracy
            return all(not _close(np.mean(p == t), acc) for m, p in variants.items()
                       if "z = 0" in m or "wrong sign" in m)
        if k == 1:        # every wrong rule changes the accuracy on this case
            return all(not _close(np.mean(p == t), acc) for p in variants.values())
        return True

    def call(self, fn, case):
        w, b, X, t = case.args
        whole = fn(w, b, X, t)
        rows = [fn(w, b, X[n:n + 1], t[n:n + 1]) for n in range(X.shape[0])] if X.shape[0] > 1 else []
        return {"accuracy": whole, "rows": rows, "flipped": fn(w, b, X, 1 - t)}

    def explain_error(self, case, error, message):
        w, b, X, t = case.args
        if error == "ValueError":
            return (f"linear_accuracy raised ValueError ({message}) for w of shape (D,) = "
                    f"{w.shape} and X of shape (N, D) = {X.shape}: z = X @ w + b has shape (N,).")
        return None

    def judge(self, case, output):
        w, b, X, t = case.args
        N = X.shape[0]
        if not isinstance(output, dict) or "accuracy" not in output:
            raise Wrong("no accuracy was recorded")
        what = "linear_accuracy"
        got = _number(output["accuracy"], what)
        rows = [_number(r, f"{what} on a batch of one") for r in output.get("rows") or []]
        flipped = _number(output.get("flipped"), f"{what} with the targets flipped (1 - t)")
        pred = _reference_predictions(w, b, X)
        correct = (pred == t).astype(float)
        expected = float(np.mean(correct))
        z = X @ w + b
        rows_ok = len(rows) == N > 1 and all(_close(r, c) for r, c in zip(rows, correct))

        def example(n):
            x = ", ".join(f"{v:g}" for v in X[n])
            return f"x = ({x}), z = {z[n]:.4g}, t = {t[n]}"

        if _close(got, expected):
            bad = [n for n, (r, c) in enumerate(zip(rows, correct)) if not _close(r, c)]
            if bad:
                n = bad[0]
                mine = np.array(rows)
                named = [m for m, p in _rule_variants(w, b, X).items()
                         if np.allclose(mine, (p == t).astype(float))]
                if named:
                    raise Wrong(f"{what}: right on the whole batch by chance, but on each row "
                                f"alone (a batch of one) your answers match a known mistake: "
                                + "; or ".join(named) + ".")
                raise Wrong(f"{what}: right on the whole batch, but on row {n} alone (a batch of "
                            f"one: {example(n)}) it returns {rows[n]:g} where the accuracy is "
                            f"{correct[n]:g}.")
            if not _close(flipped, 1.0 - expected):
                raise Wrong(f"{what}: right for t, but with the targets flipped (1 - t) it returns "
                            f"{flipped:g} where the accuracy is {1.0 - expected:g}: compare "
                            f"predictions in {{0, 1}} with the class ids t.")
            return f"accuracy {got:.2f}"
        head = (f"{what}: got {got:.6g}, expected {expected:.6g} = {int(correct.sum())}/{N} "
                f"(the fraction of the N = {N} examples with [z > 0] = t).")
        if rows_ok:   # each example alone is right: the average over the batch is wrong
            agg = {
                f"the number of correct examples, not the fraction (divide by N = {N})":
                    float(correct.sum()),
                "predictions laid out as a column (N, 1) (w or z as a column) compared with t "
                "of shape (N,): broadcasting compares every prediction with every target, an "
                "(N, N) table; keep z and the predictions of shape (N,)":
                    float(np.mean(pred[:, None] == t[None, :])),
            }
            flip = {m: v for m, v in zip(agg, (N - float(correct.sum()),
                                                float(np.mean(pred[:, None] == (1 - t)[None, :]))))}
            named = [m for m, v in agg.items() if _close(got, v) and _close(flipped, flip[m])]
            if named:
                raise Wrong(f"{head} Your answer matches a known mistake: {named[0]}.")
            raise Wrong(f"{head} On each example alone (a batch of one) your function is right, "
                        f"so the rule is right but the average over the batch is not: the "
                        f"accuracy is the mean over the N examples of [prediction == t], with "
                        f"both of shape (N,).")
        mine = np.array(rows) if len(rows) == N > 1 else None
        named = [m for m, p in _rule_variants(w, b, X).items()
                 if not np.array_equal(p, pred) and _close(got, np.mean(p == t))
                 and _close(flipped, 1.0 - np.mean(p == t))
                 and (mine is None or np.allclose(mine, (p == t).astype(float)))]
        if len(named) == 1:
            raise Wrong(f"{head} Your answer matches a known mistake: {named[0]}.")
        if named:
            raise Wrong(f"{head} On this case your answers are those of each of these mistakes: "
                        + "; or ".join(named) + ".")
        if not _close(flipped, 1.0 - got):
            head += (f" With the targets flipped (1 - t) your function returns {flipped:g}, not "
                     f"1 - {got:g}: are your predictions class ids 0/1, compared with t?")
        if mine is not None:
            bad = [n for n in range(N) if not _close(mine[n], correct[n])][:3]
            parts = [f"row {n} ({example(n)}): the rule z > 0 predicts class {pred[n]}, so the "
                     f"example is {'right' if correct[n] else 'wrong'}; your function on it alone "
                     f"returns {mine[n]:g}" for n in bad]
            raise Wrong(f"{head} " + "; ".join(parts) + ".")
        raise Wrong(f"{head} The example: {example(0)}; class 1 is predicted where z > 0.")


# ------------------------------------------------------------------------------------------
# Exercise 2: xor_network
# ------------------------------------------------------------------------------------------

HIDDEN = ("sigmoid", "tanh", "relu")
SHAPES = {("W", 1): (2, 2), ("W", 2): (1, 2), ("b", 1): (2,), ("b", 2): (1,)}
BOOLEAN = {
    "the network computes x1 OR x2, not XOR: it outputs 1 at x = (1, 1), where XOR is 0 "
    "(the second hidden unit must switch the output off there)": (0, 1, 1, 1),
    "the network computes x1 AND x2, not XOR": (0, 0, 0, 1),
    "the network computes NOT XOR (every output flipped: check the signs of W[2] and b[2])":
        (1, 0, 0, 1),
    "the network computes NAND, not XOR: it outputs 1 at x = (0, 0)": (1, 1, 1, 0),
    "the output is 0 on all four points": (0, 0, 0, 0),
    "the output is 1 on all four points": (1, 1, 1, 1),
}
MARGIN = 0.1


def _net(W, b, hidden):
    return MLP([2, 2, 1], hidden=hidden, loss="bce", init="zeros").set_params(W, b)


def _computes_xor(W, b, hidden) -> bool:
    """Whether ``(W, b, hidden)`` (shapes right) computes XOR with the margin on the 4 points."""
    try:
        X, t = data.xor()
        y = _net(W, b, hidden).output(X)[:, 0]
    except (ValueError, TypeError):
        return False
    return bool(np.all(np.isfinite(y)) and np.all(np.abs(y - t) <= MARGIN))


def _array(value, what):
    if value is None or isinstance(value, (str, bool)):
        raise Wrong(f"xor_network: {what} is {value!r}, expected a numeric array.")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise Wrong(f"xor_network: {what} is not a numeric array ({type(value).__name__}).") from None
    return arr


@register
class XorNetwork(Exercise):
    name = "xor_network"
    assignment = ASSIGNMENT

    def fixed_cases(self):
        return [Case("the four XOR points", data={"order": [0, 1, 2, 3]})]

    def cases(self, rng):
        order = rng.permutation(np.repeat(np.arange(4), rng.integers(1, 4, size=4)))
        return [Case(f"the four XOR points repeated and shuffled ({len(order)} rows)",
                     data={"order": [int(i) for i in order]})]

    def _form(self, output):
        """The checked ``(W, b, hidden)`` with float arrays, or :class:`Wrong`."""
        if not isinstance(output, (tuple, list)) or len(output) != 3:
            got = (f"a {type(output).__name__} of length {len(output)}"
                   if isinstance(output, (tuple, list)) else f"a {type(output).__name__}")
            raise Wrong(f"xor_network() must return a tuple (W, b, hidden); got {got}.")
        W, b, hidden = output
        if not (isinstance(hidden, str) and hidden in HIDDEN):
            raise Wrong(f"xor_network: hidden must be one of {HIDDEN}, got {hidden!r}.")
        for letter, lst in (("W", W), ("b", b)):
            if not isinstance(lst, (list, tuple)) or len(lst) != 3:
                n = len(lst) if isinstance(lst, (list, tuple)) else type(lst).__name__
                raise Wrong(f"xor_network: a 2-2-1 network has 2 layers, so {letter} is a list "
                            f"[None, layer 1, layer 2] of length 3; got {n}.")
            if lst[0] is not None:
                raise Wrong(f"xor_network: {letter}[0] must be None (layer 0 is the input, "
                            f"which has no weights).")
        W = [None] + [_array(W[l], f"W[{l}]") for l in (1, 2)]
        b = [None] + [_array(b[l], f"b[{l}]") for l in (1, 2)]
        for (letter, l), shape in SHAPES.items():
            got = (W if letter == "W" else b)[l].shape
            if got != shape:
                raise Wrong(self._shape_message(letter, l, got, shape, W, b, hidden))
        for letter, lst in (("W", W), ("b", b)):
            for l in (1, 2):
                if not np.all(np.isfinite(lst[l])):
                    raise Wrong(f"xor_network: {letter}[{l}] contains NaN or infinite entries.")
        return W, b, hidden

    @staticmethod
    def _shape_message(letter, l, got, shape, W, b, hidden):
        role = {("W", 1): "row k holds the weights from the two inputs into hidden unit k",
                ("W", 2): "one row for the one output unit, holding its weights from the two "
                          "hidden units",
                ("b", 1): "one bias per hidden unit",
                ("b", 2): "one bias for the output unit"}[(letter, l)]
        form = f"shape {got}"
        if len(got) == 2 and got == shape[::-1]:
            form = (f"shape {got}, laid out as a column" if got[1] == 1 else
                    f"shape {got}, transposed")
        elif len(got) == 1 and len(shape) == 2:
            form = f"shape {got}, a flat vector"
        elif len(got) == 0:
            form = "a single number (shape ())"
        msg = (f"xor_network: {letter}[{l}] has {form}, expected {shape} "
               f"{'= (n_%d, n_%d)' % (l, l - 1) if letter == 'W' else '= (n_%d,)' % l}: {role}.")
        # would the same numbers, laid out as expected, compute XOR?
        if int(np.prod(got)) == int(np.prod(shape)):
            fixed_W, fixed_b = list(W), list(b)
            (fixed_W if letter == "W" else fixed_b)[l] = (W if letter == "W" else b)[l].reshape(shape)
            shapes_ok = all((fixed_W if k == "W" else fixed_b)[m].shape == s for (k, m), s in SHAPES.items())
            if shapes_ok and _computes_xor(fixed_W, fixed_b, hidden):
                msg += (f" The values are right: laid out with shape {shape}, your network "
                        f"computes XOR.")
        return msg

    def judge(self, case, output):
        W, b, hidden = self._form(output)
        X0, t0 = data.xor()
        order = np.asarray(case.data["order"])
        X, t = X0[order], t0[order]
        net = _net(W, b, hidden)
        y = net.output(X)[:, 0]
        pred = net.predict(X)
        hints = []
        if not _computes_xor(W, b, hidden):
            if _computes_xor([None, W[1].T, W[2]], b, hidden):
                hints.append("With W[1] transposed your network would compute XOR: row k of W[1] "
                             "holds the weights into hidden unit k (W[1][k, j] = w_kj, from input "
                             "j to unit k; z[1] = X @ W[1].T + b[1]).")
            others = [h for h in HIDDEN if h != hidden and _computes_xor(W, b, h)]
            if others:
                hints.append(f"With hidden='{others[0]}' these weights compute XOR: they are "
                             f"designed for another activation than '{hidden}'.")
        hint = (" " + " ".join(hints)) if hints else ""
        if not np.array_equal(pred, t):
            table = tuple(int(v) for v in _net(W, b, hidden).predict(X0))
            named = [m for m, tt in BOOLEAN.items() if tt == table]
            if named:
                raise Wrong(f"xor_network: {named[0]}.{hint}")
            wrong = [n for n in range(4) if table[n] != t0[n]]
            y0 = _net(W, b, hidden).output(X0)[:, 0]
            pts = "; ".join(f"at x = ({X0[n, 0]:g}, {X0[n, 1]:g}) the output is y = {y0[n]:.3f} "
                            f"(class {table[n]}) where XOR is {t0[n]}" for n in wrong)
            raise Wrong(f"xor_network: the network does not compute XOR: {pts}.{hint}")
        gap = np.abs(y - t)
        n = int(np.argmax(gap))
        if gap[n] > MARGIN:
            raise Wrong(f"xor_network: the class is right but the margin is too small: at x = "
                        f"({X[n, 0]:g}, {X[n, 1]:g}) the output is y = {y[n]:.3f} for target "
                        f"{t[n]}; the rule asks |y - t| <= {MARGIN} on every point (|z[2]| >= "
                        f"ln 9 = 2.2). Scale up W[2] and b[2] (or sharpen the hidden units).{hint}")
        return f"{hidden} hidden units, outputs within {MARGIN} of the targets"


# ------------------------------------------------------------------------------------------
# Exercise 3: success_rate
# ------------------------------------------------------------------------------------------

def _final_errors(hidden_units, seeds, epochs, learning_rate, *, shared=False):
    """Per-seed training errors E (the mean over the 4 points) after each epoch, shape
    (len(seeds), epochs), with nnlib's recipe: one ``default_rng(seed)`` for the initial weights
    and for ``fit``. ``shared``: one generator, made from the first seed, for all the runs (a
    mistake). (Two generators per seed would give the same results: with full batches the
    order of the examples drawn by ``fit`` does not change the step.)"""
    X, t = data.xor()
    T = t.reshape(-1, 1)
    out = []
    g = np.random.default_rng(seeds[0]) if shared else None
    for s in seeds:
        rng = g if shared else np.random.default_rng(s)
        net = MLP([2, hidden_units, 1], hidden="tanh", loss="bce", rng=rng)
        hist = training.fit(net, X, T, epochs, batch_size=4, learning_rate=learning_rate,
                            rng=rng, record="full")  # E after each epoch, as net.error gives
        out.append(hist.loss)
    return np.array(out, dtype=float)


_CASES: dict[str, list[Case]] = {}


def _near(errors, thresholds, gap=1e-6) -> bool:
    """Whether any of ``errors`` lies within ``gap`` of any of ``thresholds``."""
    return any(abs(e - c) < gap for e in errors for c in thresholds)


@register
class SuccessRate(Exercise):
    name = "success_rate"
    assignment = ASSIGNMENT
    test_students = 2   # every case trains 5 networks several times

    @staticmethod
    def _case(h, seeds, epochs, lr, tol, E, visible=False, extra=None):
        kwargs = {"epochs": epochs}
        if lr is not None:
            kwargs["learning_rate"] = lr
        if tol is not None:
            kwargs["tol"] = tol
        label = f"{h} hidden units, seeds {seeds}, " + ", ".join(f"{k}={v}" for k, v in kwargs.items())
        return Case(label, (h, list(seeds)), kwargs,
                    data={"h": h, "seeds": list(seeds), "epochs": epochs,
                          "lr": 3.0 if lr is None else lr, "tol": 0.1 if tol is None else tol,
                          "E": [float(e) for e in E], "visible": visible, **(extra or {})})

    def fixed_cases(self):
        if "visible" not in _CASES:   # trained once per process
            seeds = [0, 1, 2, 3, 4]
            _CASES["visible"] = [self._case(2, seeds, 60, None, None,
                                            _final_errors(2, seeds, 60, 3.0)[:, -1], visible=True)]
        return list(_CASES["visible"])

    def cases(self, rng):
        key = repr(rng.bit_generator.state)
        if key not in _CASES:
            _CASES[key] = self._draw(rng)
            while len(_CASES) > 64:
                _CASES.pop(next(k for k in _CASES if k != "visible"))
        return list(_CASES[key])

    @staticmethod
    def _pick_seeds(rng, n, outcomes, needs):
        """``n`` seeds drawn from ``rng`` such that, for every test in ``needs``, one seed
        witnesses it (``outcomes(seed)`` returns ``(set of tests witnessed, per-seed data)``,
        or ``(None, data)`` for a seed to leave out); at most 16 candidates. Seeds whose
        errors lie within 1e-6 of a threshold are left out, so that rounding in another
        process cannot change which seeds are drawn or their outcome.
        Returns ``(sorted seeds, {seed: data})``."""
        chosen, others, info, need = [], [], {}, set(needs)
        for _ in range(16):
            s = int(rng.integers(10**6))
            if s in info:
                continue
            witnessed, info[s] = outcomes(s)
            if witnessed is None:   # an error within 1e-6 of a threshold: not used
                continue
            (chosen if witnessed & need else others).append(s)
            need -= witnessed
            if not need and len(chosen) + len(others) >= n:
                break
        seeds = sorted(chosen[:n] + others[:max(0, n - len(chosen))])
        return seeds, info

    @staticmethod
    def _draw(rng):
        out = []
        # 2 hidden units, a smaller learning rate: the learning rate must change an outcome
        epochs, lr = int(rng.choice([40, 80])), float(rng.choice([1.0, 1.5]))

        def outcomes_a(s):
            E = _final_errors(2, [s], epochs, lr)[0, -1]
            E3 = _final_errors(2, [s], epochs, 3.0)[0, -1]
            if _near((E, E3), (0.1,)):
                return None, None
            return ({"lr"} if (E < 0.1) != (E3 < 0.1) else set()), (E, E3)

        seeds, info = SuccessRate._pick_seeds(rng, 5, outcomes_a, {"lr"})
        out.append(SuccessRate._case(2, seeds, epochs, lr, 0.1, [info[s][0] for s in seeds],
                                     extra={"E_lr3": [float(info[s][1]) for s in seeds]}))
        # 3 hidden units, few epochs, a larger tol: tol, the number of hidden units and the
        # number of epochs must each change an outcome
        epochs, lr, tol = int(rng.choice([20, 30])), float(rng.choice([2.5, 3.0])), float(rng.choice([0.3, 0.4]))

        def outcomes_b(s):
            runs = _final_errors(3, [s], 100, lr)[0]
            E, E100 = runs[epochs - 1], runs[99]
            E2 = _final_errors(2, [s], epochs, lr)[0, -1]
            if _near((E, E100, E2), (tol, 0.1)):
                return None, None
            ok = E < tol
            tests = {name for name, other in (("tol", E < 0.1), ("hidden", E2 < tol),
                                              ("epochs", E100 < tol)) if other != ok}
            return tests, (E, E100, E2)

        seeds, info = SuccessRate._pick_seeds(rng, 5, outcomes_b, {"tol", "hidden", "epochs"})
        out.append(SuccessRate._case(3, seeds, epochs, lr, tol, [info[s][0] for s in seeds],
                                     extra={"E100": [float(info[s][1]) for s in seeds],
                                            "E_h2": [float(info[s][2]) for s in seeds]}))
        return out

    def call(self, fn, case):
        h, seeds = case.args
        out = {"rate": fn(h, seeds, **case.kwargs),
               "single": [fn(h, [s], **case.kwargs) for s in seeds]}
        if case.data.get("visible"):
            out["again"] = fn(h, seeds, **case.kwargs)
        return out

    def judge(self, case, output):
        d = case.data
        h, seeds, epochs, lr, tol = d["h"], d["seeds"], d["epochs"], d["lr"], d["tol"]
        call = f"success_rate({h}, {seeds}, " + ", ".join(f"{k}={v}" for k, v in case.kwargs.items()) + ")"
        if not isinstance(output, dict) or "rate" not in output:
            raise Wrong("no result was recorded")
        rate = _number(output["rate"], call)
        single = [_number(v, f"success_rate({h}, [{s}], ...)") for v, s in zip(output["single"], seeds)]
        if "again" in output:
            again = _number(output["again"], f"a second call of {call}")
            if not _close(again, rate):
                raise Wrong(f"{call} returned {rate:g}, and {again:g} when called again: all "
                            f"randomness must come from the seeds (one np.random.default_rng(seed) "
                            f"per seed, made inside the loop; not np.random's global state, not a "
                            f"generator made once outside the function).")
        E = np.array(d["E"])
        ok = E < tol
        expected = float(np.mean(ok))
        if not 0.0 <= rate <= 1.0 and not _close(rate, ok.sum()):
            raise Wrong(f"{call} = {rate:g}: success_rate must return a fraction in [0, 1].")
        mine = np.array(single)
        singles_ok = all(_close(a, float(b)) for a, b in zip(single, ok))
        head = f"{call} = {rate:g}, expected {expected:g} ({int(ok.sum())} of the {len(seeds)} runs end with E < tol = {tol:g})."
        if _close(rate, expected) and singles_ok:
            return f"rate {rate:.2f}"
        if singles_ok:   # every seed alone right: the combination over the seeds is wrong
            if _close(rate, ok.sum()):
                raise Wrong(f"{head} Your answer matches a known mistake: the number of successful "
                            f"runs, not the fraction (divide by len(seeds)).")
            shared = _final_errors(h, seeds, epochs, lr, shared=True)[:, -1] < tol
            if _close(rate, np.mean(shared)) and not _close(np.mean(shared), expected):
                raise Wrong(f"{head} Your answer matches a known mistake: one generator shared by "
                            f"all the seeds; make a new np.random.default_rng(seed) for each seed.")
            raise Wrong(f"{head} Each seed alone gives the right answer, but over the {len(seeds)} "
                        f"seeds the fraction differs (the mean of the single-seed results is "
                        f"{expected:g}): are the runs independent, one generator per seed?")
        variants = {"the failure rate: you counted the runs that end with E above tol": ~ok}
        if lr != 3.0:
            E3 = d.get("E_lr3") or _final_errors(h, seeds, epochs, 3.0)[:, -1]
            variants["learning_rate not used: training with 3.0 whatever learning_rate is"] = (
                np.array(E3) < tol)
        variants["learning_rate not passed on to nnlib.fit (its default 0.1 was used)"] = (
            _final_errors(h, seeds, epochs, 0.1)[:, -1] < tol)
        if epochs != 100:
            E100 = d.get("E100") or _final_errors(h, seeds, 100, lr)[:, -1]
            variants["epochs not used: 100 epochs whatever epochs is"] = np.array(E100) < tol
        if tol != 0.1:
            variants["tol not used: success counted as E < 0.1 whatever tol is"] = E < 0.1
        if h != 2:
            E2 = d.get("E_h2") or _final_errors(2, seeds, epochs, lr)[:, -1]
            variants["hidden_units not used: a 2-2-1 network whatever hidden_units is"] = (
                np.array(E2) < tol)
        named = [m for m, v in variants.items() if not np.array_equal(v, ok)
                 and np.allclose(mine, v.astype(float)) and _close(rate, np.mean(v))]
        if len(named) == 1:
            raise Wrong(f"{head} Your answer matches a known mistake: {named[0]}.")
        if named:
            raise Wrong(f"{head} On these seeds your results are those of each of these "
                        f"mistakes: " + "; or ".join(named) + ".")
        bad = [k for k in range(len(seeds)) if not _close(mine[k], float(ok[k]))][:3]
        parts = [f"seed {seeds[k]}: your success_rate({h}, [{seeds[k]}], ...) = {mine[k]:g}, but "
                 f"the recipe ends with E = {E[k]:.3g} ({'below' if ok[k] else 'not below'} tol)"
                 for k in bad]
        raise Wrong(f"{head} " + "; ".join(parts) + ". The recipe: one np.random.default_rng(seed) "
                    "per seed, passed to nnlib.MLP([2, hidden_units, 1], hidden='tanh', "
                    "loss='bce') and to nnlib.fit(..., epochs, batch_size=4, learning_rate); "
                    "success when net.error(X, T) < tol.")
