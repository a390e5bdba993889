"""Checkers of notebook 08-optimizers (conditioning, RMSprop, Adam).

``max_stable_learning_rate(H)``: the largest learning rate for which gradient descent on the
quadratic ``E(w) = 1/2 w^T H w`` converges, ``2 / lambda_max(H)`` (each eigen-direction is
multiplied by ``1 - eta lambda`` per step). Cases: visible, a diagonal (2, 2) and a rotated
(2, 2) matrix; hidden, six symmetric positive definite matrices of sizes 1 to 6, rotated (not
diagonal), condition numbers up to 1e4, scales from 1e-2 to 1e3. Named mistakes: 1/lambda_max;
2/lambda_min; the largest diagonal entry instead of the largest eigenvalue; the trace; the
first eigenvalue numpy returns instead of the largest.

``rmsprop_step(W, b, dW, db, sW, sb, learning_rate, rho, eps, weight_decay)`` and
``adam_step(W, b, dW, db, mW, mb, vW, vb, t, learning_rate, beta1, beta2, eps, weight_decay)``:
one step, in place, compared with ``nnlib.optim`` on copies of the same inputs (parameters and
optimizer state after the step, every layer). Cases: visible, one layer (2, 3) with earlier
state; hidden, six networks of 1 to 3 layers with non-square shapes, state that is not zero
(an optimizer in mid-run), eps drawn from 1e-8 to 0.1 (so where eps goes matters), step
numbers t from 1 to 50 (Adam), one case without weight decay. Named mistakes (RMSprop): no
square root; eps inside the square root; the old mean square used for the step; rho and
1 - rho swapped; the mean square not updated in place; weight decay missing; biases decayed.
(Adam): no bias correction; bias correction of one moment only; the step number off by one
in the correction; no square root; beta1 and beta2 swapped; moments not updated in place;
weight decay missing; biases decayed. Also: a layer not updated, nothing updated in place,
the gradients changed.

``decayed_bias()``: the formula (:mod:`.symbolic`) of the bias minimizing the mean squared error
plus ``lam/2 (w^2 + b^2)`` for centred inputs, ``tbar / (1 + lam)``. Named mistakes: the
undecayed optimum ``tbar``; the first-order ``(1 - lam) tbar``; ``tbar / lam``; the 1/2 of the
penalty kept; ``tbar - lam``.
"""
from __future__ import annotations

import numpy as np

from .. import checks, optim
from .base import Case, Exercise, Wrong
from .registry import register
from .symbolic import SymbolicAnswer

ASSIGNMENT = "08-optimizers"
NOT_UPDATED = "layer {l} was not updated (loop over every layer l = 1..L: range(1, len(W)))"


def _layers(arrays):
    return [None] + [np.array(a, dtype=float) for a in arrays[1:]]


def _rotation(rng, d):
    q, r = np.linalg.qr(rng.normal(size=(d, d)))
    return q * np.sign(np.diag(r))


def _spd(eigenvalues, q):
    return (q * eigenvalues) @ q.T


@register
class MaxStableLearningRate(Exercise):
    name = "max_stable_learning_rate"
    assignment = ASSIGNMENT
    references = (optim.max_stable_learning_rate,)

    def fixed_cases(self):
        c, s = np.cos(0.5), np.sin(0.5)
        q = np.array([[c, -s], [s, c]])
        return [Case("H = diag(100, 1)", (np.diag([100.0, 1.0]),)),
                Case("H with eigenvalues 50 and 2, rotated by 0.5 rad", (_spd(np.array([2.0, 50.0]), q),))]

    def cases(self, rng):
        out = []
        for d in (1, 2, 3, 4, 5, 6):
            lam = np.sort(10.0 ** rng.uniform(-2, 3, size=d))
            if d > 1:
                lam[0] = lam[-1] / 10.0 ** rng.uniform(1, 4)   # ill-conditioned
                rng.shuffle(lam)                              # eigenvalues in no order
            out.append(Case(f"({d}, {d}), eigenvalues {np.round(np.sort(lam), 3).tolist()}",
                            (_spd(lam, _rotation(rng, d)),)))
        return out

    def call(self, fn, case):
        return fn(case.args[0].copy())

    def judge(self, case, output):
        (H,) = case.args
        lam = np.linalg.eigvalsh(H)
        first = np.linalg.eig(H)[0]
        wrong = {"1 / lambda_max: the factor 1 - eta lambda may reach -1, so eta < 2 / lambda_max": 1 / lam[-1],
                 "the smallest eigenvalue: the steepest direction (largest eigenvalue) diverges first": 2 / lam[0],
                 "the largest diagonal entry of H: H is not diagonal, its eigenvalues are what matter":
                     2 / np.max(np.diag(H)),
                 "the trace of H: the sum of the eigenvalues, not the largest": 2 / np.trace(H),
                 "the first eigenvalue numpy returned: np.linalg.eig does not sort; take the largest":
                     2 / float(np.real(first[0]))}
        if len(lam) == 1:
            wrong = {k: v for k, v in list(wrong.items())[:1]}
        checks.check_scalar(output, 2 / lam[-1], "max_stable_learning_rate(H)", rtol=1e-6, wrong=wrong)


