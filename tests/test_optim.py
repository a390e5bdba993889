"""nnlib.optim: RMSprop and Adam against independent per-entry implementations written here,
Adam's bias correction on its first step, the badly conditioned quadratic they are for, and
their errors for bad hyperparameters."""
import math

import numpy as np
import pytest

import nnlib
from nnlib import optim


def _params(rng, sizes):
    L = len(sizes) - 1
    W = [None] + [rng.normal(size=(sizes[l], sizes[l - 1])) for l in range(1, L + 1)]
    b = [None] + [rng.normal(size=sizes[l]) for l in range(1, L + 1)]
    return W, b


def _copy(ps):
    return [None] + [p.copy() for p in ps[1:]]


def _entries(ps):
    """(layer, index) of every entry of a per-layer list."""
    return [(l, i) for l in range(1, len(ps)) for i in np.ndindex(ps[l].shape)]


def rmsprop_by_entry(theta, grads, lr, rho, eps, decay):
    """Scalar RMSprop over several steps; theta, grads: floats and a list of floats."""
    s = 0.0
    for g in grads:
        g = g + decay * theta
        s = rho * s + (1 - rho) * g * g
        theta = theta - lr * g / (math.sqrt(s) + eps)
    return theta


def adam_by_entry(theta, grads, lr, b1, b2, eps, decay):
    m = v = 0.0
    for t, g in enumerate(grads, start=1):
        g = g + decay * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta = theta - lr * (m / (1 - b1 ** t)) / (math.sqrt(v / (1 - b2 ** t)) + eps)
    return theta


