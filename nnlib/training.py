"""Mini-batch stochastic gradient descent: batches, the SGD step, warm-up, and the fit loop.

One *step* updates the parameters once from one mini-batch; one *epoch* is one pass over the
whole training set, in a new random order each epoch (the "class notes" and data-mining lectures).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .init import as_rng
from .network import check_params

__all__ = [
    "minibatches", "SGD", "sgd_step", "warmup", "History", "TrainingDiverged", "fit",
]


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite during training (usually: the learning rate is too large).

    ``history``: the :class:`History` of the epochs finished before it happened (for plotting).
    """

    def __init__(self, message, history=None):
        super().__init__(message)
        self.history = history


def minibatches(n, batch_size, rng, shuffle=True):
    """Index arrays of the mini-batches of one epoch over ``n`` examples.

    Every index ``0..n-1`` appears exactly once; the order is a fresh permutation drawn from
    ``rng`` (a Generator or int seed) on every call when ``shuffle``, so call it once per epoch.
    The last batch keeps the remainder (``n % batch_size`` examples) rather than dropping it.
    Returns a list of int arrays of length ``batch_size`` (the last possibly shorter).
    Raises ``ValueError`` for ``n < 1`` or ``batch_size < 1``.
    """
    n, batch_size = int(n), int(batch_size)
    if n < 1 or batch_size < 1:
        raise ValueError(f"need n >= 1 and batch_size >= 1, got n={n}, batch_size={batch_size}")
    order = as_rng(rng).permutation(n) if shuffle else np.arange(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def sgd_step(W, b, dW, db, learning_rate, momentum=0.0, weight_decay=0.0, vW=None, vb=None):
    """One SGD step with momentum and L2 weight decay, in place. Returns the velocities ``(vW, vb)``.

    For each layer l (lists indexed by layer, entry 0 None):
    ``g = dW[l] + weight_decay * W[l]`` (the gradient of ``E + weight_decay/2 * sum ||W||^2``;
    biases are not decayed), ``v = momentum * v - learning_rate * g``, ``W[l] += v``
    (classical momentum: Polyak 1964; Goodfellow et al., Deep Learning, Algorithm 8.2).
    With ``momentum = 0`` this is plain ``W <- W - learning_rate * grad``.
    ``vW``, ``vb``: the velocities from the previous step (None: zeros). With ``momentum = 0``
    and no velocities given, no velocities are kept and ``(None, None)`` is returned.
    """
    L = len(W) - 1
    if momentum == 0 and vW is None:  # plain SGD: no velocity to keep
        for l in range(1, L + 1):
            W[l] -= learning_rate * (dW[l] + weight_decay * W[l] if weight_decay else dW[l])
            b[l] -= learning_rate * db[l]
        return None, None
    if vW is None:
        vW = [None] + [np.zeros_like(W[l]) for l in range(1, L + 1)]
        vb = [None] + [np.zeros_like(b[l]) for l in range(1, L + 1)]
    for l in range(1, L + 1):
        g = dW[l] + weight_decay * W[l] if weight_decay else dW[l]
        vW[l] *= momentum
        vW[l] -= learning_rate * g
        W[l] += vW[l]
        vb[l] *= momentum
        vb[l] -= learning_rate * db[l]
        b[l] += vb[l]
    return vW, vb


class SGD:
    """Stochastic gradient descent with momentum and weight decay, keeping its velocities.

    ``learning_rate``: eta > 0, or a schedule ``step -> eta`` (see :func:`warmup`).
    ``momentum``: in [0, 1). ``weight_decay``: lambda >= 0 (L2 on weights, not biases).
    Raises ``ValueError`` for values out of range.
    """

    def __init__(self, learning_rate, momentum=0.0, weight_decay=0.0):
        if not callable(learning_rate) and not learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {learning_rate}")
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.steps = 0
        self._v = (None, None)

    def current_learning_rate(self):
        """The learning rate for the next step."""
        lr = self.learning_rate
        return lr(self.steps) if callable(lr) else lr

    def step(self, net, grads):
        """Update ``net.W``, ``net.b`` in place from :class:`~nnlib.network.Gradients`."""
        self._v = sgd_step(net.W, net.b, grads.dW, grads.db, self.current_learning_rate(),
                           self.momentum, self.weight_decay, *self._v)
        self.steps += 1


def warmup(learning_rate, warmup_steps):
    """Linear warm-up: ``step -> learning_rate * min(1, (step + 1) / warmup_steps)``.

    Grows the learning rate linearly over the first ``warmup_steps`` steps (Goyal et al. 2017,
    sec. 2.2), then holds it. ``warmup_steps = 0`` is a constant learning rate.
    """
    if warmup_steps < 0 or not learning_rate > 0:
        raise ValueError("need learning_rate > 0 and warmup_steps >= 0")

    def schedule(step):
        if warmup_steps == 0:
            return learning_rate
        return learning_rate * min(1.0, (step + 1) / warmup_steps)
    return schedule


@dataclass
class History:
    """Per-epoch training record: ``loss`` (the mean training error E of each epoch),
    ``accuracy`` (classification only, else empty) and, when validation data is given,
    ``val_loss`` and ``val_accuracy`` (always on the whole validation set at the end of the
    epoch). ``epochs`` is the number of finished epochs. ``record`` says what ``loss`` and
    ``accuracy`` measure: ``"batches"``, the mean over the epoch's mini-batches, each taken
    before its step (what a training loop sees for free); ``"full"``, one more pass over the
    whole training set at the end of the epoch."""

    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    record: str = "full"

    @property
    def epochs(self):
        return len(self.loss)


RECORDS = ("batches", "full")


def _epoch_record(net, outputs, targets, labels):
    """``(E, accuracy)`` of an epoch from the outputs of its mini-batches' forward passes (a
    list of pairs ``(z[L], a[L])``, ``(B_i, n_L)`` each) and the targets in the same order
    (``(N, n_L)``, float, checked; ``labels``: the same as class ids ``(N,)`` for a softmax
    output): the mean of E_n over all N examples, i.e. the mean of the batch errors weighted by
    batch size. One vectorized evaluation per epoch instead of one per step."""
    z = np.concatenate([z for z, _ in outputs])
    y = np.concatenate([y for _, y in outputs])
    E = float(np.mean(net.loss.per_example(z, targets, y=y)))
    if net.loss.error.targets == "real":
        return E, None
    return E, net._accuracy_from_output(y, labels)


def fit(net, X, T, epochs, batch_size=32, learning_rate=0.1, momentum=0.0, weight_decay=0.0,
        warmup_steps=0, rng=None, validation=None, progress=False, optimizer=None, record="batches"):
    """Train ``net`` in place by mini-batch SGD and return its :class:`History`.

    ``X``: ``(N, n_0)``; ``T``: targets as for ``net.loss`` (``(N, K)``, or class ids ``(N,)``).
    Each epoch visits every example once in a new order drawn from ``rng`` (required), in batches
    of ``batch_size`` (last one partial). ``validation``: optional ``(X_val, T_val)``.
    ``progress``: show a tqdm progress bar over epochs. ``optimizer``: an object with
    ``step(net, grads)``, ``steps`` and ``current_learning_rate()`` such as
    :class:`nnlib.optim.Adam` or :class:`nnlib.optim.RMSprop`; when given, it replaces the SGD
    built from ``learning_rate``, ``momentum``, ``weight_decay`` and ``warmup_steps``.
    ``record``: what ``History.loss`` and ``History.accuracy`` hold per epoch. ``"batches"``
    (default): the mean over the epoch's N examples of the error each mini-batch had just before
    its step, computed from the outputs the steps already produced (so it costs next to
    nothing, and lags the end-of-epoch error a little while the network learns). ``"full"``:
    ``net.evaluate(X, T)`` on the whole training set after the epoch's last step (one more
    forward pass per epoch; what a plot of "E after each epoch" needs).

    Raises :class:`TrainingDiverged` (naming the epoch, step and learning rate) as soon as the
    batch error becomes NaN or infinite, and ``ValueError`` for mismatched X and T or an unknown
    ``record``.
    """
    if record not in RECORDS:
        raise ValueError(f"record must be one of {RECORDS}, got {record!r}")
    rng = as_rng(rng)
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != net.sizes[0]:
        raise ValueError(f"layer 1: X has shape {X.shape} but the network expects (N, {net.sizes[0]})")
    T = net.loss.targets(T, (X.shape[0], net.sizes[-1]), layer=net.L)  # checked once, float (N, K)
    check_params(net.W, net.b, net.sizes)  # once: the steps below skip the per-layer shape checks
    if validation is not None:
        X_val, T_val = validation
    opt = optimizer if optimizer is not None else SGD(
        warmup(learning_rate, warmup_steps) if warmup_steps else learning_rate, momentum, weight_decay)
    classify = net.loss.error.targets != "real"
    labels = T.argmax(axis=1) if net.loss.error.targets == "onehot" else T  # for the accuracy
    history = History(record=record)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=epochs, desc="training", unit="epoch")
    try:
        for epoch in range(1, epochs + 1):
            batches = minibatches(X.shape[0], batch_size, rng)
            outputs = []  # the output layer's (z, y) of each batch; the hidden layers' are not kept
            for idx in batches:
                fp = net.forward(X[idx], checked=True)  # X and the parameters checked above
                outputs.append((fp.z[-1], fp.a[-1]))
                if not np.isfinite(fp.z[-1]).all():  # NaN/inf output: the loss is not finite
                    err = net.loss.value(fp.z[-1], T[idx], layer=net.L)
                    raise TrainingDiverged(
                        f"training diverged: the loss became {err} at epoch {epoch}, step "
                        f"{opt.steps + 1} (learning rate {opt.current_learning_rate():g}); "
                        f"try a smaller learning rate", history
                    )
                opt.step(net, net.backward(fp, T[idx], targets_checked=True))
            if record == "full":
                loss, acc = net.evaluate(X, T)
            else:
                order = np.concatenate(batches)
                loss, acc = _epoch_record(net, outputs, T[order], labels[order])
            history.loss.append(loss)
            if not math.isfinite(loss):
                raise TrainingDiverged(
                    f"training diverged: the loss became {loss} after epoch {epoch} "
                    f"(learning rate {opt.current_learning_rate():g}); try a smaller learning rate", history
                )
            if classify:
                history.accuracy.append(acc)
            if validation is not None:
                val_loss, val_acc = net.evaluate(X_val, T_val)
                history.val_loss.append(val_loss)
                if classify:
                    history.val_accuracy.append(val_acc)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{history.loss[-1]:.4f}")
    finally:
        if bar is not None:
            bar.close()
    return history
