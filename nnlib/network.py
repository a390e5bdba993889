"""A multilayer perceptron: forward pass, backward pass by the delta recursion, and the MLP class.

Notation (docs/design.md, "Notation"). Layers are ``l = 1..L``; every per-layer list is indexed by the
layer number, so entry 0 belongs to the input layer, which has activations but no weights:

- ``W[l]`` has shape ``(n_l, n_{l-1})``; ``W[l][k, j]`` is the lectures' ``w_kj``, the weight
  from unit j of layer l-1 to unit k of layer l. ``b[l]`` has shape ``(n_l,)``. ``W[0] = b[0] = None``.
- Batches are rows: ``a[0] = X`` has shape ``(N, n_0)``.
- Pre-activation ``z[l] = a[l-1] @ W[l].T + b[l]``, shape ``(N, n_l)`` (one column: ``z = W a + b``);
  activation ``a[l] = h_l(z[l])``; output ``y = a[L] = f(z[L])``.
- Delta ``delta[l] = dE/dz[l]``, shape ``(N, n_l)``, with ``E`` the mean over the batch.
  Base case ``delta[L]`` from the loss (``(y - t)/N`` for canonical pairs); recursion
  ``delta[l] = (delta[l+1] @ W[l+1]) * h_l'(z[l])`` (Bishop, PRML eq. 5.56);
  gradients ``dW[l] = delta[l].T @ a[l-1]`` and ``db[l] = delta[l].sum(axis=0)`` (PRML eq. 5.53).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .activations import Activation, get_activation
from .losses import get_loss

__all__ = ["ForwardPass", "Gradients", "MLP", "dense", "forward", "backward", "check_params"]


@dataclass
class ForwardPass:
    """What the forward pass keeps: ``z[l]`` and ``a[l]`` for ``l = 0..L`` (``z[0]`` is None,
    ``a[0]`` is the input batch X). ``y`` is the network output ``a[L]``, shape ``(N, n_L)``."""

    z: list
    a: list

    @property
    def y(self):
        return self.a[-1]

    @property
    def L(self):
        return len(self.a) - 1


@dataclass
class Gradients:
    """dE/dW[l], dE/db[l] and the deltas, each a list indexed by layer (entry 0 is None).

    ``dW[l]`` has the shape of ``W[l]``, ``db[l]`` of ``b[l]``, ``delta[l]`` is ``(N, n_l)``.
    """

    dW: list
    db: list
    delta: list


def check_params(W, b, sizes=None):
    """Check per-layer weights and biases; return the layer sizes ``[n_0, ..., n_L]``.

    ``W`` and ``b`` are lists indexed by layer with ``W[0] = b[0] = None``. Raises ``ValueError``
    naming the layer and both shapes when ``W[l]`` is not ``(n_l, n_{l-1})`` (consecutive layers
    must chain), when ``b[l]`` is not ``(n_l,)``, or (if ``sizes`` is given) when a layer's width
    differs from ``sizes``.
    """
    if len(W) and len(b) and (W[0] is not None or b[0] is not None):
        raise ValueError("W[0] and b[0] must be None: the lists are indexed by layer, and layer 0 "
                         "is the input, which has no weights")
    if len(W) < 2 or len(W) != len(b):
        raise ValueError(
            f"W and b must be lists indexed by layer 0..L with W[0] = b[0] = None; "
            f"got len(W) = {len(W)}, len(b) = {len(b)}"
        )
    L = len(W) - 1
    if sizes is None:
        first = np.shape(W[1])
        if len(first) != 2:
            raise ValueError(f"layer 1: W[1] must be a matrix of shape (n_1, n_0), got shape {first}")
        sizes = [first[1]] + [np.shape(W[l])[0] if np.ndim(W[l]) == 2 else -1 for l in range(1, L + 1)]
    elif len(sizes) != L + 1:
        raise ValueError(f"the network has {len(sizes) - 1} layers but {L} weight matrices were given")
    for l in range(1, L + 1):
        want_w = (sizes[l], sizes[l - 1])
        got_w = np.shape(W[l])
        if got_w != want_w:
            hint = " (it is transposed)" if got_w == want_w[::-1] else ""
            raise ValueError(
                f"layer {l}: W[{l}] has shape {got_w} but expected {want_w} = (n_{l}, n_{l - 1}){hint}"
            )
        got_b = np.shape(b[l])
        if got_b != (sizes[l],):
            raise ValueError(f"layer {l}: b[{l}] has shape {got_b} but expected {(sizes[l],)} = (n_{l},)")
    return list(sizes)


def _pre_activation(a_prev, W, b, layer):
    """``z = a_prev @ W.T + b`` after checking the shapes (``ValueError`` naming the layer)."""
    W = np.asarray(W, dtype=float)
    if W.ndim != 2:
        raise ValueError(f"layer {layer}: W[{layer}] must be a matrix (n_{layer}, n_{layer - 1}), "
                         f"got shape {W.shape}")
    a_prev = np.asarray(a_prev, dtype=float)
    if a_prev.ndim != 2 or a_prev.shape[1] != W.shape[1]:
        what = "X" if layer == 1 else f"a[{layer - 1}]"
        raise ValueError(f"layer {layer}: {what} has shape {a_prev.shape} but W[{layer}] has shape "
                         f"{W.shape}; expected {what} of shape (N, {W.shape[1]})")
    b = np.asarray(b, dtype=float)
    if b.shape != (W.shape[0],):
        raise ValueError(f"layer {layer}: b[{layer}] has shape {b.shape} but expected {(W.shape[0],)}")
    return a_prev @ W.T + b


def dense(a_prev, W, b, h, layer=1):
    """One dense layer: ``z = a_prev @ W.T + b`` and ``a = h(z)``.

    ``a_prev``: ``(N, n_{l-1})``; ``W``: ``(n_l, n_{l-1})``; ``b``: ``(n_l,)``; ``h``: an activation
    name or :class:`~nnlib.activations.Activation` (or a callable). Returns ``(z, a)``, each
    ``(N, n_l)``. Raises ``ValueError`` naming ``layer`` and both shapes on a mismatch.
    """
    z = _pre_activation(a_prev, W, b, layer)
    return z, _as_hidden(h)(z)


def forward(X, W, b, hidden, loss, *, checked=False) -> ForwardPass:
    """Forward pass of an L-layer network, keeping every ``z[l]`` and ``a[l]``.

    ``X``: ``(N, n_0)``. ``W``, ``b``: per-layer lists (entry 0 None; see module docstring).
    ``hidden``: the hidden activation of every hidden layer: one for all, or a list indexed by
    layer ``[None, h_1, ..., h_{L-1}]``; names, :class:`~nnlib.activations.Activation` objects
    or plain elementwise functions. ``loss``: a :class:`~nnlib.losses.Loss` or loss name; its
    output unit is layer L's activation. Returns a :class:`ForwardPass`.
    Raises ``ValueError`` naming the layer and both shapes.
    ``checked=True`` skips the shape checks for a float ``X`` and parameters already checked
    (the training loop's fast path, as ``targets_checked`` in :func:`backward`).
    """
    loss = get_loss(loss)
    L = len(W) - 1
    hidden = _hidden_list(hidden, L)
    z, a = [None], [X if checked else np.asarray(X, dtype=float)]
    for l in range(1, L + 1):
        if checked:
            zl = a[l - 1] @ W[l].T
            zl += b[l]  # in place: one array fewer per layer on the training loop's path
        else:
            zl = _pre_activation(a[l - 1], W[l], b[l], l)
        z.append(zl)
        a.append(hidden[l](zl) if l < L else loss.output(zl))
    return ForwardPass(z, a)


def backward(fp: ForwardPass, T, W, hidden, loss, *, targets_checked=False) -> Gradients:
    """Backward pass: the deltas by the recursion and the gradients of the batch-mean error.

    ``fp``: the :class:`ForwardPass` of the same ``W`` and batch. ``T``: targets ``(N, n_L)``
    (or integer class ids ``(N,)`` for softmax cross-entropy). Returns :class:`Gradients` whose
    ``dW[l]``, ``db[l]`` have the shapes of ``W[l]``, ``b[l]``. Bishop, PRML sec. 5.3.1
    (eqs. 5.53-5.56). Raises ``ValueError`` when T does not match the output's shape.
    ``targets_checked=True``: T is already ``loss.targets(...)``'s float ``(N, n_L)`` array.
    """
    loss = get_loss(loss)
    L = fp.L
    hidden = _hidden_list(hidden, L)
    delta = [None] * (L + 1)
    dW = [None] * (L + 1)
    db = [None] * (L + 1)
    for l in range(1, L):
        if not isinstance(hidden[l], Activation):
            raise TypeError(f"layer {l}: the backward pass needs h'(z): give the hidden activation "
                            f"as a name or an nnlib Activation, not a plain function {hidden[l]!r}")
    delta[L] = loss.delta(fp.z[L], T, layer=L, checked=targets_checked, y=fp.a[L])
    for l in range(L, 0, -1):
        dW[l] = delta[l].T @ fp.a[l - 1]
        db[l] = delta[l].sum(axis=0)
        if l > 1:
            delta[l - 1] = (delta[l] @ W[l]) * hidden[l - 1].prime_given(fp.z[l - 1], fp.a[l - 1])
    return Gradients(dW, db, delta)


def _as_hidden(h):
    # names and Activations come from the registry; a plain function is allowed for the
    # forward pass (the backward pass needs an Activation, which knows its derivative)
    return h if callable(h) and not isinstance(h, (str, Activation)) else get_activation(h)


def _hidden_list(hidden, L):
    """The hidden activations as a list indexed by layer: ``[None, h_1, ..., h_{L-1}]``."""
    if type(hidden) is list and len(hidden) == L and all(type(h) is Activation for h in hidden[1:]):
        return hidden  # already resolved (MLP keeps it so): nothing to look up
    if isinstance(hidden, (str, Activation)) or callable(hidden):
        return [None] + [_as_hidden(hidden)] * (L - 1)
    hidden = list(hidden)
    if len(hidden) != L or (L and hidden[0] is not None):
        raise ValueError(
            f"a network with {L} layers has {L - 1} hidden layers: give one activation for all, "
            f"or a list indexed by layer [None, h_1, ..., h_{L - 1}] of length {L} (entry 0 is "
            f"the input layer, which has none); got a list of length {len(hidden)}"
        )
    return [None] + [_as_hidden(h) for h in hidden[1:]]


class MLP:
    """A fully connected feed-forward network with per-layer activations.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths ``[n_0, n_1, ..., n_L]``: inputs D = n_0, outputs K = n_L. At least 2 entries.
    hidden : str, Activation, or list of them
        Hidden-layer activation(s): one for all hidden layers, or a list indexed by layer
        ``[None, h_1, ..., h_{L-1}]``. Stored as that list in ``net.hidden``.
    loss : str or Loss
        ``'sse'`` (identity output, regression), ``'bce'`` (sigmoid, K two-class problems, 0/1
        targets), ``'softmax_ce'`` (softmax, one K-class problem), ``'logistic'`` (raw output,
        -1/+1 targets). See :mod:`nnlib.losses`.
    output : str, optional
        Another output unit for a non-canonical pair (e.g. ``loss='sse', output='sigmoid'``).
    init : str or callable
        Weight initializer name from :mod:`nnlib.init` or ``f(shape, rng) -> array``. ``'auto'``
        (default) is He for ReLU-like hidden units, Xavier/Glorot otherwise. Biases start at zero.
    rng : numpy.random.Generator or int
        The only source of randomness (an int is a seed). Required for random initializers.

    ``W`` and ``b`` are lists indexed by layer (``W[0] = b[0] = None``); set them with
    :meth:`set_params`, which checks the shapes.
    """

    def __init__(self, sizes, hidden="tanh", loss="softmax_ce", output=None, init="auto", rng=None):
        from . import init as initializers

        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must list at least 2 positive layer widths [n_0, ..., n_L], got {sizes}")
        self.sizes = sizes
        self.L = len(sizes) - 1
        self.hidden = _hidden_list(hidden, self.L)
        self.loss = get_loss(loss, output)
        if init == "auto":
            relu_like = {"relu", "leaky_relu", "elu", "swish", "gelu", "silu"}
            init = "he_normal" if self.L > 1 and self.hidden[1].name in relu_like else "xavier_normal"
        init_fn = initializers.get_initializer(init) if isinstance(init, str) else init
        rng = initializers.as_rng(rng, required=getattr(init_fn, "random", True))
        self.W = [None] + [init_fn((sizes[l], sizes[l - 1]), rng) for l in range(1, self.L + 1)]
        self.b = [None] + [np.zeros(sizes[l]) for l in range(1, self.L + 1)]
        check_params(self.W, self.b, self.sizes)

    def __repr__(self):
        hidden = ",".join(h.name for h in self.hidden[1:]) or "-"
        return f"MLP(sizes={self.sizes}, hidden=[{hidden}], loss={self.loss!r})"

    # parameters -----------------------------------------------------------------------------
    def set_params(self, W, b):
        """Put in chosen weights: ``W``, ``b`` lists indexed by layer (entry 0 None).

        Raises ``ValueError`` naming the layer and both shapes if any shape differs from the
        network's. The arrays are copied as float64.
        """
        W = [None if w is None else np.array(w, dtype=float) for w in W]
        b = [None if v is None else np.array(v, dtype=float) for v in b]
        check_params(W, b, self.sizes)
        self.W, self.b = W, b
        return self

    def params(self):
        """``[('W[1]', W[1]), ('b[1]', b[1]), ...]``: the parameter arrays themselves (not copies)."""
        out = []
        for l in range(1, self.L + 1):
            out += [(f"W[{l}]", self.W[l]), (f"b[{l}]", self.b[l])]
        return out

    @property
    def n_params(self):
        """Total number of weights and biases, the lectures' W."""
        return sum(p.size for _, p in self.params())

    def copy(self):
        """An independent copy (same architecture, copied weights)."""
        other = object.__new__(MLP)
        other.__dict__.update(self.__dict__)
        other.W = [None] + [w.copy() for w in self.W[1:]]
        other.b = [None] + [v.copy() for v in self.b[1:]]
        return other

    # passes ---------------------------------------------------------------------------------
    def forward(self, X, *, checked=False) -> ForwardPass:
        """Forward pass on a batch ``X`` ``(N, n_0)``; see :func:`forward`."""
        return forward(X, self.W, self.b, self.hidden, self.loss, checked=checked)

    def backward(self, fp: ForwardPass, T, *, targets_checked=False) -> Gradients:
        """Backward pass for the forward pass ``fp`` and targets ``T``; see :func:`backward`."""
        return backward(fp, T, self.W, self.hidden, self.loss, targets_checked=targets_checked)

    def gradients(self, X, T):
        """``(E, grads)``: the batch-mean error and its :class:`Gradients` for batch ``X``, ``T``."""
        fp = self.forward(X)
        grads = self.backward(fp, T)
        return self.loss.value(fp.z[-1], T, layer=self.L), grads

    def error(self, X, T):
        """The error E, the mean over the batch of E_n (a float)."""
        fp = self.forward(X)
        return self.loss.value(fp.z[-1], T, layer=self.L)

    def output(self, X):
        """The network output ``y = a[L]``, shape ``(N, n_L)``."""
        return self.forward(X).y

    def predict(self, X):
        """Predictions: class ids ``(N,)`` for softmax; 0/1 ``(N,)`` (or ``(N, K)`` for K > 1)
        for sigmoid outputs; -1/+1 for the logistic loss; the output ``y`` ``(N, K)`` for regression."""
        return self._predict_from_output(self.output(X))

    def _predict_from_output(self, y):
        kind = self.loss.error.targets
        if kind == "onehot":
            return np.argmax(y, axis=1)
        if kind in ("binary", "signed"):
            threshold = 0.5 if kind == "binary" and self.loss.output_name == "sigmoid" else 0.0
            labels = (y > threshold).astype(int)
            if kind == "signed":
                labels = 2 * labels - 1
            return labels[:, 0] if y.shape[1] == 1 else labels
        return y

    def evaluate(self, X, T):
        """``(E, accuracy)`` from one forward pass; accuracy is None for regression ('sse')."""
        fp = self.forward(X)
        E = self.loss.value(fp.z[-1], T, layer=self.L)
        if self.loss.error.targets == "real":
            return E, None
        return E, self._accuracy_from_output(fp.y, T)

    def accuracy(self, X, T):
        """Fraction of correctly classified examples (classification losses only).

        ``T`` as for training: class ids ``(N,)`` or one-hot ``(N, K)`` for softmax; 0/1 or -1/+1
        targets ``(N, K)`` (``(N,)`` accepted when K = 1) for sigmoid/logistic outputs.
        """
        if self.loss.error.targets == "real":
            raise ValueError("accuracy is defined for classification losses, not for 'sse' regression")
        return self._accuracy_from_output(self.output(X), T)

    def _accuracy_from_output(self, y, T):
        kind = self.loss.error.targets
        pred = self._predict_from_output(y)
        T = np.asarray(T)
        if kind == "onehot":
            labels = np.argmax(T, axis=1) if T.ndim == 2 else T
        else:
            labels = T[:, 0] if (T.ndim == 2 and T.shape[1] == 1) else T
        if np.shape(labels) != np.shape(pred):
            raise ValueError(f"targets of shape {np.shape(T)} do not match predictions of shape {np.shape(pred)}")
        return float(np.mean(pred == labels))