@pytest.mark.parametrize("decay", [0.0, 0.05])
def test_rmsprop_matches_a_scalar_loop_over_three_steps(decay):
    # the gradient here does not depend on theta: each step's g is drawn up front, so the
    # scalar loop sees exactly the same sequence (with decay, g + decay * theta is recomputed)
    rng = np.random.default_rng(0)
    W, b = _params(rng, [3, 4, 2])
    steps = [(_params(rng, [3, 4, 2])) for _ in range(3)]
    W0, b0 = _copy(W), _copy(b)
    sW, sb = [None] + [np.zeros_like(w) for w in W[1:]], [None] + [np.zeros_like(x) for x in b[1:]]
    for dW, db in steps:
        optim.rmsprop_step(W, b, dW, db, sW, sb, 0.01, rho=0.8, eps=1e-6, weight_decay=decay)
    for l, i in _entries(W0):
        want = rmsprop_by_entry(W0[l][i], [dW[l][i] for dW, _ in steps], 0.01, 0.8, 1e-6, decay)
        assert W[l][i] == pytest.approx(want, rel=1e-12, abs=1e-15)
    for l, i in _entries(b0):  # biases are never decayed
        want = rmsprop_by_entry(b0[l][i], [db[l][i] for _, db in steps], 0.01, 0.8, 1e-6, 0.0)
        assert b[l][i] == pytest.approx(want, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("decay", [0.0, 0.05])
def test_adam_matches_a_scalar_loop_over_four_steps(decay):
    rng = np.random.default_rng(1)
    W, b = _params(rng, [2, 3, 3, 1])
    steps = [_params(rng, [2, 3, 3, 1]) for _ in range(4)]
    W0, b0 = _copy(W), _copy(b)
    state = [[None] + [np.zeros_like(p) for p in ps[1:]] for ps in (W, b, W, b)]
    for t, (dW, db) in enumerate(steps, start=1):
        optim.adam_step(W, b, dW, db, *state, t, 0.05, beta1=0.8, beta2=0.95, eps=1e-7,
                        weight_decay=decay)
    for l, i in _entries(W0):
        want = adam_by_entry(W0[l][i], [dW[l][i] for dW, _ in steps], 0.05, 0.8, 0.95, 1e-7, decay)
        assert W[l][i] == pytest.approx(want, rel=1e-12, abs=1e-15)
    for l, i in _entries(b0):
        want = adam_by_entry(b0[l][i], [db[l][i] for _, db in steps], 0.05, 0.8, 0.95, 1e-7, 0.0)
        assert b[l][i] == pytest.approx(want, rel=1e-12, abs=1e-15)


def test_adams_first_step_moves_every_entry_by_the_learning_rate_whatever_its_gradient():
    W = [None, np.zeros((2, 2))]
    b = [None, np.zeros(2)]
    dW = [None, np.array([[1e-4, -3.0], [250.0, -0.02]])]
    db = [None, np.array([7.0, -1e-3])]
    state = [[None, np.zeros((2, 2))], [None, np.zeros(2)], [None, np.zeros((2, 2))], [None, np.zeros(2)]]
    optim.adam_step(W, b, dW, db, *state, 1, 0.01, eps=1e-12)
    np.testing.assert_allclose(W[1], -0.01 * np.sign(dW[1]), rtol=1e-6)
    np.testing.assert_allclose(b[1], -0.01 * np.sign(db[1]), rtol=1e-6)
    # without the correction the first step would be (1 - beta1) / sqrt(1 - beta2) = 3.16 times larger
    assert abs(W[1][0, 0]) < 0.011


def test_gradients_are_left_unchanged_and_state_is_updated_in_place():
    rng = np.random.default_rng(2)
    W, b = _params(rng, [3, 2])
    dW, db = _params(rng, [3, 2])
    dW0, db0 = _copy(dW), _copy(db)
    sW, sb = [None, np.zeros((2, 3))], [None, np.zeros(2)]
    s_array = sW[1]
    optim.rmsprop_step(W, b, dW, db, sW, sb, 0.1)
    assert sW[1] is s_array and np.all(s_array > 0)
    assert all(np.array_equal(x[1], y[1]) for x, y in ((dW, dW0), (db, db0)))


def test_on_a_badly_conditioned_quadratic_adam_and_rmsprop_beat_sgd():
    """E = 0.5 (100 w1^2 + w2^2): the largest stable SGD learning rate (< 2/100) crawls along w2."""
    def grad(w):
        return np.array([100.0 * w[0], w[1]])

    def run(step, n=100):
        w = [None, np.array([[1.0, 1.0]])]
        b = [None, np.zeros(1)]
        for t in range(1, n + 1):
            step(w, b, [None, grad(w[1][0])[None, :]], [None, np.zeros(1)], t)
        return 0.5 * (100 * w[1][0, 0] ** 2 + w[1][0, 1] ** 2)

    sgd = run(lambda W, b, dW, db, t: nnlib.sgd_step(W, b, dW, db, 0.019))
    state_r = [[None, np.zeros((1, 2))], [None, np.zeros(1)]]
    rms = run(lambda W, b, dW, db, t: optim.rmsprop_step(W, b, dW, db, *state_r, 0.02))
    state_a = [[None, np.zeros((1, 2))], [None, np.zeros(1)], [None, np.zeros((1, 2))], [None, np.zeros(1)]]
    adam = run(lambda W, b, dW, db, t: optim.adam_step(W, b, dW, db, *state_a, t, 0.04))
    assert sgd > 0.005       # 100 steps shrink w2 only by (1 - 0.019)^100 ~ 0.15: E ~ 0.011
    assert rms < sgd / 10 and adam < sgd / 10


@pytest.mark.parametrize("make, match", [
    (lambda: optim.Adam(learning_rate=0), "learning_rate"),
    (lambda: optim.Adam(beta1=1.0), "beta1"),
    (lambda: optim.Adam(beta2=-0.1), "beta2"),
    (lambda: optim.RMSprop(rho=1.5), "rho"),
    (lambda: optim.RMSprop(eps=0), "eps"),
    (lambda: optim.RMSprop(weight_decay=-1), "weight_decay"),
])
def test_bad_hyperparameters_are_named(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_adam_refuses_step_zero():
    W, b = [None, np.zeros((1, 1))], [None, np.zeros(1)]
    with pytest.raises(ValueError, match="counts from 1"):
        optim.adam_step(W, b, W, b, _copy(W), _copy(b), _copy(W), _copy(b), 0, 0.1)


@pytest.mark.parametrize("make", [lambda: optim.Adam(0.01), lambda: optim.RMSprop(0.003)])
def test_fit_trains_the_digits_with_an_adaptive_optimizer(make):
    d = nnlib.data.digits()
    net = nnlib.MLP([64, 32, 10], hidden="tanh", loss="softmax_ce", rng=0)
    opt = make()
    h = nnlib.fit(net, d.X_train, d.t_train, epochs=3, batch_size=64, rng=0, optimizer=opt)
    assert opt.steps == 3 * math.ceil(len(d.X_train) / 64)
    assert h.loss[-1] < h.loss[0] < math.log(10) and net.accuracy(d.X_test, d.t_test) > 0.85


def test_max_stable_learning_rate_is_where_gradient_descent_stops_converging():
    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    H = (q * np.array([0.5, 4.0, 80.0])) @ q.T
    eta = optim.max_stable_learning_rate(H)
    assert eta == pytest.approx(2 / 80.0)

    def final_norm(lr, steps=400):
        w = np.ones(3)
        for _ in range(steps):
            w = w - lr * H @ w
        return np.linalg.norm(w)
    assert final_norm(0.98 * eta) < 1e-2 and final_norm(1.02 * eta) > 1e2
    with pytest.raises(ValueError, match="positive definite"):
        optim.max_stable_learning_rate(-H)
    with pytest.raises(ValueError, match="symmetric"):
        optim.max_stable_learning_rate(np.ones((2, 3)))
