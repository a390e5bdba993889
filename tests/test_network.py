"""The MLP: shapes, whole-network gradients (central differences and autograd), bad input, XOR, digits."""
import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnlib import MLP, data, fit
from nnlib.activations import ACTIVATIONS
from nnlib.gradcheck import network_numerical_gradients, relative_error
from nettargets import random_targets

HIDDEN = sorted(set(ACTIVATIONS) - {"silu"})  # silu is an alias of swish
OUTPUT_PAIRS = [("sse", None), ("bce", None), ("softmax_ce", None), ("logistic", None),
                ("sse", "sigmoid"), ("sse", "softmax")]


def _targets(loss, n, k, rng):
    return random_targets(loss.error.targets, n, k, rng, class_ids=True)


def _random_net(rng, depth, hidden, error, output, n_in=None):
    sizes = [int(n_in or rng.integers(1, 5))] + [int(s) for s in rng.integers(1, 5, size=depth)]
    if error == "softmax_ce" or output == "softmax":
        sizes[-1] = max(sizes[-1], 2)
    net = MLP(sizes, hidden=hidden, loss=error, output=output, rng=rng)
    # random biases keep ReLU-like units away from their kink at z = 0
    net.set_params(net.W, [None] + [rng.uniform(-1, 1, size=s) for s in sizes[1:]])
    return net


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), depth=st.integers(1, 4), hidden=st.sampled_from(HIDDEN),
       pair=st.sampled_from(OUTPUT_PAIRS), n=st.integers(1, 6))
def test_backprop_matches_central_differences(seed, depth, hidden, pair, n):
    rng = np.random.default_rng(seed)
    net = _random_net(rng, depth, hidden, *pair)
    X = rng.normal(size=(n, net.sizes[0]))
    T = _targets(net.loss, n, net.sizes[-1], rng)
    fp = net.forward(X)
    for l in range(1, net.L):  # keep kinked units away from z = 0 (there h' is not defined)
        if net.hidden[l].kinks and np.min(np.abs(fp.z[l])) < 1e-3:
            return
    _, grads = net.gradients(X, T)
    # eps = 1e-5 balances truncation (O(eps^2)) against round-off (O(1e-16 / eps)) in float64
    num_dW, num_db = network_numerical_gradients(net, X, T, eps=1e-5)
    E = net.error(X, T)
    for l in range(1, net.L + 1):
        assert grads.dW[l].shape == net.W[l].shape and grads.db[l].shape == net.b[l].shape
        for name, g, num in ((f"dW[{l}]", grads.dW[l], num_dW[l]), (f"db[{l}]", grads.db[l], num_db[l])):
            if _resolvable(num, E):
                assert relative_error(g, num) < 1e-7, name


def _resolvable(num, E, eps=1e-5):
    """Can float64 central differences resolve this gradient to 1e-8 relative error?

    Their round-off is about 1e-16 |E| / eps in absolute terms, so a gradient much smaller than
    the error itself (vanishing gradients in a deep sigmoid net) cannot be checked to 1e-7 this
    way; those parameters are still checked against autograd below.
    """
    roundoff = np.finfo(float).eps * max(abs(E), 1e-3) / eps
    return np.max(np.abs(num)) > roundoff / 1e-8


# An independent implementation in autograd.numpy, differentiated automatically.
_AG_HIDDEN = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 1 / (1 + anp.exp(-z)),
    "tanh": anp.tanh,
    "relu": lambda z: anp.maximum(z, 0.0),
    "leaky_relu": lambda z: anp.where(z > 0, z, 0.01 * z),
    "elu": lambda z: anp.where(z > 0, z, anp.exp(anp.minimum(z, 0.0)) - 1),
    "swish": lambda z: z / (1 + anp.exp(-z)),
    "gelu": lambda z: 0.5 * z * (1 + anp.tanh(anp.sqrt(2 / anp.pi) * (z + 0.044715 * z**3))),
}


