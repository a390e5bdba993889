"""Initializers: the variance each paper prescribes, reproducibility, bad input."""
import numpy as np
import pytest

from nnlib import init


def _var_within(sample, var, n_se=6):
    """Sample variance within n_se standard errors of var (normal: se = var sqrt(2/(n-1)))."""
    se = var * np.sqrt(2.0 / (sample.size - 1))
    return abs(sample.var() - var) < n_se * se


@pytest.mark.parametrize("name,variance", [
    ("xavier_normal", lambda fi, fo: 2 / (fi + fo)),
    ("xavier_uniform", lambda fi, fo: 2 / (fi + fo)),
    ("he_normal", lambda fi, fo: 2 / fi),
    ("he_uniform", lambda fi, fo: 2 / fi),
])
def test_variance_is_the_papers(name, variance):
    f = init.get_initializer(name)
    fan_out, fan_in = 300, 500  # non-square, so swapping the fans is a different variance
    w = f((fan_out, fan_in), np.random.default_rng(0))
    assert w.shape == (300, 500) and w.dtype == np.float64
    assert abs(w.mean()) < 6 * np.sqrt(variance(fan_in, fan_out) / w.size)
    # uniform's variance estimator has a smaller spread than the normal's: the bound still holds
    assert _var_within(w, variance(fan_in, fan_out))
    if name.startswith("he"):  # Xavier is symmetric in the fans; He must use fan_in = shape[1]
        assert not _var_within(w, variance(fan_out, fan_in))


def test_uniform_bounds():
    w = init.xavier_uniform((40, 60), np.random.default_rng(1))
    assert np.abs(w).max() <= np.sqrt(6 / 100)
    w = init.he_uniform((40, 60), np.random.default_rng(1))
    assert np.abs(w).max() <= np.sqrt(6 / 60)


def test_reproducible_and_never_uses_global_state():
    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    a = init.he_normal((5, 4), np.random.default_rng(7))
    b = init.he_normal((5, 4), 7)
    assert np.array_equal(a, b)
    assert np.array_equal(np.random.get_state()[1], state)
    with pytest.raises(TypeError, match="default_rng"):
        init.he_normal((5, 4), None)


def test_simple_initializers():
    assert np.all(init.zeros((2, 3)) == 0)
    assert np.all(init.constant(0.5)((2, 3)) == 0.5)
    w = init.normal(0.01)((200, 200), np.random.default_rng(0))
    assert _var_within(w, 1e-4)
    u = init.uniform(-1, 1)((10, 10), np.random.default_rng(0))
    assert u.min() >= -1 and u.max() < 1


def test_bad_input():
    with pytest.raises(ValueError, match="known: .*he_normal"):
        init.get_initializer("kaiming")
    with pytest.raises(ValueError, match="shape"):
        init.he_normal((3,), np.random.default_rng(0))
    with pytest.raises(ValueError):
        init.normal(-1.0)
