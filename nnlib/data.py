"""Small data sets for the course: XOR, Bishop's fig. 5.3 targets, 2-D two-class sets, digits.

Inputs are rows: ``X`` has shape ``(N, D)``. Every random set takes an explicit ``rng``
(a ``numpy.random.Generator`` or an int seed). Nothing is downloaded: the digits are the
1,797 8x8 images bundled with scikit-learn.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .init import as_rng

__all__ = ["xor", "bishop_targets", "BISHOP_TARGETS", "circles", "moons", "spirals", "Digits", "digits"]


def xor():
    """The four XOR points. Returns ``X`` ``(4, 2)`` with entries 0/1 and ``t`` ``(4,)`` with
    ``t = x_1 XOR x_2`` (ints 0/1), in the order (0,0), (0,1), (1,0), (1,1)."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    t = np.array([0, 1, 1, 0])
    return X, t


BISHOP_TARGETS = {
    "square": lambda x: x**2,
    "sin": lambda x: np.sin(np.pi * x),
    "abs": lambda x: np.abs(x),
    "step": lambda x: np.where(x > 0, 1.0, 0.0),
}


def bishop_targets(name, n=50):
    """One of the four 1-D regression problems of Bishop, PRML fig. 5.3.

    ``name``: ``'square'`` (f(x) = x^2), ``'sin'`` (sin(pi x)), ``'abs'`` (|x|) or ``'step'``
    (Heaviside H(x)), sampled at ``n`` evenly spaced points on [-1, 1] as in the figure.
    Returns ``x`` ``(n, 1)`` and ``t`` ``(n, 1)``. Raises ``ValueError`` for an unknown name.
    """
    if name not in BISHOP_TARGETS:
        raise ValueError(f"unknown target {name!r}; known: {', '.join(BISHOP_TARGETS)}")
    x = np.linspace(-1.0, 1.0, int(n)).reshape(-1, 1)
    return x, BISHOP_TARGETS[name](x).astype(float)


def circles(n=200, noise=0.1, rng=None):
    """Two concentric rings (scikit-learn's ``make_circles``, factor 0.5): no line separates them.

    Returns ``X`` ``(n, 2)`` and class ids ``t`` ``(n,)`` in {0, 1}.
    """
    from sklearn.datasets import make_circles

    seed = int(as_rng(rng).integers(2**31 - 1))
    X, t = make_circles(n_samples=int(n), noise=noise, factor=0.5, random_state=seed)
    return X.astype(float), t.astype(int)


def moons(n=200, noise=0.1, rng=None):
    """Two interleaving half circles (scikit-learn's ``make_moons``). ``X`` ``(n, 2)``, ``t`` ``(n,)``."""
    from sklearn.datasets import make_moons

    seed = int(as_rng(rng).integers(2**31 - 1))
    X, t = make_moons(n_samples=int(n), noise=noise, random_state=seed)
    return X.astype(float), t.astype(int)


def spirals(n=200, noise=0.05, turns=1.5, rng=None):
    """Two interleaved Archimedean spirals, ``n // 2`` points each (the last class gets the rest).

    Point i of a class sits at radius r in (0, 1] and angle ``2 pi turns r`` (+ pi for class 1),
    plus Gaussian noise of standard deviation ``noise``. Returns ``X`` ``(n, 2)``, ``t`` ``(n,)``.
    """
    rng = as_rng(rng)
    n0 = int(n) // 2
    counts = (n0, int(n) - n0)
    Xs, ts = [], []
    for label, m in enumerate(counts):
        r = np.linspace(0.05, 1.0, m)
        angle = 2 * np.pi * turns * r + np.pi * label
        pts = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
        Xs.append(pts + rng.normal(0.0, noise, size=pts.shape))
        ts.append(np.full(m, label))
    return np.vstack(Xs), np.concatenate(ts)


@dataclass
class Digits:
    """The scikit-learn handwritten digits, split and standardized.

    ``X_train`` ``(n_train, 64)``, ``X_test`` ``(n_test, 64)``: pixel values standardized with the
    mean and standard deviation of the *training* part only (``mean``, ``std``, each ``(64,)``;
    constant pixels keep std 1). ``t_train``, ``t_test``: the targets, class ids 0..9 (``t``
    as everywhere in the course: ``y`` is the network's output). ``images_test``
    ``(n_test, 8, 8)``: the raw test images (0..16) for plotting.
    """

    X_train: np.ndarray
    X_test: np.ndarray
    t_train: np.ndarray
    t_test: np.ndarray
    images_test: np.ndarray
    mean: np.ndarray
    std: np.ndarray


def digits(test_size=0.2, seed=0):
    """The 1,797 8x8 handwritten digits bundled with scikit-learn (UCI ML digits), no download.

    A fixed, stratified train/test split (``test_size`` fraction, ``seed`` for the split), then
    standardization fitted on the training part only (scikit-learn's ``StandardScaler``).
    Returns :class:`Digits`.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    data = load_digits()
    idx_train, idx_test = train_test_split(
        np.arange(len(data.target)), test_size=test_size, random_state=seed, stratify=data.target
    )
    scaler = StandardScaler().fit(data.data[idx_train])
    return Digits(
        X_train=scaler.transform(data.data[idx_train]),
        X_test=scaler.transform(data.data[idx_test]),
        t_train=data.target[idx_train].astype(int),
        t_test=data.target[idx_test].astype(int),
        images_test=data.images[idx_test],
        mean=scaler.mean_,
        std=scaler.scale_,
    )