class _InPlaceStep(Exercise):
    """Shared part of the optimizer steps: call on copies, read back parameters and state."""

    may_mutate = True
    state_names: tuple = ()
    references = ()

    def call(self, fn, case):
        W, b, dW, db, *rest = case.args
        n = len(self.state_names)
        state, scalars = rest[:n], rest[n:]
        sW, sb, sdW, sdb = (_layers(a) for a in (W, b, dW, db))
        sstate = [_layers(s) for s in state]
        result = fn(sW, sb, sdW, sdb, *sstate, *scalars)
        changed = [f"{name}[{l}]" for name, got, was in (("dW", sdW, dW), ("db", sdb, db))
                   for l in range(1, len(was)) if not np.array_equal(np.asarray(got[l]), was[l])]
        out = {"W": sW, "b": sb, "changed_gradients": changed,
               "returned": None if result is None else type(result).__name__}
        out.update(zip(self.state_names, sstate))
        return out

    def _read(self, case, output):
        W = case.args[0]
        L = len(W) - 1
        if not isinstance(output, dict):
            raise Wrong("the result could not be read")
        for name in ("W", "b") + self.state_names:
            got = output.get(name)
            if not isinstance(got, (list, tuple)) or len(got) != L + 1:
                raise Wrong(f"the list {name} must keep its length {L + 1} (entry 0 None and one "
                            f"array per layer); update its entries, do not append or remove.")
        if output["changed_gradients"]:
            raise Wrong(f"the gradients {', '.join(output['changed_gradients'])} were changed; "
                        f"leave dW and db as they are (compute g = dW[l] + weight_decay * W[l] "
                        f"into a new array)")
        if all(np.array_equal(np.asarray(output["W"][l], dtype=float), W[l]) for l in range(1, L + 1)):
            hint = "; do not return new lists" if output.get("returned") is not None else ""
            raise Wrong(f"the weights in the list W did not change. Update W, b and the optimizer "
                        f"state in place (W[l] = ... or W[l] -= ..., for l = 1..L){hint}.")
        return L

    def _finish(self, output, expected, variants, variant, wd, before, L):
        """Add the mistakes every step shares (weight decay missing or on the biases, a layer
        not updated: ``before``, the inputs) to ``variants`` and compare."""
        if wd:
            variants["weight decay is missing (g = dW[l] + weight_decay * W[l])"] = variant(None, False)
            variants["the biases were decayed too; weight decay applies to the weights W only"] = \
                variant(None, True, True)
        variants[NOT_UPDATED] = before
        self._compare(output, expected, variants, L)

    def _compare(self, output, expected, variants, L):
        """``expected``/``variants[desc]``: ``{name: per-layer list}`` after the step."""
        for name in ("W", "b") + self.state_names:
            for l in range(1, L + 1):
                wrong = {desc.replace("{l}", str(l)): v[name][l] for desc, v in variants.items()
                         if name in v and not np.allclose(v[name][l], expected[name][l], rtol=1e-9, atol=0)}
                checks.check_array(output[name][l], expected[name][l], f"{name}[{l}] after the step",
                                   rtol=1e-6, wrong=wrong)


