"""Adaptive optimizers: RMSprop and Adam, next to SGD with momentum (:mod:`nnlib.training`).

Both keep, per parameter entry, a running average of the squared gradient and divide the step
by its square root, so that every coordinate moves at a similar speed whatever the scale of
its gradient: the cure for a badly conditioned error surface, where one learning rate is too
large for the steep directions and too small for the flat ones.

Conventions as in :func:`nnlib.training.sgd_step`: parameters, gradients and optimizer state
are lists indexed by layer, entry 0 ``None``; ``W[l]`` has shape ``(n_l, n_{l-1})``, ``b[l]``
``(n_l,)``, and every gradient and state entry has the shape of its parameter. The gradients
are those of E, the mean over the mini-batch. L2 weight decay adds ``weight_decay * W[l]`` to
the weight gradient (biases are not decayed) before the adaptive scaling. Updates are in place.

Sources: RMSprop, Tieleman & Hinton, *Neural Networks for Machine Learning*, lecture 6e (2012);
Adam, Kingma & Ba, "Adam: A method for stochastic optimization", ICLR 2015, Algorithm 1.
"""
from __future__ import annotations

import numpy as np

__all__ = ["max_stable_learning_rate", "rmsprop_step", "adam_step", "RMSprop", "Adam"]


def _check(name, value, low, high=None, low_open=False):
    ok = (value > low if low_open else value >= low) and (high is None or value < high)
    if not ok:
        bounds = f"({low}, " if low_open else f"[{low}, "
        bounds += f"{high})" if high is not None else "inf)"
        raise ValueError(f"{name} must be in {bounds}, got {value}")


def _zeros_like(params):
    return [None] + [np.zeros_like(p, dtype=float) for p in params[1:]]


def max_stable_learning_rate(H):
    """The largest learning rate for which gradient descent on ``E(w) = 1/2 w^T H w`` converges.

    One step is ``w <- (I - eta H) w``: along the eigenvector of eigenvalue ``lambda`` the
    coordinate is multiplied by ``1 - eta lambda``, which shrinks for every direction exactly
    when ``0 < eta < 2 / lambda_max`` (Goodfellow et al., *Deep Learning*, sec. 4.3.1; LeCun et
    al. 1998, "Efficient BackProp", sec. 5). Near a minimum, ``H`` is the Hessian of E.

    Args:
        H: ``(D, D)`` symmetric positive definite matrix.

    Returns:
        ``2 / lambda_max(H)`` as a float.

    Raises:
        ValueError: ``H`` is not square and symmetric, or not positive definite.
    """
    H = np.asarray(H, dtype=float)
    if H.ndim != 2 or H.shape[0] != H.shape[1] or not np.allclose(H, H.T):
        raise ValueError(f"H must be a symmetric (D, D) matrix, got shape {H.shape}")
    lam = np.linalg.eigvalsh(H)
    if lam[0] <= 0:
        raise ValueError(f"H must be positive definite; its smallest eigenvalue is {lam[0]:g}")
    return float(2.0 / lam[-1])


def rmsprop_step(W, b, dW, db, sW, sb, learning_rate, rho=0.9, eps=1e-8, weight_decay=0.0):
    """One RMSprop step, in place (Tieleman & Hinton 2012).

    For every layer ``l`` and every entry, with ``g`` the gradient (``dW[l] + weight_decay *
    W[l]`` for weights, ``db[l]`` for biases) and ``s`` its running mean square:

        s <- rho s + (1 - rho) g**2,        theta <- theta - learning_rate * g / (sqrt(s) + eps)

    Args:
        W, b: parameters, lists indexed by layer (entry 0 None), updated in place.
        dW, db: gradients of E (mean over the mini-batch), same shapes; left unchanged.
        sW, sb: running mean squares, same shapes (zeros before the first step), updated in place.
        learning_rate: eta > 0. rho: decay of the mean square, in [0, 1). eps: > 0, added to the
            root mean square. weight_decay: lambda >= 0 (weights only).

    Returns:
        None.

    Raises:
        ValueError: a hyperparameter out of range.
    """
    _check("learning_rate", learning_rate, 0, low_open=True)
    _check("rho", rho, 0, 1)
    _check("eps", eps, 0, low_open=True)
    _check("weight_decay", weight_decay, 0)
    for l in range(1, len(W)):
        for theta, g, s in ((W[l], dW[l] + weight_decay * W[l] if weight_decay else dW[l], sW[l]),
                            (b[l], db[l], sb[l])):
            s *= rho
            s += (1.0 - rho) * np.square(g)
            theta -= learning_rate * g / (np.sqrt(s) + eps)


