"""Every registered activation's derivative against central differences, and softmax."""
import numpy as np
import pytest

from nnlib import activations as act
from nnlib.gradcheck import relative_error

NAMES = sorted(act.ACTIVATIONS)


def _away_from_kinks(activation, rng, shape=(7, 5)):
    z = rng.uniform(-3, 3, size=shape)
    for k in activation.kinks:
        close = np.abs(z - k) < 0.1
        z[close] += 0.2
    return z


def _central(f, z, eps=1e-6):
    return (f(z + eps) - f(z - eps)) / (2 * eps)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_central_difference(name):
    rng = np.random.default_rng(1)
    a = act.get_activation(name)
    z = _away_from_kinks(a, rng)
    assert relative_error(a.prime(z), _central(a, z)) < 1e-7


@pytest.mark.parametrize("name", NAMES)
def test_shape_and_dtype_kept(name):
    a = act.get_activation(name)
    z = np.arange(-6, 6).reshape(3, 4)  # ints in, floats out
    assert a(z).shape == (3, 4) and a(z).dtype == np.float64
    assert a.prime(z).shape == (3, 4)


@pytest.mark.parametrize("name,alpha", [("leaky_relu", 0.2), ("elu", 0.5)])
def test_parameterised_activation_derivative(name, alpha):
    a = act.get_activation(name).with_params(alpha=alpha)
    z = np.array([-2.0, -0.5, 0.5, 2.0])
    assert relative_error(a.prime(z), _central(a, z)) < 1e-7
    assert a(np.array([-1.0]))[0] == pytest.approx(-alpha if name == "leaky_relu" else alpha * (np.exp(-1) - 1))


def test_with_params_rejects_unknown_parameter():
    with pytest.raises(ValueError, match="no parameter"):
        act.get_activation("tanh").with_params(alpha=1)


def test_sigmoid_is_stable_for_large_inputs():
    z = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # any overflow would raise here
        s = act.sigmoid(z)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    assert s[1] == pytest.approx(np.exp(-50.0), rel=1e-12)
    assert np.all(np.isfinite(act.sigmoid_prime(z)))


def test_relu_derivative_at_kink_is_zero():
    assert act.relu_prime(np.array([0.0]))[0] == 0.0


def test_tanh_derivative_from_activation_agrees():
    z = np.linspace(-3, 3, 13)
    assert np.allclose(act.tanh_prime_from_activation(np.tanh(z)), act.tanh_prime(z))


def test_gelu_close_to_exact_gelu():
    from math import erf, sqrt

    z = np.linspace(-4, 4, 41)
    exact = np.array([0.5 * v * (1 + erf(v / sqrt(2))) for v in z])
    assert np.max(np.abs(act.gelu(z) - exact)) < 1e-3  # the tanh approximation's accuracy


def test_softmax_rows_sum_to_one_and_shift_invariant():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(6, 4))
    y = act.softmax(z)
    assert np.allclose(y.sum(axis=1), 1.0)
    assert np.allclose(act.softmax(z + 123.0), y)
    assert np.allclose(np.exp(act.log_softmax(z)), y)


def test_softmax_large_logits_do_not_overflow():
    z = np.array([[1000.0, 999.0, -1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = act.softmax(z)
    e = np.exp([0.0, -1.0])
    assert np.allclose(y[0, :2], e / e.sum()) and y[0, 2] == 0.0


def test_unknown_activation_lists_known_ones():
    with pytest.raises(ValueError) as info:
        act.get_activation("sigmod")
    for name in ("sigmoid", "tanh", "relu"):
        assert name in str(info.value)
    with pytest.raises(ValueError, match="output unit"):
        act.get_activation("softmax")


def test_registering_an_activation_makes_it_available():
    new = act.Activation("cube", lambda z: np.asarray(z, float) ** 3, lambda z: 3 * np.asarray(z, float) ** 2)
    act.register(new)
    try:
        assert act.get_activation("cube") is new
    finally:
        del act.ACTIVATIONS["cube"]


@pytest.mark.parametrize("name", NAMES)
def test_derivative_given_the_activation_equals_derivative_of_z(name):
    a = act.get_activation(name)
    z = _away_from_kinks(a, np.random.default_rng(4))
    assert np.allclose(a.prime_given(z, a(z)), a.prime(z), rtol=1e-12, atol=1e-15)
