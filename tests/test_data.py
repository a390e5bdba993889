"""The data sets: shapes, the Bishop targets, the 2-D sets and the digits split."""
import numpy as np
import pytest

from nnlib import data


def test_xor():
    X, t = data.xor()
    assert X.shape == (4, 2) and t.tolist() == [int(a) ^ int(b) for a, b in X]


@pytest.mark.parametrize("name,f", [("square", lambda x: x * x), ("sin", lambda x: np.sin(np.pi * x)),
                                    ("abs", np.abs), ("step", lambda x: (x > 0).astype(float))])
def test_bishop_targets(name, f):
    x, t = data.bishop_targets(name, n=50)
    assert x.shape == t.shape == (50, 1)
    assert x.min() == -1 and x.max() == 1 and np.allclose(t, f(x))


def test_bishop_unknown_name():
    with pytest.raises(ValueError, match="square"):
        data.bishop_targets("cube")


@pytest.mark.parametrize("make", [data.circles, data.moons, data.spirals])
def test_two_class_sets_are_reproducible_and_balanced(make):
    X, t = make(101, rng=0)
    X2, t2 = make(101, rng=0)
    assert X.shape == (101, 2) and t.shape == (101,)
    assert np.array_equal(X, X2) and np.array_equal(t, t2)
    assert set(t.tolist()) == {0, 1} and abs(int(t.sum()) - 50) <= 1


def test_two_class_sets_are_not_linearly_separable():
    from sklearn.linear_model import LogisticRegression

    for make in (data.circles, data.spirals):
        X, t = make(300, rng=1)
        assert LogisticRegression().fit(X, t).score(X, t) < 0.8


def test_digits_split_is_fixed_stratified_and_standardized_on_train_only():
    d = data.digits()
    assert d.X_train.shape[1] == d.X_test.shape[1] == 64
    assert len(d.t_train) + len(d.t_test) == 1797
    assert d.images_test.shape == (len(d.t_test), 8, 8)
    assert np.allclose(d.X_train.mean(axis=0), 0, atol=1e-10)
    assert not np.allclose(d.X_test.mean(axis=0), 0, atol=1e-3)  # test part not used for fitting
    train_frac = np.bincount(d.t_train) / len(d.t_train)
    test_frac = np.bincount(d.t_test) / len(d.t_test)
    assert np.max(np.abs(train_frac - test_frac)) < 0.01
    assert np.allclose(d.X_test * d.std + d.mean, d.images_test.reshape(-1, 64))
    assert np.array_equal(data.digits().t_test, d.t_test)
