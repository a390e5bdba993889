"""Checkers of notebook 05-output-deltas.

Every expected value and every named wrong variant is computed here from ``nnlib`` (or from
numpy written out, for the wrong variants); nothing is copied from the solution. The stress
cases below are in every student's hidden cases (their kind is fixed, their values are drawn
from the student's generator), so a stability shortcut or a row-wise operation done over the
whole batch fails for every student, not only for some draws.

``softmax(Z)``: the row-wise softmax ``Y`` of shape (N, K) (each row sums to 1), compared with
``nnlib.activations.softmax(Z, axis=1)``. Cases: the fixed N=2, K=3 batch of the visible test;
hidden, five batches, in this order: a square one (N = K, where a sum without ``keepdims``
broadcasts along the wrong axis instead of raising), a batch of one, logits near +1000 in
every row, a batch whose rows differ in scale from 10^-3 to 10^3 (:func:`~.common.scaled_rows`)
with one row reaching +1000 and one row of size 10^-3 (one shift or one sum for the whole
batch shows up here: the small row underflows to 0/0), and logits of size 1000 of both signs
in every row (at least as many near -1000 as near +1000, so a shift by the row's mean or
minimum overflows). Named mistakes: the wrong axis (axis=0); no max shift (exp overflows,
inf/inf = NaN); the shift by the maximum of the whole batch instead of each row's; a shift by
each row's minimum or mean; the normalization over the whole batch; the row sums broadcast
along the wrong axis (no ``keepdims``); rows that do not sum to 1; calling nnlib's ``softmax``
or ``log_softmax``. Overflowing variants are named from the pattern of their NaNs
(:func:`matches_with_nonfinite`).

``softmax_ce(Z, T)``: the pair ``(E, delta)``, E the batch mean of ``-sum_k t_nk ln y_nk``
(``nnlib.Loss('softmax_ce').value``) and ``delta = (Y - T)/N`` (``.delta``). Cases: the fixed
N=3, K=4 batch; hidden, five: an ordinary batch (N != K), a batch of one, rows of very
different scale (as for ``softmax``), logits near +1000, and logits of size 1000 of both signs
in every row where at least one example's target class has a logit near -1000 (its
probability underflows to 0, so ``ln`` of the softmax gives -inf). Named mistakes: the pair in
the wrong order, E per example instead of the mean, E summed over the batch (factor N) or
averaged over all N*K entries (factor 1/K), the wrong sign of E or delta, delta without the
1/N (factor N), ``ln`` of the softmax instead of the log-sum-exp form (E not finite, or off
where a probability is near the smallest float64, while delta is right), ``ln`` of a clipped
probability (E too small where a probability is tiny), no max shift, the shift by the maximum of the whole batch, the logits used as the output
(``(Z - T)/N``), the softmax over the wrong axis, calling nnlib's ``Loss`` or ``log_softmax``.
The student's own ``softmax`` is replaced by nnlib's during the call (a mistake in exercise 1
does not cost points here).

``tanh_backward(delta_next, W_next, z, a)``: ``delta[l] = (delta[l+1] @ W[l+1]) * (1 - a**2)``
(PRML eq. 5.66 in our letters), shape (N, n_l), compared with ``(delta_next @ W_next) *
nnlib.activations.tanh_prime(z)``. Cases: the fixed N=2, n_{l+1}=2, n_l=3 case; hidden, four:
N, n_{l+1}, n_l all different, a square ``W_next`` (n_{l+1} = n_l, where a transposed product
runs), a batch of one, and saturated units (|z| from 2 to 6); in every case at least one
|z| > 1, so that ``1 - z**2`` is far from ``1 - a**2``. Named mistakes: ``1 - z**2`` with z the
pre-activation (Bishop's z_j is our a), ``1 - tanh(a)**2`` (tanh applied twice), the
activation derivative missing, the sigmoid's ``a (1 - a)``, ``(1 - a)**2``, ``1 - a``,
``W_next`` transposed, an extra 1/N (factor 1/N), the wrong sign, calling nnlib's
``tanh_prime``, ``tanh_prime_from_activation`` or ``backward``.

``sigmoid_sse_delta(Z, T)``: ``(Y - T) * Y * (1 - Y) / N`` with ``Y = sigmoid(Z)``
(``nnlib.Loss('sse', output='sigmoid').delta``). Cases: the fixed N=3, K=2 batch; hidden, four:
0/1 targets, real targets (normal, not only in [0, 1]), a batch of one, and logits of size up
to 1000 of both signs (rows scaled from 10^-3 to 10^3, one row forced to about +-1000, one
row of size 1 so that the comparison is not decided by rounding in saturated entries,
targets on the wrong side of saturated units). Named mistakes: the canonical delta ``(y - t)/N``
(sigma'(z) missing), ``z (1 - z)`` instead of ``y (1 - y)``, the sigmoid applied twice,
tanh's ``1 - y**2``, an extra factor 1/2, sum over the batch (factor N), the wrong sign, the
sigmoid written as ``exp(z) / (1 + exp(z))`` (overflows at z = 1000), calling nnlib's ``Loss``.

The derivations of section 7 are formulas (:mod:`.symbolic`): ``tanh_prime_from_z`` (``1 - z**2``
in Bishop's letters), ``logistic_delta`` (``-t sigmoid(-t z)`` for targets in {-1, +1}) and
``softmax_ce_delta_formula`` (``S y - t`` for targets summing to ``S``, which is ``y - t`` for
one-hot targets), each with its named mistakes.

numpy's floating-point warnings are silenced while the student's function runs
(:class:`_Quiet`): the returned values decide, and a warning on stderr would make nbgrader
fail the test cell of a correct answer such as ``1 / (1 + np.exp(-Z))`` at Z = -1000.
"""
from __future__ import annotations