def _ag_error(params, X, T, hidden, error):
    a = X
    L = len(params) // 2
    for l in range(L):
        z = anp.dot(a, params[2 * l].T) + params[2 * l + 1]
        a = _AG_HIDDEN[hidden](z) if l < L - 1 else z
    if error == "sse":
        per = 0.5 * anp.sum((a - T) ** 2, axis=1)
    elif error == "bce":
        y = 1 / (1 + anp.exp(-a))
        per = -anp.sum(T * anp.log(y) + (1 - T) * anp.log(1 - y), axis=1)
    elif error == "logistic":
        per = anp.sum(anp.log(1 + anp.exp(-T * a)), axis=1)
    else:
        y = anp.exp(a) / anp.sum(anp.exp(a), axis=1, keepdims=True)
        per = -anp.sum(T * anp.log(y), axis=1)
    return anp.mean(per)


@pytest.mark.parametrize("hidden", sorted(_AG_HIDDEN))
@pytest.mark.parametrize("error", ["sse", "bce", "softmax_ce", "logistic"])
def test_backprop_matches_autograd(hidden, error):
    rng = np.random.default_rng(11)
    for depth in (1, 2, 3, 4):
        net = _random_net(rng, depth, hidden, error, None, n_in=3)
        X = rng.normal(size=(5, 3))
        T = _targets(net.loss, 5, net.sizes[-1], rng)
        T_full = np.eye(net.sizes[-1])[T] if error == "softmax_ce" else T
        params = [p.copy() for _, p in net.params()]
        expected = autograd.grad(_ag_error)(params, X, T_full, hidden, error)
        _, grads = net.gradients(X, T)
        for l in range(1, net.L + 1):
            assert relative_error(grads.dW[l], expected[2 * (l - 1)]) < 1e-10
            assert relative_error(grads.db[l], expected[2 * (l - 1) + 1]) < 1e-10
        assert net.error(X, T) == pytest.approx(_ag_error(params, X, T_full, hidden, error), rel=1e-12)


def test_forward_keeps_every_layer_with_documented_shapes():
    rng = np.random.default_rng(0)
    net = MLP([4, 6, 5, 3], hidden=[None, "relu", "tanh"], loss="softmax_ce", rng=rng)
    X = rng.normal(size=(7, 4))
    fp = net.forward(X)
    assert fp.z[0] is None and fp.a[0] is X or np.array_equal(fp.a[0], X)
    assert [z.shape for z in fp.z[1:]] == [(7, 6), (7, 5), (7, 3)]
    assert np.allclose(fp.z[1], X @ net.W[1].T + net.b[1])
    assert np.allclose(fp.a[1], np.maximum(fp.z[1], 0)) and np.allclose(fp.a[2], np.tanh(fp.z[2]))
    assert np.allclose(fp.y.sum(axis=1), 1.0)


def test_params_are_settable_and_checked():
    net = MLP([2, 3, 1], loss="bce", rng=0)
    W = [None, np.ones((3, 2)), np.ones((1, 3))]
    b = [None, np.zeros(3), np.zeros(1)]
    net.set_params(W, b)
    assert np.array_equal(net.W[1], np.ones((3, 2))) and net.W[1] is not W[1]
    with pytest.raises(ValueError, match=r"layer 1: W\[1\] has shape \(2, 3\) but expected \(3, 2\).*transposed"):
        net.set_params([None, np.ones((2, 3)), np.ones((1, 3))], b)
    with pytest.raises(ValueError, match=r"layer 2: b\[2\] has shape \(3,\) but expected \(1,\)"):
        net.set_params(W, [None, np.zeros(3), np.zeros(3)])
    with pytest.raises(ValueError, match=r"W\[0\] and b\[0\] must be None"):
        net.set_params(W[1:], b[1:])
    assert net.n_params == 3 * 2 + 3 + 1 * 3 + 1


