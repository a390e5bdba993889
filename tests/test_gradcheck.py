"""Finite differences, the relative error and the per-parameter gradient check."""
import numpy as np
import pytest

from nnlib import MLP
from nnlib.gradcheck import check_gradients, numerical_gradient, relative_error


def test_central_is_second_order_and_forward_first_order():
    x = np.array([0.7])
    exact = np.cos(0.7)
    errs = {}
    for method in ("forward", "central"):
        errs[method] = [abs(numerical_gradient(lambda: np.sin(x[0]), x, eps, method)[0] - exact)
                        for eps in (1e-2, 1e-3)]
    # shrinking eps 10x shrinks the error ~10x (forward) and ~100x (central)
    assert 5 < errs["forward"][0] / errs["forward"][1] < 20
    assert 50 < errs["central"][0] / errs["central"][1] < 200


def test_numerical_gradient_of_quadratic_form_and_restores_input():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    x = rng.normal(size=(2, 2))
    before = x.copy()
    g = numerical_gradient(lambda: float(x.ravel() @ A @ x.ravel()), x)
    assert np.array_equal(x, before)
    assert relative_error(g, ((A + A.T) @ x.ravel()).reshape(2, 2)) < 1e-8


def test_numerical_gradient_rejects_bad_input():
    with pytest.raises(ValueError, match="method"):
        numerical_gradient(lambda: 0.0, np.zeros(2), method="backward")
    with pytest.raises(ValueError, match="float"):
        numerical_gradient(lambda: 0.0, np.zeros(2, dtype=int))
    with pytest.raises(ValueError, match="scalar"):
        numerical_gradient(lambda: np.zeros(3), np.zeros(2))


def test_relative_error_properties():
    u = np.array([1.0, -2.0, 3.0])
    assert relative_error(u, u) == 0.0
    assert relative_error(u, -u) == pytest.approx(1.0)
    assert relative_error(u, 1000 * u) == pytest.approx(relative_error(2 * u, 2000 * u))
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    with pytest.raises(ValueError, match="shapes"):
        relative_error(np.zeros(3), np.zeros((3, 1)))


def test_check_gradients_reports_per_parameter_and_catches_a_broken_gradient():
    rng = np.random.default_rng(1)
    net = MLP([3, 4, 2], hidden="tanh", loss="sse", rng=rng)
    X, T = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    report = check_gradients(net, X, T)
    assert report.ok and set(report.errors) == {"W[1]", "b[1]", "W[2]", "b[2]"}
    _, grads = net.gradients(X, T)
    grads.dW[1] = grads.dW[1] * 2  # a wrong factor in one layer only
    bad = check_gradients(net, X, T, grads=grads)
    assert not bad.ok
    assert bad.errors["W[1]"] > 0.1 and bad.errors["W[2]"] < 1e-7
    assert "FAIL" in str(bad)


def test_float32_input_divides_by_the_step_actually_taken():
    # in float32, 3 + 1e-5 rounds to 3.0000100135803223: dividing by eps would be off by 1e-3
    x = np.array([3.0, -1.5, 0.25], dtype=np.float32)
    f = lambda: float(np.sum(x.astype(np.float64) ** 3))  # noqa: E731
    got = numerical_gradient(f, x, eps=1e-5)
    exact = 3.0 * x.astype(np.float64) ** 2
    assert np.max(np.abs(got - exact) / np.abs(exact)) < 1e-6
    naive_step = float(np.float32(3.0) + np.float32(1e-5)) - 3.0
    assert abs(naive_step - 1e-5) / 1e-5 > 1e-3  # the rounding this test is about is real


def test_eps_below_the_dtype_resolution_is_rejected():
    x = np.array([1.0], dtype=np.float32)
    with pytest.raises(ValueError, match="does not change x\\[0\\]"):
        numerical_gradient(lambda: float(x[0]) ** 2, x, eps=1e-10)