def adam_step(W, b, dW, db, mW, mb, vW, vb, t, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8,
              weight_decay=0.0):
    """One Adam step with bias correction, in place (Kingma & Ba 2015, Algorithm 1).

    For every layer ``l`` and every entry, with ``g`` the gradient (``dW[l] + weight_decay *
    W[l]`` for weights, ``db[l]`` for biases):

        m <- beta1 m + (1 - beta1) g,        v <- beta2 v + (1 - beta2) g**2,
        m_hat = m / (1 - beta1**t),          v_hat = v / (1 - beta2**t),
        theta <- theta - learning_rate * m_hat / (sqrt(v_hat) + eps)

    The bias correction undoes the pull towards the zeros ``m`` and ``v`` start from: on the
    first step ``m_hat = g`` and ``v_hat = g**2``, so every entry moves by about
    ``learning_rate`` whatever the size of its gradient.

    Args:
        W, b: parameters, lists indexed by layer (entry 0 None), updated in place.
        dW, db: gradients of E (mean over the mini-batch), same shapes; left unchanged.
        mW, mb, vW, vb: first and second moment estimates, same shapes (zeros before the first
            step), updated in place.
        t: the number of this step, counting from 1.
        learning_rate: eta > 0. beta1, beta2: in [0, 1). eps: > 0. weight_decay: lambda >= 0.

    Returns:
        None.

    Raises:
        ValueError: ``t < 1`` or a hyperparameter out of range.
    """
    if int(t) != t or t < 1:
        raise ValueError(f"the step number t counts from 1, got {t}")
    _check("learning_rate", learning_rate, 0, low_open=True)
    _check("beta1", beta1, 0, 1)
    _check("beta2", beta2, 0, 1)
    _check("eps", eps, 0, low_open=True)
    _check("weight_decay", weight_decay, 0)
    c1, c2 = 1.0 - beta1 ** t, 1.0 - beta2 ** t
    for l in range(1, len(W)):
        for theta, g, m, v in ((W[l], dW[l] + weight_decay * W[l] if weight_decay else dW[l],
                                mW[l], vW[l]),
                               (b[l], db[l], mb[l], vb[l])):
            m *= beta1
            m += (1.0 - beta1) * g
            v *= beta2
            v += (1.0 - beta2) * np.square(g)
            theta -= learning_rate * (m / c1) / (np.sqrt(v / c2) + eps)


class _Optimizer:
    """What every optimizer object shares: its step count and its learning rate (a number, or
    a schedule ``step -> eta``)."""

    def current_learning_rate(self):
        """The learning rate for the next step."""
        lr = self.learning_rate
        return lr(self.steps) if callable(lr) else lr


class RMSprop(_Optimizer):
    """RMSprop keeping its running mean squares; ``step(net, grads)`` as :class:`~nnlib.SGD`.

    ``learning_rate``: eta > 0, or a schedule ``step -> eta`` (see :func:`nnlib.warmup`).
    Other arguments as :func:`rmsprop_step`. Raises ``ValueError`` for values out of range.
    """

    def __init__(self, learning_rate=1e-3, rho=0.9, eps=1e-8, weight_decay=0.0):
        if not callable(learning_rate):
            _check("learning_rate", learning_rate, 0, low_open=True)
        _check("rho", rho, 0, 1)
        _check("eps", eps, 0, low_open=True)
        _check("weight_decay", weight_decay, 0)
        self.learning_rate, self.rho, self.eps, self.weight_decay = learning_rate, rho, eps, weight_decay
        self.steps = 0
        self._s = None

    def step(self, net, grads):
        """Update ``net.W``, ``net.b`` in place from :class:`~nnlib.network.Gradients`."""
        if self._s is None:
            self._s = (_zeros_like(net.W), _zeros_like(net.b))
        rmsprop_step(net.W, net.b, grads.dW, grads.db, *self._s, self.current_learning_rate(),
                     self.rho, self.eps, self.weight_decay)
        self.steps += 1


class Adam(_Optimizer):
    """Adam keeping its moment estimates; ``step(net, grads)`` as :class:`~nnlib.SGD`.

    ``learning_rate``: eta > 0, or a schedule ``step -> eta`` (see :func:`nnlib.warmup`).
    Other arguments as :func:`adam_step`. Raises ``ValueError`` for values out of range.
    """

    def __init__(self, learning_rate=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        if not callable(learning_rate):
            _check("learning_rate", learning_rate, 0, low_open=True)
        _check("beta1", beta1, 0, 1)
        _check("beta2", beta2, 0, 1)
        _check("eps", eps, 0, low_open=True)
        _check("weight_decay", weight_decay, 0)
        self.learning_rate, self.beta1, self.beta2 = learning_rate, beta1, beta2
        self.eps, self.weight_decay = eps, weight_decay
        self.steps = 0
        self._state = None

    def step(self, net, grads):
        """Update ``net.W``, ``net.b`` in place from :class:`~nnlib.network.Gradients`."""
        if self._state is None:
            self._state = (_zeros_like(net.W), _zeros_like(net.b), _zeros_like(net.W), _zeros_like(net.b))
        adam_step(net.W, net.b, grads.dW, grads.db, *self._state, self.steps + 1,
                  self.current_learning_rate(), self.beta1, self.beta2, self.eps, self.weight_decay)
        self.steps += 1