def test_bad_input_names_layer_and_both_shapes():
    net = MLP([3, 4, 2], loss="sse", rng=0)
    with pytest.raises(ValueError, match=r"layer 1: X has shape \(5, 4\) but W\[1\] has shape \(4, 3\)"):
        net.forward(np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"targets T have shape \(5, 3\).*\(5, 2\)"):
        net.gradients(np.zeros((5, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"class ids must be in 0\.\.1"):
        MLP([3, 2], loss="softmax_ce", rng=0).gradients(np.zeros((2, 3)), np.array([0, 2]))
    with pytest.raises(ValueError, match="unknown activation 'tan'; known activations: .*tanh"):
        MLP([3, 4, 2], hidden="tan", rng=0)
    with pytest.raises(ValueError, match="unknown loss 'ce'; known losses"):
        MLP([3, 4, 2], loss="ce", rng=0)
    with pytest.raises(ValueError, match=r"2 hidden layers: .*indexed by layer \[None, h_1, \.\.\., h_2\].*got a list of length 1"):
        MLP([3, 4, 4, 2], hidden=["tanh"], rng=0)
    with pytest.raises(ValueError, match="got a list of length 2"):  # unpadded: entry 0 is layer 0
        MLP([3, 4, 4, 2], hidden=["tanh", "relu"], rng=0)
    with pytest.raises(TypeError, match="default_rng"):
        MLP([3, 2])


def test_copy_is_independent():
    net = MLP([2, 2, 1], loss="sse", rng=0)
    other = net.copy()
    other.W[1][0, 0] += 1.0
    assert net.W[1][0, 0] != other.W[1][0, 0]


def test_hand_set_xor_network():
    """2-2-1: hidden unit 1 computes OR, hidden unit 2 computes AND, output: OR and not AND."""
    X, t = data.xor()
    net = MLP([2, 2, 1], hidden="sigmoid", loss="bce", rng=0)
    net.set_params([None, 20 * np.array([[1.0, 1.0], [1.0, 1.0]]), 20 * np.array([[1.0, -1.0]])],
                   [None, 20 * np.array([-0.5, -1.5]), 20 * np.array([-0.5])])
    assert np.array_equal(net.predict(X), t)
    assert net.accuracy(X, t) == 1.0


def test_trained_xor_reaches_100_percent_for_most_seeds():
    X, t = data.xor()
    solved = 0
    for seed in range(10):
        net = MLP([2, 3, 1], hidden="tanh", loss="bce", rng=seed)
        fit(net, X, t.reshape(-1, 1), epochs=1000, batch_size=4, learning_rate=1.0, rng=seed)
        solved += net.accuracy(X, t) == 1.0
    assert solved >= 7


def test_digits_default_network_reaches_96_percent():
    d = data.digits()
    net = MLP([64, 64, 10], hidden="tanh", loss="softmax_ce", rng=0)
    history = fit(net, d.X_train, d.t_train, epochs=30, batch_size=32, learning_rate=0.1, rng=1,
                  validation=(d.X_test, d.t_test))
    assert history.loss[-1] < history.loss[0]
    assert net.accuracy(d.X_test, d.t_test) >= 0.96
    assert history.val_accuracy[-1] == net.accuracy(d.X_test, d.t_test)


@pytest.mark.parametrize("loss,T,expected", [
    ("softmax_ce", None, "argmax"),
    ("bce", None, "threshold"),
    ("logistic", None, "sign"),
])
def test_predict_per_output_unit(loss, T, expected):
    rng = np.random.default_rng(3)
    k = 3 if loss == "softmax_ce" else 1
    net = MLP([2, 4, k], loss=loss, rng=rng)
    X = rng.normal(size=(20, 2))
    y = net.output(X)
    pred = net.predict(X)
    if expected == "argmax":
        assert np.array_equal(pred, y.argmax(axis=1))
    elif expected == "threshold":
        assert np.array_equal(pred, (y[:, 0] > 0.5).astype(int))
    else:
        assert np.array_equal(pred, np.where(y[:, 0] > 0, 1, -1))


def test_forward_accepts_plain_functions_backward_asks_for_an_activation():
    import nnlib

    rng = np.random.default_rng(5)
    net = MLP([3, 4, 2], hidden="tanh", loss="sse", rng=rng)
    X = rng.normal(size=(2, 3))
    fp = nnlib.forward(X, net.W, net.b, np.tanh, "sse")
    assert np.allclose(fp.y, net.output(X))
    with pytest.raises(TypeError, match="layer 1: the backward pass needs h'"):
        nnlib.backward(fp, np.zeros((2, 2)), net.W, np.tanh, "sse")
