"""Activation functions h(z) and their derivatives h'(z), in one registry.

Every function here acts elementwise on an array ``z`` of any shape (in a network, the
pre-activations of one layer, shape ``(N, n_l)``) and returns an array of the same shape.
The derivative is taken with respect to the pre-activation ``z``: ``h'(z) = dh/dz``. Each
``*_prime`` function evaluates it at ``z``. Where the derivative can be written exactly with
the activation ``a = h(z)`` instead (sigmoid ``a (1 - a)``; tanh ``1 - a^2``, Bishop PRML
eq. 5.60), :class:`Activation` also has that form (``prime_given(z, a)``), which the backward
pass uses because it reuses the stored ``a``. Both are the same number: what matters is to
apply the formula to the right quantity (``1 - a^2`` of the activation, never ``1 - z^2``).

Adding an activation is one :func:`register` call; the test suite checks every registered
activation against central differences automatically.

Sources: the activation zoo of the "learning from scratch" lecture; Bishop, PRML sec. 5.1 and
eq. 5.59 (tanh); Maas et al. 2013 (leaky ReLU); Clevert et al. 2016 (ELU); Ramachandran et al.
2017 (swish/SiLU); Hendrycks & Gimpel 2016 (GELU, tanh approximation).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = [
    "Activation", "ACTIVATIONS", "register", "get_activation",
    "identity", "identity_prime", "sigmoid", "sigmoid_prime", "tanh", "tanh_prime",
    "tanh_prime_from_activation", "relu", "relu_prime", "leaky_relu", "leaky_relu_prime",
    "elu", "elu_prime", "swish", "swish_prime", "gelu", "gelu_prime", "softmax", "log_softmax",
]


def identity(z):
    """h(z) = z. Shape in = shape out."""
    return np.array(z, dtype=float, copy=True)


def identity_prime(z):
    """h'(z) = 1. Shape in = shape out."""
    return np.ones_like(np.asarray(z, dtype=float))


def sigmoid(z):
    """Logistic sigmoid 1 / (1 + exp(-z)), numerically stable for large |z|.

    For z >= 0 it evaluates 1 / (1 + exp(-z)); for z < 0 the equal form exp(z) / (1 + exp(z)),
    so ``exp`` never overflows. Shape in = shape out. Bishop, PRML eq. 4.59.
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # in (0, 1], never overflows
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z):
    """sigma'(z) = sigma(z) (1 - sigma(z)). Shape in = shape out. Bishop, PRML eq. 4.88."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """Hyperbolic tangent (e^z - e^-z) / (e^z + e^-z). Shape in = shape out. PRML eq. 5.59."""
    return np.tanh(np.asarray(z, dtype=float))


def tanh_prime(z):
    """tanh'(z) = 1 - tanh(z)^2, evaluated at the pre-activation z. PRML eq. 5.60."""
    t = np.tanh(np.asarray(z, dtype=float))
    return 1.0 - t * t


def tanh_prime_from_activation(a):
    """tanh'(z) written with the activation a = tanh(z): 1 - a^2 (PRML eq. 5.66 uses this form).

    Pass the activation ``a``, not the pre-activation ``z``. Shape in = shape out.
    """
    a = np.asarray(a, dtype=float)
    return 1.0 - a * a


def relu(z):
    """Rectified linear unit max(0, z). Shape in = shape out."""
    z = np.asarray(z, dtype=float)
    return np.maximum(z, 0.0)


def relu_prime(z):
    """ReLU derivative: 1 for z > 0, 0 for z <= 0 (the value 0 is chosen at the kink z = 0)."""
    return (np.asarray(z, dtype=float) > 0).astype(float)


def leaky_relu(z, alpha=0.01):
    """Leaky ReLU: z for z > 0, alpha * z otherwise (Maas et al. 2013). Shape in = shape out."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * z)


def leaky_relu_prime(z, alpha=0.01):
    """Leaky ReLU derivative: 1 for z > 0, alpha otherwise."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha)