def _draw_network(rng, k):
    L = [1, 2, 3, 2, 3, 1][k]
    sizes = [int(s) for s in rng.integers(1, 6, size=L + 1)]
    if sizes[1] == sizes[0]:
        sizes[0] = sizes[1] % 5 + 1
    scale = 10.0 ** rng.uniform(-1, 1)

    def draw(shape_of, s=1.0):
        return [None] + [s * rng.normal(size=shape_of(l)) for l in range(1, L + 1)]
    w_shape, b_shape = (lambda l: (sizes[l], sizes[l - 1])), (lambda l: (sizes[l],))
    return sizes, draw, w_shape, b_shape, scale


def _rms_variant(theta, g, s, lr, rho, eps, kind=None):
    s_new = (rho * s + (1 - rho) * g * g) if kind != "swap" else ((1 - rho) * s + rho * g * g)
    if kind == "nosqrt":
        return theta - lr * g / (s_new + eps), s_new
    if kind == "epsin":
        return theta - lr * g / np.sqrt(s_new + eps), s_new
    if kind == "old":
        return theta - lr * g / (np.sqrt(s) + eps), s_new
    if kind == "state":
        return theta - lr * g / (np.sqrt(s_new) + eps), s
    return theta - lr * g / (np.sqrt(s_new) + eps), s_new


@register
class RmspropStep(_InPlaceStep):
    name = "rmsprop_step"
    assignment = ASSIGNMENT
    references = (optim.rmsprop_step, optim.RMSprop.step)
    state_names = ("sW", "sb")

    def fixed_cases(self):
        W = [None, np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])]
        b = [None, np.array([0.3, -0.2])]
        dW = [None, np.array([[0.1, 2.0, -0.3], [-0.4, 0.05, 6.0]])]
        db = [None, np.array([0.05, -1.0])]
        sW = [None, np.array([[0.01, 1.0, 0.2], [0.3, 0.001, 9.0]])]
        sb = [None, np.array([0.02, 0.5])]
        return [Case("one layer (2, 3), earlier mean squares, eta=0.01, rho=0.9, eps=1e-3, lambda=0.1",
                     (W, b, dW, db, sW, sb, 0.01, 0.9, 1e-3, 0.1))]

    def cases(self, rng):
        out = []
        for k in range(6):
            sizes, draw, ws, bs, scale = _draw_network(rng, k)
            W, b = draw(ws, scale), draw(bs, scale)
            dW, db = draw(ws), draw(bs)
            sW = [None] + [x ** 2 + 0.01 for x in draw(ws)[1:]]
            sb = [None] + [x ** 2 + 0.01 for x in draw(bs)[1:]]
            lr, rho = float(10 ** rng.uniform(-3, -1)), float(rng.uniform(0.5, 0.99))
            eps = float(10 ** rng.uniform(-8, -1)) if k != 1 else 0.1
            wd = 0.0 if k == 4 else float(rng.uniform(0.01, 0.3))
            out.append(Case(f"sizes {sizes}, eta={lr:.3g}, rho={rho:.3g}, eps={eps:.2g}, lambda={wd:.3g}",
                            (W, b, dW, db, sW, sb, lr, rho, eps, wd)))
        return out

    def judge(self, case, output):
        W, b, dW, db, sW, sb, lr, rho, eps, wd = case.args
        L = self._read(case, output)
        eW, eb, esW, esb = (_layers(a) for a in (W, b, sW, sb))
        optim.rmsprop_step(eW, eb, _layers(dW), _layers(db), esW, esb, lr, rho, eps, wd)
        expected = {"W": eW, "b": eb, "sW": esW, "sb": esb}

        def variant(kind, decay_w=True, decay_b=False):
            v = {n: [None] * (L + 1) for n in expected}
            for l in range(1, L + 1):
                v["W"][l], v["sW"][l] = _rms_variant(W[l], dW[l] + (wd * W[l] if decay_w else 0), sW[l],
                                                     lr, rho, eps, kind)
                v["b"][l], v["sb"][l] = _rms_variant(b[l], db[l] + (wd * b[l] if decay_b else 0), sb[l],
                                                     lr, rho, eps, kind)
            return v
        variants = {
            "no square root: divide by sqrt(s) + eps, the root mean square": variant("nosqrt"),
            "eps inside the square root: the formula adds eps to sqrt(s)": variant("epsin"),
            "the step used the old mean square: update s first, then divide by sqrt(s_new) + eps":
                variant("old"),
            "rho and 1 - rho swapped: s <- rho s + (1 - rho) g**2 keeps most of the old average":
                variant("swap"),
            "the running mean square was not updated in place (s[l] *= rho ..., or s[l][...] = ...)":
                variant("state"),
        }
        self._finish(output, expected, variants, variant, wd, {"W": W, "b": b, "sW": sW, "sb": sb}, L)

    def explain_error(self, case, error, message):
        if error == "TypeError" and "argument" in message:
            return (f"rmsprop_step raised TypeError ({message}); it is called as rmsprop_step(W, b, "
                    f"dW, db, sW, sb, learning_rate, rho, eps, weight_decay), all ten positional.")
        return None