import numpy as np

from .. import activations, checks, network
from ..gradcheck import relative_error
from ..losses import Loss
from .base import Case, Exercise, Wrong
from .common import expect_sequence, finite_array, scaled_rows, size_other_than
from .registry import register
from .symbolic import SymbolicAnswer

ASSIGNMENT = "05-output-deltas"

__all__ = ["Softmax", "SoftmaxCE", "TanhBackward", "SigmoidSSEDelta", "matches_with_nonfinite",
           "name_variant"]


# --- shared pieces (candidates for common.py) --------------------------------------------------

def matches_with_nonfinite(got, alternative, rtol: float = 1e-6) -> bool:
    """Whether ``got`` equals ``alternative`` where both are finite and is non-finite (NaN or
    inf) exactly where ``alternative`` is: a known wrong answer that overflows (e.g. an
    unshifted softmax) can then be named from the pattern of its NaNs. Shapes must agree."""
    got = np.asarray(got, dtype=float)
    alt = np.asarray(alternative, dtype=float)
    if got.shape != alt.shape:
        return False
    finite = np.isfinite(alt)
    if not np.array_equal(np.isfinite(got), finite):
        return False
    return not finite.any() or relative_error(got[finite], alt[finite]) <= rtol


def _close(got, expected, rtol=1e-7) -> bool:
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    return (got.shape == expected.shape and bool(np.all(np.isfinite(got)))
            and relative_error(got, expected) <= rtol)


def name_variant(got, variants, what: str, rtol: float = 1e-6) -> None:
    """Raise :class:`Wrong` naming the first of ``variants`` (pairs ``(description, array)``,
    the arrays possibly with NaN/inf) that ``got`` matches, NaNs included (see
    :func:`matches_with_nonfinite`); do nothing when none matches."""
    for description, alt in variants:
        if matches_with_nonfinite(got, alt, rtol):
            raise Wrong(f"{what}: your answer matches a known mistake: {description}.")


class _Quiet(Exercise):
    """Calls the student's function with numpy's floating-point warnings silenced."""

    def call(self, fn, case):
        with np.errstate(all="ignore"):
            return fn(*case.args, **case.kwargs)


