"""Output units and error functions, with the output-layer delta dE/dz[L].

A :class:`Loss` pairs an output unit ``y = f(z)`` (identity, sigmoid, softmax or any registered
activation) with an error function ``E(y, t)``. Conventions (docs/design.md, "Notation"):

- ``z`` is the output layer's pre-activation, shape ``(N, K)``; ``y = f(z)`` has the same shape.
- ``t`` has shape ``(N, K)``: real targets (regression), 0/1 (binary cross-entropy), -1/+1
  (logistic loss) or one-hot rows (softmax cross-entropy). Softmax cross-entropy also takes
  integer class ids of shape ``(N,)``. Nothing else is broadcast.
- The error ``E`` is the **mean over the batch** of the per-example error ``E_n`` (which sums
  over the K outputs), so ``delta = dE/dz`` carries a factor ``1/N``.

The canonical pairs (the lecture's table, Bishop PRML sec. 5.2 and eq. 5.18) all give
``delta = (y - t) / N``:

=============  ==============  ===========================================================
name           output unit     per-example error E_n
=============  ==============  ===========================================================
``sse``        identity        1/2 sum_k (y_k - t_k)^2              (PRML eq. 5.11)
``bce``        sigmoid         -sum_k t_k ln y_k + (1-t_k) ln(1-y_k) (PRML eq. 5.23)
``softmax_ce`` softmax         -sum_k t_k ln y_k                     (PRML eq. 5.24)
``logistic``   identity        sum_k ln(1 + exp(-t_k y_k)), t in {-1,+1}
=============  ==============  ===========================================================

(For ``logistic`` the output is the raw score, and ``delta = -t sigma(-t z) / N``, which equals
``(sigma(z) - (t+1)/2) / N``: the same "output minus target" with 0/1 targets.)
Any other pairing (e.g. a sigmoid output with sum-of-squares) is *non-canonical*: its delta goes
through the general chain rule ``delta_k = sum_j dE/dy_j dy_j/dz_k`` (PRML eq. 5.55 and the
output-delta exercise of the lecture), which for an elementwise unit is ``dE/dy * f'(z)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .activations import Activation, get_activation, log_softmax, sigmoid, softmax

__all__ = ["Loss", "ERRORS", "get_loss", "as_targets", "softplus"]


def softplus(x):
    """ln(1 + exp(x)) without overflow: max(x, 0) + ln(1 + exp(-|x|)). Shape in = shape out."""
    x = np.asarray(x, dtype=float)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _output_minus_target(z, y, t):
    return y - t


@dataclass(frozen=True)
class ErrorFunction:
    """A per-example error and everything the course knows about it, in one place.

    ``value(y, t)``: E_n on the output y, summed over the K outputs, shape (N,);
    ``grad(y, t)``: dE_n/dy, shape (N, K); ``targets``: the target kind ("real", "binary",
    "signed", "onehot", see :func:`as_targets`); ``canonical_output``: the output unit whose
    pairing with this error is canonical; ``stable(z, t)``: E_n computed from the pre-activation
    z for the canonical pair without overflow (None: ``value(f(z), t)`` is already stable);
    ``canonical_delta(z, y, t)``: N times dE/dz for the canonical pair (``y - t`` unless given);
    ``given_output(z, y, t)``: E_n for the canonical pair from z *and* the output y = f(z) the
    forward pass already computed, as stable as ``stable`` and cheaper (None: use ``stable``).
    """

    name: str
    value: Callable  # (y, t) -> (N,)
    grad: Callable  # (y, t) -> (N, K)
    targets: str  # "real", "binary", "signed", "onehot"
    canonical_output: str
    stable: Callable | None = None  # (z, t) -> (N,)
    canonical_delta: Callable = None  # (z, y, t) -> (N, K); None: y - t
    given_output: Callable | None = None  # (z, y, t) -> (N,)

    def __post_init__(self):
        if self.canonical_delta is None:
            object.__setattr__(self, "canonical_delta", _output_minus_target)


_TINY = 1e-300


def _softmax_ce_given_output(z, y, t):
    # E_n = logsumexp(z_n) - sum_k t_nk z_nk for rows t_n summing to 1. The softmax's largest
    # output is y_max = 1 / sum_k exp(z_k - z_max) >= 1/K, so logsumexp(z_n) = z_max - ln y_max
    # needs no new exp and cannot overflow or take the log of 0. z_max and y_max sit at the
    # same k (softmax keeps the order), so one argmax and two gathers replace two row
    # reductions, which numpy does slowly for few columns; einsum is the rows' t . z.
    k = y.argmax(axis=1)
    rows = np.arange(k.shape[0])
    return z[rows, k] - np.log(y[rows, k]) - np.einsum("nk,nk->n", t, z)


ERRORS = {
    "sse": ErrorFunction(
        "sse",
        lambda y, t: 0.5 * np.sum((y - t) ** 2, axis=1),
        lambda y, t: y - t,
        "real", "identity",
    ),
    "bce": ErrorFunction(
        "bce",
        lambda y, t: -np.sum(t * np.log(np.maximum(y, _TINY))
                             + (1 - t) * np.log(np.maximum(1 - y, _TINY)), axis=1),
        lambda y, t: (y - t) / np.maximum(y * (1 - y), _TINY),
        "binary", "sigmoid",
        # ln y = -softplus(-z), ln(1 - y) = -softplus(z)
        stable=lambda z, t: np.sum(t * softplus(-z) + (1 - t) * softplus(z), axis=1),
    ),
    "softmax_ce": ErrorFunction(
        "softmax_ce",
        lambda y, t: -np.sum(t * np.log(np.maximum(y, _TINY)), axis=1),
        lambda y, t: -t / np.maximum(y, _TINY),
        "onehot", "softmax",
        stable=lambda z, t: -np.sum(t * log_softmax(z), axis=1),
        given_output=lambda z, y, t: _softmax_ce_given_output(z, y, t),
    ),
    "logistic": ErrorFunction(
        "logistic",
        lambda y, t: np.sum(softplus(-t * y), axis=1),
        lambda y, t: -t * sigmoid(-t * y),
        "signed", "identity",
        stable=lambda z, t: np.sum(softplus(-t * z), axis=1),
        canonical_delta=lambda z, y, t: -t * sigmoid(-t * z),
    ),
}
ERRORS["cross_entropy"] = ERRORS["softmax_ce"]


def as_targets(t, shape, kind, layer=None) -> np.ndarray:
    """Check targets against the output shape ``(N, K)`` and return them as float ``(N, K)``.

    Integer class ids of shape ``(N,)`` are one-hot encoded for ``kind == 'onehot'``.
    Raises ``ValueError`` for a shape that differs from the output's (naming both shapes),
    class ids outside ``0..K-1``, binary targets outside [0, 1] and signed targets not in {-1, +1}.
    """
    where = f" (output layer {layer})" if layer is not None else ""
    t = np.asarray(t)
    n, k = shape
    if kind == "onehot" and t.ndim == 1 and t.shape[0] == n:
        if not np.issubdtype(t.dtype, np.integer):
            if np.issubdtype(t.dtype, np.floating) and np.all(np.mod(t, 1) == 0):
                t = t.astype(int)
            else:
                raise ValueError(f"class ids must be integers, got dtype {t.dtype}")
        if t.size and (t.min() < 0 or t.max() >= k):
            raise ValueError(
                f"class ids must be in 0..{k - 1} for {k} output units{where}; "
                f"got values from {t.min()} to {t.max()}"
            )
        onehot = np.zeros((n, k))
        onehot[np.arange(n), t] = 1.0
        return onehot
    if t.shape != (n, k):
        extra = " or integer class ids of shape (N,)" if kind == "onehot" else ""
        raise ValueError(
            f"targets T have shape {t.shape} but the network output{where} has shape {(n, k)}; "
            f"expected T of shape {(n, k)}{extra} (nothing is broadcast)"
        )
    t = t.astype(float)
    if not np.all(np.isfinite(t)):
        raise ValueError("targets T contain NaN or infinite values")
    if kind == "binary" and (t.min(initial=0) < 0 or t.max(initial=1) > 1):
        raise ValueError("binary cross-entropy targets must lie in [0, 1] (0/1 labels)")
    if kind == "signed" and not np.all(np.isin(t, (-1.0, 1.0))):
        raise ValueError("logistic-loss targets must be -1 or +1 (use 'bce' for 0/1 labels)")
    if kind == "onehot" and (t.min(initial=0) < 0 or np.max(np.abs(t.sum(axis=1) - 1.0), initial=0) > 1e-6):
        raise ValueError("softmax cross-entropy targets must be one-hot rows (or class ids)")
    return t


class Loss:
    """An output unit paired with an error function.

    ``Loss('sse')`` is the canonical pair; ``Loss('sse', output='sigmoid')`` the
    non-canonical sigmoid + sum-of-squares. Methods take the output pre-activation ``z``
    ``(N, K)`` and targets ``t`` (see :func:`as_targets`).
    """

    def __init__(self, error: str, output: str | Activation | None = None):
        if error not in ERRORS:
            raise ValueError(f"unknown loss {error!r}; known losses: {', '.join(sorted(ERRORS))}")
        self.error = ERRORS[error]
        canonical = self.error.canonical_output
        output = canonical if output is None else output
        self.output_name = output if isinstance(output, str) else output.name
        self.softmax_output = self.output_name == "softmax"
        self.output_unit = None if self.softmax_output else get_activation(output)
        self.canonical = self.output_name == canonical and not (
            isinstance(output, Activation) and output.params
        )
        self.name = self.error.name if self.canonical else f"{self.error.name}+{self.output_name}"

    def __repr__(self):
        return f"Loss({self.error.name!r}, output={self.output_name!r})"

    def output(self, z):
        """Network output y = f(z), shape of z."""
        return softmax(z) if self.softmax_output else self.output_unit(z)

    def targets(self, t, shape, layer=None):
        """Validated float targets of shape ``shape`` (see :func:`as_targets`)."""
        return as_targets(t, shape, self.error.targets, layer)

    def per_example(self, z, t, y=None):
        """E_n for each example, shape (N,); ``t`` already validated, shape (N, K).

        ``y``: the output ``f(z)`` if the forward pass already computed it (``(N, K)``); for
        the softmax cross-entropy it saves recomputing the log-sum-exp.
        """
        z = np.asarray(z, dtype=float)
        if y is not None and self.canonical and self.error.given_output is not None:
            return self.error.given_output(z, y, t)
        if self.canonical and self.error.stable is not None:
            return self.error.stable(z, t)
        return self.error.value(self.output(z), t)

    def value(self, z, t, layer=None):
        """E = (1/N) sum_n E_n: the mean over the batch. Returns a float."""
        z = np.asarray(z, dtype=float)
        t = self.targets(t, z.shape, layer)
        return float(np.mean(self.per_example(z, t)))

    def delta(self, z, t, layer=None, *, checked=False, y=None):
        """Output-layer delta dE/dz, shape (N, K), including the 1/N of the batch mean.

        Canonical pairs: ``(y - t) / N`` (PRML eq. 5.18/5.54; for ``logistic`` the equal
        ``-t sigma(-t z) / N``). Otherwise the chain rule: ``dE/dy * f'(z) / N`` for an
        elementwise unit, ``y * (g - sum_j g_j y_j) / N`` with ``g = dE/dy`` for softmax
        (the Jacobian ``dy_j/dz_k = y_j (I_jk - y_k)``). ``checked=True`` skips the target
        check for targets already returned by :meth:`targets` (the training loop's fast path);
        ``y``: the output ``f(z)`` if the forward pass already computed it.
        """
        z = np.asarray(z, dtype=float)
        if not checked:
            t = self.targets(t, z.shape, layer)
        n = z.shape[0]
        y = self.output(z) if y is None else y
        if self.canonical:
            return self.error.canonical_delta(z, y, t) / n
        g = self.error.grad(y, t)
        if self.softmax_output:
            return y * (g - np.sum(g * y, axis=1, keepdims=True)) / n
        return g * self.output_unit.prime(z) / n


def get_loss(spec, output=None) -> Loss:
    """A :class:`Loss` from a name (``'sse'``, ``'bce'``, ``'softmax_ce'``, ``'logistic'``;
    alias ``'cross_entropy'``) and an optional output unit, or a Loss passed through.

    Raises ``ValueError`` listing the known names for an unknown name.
    """
    if isinstance(spec, Loss):
        if output is not None:
            raise ValueError("pass either a Loss object or a name with output=, not both")
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"a loss is a name or a Loss, not {type(spec).__name__}")
    return Loss(spec, output)