def _adam_variant(theta, g, m, v, t, lr, b1, b2, eps, kind=None):
    if kind == "swap":
        b1, b2 = b2, b1
    m_new = b1 * m + (1 - b1) * g
    v_new = b2 * v + (1 - b2) * g * g
    c1, c2 = 1 - b1 ** t, 1 - b2 ** t
    if kind == "nocorr":
        c1 = c2 = 1.0
    elif kind == "m_only":
        c2 = 1.0
    elif kind == "v_only":
        c1 = 1.0
    elif kind == "t+1":
        c1, c2 = 1 - b1 ** (t + 1), 1 - b2 ** (t + 1)
    elif kind == "t-1" and t > 1:
        c1, c2 = 1 - b1 ** (t - 1), 1 - b2 ** (t - 1)
    denom = (v_new / c2 + eps) if kind == "nosqrt" else (np.sqrt(v_new / c2) + eps)
    new = theta - lr * (m_new / c1) / denom
    if kind == "state":
        return new, m, v
    return new, m_new, v_new


@register
class AdamStep(_InPlaceStep):
    name = "adam_step"
    assignment = ASSIGNMENT
    references = (optim.adam_step, optim.Adam.step)
    state_names = ("mW", "mb", "vW", "vb")

    def fixed_cases(self):
        W = [None, np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])]
        b = [None, np.array([0.3, -0.2])]
        dW = [None, np.array([[0.1, 2.0, -0.3], [-0.4, 0.05, 6.0]])]
        db = [None, np.array([0.05, -1.0])]
        mW = [None, np.array([[0.01, 0.5, -0.1], [0.0, 0.02, 1.0]])]
        mb = [None, np.array([0.0, -0.3])]
        vW = [None, np.array([[0.001, 0.3, 0.05], [0.02, 0.001, 4.0]])]
        vb = [None, np.array([0.001, 0.2])]
        zeros = lambda x: [None, np.zeros_like(x[1])]  # noqa: E731
        return [
            Case("one layer (2, 3), step t=3 with earlier moments, eta=0.01, betas 0.9/0.999, "
                 "eps=1e-3, lambda=0.1",
                 (W, b, dW, db, mW, mb, vW, vb, 3, 0.01, 0.9, 0.999, 1e-3, 0.1)),
            Case("the first step t=1 from zero moments (every entry moves by about eta)",
                 (W, b, dW, db, zeros(mW), zeros(mb), zeros(vW), zeros(vb), 1, 0.01, 0.9, 0.999, 1e-8, 0.0)),
        ]

    def cases(self, rng):
        out = []
        for k in range(6):
            sizes, draw, ws, bs, scale = _draw_network(rng, k)
            W, b = draw(ws, scale), draw(bs, scale)
            dW, db = draw(ws), draw(bs)
            mW, mb = draw(ws, 0.3), draw(bs, 0.3)
            vW = [None] + [x ** 2 + 0.01 for x in draw(ws)[1:]]
            vb = [None] + [x ** 2 + 0.01 for x in draw(bs)[1:]]
            t = int(rng.integers(2, 51)) if k != 0 else 2
            lr = float(10 ** rng.uniform(-3, -1))
            b1, b2 = float(rng.uniform(0.5, 0.95)), float(rng.uniform(0.9, 0.9999))
            eps = float(10 ** rng.uniform(-8, -1)) if k != 1 else 0.1
            wd = 0.0 if k == 4 else float(rng.uniform(0.01, 0.3))
            out.append(Case(f"sizes {sizes}, t={t}, eta={lr:.3g}, beta1={b1:.3g}, beta2={b2:.4g}, "
                            f"eps={eps:.2g}, lambda={wd:.3g}",
                            (W, b, dW, db, mW, mb, vW, vb, t, lr, b1, b2, eps, wd)))
        return out

    def judge(self, case, output):
        W, b, dW, db, mW, mb, vW, vb, t, lr, b1, b2, eps, wd = case.args
        L = self._read(case, output)
        e = {n: _layers(a) for n, a in zip(("W", "b", "mW", "mb", "vW", "vb"), (W, b, mW, mb, vW, vb))}
        optim.adam_step(e["W"], e["b"], _layers(dW), _layers(db), e["mW"], e["mb"], e["vW"], e["vb"],
                        t, lr, b1, b2, eps, wd)

        def variant(kind, decay_w=True, decay_b=False):
            v = {n: [None] * (L + 1) for n in e}
            for l in range(1, L + 1):
                v["W"][l], v["mW"][l], v["vW"][l] = _adam_variant(
                    W[l], dW[l] + (wd * W[l] if decay_w else 0), mW[l], vW[l], t, lr, b1, b2, eps, kind)
                v["b"][l], v["mb"][l], v["vb"][l] = _adam_variant(
                    b[l], db[l] + (wd * b[l] if decay_b else 0), mb[l], vb[l], t, lr, b1, b2, eps, kind)
            return v
        variants = {
            "no bias correction: divide m by 1 - beta1**t and v by 1 - beta2**t (Kingma & Ba 2015, "
            "Algorithm 1)": variant("nocorr"),
            "only the first moment is bias-corrected: v_hat = v / (1 - beta2**t) too": variant("m_only"),
            "only the second moment is bias-corrected: m_hat = m / (1 - beta1**t) too": variant("v_only"),
            "the bias correction uses the wrong power: t is the number of this step (from 1), "
            "use beta**t": variant("t+1"),
            "the bias correction uses t - 1: t is already the number of this step": variant("t-1"),
            "no square root: divide m_hat by sqrt(v_hat) + eps": variant("nosqrt"),
            "beta1 and beta2 swapped: beta1 averages the gradient, beta2 its square": variant("swap"),
            "the moments were not updated in place (m[l] *= beta1 ..., or m[l][...] = ...)":
                variant("state"),
        }
        self._finish(output, e, variants, variant,
                     wd, {"W": W, "b": b, "mW": mW, "mb": mb, "vW": vW, "vb": vb}, L)

    def explain_error(self, case, error, message):
        if error == "TypeError" and "argument" in message:
            return (f"adam_step raised TypeError ({message}); it is called as adam_step(W, b, dW, db, "
                    f"mW, mb, vW, vb, t, learning_rate, beta1, beta2, eps, weight_decay), all positional.")
        return None


