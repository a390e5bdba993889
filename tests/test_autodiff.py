"""nnlib.autodiff: every rule against central differences, whole networks against nnlib's
hand-written backward pass (and against PyTorch where it is installed), accumulation for a node
used twice, the shape errors, and the check that PyTorch can be loaded.

Expected values come from outside the module under test: central differences
(nnlib.gradcheck, PRML eq. 5.69) of the forward values, and nnlib.network.backward (the delta
recursion, PRML eqs. 5.53-5.56), never from autodiff's own rules.
"""
from __future__ import annotations

import importlib.abc
import importlib.util
import sys

import numpy as np
import pytest

from nnlib import MLP, autodiff as ad
from nnlib.gradcheck import numerical_gradient, relative_error

TOL = 1e-7


def _numerical(build, x):
    """d build(x).value / dx by central differences (x perturbed in place)."""
    return numerical_gradient(lambda: float(build(ad.Tensor(x)).value), x, eps=1e-6)


def _autodiff(build, x):
    leaf = ad.Tensor(x.copy())
    build(leaf).backward()
    return leaf.grad


rng0 = np.random.default_rng(0)
C = rng0.normal(size=(4, 3))        # a fixed weighting so that every entry of the result matters
B3 = rng0.normal(size=3)
M = rng0.normal(size=(3, 5))