def elu(z, alpha=1.0):
    """Exponential linear unit: z for z > 0, alpha (exp(z) - 1) otherwise (Clevert et al. 2016)."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))


def elu_prime(z, alpha=1.0):
    """ELU derivative: 1 for z > 0, alpha exp(z) otherwise."""
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))


def swish(z):
    """Swish / SiLU: z sigma(z) (Ramachandran et al. 2017; Elfwing et al. 2018)."""
    z = np.asarray(z, dtype=float)
    return z * sigmoid(z)


def swish_prime(z):
    """Swish derivative: sigma(z) + z sigma(z) (1 - sigma(z))."""
    z = np.asarray(z, dtype=float)
    s = sigmoid(z)
    return s + z * s * (1.0 - s)


_GELU_C = np.sqrt(2.0 / np.pi)


def gelu(z):
    """GELU, tanh approximation: 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))).

    Hendrycks & Gimpel 2016, eq. for the fast approximation (as in BERT/GPT-2). Shape in = out.
    """
    z = np.asarray(z, dtype=float)
    return 0.5 * z * (1.0 + np.tanh(_GELU_C * (z + 0.044715 * z * z * z)))


def gelu_prime(z):
    """Exact derivative of the tanh-approximated :func:`gelu`."""
    z = np.asarray(z, dtype=float)
    u = _GELU_C * (z + 0.044715 * z * z * z)
    t = np.tanh(u)
    du = _GELU_C * (1.0 + 3 * 0.044715 * z * z)
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * du


def softmax(z, axis=-1):
    """Softmax exp(z_k) / sum_j exp(z_j) along ``axis``, with the log-sum-exp shift.

    Subtracting max_j z_j first leaves the result unchanged (the factor exp(-max) cancels) and
    keeps every ``exp`` argument <= 0, so logits of size 1000 do not overflow.
    ``z``: shape (N, K) (or (K,)); result: same shape, each row sums to 1. PRML eq. 4.62.
    Not elementwise, so it is an output unit only (not in the hidden-activation registry).
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(z, axis=-1):
    """log softmax(z) = z - logsumexp(z), computed with the max shift. Shape in = shape out."""
    z = np.asarray(z, dtype=float)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


@dataclass(frozen=True)
class Activation:
    """An elementwise activation: its name, h(z), h'(z) and keyword parameters (e.g. alpha).

    ``kinks`` lists the points where h is not differentiable (tests keep inputs away from them).
    Call ``act(z)`` for h(z) and ``act.prime(z)`` for h'(z); both keep the shape of ``z``.
    """

    name: str
    function: Callable
    derivative: Callable
    params: dict = field(default_factory=dict)
    kinks: tuple = ()
    # h'(z) written with the activation a = h(z), where that is exact (tanh: 1 - a^2,
    # PRML eq. 5.66); lets the backward pass reuse a instead of recomputing h(z)
    derivative_from_activation: Callable | None = None

    def __call__(self, z):
        return self.function(z, **self.params)

    def prime(self, z):
        """h'(z) at the pre-activation z (same shape as z)."""
        return self.derivative(z, **self.params)

    def prime_given(self, z, a):
        """h'(z) given both z and the activation a = h(z) (same shapes); equal to ``prime(z)``."""
        if self.derivative_from_activation is not None and not self.params:
            return self.derivative_from_activation(a)
        return self.derivative(z, **self.params)

    def with_params(self, **params):
        """A copy with other parameters, e.g. ``get_activation('elu').with_params(alpha=0.5)``."""
        unknown = set(params) - set(self.params)
        if unknown:
            raise ValueError(
                f"activation {self.name!r} has no parameter(s) {sorted(unknown)}; "
                f"its parameters are {sorted(self.params) or 'none'}"
            )
        return Activation(self.name, self.function, self.derivative,
                          {**self.params, **params}, self.kinks,
                          self.derivative_from_activation)

    def __repr__(self):
        extra = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"Activation({self.name!r}{', ' + extra if extra else ''})"


ACTIVATIONS: dict[str, Activation] = {}


def register(activation: Activation) -> Activation:
    """Add an activation to the registry (and so to the automatic derivative tests)."""
    ACTIVATIONS[activation.name] = activation
    return activation


for _act in (
    Activation("identity", lambda z: identity(z), lambda z: identity_prime(z)),
    Activation("sigmoid", lambda z: sigmoid(z), lambda z: sigmoid_prime(z),
               derivative_from_activation=lambda a: a * (1.0 - a)),
    Activation("tanh", lambda z: tanh(z), lambda z: tanh_prime(z),
               derivative_from_activation=lambda a: 1.0 - a * a),
    Activation("relu", lambda z: relu(z), lambda z: relu_prime(z), kinks=(0.0,)),
    Activation("leaky_relu", leaky_relu, leaky_relu_prime, {"alpha": 0.01}, kinks=(0.0,)),
    Activation("elu", elu, elu_prime, {"alpha": 1.0}, kinks=(0.0,)),
    Activation("swish", lambda z: swish(z), lambda z: swish_prime(z)),
    Activation("gelu", lambda z: gelu(z), lambda z: gelu_prime(z)),
):
    register(_act)
ACTIVATIONS["silu"] = ACTIVATIONS["swish"]


def get_activation(spec) -> Activation:
    """Look up an activation by name (``'tanh'``) or pass an :class:`Activation` through.

    Raises ``ValueError`` listing the known names for an unknown name, and ``TypeError`` for
    anything that is neither a string nor an Activation. ``'softmax'`` is not elementwise and
    is only available as an output unit (see :mod:`nnlib.losses`).
    """
    if isinstance(spec, Activation):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"an activation is a name or an Activation, not {type(spec).__name__}")
    try:
        return ACTIVATIONS[spec]
    except KeyError:
        hint = " ('softmax' is an output unit: use loss='softmax_ce')" if spec == "softmax" else ""
        raise ValueError(
            f"unknown activation {spec!r}{hint}; known activations: {', '.join(sorted(ACTIVATIONS))}"
        ) from None