@register
class DecayedBias(SymbolicAnswer):
    """The bias that minimizes ``1/(2N) sum_n (w x_n + b - t_n)^2 + lam/2 (w^2 + b^2)`` for
    centred inputs: ``tbar / (1 + lam)``. The targets' mean shrunk by a factor no amount of
    data undoes: why weight decay leaves the biases alone."""

    name = "decayed_bias"
    assignment = ASSIGNMENT
    symbols = ("tbar", "lam")
    domain = {"tbar": (-5.0, 5.0), "lam": (0.05, 3.0)}
    what = "the optimal bias b when the bias is decayed too"
    expected = "tbar/(1 + lam)"
    mistakes = {
        "that is the optimum when the bias is not decayed; the penalty lam/2 b^2 adds lam b to "
        "dE/db": "tbar",
        "(1 - lam) tbar is the first-order shrinking of one step; set dE/db = 0 and solve "
        "exactly": "tbar*(1 - lam)",
        "the error term contributes b - tbar to dE/db, so b appears with the factor 1 + lam, "
        "not lam": "tbar/lam",
        "the derivative of lam/2 b^2 is lam b: the 1/2 cancels": "tbar/(1 + lam/2)",
        "lam multiplies b in dE/db; it is not subtracted from the mean": "tbar - lam",
    }