UNARY = {
    "add a bias row": lambda x: ad.sum(ad.mul(ad.add(x, B3), C)),
    "add to a bias (broadcast x)": lambda x: ad.sum(ad.mul(ad.add(C, x), C)),
    "sub": lambda x: ad.sum(ad.mul(ad.sub(C, x), C)),
    "mul": lambda x: ad.sum(ad.mul(x, C)),
    "neg": lambda x: ad.sum(ad.mul(-x, C)),
    "matmul left": lambda x: ad.sum(ad.mul(ad.matmul(x, M), np.ones((4, 5)) * np.arange(5))),
    "matmul right": lambda x: ad.sum(ad.mul(ad.matmul(C, x), np.arange(12.0).reshape(4, 3))),
    "transpose": lambda x: ad.sum(ad.mul(x.T, C.T)),
    "tanh": lambda x: ad.sum(ad.mul(ad.tanh(x), C)),
    "sigmoid": lambda x: ad.sum(ad.mul(ad.sigmoid(x), C)),
    "relu": lambda x: ad.sum(ad.mul(ad.relu(x), C)),
    "exp": lambda x: ad.sum(ad.mul(ad.exp(x), C)),
    "log": lambda x: ad.sum(ad.mul(ad.log(ad.exp(x) + 1.0), C)),
    "sum over axis 0": lambda x: ad.sum(ad.mul(ad.sum(x, axis=0), np.arange(3.0))),
    "mean over axis 1": lambda x: ad.sum(ad.mul(ad.mean(x, axis=1), np.arange(4.0))),
    "mean": lambda x: ad.mean(ad.mul(x, C)),
    "mse": lambda x: ad.mse(x, C),
    "softmax cross-entropy, ids": lambda x: ad.softmax_cross_entropy(x, np.array([0, 2, 1, 2])),
    "softmax cross-entropy, one-hot": lambda x: ad.softmax_cross_entropy(3 * x, np.eye(3)[[1, 1, 0, 2]]),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_every_rule_agrees_with_central_differences(name):
    build = UNARY[name]
    shape = (3,) if "broadcast x" in name else (3, 3) if name == "matmul right" else (4, 3)
    x = np.random.default_rng(1).normal(size=shape)
    if name == "relu":
        x[np.abs(x) < 0.05] = 0.3   # away from the kink
    got, want = _autodiff(build, x), _numerical(build, x.copy())
    assert relative_error(got, want) < TOL, (name, got, want)


def test_linear_with_its_rule_agrees_with_central_differences():
    rng = np.random.default_rng(2)
    A, W, b = rng.normal(size=(5, 3)), rng.normal(size=(4, 3)), rng.normal(size=4)
    R = rng.normal(size=(5, 4))
    for k, shape in enumerate((A.shape, W.shape, b.shape)):
        def build(t, k=k):
            args = [A, W, b]
            args[k] = t
            return ad.sum(ad.mul(ad.linear(*args), R))
        x = [A, W, b][k].copy()
        assert relative_error(_autodiff(build, x), _numerical(build, x.copy())) < TOL


def test_the_local_rules_of_the_notebook_match_central_differences():
    rng = np.random.default_rng(3)
    A, W, b, G = rng.normal(size=(5, 3)), rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=(5, 4))
    dA, dW, db = ad.linear_vjp(G, A, W)
    f = lambda: float(np.sum(G * (A @ W.T + b)))  # noqa: E731  E with dE/dZ = G
    for got, x in ((dA, A), (dW, W), (db, b)):
        assert relative_error(got, numerical_gradient(f, x)) < TOL
    z = rng.normal(size=(5, 4))
    z[np.abs(z) < 0.05] = 0.5
    h = {"tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v)), "relu": lambda v: np.maximum(v, 0)}
    for name, fn in h.items():
        num = numerical_gradient(lambda: float(np.sum(G * fn(z))), z)
        assert relative_error(ad.activation_vjp(G, z, fn(z), name), num) < TOL, name


CONFIGS = [([3, 4, 2], "tanh", "sse"), ([3, 5, 4, 3], "relu", "softmax_ce"),
           ([2, 3], "sigmoid", "softmax_ce"), ([4, 6, 5, 3, 2], "sigmoid", "sse"),
           ([5, 2, 6, 4], "tanh", "softmax_ce"), ([1, 3, 1], "relu", "sse")]


def _graph_and_backward(sizes, hidden, loss):
    """A network of ``sizes`` with random weights and biases and a batch of 7: ``(net, X, T,
    E_ref, grads, TW, Tb, E)``, E_ref and grads from nnlib's hand-written backward pass, E the
    same loss as a graph over the Tensors TW, Tb, after ``E.backward()``."""
    rng = np.random.default_rng(len(sizes) * 10 + sizes[0])
    net = MLP(sizes, hidden=hidden, loss=loss, rng=rng)
    net.set_params(net.W, [None] + [0.1 * rng.normal(size=n) for n in sizes[1:]])
    N = 7
    X = rng.normal(size=(N, sizes[0]))
    T = rng.normal(size=(N, sizes[-1])) if loss == "sse" else rng.integers(0, sizes[-1], size=N)
    E_ref, grads = net.gradients(X, T)
    TW, Tb = ad.parameters(net.W, net.b)
    E = ad.mlp_loss(X, T, TW, Tb, hidden, "mse" if loss == "sse" else "softmax_ce")
    E.backward()
    return net, X, T, E_ref, grads, TW, Tb, E


@pytest.mark.parametrize("sizes, hidden, loss", CONFIGS)
def test_a_network_as_a_graph_has_the_gradients_of_the_hand_written_backward(sizes, hidden, loss):
    net, X, T, E_ref, grads, TW, Tb, E = _graph_and_backward(sizes, hidden, loss)
    assert float(E.value) == pytest.approx(E_ref, rel=1e-12)
    for l in range(1, net.L + 1):
        assert relative_error(TW[l].grad, grads.dW[l]) < 1e-10, f"W[{l}]"
        assert relative_error(Tb[l].grad, grads.db[l]) < 1e-10, f"b[{l}]"


def test_a_graph_built_from_the_fused_layer_matches_too():
    rng = np.random.default_rng(5)
    net = MLP([3, 4, 2], hidden="tanh", loss="sse", rng=rng)
    X, T = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    _, grads = net.gradients(X, T)
    TW, Tb = ad.parameters(net.W, net.b)
    E = ad.mse(ad.linear(ad.tanh(ad.linear(X, TW[1], Tb[1])), TW[2], Tb[2]), T)
    E.backward()
    assert relative_error(TW[1].grad, grads.dW[1]) < 1e-10
    assert relative_error(Tb[2].grad, grads.db[2]) < 1e-10


def test_a_node_used_twice_receives_both_contributions():
    x = ad.Tensor(np.array([1.5, -2.0, 0.5]))
    y = ad.sum(x * x)                           # d/dx sum x^2 = 2x: both factors count
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * x.value)
    u = ad.Tensor(np.array([0.3, -0.7]))
    t = ad.tanh(u)
    E = ad.sum(t + ad.sigmoid(t) * t)           # t used three times, along paths of different length
    E.backward()
    want = numerical_gradient(lambda: float(np.sum(np.tanh(uv) + 1 / (1 + np.exp(-np.tanh(uv))) * np.tanh(uv))),
                              uv := u.value.copy())
    assert relative_error(u.grad, want) < TOL