def _sign_pattern(rng, N, K):
    """(N, K) signs, in every row at least one +1 and at least as many -1 as +1 (K >= 2), at
    random places: a row of logits 1000 * sign then has its mean <= 0 and its minimum near
    -1000, so a shift by the row's mean or minimum still overflows."""
    sign = -np.ones((N, K))
    for n in range(N):
        sign[n, rng.choice(K, size=int(rng.integers(1, K // 2 + 1)), replace=False)] = 1.0
    return sign


def _scaled_batch(rng, N, K):
    """:func:`scaled_rows` with two rows forced to the ends of the range: one row whose largest
    logit is about +1000 and one row of size about 10^-3 (N >= 2), at random places; the
    batch maximum is then ~1000 above the small row, so one shift for the whole batch makes
    every exponential of the small row underflow to 0."""
    Z = scaled_rows(rng, N, K)
    big, small = rng.choice(N, size=2, replace=False)
    row = rng.uniform(-1.0, 1.0, size=K)
    row[rng.integers(K)] = 1.0
    Z[big] = row * rng.uniform(900.0, 1100.0)
    Z[small] = rng.normal(size=K) * 1e-3
    return Z


# --- softmax -------------------------------------------------------------------------------

WRONG_AXIS = ("softmax over the wrong axis (axis=0 makes each column sum to 1; "
              "each row, one example, must sum to 1)")
UNSHIFTED = ("exp overflows at logits of size 1000 (inf/inf = NaN) because each row's maximum "
             "is not subtracted first: use Z - Z.max(axis=1, keepdims=True), so that every "
             "exponent is <= 0 (the log-sum-exp shift)")
GLOBAL_MAX = ("shifted by the maximum of the whole batch (Z.max()) instead of each row's "
              "maximum: a row far below the batch maximum underflows to 0/0 = NaN when the rows "
              "differ in scale; use Z.max(axis=1, keepdims=True)")
WHOLE_BATCH = ("normalized over the whole batch (one sum of all N*K exponentials) instead of "
               "each row: each row, one example, must sum to 1 (sum along axis=1, "
               "keepdims=True)")
MIN_OR_MEAN = ("shifted by each row's minimum (or mean) instead of its maximum: exponents "
               "above 709 still overflow (inf/inf = NaN) in a row whose logits spread over "
               "1000; subtract the row maximum, so that every exponent is <= 0")
NO_KEEPDIMS = ("the row sums (or maxima) broadcast along the wrong axis: a sum over axis=1 "
               "without keepdims=True has shape (N,) and divides the columns; use "
               "keepdims=True (shape (N, 1))")


def _softmax_variants(Z) -> list:
    """Known wrong softmaxes of the logits ``Z`` (with their NaNs): ``(description, array)``."""
    square = Z.shape[0] == Z.shape[1]
    with np.errstate(all="ignore"):
        e = np.exp(Z)
        eg = np.exp(Z - Z.max())
        es = np.exp(Z - Z.max(axis=1, keepdims=True))
        emin = np.exp(Z - Z.min(axis=1, keepdims=True))
        emean = np.exp(Z - Z.mean(axis=1, keepdims=True))
        # the order matters where two overflow alike: a shift by the minimum or the mean
        # passes the "logits near +1000" case, which comes first and which the unshifted
        # formula fails, so on later cases a match with it is named before "unshifted"
        # (an unshifted sum over the whole batch is all NaN at +1000, like the unshifted
        # softmax: it is named by the row sums, on the cases where it is finite)
        out = [(WRONG_AXIS, activations.softmax(Z, axis=0)),
               (GLOBAL_MAX, eg / eg.sum(axis=1, keepdims=True)),
               (MIN_OR_MEAN, emin / emin.sum(axis=1, keepdims=True)),
               (MIN_OR_MEAN, emean / emean.sum(axis=1, keepdims=True)),
               (UNSHIFTED, e / e.sum(axis=1, keepdims=True)),
               (WHOLE_BATCH, eg / eg.sum()), (WHOLE_BATCH, es / es.sum())]
        if square:  # (N,) against (N, K) broadcasts along the columns when N = K
            em = np.exp(Z - Z.max(axis=1))
            out += [(NO_KEEPDIMS, es / es.sum(axis=1)), (NO_KEEPDIMS, e / e.sum(axis=1)),
                    (NO_KEEPDIMS, em / em.sum(axis=1, keepdims=True)),
                    (NO_KEEPDIMS, em / em.sum(axis=1))]
    return out


def _check_rows(got):
    """A diagnosis for finite probabilities that are wrong: do the rows sum to 1?"""
    if got.ndim == 2 and np.all(np.isfinite(got)):
        sums = got.sum(axis=1)
        if got.shape[0] > 1 and abs(got.sum() - 1.0) < 1e-6:
            return f" The entries of the whole batch sum to 1: {WHOLE_BATCH}."
        bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-6)
        if bad.size:
            n = int(bad[0])
            return (f" Row {n} (example {n}) sums to {sums[n]:.6g}, not 1: normalize each row by "
                    f"its own sum of exponentials.")
        return (" Each row sums to 1, but the probabilities differ from "
                "exp(z_k) / sum_j exp(z_j) of that row.")
    return ""


def _softmax_label(N, K, what=""):
    return f"N={N}, K={K}" + (f", {what}" if what else "")


def _plus_1000(rng, N, K):
    return rng.normal(scale=3.0, size=(N, K)) + 1000.0


def _both_signs_1000(rng, N, K):
    return rng.normal(scale=3.0, size=(N, K)) + 1000.0 * _sign_pattern(rng, N, K)



# --- the references the notebook's demo cells fall back to (never used for grading) -------------
def reference_softmax(Z):
    """nnlib's row-wise softmax, in the signature of exercise 1."""
    return activations.softmax(Z, axis=1)


def reference_softmax_ce(Z, T):
    """``(E, delta)`` of softmax cross-entropy from nnlib, in the signature of exercise 2."""
    ce = Loss("softmax_ce")
    return ce.value(Z, T), ce.delta(Z, T)


def reference_tanh_backward(delta_next, W_next, z, a):
    """PRML eq. 5.66 from nnlib's tanh', in the signature of exercise 3."""
    return (delta_next @ W_next) * activations.tanh_prime(z)


def reference_sigmoid_sse_delta(Z, T):
    """nnlib's delta of the sigmoid + sum-of-squares pair, in the signature of exercise 4."""
    return Loss("sse", output="sigmoid").delta(Z, T)


@register
class Softmax(_Quiet):
    name = "softmax"
    assignment = ASSIGNMENT
    references = (activations.softmax, activations.log_softmax)

    def fixed_cases(self):
        Z = np.array([[1.0, 2.0, 3.0],
                      [0.5, 0.5, -1.0]])
        return [Case(_softmax_label(2, 3), (Z,))]

    def cases(self, rng):
        out = []
        N = int(rng.integers(3, 6))                        # square: no-keepdims runs, wrong values
        out.append(Case(_softmax_label(N, N), (rng.normal(scale=3.0, size=(N, N)),)))
        K = int(rng.integers(2, 6))
        out.append(Case(_softmax_label(1, K, "a batch of one"), (rng.normal(scale=3.0, size=(1, K)),)))
        N = int(rng.integers(2, 6))
        K = size_other_than(rng, N, 2, 6)
        out.append(Case(_softmax_label(N, K, "logits near +1000"), (_plus_1000(rng, N, K),)))
        N = int(rng.integers(3, 7))
        K = size_other_than(rng, N, 2, 6)
        out.append(Case(_softmax_label(N, K, "rows of very different scale (10^-3 to 10^3)"),
                        (_scaled_batch(rng, N, K),)))
        N = int(rng.integers(2, 6))
        K = size_other_than(rng, N, 2, 6)
        out.append(Case(_softmax_label(N, K, "logits of size 1000, both signs in every row"),
                        (_both_signs_1000(rng, N, K),)))
        return out

    def explain_error(self, case, error, message):
        if error == "ValueError" and "broadcast" in message:
            return (f"softmax raised ValueError ({message}) for Z of shape {case.args[0].shape}: "
                    f"{NO_KEEPDIMS}.")
        if error == "OverflowError":
            return f"softmax raised OverflowError ({message}): {UNSHIFTED}."
        return None

    def judge(self, case, output):
        Z = case.args[0]
        what = "softmax(Z)"
        expected = activations.softmax(Z, axis=1)
        got = finite_array(output, what)
        if _close(got, expected):
            return None
        name_variant(got, _softmax_variants(Z), what)
        try:
            checks.check_array(got, expected, what)
        except AssertionError as e:
            raise Wrong(str(e) + _check_rows(got)) from None


# --- softmax_ce ----------------------------------------------------------------------------

CE = "E (mean cross-entropy over the batch)"
DELTA = "delta = dE/dZ"
LOGITS_AS_OUTPUT = "the logits Z used as the output: y is softmax(Z), not Z"
LOG_SUM_EXP = "ln y_nk = z_nk - m_n - ln sum_j exp(z_nj - m_n)"
LN_OF_SOFTMAX = ("ln of the softmax gives ln 0 = -inf where a probability underflows to 0 "
                 "(and 0 * -inf = NaN), while your delta is right; take ln y from the "
                 f"log-sum-exp form {LOG_SUM_EXP}")
LN_OF_SOFTMAX_DIGITS = ("ln of the softmax loses its digits where a probability is near the "
                        "smallest float64 (and gives ln 0 = -inf below it), while your delta is "
                        f"right; take ln y from the log-sum-exp form {LOG_SUM_EXP}")


def _ce_delta_variants(Z, T) -> list:
    """Known wrong deltas of softmax cross-entropy (with their NaNs): ``(description, array)``."""
    N = Z.shape[0]
    with np.errstate(all="ignore"):
        log_unshifted = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
        g = Z - Z.max()
        log_global = g - np.log(np.exp(g).sum(axis=1, keepdims=True))
        Yu = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
        Yg = np.exp(g) / np.exp(g).sum(axis=1, keepdims=True)
        return [(UNSHIFTED, (Yu - T) / N), (UNSHIFTED, (np.exp(log_unshifted) - T) / N),
                (GLOBAL_MAX, (Yg - T) / N), (GLOBAL_MAX, (np.exp(log_global) - T) / N),
                (LOGITS_AS_OUTPUT, (Z - T) / N),
                (WRONG_AXIS, (activations.softmax(Z, axis=0) - T) / N)]


def _ce_case(label, Z, T):
    return Case(label, (Z, T))


@register
class SoftmaxCE(_Quiet):
    name = "softmax_ce"
    assignment = ASSIGNMENT
    references = (Loss.value, Loss.delta, Loss.per_example, activations.log_softmax)
    upstream = {"softmax": activations.softmax}

    def fixed_cases(self):
        Z = np.array([[2.0, 1.0, 0.1, -1.0],
                      [0.5, 0.5, 3.0, 0.0],
                      [-2.0, 1.0, 0.0, 1.5]])
        T = np.eye(4)[[0, 2, 3]]
        return [_ce_case("N=3, K=4", Z, T)]

    def cases(self, rng):
        def onehot(N, K):
            return np.eye(K)[rng.integers(0, K, size=N)]

        out = []
        N = int(rng.integers(2, 7))
        K = size_other_than(rng, N, 2, 6)
        out.append(_ce_case(f"N={N}, K={K}", rng.normal(scale=2.0, size=(N, K)), onehot(N, K)))
        K = int(rng.integers(2, 6))
        out.append(_ce_case(f"N=1, K={K}, a batch of one", rng.normal(scale=2.0, size=(1, K)),
                            onehot(1, K)))
        N = int(rng.integers(3, 7))
        K = size_other_than(rng, N, 2, 6)
        out.append(_ce_case(f"N={N}, K={K}, rows of very different scale (10^-3 to 10^3)",
                            _scaled_batch(rng, N, K), onehot(N, K)))
        N = int(rng.integers(2, 6))
        K = size_other_than(rng, N, 2, 6)
        out.append(_ce_case(f"N={N}, K={K}, logits near +1000", _plus_1000(rng, N, K), onehot(N, K)))
        N = int(rng.integers(2, 6))
        K = size_other_than(rng, N, 2, 6)
        Z = _both_signs_1000(rng, N, K)
        T = onehot(N, K)
        n = int(rng.integers(N))              # one example's class sits at a logit near -1000
        T[n] = np.eye(K)[int(rng.choice(np.flatnonzero(Z[n] < 0)))]
        out.append(_ce_case(f"N={N}, K={K}, logits of size 1000 of both signs, a target "
                            f"class at a logit near -1000", Z, T))
        return out

    def explain_error(self, case, error, message):
        if error == "ValueError" and "broadcast" in message:
            return (f"softmax_ce raised ValueError ({message}) for Z of shape "
                    f"{case.args[0].shape}: {NO_KEEPDIMS}.")
        if error == "OverflowError":
            return f"softmax_ce raised OverflowError ({message}): {UNSHIFTED}."
        if error == "ValueError" and "math domain" in message:
            return f"softmax_ce raised ValueError ({message}): {LN_OF_SOFTMAX}."
        return None

    def judge(self, case, output):
        Z, T = case.args
        N, K = Z.shape
        ce = Loss("softmax_ce")
        E_exp, d_exp = ce.value(Z, T), ce.delta(Z, T)
        E, delta = expect_sequence(output, 2, "softmax_ce", "the pair (E, delta)")
        if np.ndim(E) == 2 and np.size(delta) == 1:
            raise Wrong("softmax_ce returned the pair in the wrong order: (delta, E); return "
                        "(E, delta), the error first")
        if np.ndim(E) == 1 and np.size(E) == N and N > 1:
            per = -np.sum(T * activations.log_softmax(Z, axis=1), axis=1)
            hint = (" (these are the per-example errors E_n: take their mean over the batch)"
                    if _close(E, per, 1e-6) else "")
            raise Wrong(f"{CE}: expected a single number, the mean over the batch; got an "
                        f"array of shape {np.shape(E)}{hint}")
        d_vars = _ce_delta_variants(Z, T)
        d_got = finite_array(delta, DELTA)
        delta_right = _close(d_got, d_exp)
        E_got = finite_array(E, CE) if np.size(E) == 1 else None
        if E_got is not None and not np.isfinite(E_got).all():
            if delta_right:
                raise Wrong(f"{CE}: your E is {float(E_got.reshape(()))} (not finite): {LN_OF_SOFTMAX}")
            name_variant(d_got, d_vars, f"{CE} and {DELTA}")
            raise Wrong(f"{CE}: your E is {float(E_got.reshape(()))} (not finite) where the answer "
                        f"is {E_exp:.6g}: an exp overflowed (is each row's maximum subtracted "
                        f"before exp?) or ln 0 was taken of an underflowed probability (take ln y "
                        f"from the log-sum-exp form, not ln of the softmax)")
        if delta_right and E_got is not None and not _close(E_got.reshape(()), E_exp):
            # right probabilities, wrong finite E: where a target's probability is tiny, the
            # log was taken of the probability instead of from the log-sum-exp form
            e = float(E_got.reshape(()))
            log_y = activations.log_softmax(Z, axis=1)
            worst = float(log_y[T > 0].min()) if np.any(T > 0) else 0.0
            where = (f"A target class here has ln y = {worst:.6g} (a probability of "
                     f"{'0 in float64' if worst < -745 else f'{np.exp(worst):.1e}'})")
            if worst < -600 and abs(e - E_exp) <= 1e-3 * abs(E_exp):
                raise Wrong(f"{CE}: your E is {e:.10g}, the answer is {E_exp:.10g}. {where}, at "
                            f"the edge of float64: {LN_OF_SOFTMAX_DIGITS}")
            if worst < -10 and 0 < e < E_exp and not np.isclose(e, E_exp / N) \
                    and not np.isclose(e, E_exp / K):
                raise Wrong(f"{CE}: your E is {e:.6g}, the answer is {E_exp:.6g}. {where}, and "
                            f"your E is smaller, as when ln y is capped there (an epsilon in "
                            f"ln(y + eps), or a clip of y); take ln y from the log-sum-exp form "
                            f"ln y = z - m - ln sum_j exp(z_j - m), which needs no epsilon")
        checks.check_scalar(E, E_exp, CE, batch_size=N, wrong={
            "E averaged over all N*K entries (np.mean of T * ln Y) instead of summed over "
            "the K classes and averaged over the N examples: off by a factor 1/K": E_exp / K}
            if K != N else None)
        if delta_right:
            return None
        name_variant(d_got, d_vars, DELTA)
        checks.check_array(d_got, d_exp, DELTA, batch_size=N)


# --- tanh_backward -------------------------------------------------------------------------

Z_NOT_A = ("1 - z**2 with z the PRE-activation. PRML eq. 5.66 writes (1 - z_j^2) in Bishop's "
           "letters, where z_j is the activation; in ours that is a, so the factor is 1 - a**2")
TANH_TWICE = ("1 - tanh(a)**2 applies tanh twice: a is already the activation tanh(z), "
              "so h'(z) = 1 - a**2")
NO_DERIVATIVE = "missing the activation derivative h'(z) = 1 - a**2"


def _tanh_variants(delta_next, W_next, z, a) -> dict:
    back = delta_next @ W_next
    out = {Z_NOT_A: back * (1 - z**2),
           TANH_TWICE: back * (1 - np.tanh(a)**2),
           NO_DERIVATIVE: back,
           "the sigmoid's derivative a * (1 - a) used for a tanh unit; tanh's is 1 - a**2":
               back * a * (1 - a),
           "(1 - a)**2 instead of 1 - a**2 (the square belongs to a alone)": back * (1 - a)**2,
           "1 - a instead of 1 - a**2 (the square is missing)": back * (1 - a)}
    if W_next.shape[0] == W_next.shape[1]:
        out["W_next transposed: delta_next @ W_next.T; W[l+1] has shape (n_{l+1}, n_l), so "
            "delta_next @ W_next is already (N, n_l)"] = (delta_next @ W_next.T) * (1 - a**2)
    return out


def _tanh_case(rng, N, n_next, n, scale=1.5, label=""):
    delta_next = rng.normal(size=(N, n_next))
    W_next = rng.normal(size=(n_next, n))
    z = rng.normal(scale=scale, size=(N, n))
    i, j = int(rng.integers(N)), int(rng.integers(n))     # at least one |z| > 1, in every case
    z[i, j] = rng.choice([-1.0, 1.0]) * rng.uniform(1.5, 3.0)
    text = f"N={N}, n_{{l+1}}={n_next}, n_l={n}" + (f", {label}" if label else "")
    return Case(text, (delta_next, W_next, z, activations.tanh(z)))


@register
class TanhBackward(_Quiet):
    name = "tanh_backward"
    assignment = ASSIGNMENT
    references = (activations.tanh_prime, activations.tanh_prime_from_activation, network.backward)

    def fixed_cases(self):
        delta_next = np.array([[0.5, -1.0], [0.25, 2.0]])
        W_next = np.array([[1.0, -0.5, 2.0], [0.5, 1.5, -1.0]])
        z = np.array([[-1.5, 0.4, 2.0], [1.2, -0.8, 0.0]])
        return [Case("N=2, n_{l+1}=2, n_l=3", (delta_next, W_next, z, np.tanh(z)))]

    def cases(self, rng):
        N, n_next, n = (int(v) for v in rng.permutation(np.arange(2, 7))[:3])
        out = [_tanh_case(rng, N, n_next, n)]
        n = int(rng.integers(2, 6))
        out.append(_tanh_case(rng, size_other_than(rng, n, 2, 7), n, n, label="square W_next"))
        n_next = int(rng.integers(1, 6))
        out.append(_tanh_case(rng, 1, n_next, size_other_than(rng, n_next, 1, 6),
                              label="a batch of one"))
        N, n_next = int(rng.integers(2, 6)), int(rng.integers(2, 6))
        case = _tanh_case(rng, N, n_next, size_other_than(rng, n_next, 2, 6),
                          label="saturated units (|z| from 2 to 6)")
        dn, W, z, _ = case.args
        z = rng.choice([-1.0, 1.0], size=z.shape) * rng.uniform(2.0, 6.0, size=z.shape)
        out.append(Case(case.label, (dn, W, z, activations.tanh(z))))
        return out

    def explain_error(self, case, error, message):
        dn, W = case.args[:2]
        if error == "ValueError":
            return (f"tanh_backward raised ValueError ({message}): delta_next has shape "
                    f"(N, n_(l+1)) = {dn.shape} and W_next (n_(l+1), n_l) = {W.shape}, so "
                    f"delta_next @ W_next (no transpose) has shape (N, n_l) = "
                    f"{(dn.shape[0], W.shape[1])}, the shape of z and a; W_next is not "
                    f"transposed here (PRML's sum_k w_kj delta_k runs over the first index).")
        return None

    def judge(self, case, output):
        delta_next, W_next, z, a = case.args
        expected = (delta_next @ W_next) * activations.tanh_prime(z)
        checks.check_array(output, expected, "delta[l] = tanh_backward(delta_next, W_next, z, a)",
                           batch_size=z.shape[0], wrong=_tanh_variants(delta_next, W_next, z, a))


# --- sigmoid_sse_delta ---------------------------------------------------------------------

CANONICAL = ("the canonical delta (y - t)/N: missing the factor sigma'(z) = y(1 - y). A sigmoid "
             "output with sum-of-squares is not a canonical pair, so the output unit's "
             "derivative stays")
Z_FOR_Y = ("the factor z(1 - z) instead of y(1 - y): sigma'(z) = y(1 - y) is written with the "
           "output y = sigma(z), not the pre-activation z")
NAIVE_SIGMOID = ("sigma(z) computed as exp(z) / (1 + exp(z)), which overflows at z of size 1000 "
                 "(inf/inf = NaN); use nnlib.sigmoid (or 1 / (1 + exp(-z)) for z >= 0 and "
                 "exp(z) / (1 + exp(z)) for z < 0)")


def _sse_variants(Z, T) -> dict:
    N = Z.shape[0]
    Y = activations.sigmoid(Z)
    with np.errstate(all="ignore"):
        Yn = np.exp(Z) / (1.0 + np.exp(Z))
        naive = (Yn - T) * Yn * (1 - Yn) / N
    S = activations.sigmoid(Y)
    return {CANONICAL: (Y - T) / N,
            Z_FOR_Y: (Y - T) * Z * (1 - Z) / N,
            "the sigmoid applied twice: sigma(y)(1 - sigma(y)) with y already sigma(z); "
            "sigma'(z) = y(1 - y)": (Y - T) * S * (1 - S) / N,
            "tanh's derivative 1 - y**2 instead of the sigmoid's y(1 - y)": (Y - T) * (1 - Y**2) / N,
            "an extra factor 1/2: the 1/2 of E_n = 1/2 sum_k (y_k - t_k)^2 cancels against the "
            "2 from differentiating the square": (Y - T) * Y * (1 - Y) / (2 * N),
            NAIVE_SIGMOID: naive}


@register
class SigmoidSSEDelta(_Quiet):
    name = "sigmoid_sse_delta"
    assignment = ASSIGNMENT
    references = (Loss.delta, Loss.value)

    def fixed_cases(self):
        Z = np.array([[-4.0, 0.5], [2.0, -1.0], [0.0, 3.0]])
        T = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
        return [Case("N=3, K=2, 0/1 targets", (Z, T))]

    def cases(self, rng):
        out = []
        N = int(rng.integers(2, 8))
        K = size_other_than(rng, N, 1, 5)
        out.append(Case(f"N={N}, K={K}, 0/1 targets", (rng.normal(scale=3.0, size=(N, K)),
                                                       rng.integers(0, 2, size=(N, K)).astype(float))))
        N = int(rng.integers(2, 8))
        K = size_other_than(rng, N, 1, 5)
        out.append(Case(f"N={N}, K={K}, real targets", (rng.normal(scale=3.0, size=(N, K)),
                                                        rng.normal(size=(N, K)))))
        K = int(rng.integers(1, 5))
        out.append(Case(f"N=1, K={K}, a batch of one", (rng.normal(scale=3.0, size=(1, K)),
                                                        rng.uniform(size=(1, K)))))
        N = int(rng.integers(3, 7))
        K = size_other_than(rng, N, 2, 5)
        Z = scaled_rows(rng, N, K)
        big = int(rng.integers(N))
        Z[big] = 1000.0 * _sign_pattern(rng, 1, K)[0] + rng.normal(size=K)
        Z[(big + 1) % N] = rng.normal(size=K)           # one row that is not saturated
        T = (Z < 0).astype(float)                       # every target on the wrong side ...
        keep = rng.random(size=(N, K)) < 0.5            # ... or, for about half, the right one
        T[keep] = 1.0 - T[keep]
        out.append(Case(f"N={N}, K={K}, logits up to size 1000 of both signs", (Z, T)))
        return out

    def explain_error(self, case, error, message):
        if error == "OverflowError":
            return f"sigmoid_sse_delta raised OverflowError ({message}): {NAIVE_SIGMOID}."
        return None

    def judge(self, case, output):
        Z, T = case.args
        N = Z.shape[0]
        expected = Loss("sse", output="sigmoid").delta(Z, T)
        what = "sigmoid_sse_delta(Z, T)"
        got = finite_array(output, what)
        if _close(got, expected):
            return None
        variants = _sse_variants(Z, T)
        naive = variants.pop(NAIVE_SIGMOID)
        name_variant(got, [(NAIVE_SIGMOID, naive)], what)
        checks.check_array(got, expected, what, batch_size=N, wrong=variants)


# --- "show that": the derivations of section 7, as formulas (nnlib/graders/symbolic.py) -------
@register
class LogisticDeltaPm1(SymbolicAnswer):
    """dE/dz of the logistic loss for targets t in {-1, +1} (the form of notebook 01)."""

    name = "logistic_delta"
    assignment = ASSIGNMENT
    symbols = ("t", "z")
    domain = {"t": [-1.0, 1.0], "z": (-4.0, 4.0)}
    what = "dE/dz of E = ln(1 + exp(-t z))"
    expected = "-t*sigmoid(-t*z)"
    mistakes = {
        "the chain rule's factor -t (the derivative of -t z) is missing": "sigmoid(-t*z)",
        "wrong sign: E falls as t z grows, so dE/dz has the sign of -t": "t*sigmoid(-t*z)",
        "sigma(t z) where the derivative of ln(1 + e^u) is sigma(u) with u = -t z": "-t*sigmoid(t*z)",
        "y - t is the delta for targets 0/1; with t in {-1, +1} the loss is another function": "sigmoid(z) - t",
        "the derivative of ln(1 + e^u) is e^u / (1 + e^u): the denominator is missing": "-t*exp(-t*z)",
    }


@register
class TanhPrimeBishop(SymbolicAnswer):
    """h'(a) for h = tanh, written with z = h(a) (Bishop's letters, PRML eq. 5.60)."""

    name = "tanh_prime_from_z"
    assignment = ASSIGNMENT
    symbols = ("z",)
    domain = {"z": (-0.99, 0.99)}
    what = "h'(a) for h(a) = tanh(a), written with z = tanh(a)"
    expected = "1 - z**2"
    mistakes = {
        "wrong sign: tanh' = (cosh^2 - sinh^2) / cosh^2 = 1 - tanh^2": "1 + z**2",
        "1 - z: the square is missing": "1 - z",
        "z (1 - z) is the sigmoid's derivative, sigma' = sigma (1 - sigma)": "z*(1 - z)",
        "sech^2 is 1 - tanh^2, not its square": "(1 - z**2)**2",
    }


@register
class SoftmaxCEDeltaFormula(SymbolicAnswer):
    """dE/dz_k of the softmax cross-entropy of one example, E = -sum_j t_j ln y_j, for targets
    that need not sum to 1: S y_k - t_k with S = sum_j t_j, through the softmax Jacobian
    dy_j/dz_k = y_j (I_jk - y_k) (PRML eqs. 4.106 and 5.18 are the case S = 1)."""

    name = "softmax_ce_delta_formula"
    assignment = ASSIGNMENT
    symbols = ("y", "t", "S")
    domain = {"y": (0.01, 0.99), "t": (0.0, 2.0), "S": (1.5, 3.0)}
    what = "dE/dz_k of E = -sum_j t_j ln y_j with y = softmax(z), written with y_k, t_k and S"
    expected = "S*y - t"
    mistakes = {
        "y - t holds only when the targets sum to 1; this question keeps S = sum_j t_j, which "
        "multiplies y_k": "y - t",
        "only the diagonal term j = k of the softmax Jacobian: every y_j depends on z_k "
        "(dy_j/dz_k = -y_j y_k for j != k), which adds y_k times the other targets": "t*y - t",
        "wrong sign: dE/dz_k = -sum_j (t_j / y_j) dy_j/dz_k": "t - S*y",
        "S multiplies y_k (it collects y_k t_j over all j), not t_k": "y - S*t",
    }
