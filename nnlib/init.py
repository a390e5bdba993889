"""Weight initializers, every random one driven by an explicit ``numpy.random.Generator``.

Each initializer is ``f(shape, rng) -> ndarray`` for a weight matrix of shape
``(n_l, n_{l-1}) = (fan_out, fan_in)`` (docs/design.md, "Notation"), returned as float64. Biases start
at zero (:class:`~nnlib.network.MLP` does that).

- Xavier/Glorot (Glorot & Bengio 2010): Var(w) = 2 / (fan_in + fan_out) (their eq. 12);
  normal with that variance, or uniform on [-r, r] with r = sqrt(6 / (fan_in + fan_out))
  (their eq. 16, "normalized initialization").
- He/Kaiming (He et al. 2015, eq. 10): Var(w) = 2 / fan_in, for ReLU units, because a ReLU
  halves the second moment: Var(h_j) = fan_in * Var(w) / 2 for unit-variance inputs;
  normal with that variance, or uniform on [-r, r] with r = sqrt(6 / fan_in).
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "as_rng", "fans", "zeros", "constant", "normal", "uniform", "xavier_normal", "xavier_uniform",
    "he_normal", "he_uniform", "INITIALIZERS", "get_initializer",
]


def as_rng(rng, required=True):
    """A ``numpy.random.Generator`` from a Generator or an int seed.

    Raises ``TypeError`` for ``None`` when ``required`` (randomness never comes from numpy's
    global state) and for anything else that is not a Generator or an int.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        if not required:
            return None
        raise TypeError("pass rng=np.random.default_rng(seed) (or an int seed): "
                        "nnlib never uses numpy's global random state")
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(f"rng must be a numpy.random.Generator or an int seed, not {type(rng).__name__}")


def fans(shape):
    """``(fan_in, fan_out)`` of a weight matrix of shape ``(fan_out, fan_in)``.

    Raises ``ValueError`` unless ``shape`` has two positive entries.
    """
    shape = tuple(int(s) for s in shape)
    if len(shape) != 2 or min(shape) < 1:
        raise ValueError(f"a weight matrix has shape (n_l, n_(l-1)) with positive sizes, got {shape}")
    return shape[1], shape[0]


def _not_random(f):
    f.random = False
    return f


@_not_random
def zeros(shape, rng=None):
    """All-zero weights (shows the symmetry problem: every hidden unit stays identical)."""
    fans(shape)
    return np.zeros(shape)


def constant(value):
    """An initializer that fills every weight with ``value``: ``constant(0.5)(shape)``."""
    @_not_random
    def init(shape, rng=None):
        fans(shape)
        return np.full(shape, float(value))
    init.__name__ = f"constant({value})"
    return init


def normal(std):
    """An initializer drawing weights from N(0, std^2): ``normal(0.01)(shape, rng)``."""
    if std < 0:
        raise ValueError(f"std must be >= 0, got {std}")

    def init(shape, rng):
        fans(shape)
        return as_rng(rng).normal(0.0, std, size=shape)
    init.__name__ = f"normal({std})"
    return init


def uniform(low, high):
    """An initializer drawing weights uniformly from [low, high)."""
    if not low < high:
        raise ValueError(f"need low < high, got [{low}, {high})")

    def init(shape, rng):
        fans(shape)
        return as_rng(rng).uniform(low, high, size=shape)
    init.__name__ = f"uniform({low}, {high})"
    return init


def xavier_normal(shape, rng):
    """Xavier/Glorot normal: N(0, 2 / (fan_in + fan_out)). Glorot & Bengio 2010, eq. 12."""
    fan_in, fan_out = fans(shape)
    return as_rng(rng).normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=shape)


def xavier_uniform(shape, rng):
    """Xavier/Glorot uniform: U[-r, r], r = sqrt(6 / (fan_in + fan_out)) (variance 2/(in+out)).

    Glorot & Bengio 2010, eq. 16.
    """
    fan_in, fan_out = fans(shape)
    r = np.sqrt(6.0 / (fan_in + fan_out))
    return as_rng(rng).uniform(-r, r, size=shape)


def he_normal(shape, rng):
    """He/Kaiming normal: N(0, 2 / fan_in). He et al. 2015, eq. 10."""
    fan_in, _ = fans(shape)
    return as_rng(rng).normal(0.0, np.sqrt(2.0 / fan_in), size=shape)


def he_uniform(shape, rng):
    """He/Kaiming uniform: U[-r, r], r = sqrt(6 / fan_in) (variance 2 / fan_in)."""
    fan_in, _ = fans(shape)
    r = np.sqrt(6.0 / fan_in)
    return as_rng(rng).uniform(-r, r, size=shape)


INITIALIZERS = {
    "zeros": zeros,
    "xavier_normal": xavier_normal,
    "xavier_uniform": xavier_uniform,
    "glorot_normal": xavier_normal,
    "glorot_uniform": xavier_uniform,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
}


def get_initializer(name):
    """An initializer by name; ``ValueError`` listing the known names otherwise.

    ``normal``, ``uniform`` and ``constant`` take parameters: call them, e.g. ``normal(0.01)``.
    """
    try:
        return INITIALIZERS[name]
    except KeyError:
        raise ValueError(
            f"unknown initializer {name!r}; known: {', '.join(sorted(INITIALIZERS))} "
            f"(or nnlib.init.normal(std), uniform(low, high), constant(value))"
        ) from None