def test_backward_twice_gives_the_same_gradients():
    x = ad.Tensor(np.array([[1.0, 2.0]]))
    E = ad.sum(ad.tanh(x) * x)
    E.backward()
    first = x.grad.copy()
    E.backward()
    np.testing.assert_array_equal(x.grad, first)


def test_a_long_chain_needs_no_recursion():
    x = ad.Tensor(np.array([0.1]))
    node = x
    for _ in range(5000):
        node = node * 1.0 + 0.0
    ad.sum(node).backward()
    np.testing.assert_allclose(x.grad, [1.0])
    order = ad.topological_order(node)
    assert len(order) == len({id(n) for n in order})


def test_the_order_puts_every_node_after_its_parents():
    a = ad.Tensor(np.ones(2))
    b = ad.tanh(a)
    c = b * a
    d = c + b
    order = ad.topological_order(ad.sum(d))
    pos = {id(n): i for i, n in enumerate(order)}
    for n in order:
        for p in n.parents:
            assert pos[id(p)] < pos[id(n)]


def test_ndarray_on_the_left_gives_a_tensor():
    x = ad.Tensor(np.ones((2, 3)))
    y = np.arange(3.0) + x
    assert isinstance(y, ad.Tensor) and y.shape == (2, 3)
    z = np.ones((4, 2)) @ x
    assert isinstance(z, ad.Tensor) and z.shape == (4, 3)


@pytest.mark.parametrize("build, words", [
    (lambda: ad.matmul(np.ones((2, 3)), np.ones((2, 3))), "matmul: shapes (2, 3) and (2, 3) do not chain"),
    (lambda: ad.matmul(np.ones(3), np.ones((3, 2))), "do not chain"),
    (lambda: ad.add(np.ones((4, 3)), np.ones(4)), "add: shapes (4, 3) and (4,) do not broadcast"),
    (lambda: ad.mul(np.ones((2, 3)), np.ones((3, 2))), "mul: shapes"),
    (lambda: ad.sub(np.ones(2), np.ones(3)), "sub: shapes"),
    (lambda: ad.transpose(np.ones(3)), "expected a matrix"),
    (lambda: ad.linear(np.ones((2, 3)), np.ones((3, 4)), np.ones(3)), "do not fit"),
    (lambda: ad.linear(np.ones((2, 3)), np.ones((4, 3)), np.ones(3)), "b has shape (3,), expected (4,)"),
    (lambda: ad.mse(np.ones((2, 3)), np.ones((3, 2))), "shape"),
    (lambda: ad.softmax_cross_entropy(np.ones((2, 3)), np.array([0, 1, 2])), "shape"),
    (lambda: ad.sum(np.ones((2, 3)), axis=2), "axis 2 out of range"),
    (lambda: ad.log(np.array([1.0, 0.0])), "positive"),
    (lambda: ad.activation(np.ones(2), "swish"), "unknown activation"),
    (lambda: ad.backward(ad.Tensor(np.ones(3))), "single number"),
])
def test_shape_mismatches_are_clear_errors(build, words):
    with pytest.raises(ValueError) as info:
        build()
    assert words in str(info.value), str(info.value)


def test_a_rule_of_the_wrong_shape_is_named_in_the_backward_pass():
    x = ad.Tensor(np.ones((2, 3)))
    W, b = ad.Tensor(np.ones((4, 3))), ad.Tensor(np.zeros(4))
    transposed = lambda G, A, W: (G @ W, A.T @ G, G.sum(axis=0))  # noqa: E731  dW transposed
    E = ad.sum(ad.linear(x, W, b, vjp=transposed))
    with pytest.raises(ValueError, match=r"linear: its rule returned a gradient of shape \(3, 4\) "
                                         r"for a parent of shape \(4, 3\)"):
        E.backward()
    E = ad.sum(ad.linear(x, W, b, vjp=lambda G, A, W: (G @ W, G.T @ A)))
    with pytest.raises(ValueError, match="returned 2 gradients for 3 parents"):
        E.backward()


