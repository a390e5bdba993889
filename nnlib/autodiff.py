"""A tiny reverse-mode automatic differentiation over numpy arrays, in the spirit of PyTorch.

A :class:`Tensor` holds a ``value`` (a float64 array), a ``grad`` of the same shape, the
``parents`` it was computed from and a local backward rule ``vjp``: given ``g = dE/dvalue``
it returns ``dE/dparent`` for every parent, the **vector-Jacobian product** ``g^T J`` of the
operation (Baydin, Pearlmutter, Radul & Siskind, "Automatic differentiation in machine
learning: a survey", JMLR 18, 2018, sec. 3.2; Griewank & Walther, *Evaluating Derivatives*,
2nd ed., SIAM 2008, ch. 3). Every operation below computes its value at once (the forward
sweep) and records its parents and its rule, so the operations of a computation form a graph.
:func:`backward` then visits that graph once, from the loss back to the inputs, in reverse
topological order (a node only after every node that uses it), and **adds** each rule's
results into the parents' ``grad`` (a node used twice receives two contributions: the
multivariate chain rule sums over paths). The cost is a small constant times that of the
forward sweep, as for backpropagation (Bishop, PRML sec. 5.3.3), of which this is the general
form: the deltas of :mod:`nnlib.network` are the ``grad`` of the pre-activation nodes.

Notation as everywhere in the course (docs/design.md): batches are rows, ``W[l]`` has shape
``(n_l, n_{l-1})``, so a dense layer is ``a @ W.T + b`` with the bias ``(n_l,)`` broadcast over
the ``N`` rows; the losses are the **mean** over the batch.

Operations (each takes Tensors or array-likes, which become constant leaves, and returns a
Tensor): :func:`add` (numpy broadcasting, the gradient summed back over the broadcast axes),
:func:`sub`, :func:`mul`, :func:`neg`, :func:`matmul` (2-D), :func:`transpose`, :func:`tanh`,
:func:`sigmoid`, :func:`relu`, :func:`exp`, :func:`log`, :func:`sum`, :func:`mean`,
:func:`mse`, :func:`softmax_cross_entropy` (fused, stable), :func:`linear` (fused dense layer)
and :func:`activation`. The operators ``+ - * @``, unary ``-`` and ``.T`` call them.

Shape errors raise ``ValueError`` naming the operation and both shapes, as soon as the
operation is built (not later in the backward pass).
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from . import activations as _act
from . import losses as _losses

__all__ = [
    "Tensor", "as_tensor", "backward", "topological_order",
    "add", "sub", "mul", "neg", "matmul", "transpose", "tanh", "sigmoid", "relu", "exp", "log",
    "sum", "mean", "mse", "softmax_cross_entropy", "linear", "activation",
    "linear_vjp", "activation_vjp", "unbroadcast", "parameters", "mlp_loss", "torch_available",
    "HIDDEN",
]

# the hidden activations this module knows, by name
HIDDEN = ("tanh", "sigmoid", "relu")


class Tensor:
    """A node of the computational graph: a value, its gradient, its parents, its local rule.

    Args:
        value: array-like; stored as a float64 array ``value`` (not copied if it already is one).
        parents: the Tensors this one was computed from (empty for a leaf: an input or a
            parameter).
        vjp: the local backward rule, ``vjp(g) -> tuple`` with one array per parent: given
            ``g = dE/dvalue`` (the shape of ``value``), ``dE/dparent`` (the shape of that
            parent's value). Required when there are parents.
        op: a short name of the operation, shown in messages and in ``repr``.

    Attributes:
        grad: ``dE/dvalue`` after :meth:`backward` (zeros before), the shape of ``value``.

    Raises:
        TypeError: a parent is not a Tensor, or ``vjp`` is missing for a node with parents.

    ``__array_ufunc__ = None`` makes ``ndarray + Tensor`` call :meth:`__radd__` (a Tensor),
    not numpy's elementwise loop over a Tensor object.
    """

    __array_ufunc__ = None

    def __init__(self, value, parents: Sequence["Tensor"] = (), vjp: Callable | None = None,
                 op: str = "leaf"):
        self.value = np.asarray(value, dtype=float)
        self.grad = np.zeros_like(self.value)
        self.parents = tuple(parents)
        for p in self.parents:
            if not isinstance(p, Tensor):
                raise TypeError(f"{op}: a parent must be a Tensor, got {type(p).__name__}")
        if self.parents and not callable(vjp):
            raise TypeError(f"{op}: a node with parents needs its backward rule vjp(g)")
        self.vjp = vjp
        self.op = op

    @property
    def shape(self):
        return self.value.shape

    @property
    def T(self):
        """The transpose (2-D), a new node: see :func:`transpose`."""
        return transpose(self)

    def backward(self):
        """dself/dnode for every node of the graph that leads to this scalar; see :func:`backward`."""
        backward(self)

    def zero_grad(self):
        """Set ``grad`` back to zeros."""
        self.grad = np.zeros_like(self.value)

    def __repr__(self):
        return f"Tensor(op={self.op!r}, shape={self.value.shape})"

    # operators: the same functions as below, so a formula reads as it does in numpy
    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(other, self)

    def __sub__(self, other):
        return sub(self, other)

    def __rsub__(self, other):
        return sub(other, self)

    def __mul__(self, other):
        return mul(self, other)

    def __rmul__(self, other):
        return mul(other, self)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __neg__(self):
        return neg(self)


def as_tensor(x) -> Tensor:
    """``x`` itself if it is a Tensor, else a constant leaf holding ``np.asarray(x, float)``."""
    return x if isinstance(x, Tensor) else Tensor(x, op="constant")


def unbroadcast(g, shape) -> np.ndarray:
    """Sum ``g`` over the axes numpy broadcasting added or stretched, so it has ``shape``.

    If ``x`` of ``shape`` was broadcast to ``g.shape`` in a forward operation, ``x`` was used
    once per copy, and its gradient is the sum of the copies' gradients: for a bias ``(n,)``
    added to every row of an ``(N, n)`` batch, ``g.sum(axis=0)``.
    """
    g = np.asarray(g, dtype=float)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


def _broadcast_shape(op, a, b):
    try:
        return np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} do not broadcast (a bias of shape "
                         f"(n,) adds to a batch (N, n); other shapes must be equal)") from None


# --- elementwise binary operations, with broadcasting ---------------------------------------
def add(a, b) -> Tensor:
    """``a + b`` with numpy broadcasting (a bias ``(n,)`` over the rows of ``(N, n)``).

    VJP: ``(unbroadcast(g, a.shape), unbroadcast(g, b.shape))``. Raises ``ValueError`` for
    shapes that do not broadcast.
    """
    a, b = as_tensor(a), as_tensor(b)
    _broadcast_shape("add", a, b)
    return Tensor(a.value + b.value, (a, b),
                  lambda g: (unbroadcast(g, a.shape), unbroadcast(g, b.shape)), "add")


def sub(a, b) -> Tensor:
    """``a - b`` with broadcasting; VJP ``(g, -g)`` summed back to each shape. ``ValueError``
    for shapes that do not broadcast."""
    a, b = as_tensor(a), as_tensor(b)
    _broadcast_shape("sub", a, b)
    return Tensor(a.value - b.value, (a, b),
                  lambda g: (unbroadcast(g, a.shape), unbroadcast(-g, b.shape)), "sub")


def mul(a, b) -> Tensor:
    """Elementwise ``a * b`` with broadcasting; VJP ``(g * b, g * a)`` summed back to each
    shape (so ``mul(x, x)`` gives ``2 x g`` once both contributions are added). ``ValueError``
    for shapes that do not broadcast."""
    a, b = as_tensor(a), as_tensor(b)
    _broadcast_shape("mul", a, b)
    return Tensor(a.value * b.value, (a, b),
                  lambda g: (unbroadcast(g * b.value, a.shape), unbroadcast(g * a.value, b.shape)), "mul")


def neg(a) -> Tensor:
    """``-a``; VJP ``-g``."""
    a = as_tensor(a)
    return Tensor(-a.value, (a,), lambda g: (-g,), "neg")


# --- matrices -------------------------------------------------------------------------------
def matmul(a, b) -> Tensor:
    """Matrix product ``a @ b`` of ``(N, n)`` and ``(n, m)``, result ``(N, m)``.

    VJP (Baydin et al. 2018; Giles, "An extended collection of matrix derivative results for
    forward and reverse mode AD", 2008): ``dE/da = g @ b.T`` ``(N, n)``, ``dE/db = a.T @ g``
    ``(n, m)``: each has the shape of its input. Raises ``ValueError`` unless both are 2-D with
    matching inner sizes.
    """
    a, b = as_tensor(a), as_tensor(b)
    if a.value.ndim != 2 or b.value.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not chain; expected (N, n) @ "
                         f"(n, m) (for a layer, a @ W.T with W of shape (n_l, n_(l-1)))")
    return Tensor(a.value @ b.value, (a, b), lambda g: (g @ b.value.T, a.value.T @ g), "matmul")


def transpose(a) -> Tensor:
    """The transpose of a 2-D ``a``; VJP ``g.T``. ``ValueError`` for another number of axes."""
    a = as_tensor(a)
    if a.value.ndim != 2:
        raise ValueError(f"transpose: expected a matrix, got shape {a.shape}")
    return Tensor(a.value.T, (a,), lambda g: (g.T,), "transpose")


# --- elementwise functions ------------------------------------------------------------------
def tanh(a) -> Tensor:
    """``tanh(a)`` elementwise; VJP ``g * (1 - y**2)`` with ``y = tanh(a)`` (PRML eq. 5.60)."""
    a = as_tensor(a)
    y = np.tanh(a.value)
    return Tensor(y, (a,), lambda g: (g * (1.0 - y * y),), "tanh")


def sigmoid(a) -> Tensor:
    """The logistic sigmoid elementwise (stable, :func:`nnlib.activations.sigmoid`); VJP
    ``g * y * (1 - y)`` (PRML eq. 4.88)."""
    a = as_tensor(a)
    y = _act.sigmoid(a.value)
    return Tensor(y, (a,), lambda g: (g * y * (1.0 - y),), "sigmoid")


def relu(a) -> Tensor:
    """``max(a, 0)`` elementwise; VJP ``g * (a > 0)`` (the subgradient 0 at ``a = 0``)."""
    a = as_tensor(a)
    return Tensor(np.maximum(a.value, 0.0), (a,), lambda g: (g * (a.value > 0),), "relu")


def exp(a) -> Tensor:
    """``exp(a)`` elementwise; VJP ``g * exp(a)``."""
    a = as_tensor(a)
    y = np.exp(a.value)
    return Tensor(y, (a,), lambda g: (g * y,), "exp")


def log(a) -> Tensor:
    """Natural log elementwise; VJP ``g / a``. ``ValueError`` if an entry is not positive."""
    a = as_tensor(a)
    if np.any(a.value <= 0):
        raise ValueError("log: every entry must be positive")
    return Tensor(np.log(a.value), (a,), lambda g: (g / a.value,), "log")


_ACTIVATIONS = {"tanh": tanh, "sigmoid": sigmoid, "relu": relu}


def activation(z, h: str, vjp: Callable | None = None) -> Tensor:
    """The hidden activation named ``h`` (``'tanh'``, ``'sigmoid'`` or ``'relu'``) of ``z``.

    ``vjp``: optional rule ``vjp(G, z, a, h) -> dE/dz`` to use instead of the built-in one
    (e.g. one's own :func:`activation_vjp`); ``z``, ``a`` are the arrays of the node's input
    and value. Raises ``ValueError`` for another name.
    """
    if h not in _ACTIVATIONS:
        raise ValueError(f"unknown activation {h!r}; known: {', '.join(HIDDEN)}")
    node = _ACTIVATIONS[h](z)
    if vjp is not None:
        z_value, a_value = node.parents[0].value, node.value
        node.vjp = lambda g: (vjp(g, z_value, a_value, h),)
    return node


# --- reductions -----------------------------------------------------------------------------
def sum(a, axis: int | None = None) -> Tensor:  # noqa: A001 - the name numpy uses
    """Sum over all entries (``axis=None``, a scalar) or over one axis; VJP: ``g`` copied back
    over the summed axis. ``ValueError`` for an axis ``a`` does not have."""
    a = as_tensor(a)
    if axis is not None and not -a.value.ndim <= axis < a.value.ndim:
        raise ValueError(f"sum: axis {axis} out of range for shape {a.shape}")
    y = a.value.sum(axis=axis)

    def vjp(g):
        g = np.asarray(g, dtype=float)
        if axis is not None:
            g = np.expand_dims(g, axis)
        return (np.broadcast_to(g, a.shape).copy(),)
    return Tensor(y, (a,), vjp, "sum")


def mean(a, axis: int | None = None) -> Tensor:
    """Mean over all entries (``axis=None``) or over one axis: :func:`sum` divided by the number
    of entries averaged; VJP ``g / count`` copied back. ``ValueError`` for a bad axis."""
    a = as_tensor(a)
    s = sum(a, axis)
    count = a.value.size if axis is None else a.shape[axis]
    return mul(s, 1.0 / count)


# --- losses (the mean over the batch, as in nnlib.losses) ---------------------------------
def _check_output(op, y):
    if y.value.ndim != 2:
        raise ValueError(f"{op}: the output must be a batch (N, K), got shape {y.shape}")


def mse(y, T) -> Tensor:
    """Sum-of-squares error of an identity output, the mean over the batch:
    ``E = (1/N) sum_n 1/2 ||y_n - t_n||^2`` (PRML eq. 5.11; nnlib's ``'sse'``).

    ``y``: Tensor ``(N, K)``; ``T``: targets ``(N, K)`` (constants). Returns a scalar Tensor.
    VJP ``dE/dy = g (y - T) / N``. Raises ``ValueError`` if the shapes differ.
    """
    y = as_tensor(y)
    _check_output("mse", y)
    T = _losses.as_targets(np.asarray(T, dtype=float), y.shape, "real")
    n = y.shape[0]
    r = y.value - T
    return Tensor(0.5 * float(np.sum(r * r)) / n, (y,), lambda g: (g * r / n,), "mse")


def softmax_cross_entropy(z, T) -> Tensor:
    """Softmax output and cross-entropy fused, from the pre-activation ``z`` ``(N, K)``, the mean
    over the batch: ``E = -(1/N) sum_n sum_k t_nk ln softmax(z_n)_k`` (PRML eq. 5.24), computed
    with the log-sum-exp shift so large ``z`` do not overflow.

    ``T``: one-hot rows ``(N, K)`` or class ids ``(N,)``. Returns a scalar Tensor. VJP
    ``dE/dz = g (softmax(z) - T) / N`` (PRML eq. 5.18). Raises ``ValueError`` for targets that
    do not fit (see :func:`nnlib.losses.as_targets`).
    """
    z = as_tensor(z)
    _check_output("softmax_cross_entropy", z)
    T = _losses.as_targets(T, z.shape, "onehot")
    n = z.shape[0]
    logp = _act.log_softmax(z.value)
    p = np.exp(logp)
    return Tensor(-float(np.sum(T * logp)) / n, (z,), lambda g: (g * (p - T) / n,), "softmax_ce")


# --- the fused dense layer and the local rules of the notebook ------------------------------
def linear_vjp(G, A, W):
    """The local backward rule of a dense layer ``Z = A @ W.T + b``.

    ``G = dE/dZ`` ``(N, n_l)``, ``A`` ``(N, n_(l-1))``, ``W`` ``(n_l, n_(l-1))``. Returns
    ``(dA, dW, db)``: ``G @ W`` ``(N, n_(l-1))``, ``G.T @ A`` ``(n_l, n_(l-1))`` (PRML eq. 5.53)
    and ``G.sum(axis=0)`` ``(n_l,)`` (the bias was broadcast over the N rows, so its gradient
    sums over them). The 1/N of the mean is already in ``G``.
    """
    G, A, W = (np.asarray(x, dtype=float) for x in (G, A, W))
    return G @ W, G.T @ A, G.sum(axis=0)


def activation_vjp(G, z, a, h):
    """The local backward rule of an elementwise activation ``a = h(z)``: ``dE/dz = G * h'(z)``.

    ``G = dE/da``, ``z``, ``a``: arrays of one shape; ``h``: ``'tanh'`` (``h' = 1 - a**2``,
    PRML eq. 5.60), ``'sigmoid'`` (``a (1 - a)``) or ``'relu'`` (``z > 0``). Returns the shape
    of ``G``. Raises ``ValueError`` for another name.
    """
    G, z, a = (np.asarray(x, dtype=float) for x in (G, z, a))
    if h == "tanh":
        return G * (1.0 - a * a)
    if h == "sigmoid":
        return G * a * (1.0 - a)
    if h == "relu":
        return G * (z > 0)
    raise ValueError(f"unknown activation {h!r}; known: {', '.join(HIDDEN)}")


def linear(a, W, b, vjp: Callable | None = None) -> Tensor:
    """A dense layer ``a @ W.T + b`` as one node, with the rule :func:`linear_vjp` (or ``vjp``,
    the same signature, e.g. one's own).

    ``a``: ``(N, n_(l-1))``, ``W``: ``(n_l, n_(l-1))``, ``b``: ``(n_l,)``; result ``(N, n_l)``.
    Raises ``ValueError`` naming the shapes when they do not fit.
    """
    a, W, b = as_tensor(a), as_tensor(W), as_tensor(b)
    if a.value.ndim != 2 or W.value.ndim != 2 or a.shape[1] != W.shape[1]:
        raise ValueError(f"linear: a of shape {a.shape} and W of shape {W.shape} do not fit; "
                         f"expected a (N, n_(l-1)) and W (n_l, n_(l-1))")
    if b.shape != (W.shape[0],):
        raise ValueError(f"linear: b has shape {b.shape}, expected {(W.shape[0],)}")
    rule = linear_vjp if vjp is None else vjp
    return Tensor(a.value @ W.value.T + b.value, (a, W, b),
                  lambda g: tuple(rule(g, a.value, W.value)), "linear")


# --- the backward pass ------------------------------------------------------------------------
def topological_order(root: Tensor) -> list:
    """Every node ``root`` depends on (itself included), each after all of its parents.

    A depth-first search that appends a node once all its parents are placed (post-order),
    iterative so that long chains do not hit Python's recursion limit; each node appears once.
    Raises ``TypeError`` if ``root`` is not a Tensor.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"expected a Tensor, got {type(root).__name__}")
    order, placed, seen = [], set(), {id(root)}
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for p in parents:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append((p, iter(p.parents)))
                break
        else:
            stack.pop()
            if id(node) not in placed:
                placed.add(id(node))
                order.append(node)
    return order


def backward(root: Tensor) -> None:
    """Reverse-mode differentiation: ``node.grad = d root / d node`` for every node of the graph.

    ``root`` must hold a single number (a loss). Every node's ``grad`` is set to zeros, the
    root's to 1 (``dE/dE``); then, in reverse topological order, each node's ``vjp`` turns its
    (complete) ``grad`` into contributions that are **added** to its parents' ``grad``
    (Baydin et al. 2018, sec. 3.2; Griewank & Walther 2008, ch. 3). Unlike PyTorch, which
    adds into the leaves' gradients across calls, a second call gives the same gradients.

    Raises:
        TypeError: ``root`` is not a Tensor.
        ValueError: ``root`` is not a single number, or a rule returned the wrong number of
            gradients or a gradient whose shape is not its parent's.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"backward needs a Tensor, got {type(root).__name__}")
    if root.value.size != 1:
        raise ValueError(f"backward starts from a single number (a loss); this node has shape "
                         f"{root.shape}: reduce it with sum or mean first")
    order = topological_order(root)
    for node in order:
        node.grad = np.zeros_like(node.value)
    root.grad = np.ones_like(root.value)
    for node in reversed(order):
        if not node.parents:
            continue
        grads = tuple(node.vjp(node.grad))
        if len(grads) != len(node.parents):
            raise ValueError(f"{node.op}: its rule returned {len(grads)} gradients for "
                             f"{len(node.parents)} parents")
        for parent, g in zip(node.parents, grads):
            g = np.asarray(g, dtype=float)
            if g.shape != parent.shape:
                raise ValueError(f"{node.op}: its rule returned a gradient of shape {g.shape} for "
                                 f"a parent of shape {parent.shape}")
            parent.grad = parent.grad + g


# --- a network as a graph -------------------------------------------------------------------
def parameters(W, b):
    """Leaf Tensors for per-layer lists ``W``, ``b`` (entry 0 None): ``(TW, Tb)``, lists of the
    same form whose ``value`` are float copies."""
    return ([None] + [Tensor(np.array(w, dtype=float), op="W") for w in W[1:]],
            [None] + [Tensor(np.array(v, dtype=float), op="b") for v in b[1:]])


def mlp_loss(X, T, W, b, hidden, loss) -> Tensor:
    """The error ``E`` of an L-layer network as a graph of Tensors (the notebook's reference).

    ``X``: ``(N, n_0)``; ``T``: targets; ``W``, ``b``: lists of Tensors indexed by layer
    (entry 0 None) with ``W[l]`` ``(n_l, n_(l-1))``, ``b[l]`` ``(n_l,)``; ``hidden``: ``'tanh'``,
    ``'sigmoid'`` or ``'relu'`` for layers 1..L-1; ``loss``: ``'mse'`` (identity output) or
    ``'softmax_ce'`` (softmax output, from ``z[L]``). ``z[l] = a[l-1] @ W[l].T + b[l]``;
    returns the scalar Tensor ``E``, the mean over the batch. Raises ``ValueError`` for an
    unknown loss or shapes that do not fit.
    """
    if loss not in ("mse", "softmax_ce"):
        raise ValueError(f"unknown loss {loss!r}; known: 'mse', 'softmax_ce'")
    a = as_tensor(X)
    L = len(W) - 1
    for l in range(1, L + 1):
        z = a @ W[l].T + b[l]
        a = activation(z, hidden) if l < L else z
    return mse(a, T) if loss == "mse" else softmax_cross_entropy(a, T)


def torch_available() -> bool:
    """Whether PyTorch can be imported here (it is never a dependency of the course).

    Imports it to find out: an installed PyTorch may still fail to load, and then this is
    False, not an error. In the graders' sandbox (``course.sandbox.Limits``, 2 GiB of address
    space per process) ``import torch`` raises ``ImportError`` ("failed to map segment from
    shared object") because its libraries, with the CUDA ones of the default wheel, do not fit.
    """
    try:
        import torch
    except (ImportError, OSError):
        return False
    return hasattr(torch, "nn")     # not a leftover directory imported as a namespace package