def test_a_node_needs_tensor_parents_and_a_rule():
    with pytest.raises(TypeError, match="parent must be a Tensor"):
        ad.Tensor(1.0, parents=(np.ones(2),), vjp=lambda g: (g,))
    with pytest.raises(TypeError, match="needs its backward rule"):
        ad.Tensor(1.0, parents=(ad.Tensor(1.0),))
    with pytest.raises(TypeError):
        ad.backward(np.ones(1))


def test_an_own_activation_rule_is_used():
    z = ad.Tensor(np.array([[0.5, -1.0]]))
    a = ad.activation(z, "tanh", vjp=lambda G, zv, av, h: 2 * G)
    ad.sum(a).backward()
    np.testing.assert_array_equal(z.grad, [[2.0, 2.0]])


def test_softmax_cross_entropy_is_stable_for_large_logits():
    z = ad.Tensor(np.array([[1000.0, 0.0, -1000.0]]))
    E = ad.softmax_cross_entropy(z, np.array([1]))
    E.backward()
    assert E.value == pytest.approx(1000.0)
    np.testing.assert_allclose(z.grad, [[1.0, -1.0, 0.0]], atol=1e-12)


class _InstalledButUnloadable(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds a module ``torch`` whose loading raises, as PyTorch's does in the graders' sandbox
    ("libtorch_cpu.so: failed to map segment from shared object")."""

    def __init__(self, error):
        self.error = error

    def find_spec(self, name, path=None, target=None):
        return importlib.util.spec_from_loader(name, self) if name == "torch" else None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        raise self.error("libtorch_cpu.so: failed to map segment from shared object")


@pytest.mark.parametrize("error", [ImportError, OSError])
def test_torch_available_is_false_when_torch_is_installed_but_cannot_be_loaded(monkeypatch, error):
    """The notebook's PyTorch cell then skips with its note instead of raising."""
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_InstalledButUnloadable(error), *sys.meta_path])
    assert importlib.util.find_spec("torch") is not None
    assert ad.torch_available() is False


@pytest.mark.parametrize("sizes, hidden, loss", CONFIGS)
def test_the_same_network_in_pytorch_has_the_same_gradients(sizes, hidden, loss):
    """torch.nn.Linear stores its weight as (n_out, n_in), the layout of W[l]: the same weights
    loaded into torch.nn give the gradients of the delta recursion and of the graph (notebook 09,
    section 5). Runs only where PyTorch is installed; it is never a dependency."""
    torch = pytest.importorskip("torch")
    net, X, T, E_ref, grads, TW, Tb, _ = _graph_and_backward(sizes, hidden, loss)

    unit = {"tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU}[hidden]
    linears, layers = [], []
    for l in range(1, net.L + 1):
        linear = torch.nn.Linear(sizes[l - 1], sizes[l], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(net.W[l]))
            linear.bias.copy_(torch.from_numpy(net.b[l]))
        linears.append(linear)
        layers += [linear, unit()] if l < net.L else [linear]
    y = torch.nn.Sequential(*layers)(torch.from_numpy(X))
    if loss == "sse":       # the mean over the batch of (1/2) ||y_n - t_n||^2
        E = 0.5 * ((y - torch.from_numpy(T)) ** 2).sum(dim=1).mean()
    else:
        E = torch.nn.functional.cross_entropy(y, torch.from_numpy(T).long())
    E.backward()

    assert E.item() == pytest.approx(E_ref, rel=1e-12)
    for l, linear in enumerate(linears, start=1):
        dW, db = linear.weight.grad.numpy(), linear.bias.grad.numpy()
        assert dW.shape == net.W[l].shape and db.shape == net.b[l].shape, f"layer {l}"
        assert relative_error(dW, grads.dW[l]) < 1e-10, f"W[{l}] against the delta recursion"
        assert relative_error(db, grads.db[l]) < 1e-10, f"b[{l}] against the delta recursion"
        assert relative_error(dW, TW[l].grad) < 1e-10, f"W[{l}] against the graph"
        assert relative_error(db, Tb[l].grad) < 1e-10, f"b[{l}] against the graph"
